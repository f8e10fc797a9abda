/**
 * Comparison periods of the KPI history: how shop-local months group into the buckets of a
 * series (months, quarters, years, the last 12 complete months, a custom month range).
 * Pure calendar arithmetic on month numbers (year · 12 + month0); the trends engine
 * (trends.ts) computes every series over any of these layouts in one pass.
 *
 * Fiscal years: a Japanese company's year often starts in April (2025年度 = April 2025 –
 * March 2026). A year or quarter is named after the calendar year it starts in, so with the
 * default January start these are calendar years and quarters.
 */
import { firstDayOfMonth, monthOfDay, parseMonth } from "./time";

export const GRANULARITIES = ["month", "quarter", "year", "last12"] as const;
/** What one bucket of a stored series is; "range" is a merchant's custom range. */
export type Granularity = (typeof GRANULARITIES)[number] | "range";

export interface BucketLayout {
  readonly granularity: Granularity;
  /** First month of each bucket, ascending; bucket k ends where bucket k + 1 starts. */
  readonly startMonths: readonly number[];
  /** Last month of the last bucket (inclusive). */
  readonly lastMonth: number;
  /** Months in a whole bucket: the last one is in progress until its span has passed. */
  readonly span: number;
  /** 1–12: the month a fiscal year starts in (quarters and years count from it). */
  readonly fiscalStartMonth: number;
}

/** Stored by default: 24 complete months, 8 quarters, 3 years, 2 earlier 12-month spans. */
export const DEFAULT_BUCKETS: Readonly<Record<Exclude<Granularity, "range">, number>> = {
  month: 24,
  quarter: 8,
  year: 3,
  last12: 2,
};

function checkFiscalStart(month: number): number {
  if (!Number.isInteger(month) || month < 1 || month > 12) {
    throw new RangeError(`fiscalStartMonth must be an integer from 1 to 12, got ${month}`);
  }
  return month;
}

function checkCount(n: number, name: string): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
  }
}

const mod = (a: number, n: number): number => ((a % n) + n) % n;

/** First month of the fiscal period of `length` months (3 or 12) that contains `month`. */
export function periodStartMonth(month: number, length: 3 | 12, fiscalStartMonth = 1): number {
  return month - mod(month - (checkFiscalStart(fiscalStartMonth) - 1), length);
}

/** Evenly spaced buckets: `complete` whole ones before the one containing the as-of day. */
function stepped(
  granularity: Granularity,
  lastStart: number,
  step: number,
  complete: number,
  lastMonth: number,
  fiscalStartMonth: number,
): BucketLayout {
  checkCount(complete, granularity);
  const startMonths = Array.from(
    { length: complete + 1 },
    (_, k) => lastStart - step * (complete - k),
  );
  return { granularity, startMonths, lastMonth, span: step, fiscalStartMonth };
}

/** `months` complete months and the as-of month. */
export function monthLayout(asOfDay: number, months: number): BucketLayout {
  const m = monthOfDay(asOfDay);
  return stepped("month", m, 1, months, m, 1);
}

/** `quarters` complete (fiscal) quarters and the one in progress. */
export function quarterLayout(asOfDay: number, quarters: number, fiscalStartMonth = 1) {
  const m = monthOfDay(asOfDay);
  const start = periodStartMonth(m, 3, fiscalStartMonth);
  return stepped("quarter", start, 3, quarters, m, fiscalStartMonth);
}

/** `years` complete (fiscal) years and the one in progress. */
export function yearLayout(asOfDay: number, years: number, fiscalStartMonth = 1): BucketLayout {
  const m = monthOfDay(asOfDay);
  const start = periodStartMonth(m, 12, fiscalStartMonth);
  return stepped("year", start, 12, years, m, fiscalStartMonth);
}

/**
 * The last 12 complete months (through the as-of month when the as-of day is its last day)
 * and the `earlier` 12-month spans before it: the last bucket compares with the one before,
 * which is also the same 12 months a year earlier.
 */
export function last12Layout(asOfDay: number, earlier: number): BucketLayout {
  const m = monthOfDay(asOfDay);
  const lastMonth = firstDayOfMonth(m + 1) === asOfDay + 1 ? m : m - 1;
  return stepped("last12", lastMonth - 11, 12, earlier, lastMonth, 1);
}

/** One bucket from `fromMonth` through `toMonth` (inclusive). */
export function rangeLayout(fromMonth: number, toMonth: number): BucketLayout {
  if (!(toMonth >= fromMonth)) throw new RangeError("A range must not end before it starts");
  return {
    granularity: "range",
    startMonths: [fromMonth],
    lastMonth: toMonth,
    span: toMonth - fromMonth + 1,
    fiscalStartMonth: 1,
  };
}

/** Every month from `fromMonth` through `toMonth` (inclusive): a range's months one by one. */
export function rangeMonthsLayout(fromMonth: number, toMonth: number): BucketLayout {
  if (!(toMonth >= fromMonth)) throw new RangeError("A range must not end before it starts");
  return {
    granularity: "month",
    startMonths: Array.from({ length: toMonth - fromMonth + 1 }, (_, k) => fromMonth + k),
    lastMonth: toMonth,
    span: 1,
    fiscalStartMonth: 1,
  };
}

/** The same layout `months` months earlier (a year earlier: 12). */
export function shiftLayout(layout: BucketLayout, months: number): BucketLayout {
  return {
    ...layout,
    startMonths: layout.startMonths.map((m) => m - months),
    lastMonth: layout.lastMonth - months,
  };
}

/** Why a custom range cannot be computed (see `checkMonthRange`). */
export type RangeProblem =
  "format" | "end_before_start" | "future" | "before_first_order" | "too_long";

/** At most this many months in a custom range (ten years). */
export const MAX_RANGE_MONTHS = 120;

/**
 * A custom range of whole months, "YYYY-MM" to "YYYY-MM" inclusive, checked against the
 * shop's data: it may end in the as-of month (counted to the as-of day) but not after, and
 * must not start before the month of the first order.
 */
export function checkMonthRange(
  from: string,
  to: string,
  bounds: { readonly asOfDay: number; readonly firstDay: number | null },
):
  | { readonly ok: true; readonly fromMonth: number; readonly toMonth: number }
  | { readonly ok: false; readonly problem: RangeProblem } {
  let fromMonth: number;
  let toMonth: number;
  try {
    fromMonth = parseMonth(from);
    toMonth = parseMonth(to);
  } catch {
    return { ok: false, problem: "format" };
  }
  if (toMonth < fromMonth) return { ok: false, problem: "end_before_start" };
  if (toMonth > monthOfDay(bounds.asOfDay)) return { ok: false, problem: "future" };
  if (bounds.firstDay === null || fromMonth < monthOfDay(bounds.firstDay)) {
    return { ok: false, problem: "before_first_order" };
  }
  if (toMonth - fromMonth + 1 > MAX_RANGE_MONTHS) return { ok: false, problem: "too_long" };
  return { ok: true, fromMonth, toMonth };
}
