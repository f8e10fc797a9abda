/**
 * Loader data of the predictive LTV page: the snapshot's CLV models and LTV KPIs, and the
 * cohort filter (issue 17) on the average LTV to date and, beside it, the mean of the
 * filtered customers' own predictions. The models are the shop's: fitted to all customers,
 * so the filter does not refit or split them.
 */
import { ratio, type Metric } from "../analytics/metric";
import type { CohortCutJson, CohortCutsBlock } from "../metrics/snapshot/types";
import type { AdminApi } from "../sync/admin-api.server";
import { cohortFilterView, selectedCut } from "./cohort-filter.server";
import { loadPage } from "./page-base.server";

/**
 * The cuts the LTV page can filter by: those holding their net revenue to date. Cuts stored
 * before it have none; the page then says the filter comes with the next compute.
 */
export function ltvCuts(block: CohortCutsBlock | undefined): CohortCutsBlock | undefined {
  return block?.cuts.every((c) => c.netToDateMinor !== undefined) ? block : undefined;
}

/**
 * The average LTV to date over a cut's customers: the shop's metric (same definition and
 * period) with the cut's net revenue to date and customers as numerator and base.
 */
export function cutHistoricalLtv(all: Metric, cut: CohortCutJson): Metric {
  const net = cut.netToDateMinor ?? 0;
  return {
    ...all,
    value: ratio(net, cut.customers),
    numerator: net,
    denominator: cut.customers,
    details: {},
  };
}

/**
 * The mean predicted LTV of a cut's customers the model covers (CohortCutsBlock.predictedLtv),
 * with its base; null when the snapshot has no per-cut predictions (the model did not fit,
 * or stored before them). A cut the model covers none of has a null mean.
 */
export function cutPredictedLtv(block: CohortCutsBlock | undefined, cut: CohortCutJson) {
  const predicted = block?.predictedLtv;
  if (!predicted) return null;
  const entry = predicted.cuts.find((c) => c.key === cut.key);
  return {
    horizonMonths: predicted.horizonMonths,
    /** The cut's customers the model covers: the mean's base. */
    modelled: entry?.customers ?? 0,
    customers: cut.customers,
    meanClvMinor: entry?.meanClvMinor ?? null,
  };
}

export async function ltvData(
  domain: string,
  options: { cut?: string | null; api?: AdminApi | null } = {},
) {
  const { base, snapshot } = await loadPage(domain);
  if (!snapshot) {
    return {
      ...base,
      clv: null,
      sbg: null,
      historical: null,
      historicalAll: null,
      predicted: null,
      modelChurn: null,
      filter: null,
      cutPredicted: null,
    };
  }
  const cohortCuts = ltvCuts(snapshot.cohortCuts);
  const filter = await cohortFilterView({ cohortCuts }, options.cut ?? null, options.api ?? null);
  const cut = selectedCut(cohortCuts, filter.selected?.key ?? null);
  const all = snapshot.kpis.average_historical_ltv.metric;
  return {
    ...base,
    /** Includes modelChoice: each purchase model's holdout error and status, the one used. */
    clv: snapshot.clv,
    /** The sBG subscription fit's status and reason, for the fit-quality table. */
    sbg: snapshot.continuation.sbg,
    /** Average LTV to date of the filter's customers (all customers without a filter). */
    historical: cut ? cutHistoricalLtv(all, cut) : all,
    /** The same over all customers, for comparison when filtered. */
    historicalAll: all,
    predicted: snapshot.kpis.average_predicted_clv.metric,
    modelChurn: snapshot.kpis.model_churn_share.metric,
    filter,
    /** The filter's customers' mean predicted LTV (only when filtered and the model fit). */
    cutPredicted: cut ? cutPredictedLtv(cohortCuts, cut) : null,
  };
}
