/**
 * Entry products (入口商品, issue 17): per product of the first purchase, its customers, F2
 * within N days, repeat rate, LTV at 6/12 months, conversion to subscription, the products
 * of the second purchase; and the time between purchases (1st → 2nd, 2nd → 3rd), overall
 * and per entry product. A customer whose first purchase holds several products counts once
 * for each of them (docs/decisions/0051-acquisition-analytics.md).
 *
 * One module (over 600 lines): the product, product-type and pair reports read the same
 * first-purchase lines and customer facts in one pass each; split, they would share internals.
 */
import type { CustomerFacts, LtvPoint, Share } from "./customer-groups";
import { customerFacts, groupStatsOfRows, ltvAt, share } from "./customer-groups";
import { sortedRowOrder, type PurchaseHistory } from "./history";
import type { OrderTable } from "./types";
import { ORDER_CANCELLED, ORDER_TEST } from "./types";

/** Line items, columnar: row i belongs to OrderTable row order[i]. */
export interface LineItemTable {
  readonly length: number;
  readonly order: Int32Array;
  /** Product code (index into the products dictionary), −1 for a custom item / no product. */
  readonly product: Int32Array;
  /**
   * Index of the lines by order (optional): the lines of OrderTable row o are
   * orderStart[o] .. orderStart[o + 1] − 1, orders + 1 entries. Given only when the lines are
   * grouped by order in ascending row order (lineIndexByOrder builds it, as the loader
   * does); purchaseProducts then reads the lines of the first two purchases alone.
   */
  readonly orderStart?: Int32Array;
}

/**
 * The index of `order` (line → OrderTable row) by row, for LineItemTable.orderStart: null
 * when the lines are not grouped by order in ascending row order or name a row outside
 * 0..orderCount − 1.
 */
export function lineIndexByOrder(
  order: Int32Array,
  length: number,
  orderCount: number,
): Int32Array | null {
  if (length > 0 && orderCount === 0) return null;
  const start = new Int32Array(orderCount + 1);
  let last = 0;
  for (let i = 0; i < length; i++) {
    const o = order[i];
    if (o === last) continue;
    if (o < last || o >= orderCount) return null;
    // Rows last + 1 .. o start at line i (those before o have none).
    for (let r = last + 1; r <= o; r++) start[r] = i;
    last = o;
  }
  start.fill(length, last + 1, orderCount + 1);
  return start;
}

export interface EntryProductOptions {
  readonly asOfDay: number;
  /** F2 window, days (default 90). */
  readonly windowDays?: number;
  /** LTV horizons, months (default 6, 12). */
  readonly ltvMonths?: readonly number[];
  /** Next-product pairs kept, overall and per entry product (default 10). */
  readonly topPairs?: number;
  /** Shares of second purchases to find the day for (default 0.5, 0.8). */
  readonly shares?: readonly number[];
  /** Upper bounds (days, inclusive) of the histogram bins; a last bin takes the rest. */
  readonly binEdges?: readonly number[];
}

export interface GapDistribution {
  /** Customers with that gap (a second, or third, purchase by the as-of day). */
  readonly count: number;
  /** Nearest-rank quantiles in days; null without data. */
  readonly q1: number | null;
  readonly median: number | null;
  readonly q3: number | null;
  /** Day by which each share of these purchases had happened (nearest rank). */
  readonly byShare: readonly { readonly share: number; readonly day: number | null }[];
  /** Bins: fromDay..toDay inclusive (toDay null = and later). */
  readonly histogram: readonly {
    readonly fromDay: number;
    readonly toDay: number | null;
    readonly count: number;
  }[];
}

export interface ProductPair {
  /** Product codes and ids (the dictionary's values). */
  readonly from: number;
  readonly fromProduct: string;
  readonly to: number;
  readonly toProduct: string;
  /** Customers whose first purchase held `from` and whose second purchase held `to`. */
  readonly customers: number;
}

export interface EntryProductRow {
  readonly code: number;
  readonly product: string;
  readonly customers: number;
  readonly f2: Share;
  readonly repeat: Share;
  readonly ltv: readonly LtvPoint[];
  /** Of the customers whose first purchase was not a subscription: a later one was. */
  readonly toSubscription: Share;
  readonly nextProducts: readonly ProductPair[];
  readonly firstToSecond: GapDistribution;
  readonly secondToThird: GapDistribution;
}

