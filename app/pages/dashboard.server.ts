/**
 * The dashboard's data: the shop's sync and compute status, and from the latest snapshot's
 * summary (never the whole document) the KPI cards with their targets and trend lines.
 * Reads only; what the page does not show stays on the server.
 */
import type { Metric } from "../analytics/metric";
import { evaluateTarget, type KpiTarget, type TargetStatus } from "../analytics/targets";
import type { Granularity } from "../analytics/periods";
import { parseDay } from "../analytics/time";
import { TREND_IDS, type TrendId } from "../analytics/trends";
import { KPI_IDS, type KpiId, type SnapshotTarget } from "../metrics/snapshot/types";
import type { RangeResult } from "../metrics/period-range.server";
import type { SeriesSummary, TrendsSummary } from "../metrics/snapshot/trends-block";
import { targetFor } from "../settings";
import type { DashboardPeriod } from "./dashboard-period";
import { kpiHistory } from "./history.server";
import { periodRangeState, retryPeriodRange, type RangeState } from "./period-range.server";
import { latestSummary, loadShop } from "./page-base.server";
import type { ShopStatus } from "./shop-status";

/** Below this many buyers the numbers swing with every order: the page says so. */
export const TINY_SHOP_CUSTOMERS = 50;

/** Buckets back to the same period a year earlier (none where that is the previous one). */
const YEAR_BACK: Record<Granularity, number | null> = {
  month: 12,
  quarter: 4,
  year: null,
  last12: null,
  range: 1,
};

/** A KPI period by period (the snapshot's history): the card's sparkline and comparisons. */
export interface PeriodView {
  readonly id: TrendId;
  readonly granularity: Granularity;
  readonly fiscalStartMonth: number;
  readonly unit: SeriesSummary["unit"];
  readonly kind: SeriesSummary["kind"];
  /** "YYYY-MM": the first month of each bucket. */
  readonly months: string[];
  /** Last date of each bucket ("YYYY-MM-DD"); empty for months. */
  readonly ends: string[];
  /** null where the point has no value or too small a base. */
  readonly values: (number | null)[];
  readonly partial: boolean;
  /** The latest complete bucket, the one before and the same bucket a year earlier. */
  readonly latest: PeriodPoint | null;
  readonly previous: PeriodPoint | null;
  readonly lastYear: PeriodPoint | null;
  /** A custom range of two months or more: its months one by one (the card's sparkline). */
  readonly inside: RangeInside | null;
}

export interface RangeInside {
  readonly months: string[];
  /** null where the month has no value or too small a base. */
  readonly values: (number | null)[];
  /** The last month is in progress. */
  readonly partial: boolean;
}

export interface PeriodPoint {
  readonly month: string;
  /** Last date of the bucket ("YYYY-MM-DD"); "" for a month. */
  readonly end: string;
  readonly value: number | null;
  readonly base: number;
}

function periodView(
  summary: {
    readonly months: string[];
    readonly partial: boolean;
    readonly series: SeriesSummary[];
    readonly ends?: string[];
    readonly fiscalStartMonth?: number;
    readonly monthly?: RangeResult["monthly"];
  },
  granularity: Granularity,
  id: TrendId,
): PeriodView | null {
  const s = summary.series.find((x) => x.id === id);
  if (!s) return null;
  const values = s.values.map((v, k) => (v !== null && s.bases[k] >= s.minBase ? v : null));
  const n = values.length;
  // A custom range is its own latest point, after the same range a year earlier. Otherwise
  // the latest complete bucket; for cohort series the newest mature one.
  let latest = granularity === "range" || !summary.partial ? n - 1 : n - 2;
  if (s.kind === "cohort_month" && granularity !== "range") {
    while (latest > 0 && s.immature[latest]) latest--;
  }
  const ends = summary.ends ?? [];
  const at = (k: number): PeriodPoint | null =>
    k >= 0 && k < n
      ? { month: summary.months[k], end: ends[k] ?? "", value: values[k], base: s.bases[k] }
      : null;
  const back = YEAR_BACK[granularity];
  const m = summary.monthly;
  const ms = m?.series.find((x) => x.id === id);
  return {
    id,
    granularity,
    fiscalStartMonth: summary.fiscalStartMonth ?? 1,
    unit: s.unit,
    kind: s.kind,
    months: summary.months,
    ends,
    values,
    partial: summary.partial,
    latest: at(latest),
    previous: granularity === "range" ? null : at(latest - 1),
    lastYear: back === null ? null : at(latest - back),
    inside:
      granularity === "range" && m && ms && m.months.length >= 2
        ? {
            months: m.months,
            values: ms.values.map((v, k) => (v !== null && ms.bases[k] >= ms.minBase ? v : null)),
            partial: m.partial,
          }
        : null,
  };
}

