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
  shiftLayout,
  type KpiSeries,
} from "../analytics";
import type { Database } from "../db.server";
import { parseSettings } from "../settings";
import { loadInputs } from "./compute.server";
import { loadShopData } from "./load.server";
import { MAX_COHORT_MONTHS } from "./snapshot/pipeline";
import { seriesSummary, trendOptions, type PeriodSummary } from "./snapshot/trends-block";

/** What a custom range stores: the same range a year earlier, then the range. */
export type RangeResult = Omit<PeriodSummary, "granularity">;

export type RangeOutcome = "done" | "failed" | "gone";

/** Pairs the year-earlier and the range series point by point. */
function pairSeries(earlier: KpiSeries[], range: KpiSeries[]): RangeResult {
  const a = earlier[0].points[0];
  const b = range[0].points[0];
  return {
    fiscalStartMonth: 1,
    months: [a.month, b.month],
    ends: [a.end, b.end],
    partial: b.partial,
    series: range.map((s, i) => {
      const e = seriesSummary(earlier[i]);
      const r = seriesSummary(s);
      return {
        ...r,
        values: [e.values[0], r.values[0]],
        bases: [e.bases[0], r.bases[0]],
        immature: [e.immature[0], r.immature[0]],
      };
    }),
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
  const data = await loadShopData(databaseUrl, shop.id);
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
  const [range, sameDay] = run(asOfDay, [layout, earlierLayout]);
  // Ending in the month in progress: the year earlier is cut at the same date.
  const earlier = range[0].points[0].partial
    ? run(monthsBeforeDay(asOfDay, 12), [earlierLayout])[0]
    : sameDay;
  const result = pairSeries(earlier, range);
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