export interface EntryProductReport {
  /** By customers, descending (ties: product code). */
  readonly products: readonly EntryProductRow[];
  /** Most frequent first → second purchase product pairs over all entry products. */
  readonly pairs: readonly ProductPair[];
  /** All customers with a first purchase by the as-of day (not only those with products). */
  readonly firstToSecond: GapDistribution;
  readonly secondToThird: GapDistribution;
  /** Customers acquired by the as-of day, and those of them whose first purchase has no
   *  line item with a product (not synced yet, custom items only). */
  readonly customers: number;
  readonly customersWithoutProducts: number;
  readonly params: {
    readonly windowDays: number;
    readonly ltvMonths: readonly number[];
    readonly shares: readonly number[];
    readonly binEdges: readonly number[];
  };
}

export const DEFAULT_GAP_BIN_EDGES: readonly number[] = [7, 14, 30, 60, 90, 180, 365];

/**
 * Distribution of gaps given as per-day counts: counts[offset + d] gaps of d days, d < width.
 * Quantiles are nearest rank: the smallest day with at least share × n gaps ≤ it.
 */
export function gapDistributionOfCounts(
  counts: Int32Array,
  offset: number,
  width: number,
  shares: readonly number[] = [0.5, 0.8],
  binEdges: readonly number[] = DEFAULT_GAP_BIN_EDGES,
): GapDistribution {
  let total = 0;
  for (let d = 0; d < width; d++) total += counts[offset + d];
  const rank = (q: number): number | null => {
    if (total === 0) return null;
    const target = Math.min(total, Math.max(1, Math.ceil(q * total - 1e-9)));
    let seen = 0;
    for (let d = 0; d < width; d++) {
      seen += counts[offset + d];
      if (seen >= target) return d;
    }
    return width - 1;
  };
  const histogram: { fromDay: number; toDay: number | null; count: number }[] = [];
  let from = 0;
  let binned = 0;
  for (const edge of binEdges) {
    let count = 0;
    for (let d = from; d <= edge && d < width; d++) count += counts[offset + d];
    histogram.push({ fromDay: from, toDay: edge, count });
    binned += count;
    from = edge + 1;
  }
  histogram.push({ fromDay: from, toDay: null, count: total - binned });
  return {
    count: total,
    q1: rank(0.25),
    median: rank(0.5),
    q3: rank(0.75),
    byShare: shares.map((share) => ({ share, day: rank(share) })),
    histogram,
  };
}

/** Distribution of gaps in days (any order, each ≥ 0). */
export function gapDistribution(
  gaps: Int32Array,
  shares: readonly number[] = [0.5, 0.8],
  binEdges: readonly number[] = DEFAULT_GAP_BIN_EDGES,
): GapDistribution {
  let max = -1;
  for (const g of gaps) if (g > max) max = g;
  const counts = new Int32Array(max + 1);
  for (const g of gaps) counts[g]++;
  return gapDistributionOfCounts(counts, 0, max + 1, shares, binEdges);
}

/** Compressed rows: values of row r are values[start[r] .. start[r + 1] − 1]. */
export interface Csr {
  readonly start: Int32Array;
  readonly values: Int32Array;
}

/**
 * Sorts values[from..to) and moves its distinct values to the front; returns their end.
 * Insertion sort: rows hold a few products (no subarray per row).
 */
function sortUnique(values: Int32Array, from: number, to: number): number {
  for (let i = from + 1; i < to; i++) {
    const v = values[i];
    let j = i - 1;
    while (j >= from && values[j] > v) {
      values[j + 1] = values[j];
      j--;
    }
    values[j + 1] = v;
  }
  let out = from;
  for (let i = from; i < to; i++) {
    if (i > from && values[i] === values[i - 1]) continue;
    values[out++] = values[i];
  }
  return out;
}

/** Sorts and de-duplicates each row of a filled CSR in place, then compacts it. */
function compact(start: Int32Array, values: Int32Array): Csr {
  const rows = start.length - 1;
  let out = 0;
  let begin = 0;
  for (let r = 0; r < rows; r++) {
    const end = start[r + 1];
    const rowStart = out;
    const unique = sortUnique(values, begin, end);
    // The row's distinct values move down to the compacted end.
    for (let i = begin; i < unique; i++) values[out++] = values[i];
    begin = end;
    start[r] = rowStart;
  }
  start[rows] = out;
  return { start, values: values.subarray(0, out) };
}

const DROPPED = ORDER_CANCELLED | ORDER_TEST;

/**
 * First → second purchase product pairs, each counted once per customer: key
 * from × productCount + to. A dense table for catalogues up to 2048 products, a map beyond.
 */
export interface PairCounts {
  readonly dense: Int32Array | null;
  readonly sparse: Map<number, number>;
}

export interface PurchaseProducts {
  readonly entry: Csr;
  readonly next: Csr;
  /** Counted while the rows are built (no pass of its own over the customers). */
  readonly pairs: PairCounts;
}

