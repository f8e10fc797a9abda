/**
 * Cohort tables of customer subsets ("cuts": a channel, a campaign, an entry product, …) in
 * one pass: for each cut, the counts cohortRetention and continuationByCohort would give over
 * exactly that cut's customers (same cohort = month of the first purchase ≤ asOfDay, same
 * columns, same purchase-count survival). Only integer counts and money sums are kept; rates
 * are derived by the reader. A customer may belong to several cuts (several entry products).
 */
import type { PurchaseHistory } from "./history";
import { firstDayOfMonth, formatMonth } from "./time";

/** Cut membership, CSR: customer c belongs to cuts group[start[c] .. start[c + 1] − 1]. */
export interface CutMembership {
  readonly cutCount: number;
  readonly start: Int32Array;
  /** Cut indices: any integer typed array (a narrow one saves memory with few cuts). */
  readonly group: Int32Array | Uint16Array | Uint8Array;
}

export interface CohortCutOptions {
  readonly asOfDay: number;
  /** Oldest cohort month reported (month number); default all. */
  readonly fromMonth?: number;
  /** Columns per cohort row at most (months since first purchase 0..maxMonths − 1). */
  readonly maxMonths?: number;
  /** Purchase numbers tracked for continuation (default 10, as continuationByCohort). */
  readonly maxPurchases?: number;
}

export interface CohortCutRow {
  readonly month: number;
  readonly label: string;
  readonly size: number;
  /** Leading columns whose calendar month had ended by asOfDay. */
  readonly completeMonths: number;
  /** Per month since the first purchase (as CohortRow): active customers, orders, net. */
  readonly activeCustomers: Int32Array;
  readonly orders: Int32Array;
  readonly netMinor: Float64Array;
  /** reached[n − 1]: customers with ≥ n purchases up to asOfDay (as ContinuationRow). */
  readonly reached: Int32Array;
}

export interface CohortCut {
  /** Customers with a first purchase ≤ asOfDay in the cut (all cohorts, also those cut off
   *  by fromMonth). */
  readonly customers: number;
  /** Cohorts with at least one customer, oldest first. */
  readonly rows: readonly CohortCutRow[];
  /** reached over every cohort of the cut (continuationByCohort's total), also those before
   *  fromMonth. */
  readonly totalReached: Int32Array;
  /** Net revenue of every purchase up to asOfDay of the cut's customers: all cohorts (also
   *  before fromMonth), all months (also beyond maxMonths). Σ over a partition of the shop =
   *  the numerator of the average historical LTV. */
  readonly netToDateMinor: number;
}

/**
 * Build CSR membership from one code per customer (−1: in no cut), e.g. a channel code.
 * Codes ≥ cutCount are rejected.
 */
export function membershipOfCodes(codes: Int32Array, cutCount: number): CutMembership {
  const n = codes.length;
  const start = new Int32Array(n + 1);
  for (let c = 0; c < n; c++) {
    const g = codes[c];
    if (g >= cutCount) throw new RangeError(`Customer ${c}: cut ${g} outside 0..${cutCount - 1}`);
    start[c + 1] = start[c] + (g >= 0 ? 1 : 0);
  }
  const group = new Int32Array(start[n]);
  for (let c = 0; c < n; c++) if (codes[c] >= 0) group[start[c]] = codes[c];
  return { cutCount, start, group };
}

/** Memberships side by side: cut k of part i becomes cut (offset of part i) + k. */
export function concatMemberships(parts: readonly CutMembership[]): CutMembership {
  const n = parts.length === 0 ? 0 : parts[0].start.length - 1;
  for (const p of parts) {
    if (p.start.length !== n + 1) throw new RangeError("memberships of different customer counts");
  }
  const start = new Int32Array(n + 1);
  for (const p of parts) for (let c = 0; c < n; c++) start[c + 1] += p.start[c + 1] - p.start[c];
  for (let c = 0; c < n; c++) start[c + 1] += start[c];
  const group = new Int32Array(start[n]);
  const fill = start.slice(0, n);
  let offset = 0;
  // Part by part, so each customer's cuts stay in part order.
  for (const p of parts) {
    for (let c = 0; c < n; c++) {
      for (let j = p.start[c]; j < p.start[c + 1]; j++) group[fill[c]++] = offset + p.group[j];
    }
    offset += p.cutCount;
  }
  return { cutCount: offset, start, group };
}

