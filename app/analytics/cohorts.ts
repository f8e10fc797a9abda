/**
 * Monthly first-order cohorts × months since the first order.
 *
 * A customer's cohort is the shop-local month of their first purchase (ever, up to asOfDay).
 * Column k is the calendar month cohort + k (k = 0 is the acquisition month). Cells are
 * observed up to the month containing asOfDay; the last one may be partial (see
 * completeMonths).
 */
import type { PurchaseHistory } from "./history";
import type { MetricDefinition } from "./metric";
import { firstDayOfMonth, formatMonth } from "./time";

export interface CohortOptions {
  /** Last local day included. */
  readonly asOfDay: number;
  /** First and last cohort month (month numbers, inclusive); default: all. */
  readonly fromMonth?: number;
  readonly toMonth?: number;
  /** At most this many columns (months since first order 0..maxMonths − 1). */
  readonly maxMonths?: number;
}

export interface CohortRow {
  /** Month number (year · 12 + month0) of the first purchases. */
  readonly month: number;
  /** "YYYY-MM". */
  readonly label: string;
  /** Customers whose first purchase was in this month. */
  readonly size: number;
  /** Columns observed (k = 0 .. observedMonths − 1). */
  readonly observedMonths: number;
  /** Leading columns whose calendar month had ended by asOfDay. */
  readonly completeMonths: number;
  /** Customers with ≥ 1 purchase in month k. */
  readonly activeCustomers: Int32Array;
  /** activeCustomers / size (column 0 is 1). */
  readonly activeShare: Float64Array;
  /** Orders (not cancelled, not test) in month k. */
  readonly orders: Int32Array;
  /** orders / size. */
  readonly ordersPerCustomer: Float64Array;
  /** Net revenue in month k. */
  readonly netMinor: Float64Array;
  /** Net revenue in months 0..k / size: the historical LTV curve. */
  readonly cumulativeNetPerCustomer: Float64Array;
}

export interface CohortTable {
  readonly asOfDay: number;
  readonly asOfMonth: number;
  readonly rows: readonly CohortRow[];
  readonly definitions: {
    readonly activeShare: MetricDefinition;
    readonly ordersPerCustomer: MetricDefinition;
    readonly cumulativeNetPerCustomer: MetricDefinition;
  };
}

const DEFINITIONS: CohortTable["definitions"] = {
  activeShare: {
    id: "cohort_active_share",
    name: "Active share",
    text: "Share of the cohort's customers who made at least one purchase (not cancelled, not test) in the k-th shop-local calendar month after the month of their first purchase.",
    base: "Customers whose first purchase was in the cohort month",
    unit: "ratio",
    params: {},
  },
  ordersPerCustomer: {
    id: "cohort_orders_per_customer",
    name: "Orders per customer",
    text: "Orders (not cancelled, not test) placed by the cohort's customers in the k-th month after their first-purchase month, divided by the cohort size.",
    base: "Customers whose first purchase was in the cohort month",
    unit: "count",
    params: {},
  },
  cumulativeNetPerCustomer: {
    id: "cohort_cumulative_net_per_customer",
    name: "Cumulative net revenue per customer",
    text: "Net revenue after refunds of the cohort's orders from the first-purchase month through the k-th month after it, divided by the cohort size (historical LTV).",
    base: "Customers whose first purchase was in the cohort month",
    unit: "minor",
    params: {},
  },
};