/** Empty pair counts for a catalogue of P products. */
const pairCounts = (P: number): PairCounts => ({
  dense: P * P <= 1 << 22 ? new Int32Array(P * P) : null,
  sparse: new Map<number, number>(),
});

/** Counts the pairs of one customer's entry values[a0, a1) × next values[b0, b1). */
function countPairs(
  pairs: PairCounts,
  P: number,
  entry: Int32Array,
  a0: number,
  a1: number,
  next: Int32Array,
  b0: number,
  b1: number,
): void {
  const { dense, sparse } = pairs;
  for (let i = a0; i < a1; i++) {
    const base = entry[i] * P;
    for (let j = b0; j < b1; j++) {
      const key = base + next[j];
      if (dense !== null) dense[key]++;
      else sparse.set(key, (sparse.get(key) ?? 0) + 1);
    }
  }
}

/** A larger copy of a CSR's values (grown by half). */
function grown(values: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const more = new Int32Array(Math.ceil(values.length * 1.5) + 64);
  more.set(values);
  return more;
}

/**
 * purchaseProducts over the lines' index by order (LineItemTable.orderStart): the walk that
 * finds each included customer's first two purchases' orders reads those orders' lines and
 * no other (about two in five of a shop's lines), instead of marking the orders and passing
 * over every line. Lines are read, and checked, only there.
 */
function productsByOrderIndex(
  history: PurchaseHistory,
  orders: OrderTable,
  lineItems: LineItemTable,
  orderStart: Int32Array,
  P: number,
  asOfDay: number,
  included: Uint8Array,
  rowOrder: Uint32Array | null,
): PurchaseProducts {
  const n = history.customerCount;
  const { purchaseStart, purchaseDay, purchaseOrders } = history;
  const { customer, flags } = orders;
  const itemOrder = lineItems.order;
  const itemProduct = lineItems.product;
  const pairs = pairCounts(P);
  const firstStart = new Int32Array(n + 1);
  const secondStart = new Int32Array(n + 1);
  // Sized by the lines per order (pages never written are never touched), grown if a shop
  // holds more.
  const perOrder = lineItems.length / Math.max(1, orders.length);
  let firstValues = new Int32Array(Math.ceil(n * perOrder * 1.5) + 64);
  let secondValues = new Int32Array(Math.ceil(n * perOrder) + 64);
  let cur = -1;
  let w0 = 0;
  let w1 = 0;
  let row0 = 0;
  let row1 = 0;
  let left0 = 0;
  let left1 = 0;
  // Orders in (customer, processedAt) order: a customer's remaining orders, the first
  // purchaseOrders[s] of them the first purchase, the next ones the second (by the as-of day).
  for (let r = 0; r < orders.length; r++) {
    const o = rowOrder === null ? r : rowOrder[r];
    const c = customer[o];
    if (c < 0 || flags[o] & DROPPED || !included[c]) continue;
    if (c !== cur) {
      w0 = sortUnique(firstValues, row0, w0);
      w1 = sortUnique(secondValues, row1, w1);
      if (w1 > row1) countPairs(pairs, P, firstValues, row0, w0, secondValues, row1, w1);
      for (let x = cur + 1; x <= c; x++) {
        firstStart[x] = w0;
        secondStart[x] = w1;
      }
      cur = c;
      row0 = w0;
      row1 = w1;
      const s = purchaseStart[c];
      left0 = purchaseOrders[s];
      left1 =
        s + 1 < purchaseStart[c + 1] && purchaseDay[s + 1] <= asOfDay ? purchaseOrders[s + 1] : 0;
    }
    let first: boolean;
    if (left0 > 0) {
      left0--;
      first = true;
    } else if (left1 > 0) {
      left1--;
      first = false;
    } else {
      continue;
    }
    const end = orderStart[o + 1];
    for (let i = orderStart[o]; i < end; i++) {
      const p = itemProduct[i];
      if (p < 0) continue;
      if (p >= P) throw new RangeError(`Line item ${i}: product ${p} outside the dictionary`);
      if (itemOrder[i] !== o) {
        throw new RangeError(`Line item ${i}: of order ${itemOrder[i]}, indexed under ${o}`);
      }
      if (first) {
        if (w0 === firstValues.length) firstValues = grown(firstValues);
        firstValues[w0++] = p;
      } else {
        if (w1 === secondValues.length) secondValues = grown(secondValues);
        secondValues[w1++] = p;
      }
    }
  }
  w0 = sortUnique(firstValues, row0, w0);
  w1 = sortUnique(secondValues, row1, w1);
  if (w1 > row1) countPairs(pairs, P, firstValues, row0, w0, secondValues, row1, w1);
  firstStart.fill(w0, cur + 1, n + 1);
  secondStart.fill(w1, cur + 1, n + 1);
  return {
    entry: { start: firstStart, values: firstValues.subarray(0, w0) },
    next: { start: secondStart, values: secondValues.subarray(0, w1) },
    pairs,
  };
}

