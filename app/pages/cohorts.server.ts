/**
 * Loader data of the cohorts page: the snapshot's cohort block trimmed to what is drawn, or,
 * with a cohort filter (`cut`), the same shapes derived from that cut's counts.
 */
import type { AdminApi } from "../sync/admin-api.server";
import type { CohortCutJson } from "../metrics/snapshot/types";
import { cohortFilterView, selectedCut } from "./cohort-filter.server";
import { loadPage } from "./page-base.server";

/** Months since the first purchase the cohort page can show. */
export const COHORT_COLUMNS = 36;
const round = (digits: number) => (x: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** A cut's rows as the page draws them: shares and cumulative revenue per customer. */
export function cutCohortRows(cut: CohortCutJson) {
  return cut.rows.map((row) => {
    let running = 0;
    return {
      month: row.month,
      size: row.size,
      completeMonths: row.completeMonths,
      nps: null,
      npsResponses: 0,
      activeShare: row.activeCustomers.slice(0, COHORT_COLUMNS).map((a) => round(4)(a / row.size)),
      cumulativeNetPerCustomer: row.netMinor.slice(0, COHORT_COLUMNS).map((net) => {
        running += net;
        return round(0)(running / row.size);
      }),
    };
  });
}

/**
 * The pooled LTV curve of a cut's cohorts, as historicalLtvCurve pools the whole shop's: at
 * k, Σ cumulative net ÷ Σ size over the cohorts whose month k has ended.
 */
export function cutLtvCurve(cut: CohortCutJson) {
  const width = Math.max(0, ...cut.rows.map((r) => Math.min(r.completeMonths, COHORT_COLUMNS)));
  const revenue = new Array<number>(width).fill(0);
  const customers = new Array<number>(width).fill(0);
  for (const row of cut.rows) {
    let running = 0;
    for (let k = 0; k < Math.min(row.completeMonths, width); k++) {
      running += row.netMinor[k];
      revenue[k] += running;
      customers[k] += row.size;
    }
  }
  return {
    cumulativeNetPerCustomer: revenue.map((r, k) => round(0)(r / customers[k])),
    customers,
  };
}

export async function cohortsData(
  domain: string,
  options: { cut?: string | null; api?: AdminApi | null } = {},
) {
  const { base, snapshot } = await loadPage(domain);
  if (!snapshot) return { ...base, cohorts: null, filter: null };
  const c = snapshot.cohorts;
  const filter = await cohortFilterView(snapshot, options.cut ?? null, options.api ?? null);
  const cut = selectedCut(snapshot.cohortCuts, filter.selected?.key ?? null);
  const nps = new Map(snapshot.nps.byCohort.map((g) => [g.key, g.metric]));
  const curve = cut ? cutLtvCurve(cut) : null;
  return {
    ...base,
    filter,
    cohorts: {
      asOfMonth: c.asOfMonth,
      totalCohorts: cut ? cut.rows.length : c.totalCohorts,
      rows: cut
        ? cutCohortRows(cut)
        : c.rows.map((row) => ({
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
        cumulativeNetPerCustomer:
          curve?.cumulativeNetPerCustomer ?? c.ltvCurve.cumulativeNetPerCustomer.map(round(0)),
        customers: curve?.customers ?? c.ltvCurve.customers,
        definition: c.ltvCurve.definition,
      },
      definitions: c.definitions,
    },
  };
}