/** Every cut's cohort counts. Linear in purchases × cuts per customer. */
export function cohortCuts(
  history: PurchaseHistory,
  membership: CutMembership,
  options: CohortCutOptions,
): CohortCut[] {
  const { asOfDay } = options;
  if (!Number.isInteger(asOfDay)) throw new RangeError("asOfDay must be an integer local day");
  const maxMonths = options.maxMonths ?? Infinity;
  if (!(maxMonths >= 1)) throw new RangeError("maxMonths must be ≥ 1");
  const maxPurchases = options.maxPurchases ?? 10;
  if (!Number.isInteger(maxPurchases) || maxPurchases < 1 || maxPurchases > 1000) {
    throw new RangeError("maxPurchases must be an integer in 1..1000");
  }
  const { cutCount, start, group } = membership;
  const n = history.customerCount;
  if (start.length !== n + 1) throw new RangeError("membership has another customer count");
  const asOfMonth = history.monthOf(asOfDay);
  const { purchaseStart, purchaseDay, purchaseNet, purchaseOrders, monthByDay } = history;
  const fromMonth = options.fromMonth ?? -Infinity;
  // Purchase days are all in the history's month table.
  const minDay = history.minDay;

  // Cohort range over cut members (as cohortRetention's pass 1): first purchases only.
  let first = Infinity;
  let last = -Infinity;
  for (let c = 0; c < n; c++) {
    if (start[c] === start[c + 1]) continue;
    const p = purchaseStart[c];
    if (p === purchaseStart[c + 1] || purchaseDay[p] > asOfDay) continue;
    const month = monthByDay[purchaseDay[p] - minDay];
    if (month < fromMonth) continue;
    if (month < first) first = month;
    if (month > last) last = month;
  }
  const cohorts = first > last ? 0 : last - first + 1;
  const width = new Int32Array(cohorts);
  const offset = new Int32Array(cohorts + 1);
  let widest = 0;
  for (let i = 0; i < cohorts; i++) {
    width[i] = Math.min(asOfMonth - (first + i) + 1, maxMonths);
    offset[i + 1] = offset[i] + width[i];
    widest = Math.max(widest, width[i]);
  }
  const cells = offset[cohorts];
  // Per cut, flat like cohortRetention; reached is a histogram made cumulative below.
  const customers = new Int32Array(cutCount);
  const netToDate = new Float64Array(cutCount);
  const totalHistogram = new Int32Array(cutCount * maxPurchases);
  const size = new Int32Array(cutCount * cohorts);
  const active = new Int32Array(cutCount * cells);
  const orders = new Int32Array(cutCount * cells);
  const net = new Float64Array(cutCount * cells);
  const histogram = new Int32Array(cutCount * cohorts * maxPurchases);

  // One walk per customer: purchases up to asOfDay, capped like continuationByCohort, and
  // the months since the first purchase merged once; then added to each of their cuts.
  const monthK = new Int32Array(widest);
  const monthOrders = new Int32Array(widest);
  const monthNet = new Float64Array(widest);
  for (let c = 0; c < n; c++) {
    const j0 = start[c];
    const j1 = start[c + 1];
    if (j0 === j1) continue;
    const p = purchaseStart[c];
    const end = purchaseStart[c + 1];
    if (p === end || purchaseDay[p] > asOfDay) continue;
    const cohort = monthByDay[purchaseDay[p] - minDay];
    const i = cohort - first;
    let open = cohort >= fromMonth;
    const w = open ? width[i] : 0;
    let reached = 0;
    let m = -1;
    for (let q = p; q < end; q++) {
      const day = purchaseDay[q];
      if (day > asOfDay) break;
      if (reached < maxPurchases) reached++;
      else if (!open) break;
      if (!open) continue;
      const k = monthByDay[day - minDay] - cohort;
      if (k >= w) {
        open = false;
        if (reached === maxPurchases) break;
        continue;
      }
      if (m < 0 || monthK[m] !== k) {
        m++;
        monthK[m] = k;
        monthOrders[m] = 0;
        monthNet[m] = 0;
      }
      monthOrders[m] += purchaseOrders[q];
      monthNet[m] += purchaseNet[q];
    }
    // Net revenue of every purchase up to asOfDay (the walk above stops at its caps).
    let toDate = 0;
    for (let q = p; q < end && purchaseDay[q] <= asOfDay; q++) toDate += purchaseNet[q];
    const inRange = cohort >= fromMonth;
    for (let j = j0; j < j1; j++) {
      const g = group[j];
      customers[g]++;
      netToDate[g] += toDate;
      totalHistogram[g * maxPurchases + reached - 1]++;
      if (!inRange) continue;
      size[g * cohorts + i]++;
      histogram[(g * cohorts + i) * maxPurchases + reached - 1]++;
      const base = g * cells + offset[i];
      for (let q = 0; q <= m; q++) {
        const cell = base + monthK[q];
        active[cell]++;
        orders[cell] += monthOrders[q];
        net[cell] += monthNet[q];
      }
    }
  }
  const survival = (histogram: Int32Array, at: number): Int32Array => {
    const reached = new Int32Array(maxPurchases);
    let running = 0;
    for (let k = maxPurchases - 1; k >= 0; k--) {
      running += histogram[at + k];
      reached[k] = running;
    }
    return reached;
  };
  const totals = (g: number) => survival(totalHistogram, g * maxPurchases);
  if (cohorts === 0) {
    return Array.from({ length: cutCount }, (_, g) => ({
      customers: customers[g],
      rows: [],
      totalReached: totals(g),
      netToDateMinor: netToDate[g],
    }));
  }

  const complete = new Int32Array(cohorts);
  for (let i = 0; i < cohorts; i++) {
    let k = 0;
    while (k < width[i] && firstDayOfMonth(first + i + k + 1) - 1 <= asOfDay) k++;
    complete[i] = k;
  }
  const cuts: CohortCut[] = [];
  for (let g = 0; g < cutCount; g++) {
    const rows: CohortCutRow[] = [];
    for (let i = 0; i < cohorts; i++) {
      const s = size[g * cohorts + i];
      if (s === 0) continue;
      const base = g * cells + offset[i];
      const reached = survival(histogram, (g * cohorts + i) * maxPurchases);
      rows.push({
        month: first + i,
        label: formatMonth(first + i),
        size: s,
        completeMonths: complete[i],
        activeCustomers: active.slice(base, base + width[i]),
        orders: orders.slice(base, base + width[i]),
        netMinor: net.slice(base, base + width[i]),
        reached,
      });
    }
    cuts.push({
      customers: customers[g],
      rows,
      totalReached: totals(g),
      netToDateMinor: netToDate[g],
    });
  }
  return cuts;
}

