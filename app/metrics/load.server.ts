/**
 * Loads one shop's orders and customers into the analytics engine's columnar tables,
 * straight from the driver (a Prisma row costs more than the whole computation). Every
 * query is scoped to the shop; deleted (tombstoned) rows are left out.
 *
 * Rows travel in chunks, not one by one: on SQLite a query hands a range's rows to a
 * JavaScript aggregate that pushes them into arrays (customers and touch tuples still come
 * as JSON arrays that JSON.parse turns into values in native code; per-row driver calls
 * cost ~1.5 µs a row, more than the engine spends per order); on PostgreSQL each chunk is
 * one binary COPY of plain rows (building JSON there cost ~7× more). A million customers'
 * 4M orders come back in ~20 queries. Memory stays bounded by the chunk.
 *
 * Acquisition inputs (docs/decisions/0054-acquisition-compute.md, 0066-load-path.md): the
 * first touch only of the orders that can open a customer's first purchase (their earliest
 * order that is neither cancelled nor test; ties all come), found on each chunk's loaded
 * rows and read by primary key, as one JSON tuple per order that is dictionary-coded once
 * per distinct tuple; touches come in the chunk's order, so a walk alongside the chunk
 * matches them (a map of the chunk's ids is built only if they ever do not). Line items,
 * only of the customers' remaining orders and without gift cards, are read last from the
 * line table alone (no join), by order-id ranges, and matched to their OrderTable row in
 * Node (LineCollector).
 */
import Database from "better-sqlite3";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { parseIntoClientConfig } from "pg-connection-string";
import { isPostgresUrl, sqliteFilePath } from "../../prisma/database-url.mjs";
import type { AttributionColumns, AttributionField } from "../analytics/channels";
import {
  ORDER_CANCELLED,
  ORDER_SUBSCRIPTION,
  ORDER_DISCOUNT,
  ORDER_DISCOUNT_UNKNOWN,
  ORDER_TEST,
  type CustomerTable,
  type OrderTable,
} from "../analytics/types";
import {
  JOURNEY_NONE,
  JOURNEY_UNKNOWN,
  JOURNEY_VISIT,
  type AcquisitionInput,
  type OrderLineItems,
} from "./snapshot/stages";

/** Discount bits of the order flags, the same SQL on both databases ("[]": no code). */
const DISCOUNT_FLAGS = `CASE WHEN "discountCodes" IS NULL THEN ${ORDER_DISCOUNT_UNKNOWN}
  WHEN "discountCodes" <> '[]' THEN ${ORDER_DISCOUNT} ELSE 0 END`;

export interface ShopData {
  orders: OrderTable;
  customers: CustomerTable;
  /** Shopify id of each dense customer index. */
  customerIds: BigInt64Array;
  /** First touches and line items (variant costs are added by the caller). */
  acquisition: Omit<AcquisitionInput, "variantCost">;
}

/**
 * Tuple of an order's first touch as the queries build it: journey, then the order columns
 * of ATTRIBUTION_TUPLE. A journey other than "visit" keeps only the sales channel columns.
 */
const ATTRIBUTION_TUPLE = [
  "channelHandle",
  "sourceName",
  "firstSource",
  "firstSourceType",
  "utmSource",
  "utmMedium",
  "utmCampaign",
  "referrerHost",
] as const satisfies readonly AttributionField[];
/** The columns that belong to the visit (dropped unless journey = "visit"). */
const VISIT_FIELDS = new Set<AttributionField>([
  "firstSource",
  "firstSourceType",
  "utmSource",
  "utmMedium",
  "utmCampaign",
  "referrerHost",
]);

/** Customers per chunk; their orders form one chunk too (about 4 orders a customer). */
const CHUNK_CUSTOMERS = 50_000;
/** Largest integer a JS number holds exactly; ids above it travel as decimal text. */
const MAX_EXACT = "9007199254740991";
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A customer id as it comes out of JSON: a number, or text when numbers are not exact. */
type Id = number | string;

interface CustomerChunk {
  readonly ids: Id[];
  readonly createdAt: number[];
}

interface OrderChunk {
  /** Order ids (to match first touches and line items). */
  orderIds: Id[];
  ids: (Id | null)[];
  at: number[];
  gross: number[];
  net: number[];
  flags: number[];
}

/** First touches of the orders asked for: order id and its tuple (JSON text). */
interface TouchChunk {
  readonly orderIds: Id[];
  readonly tuples: string[];
}

/** One provider's queries. Ranges are (lo, hi] of customer ids. */
interface Source {
  /** Up to `limit` customers with id > after, ascending. */
  customers(after: bigint, limit: number): Promise<CustomerChunk>;
  /** Orders of customers in (lo, hi], by customer then time; `null`: guest orders. */
  orders(range: { lo: bigint; hi: bigint } | null): Promise<OrderChunk>;
  /** First touches of these orders (ids of one chunk's rows), in the order asked. */
  touches(orderIds: readonly Id[]): Promise<TouchChunk>;
  /** Line items (no gift cards) of orders with id in (lo, hi], in any order, each handed to
   *  `lines.add`: every order's, the collector keeps those it knows. */
  lineItems(range: { lo: bigint; hi: bigint }, lines: LineCollector): Promise<void>;
}

