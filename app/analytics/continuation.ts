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

/** Survival by purchase number per cohort. Linear in purchases. */
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
  const { purchaseStart, purchaseDay, purchaseFlags } = history;
  // Subscriptions: from each customer's first subscription purchase (none: skipped).
  const firstSubscription = subscriptionOnly ? history.firstSubscription : null;

  // Rows keyed by cohort month in a dense array between the first and last month seen.
  const counts = new Map<number, Int32Array>();
  for (let c = 0; c < history.customerCount; c++) {
    let cohort = -1;
    let reached = 0;
    const from = firstSubscription === null ? purchaseStart[c] : firstSubscription[c];
    if (from < 0) continue;
    for (let p = from; p < purchaseStart[c + 1]; p++) {
      if (purchaseDay[p] > asOfDay) break;
      if (subscriptionOnly && !(purchaseFlags[p] & SUBSCRIPTION)) continue;
      if (reached === 0) cohort = history.monthOf(purchaseDay[p]);
      if (++reached === maxPurchases) break;
    }
    if (reached === 0 || cohort < fromMonth || cohort > toMonth) continue;
    let row = counts.get(cohort);
    if (row === undefined) {
      row = new Int32Array(maxPurchases);
      counts.set(cohort, row);
    }
    // Survival counts: a customer with r purchases adds 1 to reached[0..r − 1]; done as a
    // histogram here and turned cumulative below.
    row[reached - 1]++;
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

  const months = [...counts.keys()].sort((a, b) => a - b);
  const rows = months.map((month) => {
    const histogram = counts.get(month);
    return makeRow(month, formatMonth(month), histogram ?? new Int32Array(maxPurchases));
  });
  let total: ContinuationRow | null = null;
  if (months.length > 0) {
    const pooled = new Int32Array(maxPurchases);
    for (const histogram of counts.values()) {
      for (let k = 0; k < maxPurchases; k++) pooled[k] += histogram[k];
    }
    total = makeRow(months[0], "all", pooled);
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
