/**
 * Customer migration (顧客移行率): how last year's buyers carry over into this year, and how
 * customers move between RFM segments between two dates.
 */
import type { PurchaseHistory } from "./history";
import type { Metric, MetricPeriod } from "./metric";
import { makeMetric, metricPeriod, validateRange } from "./metric";
import type { RfmOptions, RfmResult, SegmentRule } from "./rfm";
import { DEFAULT_SEGMENT_RULES, NO_SEGMENT, rfmSegments } from "./rfm";
import type { DayRange } from "./time";
import { previousYearRange } from "./time";

export interface YoyMigration {
  readonly current: MetricPeriod;
  /** The same dates one year earlier. */
  readonly previous: MetricPeriod;
  /** Customers who bought in the previous period … */
  readonly previousBuyers: number;
  /** … of whom their first purchase ever was in the previous period (new then) … */
  readonly previousNew: number;
  /** … or before it (existing then). */
  readonly previousExisting: number;
  /** Previous-period buyers who bought again in the current period, split the same way. */
  readonly retainedNew: number;
  readonly retainedExisting: number;
  /** Current-period buyers: first purchase in the current period. */
  readonly currentNew: number;
  /** Current-period buyers who also bought in the previous period. */
  readonly currentRetained: number;
  /** Current-period buyers who had bought before the current period but not in the previous one. */
  readonly currentReactivated: number;
  /** Current-period net revenue of those three groups. */
  readonly currentRevenueMinor: {
    readonly new: number;
    readonly retained: number;
    readonly reactivated: number;
  };
  /** retained / previousBuyers (顧客維持率), id "yoy_retention". */
  readonly retention: Metric;
  /** retainedNew / previousNew (新規顧客の移行率), id "yoy_migration_new". */
  readonly newMigration: Metric;
  /** retainedExisting / previousExisting (既存顧客の移行率), id "yoy_migration_existing". */
  readonly existingMigration: Metric;
}

/**
 * YoyMigration's customer counts, in the order a migration cut (migration-cuts.ts) keeps them.
 * With currentRevenueMinor they are what a cut, and its snapshot JSON, hold of a migration.
 */
export const YOY_COUNT_KEYS = [
  "previousNew",
  "previousExisting",
  "retainedNew",
  "retainedExisting",
  "currentNew",
  "currentRetained",
  "currentReactivated",
] as const;

/** The year-over-year counts and current-period revenue of a set of customers. */
export type YoyCounts = Pick<YoyMigration, (typeof YOY_COUNT_KEYS)[number] | "currentRevenueMinor">;

/** Copies the YoY counts of a migration or a cut (its revenue object too), keys in order. */
export function yoyCounts(m: YoyCounts): YoyCounts {
  const counts = Object.fromEntries(YOY_COUNT_KEYS.map((k) => [k, m[k]])) as Record<
    (typeof YOY_COUNT_KEYS)[number],
    number
  >;
  return { ...counts, currentRevenueMinor: { ...m.currentRevenueMinor } };
}

/**
 * Year-over-year migration for a current period of at most one year (e.g. a calendar year,
 * or a month compared with the same month last year). Linear in purchases.
 */