/** The view of one KPI in the chosen period (null: no history stored for it). */
function viewFor(
  trends: TrendsSummary | undefined,
  period: DashboardPeriod,
  id: TrendId,
  range: RangeResult | null,
): PeriodView | null {
  if (period === "range") return range ? periodView(range, "range", id) : null;
  if (!trends) return null;
  if (period === "month") return periodView(trends, "month", id);
  const block = trends.periods?.[period];
  return block ? periodView(block, period, id) : null;
}

/** The card's headline in a period other than months: the latest bucket's value and base. */
function periodMetric(metric: Metric, view: PeriodView | null): Metric {
  const p = view?.latest;
  if (!view || !p) return { ...metric, value: null, numerator: 0, denominator: 0, period: null };
  const start = `${p.month}-01`;
  return {
    ...metric,
    value: p.value,
    numerator: p.value === null || view.unit !== "ratio" ? 0 : Math.round(p.value * p.base),
    denominator: p.value === null ? 0 : p.base,
    period:
      p.end === ""
        ? null
        : { start, end: p.end, startDay: parseDay(start), endDay: parseDay(p.end) + 1 },
  };
}

/** Cards whose monthly series has another id. */
const SERIES_OF: Partial<Record<KpiId, TrendId>> = {
  average_historical_ltv: "historical_ltv_12",
};

/** Monthly-only KPIs shown after the snapshot's cards. */
export const MONTHLY_CARD_IDS: readonly TrendId[] = [
  "new_customers",
  "returning_customers",
  "new_customer_revenue",
  "returning_customer_revenue",
  "average_order_value",
  "purchases_per_customer",
];

export interface KpiView {
  readonly id: KpiId | TrendId;
  readonly metric: Metric;
  readonly target: SnapshotTarget | null;
  readonly status: TargetStatus | null;
  readonly previousValue: number | null;
  readonly trend: (number | null)[];
  readonly monthly: PeriodView | null;
  /** The target in force (settings), as a directed target for the sparkline's line. */
  readonly targetSpec: KpiTarget | null;
}

const asSnapshotTarget = (t: KpiTarget | null): SnapshotTarget | null =>
  t === null
    ? null
    : {
        min: t.direction === "at_most" ? null : t.min,
        max: t.direction === "at_least" ? null : t.max,
        label: "",
      };

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
    /** False below the minimum of customers for segments (settings.minSegmentCustomers). */
    readonly segmented: boolean;
    readonly minSegmentCustomers: number;
    readonly clvStatus: "ok" | "insufficient-data";
    readonly trendDates: string[];
    readonly kpis: KpiView[];
    /** The comparison periods are stored (snapshots before them have months only). */
    readonly hasPeriods: boolean;
    readonly fiscalStartMonth: number;
  } | null;
  readonly period: DashboardPeriod;
  /** The custom range's state (period "range" only). */
  readonly range: RangeState | null;
}

export interface DashboardOptions {
  readonly period?: DashboardPeriod;
  /** The custom range ("YYYY-MM", inclusive) when period is "range". */
  readonly from?: string;
  readonly to?: string;
}