/** A typed array that doubles as it fills. */
class Column<T extends Float64Array | Int32Array | Uint8Array | BigInt64Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  push(value: T[number]): void {
    if (this.length === this.data.length) {
      const next = this.make(Math.max(1024, this.data.length * 2));
      next.set(this.data as never);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
  done(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

const f64 = () => new Column(new Float64Array(1024), (n) => new Float64Array(n));
const i32 = () => new Column(new Int32Array(1024), (n) => new Int32Array(n));
const u8 = () => new Column(new Uint8Array(1024), (n) => new Uint8Array(n));
const i64 = () => new Column(new BigInt64Array(1024), (n) => new BigInt64Array(n));

const compareIds = (a: Id, b: Id): number =>
  typeof a === "number" && typeof b === "number"
    ? a - b
    : BigInt(a) < BigInt(b)
      ? -1
      : BigInt(a) > BigInt(b)
        ? 1
        : 0;

/**
 * The chunk sorted by customer then time. The queries ask for that order, but SQL does not
 * promise that an aggregate sees its subquery's order, so it is checked (and repaired).
 */
function sortedChunk(chunk: OrderChunk): OrderChunk {
  const { ids, at } = chunk;
  // Guests (null) first, then by id; time ascending within each (guests included).
  const compare = (i: number, j: number): number => {
    const a = ids[i];
    const b = ids[j];
    const byId = a === b ? 0 : a === null ? -1 : b === null ? 1 : compareIds(a, b);
    return byId || at[i] - at[j];
  };
  let sorted = true;
  for (let i = 1; i < ids.length && sorted; i++) sorted = compare(i - 1, i) <= 0;
  if (sorted) return chunk;
  const perm = Array.from(ids, (_, i) => i).sort(compare);
  const pick = <T>(values: T[]): T[] => perm.map((i) => values[i]);
  return {
    orderIds: pick(chunk.orderIds),
    ids: pick(ids),
    at: pick(at),
    gross: pick(chunk.gross),
    net: pick(chunk.net),
    flags: pick(chunk.flags),
  };
}

/**
 * Sorts (key, row) pairs by key, keys whole numbers in [0, 2^53): a radix sort (four passes
 * of 13–14 bits, a pass skipped when all its digits agree), linear where a comparison sort of
 * millions of keys costs seconds.
 */
function sortByKey(keys: Float64Array, rows: Int32Array): void {
  const n = keys.length;
  const LOW = 2 ** 26;
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  let row: Int32Array = rows;
  for (let i = 0; i < n; i++) {
    const h = Math.floor(keys[i] / LOW);
    hi[i] = h;
    lo[i] = keys[i] - h * LOW;
  }
  let hi2 = new Uint32Array(n);
  let lo2 = new Uint32Array(n);
  let row2: Int32Array = new Int32Array(n);
  const count = new Int32Array(1 << 14);
  const passes: [boolean, number, number][] = [
    [false, 0, 13],
    [false, 13, 13],
    [true, 0, 14],
    [true, 14, 13],
  ];
  for (const [high, shift, bits] of passes) {
    const mask = (1 << bits) - 1;
    const digits = high ? hi : lo;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(digits[i] >>> shift) & mask]++;
    if (n === 0 || count[(digits[0] >>> shift) & mask] === n) continue;
    let at = 0;
    for (let d = 0; d <= mask; d++) {
      const c = count[d];
      count[d] = at;
      at += c;
    }
    for (let i = 0; i < n; i++) {
      const to = count[(digits[i] >>> shift) & mask]++;
      hi2[to] = hi[i];
      lo2[to] = lo[i];
      row2[to] = row[i];
    }
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
    [row, row2] = [row2, row];
  }
  for (let i = 0; i < n; i++) keys[i] = hi[i] * LOW + lo[i];
  if (row !== rows) rows.set(row);
}

/** First position of `sorted` whose value is ≥ `value`. */
function lowerBound(sorted: Float64Array, value: number, from = 0): number {
  let a = from;
  let b = sorted.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (sorted[m] < value) a = m + 1;
    else b = m;
  }
  return a;
}

/** Codes of a dictionary in order of first appearance; −1 for null. */
class Dictionary {
  readonly index = new Map<Id, number>();
  code(id: Id | null): number {
    if (id === null) return -1;
    let k = this.index.get(id);
    if (k === undefined) this.index.set(id, (k = this.index.size));
    return k;
  }
}

/**
 * Line items matched to their OrderTable row by order id, in whatever order they come (by
 * order id on SQLite, the line table's own (shopId, orderId) index; in storage order on
 * PostgreSQL): a walk over the orders sorted by id finds the next line's order in a few
 * steps, a binary search when lines jump; a line of an order not collected (cancelled,
 * test, guest or deleted) is skipped. `finish` puts the lines in OrderTable row order (by
 * line id within an order) and numbers products and
 * variants by first appearance in that order, as a join over the orders in table order does.
 */
class LineCollector {
  /** Collected orders' numeric ids ascending, and each one's OrderTable row. */
  private readonly sortedId: Float64Array;
  private readonly sortedRow: Int32Array;
  /** Orders whose id a double cannot hold, by id ascending. */
  private readonly textIds: { row: number; id: string; value: bigint }[];
  private cursor = 0;
  private last = -Infinity;
  private textCursor = 0;
  private lastText: bigint | null = null;
  private readonly row = i32();
  /** Line ids (as doubles: they only order an order's lines). */
  private readonly lineId = f64();
  private readonly product = i32();
  private readonly variant = i32();
  private readonly quantity = i32();
  private readonly current = i32();
  private readonly net = f64();
  private readonly products = new Dictionary();
  private readonly variants = new Dictionary();