export function yoyMigration(history: PurchaseHistory, current: DayRange): YoyMigration {
  validateRange(current);
  const previous = previousYearRange(current);
  if (previous.endDay > current.startDay) {
    throw new RangeError("The current period must not be longer than one year");
  }
  const { purchaseStart, purchaseDay, purchaseNet } = history;
  let previousNew = 0;
  let previousExisting = 0;
  let retainedNew = 0;
  let retainedExisting = 0;
  let currentNew = 0;
  let currentRetained = 0;
  let currentReactivated = 0;
  let revenueNew = 0;
  let revenueRetained = 0;
  let revenueReactivated = 0;
  for (let c = 0; c < history.customerCount; c++) {
    const begin = purchaseStart[c];
    const end = purchaseStart[c + 1];
    if (begin === end) continue;
    const firstDay = purchaseDay[begin];
    if (firstDay >= current.endDay) continue;
    let inPrevious = false;
    let inCurrent = false;
    let net = 0;
    for (let p = begin; p < end; p++) {
      const d = purchaseDay[p];
      if (d >= current.endDay) break;
      if (d >= current.startDay) {
        inCurrent = true;
        net += purchaseNet[p];
      } else if (d >= previous.startDay && d < previous.endDay) {
        inPrevious = true;
      }
    }
    if (inPrevious) {
      const isNew = firstDay >= previous.startDay;
      if (isNew) previousNew++;
      else previousExisting++;
      if (inCurrent) {
        if (isNew) retainedNew++;
        else retainedExisting++;
      }
    }
    if (inCurrent) {
      if (firstDay >= current.startDay) {
        currentNew++;
        revenueNew += net;
      } else if (inPrevious) {
        currentRetained++;
        revenueRetained += net;
      } else {
        currentReactivated++;
        revenueReactivated += net;
      }
    }
  }
  const base = "Customers with at least one purchase in the same period one year earlier";
  const retention = makeMetric(
    {
      id: "yoy_retention",
      name: "Customer retention year over year",
      text: "Share of the customers who bought in the same period one year earlier who also bought in this period.",
      base,
      unit: "ratio",
      params: {},
    },
    retainedNew + retainedExisting,
    previousNew + previousExisting,
    current,
  );
  const newMigration = makeMetric(
    {
      id: "yoy_migration_new",
      name: "New-customer migration",
      text: "Share of the customers whose first purchase was in the same period one year earlier who bought again in this period.",
      base: "Customers whose first purchase was in the same period one year earlier",
      unit: "ratio",
      params: {},
    },
    retainedNew,
    previousNew,
    current,
  );
  const existingMigration = makeMetric(
    {
      id: "yoy_migration_existing",
      name: "Existing-customer migration",
      text: "Share of the customers who bought in the same period one year earlier, having first bought before it, who also bought in this period.",
      base: "Customers who bought in the same period one year earlier and had bought before it",
      unit: "ratio",
      params: {},
    },
    retainedExisting,
    previousExisting,
    current,
  );
  return {
    current: metricPeriod(current),
    previous: metricPeriod(previous),
    previousBuyers: previousNew + previousExisting,
    previousNew,
    previousExisting,
    retainedNew,
    retainedExisting,
    currentNew,
    currentRetained,
    currentReactivated,
    currentRevenueMinor: {
      new: revenueNew,
      retained: revenueRetained,
      reactivated: revenueReactivated,
    },
    retention,
    newMigration,
    existingMigration,
  };
}

export interface SegmentMigrationOptions extends Omit<RfmOptions, "asOfDay" | "fromDay"> {
  /** Segments are computed as of these two local days (fromAsOfDay < toAsOfDay). */
  readonly fromAsOfDay: number;
  readonly toAsOfDay: number;
  /** Optional RFM lookback: each RFM only sees the last lookbackDays days up to its date. */
  readonly lookbackDays?: number;
  /**
   * computeRfm as of toAsOfDay with these same options, when the caller has it already (the
   * snapshot's RFM): used instead of a second run. Its date, customers, rules, minimum and
   * window are checked; the scales must be these options' too.
   */
  readonly toRfm?: RfmResult;
}

export interface SegmentMigration {
  readonly fromAsOfDay: number;
  readonly toAsOfDay: number;
  readonly rules: readonly SegmentRule[];
  /**
   * Row and column labels: the rule ids, then "none" (not scored at that date: not yet a
   * customer, or outside the lookback window).
   */
  readonly labels: readonly string[];
  /** counts[row · size + col]: customers in segment row at fromAsOfDay and col at toAsOfDay. */
  readonly counts: Int32Array;
  /** Net revenue of those customers' purchases in (fromAsOfDay, toAsOfDay]. */
  readonly revenueMinor: Float64Array;
  /** labels.length. */
  readonly size: number;
  /** Each customer's segment index at fromAsOfDay and at toAsOfDay (NO_SEGMENT: none). */
  readonly fromSegment: Uint8Array;
  readonly toSegment: Uint8Array;
}

