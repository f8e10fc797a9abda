/**
 * Retention KPIs over shop-local periods. Each returns a Metric: value, numerator, base,
 * period and a definition record (see metric.ts). Purchases follow history.ts: cancelled and
 * test orders are gone, same-local-day orders are one purchase, money is net of refunds,
 * guests are not customers.
 */
import type { PurchaseHistory } from "./history";
import { purchasesEnd } from "./history";
import type { Metric, MetricDefinition } from "./metric";
import { makeMetric, validatePositiveInteger, validateRange } from "./metric";
import { sortNumbers } from "./numeric-sort";
import type { DayRange } from "./time";
import { firstDayOfMonth, formatMonth } from "./time";
import { ORDER_SUBSCRIPTION } from "./types";

// Local copy for hot loops: some loaders turn imported bindings into getter calls.
const SUBSCRIPTION = ORDER_SUBSCRIPTION;

/** Every purchase up to and including asOfDay. */
export function lifetimeRange(history: PurchaseHistory, asOfDay: number): DayRange {
  const start = Number.isFinite(history.minDay) ? Math.min(history.minDay, asOfDay) : asOfDay;
  return { startDay: start, endDay: asOfDay + 1 };
}

// ---------------------------------------------------------------------------------------------
// Repeat rate.

export type RepeatScope = "lifetime" | "within_period";

/**
 * Repeat rate: of the customers who bought in the period, the share with ≥ 2 purchases —
 * counted over their whole history up to the period end ("lifetime", default) or inside the
 * period only ("within_period").
 */
export function repeatRate(
  history: PurchaseHistory,
  period: DayRange,
  options: { readonly scope?: RepeatScope } = {},
): Metric {
  validateRange(period);
  const scope = options.scope ?? "lifetime";
  const { purchaseStart, purchaseDay } = history;
  let buyers = 0;
  let repeaters = 0;
  for (let c = 0; c < history.customerCount; c++) {
    const end = purchasesEnd(history, c, period.endDay - 1);
    const begin = purchaseStart[c];
    if (end === begin || purchaseDay[end - 1] < period.startDay) continue;
    buyers++;
    if (scope === "lifetime") {
      if (end - begin >= 2) repeaters++;
    } else if (end - begin >= 2 && purchaseDay[end - 2] >= period.startDay) {
      repeaters++;
    }
  }
  const definition: MetricDefinition =
    scope === "lifetime"
      ? {
          id: "repeat_rate",
          name: "Repeat rate",
          text: "Share of the customers who bought in the period who have made at least 2 purchases in total by the end of the period (orders on one shop-local day count as one purchase).",
          base: "Customers with at least one purchase in the period",
          unit: "ratio",
          params: { scope },
        }
      : {
          id: "repeat_rate_within_period",
          name: "Repeat rate within the period",
          text: "Share of the customers who bought in the period who made at least 2 purchases inside the period (orders on one shop-local day count as one purchase).",
          base: "Customers with at least one purchase in the period",
          unit: "ratio",
          params: { scope },
        };
  return makeMetric(definition, repeaters, buyers, period);
}

// ---------------------------------------------------------------------------------------------
// F2 conversion and second-purchase survival.

export interface SecondPurchaseOptions {
  /** Customers whose first (subscription) purchase falls in this range form the base. */
  readonly cohort: DayRange;
  /** Last local day with data: customers whose window has not fully elapsed are left out. */
  readonly asOfDay: number;
  /** N: the second purchase must come at most this many days after the first. */
  readonly windowDays?: number;
}

function secondWithin(
  history: PurchaseHistory,
  options: SecondPurchaseOptions,
  windowDays: number,
  subscriptionOnly: boolean,
): { converted: number; base: number; immature: number } {
  const { cohort, asOfDay } = options;
  const { purchaseStart, purchaseDay, purchaseFlags } = history;
  // Subscriptions: from each customer's first subscription purchase (none: skipped).
  const firstSubscription = subscriptionOnly ? history.firstSubscription : null;
  let converted = 0;
  let base = 0;
  let immature = 0;
  for (let c = 0; c < history.customerCount; c++) {
    let first = -1;
    let second = -1;
    const from = firstSubscription === null ? purchaseStart[c] : firstSubscription[c];
    if (from < 0) continue;
    for (let p = from; p < purchaseStart[c + 1]; p++) {
      if (subscriptionOnly && !(purchaseFlags[p] & SUBSCRIPTION)) continue;
      if (first < 0) {
        first = purchaseDay[p];
        if (first < cohort.startDay || first >= cohort.endDay) break;
      } else {
        second = purchaseDay[p];
        break;
      }
    }
    if (first < cohort.startDay || first >= cohort.endDay) continue;
    // Right-censoring: only customers observed for the full window are judged.
    if (first + windowDays > asOfDay) {
      immature++;
      continue;
    }
    base++;
    if (second >= 0 && second <= first + windowDays) converted++;
  }
  return { converted, base, immature };
}

