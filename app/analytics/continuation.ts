/**
 * Continuation (継続率): survival by purchase count per first-order cohort.
 *
 * reached[n − 1] = customers of the cohort with at least n purchases up to asOfDay (same-day
 * orders are one purchase). With `subscriptionOnly`, only purchases containing a
 * subscription line count and the cohort is the month of the first such purchase: then
 * reached[n − 1] is the number of subscribers who stayed through the n-th delivery, the
 * input the shifted-beta-geometric fit consumes. Young cohorts are right-censored: use
 * ageMonths to decide which counts are final.
 */
import type { PurchaseHistory } from "./history";
import type { MetricDefinition } from "./metric";
import { formatMonth } from "./time";
import { ORDER_SUBSCRIPTION } from "./types";

// Local copy for hot loops: some loaders turn imported bindings into getter calls.
const SUBSCRIPTION = ORDER_SUBSCRIPTION;

export interface ContinuationOptions {
  readonly asOfDay: number;
  /** Largest purchase number tracked; default 10. */
  readonly maxPurchases?: number;
  readonly subscriptionOnly?: boolean;
  /** Cohort months (inclusive) to report; default all. */
  readonly fromMonth?: number;
  readonly toMonth?: number;
}

export interface ContinuationRow {
  readonly month: number;
  readonly label: string;
  /** Customers in the cohort (= reached[0]). */
  readonly size: number;
  /** Whole months between the cohort month and the month of asOfDay. */
  readonly ageMonths: number;
  /** reached[n − 1]: customers with ≥ n purchases (n = 1..maxPurchases). */
  readonly reached: Int32Array;
  /** reached / size. */
  readonly share: Float64Array;
}

export interface ContinuationTable {
  readonly asOfDay: number;
  readonly subscriptionOnly: boolean;
  readonly maxPurchases: number;
  readonly rows: readonly ContinuationRow[];
  /** All cohorts pooled (label "all"; month and ageMonths are those of the oldest cohort). */
  readonly total: ContinuationRow | null;
  readonly definition: MetricDefinition;
}

/** Survival by purchase number per cohort. Linear in purchases (plus months × maxPurchases). */
export function continuationByCohort(
  history: PurchaseHistory,
  options: ContinuationOptions,
): ContinuationTable {
  const { asOfDay } = options;
  if (!Number.isInteger(asOfDay)) throw new RangeError("asOfDay must be an integer local day");
  const maxPurchases = options.maxPurchases ?? 10;
  if (!Number.isInteger(maxPurchases) || maxPurchases < 1 || maxPurchases > 1000) {
    throw new RangeError("maxPurchases must be an integer in 1..1000");
  }
  const subscriptionOnly = options.subscriptionOnly ?? false;
  const fromMonth = options.fromMonth ?? -Infinity;
  const toMonth = options.toMonth ?? Infinity;
  const asOfMonth = history.monthOf(asOfDay);
  const { purchaseStart, purchaseDay, purchaseFlags, monthByDay } = history;
  // Subscriptions: from each customer's first subscription purchase (none: skipped).
  const firstSubscription = subscriptionOnly ? history.firstSubscription : null;
  const n = history.customerCount;

  // Histograms in one dense block, a row of maxPurchases per month from the month of the
  // history's first day to the month of asOfDay (every cohort counted is in it): purchase
  // days index the history's day → month table, no Map per cohort.
  const minDay = history.minDay;
  const firstMonth = monthByDay.length > 0 ? monthByDay[0] : 0;
  const monthCount = monthByDay.length > 0 ? Math.max(0, asOfMonth - firstMonth + 1) : 0;
  const counts = new Int32Array(monthCount * maxPurchases);
  let seen = 0;
  for (let c = 0; c < n; c++) {
    let cohort = -1;
    let reached = 0;
    const from = firstSubscription === null ? purchaseStart[c] : firstSubscription[c];
    if (from < 0) continue;
    const end = purchaseStart[c + 1];
    for (let p = from; p < end; p++) {
      const day = purchaseDay[p];
      if (day > asOfDay) break;
      if (subscriptionOnly && !(purchaseFlags[p] & SUBSCRIPTION)) continue;
      if (reached === 0) cohort = monthByDay[day - minDay];
      if (++reached === maxPurchases) break;
    }
    if (reached === 0 || cohort < fromMonth || cohort > toMonth) continue;
    // Survival counts: a customer with r purchases adds 1 to reached[0..r − 1]; done as a
    // histogram here and turned cumulative below.
    counts[(cohort - firstMonth) * maxPurchases + reached - 1]++;
    seen++;
  }

  const makeRow = (month: number, label: string, histogram: Int32Array): ContinuationRow => {
    const reached = new Int32Array(maxPurchases);
    let running = 0;
    for (let k = maxPurchases - 1; k >= 0; k--) {
      running += histogram[k];
      reached[k] = running;
    }
    const share = new Float64Array(maxPurchases);
    for (let k = 0; k < maxPurchases; k++) share[k] = reached[k] / reached[0];
    return { month, label, size: reached[0], ageMonths: asOfMonth - month, reached, share };
  };

  const rows: ContinuationRow[] = [];
  let total: ContinuationRow | null = null;
  if (seen > 0) {
    const pooled = new Int32Array(maxPurchases);
    for (let i = 0; i < monthCount; i++) {
      const histogram = counts.subarray(i * maxPurchases, (i + 1) * maxPurchases);
      let size = 0;
      for (let k = 0; k < maxPurchases; k++) {
        size += histogram[k];
        pooled[k] += histogram[k];
      }
      if (size > 0) rows.push(makeRow(firstMonth + i, formatMonth(firstMonth + i), histogram));
    }
    total = makeRow(rows[0].month, "all", pooled);
  }

  const what = subscriptionOnly ? "subscription purchases (deliveries)" : "purchases";
  return {
    asOfDay,
    subscriptionOnly,
    maxPurchases,
    rows,
    total,
    definition: {
      id: subscriptionOnly ? "continuation_subscription" : "continuation",
      name: subscriptionOnly ? "Subscription continuation" : "Continuation by purchase count",
      text: `For each n, the share of the cohort's customers who made at least n ${what} (orders on one shop-local day count once) up to the as-of date.`,
      base: subscriptionOnly
        ? "Customers whose first subscription purchase was in the cohort month"
        : "Customers whose first purchase was in the cohort month",
      unit: "ratio",
      params: { maxPurchases, subscriptionOnly },
    },
  };
}