/** Segment × segment transition counts and revenue between two dates (two RFM segmentations). */
export function segmentMigration(
  history: PurchaseHistory,
  options: SegmentMigrationOptions,
): SegmentMigration {
  const { fromAsOfDay, toAsOfDay, lookbackDays, toRfm, ...rfmOptions } = options;
  if (!(Number.isInteger(fromAsOfDay) && Number.isInteger(toAsOfDay) && fromAsOfDay < toAsOfDay)) {
    throw new RangeError("Need integer local days fromAsOfDay < toAsOfDay");
  }
  if (lookbackDays !== undefined && !(Number.isInteger(lookbackDays) && lookbackDays >= 1)) {
    throw new RangeError("lookbackDays must be a positive integer");
  }
  const window = (asOfDay: number): RfmOptions => ({
    ...rfmOptions,
    asOfDay,
    ...(lookbackDays === undefined ? {} : { fromDay: asOfDay - lookbackDays + 1 }),
  });
  // Only the segments are compared: neither date needs the order counts or R, F, M scores.
  const before = rfmSegments(history, window(fromAsOfDay));
  if (toRfm !== undefined) checkRfm(history, toRfm, window(toAsOfDay));
  const after = toRfm?.segment ?? rfmSegments(history, window(toAsOfDay));
  const rules = rfmOptions.rules ?? DEFAULT_SEGMENT_RULES;
  const size = rules.length + 1;
  const none = rules.length;
  const counts = new Int32Array(size * size);
  const revenueMinor = new Float64Array(size * size);
  const { purchaseStart, purchaseDay, purchaseNet } = history;
  for (let c = 0; c < history.customerCount; c++) {
    const a = before[c];
    const b = after[c];
    if (a === NO_SEGMENT && b === NO_SEGMENT) continue;
    const cell = (a === NO_SEGMENT ? none : a) * size + (b === NO_SEGMENT ? none : b);
    counts[cell]++;
    let net = 0;
    for (let p = purchaseStart[c + 1] - 1; p >= purchaseStart[c]; p--) {
      const d = purchaseDay[p];
      if (d <= fromAsOfDay) break;
      if (d <= toAsOfDay) net += purchaseNet[p];
    }
    revenueMinor[cell] += net;
  }
  return {
    fromAsOfDay,
    toAsOfDay,
    rules,
    labels: [...rules.map((r) => r.id), "none"],
    counts,
    revenueMinor,
    size,
    fromSegment: before,
    toSegment: after,
  };
}

/** Throws unless `rfm` is what computeRfm(history, options) gives in date, customers, rules,
 *  minimum of customers and window (the scales cannot be told from a result). */
function checkRfm(history: PurchaseHistory, rfm: RfmResult, options: RfmOptions): void {
  const { asOfDay } = options;
  const windowStart =
    options.fromDay ??
    (Number.isFinite(history.minDay) ? Math.min(history.minDay, asOfDay) : asOfDay);
  if (
    rfm.asOfDay !== asOfDay ||
    rfm.customerCount !== history.customerCount ||
    rfm.rules !== (options.rules ?? DEFAULT_SEGMENT_RULES) ||
    rfm.minCustomers !== (options.minCustomers ?? 1) ||
    rfm.window.startDay !== windowStart
  ) {
    throw new RangeError("toRfm is not the RFM of these options as of toAsOfDay");
  }
}

/** YoY retention (顧客維持率) alone: see YoyMigration.retention. */
export function yoyRetention(history: PurchaseHistory, current: DayRange): Metric {
  return yoyMigration(history, current).retention;
}
