/**
 * Loader data of the continuation page: the snapshot's continuation curves and sBG fit; with a
 * cohort filter (`cut`), continuation by purchase count is that cut's (subscription deliveries
 * and the sBG fit stay the whole shop's: the cuts hold purchase counts only).
 */
import { parseMonth } from "../analytics/time";
import type { AdminApi } from "../sync/admin-api.server";
import type {
  CohortCutJson,
  ContinuationJson,
  ContinuationRowJson,
} from "../metrics/snapshot/types";
import { cohortFilterView, selectedCut } from "./cohort-filter.server";
import { loadPage } from "./page-base.server";

/** A cut's continuation in the block's shape (shares derived from the counts). */
export function cutContinuation(
  cut: CohortCutJson,
  all: ContinuationJson,
  asOfMonth: string,
): ContinuationJson {
  const now = parseMonth(asOfMonth);
  const row = (label: string, month: string, reached: number[]): ContinuationRowJson => ({
    label,
    size: reached[0] ?? 0,
    ageMonths: now - parseMonth(month),
    reached,
    share: reached.map((r) => (reached[0] > 0 ? r / reached[0] : 0)),
  });
  const rows = cut.rows.map((r) => row(r.month, r.month, r.reached));
  return {
    maxPurchases: cut.totalReached.length,
    definition: all.definition,
    total:
      cut.customers > 0 && cut.rows.length > 0
        ? row("all", cut.rows[0].month, cut.totalReached)
        : null,
    totalCohorts: rows.length,
    rows,
  };
}

export async function continuationData(
  domain: string,
  options: { cut?: string | null; api?: AdminApi | null } = {},
) {
  const { base, snapshot } = await loadPage(domain);
  if (!snapshot) return { ...base, continuation: null, filter: null };
  const { all, subscription, sbg } = snapshot.continuation;
  const filter = await cohortFilterView(snapshot, options.cut ?? null, options.api ?? null);
  const cut = selectedCut(snapshot.cohortCuts, filter.selected?.key ?? null);
  return {
    ...base,
    filter,
    continuation: {
      all:
        cut && snapshot.cohortCuts ? cutContinuation(cut, all, snapshot.cohortCuts.asOfMonth) : all,
      subscription,
      sbg,
      subscriptionCustomers: snapshot.counts.subscriptionCustomers,
      secondDelivery: snapshot.kpis.second_purchase_survival,
      f2: snapshot.kpis.f2_conversion,
    },
  };
}