  /**
   * The orders to collect lines of: OrderTable rows where `keep` is 1, their ids in
   * `orderId` (NaN: the id is in `textOrderIds`).
   */
  constructor(
    orderId: Float64Array,
    textOrderIds: readonly { row: number; id: string }[],
    keep: Uint8Array,
  ) {
    let count = 0;
    let negative = false;
    for (let r = 0; r < keep.length; r++) {
      if (keep[r] === 0 || Number.isNaN(orderId[r])) continue;
      count++;
      if (orderId[r] < 0) negative = true;
    }
    const sortedId = new Float64Array(count);
    const sortedRow = new Int32Array(count);
    for (let r = 0, k = 0; r < keep.length; r++) {
      if (keep[r] === 0 || Number.isNaN(orderId[r])) continue;
      sortedId[k] = orderId[r];
      sortedRow[k++] = r;
    }
    if (negative) {
      // Not Shopify's ids: a comparison sort (the radix sort takes no negative keys).
      const order = Array.from(sortedRow.keys()).sort((a, b) => sortedId[a] - sortedId[b]);
      this.sortedId = Float64Array.from(order, (k) => sortedId[k]);
      this.sortedRow = Int32Array.from(order, (k) => sortedRow[k]);
    } else {
      sortByKey(sortedId, sortedRow);
      this.sortedId = sortedId;
      this.sortedRow = sortedRow;
    }
    this.textIds = textOrderIds
      .filter((t) => keep[t.row] === 1)
      .map((t) => ({ ...t, value: BigInt(t.id) }))
      .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  }

  /** Order-id ranges (lo, hi] of about `orders` collected orders each, covering all ids. */
  ranges(orders: number): { lo: bigint; hi: bigint }[] {
    const total = this.sortedId.length + this.textIds.length;
    if (total === 0) return [];
    // All ids in ascending order: negative text ids, numbers, the other text ids.
    const negative = this.textIds.filter((t) => t.value < 0n).map((t) => t.value);
    const positive = this.textIds.filter((t) => t.value >= 0n).map((t) => t.value);
    const idAt = (k: number): bigint =>
      k < negative.length
        ? negative[k]
        : k < negative.length + this.sortedId.length
          ? BigInt(this.sortedId[k - negative.length])
          : positive[k - negative.length - this.sortedId.length];
    const ranges: { lo: bigint; hi: bigint }[] = [];
    let lo = INT64_MIN;
    for (let k = orders - 1; k < total - 1; k += orders) {
      const hi = idAt(k);
      ranges.push({ lo, hi });
      lo = hi;
    }
    ranges.push({ lo, hi: INT64_MAX });
    return ranges;
  }

  /** OrderTable row of a collected order, or −1. */
  private rowOf(orderId: Id): number {
    if (typeof orderId === "number") {
      const ids = this.sortedId;
      if (orderId < this.last) this.cursor = lowerBound(ids, orderId);
      this.last = orderId;
      // A few steps for lines in order; a jump (lines in storage order) searches.
      let c = this.cursor;
      const stop = Math.min(ids.length, c + 8);
      while (c < stop && ids[c] < orderId) c++;
      if (c === stop && c < ids.length && ids[c] < orderId) c = lowerBound(ids, orderId, c);
      this.cursor = c;
      return c < ids.length && ids[c] === orderId ? this.sortedRow[c] : -1;
    }
    const value = BigInt(orderId);
    const ids = this.textIds;
    if (this.lastText !== null && value < this.lastText) this.textCursor = 0;
    this.lastText = value;
    let c = this.textCursor;
    while (c < ids.length && ids[c].value < value) c++;
    this.textCursor = c;
    return c < ids.length && ids[c].value === value ? ids[c].row : -1;
  }

  add(
    orderId: Id,
    lineId: Id,
    product: Id | null,
    variant: Id | null,
    quantity: number,
    currentQuantity: number,
    net: number,
  ): void {
    const row = this.rowOf(orderId);
    if (row < 0) return;
    this.row.push(row);
    this.lineId.push(Number(lineId));
    this.product.push(this.products.code(product));
    this.variant.push(this.variants.code(variant));
    this.quantity.push(quantity);
    this.current.push(currentQuantity);
    this.net.push(net);
  }

