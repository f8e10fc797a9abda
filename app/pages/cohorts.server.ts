/** Loader data of the cohorts page: the snapshot's cohort block, trimmed to what is drawn. */
import { loadPage } from "./page-base.server";

/** Months since the first purchase the cohort page can show. */
export const COHORT_COLUMNS = 36;
const round = (digits: number) => (x: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export async function cohortsData(domain: string) {
  const { base, snapshot } = await loadPage(domain);
  if (!snapshot) return { ...base, cohorts: null };
  const c = snapshot.cohorts;
  const nps = new Map(snapshot.nps.byCohort.map((g) => [g.key, g.metric]));
  return {
    ...base,
    cohorts: {
      asOfMonth: c.asOfMonth,
      totalCohorts: c.totalCohorts,
      rows: c.rows.map((row) => ({
        month: row.month,
        size: row.size,
        completeMonths: row.completeMonths,
        nps: nps.get(row.month)?.value ?? null,
        npsResponses: nps.get(row.month)?.denominator ?? 0,
        activeShare: row.activeShare.slice(0, COHORT_COLUMNS).map(round(4)),
        cumulativeNetPerCustomer: row.cumulativeNetPerCustomer
          .slice(0, COHORT_COLUMNS)
          .map(round(0)),
      })),
      ltvCurve: {
        cumulativeNetPerCustomer: c.ltvCurve.cumulativeNetPerCustomer.map(round(0)),
        customers: c.ltvCurve.customers,
        definition: c.ltvCurve.definition,
      },
      definitions: c.definitions,
    },
  };
}