/**
 * F2 conversion: share of first-time buyers (first purchase in the cohort range) who made a
 * second purchase within N days (default 90) of the first.
 */
export function f2Conversion(history: PurchaseHistory, options: SecondPurchaseOptions): Metric {
  validateRange(options.cohort, "cohort");
  const windowDays = options.windowDays ?? 90;
  validatePositiveInteger(windowDays, "windowDays");
  const r = secondWithin(history, options, windowDays, false);
  return makeMetric(
    {
      id: "f2_conversion",
      name: "F2 conversion",
      text: `Share of customers whose first purchase was in the period who made a second purchase (on a later shop-local day) within ${windowDays} days of the first.`,
      base: `Customers whose first purchase was in the period and at least ${windowDays} days before the as-of date`,
      unit: "ratio",
      params: { windowDays },
    },
    r.converted,
    r.base,
    options.cohort,
    undefined,
    { excludedTooRecent: r.immature },
  );
}

/**
 * Second-purchase survival of subscribers (2回目継続率): share of customers whose first
 * subscription purchase was in the cohort range who received a second subscription order
 * within N days (default 60, two monthly cycles) — i.e. stayed through the 2nd delivery.
 */
export function secondPurchaseSurvival(
  history: PurchaseHistory,
  options: SecondPurchaseOptions,
): Metric {
  validateRange(options.cohort, "cohort");
  const windowDays = options.windowDays ?? 60;
  validatePositiveInteger(windowDays, "windowDays");
  const r = secondWithin(history, options, windowDays, true);
  return makeMetric(
    {
      id: "second_purchase_survival",
      name: "Second-delivery survival (subscriptions)",
      text: `Share of customers whose first subscription order was in the period who had a second subscription order (on a later shop-local day) within ${windowDays} days, i.e. stayed through the 2nd delivery.`,
      base: `Customers whose first subscription order was in the period and at least ${windowDays} days before the as-of date`,
      unit: "ratio",
      params: { windowDays },
    },
    r.converted,
    r.base,
    options.cohort,
    undefined,
    { excludedTooRecent: r.immature },
  );
}

// ---------------------------------------------------------------------------------------------
// Churn.

export interface ChurnOptions {
  /** A customer is active at day t when they bought in [t − inactivityDays, t − 1]; default 180. */
  readonly inactivityDays?: number;
}

const DEFAULT_INACTIVITY_DAYS = 180;

function churnDefinition(id: string, name: string, w: number, extra: string): MetricDefinition {
  return {
    id,
    name,
    text: `Share of the customers active at the start of the period who are no longer active at its end, where active means at least one purchase in the preceding ${w} days${extra}.`,
    base: `Customers with a purchase in the ${w} days before the period start`,
    unit: "ratio",
    params: { inactivityDays: w },
  };
}