  finish(orderCount: number): {
    lineItems: OrderLineItems;
    products: string[];
    variants: string[];
  } {
    const n = this.row.length;
    const rows = this.row.done();
    // Stable counting sort by OrderTable row.
    const at = new Int32Array(orderCount + 1);
    for (let i = 0; i < n; i++) at[rows[i] + 1]++;
    for (let r = 0; r < orderCount; r++) at[r + 1] += at[r];
    const from = new Int32Array(n);
    for (let i = 0; i < n; i++) from[at[rows[i]]++] = i;
    // Within an order, by line id (the databases give them in storage order): an insertion
    // sort of each order's few lines.
    const lineId = this.lineId.data;
    for (let p = 1; p < n; p++) {
      const i = from[p];
      let q = p;
      while (q > 0 && rows[from[q - 1]] === rows[i] && lineId[from[q - 1]] > lineId[i]) {
        from[q] = from[q - 1];
        q--;
      }
      from[q] = i;
    }
    const to = new Int32Array(n);
    for (let p = 0; p < n; p++) to[from[p]] = p;
    const place = <T extends Int32Array | Float64Array>(column: T, make: (n: number) => T): T => {
      const out = make(n);
      for (let i = 0; i < n; i++) out[to[i]] = column[i];
      return out;
    };
    const int = (k: number) => new Int32Array(k);
    // Codes by first appearance in row order.
    const recode = (
      codes: Int32Array,
      dictionary: Dictionary,
    ): { codes: Int32Array; ids: string[] } => {
      const ids = [...dictionary.index.keys()];
      const final = new Int32Array(ids.length).fill(-1);
      const order: string[] = [];
      for (let i = 0; i < n; i++) {
        const c = codes[i];
        if (c < 0) continue;
        if (final[c] < 0) {
          final[c] = order.length;
          order.push(String(ids[c]));
        }
        codes[i] = final[c];
      }
      return { codes, ids: order };
    };
    const product = recode(place(this.product.done(), int), this.products);
    const variant = recode(place(this.variant.done(), int), this.variants);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[to[i]] = rows[i];
    return {
      lineItems: {
        length: n,
        order,
        product: product.codes,
        variant: variant.codes,
        quantity: place(this.quantity.done(), int),
        currentQuantity: place(this.current.done(), int),
        netMinor: place(this.net.done(), (k) => new Float64Array(k)),
      },
      products: product.ids,
      variants: variant.ids,
    };
  }
}

/**
 * Builds the tables from customers (ascending id), then guest orders, then customers'
 * orders (ascending customer id, then processedAt). Dense indexes follow the orders'
 * customer order, so the OrderTable is sorted by index as the engine requires; customers
 * without orders come last. Both streams are sorted by id, so orders are matched to
 * customer rows by a merge walk rather than maps keyed by a million BigInts.
 */
class ShopDataBuilder {
  /** Customer rows as read, ascending id. */
  private readonly rowIds = i64();
  private readonly rowCreatedAt = f64();
  /** Next customer row the merge has not passed. */
  private cursor = 0;
  /** Per customer row: 1 once it got a dense index from an order. */
  private matched = new Uint8Array(0);
  private lastId: bigint | null = null;
  private readonly ids = i64();
  private readonly createdAt = f64();
  private readonly customer = i32();
  private readonly processedAt = f64();
  private readonly gross = f64();
  private readonly net = f64();
  private readonly flags = u8();
  /** Order ids of the chunk being added, its first OrderTable row, the walk's position,
   *  and (only when touches or lines came out of order) a map id → row. */
  private chunkIds: Id[] = [];
  private chunkBase = 0;
  private walk = 0;
  private rowOf: Map<Id, number> | null = null;
  private readonly journey = u8();
  /** Per tuple field: OrderTable row → tuple code (filled as touches arrive; −1 missing). */
  private readonly touchRow = i32();
  private readonly touchTuple = i32();
  private readonly tupleIndex = new Map<string, number>();
  /** Per OrderTable row: its order id when a number holds it exactly, else NaN (and the
   *  id in `textOrderIds`). */
  private readonly orderId = f64();
  private readonly textOrderIds: { row: number; id: string }[] = [];

  addCustomers(chunk: CustomerChunk): void {
    for (let k = 0; k < chunk.ids.length; k++) {
      const id = BigInt(chunk.ids[k]);
      const n = this.rowIds.length;
      if (n > 0 && id <= this.rowIds.data[n - 1]) {
        throw new Error(`Customers are not sorted by id (${id} after ${this.rowIds.data[n - 1]})`);
      }
      this.rowIds.push(id);
      this.rowCreatedAt.push(chunk.createdAt[k]);
    }
  }

  /**
   * Dense index of the next customer seen on orders (ids strictly ascending); customers
   * without a row (not synced yet) take their first order's time as createdAt.
   */
  private customerIndex(id: bigint, fallbackCreatedAt: number): number {
    if (this.lastId !== null && id <= this.lastId) {
      throw new Error(`Orders are not sorted by customer id (${id} after ${this.lastId})`);
    }
    this.lastId = id;
    const n = this.rowIds.length;
    if (this.matched.length !== n) this.matched = new Uint8Array(n);
    const rows = this.rowIds.data;
    while (this.cursor < n && rows[this.cursor] < id) this.cursor++;
    let createdAt = fallbackCreatedAt;
    if (this.cursor < n && rows[this.cursor] === id) {
      createdAt = this.rowCreatedAt.data[this.cursor];
      this.matched[this.cursor++] = 1;
    }
    this.ids.push(id);
    this.createdAt.push(createdAt);
    return this.ids.length - 1;
  }

  addOrders(input: OrderChunk): void {
    const chunk = sortedChunk(input);
    let last: Id | null = null;
    let index = -1;
    this.chunkIds = chunk.orderIds;
    this.chunkBase = this.customer.length;
    this.rowOf = null;
    for (let i = 0; i < chunk.ids.length; i++) {
      this.journey.push(JOURNEY_UNKNOWN);
      const id = chunk.ids[i];
      if (id !== null && id !== last) {
        last = id;
        index = this.customerIndex(BigInt(id), chunk.at[i]);
      }
      this.customer.push(id === null ? -1 : index);
      const orderId = chunk.orderIds[i];
      if (typeof orderId === "number") this.orderId.push(orderId);
      else {
        this.textOrderIds.push({ row: this.orderId.length, id: orderId });
        this.orderId.push(NaN);
      }
      this.processedAt.push(chunk.at[i]);
      this.gross.push(chunk.gross[i]);
      this.net.push(chunk.net[i]);
      this.flags.push(chunk.flags[i]);
    }
  }

  /** Rewinds the walk over the chunk's order ids (before each stream matched to it). */
  private rewind(): void {
    this.walk = 0;
  }

  /** OrderTable row of an order of the chunk last added by addOrders; undefined: not in it. */
  private rowOfOrder(id: Id): number | undefined {
    if (this.rowOf === null) {
      const ids = this.chunkIds;
      let k = this.walk;
      while (k < ids.length && ids[k] !== id) k++;
      if (k < ids.length) {
        this.walk = k;
        return this.chunkBase + k;
      }
      this.rowOf = new Map(ids.map((orderId, i) => [orderId, this.chunkBase + i]));
    }
    return this.rowOf.get(id);
  }

