/** Loader data of the predictive LTV page: the snapshot's CLV models and LTV KPIs. */
import { loadPage } from "./page-base.server";

export async function ltvData(domain: string) {
  const { base, snapshot } = await loadPage(domain);
  if (!snapshot) {
    return {
      ...base,
      clv: null,
      sbg: null,
      historical: null,
      predicted: null,
      modelChurn: null,
    };
  }
  return {
    ...base,
    /** Includes modelChoice: each purchase model's holdout error and status, the one used. */
    clv: snapshot.clv,
    /** The sBG subscription fit's status and reason, for the fit-quality table. */
    sbg: snapshot.continuation.sbg,
    historical: snapshot.kpis.average_historical_ltv.metric,
    predicted: snapshot.kpis.average_predicted_clv.metric,
    modelChurn: snapshot.kpis.model_churn_share.metric,
  };
}