/** The cohort × months-since-first-order table. Linear in purchases. */
export function cohortRetention(history: PurchaseHistory, options: CohortOptions): CohortTable {
  const { asOfDay } = options;
  if (!Number.isInteger(asOfDay)) throw new RangeError("asOfDay must be an integer local day");
  const maxMonths = options.maxMonths ?? Infinity;
  if (!(maxMonths >= 1)) throw new RangeError("maxMonths must be ≥ 1");
  const asOfMonth = history.monthOf(asOfDay);
  const fromMonth = options.fromMonth ?? -Infinity;
  const toMonth = Math.min(options.toMonth ?? Infinity, asOfMonth);
  const { purchaseStart, purchaseDay, purchaseNet, purchaseOrders, monthByDay } = history;
  const n = history.customerCount;
  // Purchase days are all in the history's month table.
  const minDay = history.minDay;

  // One pass: every cohort lies between the month of the history's first day (and
  // fromMonth) and toMonth, so the accumulators are sized from those bounds, not from a
  // first pass over the customers; cohorts nobody is in are left out below.
  const first = Math.max(fromMonth, monthByDay.length > 0 ? monthByDay[0] : Infinity);
  const last = toMonth;
  if (!(first <= last)) return { asOfDay, asOfMonth, rows: [], definitions: DEFINITIONS };

  // Flat accumulators: cohort i owns columns offset[i] .. offset[i + 1] − 1.
  const cohorts = last - first + 1;
  const width = new Int32Array(cohorts);
  const offset = new Int32Array(cohorts + 1);
  for (let i = 0; i < cohorts; i++) {
    width[i] = Math.min(asOfMonth - (first + i) + 1, maxMonths);
    offset[i + 1] = offset[i] + width[i];
  }
  const size = new Int32Array(cohorts);
  const active = new Int32Array(offset[cohorts]);
  const orders = new Int32Array(offset[cohorts]);
  const net = new Float64Array(offset[cohorts]);

  // Purchases into cells; "active" counts a customer once per month.
  for (let c = 0; c < n; c++) {
    const start = purchaseStart[c];
    const end = purchaseStart[c + 1];
    if (start === end || purchaseDay[start] > asOfDay) continue;
    const cohort = monthByDay[purchaseDay[start] - minDay];
    if (cohort < first || cohort > last) continue;
    const i = cohort - first;
    size[i]++;
    const base = offset[i];
    const w = width[i];
    let lastK = -1;
    for (let p = start; p < end; p++) {
      const day = purchaseDay[p];
      if (day > asOfDay) break;
      const k = monthByDay[day - minDay] - cohort;
      if (k >= w) break;
      orders[base + k] += purchaseOrders[p];
      net[base + k] += purchaseNet[p];
      if (k !== lastK) {
        active[base + k]++;
        lastK = k;
      }
    }
  }

  const rows: CohortRow[] = [];
  for (let i = 0; i < cohorts; i++) {
    if (size[i] === 0) continue;
    const month = first + i;
    const w = width[i];
    const base = offset[i];
    const activeShare = new Float64Array(w);
    const ordersPerCustomer = new Float64Array(w);
    const cumulative = new Float64Array(w);
    let running = 0;
    for (let k = 0; k < w; k++) {
      activeShare[k] = active[base + k] / size[i];
      ordersPerCustomer[k] = orders[base + k] / size[i];
      running += net[base + k];
      cumulative[k] = running / size[i];
    }
    // Month cohort + k is complete when its last day is ≤ asOfDay.
    let complete = 0;
    while (complete < w && firstDayOfMonth(month + complete + 1) - 1 <= asOfDay) complete++;
    rows.push({
      month,
      label: formatMonth(month),
      size: size[i],
      observedMonths: w,
      completeMonths: complete,
      activeCustomers: active.slice(base, base + w),
      activeShare,
      orders: orders.slice(base, base + w),
      ordersPerCustomer,
      netMinor: net.slice(base, base + w),
      cumulativeNetPerCustomer: cumulative,
    });
  }
  return { asOfDay, asOfMonth, rows, definitions: DEFINITIONS };
}

export interface LtvCurve {
  /** Pooled cumulative net revenue per customer by months since first order. */
  readonly cumulativeNetPerCustomer: Float64Array;
  /** Customers behind each point (cohorts whose month k is complete). */
  readonly customers: Int32Array;
  readonly definition: MetricDefinition;
}

/**
 * Historical LTV curve pooled over cohorts: at k, Σ cumulative net revenue / Σ size over the
 * cohorts whose month k is complete (so young cohorts do not drag late points down).
 */
export function historicalLtvCurve(table: CohortTable): LtvCurve {
  let width = 0;
  for (const row of table.rows) width = Math.max(width, row.completeMonths);
  const revenue = new Float64Array(width);
  const customers = new Int32Array(width);
  for (const row of table.rows) {
    for (let k = 0; k < row.completeMonths; k++) {
      revenue[k] += row.cumulativeNetPerCustomer[k] * row.size;
      customers[k] += row.size;
    }
  }
  const curve = new Float64Array(width);
  for (let k = 0; k < width; k++) curve[k] = revenue[k] / customers[k];
  return {
    cumulativeNetPerCustomer: curve,
    customers,
    definition: {
      id: "historical_ltv_curve",
      name: "Historical LTV curve",
      text: "For each k, net revenue after refunds of customers from their first-purchase month through the k-th month after it, summed over all cohorts whose k-th month has ended, divided by those cohorts' customers.",
      base: "Customers of cohorts whose k-th month after the first purchase has ended",
      unit: "minor",
      params: {},
    },
  };
}