/**
 * Distinct products of each included customer's first (entry) and second purchase, CSR by
 * customer with codes ascending. Linear in orders and line items; with the lines' index by
 * order (LineItemTable.orderStart), in orders and the first two purchases' lines.
 */
export function purchaseProducts(
  history: PurchaseHistory,
  orders: OrderTable,
  lineItems: LineItemTable,
  productCount: number,
  asOfDay: number,
  included: Uint8Array,
): PurchaseProducts {
  const P = productCount;
  const n = history.customerCount;
  const { purchaseStart, purchaseDay } = history;
  const { customer, flags } = orders;

  // The row order the history read the same table in (no second check when it has it).
  const rowOrder = history.rowOrder !== undefined ? history.rowOrder : sortedRowOrder(orders);
  const { orderStart } = lineItems;
  if (
    orderStart !== undefined &&
    orderStart.length === orders.length + 1 &&
    orderStart[orders.length] === lineItems.length
  ) {
    return productsByOrderIndex(
      history,
      orders,
      lineItems,
      orderStart,
      P,
      asOfDay,
      included,
      rowOrder,
    );
  }
  // Which purchase each order belongs to: 1 = first, 2 = second, 0 none. History merged a
  // customer's orders, in (customer, processedAt) order, into purchases of purchaseOrders[p]
  // orders each: the first ones of a customer are the first purchase.
  const ordinal = new Int8Array(orders.length);
  const { purchaseOrders } = history;
  let current = -1;
  let left0 = 0;
  let left1 = 0;
  let firstOrders = 0;
  let secondOrders = 0;
  for (let r = 0; r < orders.length; r++) {
    const o = rowOrder === null ? r : rowOrder[r];
    const c = customer[o];
    if (c < 0 || flags[o] & DROPPED || !included[c]) continue;
    if (c !== current) {
      current = c;
      const s = purchaseStart[c];
      left0 = purchaseOrders[s];
      left1 =
        s + 1 < purchaseStart[c + 1] && purchaseDay[s + 1] <= asOfDay ? purchaseOrders[s + 1] : 0;
    }
    if (left0 > 0) {
      ordinal[o] = 1;
      left0--;
      firstOrders++;
    } else if (left1 > 0) {
      ordinal[o] = 2;
      left1--;
      secondOrders++;
    }
  }

  const itemOrder = lineItems.order;
  const itemProduct = lineItems.product;
  const orderCount = orders.length;
  const lines = lineItems.length;
  const check = (i: number, p: number, o: number): void => {
    if (p >= P) throw new RangeError(`Line item ${i}: product ${p} outside the dictionary`);
    if (o < 0 || o >= orderCount) {
      throw new RangeError(`Line item ${i}: order ${o} outside the table`);
    }
  };

  // Lines grouped by customer (as loaded: by order, orders by customer): one pass appends
  // each customer's products and sorts them when the next customer starts. The values are
  // sized by the lines per order, grown if a purchase holds more.
  let pairs = pairCounts(P);
  {
    const firstStart = new Int32Array(n + 1);
    const secondStart = new Int32Array(n + 1);
    const perOrder = lines / Math.max(1, orderCount);
    let firstValues = new Int32Array(Math.ceil(firstOrders * perOrder * 1.1) + 64);
    let secondValues = new Int32Array(Math.ceil(secondOrders * perOrder * 1.1) + 64);
    let cur = -1;
    let w0 = 0;
    let w1 = 0;
    let row0 = 0;
    let row1 = 0;
    let grouped = true;
    for (let i = 0; i < lines; i++) {
      const p = itemProduct[i];
      if (p < 0) continue;
      const o = itemOrder[i];
      check(i, p, o);
      const k = ordinal[o];
      if (k === 0) continue;
      const c = customer[o];
      if (c !== cur) {
        if (c < cur) {
          grouped = false;
          break;
        }
        w0 = sortUnique(firstValues, row0, w0);
        w1 = sortUnique(secondValues, row1, w1);
        if (w1 > row1) countPairs(pairs, P, firstValues, row0, w0, secondValues, row1, w1);
        for (let x = cur + 1; x <= c; x++) {
          firstStart[x] = w0;
          secondStart[x] = w1;
        }
        cur = c;
        row0 = w0;
        row1 = w1;
      }
      if (k === 1) {
        if (w0 === firstValues.length) firstValues = grown(firstValues);
        firstValues[w0++] = p;
      } else {
        if (w1 === secondValues.length) secondValues = grown(secondValues);
        secondValues[w1++] = p;
      }
    }
    if (grouped) {
      w0 = sortUnique(firstValues, row0, w0);
      w1 = sortUnique(secondValues, row1, w1);
      if (w1 > row1) countPairs(pairs, P, firstValues, row0, w0, secondValues, row1, w1);
      firstStart.fill(w0, cur + 1, n + 1);
      secondStart.fill(w1, cur + 1, n + 1);
      return {
        entry: { start: firstStart, values: firstValues.subarray(0, w0) },
        next: { start: secondStart, values: secondValues.subarray(0, w1) },
        pairs,
      };
    }
  }

  // Any other line order: count, then fill (no intermediate pair arrays: line items are the
  // largest input), then sort and de-duplicate each row.
  const firstStart = new Int32Array(n + 1);
  const secondStart = new Int32Array(n + 1);
  for (let i = 0; i < lines; i++) {
    const p = itemProduct[i];
    const o = itemOrder[i];
    if (p < 0) continue;
    check(i, p, o);
    const k = ordinal[o];
    if (k === 1) firstStart[customer[o] + 1]++;
    else if (k === 2) secondStart[customer[o] + 1]++;
  }
  for (let c = 0; c < n; c++) {
    firstStart[c + 1] += firstStart[c];
    secondStart[c + 1] += secondStart[c];
  }
  const firstValues = new Int32Array(firstStart[n]);
  const secondValues = new Int32Array(secondStart[n]);
  const firstFill = firstStart.slice(0, n);
  const secondFill = secondStart.slice(0, n);
  for (let i = 0; i < lines; i++) {
    const p = itemProduct[i];
    if (p < 0) continue;
    const o = itemOrder[i];
    const k = ordinal[o];
    if (k === 1) firstValues[firstFill[customer[o]]++] = p;
    else if (k === 2) secondValues[secondFill[customer[o]]++] = p;
  }
  const entry = compact(firstStart, firstValues);
  const next = compact(secondStart, secondValues);
  // The grouped read stopped part-way: its counts start again over the compacted rows.
  pairs = pairCounts(P);
  for (let c = 0; c < n; c++) {
    const b0 = next.start[c];
    const b1 = next.start[c + 1];
    if (b0 === b1) continue;
    countPairs(pairs, P, entry.values, entry.start[c], entry.start[c + 1], next.values, b0, b1);
  }
  return { entry, next, pairs };
}

