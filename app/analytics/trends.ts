/**
 * KPI history from the orders: every KPI as a series over shop-local months (the last
 * `months` complete ones plus the month in progress, marked partial), and over the other
 * comparison periods of periods.ts (quarters, years, fiscal years, the last 12 months, a
 * custom range), so a shop that installs with years of orders has its trends right after
 * the first compute.
 *
 * Each point carries its period and base (numerator / denominator) and uses exactly the
 * definition of the matching single-period function (kpis.ts, migration.ts, nps.ts, cac.ts):
 * a point equals that function run on the point's period (the tests check it). Purchases
 * follow history.ts (cancelled and test orders gone, one purchase per customer and local
 * day, net of refunds, guests are not customers).
 *
 * Cost: one pass over the purchases for every layout at once: per month of a shared grid the
 * counts that add up (new customers, orders, revenue, F2 and second-delivery cohorts, churn
 * as in churnRates, the year-over-year windows), per bucket the distinct customers (buyers,
 * repeaters, new customers' revenue); a pass over the NPS responses, and for a partial
 * month the YoY of its trailing year (the caller's, when it has one); LTV by cohort reads
 * the cohort table the snapshot already has. Hand-written rather than composed from the
 * single-period functions: 25 calls of each would cost several times the whole stage.
 *
 * One module (over 600 lines) on purpose: periodTrends is that one pass, its counters
 * shared by every series, and each series' definition sits beside the counters it reads;
 * split, a reader would follow one loop across files.
 */
import type { CohortTable } from "./cohorts";
import type { PurchaseHistory } from "./history";
import type { MetricDefinition, MetricUnit } from "./metric";
import { validatePositiveInteger } from "./metric";
import { yoyMigration, type YoyMigration } from "./migration";
import { monthLayout, type BucketLayout } from "./periods";
import type { Calendar } from "./time";
import {
  firstDayOfMonth,
  formatDay,
  formatMonth,
  monthOfDay,
  parseMonth,
  trailingMonths,
} from "./time";
import type { MarketingSpend, NpsResponse } from "./types";
import { ORDER_SUBSCRIPTION } from "./types";

const SUBSCRIPTION = ORDER_SUBSCRIPTION;

/** Complete months in a series by default (plus the month in progress). */
export const TREND_MONTHS = 24;
/** Below this base a point says "too few customers" (responses for NPS) instead of a value. */
export const MIN_TREND_BASE = 20;
export const MIN_NPS_RESPONSES = 30;

export interface TrendPoint {
  /** "YYYY-MM": the calendar month, or the first-purchase month for cohort series. */
  readonly month: string;
  /** Inclusive first and last local date the point counts (a trailing year for YoY). */
  readonly start: string;
  readonly end: string;
  /** null when the base is empty (or, for cohort series, when no customer is mature yet). */
  readonly value: number | null;
  readonly numerator: number;
  readonly denominator: number;
  /** The month is still in progress: counted through the as-of date only. */
  readonly partial: boolean;
  /** Cohort series: some of the cohort's customers have not had the full window yet. */
  readonly immature: boolean;
}

export interface KpiSeries {
  readonly id: TrendId;
  /** How the points are defined (text, base, unit, params). */
  readonly definition: MetricDefinition;
  /** What the month of a point means. */
  readonly kind: "calendar_month" | "cohort_month" | "trailing_year";
  /** A point with a smaller denominator is too small to read. */
  readonly minBase: number;
  /** Oldest first; the last point is the as-of month. */
  readonly points: readonly TrendPoint[];
}

export const TREND_IDS = [
  "repeat_rate",
  "f2_conversion",
  "second_purchase_survival",
  "monthly_churn_rate",
  "yoy_retention",
  "nps",
  "new_customers",
  "returning_customers",
  "new_customer_revenue",
  "returning_customer_revenue",
  "average_order_value",
  "purchases_per_customer",
  "historical_ltv_6",
  "historical_ltv_12",
  "historical_ltv_24",
  "cac",
  "ltv_cac_ratio",
] as const;
export type TrendId = (typeof TREND_IDS)[number];

