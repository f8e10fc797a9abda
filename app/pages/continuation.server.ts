/** Loader data of the continuation page: the snapshot's continuation curves and sBG fit. */
import { loadPage } from "./page-base.server";

export async function continuationData(domain: string) {
  const { base, snapshot } = await loadPage(domain);
  if (!snapshot) return { ...base, continuation: null };
  const { all, subscription, sbg } = snapshot.continuation;
  return {
    ...base,
    continuation: {
      all,
      subscription,
      sbg,
      subscriptionCustomers: snapshot.counts.subscriptionCustomers,
      secondDelivery: snapshot.kpis.second_purchase_survival,
      f2: snapshot.kpis.f2_conversion,
    },
  };
}