  /**
   * Ids of the orders that can open a customer's first purchase, of the chunk last added by
   * addOrders: each customer's remaining (neither cancelled nor test) orders at the earliest
   * processedAt among them, ties all included (firstOrders picks one of them). Found here on
   * the rows just loaded, not by a GROUP BY and a join in SQL (which cost more than the
   * orders' own query on SQLite, and seconds when PostgreSQL planned it without statistics).
   */
  firstOrderCandidates(): Id[] {
    const ids: Id[] = [];
    const customer = this.customer.data;
    const at = this.processedAt.data;
    const flags = this.flags.data;
    const dropped = ORDER_CANCELLED | ORDER_TEST;
    const end = this.customer.length;
    let first = NaN;
    for (let r = this.chunkBase; r < end; r++) {
      const c = customer[r];
      if (c < 0) continue;
      if (r === this.chunkBase || customer[r - 1] !== c) first = NaN;
      if ((flags[r] & dropped) !== 0) continue;
      // Rows are by time within a customer: the first remaining row sets the earliest time.
      if (Number.isNaN(first)) first = at[r];
      if (at[r] === first) ids.push(this.chunkIds[r - this.chunkBase]);
    }
    return ids;
  }

  /** First touches of the chunk last added by addOrders. */
  addTouches(chunk: TouchChunk): void {
    this.rewind();
    for (let k = 0; k < chunk.orderIds.length; k++) {
      const row = this.rowOfOrder(chunk.orderIds[k]);
      if (row === undefined) continue;
      const text = chunk.tuples[k];
      let code = this.tupleIndex.get(text);
      if (code === undefined) {
        code = this.tupleIndex.size;
        this.tupleIndex.set(text, code);
      }
      this.touchRow.push(row);
      this.touchTuple.push(code);
    }
  }

  /**
   * A collector for the line items of the customers' remaining orders (neither cancelled
   * nor test), once every order is in (lines come by order id, not by customer).
   */
  lineCollector(): LineCollector {
    const n = this.customer.length;
    const customer = this.customer.data;
    const flags = this.flags.data;
    const dropped = ORDER_CANCELLED | ORDER_TEST;
    const keep = new Uint8Array(n);
    for (let r = 0; r < n; r++) keep[r] = customer[r] >= 0 && (flags[r] & dropped) === 0 ? 1 : 0;
    return new LineCollector(this.orderId.data, this.textOrderIds, keep);
  }

  /** Per field, a dictionary over the distinct tuples' values and a code per order row. */
  private attribution(orderCount: number): { columns: AttributionColumns; journey: Uint8Array } {
    const tuples = [...this.tupleIndex.keys()].map((t) => JSON.parse(t) as (string | null)[]);
    const journey = this.journey.done();
    const tupleJourney = tuples.map((t) =>
      t[0] === "visit" ? JOURNEY_VISIT : t[0] === "none" ? JOURNEY_NONE : JOURNEY_UNKNOWN,
    );
    const columns: { -readonly [F in AttributionField]?: AttributionColumns[F] } = {};
    ATTRIBUTION_TUPLE.forEach((field, f) => {
      const dictionary: string[] = [];
      const index = new Map<string, number>();
      // Code of the field in each tuple (−1: missing, or a visit field without a visit).
      const ofTuple = tuples.map((t, k) => {
        const value = t[f + 1];
        if (value === null || value === "") return -1;
        if (VISIT_FIELDS.has(field) && tupleJourney[k] !== JOURNEY_VISIT) return -1;
        let c = index.get(value);
        if (c === undefined) {
          c = dictionary.length;
          index.set(value, c);
          dictionary.push(value);
        }
        return c;
      });
      const code = new Int32Array(orderCount).fill(-1);
      const rows = this.touchRow.data;
      const tupleOf = this.touchTuple.data;
      for (let k = 0; k < this.touchRow.length; k++) code[rows[k]] = ofTuple[tupleOf[k]];
      columns[field] = { dictionary, code };
    });
    for (let k = 0; k < this.touchRow.length; k++) {
      journey[this.touchRow.data[k]] = tupleJourney[this.touchTuple.data[k]];
    }
    return { columns, journey };
  }