/** The measures of one group of the first purchase: an entry product, or a product type. */
interface EntryGroup {
  readonly code: number;
  readonly customers: number;
  readonly f2: Share;
  readonly repeat: Share;
  readonly ltv: readonly LtvPoint[];
  readonly toSubscription: Share;
  /** One distribution per gap array asked for, in its order. */
  readonly gaps: readonly GapDistribution[];
}

/**
 * Each gap's distribution per group: customer c (gap[c] days, −1 none) counts in each group of
 * its row. Per-day counts in a dense group × day table up to 32 MB; a larger one deals the
 * gaps into each group's slice. Either gives the same distribution (a gap multiset's).
 */
function gapsByGroup(
  rows: Csr,
  gap: Int16Array | Int32Array,
  groupCount: number,
  shares: readonly number[],
  binEdges: readonly number[],
): (group: number) => GapDistribution {
  const { start, values } = rows;
  const n = start.length - 1;
  let maxGap = -1;
  for (let c = 0; c < n; c++) if (start[c] < start[c + 1] && gap[c] > maxGap) maxGap = gap[c];
  const width = maxGap + 1;
  if (groupCount * width <= 1 << 23) {
    const counts = new Int32Array(groupCount * width);
    for (let c = 0; c < n; c++) {
      const g = gap[c];
      if (g < 0) continue;
      for (let i = start[c]; i < start[c + 1]; i++) counts[values[i] * width + g]++;
    }
    return (k) => gapDistributionOfCounts(counts, k * width, width, shares, binEdges);
  }
  const gapStart = new Int32Array(groupCount + 1);
  for (let c = 0; c < n; c++) {
    if (gap[c] < 0) continue;
    for (let i = start[c]; i < start[c + 1]; i++) gapStart[values[i] + 1]++;
  }
  for (let k = 0; k < groupCount; k++) gapStart[k + 1] += gapStart[k];
  const gaps = new Int32Array(gapStart[groupCount]);
  const fill = gapStart.slice(0, groupCount);
  for (let c = 0; c < n; c++) {
    const g = gap[c];
    if (g < 0) continue;
    for (let i = start[c]; i < start[c + 1]; i++) gaps[fill[values[i]]++] = g;
  }
  return (k) => gapDistribution(gaps.subarray(gapStart[k], gapStart[k + 1]), shares, binEdges);
}

