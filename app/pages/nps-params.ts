/** The NPS page's parameters (client-safe: the route's component reads them too). */

/** Comment filters of the NPS page (`?group=`). */
export const NPS_GROUPS = ["all", "promoters", "passives", "detractors"] as const;
export type NpsGroupFilter = (typeof NPS_GROUPS)[number];
