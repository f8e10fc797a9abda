/**
 * The dashboard's data: the shop's sync and compute status, and from the latest snapshot's
 * summary (never the whole document) the KPI cards with their targets and trend lines.
 * Reads only; what the page does not show stays on the server.
 */
import type { Metric } from "../analytics/metric";
import type { TargetStatus } from "../analytics/targets";
import { KPI_IDS, type KpiId, type SnapshotTarget } from "../metrics/snapshot";
import { kpiHistory } from "./history.server";
import { latestSummary, loadShop } from "./shop.server";
import type { ShopStatus } from "./types";

/** Below this many buyers the numbers swing with every order: the page says so. */
export const TINY_SHOP_CUSTOMERS = 50;

export interface KpiView {
  readonly id: KpiId;
  readonly metric: Metric;
  readonly target: SnapshotTarget | null;
  readonly status: TargetStatus | null;
  readonly previousValue: number | null;
  readonly trend: (number | null)[];
}

export interface DashboardData {
  readonly found: boolean;
  readonly currency: string;
  readonly timeZone: string;
  readonly status: ShopStatus | null;
  readonly snapshot: {
    readonly asOf: number;
    readonly asOfDate: string;
    readonly computedAt: number;
    readonly customers: number;
    readonly customersWithPurchases: number;
    readonly orders: number;
    readonly netRevenueMinor: number;
    readonly firstPurchaseDate: string | null;
    readonly lastPurchaseDate: string | null;
    readonly tiny: boolean;
    readonly clvStatus: "ok" | "insufficient-data";
    readonly trendDates: string[];
    readonly kpis: KpiView[];
  } | null;
}

export async function dashboardData(domain: string): Promise<DashboardData> {
  const shop = await loadShop(domain);
  if (!shop) {
    return { found: false, currency: "USD", timeZone: "UTC", status: null, snapshot: null };
  }
  const [snapshot, history] = await Promise.all([
    latestSummary(shop.id),
    kpiHistory(shop.id, shop.timezone),
  ]);
  const base = { found: true, currency: shop.currency, timeZone: shop.timezone };
  if (!snapshot) return { ...base, status: shop.status, snapshot: null };
  const c = snapshot.counts;
  return {
    ...base,
    currency: snapshot.currency,
    timeZone: snapshot.timeZone,
    status: shop.status,
    snapshot: {
      asOf: snapshot.asOf,
      asOfDate: snapshot.asOfDate,
      computedAt: snapshot.computedAt,
      customers: c.customers,
      customersWithPurchases: c.customersWithPurchases,
      orders: c.orders,
      netRevenueMinor: c.netRevenueMinor,
      firstPurchaseDate: c.firstPurchaseDate,
      lastPurchaseDate: c.lastPurchaseDate,
      tiny: c.customersWithPurchases < TINY_SHOP_CUSTOMERS,
      clvStatus: snapshot.clvStatus,
      trendDates: history.dates,
      kpis: KPI_IDS.map((id) => {
        const card = snapshot.kpis[id];
        return {
          id,
          metric: card.metric,
          target: card.target,
          status: card.status,
          previousValue: card.previousValue,
          trend: history.values[id],
        };
      }),
    },
  };
}