/**
 * The groups of the first purchase (entry products, or their types) with customers, by
 * customers descending (ties: code): customer c is in groups rows.values[rows.start[c] ..
 * rows.start[c + 1] − 1], each once. The product and the type reports' one accumulator.
 */
function entryGroups(
  facts: CustomerFacts,
  rows: Csr,
  groupCount: number,
  gaps: readonly (Int16Array | Int32Array)[],
  params: {
    readonly ltvMonths: readonly number[];
    readonly shares: readonly number[];
    readonly binEdges: readonly number[];
  },
): EntryGroup[] {
  const { ltvMonths, shares, binEdges } = params;
  const stats = groupStatsOfRows(facts, rows, groupCount);
  const gapsOf = gaps.map((gap) => gapsByGroup(rows, gap, groupCount, shares, binEdges));
  const out: EntryGroup[] = [];
  for (let k = 0; k < groupCount; k++) {
    if (stats.customers[k] === 0) continue;
    out.push({
      code: k,
      customers: stats.customers[k],
      f2: share(stats.f2Converted[k], stats.f2Base[k]),
      repeat: share(stats.repeaters[k], stats.customers[k]),
      ltv: ltvMonths.map((m) => ltvAt(stats, k, m)),
      toSubscription: share(stats.subscriptionConverted[k], stats.subscriptionBase[k]),
      gaps: gapsOf.map((of) => of(k)),
    });
  }
  out.sort((a, b) => b.customers - a.customers || a.code - b.code);
  return out;
}

/**
 * The entry-product report. Linear in orders and line items (plus sorting each product's
 * gaps); product pairs are counted in a hash map of (first, second) codes.
 */
export function entryProductReport(
  history: PurchaseHistory,
  orders: OrderTable,
  lineItems: LineItemTable,
  products: readonly string[],
  options: EntryProductOptions,
  facts?: CustomerFacts,
  /** purchaseProducts of the same inputs and facts, when the caller already has them. */
  bought?: PurchaseProducts,
): EntryProductReport {
  const windowDays = options.windowDays ?? 90;
  const ltvMonths = [...(options.ltvMonths ?? [6, 12])];
  const topPairs = options.topPairs ?? 10;
  const shares = [...(options.shares ?? [0.5, 0.8])];
  const binEdges = [...(options.binEdges ?? DEFAULT_GAP_BIN_EDGES)];
  for (const s of shares) if (!(s > 0 && s <= 1)) throw new RangeError("shares must be in (0, 1]");
  binEdges.forEach((e, i) => {
    if (!Number.isInteger(e) || e < 0 || (i > 0 && e <= binEdges[i - 1])) {
      throw new RangeError("binEdges must be increasing integers ≥ 0");
    }
  });
  if (!(Number.isInteger(topPairs) && topPairs >= 0)) throw new RangeError("topPairs must be ≥ 0");
  const { asOfDay } = options;
  const maxMonths = Math.max(...ltvMonths);
  const f = facts ?? customerFacts(history, { asOfDay, windowDays, maxMonths });
  if (f.options.maxMonths < maxMonths || f.options.windowDays !== windowDays) {
    throw new RangeError("facts were derived with other windowDays or fewer months");
  }
  const P = products.length;
  const n = history.customerCount;

  const { entry, pairs } =
    bought ?? purchaseProducts(history, orders, lineItems, P, asOfDay, f.included);

  let customers = 0;
  let withoutProducts = 0;
  for (let c = 0; c < n; c++) {
    if (!f.included[c]) continue;
    customers++;
    if (entry.start[c] === entry.start[c + 1]) withoutProducts++;
  }

  // First → second purchase product pairs, counted once per customer by purchaseProducts.
  const { dense, sparse: pairCountOf } = pairs;
  // The top pairs overall and per entry product, by customers (ties: from, then to): the
  // counts read in ascending key (from, then to), each kept where it ranks among the top
  // few, so only the pairs shown become objects.
  const pair = (key: number, count: number): ProductPair => {
    const from = Math.floor(key / P);
    const to = key - from * P;
    return { from, fromProduct: products[from], to, toProduct: products[to], customers: count };
  };
  /** Inserts [count, key] into a best-first list of at most topPairs (keys ascend). */
  const rank = (list: [number, number][], count: number, key: number): void => {
    if (list.length === topPairs && (topPairs === 0 || list[topPairs - 1][0] >= count)) return;
    let at = list.length;
    while (at > 0 && list[at - 1][0] < count) at--;
    list.splice(at, 0, [count, key]);
    if (list.length > topPairs) list.pop();
  };
  const overallTop: [number, number][] = [];
  const pairsOf = new Map<number, ProductPair[]>();
  let rowFrom = -1;
  let rowTop: [number, number][] = [];
  const visit = (key: number, count: number): void => {
    const from = Math.floor(key / P);
    if (from !== rowFrom) {
      if (rowFrom >= 0)
        pairsOf.set(
          rowFrom,
          rowTop.map(([n, k]) => pair(k, n)),
        );
      rowFrom = from;
      rowTop = [];
    }
    rank(rowTop, count, key);
    rank(overallTop, count, key);
  };
  if (dense !== null) {
    for (let key = 0; key < dense.length; key++) if (dense[key] > 0) visit(key, dense[key]);
  } else {
    const keys = Float64Array.from(pairCountOf.keys()).sort();
    for (const key of keys) visit(key, pairCountOf.get(key) ?? 0);
  }
  if (rowFrom >= 0)
    pairsOf.set(
      rowFrom,
      rowTop.map(([n, k]) => pair(k, n)),
    );

  // Gaps over all customers, 1st → 2nd and 2nd → 3rd: whole days, at most the history's
  // span, counted per day in one pass.
  const { gap12: gaps12, gap23: gaps23, included } = f;
  let maxGap = -1;
  for (let c = 0; c < n; c++) {
    if (gaps12[c] > maxGap) maxGap = gaps12[c];
    if (gaps23[c] > maxGap) maxGap = gaps23[c];
  }
  const width = maxGap + 1;
  const all12 = new Int32Array(width);
  const all23 = new Int32Array(width);
  for (let c = 0; c < n; c++) {
    if (!included[c]) continue;
    if (gaps12[c] >= 0) all12[gaps12[c]]++;
    if (gaps23[c] >= 0) all23[gaps23[c]]++;
  }

  const rows: EntryProductRow[] = entryGroups(f, entry, P, [gaps12, gaps23], {
    ltvMonths,
    shares,
    binEdges,
  }).map((g) => ({
    code: g.code,
    product: products[g.code],
    customers: g.customers,
    f2: g.f2,
    repeat: g.repeat,
    ltv: g.ltv,
    toSubscription: g.toSubscription,
    nextProducts: pairsOf.get(g.code) ?? [],
    firstToSecond: g.gaps[0],
    secondToThird: g.gaps[1],
  }));
  return {
    products: rows,
    pairs: overallTop.map(([count, key]) => pair(key, count)),
    firstToSecond: gapDistributionOfCounts(all12, 0, width, shares, binEdges),
    secondToThird: gapDistributionOfCounts(all23, 0, width, shares, binEdges),
    customers,
    customersWithoutProducts: withoutProducts,
    params: { windowDays, ltvMonths, shares, binEdges },
  };
}