export interface MonthlyTrendOptions {
  /** Last local day with data (its month is the partial last point). */
  readonly asOfDay: number;
  /** Complete months before the as-of month; default TREND_MONTHS. */
  readonly months?: number;
  readonly f2WindowDays: number;
  readonly subscriptionWindowDays: number;
  readonly churnInactivityDays: number;
  /** Null: not set, so LTV:CAC by cohort has no values (never a ratio on revenue). */
  readonly grossMarginRatio: number | null;
  /** The cohort table (cohortRetention up to asOfDay) for LTV by cohort. */
  readonly cohorts: CohortTable;
  readonly npsResponses: readonly NpsResponse[];
  readonly marketingSpend: readonly MarketingSpend[];
  readonly calendar: Calendar;
  /** yoyMigration over trailingMonths(asOfDay, 12) when the caller has it already. */
  readonly currentYoy?: YoyMigration;
}

/** The same options for any layout of buckets (periods.ts). */
export type PeriodTrendOptions = Omit<MonthlyTrendOptions, "months">;

const def = (
  id: string,
  name: string,
  text: string,
  base: string,
  unit: MetricUnit,
  params: MetricDefinition["params"] = {},
): MetricDefinition => ({ id, name, text, base, unit, params });

const ratioOrNull = (n: number, d: number): number | null => (d > 0 ? n / d : null);

/**
 * The series, in TREND_IDS order, month by month: the last `months` complete shop-local
 * months and the as-of month (partial unless asOfDay is the month's last day).
 */
export function monthlyTrends(history: PurchaseHistory, options: MonthlyTrendOptions): KpiSeries[] {
  const months = options.months ?? TREND_MONTHS;
  validatePositiveInteger(months, "months");
  return periodTrends(history, options, [monthLayout(options.asOfDay, months)])[0];
}

/** What a bucket is called in the definitions' English text. */
const NOUN: Record<BucketLayout["granularity"], string> = {
  month: "month",
  quarter: "quarter",
  year: "year",
  last12: "12 months",
  range: "period",
};

/** One layout's buckets and the counts that are not sums of months (distinct customers). */
interface LayoutState {
  readonly layout: BucketLayout;
  readonly count: number;
  /** Grid month index → bucket, −1 outside the layout. */
  readonly bucketOf: Int32Array;
  /** Bucket k covers local days [starts[k], ends[k]) and grid months lo[k]..hi[k]. */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly buyers: Int32Array;
  readonly repeaters: Int32Array;
  readonly newRevenue: Float64Array;
}

function checkLayout(layout: BucketLayout, asOfMonth: number): void {
  const s = layout.startMonths;
  const ok =
    s.length > 0 &&
    s.every((m, k) => Number.isInteger(m) && (k === 0 || m > s[k - 1])) &&
    Number.isInteger(layout.lastMonth) &&
    layout.lastMonth >= s[s.length - 1] &&
    layout.lastMonth <= asOfMonth;
  if (!ok) {
    throw new RangeError("A layout needs ascending bucket start months ending by the as-of month");
  }
}

/**
 * The series, in TREND_IDS order, for each layout (months, quarters, years, …; see
 * periods.ts), from one pass over the purchases. Every count that adds up over months
 * (new customers, orders, revenue, cohorts, NPS answers, spend, churned and active
 * customer-months) is counted once per month of a shared grid and summed into buckets;
 * counts of distinct customers (buyers, repeat buyers, new customers' revenue) are counted
 * per bucket, so a quarter's repeat rate is over the quarter's buyers, not a sum of months.
 * Churn stays a monthly rate (its targets are per month): over a longer bucket it pools the
 * months, churned customer-months over active customer-months, as the dashboard card does.
 * YoY retention of a bucket is the 12 months ending with it (a year: the year itself).
 */
