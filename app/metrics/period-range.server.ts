/**
 * A merchant's custom comparison range (whole months), computed on demand: load the shop's
 * history, run the trends engine over the range and the same months a year earlier, and
 * store the compact series (PeriodResult.data) for the dashboard. The data cut-off is the
 * snapshot's, so the range reads like the rest of the page. A range that ends in the month
 * in progress is compared with the same months a year earlier cut at the same date.
 * Every query is scoped to the shop; the BullMQ processor (workers/processors/periods.ts)
 * calls `computePeriodRange`.
 */
import {
  buildPurchaseHistory,
  checkMonthRange,
  cohortRetention,
  createCalendar,
  formatMonth,
  monthsBeforeDay,
  periodTrends,
  rangeLayout,
  rangeMonthsLayout,
  shiftLayout,
  type KpiSeries,
} from "../analytics";
import type { Database } from "../db.server";
import { parseSettings } from "../settings";
import { loadInputs } from "./compute.server";
import { loadShopOrders } from "./load.server";
import { MAX_COHORT_MONTHS } from "./snapshot/pipeline";
import {
  seriesSummary,
  trendOptions,
  type PeriodSummary,
  type SeriesSummary,
} from "./snapshot/trends-block";

/** A series of a range with each point's numerator (the KPI page's n/N). */
export interface RangeSeries extends SeriesSummary {
  readonly numerators: number[];
}

/** The range's months one by one (the cards' sparkline, the KPI page's chart and table). */
export interface RangeMonths {
  readonly months: string[];
  /** Last local date of every month ("YYYY-MM-DD"; the as-of date for one in progress). */
  readonly ends: string[];
  /** The last month is in progress. */
  readonly partial: boolean;
  readonly series: RangeSeries[];
}

/**
 * What a custom range stores: the same range a year earlier, then the range; and the range
 * month by month (absent in results stored before it existed).
 */
export type RangeResult = Omit<PeriodSummary, "granularity" | "series"> & {
  readonly series: RangeSeries[];
  readonly monthly?: RangeMonths;
};

export type RangeOutcome = "done" | "failed" | "gone";

const withNumerators = (s: KpiSeries): RangeSeries => ({
  ...seriesSummary(s),
  numerators: s.points.map((p) => p.numerator),
});

/** Pairs the year-earlier and the range series point by point; adds the range's months. */
function pairSeries(earlier: KpiSeries[], range: KpiSeries[], months: KpiSeries[]): RangeResult {
  const a = earlier[0].points[0];
  const b = range[0].points[0];
  return {
    fiscalStartMonth: 1,
    months: [a.month, b.month],
    ends: [a.end, b.end],
    partial: b.partial,
    series: range.map((s, i) => {
      const e = withNumerators(earlier[i]);
      const r = withNumerators(s);
      return {
        ...r,
        values: [e.values[0], r.values[0]],
        bases: [e.bases[0], r.bases[0]],
        immature: [e.immature[0], r.immature[0]],
        numerators: [e.numerators[0], r.numerators[0]],
      };
    }),
    monthly: {
      months: months[0].points.map((p) => p.month),
      ends: months[0].points.map((p) => p.end),
      partial: months[0].points.at(-1)!.partial,
      series: months.map(withNumerators),
    },
  };
}

/**
 * Computes one PeriodResult row (queued by the dashboard) and stores its result or why it
 * failed. "gone": the row, its snapshot or its shop no longer exists (nothing to do).
 */
export async function computePeriodRange(
  shopDomain: string,
  resultId: number,
  options: {
    readonly db?: Database;
    readonly databaseUrl?: string;
    /** The job will be tried again if this run throws: the row goes back to "queued". */
    readonly willRetry?: boolean;
  } = {},
): Promise<RangeOutcome> {
  const db = options.db ?? (await import("../db.server")).default;
  const databaseUrl = options.databaseUrl ?? (await import("../env.server")).env().DATABASE_URL;
  const shop = await db.shop.findUnique({ where: { domain: shopDomain } });
  if (!shop) return "gone";
  const row = await db.periodResult.findFirst({
    where: { id: resultId, shopId: shop.id },
    select: { id: true, fromMonth: true, toMonth: true, snapshot: { select: { asOf: true } } },
  });
  if (!row) return "gone";
  const fail = async (reason: string): Promise<RangeOutcome> => {
    await db.periodResult.updateMany({
      where: { id: row.id, shopId: shop.id },
      data: { status: "failed", error: reason.slice(0, 2000) },
    });
    return "failed";
  };
  await db.periodResult.updateMany({
    where: { id: row.id, shopId: shop.id },
    data: { status: "running", error: null },
  });
  try {
    return await computeRow(db, databaseUrl, shop, row, fail);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    await db.periodResult.updateMany({
      where: { id: row.id, shopId: shop.id },
      data: { status: options.willRetry ? "queued" : "failed", error: reason.slice(0, 2000) },
    });
    throw error;
  }
}

async function computeRow(
  db: Database,
  databaseUrl: string,
  shop: { readonly id: number; readonly settings: string; readonly timezone: string },
  row: {
    readonly id: number;
    readonly fromMonth: string;
    readonly toMonth: string;
    readonly snapshot: { readonly asOf: Date };
  },
  fail: (reason: string) => Promise<RangeOutcome>,
): Promise<RangeOutcome> {
  const settings = parseSettings(shop.settings);
  const data = await loadShopOrders(databaseUrl, shop.id);
  const inputs = await loadInputs(db, shop.id, data);
  const calendar = createCalendar(shop.timezone);
  const history = buildPurchaseHistory(data.orders, data.customers, calendar);
  const asOfDay = calendar.dayOf(row.snapshot.asOf.getTime());
  const checked = checkMonthRange(row.fromMonth, row.toMonth, {
    asOfDay,
    firstDay: Number.isNaN(history.minDay) ? null : history.minDay,
  });
  // The page checks the range before queueing it; the data may have changed since.
  if (!checked.ok) return fail(`range: ${checked.problem}`);
  const layout = rangeLayout(checked.fromMonth, checked.toMonth);
  const earlierLayout = shiftLayout(layout, 12);
  const run = (day: number, layouts: Parameters<typeof periodTrends>[2]) =>
    periodTrends(
      history,
      trendOptions(history, {
        asOfDay: day,
        settings,
        cohorts: cohortRetention(history, { asOfDay: day, maxMonths: MAX_COHORT_MONTHS }),
        npsResponses: inputs.responses,
        marketingSpend: inputs.spend,
      }),
      layouts,
    );
  const [range, sameDay, months] = run(asOfDay, [
    layout,
    earlierLayout,
    rangeMonthsLayout(checked.fromMonth, checked.toMonth),
  ]);
  // Ending in the month in progress: the year earlier is cut at the same date.
  const earlier = range[0].points[0].partial
    ? run(monthsBeforeDay(asOfDay, 12), [earlierLayout])[0]
    : sameDay;
  const result = pairSeries(earlier, range, months);
  await db.periodResult.updateMany({
    where: { id: row.id, shopId: shop.id },
    data: { status: "done", data: JSON.stringify(result), error: null },
  });
  return "done";
}

/** The inclusive "YYYY-MM" months of a checked range (for keys and labels). */
export const rangeKey = (fromMonth: number, toMonth: number) => ({
  fromMonth: formatMonth(fromMonth),
  toMonth: formatMonth(toMonth),
});