/** One product type of the first purchase (entryTypeReport). */
export interface EntryTypeRow {
  /** Index into the types dictionary. */
  readonly code: number;
  /** Product.productType; "" = the merchant set none ("No product type"). */
  readonly productType: string;
  readonly customers: number;
  readonly f2: Share;
  readonly repeat: Share;
  readonly ltv: readonly LtvPoint[];
  readonly toSubscription: Share;
  readonly firstToSecond: GapDistribution;
}

export interface EntryTypeReport {
  /** By customers, descending (ties: type code). */
  readonly types: readonly EntryTypeRow[];
  /** Customers whose first purchase holds a product of a known type (each counted once). */
  readonly customersTyped: number;
  /** Customers whose first purchase holds products, none of them of a known type (the
   *  product's type not synced: deleted before the install, or not read yet). */
  readonly customersUntyped: number;
}

/**
 * Entry products by product type: each customer counts once for each distinct type among
 * the products of the first purchase (two products of one type: once; of two types: in
 * each). `entry` is purchaseProducts' entry CSR; `typeOf[p]` the type code of product code
 * p, −1 when its type is unknown. One pass over the customers' entry products, then the
 * product rows' accumulator (entryGroups); linear in members.
 */
export function entryTypeReport(
  facts: CustomerFacts,
  entry: Csr,
  typeOf: Int32Array,
  types: readonly string[],
  options: {
    readonly ltvMonths?: readonly number[];
    readonly shares?: readonly number[];
    readonly binEdges?: readonly number[];
  } = {},
): EntryTypeReport {
  const T = types.length;
  const n = facts.history.customerCount;
  if (entry.start.length !== n + 1) throw new RangeError("entry must have one row per customer");
  const { included } = facts;

  // Distinct types per customer, CSR (at most one per entry product).
  const start = new Int32Array(n + 1);
  const values = new Int32Array(entry.values.length);
  const seenBy = new Int32Array(T).fill(-1);
  let w = 0;
  let typed = 0;
  let untyped = 0;
  for (let c = 0; c < n; c++) {
    start[c] = w;
    const e0 = entry.start[c];
    const e1 = entry.start[c + 1];
    if (e0 === e1 || !included[c]) continue;
    for (let i = e0; i < e1; i++) {
      const p = entry.values[i];
      const t = p < typeOf.length ? typeOf[p] : -1;
      if (t < 0) continue;
      if (t >= T) throw new RangeError(`product ${p}: type ${t} outside the dictionary`);
      if (seenBy[t] === c) continue;
      seenBy[t] = c;
      values[w++] = t;
    }
    if (w > start[c]) typed++;
    else untyped++;
  }
  start[n] = w;
  const rows = { start, values: values.subarray(0, w) };
  return {
    types: typeRows(facts, rows, types, options),
    customersTyped: typed,
    customersUntyped: untyped,
  };
}