export function periodTrends(
  history: PurchaseHistory,
  options: PeriodTrendOptions,
  layouts: readonly BucketLayout[],
): KpiSeries[][] {
  const { asOfDay, f2WindowDays: f2W, subscriptionWindowDays: subW } = options;
  validatePositiveInteger(f2W, "f2WindowDays");
  validatePositiveInteger(subW, "subscriptionWindowDays");
  const w = options.churnInactivityDays;
  validatePositiveInteger(w, "churnInactivityDays");
  if (layouts.length === 0) return [];
  const asOfMonth = monthOfDay(asOfDay);
  for (const layout of layouts) checkLayout(layout, asOfMonth);

  // The month grid: every month some layout covers.
  const first = Math.min(...layouts.map((l) => l.startMonths[0]));
  const lastMonth = Math.max(...layouts.map((l) => l.lastMonth));
  const count = lastMonth - first + 1;
  const endDay = Math.min(asOfDay + 1, firstDayOfMonth(lastMonth + 1));
  /** Month i covers [starts[i], ends[i]). */
  const starts = new Int32Array(count);
  const ends = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    starts[i] = firstDayOfMonth(first + i);
    ends[i] = i === count - 1 ? endDay : firstDayOfMonth(first + i + 1);
  }
  const partialMonth = (month: number) =>
    month === asOfMonth && asOfDay + 1 < firstDayOfMonth(asOfMonth + 1);

  // Every layout's buckets numbered together (layout g's bucket k is offsets[g] + k), so the
  // pass below reads flat tables: the bucket of (layout, grid month), and the distinct
  // counts per bucket (each layout's state holds its slice of them).
  const offsets = new Int32Array(layouts.length + 1);
  layouts.forEach((l, g) => (offsets[g + 1] = offsets[g] + l.startMonths.length));
  const buckets = offsets[layouts.length];
  const bucketAt = new Int32Array(layouts.length * count).fill(-1);
  const buyersAll = new Int32Array(buckets);
  const repeatersAll = new Int32Array(buckets);
  const newRevenueAll = new Float64Array(buckets);
  const endsAll = new Int32Array(buckets);

  const states: LayoutState[] = layouts.map((layout, g) => {
    const n = layout.startMonths.length;
    const bucketOf = new Int32Array(count).fill(-1);
    const bStarts = new Int32Array(n);
    const bEnds = new Int32Array(n);
    const lo = new Int32Array(n);
    const hi = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const m0 = layout.startMonths[k];
      const m1 = k < n - 1 ? layout.startMonths[k + 1] - 1 : layout.lastMonth;
      lo[k] = m0 - first;
      hi[k] = m1 - first;
      bStarts[k] = starts[lo[k]];
      bEnds[k] = ends[hi[k]];
      bucketOf.fill(k, lo[k], hi[k] + 1);
      bucketAt.fill(offsets[g] + k, g * count + lo[k], g * count + hi[k] + 1);
      endsAll[offsets[g] + k] = bEnds[k];
    }
    return {
      layout,
      count: n,
      bucketOf,
      starts: bStarts,
      ends: bEnds,
      lo,
      hi,
      buyers: buyersAll.subarray(offsets[g], offsets[g + 1]),
      repeaters: repeatersAll.subarray(offsets[g], offsets[g + 1]),
      newRevenue: newRevenueAll.subarray(offsets[g], offsets[g + 1]),
    };
  });
  const layoutCount = states.length;
  // Per grid month, the buckets holding it (one per layout) by ascending end: a new
  // customer's revenue in each is one running sum over their purchases, not one walk per
  // layout (the sum up to a bucket's end is the same additions in the same order).
  const newBucketStart = new Int32Array(count + 1);
  const newBuckets = new Int32Array(count * layoutCount);
  for (let i = 0, w = 0; i < count; i++) {
    const row: number[] = [];
    for (let g = 0; g < layoutCount; g++)
      if (bucketAt[g * count + i] >= 0) row.push(bucketAt[g * count + i]);
    row.sort((a, b) => endsAll[a] - endsAll[b]);
    for (const k of row) newBuckets[w++] = k;
    newBucketStart[i + 1] = w;
  }
  /** Per layout, the customer's last bucket (flat number) and whether they repeated in it. */
  const lastK = new Int32Array(layoutCount).fill(-1);
  const repeatK = new Uint8Array(layoutCount);

  // Year-over-year windows are whole months. With month bits counted from `maskBase` (23
  // months before the grid), month i's previous year is bits i..i+11 and its own year bits
  // i+12..i+23: a customer is in the previous year of the months i ∈ A = ∪ [b − 11, b] over
  // their purchase months b, and retained where i + 12 ∈ A too. A is a few merged intervals
  // per customer, counted with difference arrays.
  const maskBase = first - 23;
  const maskStart = firstDayOfMonth(maskBase);
  const maxMonths = lastMonth - maskBase + 1;
  const aLo = new Int32Array(maxMonths);
  const aHi = new Int32Array(maxMonths);
  const yoyPreviousDiff = new Int32Array(count + 1);
  const yoyRetainedDiff = new Int32Array(count + 1);

  // Monthly churn as churnRates on the month boundaries, inlined into the same pass: a
  // purchase on day d makes the customer active at the boundaries in [d + 1, d + w].
  const boundaries = Int32Array.from([...starts, endDay]);
  const firstBoundary = boundaries[0];
  const lastBoundary = boundaries[count];
  // atOrAfter[x − lookupBase]: index of the first boundary ≥ x, for every x the pass asks
  // about (a purchase day d with d + w ≥ firstBoundary and d < endDay = lastBoundary asks for
  // d + 1 and d + w + 1): 0 up to the first boundary, count + 1 past the last.
  const lookupBase = firstBoundary - w + 1;
  const atOrAfter = new Int32Array(lastBoundary + w - lookupBase + 1);
  for (let x = lookupBase, j = 0; x <= lastBoundary + w; x++) {
    while (j <= count && boundaries[j] < x) j++;
    atOrAfter[x - lookupBase] = j;
  }
  const activeDiff = new Int32Array(count + 2);
  const churnedByMonth = new Int32Array(count);

  // Sums over months (per grid month).
  const newByMonth = new Int32Array(count);
  const revenueByMonth = new Float64Array(count);
  const ordersByMonth = new Int32Array(count);
  const purchasesByMonth = new Int32Array(count);
  const f2Converted = new Int32Array(count);
  const f2Base = new Int32Array(count);
  const subConverted = new Int32Array(count);
  const subBase = new Int32Array(count);
  const firstStart = starts[0];

  const { purchaseStart, purchaseDay, purchaseNet, purchaseOrders, purchaseFlags } = history;
  // Purchase days are all in the history's month table.
  const { monthByDay, minDay } = history;
  for (let c = 0; c < history.customerCount; c++) {
    const begin = purchaseStart[c];
    const end = purchaseStart[c + 1];
    if (begin === end) continue;
    const firstDay = purchaseDay[begin];
    if (firstDay >= endDay) continue;
    // F2: the customer's cohort is the month of the first purchase.
    if (firstDay >= firstStart && firstDay + f2W <= asOfDay) {
      const i = monthByDay[firstDay - minDay] - first;
      f2Base[i]++;
      if (begin + 1 < end && purchaseDay[begin + 1] <= firstDay + f2W) f2Converted[i]++;
    }
    let intervals = 0;
    let lastBit = -1;
    let lastI = -1;
    let firstSub = -1;
    let secondSub = -1;
    let runStart = -1;
    let runEnd = -2;
    for (let p = begin; p < end; p++) {
      const day = purchaseDay[p];
      if (day >= endDay) break;
      if (purchaseFlags[p] & SUBSCRIPTION) {
        if (firstSub < 0) firstSub = day;
        else if (secondSub < 0) secondSub = day;
      }
      if (day + w >= firstBoundary) {
        const j1 = atOrAfter[day + 1 - lookupBase];
        const j2 = atOrAfter[day + w + 1 - lookupBase] - 1;
        if (j1 <= j2) {
          if (j1 <= runEnd + 1) {
            if (j2 > runEnd) runEnd = j2;
          } else {
            if (runStart >= 0) {
              activeDiff[runStart]++;
              activeDiff[runEnd + 1]--;
              if (runEnd < count) churnedByMonth[runEnd]++;
            }
            runStart = j1;
            runEnd = j2;
          }
        }
      }
      if (day < maskStart) continue;
      const month = monthByDay[day - minDay];
      const bit = month - maskBase;
      if (bit !== lastBit) {
        lastBit = bit;
        if (intervals > 0 && bit - 11 <= aHi[intervals - 1] + 1) aHi[intervals - 1] = bit;
        else {
          aLo[intervals] = bit - 11;
          aHi[intervals] = bit;
          intervals++;
        }
      }
      if (day < firstStart) continue;
      const i = month - first;
      const net = purchaseNet[p];
      if (p === begin) newByMonth[i]++;
      purchasesByMonth[i]++;
      ordersByMonth[i] += purchaseOrders[p];
      revenueByMonth[i] += net;
      if (i === lastI && p > begin + 1) continue; // same month, already a repeat buyer
      lastI = i;
      for (let g = 0; g < layoutCount; g++) {
        const k = bucketAt[g * count + i];
        if (k < 0) continue;
        const last = lastK[g];
        if (k !== last) {
          if (last >= 0 && repeatK[g]) repeatersAll[last]++;
          buyersAll[k]++;
          lastK[g] = k;
          repeatK[g] = 0;
        }
        if (p > begin) repeatK[g] = 1;
      }
    }
    // Closed and reset for the next customer in one loop over the layouts.
    for (let g = 0; g < layoutCount; g++) {
      const k = lastK[g];
      if (k < 0) continue;
      if (repeatK[g]) repeatersAll[k]++;
      lastK[g] = -1;
      repeatK[g] = 0;
    }
    if (runStart >= 0) {
      activeDiff[runStart]++;
      activeDiff[runEnd + 1]--;
      if (runEnd < count) churnedByMonth[runEnd]++;
    }
    if (firstSub >= firstStart && firstSub + subW <= asOfDay) {
      const i = monthByDay[firstSub - minDay] - first;
      subBase[i]++;
      if (secondSub >= 0 && secondSub <= firstSub + subW) subConverted[i]++;
    }
    // New customers' revenue by bucket: the purchases in the bucket of their first purchase.
    if (firstDay >= firstStart) {
      const i0 = monthByDay[firstDay - minDay] - first;
      let p = begin;
      let sum = 0;
      for (let j = newBucketStart[i0]; j < newBucketStart[i0 + 1]; j++) {
        const k = newBuckets[j];
        const bucketEnd = endsAll[k];
        for (; p < end && purchaseDay[p] < bucketEnd; p++) sum += purchaseNet[p];
        newRevenueAll[k] += sum;
      }
    }
    for (let j = 0; j < intervals; j++) {
      const lo = Math.max(0, aLo[j]);
      const hi = Math.min(count - 1, aHi[j]);
      if (lo > hi) continue;
      yoyPreviousDiff[lo]++;
      yoyPreviousDiff[hi + 1]--;
      // Retained: i in A_j and i + 12 in some A_l.
      for (let l = j; l < intervals; l++) {
        const rLo = Math.max(lo, aLo[l] - 12);
        const rHi = Math.min(hi, aHi[l] - 12);
        if (rLo > rHi) continue;
        yoyRetainedDiff[rLo]++;
        yoyRetainedDiff[rHi + 1]--;
      }
    }
  }
  const yoyPreviousByMonth = new Int32Array(count);
  const yoyRetainedByMonth = new Int32Array(count);
  const activeByMonth = new Int32Array(count);
  for (let i = 0, prev = 0, ret = 0, act = 0; i < count; i++) {
    prev += yoyPreviousDiff[i];
    ret += yoyRetainedDiff[i];
    act += activeDiff[i];
    yoyPreviousByMonth[i] = prev;
    yoyRetainedByMonth[i] = ret;
    activeByMonth[i] = act;
  }
  // A bucket ending with the month in progress: its YoY window ends on the as-of day.
  const currentYoy = partialMonth(lastMonth)
    ? (options.currentYoy ?? yoyMigration(history, trailingMonths(asOfDay, 12)))
    : undefined;

  // NPS per month.
  const promotersByMonth = new Int32Array(count);
  const passivesByMonth = new Int32Array(count);
  const detractorsByMonth = new Int32Array(count);
  for (const r of options.npsResponses) {
    const day = options.calendar.dayOf(r.respondedAt);
    if (day < firstStart || day >= endDay) continue;
    const s = r.score;
    if (!Number.isInteger(s) || s < 0 || s > 10) continue;
    const i = monthOfDay(day) - first;
    if (s >= 9) promotersByMonth[i]++;
    else if (s >= 7) passivesByMonth[i]++;
    else detractorsByMonth[i]++;
  }

  // Spend per month.
  const spendByMonth = new Float64Array(count);
  const hasSpendByMonth = new Uint8Array(count);
  for (const s of options.marketingSpend) {
    const i = parseMonth(s.month) - first;
    if (i < 0 || i >= count) continue;
    spendByMonth[i] += s.amountMinor;
    hasSpendByMonth[i] = 1;
  }
  const cohortRows = new Map(options.cohorts.rows.map((row) => [row.month, row]));

  return states.map((state) =>
    layoutSeries(state, {
      options,
      first,
      partialMonth,
      currentYoy,
      cohortRows,
      byMonth: {
        newCustomers: newByMonth,
        revenue: revenueByMonth,
        orders: ordersByMonth,
        purchases: purchasesByMonth,
        f2Converted,
        f2Base,
        subConverted,
        subBase,
        churned: churnedByMonth,
        active: activeByMonth,
        yoyPrevious: yoyPreviousByMonth,
        yoyRetained: yoyRetainedByMonth,
        promoters: promotersByMonth,
        passives: passivesByMonth,
        detractors: detractorsByMonth,
        spend: spendByMonth,
        hasSpend: hasSpendByMonth,
      },
    }),
  );
}

