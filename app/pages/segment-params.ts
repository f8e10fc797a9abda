/** Limits the segment pages share with their loaders and actions (no server imports). */

/** Longest recommended-action text a merchant can save. */
export const MAX_ACTION_LENGTH = 500;

/**
 * The drill-down's range filters as URL parameters: P(alive) in percent (0–100) and predicted
 * LTV in the shop currency's major units, each bound optional.
 */
export const FILTER_PARAMS = ["pAliveMin", "pAliveMax", "clvMin", "clvMax"] as const;
export type FilterParam = (typeof FILTER_PARAMS)[number];
export type FilterValues = Readonly<Record<FilterParam, string>>;
