/**
 * Loader data of the read-only analysis pages (cohorts, continuation, predictive LTV; the
 * migration page builds on loadPage in migration.server.ts): each takes the part of the
 * latest snapshot its page shows, trimmed to what is drawn.
 */
import type { ShopSnapshot } from "../metrics/snapshot";
import { latestSnapshot, loadShop, type ShopContext } from "./shop.server";
import type { ShopStatus } from "./types";

export interface PageBase {
  readonly found: boolean;
  readonly currency: string;
  readonly timeZone: string;
  readonly status: ShopStatus | null;
  readonly asOfDate: string | null;
  readonly computedAt: number | null;
}

/** The page base and latest snapshot of the session's shop (and the shop, when found). */
export async function loadPage(
  domain: string,
): Promise<{ base: PageBase; snapshot: ShopSnapshot | null; shop: ShopContext | null }> {
  const shop = await loadShop(domain);
  if (!shop) {
    return {
      base: {
        found: false,
        currency: "USD",
        timeZone: "UTC",
        status: null,
        asOfDate: null,
        computedAt: null,
      },
      snapshot: null,
      shop: null,
    };
  }
  const snapshot = await latestSnapshot(shop.id);
  return {
    base: {
      found: true,
      currency: snapshot?.currency ?? shop.currency,
      timeZone: snapshot?.timeZone ?? shop.timezone,
      status: shop.status,
      asOfDate: snapshot?.asOfDate ?? null,
      computedAt: snapshot?.computedAt ?? null,
    },
    snapshot,
    shop,
  };
}

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