export async function dashboardData(
  domain: string,
  options: DashboardOptions = {},
): Promise<DashboardData> {
  const period = options.period ?? "month";
  const shop = await loadShop(domain);
  if (!shop) {
    return {
      found: false,
      currency: "USD",
      timeZone: "UTC",
      status: null,
      snapshot: null,
      period,
      range: null,
    };
  }
  const [snapshot, history] = await Promise.all([
    latestSummary(shop.id),
    kpiHistory(shop.id, shop.timezone),
  ]);
  const base = { found: true, currency: shop.currency, timeZone: shop.timezone, period };
  if (!snapshot) return { ...base, status: shop.status, snapshot: null, range: null };
  const c = snapshot.counts;
  const rangeState =
    period === "range"
      ? await periodRangeState(shop, options.from ?? "", options.to ?? "", {
          asOfDate: snapshot.asOfDate,
          firstPurchaseDate: c.firstPurchaseDate,
        })
      : null;
  const range = rangeState?.status === "ready" ? rangeState.result : null;
  return {
    ...base,
    currency: snapshot.currency,
    timeZone: snapshot.timeZone,
    status: shop.status,
    range: rangeState,
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
      // Summaries stored before the minimum existed: those shops were segmented.
      segmented: snapshot.segmented ?? true,
      minSegmentCustomers: snapshot.minSegmentCustomers ?? 1,
      clvStatus: snapshot.clvStatus,
      trendDates: history.dates,
      hasPeriods: snapshot.trends?.periods !== undefined,
      fiscalStartMonth: snapshot.trends?.periods?.year.fiscalStartMonth ?? 1,
      kpis: [
        ...KPI_IDS.map((id): KpiView => {
          const card = snapshot.kpis[id];
          // Pass/fail from the stored value and today's target: a change shows at once.
          const target = targetFor(shop.settings, id);
          const view = viewFor(snapshot.trends, period, SERIES_OF[id] ?? (id as TrendId), range);
          // Months: the card's own value (its stated period) with the monthly line under it;
          // any other period: that period's latest value.
          // Model-based cards (P(alive) churn, predicted LTV, payback) have no period series:
          // they keep their value as of now.
          const seriesId = SERIES_OF[id] ?? id;
          const byPeriod =
            period !== "month" && (TREND_IDS as readonly string[]).includes(seriesId);
          const metric = byPeriod ? periodMetric(card.metric, view) : card.metric;
          return {
            id,
            metric,
            target: asSnapshotTarget(target),
            status: evaluateTarget(target, metric.value),
            previousValue: period === "month" ? card.previousValue : null,
            trend: history.values[id],
            monthly: view,
            targetSpec: target,
          };
        }),
        ...MONTHLY_CARD_IDS.flatMap((id): KpiView[] => {
          const monthly = viewFor(snapshot.trends, period, id, range);
          const s = snapshot.trends?.series.find((x) => x.id === id);
          if (!s) return [];
          const target = targetFor(shop.settings, id);
          const value = monthly?.latest?.value ?? null;
          return [
            {
              id,
              metric: {
                id,
                value,
                numerator: 0,
                denominator: 0,
                period: null,
                definition: { id, name: id, text: "", base: "", unit: s.unit, params: {} },
                details: {},
              },
              target: asSnapshotTarget(target),
              status: evaluateTarget(target, value),
              previousValue: null,
              trend: [],
              monthly,
              targetSpec: target,
            },
          ];
        }),
      ],
    },
  };
}

/** The Retry of a failed custom range (null: no such shop or no snapshot yet). */
export async function retryRange(
  domain: string,
  from: string,
  to: string,
): Promise<RangeState | null> {
  const shop = await loadShop(domain);
  if (!shop) return null;
  const snapshot = await latestSummary(shop.id);
  if (!snapshot) return null;
  return retryPeriodRange(shop, from, to, {
    asOfDate: snapshot.asOfDate,
    firstPurchaseDate: snapshot.counts.firstPurchaseDate,
  });
}
