/** Loader data of the predictive LTV page: the snapshot's CLV models and LTV KPIs. */
import { loadPage } from "./page-base.server";

export async function ltvData(domain: string) {
  const { base, snapshot } = await loadPage(domain);
  if (!snapshot) {
    return { ...base, clv: null, historical: null, predicted: null, modelChurn: null };
  }
  return {
    ...base,
    clv: snapshot.clv,
    historical: snapshot.kpis.average_historical_ltv.metric,
    predicted: snapshot.kpis.average_predicted_clv.metric,
    modelChurn: snapshot.kpis.model_churn_share.metric,
  };
}