/**
 * Σ plus − Σ minus, cohort by cohort: the cut of a union of disjoint cuts less some of its
 * disjoint subsets (e.g. one-time first purchases = every channel − subscription), so a cut
 * that is a complement costs no pass over the purchases. Counts and money are integers, so
 * the result is exact; cohorts left without customers are dropped.
 */
export function combineCuts(plus: readonly CohortCut[], minus: readonly CohortCut[]): CohortCut {
  interface Acc {
    month: number;
    label: string;
    size: number;
    completeMonths: number;
    active: Int32Array;
    orders: Int32Array;
    net: Float64Array;
    reached: Int32Array;
  }
  const byMonth = new Map<number, Acc>();
  let customers = 0;
  let netToDateMinor = 0;
  let totalReached: Int32Array | null = null;
  const apply = (cut: CohortCut, sign: number) => {
    customers += sign * cut.customers;
    netToDateMinor += sign * cut.netToDateMinor;
    totalReached ??= new Int32Array(cut.totalReached.length);
    for (let k = 0; k < totalReached.length; k++) totalReached[k] += sign * cut.totalReached[k];
    for (const row of cut.rows) {
      let acc = byMonth.get(row.month);
      if (acc === undefined) {
        const w = row.activeCustomers.length;
        acc = {
          month: row.month,
          label: row.label,
          size: 0,
          completeMonths: row.completeMonths,
          active: new Int32Array(w),
          orders: new Int32Array(w),
          net: new Float64Array(w),
          reached: new Int32Array(row.reached.length),
        };
        byMonth.set(row.month, acc);
      }
      acc.size += sign * row.size;
      for (let k = 0; k < acc.active.length; k++) {
        acc.active[k] += sign * row.activeCustomers[k];
        acc.orders[k] += sign * row.orders[k];
        acc.net[k] += sign * row.netMinor[k];
      }
      for (let k = 0; k < acc.reached.length; k++) acc.reached[k] += sign * row.reached[k];
    }
  };
  for (const cut of plus) apply(cut, 1);
  for (const cut of minus) apply(cut, -1);
  const rows = [...byMonth.values()]
    .filter((a) => a.size > 0)
    .sort((a, b) => a.month - b.month)
    .map((a): CohortCutRow => ({
      month: a.month,
      label: a.label,
      size: a.size,
      completeMonths: a.completeMonths,
      activeCustomers: a.active,
      orders: a.orders,
      netMinor: a.net,
      reached: a.reached,
    }));
  return { customers, rows, totalReached: totalReached ?? new Int32Array(0), netToDateMinor };
}