/** Smallest index i with values[i] ≥ x. */
function lowerBound(values: Int32Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Churn for consecutive periods [b0, b1), [b1, b2), …: per period, customers active at its
 * start (a purchase in the inactivityDays before it) who are not active at its end. A
 * customer who lapses and comes back inside one period has not churned. Linear in
 * purchases (two binary searches over the few boundaries per purchase).
 */
export function churnRates(
  history: PurchaseHistory,
  boundaries: readonly number[] | Int32Array,
  options: ChurnOptions = {},
): Metric[] {
  const w = options.inactivityDays ?? DEFAULT_INACTIVITY_DAYS;
  validatePositiveInteger(w, "inactivityDays");
  const b = Int32Array.from(boundaries);
  if (b.length < 2) throw new RangeError("Need at least two period boundaries");
  for (let i = 0; i < b.length; i++) {
    if (b[i] !== boundaries[i] || (i > 0 && b[i] <= b[i - 1])) {
      throw new RangeError("Period boundaries must be strictly increasing integer local days");
    }
  }
  const periods = b.length - 1;
  // activeDiff: difference array of "active at boundary j"; churned[j]: lapsed during period j.
  const activeDiff = new Int32Array(b.length + 1);
  const churned = new Int32Array(periods);
  const first = b[0];
  const last = b[periods];
  const { purchaseStart, purchaseDay } = history;
  // lowerBound(b, x) for x in [first, last] from a table over the boundaries' span (a few
  // hundred days for months); spans beyond a million days search.
  const atOrAfter = last - first < 1 << 20 ? new Int32Array(last - first + 1) : null;
  if (atOrAfter !== null) {
    for (let x = first, j = 0; x <= last; x++) {
      while (b[j] < x) j++;
      atOrAfter[x - first] = j;
    }
  }
  const boundaryAtOrAfter = (x: number): number =>
    atOrAfter === null
      ? lowerBound(b, x)
      : x <= first
        ? 0
        : x > last
          ? b.length
          : atOrAfter[x - first];
  for (let c = 0; c < history.customerCount; c++) {
    let runStart = -1;
    let runEnd = -2;
    for (let p = purchaseStart[c]; p < purchaseStart[c + 1]; p++) {
      const d = purchaseDay[p];
      // Purchase d makes the customer active at boundaries in [d + 1, d + w].
      if (d + w < first) continue;
      if (d + 1 > last) break;
      const j1 = boundaryAtOrAfter(d + 1);
      const j2 = boundaryAtOrAfter(d + w + 1) - 1;
      if (j1 > j2) continue;
      if (j1 <= runEnd + 1) {
        if (j2 > runEnd) runEnd = j2;
        continue;
      }
      if (runStart >= 0) {
        activeDiff[runStart]++;
        activeDiff[runEnd + 1]--;
        if (runEnd < periods) churned[runEnd]++;
      }
      runStart = j1;
      runEnd = j2;
    }
    if (runStart >= 0) {
      activeDiff[runStart]++;
      activeDiff[runEnd + 1]--;
      if (runEnd < periods) churned[runEnd]++;
    }
  }
  const definition = churnDefinition("churn_rate", "Churn rate", w, "");
  const out: Metric[] = [];
  let active = 0;
  for (let j = 0; j < periods; j++) {
    active += activeDiff[j];
    out.push(
      makeMetric(definition, churned[j], active, { startDay: b[j], endDay: b[j + 1] }, undefined, {
        retained: active - churned[j],
      }),
    );
  }
  return out;
}

export interface MonthlyChurn {
  /** One Metric per complete month (id "monthly_churn_rate"). */
  readonly months: readonly Metric[];
  /** Pooled over the months: Σ churned / Σ active at month starts (customer-month weighted). */
  readonly average: Metric;
}

/**
 * Monthly churn for the calendar months fromMonth..toMonth (inclusive) that have ended by
 * asOfDay. The pooled average is what the 3–4 %/month benchmark compares with.
 */
export function monthlyChurn(
  history: PurchaseHistory,
  options: ChurnOptions & {
    readonly fromMonth: number;
    readonly toMonth: number;
    readonly asOfDay: number;
  },
): MonthlyChurn {
  const w = options.inactivityDays ?? DEFAULT_INACTIVITY_DAYS;
  const boundaries = churnMonthBoundaries(options);
  const rates =
    boundaries.length >= 2 ? churnRates(history, boundaries, { inactivityDays: w }) : [];
  return pooledMonthlyChurn(
    rates.map((r) => r.numerator),
    rates.map((r) => r.denominator),
    boundaries,
    options.fromMonth,
    w,
  );
}

/** A per-month churn series (the KPI history's "monthly_churn_rate", months layout). */
export interface ChurnSeries {
  readonly definition: { readonly params: Readonly<Record<string, unknown>> };
  /** "YYYY-MM" per point; numerator churned, denominator active at the month start. */
  readonly points: readonly {
    readonly month: string;
    readonly numerator: number;
    readonly denominator: number;
    readonly partial: boolean;
  }[];
}

/**
 * monthlyChurn read from the KPI history's monthly churn series instead of a pass of its own
 * over the purchases: the series counts churnRates on the month boundaries, and a month's
 * churned and active customers depend on its two boundaries only, so they are the same
 * counts. Null when the series was counted with other inactivity days or lacks one of the
 * complete months (the caller then runs monthlyChurn).
 */
export function monthlyChurnFromSeries(
  series: ChurnSeries,
  options: ChurnOptions & {
    readonly fromMonth: number;
    readonly toMonth: number;
    readonly asOfDay: number;
  },
): MonthlyChurn | null {
  const w = options.inactivityDays ?? DEFAULT_INACTIVITY_DAYS;
  validatePositiveInteger(w, "inactivityDays");
  if (series.definition.params.inactivityDays !== w) return null;
  const boundaries = churnMonthBoundaries(options);
  const byMonth = new Map(series.points.map((p) => [p.month, p]));
  const churned: number[] = [];
  const active: number[] = [];
  for (let j = 0; j + 1 < boundaries.length; j++) {
    const point = byMonth.get(formatMonth(options.fromMonth + j));
    if (point === undefined || point.partial) return null;
    churned.push(point.numerator);
    active.push(point.denominator);
  }
  return pooledMonthlyChurn(churned, active, boundaries, options.fromMonth, w);
}

/** First days of the complete months fromMonth..toMonth and of the month after the last. */
function churnMonthBoundaries(options: {
  readonly fromMonth: number;
  readonly toMonth: number;
  readonly asOfDay: number;
}): number[] {
  let toMonth = options.toMonth;
  while (toMonth >= options.fromMonth && firstDayOfMonth(toMonth + 1) - 1 > options.asOfDay) {
    toMonth--;
  }
  const boundaries: number[] = [];
  for (let m = options.fromMonth; m <= toMonth + 1; m++) boundaries.push(firstDayOfMonth(m));
  return boundaries;
}

/** The months' metrics (as churnRates makes them) and their pooled average. */
function pooledMonthlyChurn(
  churnedByMonth: readonly number[],
  activeByMonth: readonly number[],
  boundaries: readonly number[],
  fromMonth: number,
  w: number,
): MonthlyChurn {
  const definition = churnDefinition(
    "monthly_churn_rate",
    "Monthly churn rate",
    w,
    ", per shop-local calendar month",
  );
  const rateDefinition = churnDefinition("churn_rate", "Churn rate", w, "");
  let churned = 0;
  let active = 0;
  const months = churnedByMonth.map((c, j) => {
    const a = activeByMonth[j];
    churned += c;
    active += a;
    const r = makeMetric(
      rateDefinition,
      c,
      a,
      { startDay: boundaries[j], endDay: boundaries[j + 1] },
      undefined,
      { retained: a - c },
    );
    return { ...r, id: definition.id, definition };
  });
  const range =
    boundaries.length >= 2
      ? { startDay: boundaries[0], endDay: boundaries[boundaries.length - 1] }
      : null;
  const average = makeMetric(
    {
      ...definition,
      text: `${definition.text} Averaged over the months as total churned customer-months divided by total active customer-months (${months.length} months${range ? ` from ${formatMonth(fromMonth)}` : ""}).`,
      base: "Customers active at the start of each month, summed over the months",
      params: { ...definition.params, months: months.length },
    },
    churned,
    active,
    range,
  );
  return { months, average };
}

/**
 * Model-based churn: share of customers whose P(alive) (from the BG/NBD fit) is below the
 * threshold. Customers with a non-finite P(alive) (e.g. no purchases) are not in the base.
 */
export function modelChurnShare(pAlive: Float64Array, threshold = 0.5): Metric {
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError("threshold must be in (0, 1]");
  let base = 0;
  let below = 0;
  for (let c = 0; c < pAlive.length; c++) {
    const p = pAlive[c];
    if (!Number.isFinite(p)) continue;
    base++;
    if (p < threshold) below++;
  }
  return makeMetric(
    {
      id: "model_churn_share",
      name: "Likely churned (model)",
      text: `Share of customers whose modelled probability of still being active (BG/NBD P(alive)) is below ${threshold}.`,
      base: "Customers with a P(alive) estimate",
      unit: "ratio",
      params: { threshold },
    },
    below,
    base,
    null,
  );
}

// ---------------------------------------------------------------------------------------------
// Pareto.

export interface ParetoOptions {
  /** Revenue and customers counted over this range. */
  readonly period: DayRange;
  /** Share of top customers; default 0.2. */
  readonly topShare?: number;
  /** Lorenz curve resolution: points at i / lorenzPoints of customers; default 20. */
  readonly lorenzPoints?: number;
}

export interface ParetoResult {
  /** Revenue share of the top ⌈topShare · N⌉ customers (id "pareto_top_share"). */
  readonly topShare: Metric;
  /** Gini coefficient of net revenue over customers (id "revenue_gini"). */
  readonly gini: Metric;
  /** Lorenz curve: customers sorted by ascending revenue; empty when total revenue ≤ 0. */
  readonly lorenz: { readonly customerShare: Float64Array; readonly revenueShare: Float64Array };
  readonly customers: number;
  readonly revenueMinor: number;
}

/**
 * Pareto concentration of net revenue among the customers who bought in the period.
 * Ties at the cut do not matter (only the sum of the top group is used). With total
 * revenue > 0 the top share is ≥ topShare, since the top group's mean is ≥ the overall mean.
 */
export function pareto(history: PurchaseHistory, options: ParetoOptions): ParetoResult {
  const { period } = options;
  validateRange(period);
  const topShare = options.topShare ?? 0.2;
  if (!(topShare > 0 && topShare < 1)) throw new RangeError("topShare must be in (0, 1)");
  const points = options.lorenzPoints ?? 20;
  validatePositiveInteger(points, "lorenzPoints");

  const { purchaseStart, purchaseDay, purchaseNet } = history;
  const revenue = new Float64Array(history.customerCount);
  let n = 0;
  for (let c = 0; c < history.customerCount; c++) {
    const end = purchasesEnd(history, c, period.endDay - 1);
    let sum = 0;
    let bought = false;
    for (let p = end - 1; p >= purchaseStart[c] && purchaseDay[p] >= period.startDay; p--) {
      sum += purchaseNet[p];
      bought = true;
    }
    if (bought) revenue[n++] = sum;
  }
  const sorted = sortNumbers(revenue.subarray(0, n));
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    total += sorted[i];
    weighted += (i + 1) * sorted[i];
  }
  const k = Math.ceil(topShare * n);
  let top = 0;
  for (let i = n - k; i < n; i++) top += sorted[i];
  const percent = Math.round(topShare * 100);
  const topMetric = makeMetric(
    {
      id: "pareto_top_share",
      name: `Revenue share of the top ${percent} % customers`,
      text: `Net revenue of the ⌈${topShare} × N⌉ customers with the highest net revenue in the period, divided by the net revenue of all N customers who bought in the period.`,
      base: "Net revenue of customers who bought in the period (guests excluded)",
      unit: "ratio",
      params: { topShare },
    },
    top,
    total,
    period,
    total > 0 ? top / total : null,
    { customers: n, topCustomers: k },
  );
  // Gini = 2 Σ i·x(i) / (n Σx) − (n + 1) / n with x ascending, i = 1..n.
  const gini = total > 0 && n > 0 ? (2 * weighted) / (n * total) - (n + 1) / n : null;
  const giniMetric = makeMetric(
    {
      id: "revenue_gini",
      name: "Revenue concentration (Gini)",
      text: "Gini coefficient of net revenue per customer over the customers who bought in the period: 0 when all spend the same, towards 1 when few customers bring all revenue.",
      base: "Customers with at least one purchase in the period",
      unit: "ratio",
      params: {},
    },
    total,
    n,
    period,
    gini,
    { customers: n },
  );
  let customerShare = new Float64Array(0);
  let revenueShare = new Float64Array(0);
  if (total > 0 && n > 0) {
    customerShare = new Float64Array(points + 1);
    revenueShare = new Float64Array(points + 1);
    let running = 0;
    let taken = 0;
    for (let i = 0; i <= points; i++) {
      const upTo = Math.round((i / points) * n);
      while (taken < upTo) running += sorted[taken++];
      customerShare[i] = i / points;
      revenueShare[i] = i === points ? 1 : running / total;
    }
  }
  return {
    topShare: topMetric,
    gini: giniMetric,
    lorenz: { customerShare, revenueShare },
    customers: n,
    revenueMinor: total,
  };
}
