/**
 * The snapshot's KPI history (analytics/trends.ts): month by month, and over the other
 * comparison periods (quarters and years from the merchant's fiscal-year start, the last 12
 * complete months), all from one pass; and its compact form for the dashboard's summary.
 * The pipeline calls `trendsBlock` once, the snapshot and summary
 * each carry one field.
 */
import {
  DEFAULT_BUCKETS,
  last12Layout,
  monthLayout,
  periodTrends,
  quarterLayout,
  yearLayout,
  type BucketLayout,
  type CohortTable,
  type KpiSeries,
  type MarketingSpend,
  type MetricUnit,
  type NpsResponse,
  type PurchaseHistory,
  type TrendId,
  type YoyMigration,
} from "../../analytics";
import type { ShopSettings } from "../../settings";

/** The stored periods besides months; `?period=` on the dashboard names one of them. */
export const STORED_PERIODS = ["quarter", "year", "last12"] as const;
export type StoredPeriod = (typeof STORED_PERIODS)[number];

/** One comparison period's series: buckets oldest first, the last is the as-of one. */
export interface PeriodBlock {
  readonly granularity: StoredPeriod;
  /** 1–12; quarters and years start in this month (1: calendar years). */
  readonly fiscalStartMonth: number;
  /** "YYYY-MM" of the first month of every bucket. */
  readonly months: string[];
  /** The last bucket is still in progress. */
  readonly partial: boolean;
  readonly series: KpiSeries[];
}

export interface TrendsBlock {
  /** "YYYY-MM" of every point, oldest first; the last is the as-of month. */
  readonly months: string[];
  /** The as-of month is still in progress. */
  readonly partial: boolean;
  readonly series: KpiSeries[];
  /** Absent in snapshots stored before comparison periods existed. */
  readonly periods?: Readonly<Record<StoredPeriod, PeriodBlock>>;
}

/** What a dashboard sparkline needs of one series. */
export interface SeriesSummary {
  readonly id: TrendId;
  readonly unit: MetricUnit;
  readonly kind: KpiSeries["kind"];
  readonly minBase: number;
  readonly values: (number | null)[];
  /** The denominator of each point. */
  readonly bases: number[];
  readonly immature: boolean[];
}

export interface PeriodSummary {
  readonly granularity: StoredPeriod;
  readonly fiscalStartMonth: number;
  readonly months: string[];
  /** Last local date ("YYYY-MM-DD") of every bucket. */
  readonly ends: string[];
  readonly partial: boolean;
  readonly series: SeriesSummary[];
}

export interface TrendsSummary {
  readonly months: string[];
  readonly partial: boolean;
  readonly series: SeriesSummary[];
  readonly periods?: Readonly<Record<StoredPeriod, PeriodSummary>>;
}

/** The layouts a compute stores, in STORED_PERIODS order after the months. */
export function storedLayouts(asOfDay: number, fiscalStartMonth: number): BucketLayout[] {
  return [
    monthLayout(asOfDay, DEFAULT_BUCKETS.month),
    quarterLayout(asOfDay, DEFAULT_BUCKETS.quarter, fiscalStartMonth),
    yearLayout(asOfDay, DEFAULT_BUCKETS.year, fiscalStartMonth),
    last12Layout(asOfDay, DEFAULT_BUCKETS.last12),
  ];
}

/** The engine's options from the shop's settings. */
export function trendOptions(
  history: PurchaseHistory,
  input: {
    readonly asOfDay: number;
    readonly settings: ShopSettings;
    readonly cohorts: CohortTable;
    readonly npsResponses: readonly NpsResponse[];
    readonly marketingSpend: readonly MarketingSpend[];
    readonly currentYoy?: YoyMigration;
  },
) {
  const { settings } = input;
  return {
    asOfDay: input.asOfDay,
    f2WindowDays: settings.f2WindowDays,
    subscriptionWindowDays: settings.subscriptionWindowDays,
    churnInactivityDays: settings.churnInactivityDays,
    grossMarginRatio: settings.grossMarginRatio,
    cohorts: input.cohorts,
    npsResponses: input.npsResponses,
    marketingSpend: input.marketingSpend,
    calendar: history.calendar,
    ...(input.currentYoy ? { currentYoy: input.currentYoy } : {}),
  };
}

const lastPartial = (series: KpiSeries[]): boolean => series[0].points.at(-1)!.partial;

export function trendsBlock(
  history: PurchaseHistory,
  input: Parameters<typeof trendOptions>[1],
): TrendsBlock {
  const fiscal = input.settings.fiscalYearStartMonth;
  const [months, ...others] = periodTrends(
    history,
    trendOptions(history, input),
    storedLayouts(input.asOfDay, fiscal),
  );
  const period = (granularity: StoredPeriod, series: KpiSeries[]): PeriodBlock => ({
    granularity,
    fiscalStartMonth: granularity === "last12" ? 1 : fiscal,
    months: series[0].points.map((p) => p.month),
    partial: lastPartial(series),
    series,
  });
  return {
    months: months[0].points.map((p) => p.month),
    partial: lastPartial(months),
    series: months,
    periods: {
      quarter: period("quarter", others[0]),
      year: period("year", others[1]),
      last12: period("last12", others[2]),
    },
  };
}

export function seriesSummary(s: KpiSeries): SeriesSummary {
  return {
    id: s.id,
    unit: s.definition.unit,
    kind: s.kind,
    minBase: s.minBase,
    values: s.points.map((p) => p.value),
    bases: s.points.map((p) => p.denominator),
    immature: s.points.map((p) => p.immature),
  };
}

export function trendsSummary(block: TrendsBlock): TrendsSummary {
  const periods = block.periods;
  const period = (p: PeriodBlock): PeriodSummary => ({
    granularity: p.granularity,
    fiscalStartMonth: p.fiscalStartMonth,
    months: p.months,
    ends: p.series[0].points.map((x) => x.end),
    partial: p.partial,
    series: p.series.map(seriesSummary),
  });
  return {
    months: block.months,
    partial: block.partial,
    series: block.series.map(seriesSummary),
    ...(periods
      ? {
          periods: {
            quarter: period(periods.quarter),
            year: period(periods.year),
            last12: period(periods.last12),
          },
        }
      : {}),
  };
}
