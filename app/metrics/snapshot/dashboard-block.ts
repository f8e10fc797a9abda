/** The dashboard's block: the KPI cards against the merchant's targets, and the shop's counts. */
import { compareWithTargets, formatDay, type Metric, type MetricTarget } from "../../analytics";
import type { ShopSettings } from "../../settings";
import { cleanMetric, finiteOrNull, plain } from "./json";
import type { Context } from "./stages";
import {
  KPI_IDS,
  type KpiCard,
  type KpiId,
  type PreviousSnapshot,
  type SnapshotCounts,
} from "./types";

const percent = (x: number): string => `${+(x * 100).toFixed(1)} %`;

/** The merchant's targets in the engine's form. */
export function settingsTargets(settings: ShopSettings): MetricTarget[] {
  const t = settings.targets;
  return [
    { metricId: "nps", min: t.nps, label: `≥ ${t.nps}` },
    { metricId: "repeat_rate", min: t.repeatRate, label: `≥ ${percent(t.repeatRate)}` },
    {
      metricId: "monthly_churn_rate",
      max: t.monthlyChurn,
      label: `≤ ${percent(t.monthlyChurn)}/month`,
    },
    {
      metricId: "second_purchase_survival",
      min: t.secondPurchaseSurvival,
      label: `≥ ${percent(t.secondPurchaseSurvival)}`,
    },
  ];
}

export function kpiCards(
  metrics: Record<KpiId, Metric>,
  settings: ShopSettings,
  previous: PreviousSnapshot | null,
): Record<KpiId, KpiCard> {
  const targets = settingsTargets(settings);
  const checks = new Map(
    compareWithTargets(
      KPI_IDS.map((id) => metrics[id]),
      targets,
    ).map((check) => [check.metricId, check]),
  );
  const cards = {} as Record<KpiId, KpiCard>;
  for (const id of KPI_IDS) {
    const check = checks.get(id);
    cards[id] = {
      id,
      metric: cleanMetric(metrics[id]),
      target:
        check === undefined
          ? null
          : {
              min: check.target.min ?? null,
              max: check.target.max ?? null,
              label: check.target.label,
            },
      status: check?.status ?? null,
      previousValue: finiteOrNull(previous?.kpis[id]),
    };
  }
  return cards;
}

export function counts(ctx: Context, subscriptionCustomers: number): SnapshotCounts {
  const { history, input } = ctx;
  let customerOrders = 0;
  let customerNet = 0;
  for (let p = 0; p < history.purchaseOrders.length; p++) {
    customerOrders += history.purchaseOrders[p];
    customerNet += history.purchaseNet[p];
  }
  let withPurchases = 0;
  for (let c = 0; c < history.customerCount; c++) {
    if (history.purchaseStart[c + 1] > history.purchaseStart[c]) withPurchases++;
  }
  const hasData = Number.isFinite(history.minDay);
  return {
    customers: input.customers.count,
    customersWithPurchases: withPurchases,
    subscriptionCustomers,
    ordersLoaded: input.orders.length,
    orders: customerOrders + history.guest.orders,
    customerOrders,
    guestOrders: history.guest.orders,
    guestNetMinor: plain(history.guest.netMinor),
    excludedCancelled: history.excluded.cancelled,
    excludedTest: history.excluded.test,
    netRevenueMinor: plain(customerNet + history.guest.netMinor),
    firstPurchaseDate: hasData ? formatDay(history.minDay) : null,
    lastPurchaseDate: hasData ? formatDay(history.maxDay) : null,
  };
}
