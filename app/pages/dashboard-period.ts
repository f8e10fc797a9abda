/**
 * The dashboard's comparison periods as the URL names them (?period=…), shared by the page's
 * server data and its selector (no server imports here).
 */
export const DASHBOARD_PERIODS = ["month", "quarter", "year", "last12", "range"] as const;
export type DashboardPeriod = (typeof DASHBOARD_PERIODS)[number];

/** Anything else (or nothing) is the default, months. */
export function parsePeriod(value: string | null): DashboardPeriod {
  return (DASHBOARD_PERIODS as readonly string[]).includes(value ?? "")
    ? (value as DashboardPeriod)
    : "month";
}