  build(lines: LineCollector | null): ShopData {
    const rows = this.rowIds.data;
    for (let k = 0; k < this.rowIds.length; k++) {
      if (this.matched[k] === 1) continue;
      this.ids.push(rows[k]);
      this.createdAt.push(this.rowCreatedAt.data[k]);
    }
    const orders: OrderTable = {
      length: this.customer.length,
      customer: this.customer.done(),
      processedAt: this.processedAt.done(),
      grossMinor: this.gross.done(),
      netMinor: this.net.done(),
      flags: this.flags.done(),
    };
    const { lineItems, products, variants } = (lines ?? this.lineCollector()).finish(orders.length);
    const { columns, journey } = this.attribution(orders.length);
    return {
      orders,
      customers: { count: this.ids.length, createdAt: this.createdAt.done() },
      customerIds: this.ids.done(),
      acquisition: {
        attribution: columns,
        journey,
        lineItems,
        products,
        variants,
      },
    };
  }
}

export interface LoadOptions {
  /** Customers per chunk (tests use small ones to cross chunk boundaries). */
  readonly chunkCustomers?: number;
}

/** Customers chunk by chunk, then guests, then orders in the customer ranges they define. */
async function loadFrom(source: Source, options: LoadOptions): Promise<ShopData> {
  const size = options.chunkCustomers ?? CHUNK_CUSTOMERS;
  const builder = new ShopDataBuilder();
  const bounds: bigint[] = [];
  let after = INT64_MIN;
  for (;;) {
    const chunk = await source.customers(after, size);
    if (chunk.ids.length === 0) break;
    builder.addCustomers(chunk);
    after = BigInt(chunk.ids[chunk.ids.length - 1]);
    if (chunk.ids.length < size) break;
    bounds.push(after);
  }
  // Guests first, as the OrderTable contract asks; then (−∞, b1], (b1, b2], …, (bk, ∞).
  builder.addOrders(await source.orders(null));
  let lo = INT64_MIN;
  for (const hi of [...bounds, INT64_MAX]) {
    const range = { lo, hi };
    builder.addOrders(await source.orders(range));
    const candidates = builder.firstOrderCandidates();
    if (candidates.length > 0) builder.addTouches(await source.touches(candidates));
    lo = hi;
  }
  // Line items by order-id ranges of about `size` × 4 of those orders each: an index range
  // scan of the line table, no join with the orders (the join cost more than the rows).
  const lines = builder.lineCollector();
  for (const range of lines.ranges(size * 4)) await source.lineItems(range, lines);
  return builder.build(lines);
}

// ---------------------------------------------------------------- SQLite

/** A JSON array column, or [] for no rows. */
const parseColumn = <T>(json: string | null): T[] => (json ? (JSON.parse(json) as T[]) : []);

async function loadSqlite(url: string, shopId: number, options: LoadOptions): Promise<ShopData> {
  const db = new Database(sqliteFilePath(url), { readonly: true, timeout: 10_000 });
  try {
    return await loadSqliteFrom(db, shopId, options);
  } finally {
    db.close();
  }
}

async function loadSqliteFrom(
  db: Database.Database,
  shopId: number,
  options: LoadOptions,
): Promise<ShopData> {
  const ms = (col: string) => `CAST(unixepoch(${col}, 'subsec') * 1000 AS INTEGER)`;
  // Ids a number cannot hold go as text (an index probe decides; Shopify's fit easily).
  const exact =
    db
      .prepare(
        `SELECT EXISTS(SELECT 1 FROM "Customer" WHERE "shopId" = ? AND "id" > ${MAX_EXACT})
             OR EXISTS(SELECT 1 FROM "Order" WHERE "shopId" = ? AND "customerId" > ${MAX_EXACT})`,
      )
      .pluck()
      .get(shopId, shopId) === 0;
  const id = (col: string) => (exact ? col : `CAST(${col} AS TEXT)`);
  // Order, product and variant ids: a number when exact, else text (no probe needed: both
  // sides of a match use this same expression).
  const bigId = (col: string) =>
    `CASE WHEN ${col} > ${MAX_EXACT} THEN CAST(${col} AS TEXT) ELSE ${col} END`;
  const customers = db
    .prepare(
      `SELECT json_group_array("cid"), json_group_array("ms") FROM (
         SELECT ${id('"id"')} AS "cid", ${ms('"createdAt"')} AS "ms" FROM "Customer"
         WHERE "shopId" = ? AND "deleted" = 0 AND "id" > ? ORDER BY "id" LIMIT ?)`,
    )
    .raw(true);
  // Order rows straight into the chunk's arrays through a JavaScript aggregate (about half
  // the cost of building and parsing six JSON arrays). Named parameters: the function's
  // length is the SQL function's argument count; the driver's types know one argument.
  let orderInto: OrderChunk | null = null;
  const collectOrder = (
    count: number,
    orderId: Id,
    customerId: Id | null,
    at: number,
    gross: number,
    net: number,
    flags: number,
  ): number => {
    if (orderInto === null) return count;
    orderInto.orderIds.push(orderId);
    orderInto.ids.push(customerId);
    orderInto.at.push(at);
    orderInto.gross.push(gross);
    orderInto.net.push(net);
    orderInto.flags.push(flags);
    return count + 1;
  };
  db.aggregate("kizuna_collect_orders", {
    start: 0,
    step: collectOrder as unknown as () => number,
  });
  const orderColumns = `kizuna_collect_orders("oid", "cid", "ms", "g", "n", "f")`;
  const orderRow = `SELECT ${bigId('"id"')} AS "oid", ${id('"customerId"')} AS "cid",
      ${ms('"processedAt"')} AS "ms", "grossMinor" AS "g", "netMinor" AS "n",
      ("cancelledAt" IS NOT NULL) * ${ORDER_CANCELLED} + "test" * ${ORDER_TEST}
        + "subscription" * ${ORDER_SUBSCRIPTION} + ${DISCOUNT_FLAGS} AS "f"
    FROM "Order" WHERE "shopId" = ? AND "deleted" = 0`;
  const ranged = db
    .prepare(
      `SELECT ${orderColumns} FROM (${orderRow} AND "customerId" > ? AND "customerId" <= ?
         ORDER BY "customerId", "processedAt")`,
    )
    .raw(true);
  const guests = db
    .prepare(
      `SELECT ${orderColumns} FROM (${orderRow} AND "customerId" IS NULL ORDER BY "processedAt")`,
    )
    .raw(true);
  // The touch tuples of the orders asked for (a JSON array of ids; one primary-key probe
  // each; json_each drives the loop, so they come in the array's order without a sort).
  const touches = db
    .prepare(
      `SELECT json_group_array("oid"), json_group_array("t") FROM (
         SELECT ${bigId('o."id"')} AS "oid",
           json_array(o."journey", ${ATTRIBUTION_TUPLE.map((c) => `o."${c}"`).join(", ")}) AS "t"
         FROM json_each(?) j CROSS JOIN "Order" o
           ON o."shopId" = ? AND o."id" = CAST(j."value" AS INTEGER))`,
    )
    .raw(true);
  // Lines straight into the collector: a JavaScript aggregate takes each row (no JSON to
  // build and parse, ~3× cheaper than json_group_array); by the line table's own
  // (shopId, orderId) index, in order-id ranges.
  let collector: LineCollector | null = null;
  // Named parameters: the function's length is the SQL function's argument count.
  const step = (
    count: number,
    orderId: Id,
    lineId: Id,
    product: Id | null,
    variant: Id | null,
    quantity: number,
    current: number,
    net: number,
  ): number => {
    collector?.add(orderId, lineId, product, variant, quantity, current, net);
    return count + 1;
  };
  // The driver's types know single-argument aggregates only.
  db.aggregate("kizuna_collect_lines", { start: 0, step: step as unknown as () => number });
  const lines = db
    .prepare(
      `SELECT kizuna_collect_lines("oid", "lid", "p", "v", "q", "cq", "n") FROM (
         SELECT ${bigId('"orderId"')} AS "oid", ${bigId('"id"')} AS "lid",
           ${bigId('"productId"')} AS "p",
           ${bigId('"variantId"')} AS "v", "quantity" AS "q", "currentQuantity" AS "cq",
           "netMinor" AS "n"
         FROM "OrderLineItem" INDEXED BY "OrderLineItem_shopId_orderId_idx"
         WHERE "shopId" = ? AND "giftCard" = 0 AND "orderId" > ? AND "orderId" <= ?
         ORDER BY "orderId")`,
    )
    .pluck();
  const source: Source = {
    async customers(after, limit) {
      const row = customers.get(shopId, after, limit) as (string | null)[];
      return { ids: parseColumn(row[0]), createdAt: parseColumn(row[1]) };
    },
    async orders(range) {
      const chunk: OrderChunk = { orderIds: [], ids: [], at: [], gross: [], net: [], flags: [] };
      orderInto = chunk;
      try {
        if (range) ranged.get(shopId, range.lo, range.hi);
        else guests.get(shopId);
      } finally {
        orderInto = null;
      }
      return chunk;
    },
    async touches(orderIds) {
      const row = touches.get(JSON.stringify(orderIds), shopId) as (string | null)[];
      return { orderIds: parseColumn(row[0]), tuples: parseColumn(row[1]) };
    },
    async lineItems(range, into) {
      collector = into;
      try {
        lines.get(shopId, range.lo, range.hi);
      } finally {
        collector = null;
      }
    },
  };
  // One read transaction: every chunk sees the same snapshot of the database.
  db.exec("BEGIN");
  try {
    return await loadFrom(source, options);
  } finally {
    db.exec("COMMIT");
  }
}

// ---------------------------------------------------------------- PostgreSQL

/** PostgreSQL's binary COPY header: signature, flags, header-extension length. */
const COPY_HEADER_BYTES = 11 + 4 + 4;
/** Microseconds from 1970-01-01 to PostgreSQL's timestamp epoch, 2000-01-01. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;

/** An int8 field as a number, or as decimal text when a double cannot hold it exactly. */
function int8At(buffer: Buffer, at: number): Id {
  const hi = buffer.readInt32BE(at);
  if (hi >= -0x200000 && hi < 0x200000) return hi * TWO_32 + buffer.readUInt32BE(at + 4);
  return buffer.readBigInt64BE(at).toString();
}

/**
 * Reads the tuples of a binary COPY: every field is int8, int4, timestamp or text (per
 * `columns`) or NULL.
 * Hand-written: no package here parses the format, and it is ~7× cheaper for PostgreSQL to
 * send than the same rows as JSON (docs/decisions/0035-customer-result-set.md).
 */
function parseBinaryCopy(
  buffer: Buffer,
  columns: readonly ("int8" | "int4" | "timestamp" | "text")[],
  out: (Id | null)[][],
): void {
  if (buffer.length < COPY_HEADER_BYTES) return;
  let at = COPY_HEADER_BYTES + buffer.readInt32BE(15);
  for (;;) {
    const fields = buffer.readInt16BE(at);
    at += 2;
    if (fields === -1) break;
    if (fields !== columns.length) throw new Error(`COPY row of ${fields} fields`);
    for (let c = 0; c < fields; c++) {
      const length = buffer.readInt32BE(at);
      at += 4;
      if (length === -1) {
        out[c].push(null);
        continue;
      }
      const type = columns[c];
      if (type === "int4") out[c].push(buffer.readInt32BE(at));
      else if (type === "text") out[c].push(buffer.toString("utf8", at, at + length));
      else if (type === "int8") out[c].push(int8At(buffer, at));
      else out[c].push(Math.round((int8At(buffer, at) as number) / 1000) + PG_EPOCH_MS);
      at += length;
    }
  }
}

/**
 * Hands each line row of a binary COPY (order id, line id, product, variant: int8; quantity,
 * current quantity: int4; net: int8) straight to the collector, without column arrays.
 */
function collectLineCopy(buffer: Buffer, into: LineCollector): void {
  if (buffer.length < COPY_HEADER_BYTES) return;
  let at = COPY_HEADER_BYTES + buffer.readInt32BE(15);
  const int8 = (): Id | null => {
    const length = buffer.readInt32BE(at);
    at += 4;
    if (length === -1) return null;
    const value = int8At(buffer, at);
    at += length;
    return value;
  };
  const int4 = (): number => {
    const length = buffer.readInt32BE(at);
    at += 4;
    if (length === -1) throw new Error("COPY: NULL in a NOT NULL column");
    const value = buffer.readInt32BE(at);
    at += length;
    return value;
  };
  for (;;) {
    const fields = buffer.readInt16BE(at);
    at += 2;
    if (fields === -1) break;
    if (fields !== 7) throw new Error(`COPY row of ${fields} fields`);
    const orderId = int8() as Id;
    const lineId = int8() as Id;
    const product = int8();
    const variant = int8();
    const quantity = int4();
    const current = int4();
    const net = int8() as number;
    into.add(orderId, lineId, product, variant, quantity, current, net);
  }
}

async function copyOut(client: pg.Client, sql: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  const stream = client.query(copyTo(`COPY (${sql}) TO STDOUT (FORMAT binary)`));
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** A bigint or shop id inlined into COPY's query text (COPY takes no parameters). */
const literal = (value: bigint | number): string => {
  if (typeof value === "number" && !Number.isSafeInteger(value)) throw new RangeError("id");
  return value.toString();
};

/** An id that came as decimal text (above 2^53), checked before it is inlined. */
const bigLiteral = (id: string): string => {
  if (!/^-?\d{1,19}$/.test(id)) throw new RangeError("id");
  return id;
};

async function loadPostgres(url: string, shopId: number, options: LoadOptions): Promise<ShopData> {
  const client = new pg.Client(parseIntoClientConfig(url));
  await client.connect();
  try {
    // One snapshot for all chunks.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    // Plain scans and probes: compiling them (JIT, on by default above a cost) only adds time.
    await client.query("SET LOCAL jit = off");
    const shop = literal(shopId);
    // Plain rows in PostgreSQL's binary format: no JSON to build or parse, timestamps as
    // their stored microseconds (timestamp(3): exact milliseconds).
    const customersSql = (after: bigint, limit: number) =>
      `SELECT "id", "createdAt" FROM "Customer"
       WHERE "shopId" = ${shop} AND "deleted" = false AND "id" > ${literal(after)}
       ORDER BY "id" LIMIT ${literal(limit)}`;
    const orderRow = `SELECT "id", "customerId", "processedAt", "grossMinor", "netMinor",
        ("cancelledAt" IS NOT NULL)::int * ${ORDER_CANCELLED} + "test"::int * ${ORDER_TEST}
          + "subscription"::int * ${ORDER_SUBSCRIPTION} + ${DISCOUNT_FLAGS}
      FROM "Order" WHERE "shopId" = ${shop} AND "deleted" = false`;
    const orderColumns = ["int8", "int8", "timestamp", "int8", "int8", "int4"] as const;
    const source: Source = {
      async customers(after, limit) {
        const columns: (Id | null)[][] = [[], []];
        parseBinaryCopy(
          await copyOut(client, customersSql(after, limit)),
          ["int8", "timestamp"],
          columns,
        );
        return { ids: columns[0] as Id[], createdAt: columns[1] as number[] };
      },
      async orders(range) {
        const sql = range
          ? `${orderRow} AND "customerId" > ${literal(range.lo)} AND "customerId" <= ${literal(range.hi)}
             ORDER BY "customerId", "processedAt", "id"`
          : `${orderRow} AND "customerId" IS NULL ORDER BY "processedAt", "id"`;
        const columns: (Id | null)[][] = [[], [], [], [], [], []];
        parseBinaryCopy(await copyOut(client, sql), orderColumns, columns);
        // Money and flags are exact numbers below 2^53, as the engine takes them.
        return {
          orderIds: columns[0] as Id[],
          ids: columns[1],
          at: columns[2] as number[],
          gross: columns[3] as number[],
          net: columns[4] as number[],
          flags: columns[5] as number[],
        };
      },
      async touches(orderIds) {
        const tuple = ATTRIBUTION_TUPLE.map((c) => `o."${c}"`).join(", ");
        const ids = orderIds.map((id) => (typeof id === "number" ? literal(id) : bigLiteral(id)));
        // One primary-key probe per id: a LATERAL subquery with LIMIT 1 is not flattened
        // into a join, which the planner made a hash join over the shop's whole order
        // table per chunk. The probes follow the array, so the rows come in its order.
        const sql = `SELECT o."id", o."t"
          FROM unnest('{${ids.join(",")}}'::int8[]) AS j("id")
          CROSS JOIN LATERAL (SELECT o."id", json_build_array(o."journey", ${tuple})::text AS "t"
            FROM "Order" o WHERE o."shopId" = ${shop} AND o."id" = j."id" LIMIT 1) o`;
        const columns: (Id | null)[][] = [[], []];
        parseBinaryCopy(await copyOut(client, sql), ["int8", "text"], columns);
        return { orderIds: columns[0] as Id[], tuples: columns[1] as string[] };
      },
      async lineItems(range, into) {
        // No join with the orders (planned without statistics, after a backfill, it took
        // seconds) and no ORDER BY (without statistics it sorted on disk): the collector
        // finds each line's order by id whatever order lines come in, and orders them.
        const sql = `SELECT "orderId", "id", "productId", "variantId", "quantity",
            "currentQuantity", "netMinor"
          FROM "OrderLineItem"
          WHERE "shopId" = ${shop} AND "giftCard" = false AND "orderId" > ${literal(range.lo)}
            AND "orderId" <= ${literal(range.hi)}`;
        collectLineCopy(await copyOut(client, sql), into);
      },
    };
    const data = await loadFrom(source, options);
    await client.query("COMMIT");
    return data;
  } finally {
    await client.end();
  }
}

export async function loadShopData(
  databaseUrl: string,
  shopId: number,
  options: LoadOptions = {},
): Promise<ShopData> {
  return isPostgresUrl(databaseUrl)
    ? loadPostgres(databaseUrl, shopId, options)
    : loadSqlite(databaseUrl, shopId, options);
}