/** The rows of the distinct groups of each customer's first purchase (types, collections). */
function typeRows(
  facts: CustomerFacts,
  rows: Csr,
  types: readonly string[],
  options: NonNullable<Parameters<typeof entryTypeReport>[4]>,
): EntryTypeRow[] {
  const ltvMonths = [...(options.ltvMonths ?? [6, 12])];
  const shares = [...(options.shares ?? [0.5, 0.8])];
  const binEdges = [...(options.binEdges ?? DEFAULT_GAP_BIN_EDGES)];
  return entryGroups(facts, rows, types.length, [facts.gap12], {
    ltvMonths,
    shares,
    binEdges,
  }).map((g) => ({
    code: g.code,
    productType: types[g.code],
    customers: g.customers,
    f2: g.f2,
    repeat: g.repeat,
    ltv: g.ltv,
    toSubscription: g.toSubscription,
    firstToSecond: g.gaps[0],
  }));
}

/** One collection of the first purchase (entryCollectionReport). */
export interface EntryCollectionRow extends Omit<EntryTypeRow, "productType"> {
  /** Index into the collections dictionary. */
  readonly code: number;
  /** Collection.title. */
  readonly title: string;
}

export interface EntryCollectionReport {
  /** By customers, descending (ties: collection code). */
  readonly collections: readonly EntryCollectionRow[];
  /** Customers whose first purchase holds a product of a synced collection (each counted once). */
  readonly customersInCollections: number;
  /** Customers whose first purchase holds products, none of them in a synced collection. */
  readonly customersOutside: number;
}

/**
 * Entry products by collection (docs/decisions/0069-collections.md): a product sits in any
 * number of collections, so each customer counts once for each distinct collection among
 * the products of the first purchase (rows overlap and add up to more than the customers).
 * `collectionsOf` maps product code → collection codes. Each customer's distinct collections
 * are read straight from the entry products' (one pass) and counted by the product-type
 * report's accumulator: one accumulator over "the groups of the first purchase" serves both.
 */
export function entryCollectionReport(
  facts: CustomerFacts,
  entry: Csr,
  collectionsOf: Csr,
  titles: readonly string[],
  options: Parameters<typeof entryTypeReport>[4] = {},
): EntryCollectionReport {
  const n = entry.start.length - 1;
  const P = collectionsOf.start.length - 1;
  const T = titles.length;
  const { included } = facts;
  // Each included customer's distinct collections (codes of the titles), CSR, in one pass
  // over the entry products: as the product-type report's rows would be for the entry
  // products expanded into their collections.
  const start = new Int32Array(n + 1);
  let values = new Int32Array(Math.max(64, entry.values.length));
  const seenBy = new Int32Array(T).fill(-1);
  let w = 0;
  let inCollections = 0;
  let outside = 0;
  for (let c = 0; c < n; c++) {
    start[c] = w;
    const e0 = entry.start[c];
    const e1 = entry.start[c + 1];
    if (e0 === e1 || !included[c]) continue;
    let any = false;
    for (let i = e0; i < e1; i++) {
      const p = entry.values[i];
      if (p >= P) continue;
      const j1 = collectionsOf.start[p + 1];
      for (let j = collectionsOf.start[p]; j < j1; j++) {
        any = true;
        const k = collectionsOf.values[j];
        if (k < 0 || k >= T || seenBy[k] === c) continue;
        seenBy[k] = c;
        if (w === values.length) {
          const more = new Int32Array(Math.ceil(values.length * 1.5));
          more.set(values);
          values = more;
        }
        values[w++] = k;
      }
    }
    if (w > start[c]) inCollections++;
    // Bought products, none in a collection: not in any row, counted here.
    if (!any) outside++;
  }
  start[n] = w;
  const rows = typeRows(facts, { start, values: values.subarray(0, w) }, titles, options);
  return {
    collections: rows.map(({ productType, ...row }) => ({ ...row, title: productType })),
    customersInCollections: inCollections,
    customersOutside: outside,
  };
}