type MonthCounts = Record<
  | "newCustomers"
  | "revenue"
  | "orders"
  | "purchases"
  | "f2Converted"
  | "f2Base"
  | "subConverted"
  | "subBase"
  | "churned"
  | "active"
  | "yoyPrevious"
  | "yoyRetained"
  | "promoters"
  | "passives"
  | "detractors"
  | "spend"
  | "hasSpend",
  Int32Array | Float64Array | Uint8Array
>;

/** One layout's series from its own distinct counts and the grid's monthly sums. */
function layoutSeries(
  state: LayoutState,
  shared: {
    readonly options: PeriodTrendOptions;
    readonly first: number;
    readonly partialMonth: (month: number) => boolean;
    readonly currentYoy: YoyMigration | undefined;
    readonly cohortRows: ReadonlyMap<number, CohortTable["rows"][number]>;
    readonly byMonth: MonthCounts;
  },
): KpiSeries[] {
  const { options, first, byMonth } = shared;
  const { layout, count, lo, hi, buyers, repeaters, newRevenue } = state;
  const f2W = options.f2WindowDays;
  const subW = options.subscriptionWindowDays;
  const asOfDay = options.asOfDay;
  const noun = NOUN[layout.granularity];
  const sum = (name: keyof MonthCounts): Float64Array => {
    const months = byMonth[name];
    const out = new Float64Array(count);
    for (let k = 0; k < count; k++) {
      let s = 0;
      for (let i = lo[k]; i <= hi[k]; i++) s += months[i];
      out[k] = s;
    }
    return out;
  };
  const newCustomers = sum("newCustomers");
  const revenue = sum("revenue");
  const orders = sum("orders");
  const purchases = sum("purchases");
  const f2 = { converted: sum("f2Converted"), base: sum("f2Base") };
  const sub = { converted: sum("subConverted"), base: sum("subBase") };
  const churned = sum("churned");
  const active = sum("active");
  const promoters = sum("promoters");
  const passives = sum("passives");
  const detractors = sum("detractors");
  const spend = sum("spend");
  const hasSpend = sum("hasSpend");
  const lastMonthOf = (k: number) => first + hi[k];
  // The last bucket is in progress until its whole span has passed (a quarter as of 29 Feb).
  const partial = (k: number) =>
    k === count - 1 &&
    state.ends[k] < firstDayOfMonth(layout.startMonths[k] + layout.span) &&
    state.ends[k] === asOfDay + 1;
  // YoY: the trailing year ending with the bucket's last month (or the as-of day).
  const yoyAt = (k: number): { previous: number; retained: number; start: number } => {
    const y = shared.currentYoy;
    if (shared.partialMonth(lastMonthOf(k)) && y) {
      return {
        previous: y.previousBuyers,
        retained: y.retainedNew + y.retainedExisting,
        start: trailingMonths(asOfDay, 12).startDay,
      };
    }
    return {
      previous: byMonth.yoyPrevious[hi[k]],
      retained: byMonth.yoyRetained[hi[k]],
      start: firstDayOfMonth(lastMonthOf(k) - 11),
    };
  };

  // Historical LTV of the bucket's cohorts pooled: shown once every one is old enough.
  const ltvAt = (k: number, horizon: number): { value: number | null; size: number } => {
    let size = 0;
    let total = 0;
    let mature = true;
    let only: number | null = null;
    let rows = 0;
    for (let i = lo[k]; i <= hi[k]; i++) {
      const row = shared.cohortRows.get(first + i);
      if (row === undefined || row.size === 0) continue;
      rows++;
      size += row.size;
      if (row.completeMonths < horizon) mature = false;
      else {
        only = row.cumulativeNetPerCustomer[horizon - 1];
        total += only * row.size;
      }
    }
    if (rows === 0 || !mature) return { value: null, size };
    // One cohort month: its own value, exactly.
    return { value: rows === 1 ? only : total / size, size };
  };

  const point = (
    k: number,
    numerator: number,
    denominator: number,
    value: number | null = ratioOrNull(numerator, denominator),
    immature = false,
    startDay = state.starts[k],
  ): TrendPoint => ({
    month: formatMonth(layout.startMonths[k]),
    start: formatDay(startDay),
    end: formatDay(state.ends[k] - 1),
    value: value === null || !Number.isFinite(value) ? null : value + 0,
    numerator: numerator + 0,
    denominator,
    partial: partial(k),
    immature,
  });
  const series = (
    id: TrendId,
    definition: MetricDefinition,
    kind: KpiSeries["kind"],
    make: (k: number) => TrendPoint,
    minBase = MIN_TREND_BASE,
  ): KpiSeries => ({
    id,
    definition,
    kind,
    minBase,
    points: Array.from({ length: count }, (_, k) => make(k)),
  });
  const monthEndMature = (k: number, window: number) => state.ends[k] - 1 + window <= asOfDay;
  const margin = options.grossMarginRatio;
  const ltvHorizon = (months: number): KpiSeries =>
    series(
      `historical_ltv_${months}` as TrendId,
      def(
        `historical_ltv_${months}`,
        `Historical LTV at ${months} months`,
        `Net revenue after refunds of the customers whose first purchase was in the ${noun}, each from their first-purchase month through the ${months}th month (the first-purchase month counts as the first), divided by those customers. Shown once the ${months}th month has ended for all of them.`,
        `Customers whose first purchase was in the ${noun}`,
        "minor",
        { months },
      ),
      "cohort_month",
      (k) => {
        const l = ltvAt(k, months);
        return point(k, l.value === null ? 0 : l.value * l.size, l.size, l.value, l.value === null);
      },
    );

  return [
    series(
      "repeat_rate",
      def(
        "repeat_rate",
        "Repeat rate",
        `Share of the customers who bought in the ${noun} who have made at least 2 purchases in total by the end of the ${noun} (orders on one shop-local day count as one purchase).`,
        `Customers with at least one purchase in the ${noun}`,
        "ratio",
        { scope: "lifetime" },
      ),
      "calendar_month",
      (k) => point(k, repeaters[k], buyers[k]),
    ),
    series(
      "f2_conversion",
      def(
        "f2_conversion",
        "F2 conversion",
        `Share of the customers whose first purchase was in the ${noun} who made a second purchase (on a later shop-local day) within ${f2W} days of the first. Customers whose ${f2W} days have not yet passed are left out until they have.`,
        `Customers whose first purchase was in the ${noun} and at least ${f2W} days before the as-of date`,
        "ratio",
        { windowDays: f2W },
      ),
      "cohort_month",
      (k) => point(k, f2.converted[k], f2.base[k], undefined, !monthEndMature(k, f2W)),
    ),
    series(
      "second_purchase_survival",
      def(
        "second_purchase_survival",
        "Second-delivery survival (subscriptions)",
        `Share of the customers whose first subscription order was in the ${noun} who had a second subscription order (on a later shop-local day) within ${subW} days. Customers whose ${subW} days have not yet passed are left out until they have.`,
        `Customers whose first subscription order was in the ${noun} and at least ${subW} days before the as-of date`,
        "ratio",
        { windowDays: subW },
      ),
      "cohort_month",
      (k) => point(k, sub.converted[k], sub.base[k], undefined, !monthEndMature(k, subW)),
    ),
    series(
      "monthly_churn_rate",
      def(
        "monthly_churn_rate",
        "Monthly churn rate",
        `Share of the customers active at the start of the month who are no longer active at its end (the as-of date for the month in progress), where active means at least one purchase in the preceding ${options.churnInactivityDays} days.${
          layout.granularity === "month"
            ? ""
            : ` Over a ${noun}: a monthly rate, the ${noun}'s churned customer-months divided by its active customer-months.`
        }`,
        `Customers with a purchase in the ${options.churnInactivityDays} days before the month start`,
        "ratio",
        { inactivityDays: options.churnInactivityDays },
      ),
      "calendar_month",
      (k) => point(k, churned[k], active[k]),
    ),
    series(
      "yoy_retention",
      def(
        "yoy_retention",
        "Year-over-year retention",
        `Share of the customers who bought in the 12 months before the point's 12 months who bought again in the point's 12 months (the 12 months ending with the ${noun}; for a ${noun} in progress, ending with the as-of date).`,
        "Customers with at least one purchase in the 12 months before",
        "ratio",
      ),
      "trailing_year",
      (k) => {
        const y = yoyAt(k);
        return point(k, y.retained, y.previous, undefined, false, y.start);
      },
    ),
    series(
      "nps",
      def(
        "nps",
        "Net Promoter Score",
        `Percentage of the ${noun}'s responses scoring 9–10 (promoters) minus percentage scoring 0–6 (detractors), from −100 to 100.`,
        `Survey responses with a score from 0 to 10 received in the ${noun}`,
        "points",
      ),
      "calendar_month",
      (k) => {
        const n = promoters[k] + passives[k] + detractors[k];
        const net = promoters[k] - detractors[k];
        return point(k, net, n, n > 0 ? (100 * net) / n : null);
      },
      MIN_NPS_RESPONSES,
    ),
    series(
      "new_customers",
      def(
        "new_customers",
        "New customers",
        `Customers whose first purchase was in the ${noun}; the base is every customer who bought in the ${noun}.`,
        `Customers with at least one purchase in the ${noun}`,
        "count",
      ),
      "calendar_month",
      (k) => point(k, newCustomers[k], buyers[k], newCustomers[k]),
      0,
    ),
    series(
      "returning_customers",
      def(
        "returning_customers",
        "Returning customers",
        `Customers who bought in the ${noun} and had bought before it; the base is every customer who bought in the ${noun}.`,
        `Customers with at least one purchase in the ${noun}`,
        "count",
      ),
      "calendar_month",
      (k) => point(k, buyers[k] - newCustomers[k], buyers[k], buyers[k] - newCustomers[k]),
      0,
    ),
    series(
      "new_customer_revenue",
      def(
        "new_customer_revenue",
        "Revenue from new customers",
        `Net revenue after refunds, in the ${noun}, of the customers whose first purchase was in the ${noun} (guest orders are not included).`,
        `Customers whose first purchase was in the ${noun}`,
        "minor",
      ),
      "calendar_month",
      (k) => point(k, newRevenue[k], newCustomers[k], newRevenue[k]),
      0,
    ),
    series(
      "returning_customer_revenue",
      def(
        "returning_customer_revenue",
        "Revenue from returning customers",
        `Net revenue after refunds, in the ${noun}, of the customers who had bought before the ${noun} (guest orders are not included).`,
        `Customers who bought in the ${noun} and had bought before it`,
        "minor",
      ),
      "calendar_month",
      (k) =>
        point(
          k,
          revenue[k] - newRevenue[k],
          buyers[k] - newCustomers[k],
          revenue[k] - newRevenue[k],
        ),
      0,
    ),
    series(
      "average_order_value",
      def(
        "average_order_value",
        "Average order value",
        `Net revenue after refunds of the customers' orders in the ${noun} divided by the number of those orders (not cancelled, not test; guest orders are not included).`,
        `Customer orders in the ${noun}`,
        "minor",
      ),
      "calendar_month",
      (k) => point(k, revenue[k], orders[k]),
    ),
    series(
      "purchases_per_customer",
      def(
        "purchases_per_customer",
        "Purchases per customer",
        `Purchases in the ${noun} (orders on one shop-local day count as one) divided by the customers who bought in the ${noun}.`,
        `Customers with at least one purchase in the ${noun}`,
        "multiple",
      ),
      "calendar_month",
      (k) => point(k, purchases[k], buyers[k]),
    ),
    ltvHorizon(6),
    ltvHorizon(12),
    ltvHorizon(24),
    series(
      "cac",
      def(
        "cac",
        "Customer acquisition cost",
        `Marketing spend entered for the ${noun} divided by the customers whose first purchase was in the ${noun}; no value without spend.`,
        `Customers whose first purchase (not cancelled, not test) was in the ${noun}`,
        "minor",
      ),
      "calendar_month",
      (k) =>
        hasSpend[k] ? point(k, spend[k], newCustomers[k]) : point(k, 0, newCustomers[k], null),
      0,
    ),
    series(
      "ltv_cac_ratio",
      def(
        "ltv_cac_ratio",
        "LTV:CAC by cohort",
        margin === null
          ? `Historical LTV at 12 months of the customers whose first purchase was in the ${noun}, times the gross margin, divided by the ${noun}'s CAC. Not computed: the gross margin is not set (enter it in Settings).`
          : `Historical LTV at 12 months of the customers whose first purchase was in the ${noun}, times the gross margin (${margin}), divided by the ${noun}'s CAC. Shown once the 12th month has ended for each of them and where the ${noun} has spend.`,
        `Customers whose first purchase was in the ${noun}`,
        "multiple",
        margin === null
          ? { grossMarginSet: false, months: 12 }
          : { grossMarginRatio: margin, months: 12 },
      ),
      "cohort_month",
      (k) => {
        const l = ltvAt(k, 12);
        const cac = hasSpend[k] ? ratioOrNull(spend[k], newCustomers[k]) : null;
        if (margin === null) return point(k, 0, l.size, null);
        const value = l.value !== null && cac !== null && cac > 0 ? (l.value * margin) / cac : null;
        // Base: the cohort; numerator: its margin over the 12 months.
        return point(
          k,
          l.value === null ? 0 : l.value * margin * l.size,
          l.size,
          value,
          l.value === null,
        );
      },
      0,
    ),
  ];
}
