/** The Pareto page's parameters (client-safe: the route's component reads them too). */

/** Periods of the Pareto page (`?period=`), ending on the latest compute's as-of day. */
export const PARETO_PERIODS = ["3m", "12m", "24m", "all"] as const;
export type ParetoPeriod = (typeof PARETO_PERIODS)[number];
/** Below this many customers the decile groups are a handful of people: the page says so. */
export const MIN_PARETO_CUSTOMERS = 100;
