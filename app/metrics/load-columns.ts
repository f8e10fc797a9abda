/**
 * The chunks the load readers hand over, typed arrays that grow as they fill, and the line
 * collector that matches line items to their OrderTable rows (./load.server.ts).
 */
import { radixSortByWords, type WordDigit } from "../analytics/numeric-sort";
import { ORDER_DISCOUNT, ORDER_DISCOUNT_UNKNOWN } from "../analytics/types";
import { Dictionary } from "./load-dictionary.mjs";
import { type OrderLineItems } from "./snapshot/stages";

export { Dictionary };

/** Discount bits of the order flags, the same SQL on both databases ("[]": no code). */
export const DISCOUNT_FLAGS = `CASE WHEN "discountCodes" IS NULL THEN ${ORDER_DISCOUNT_UNKNOWN}
  WHEN "discountCodes" <> '[]' THEN ${ORDER_DISCOUNT} ELSE 0 END`;

/** Customers per chunk; their orders form one chunk too (about 4 orders a customer). */
export const CHUNK_CUSTOMERS = 50_000;
/** Largest integer a JS number holds exactly; ids above it travel as decimal text. */
export const MAX_EXACT = "9007199254740991";
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** A customer id as it comes out of JSON: a number, or text when numbers are not exact. */
export type Id = number | string;

export interface CustomerChunk {
  readonly ids: Id[];
  readonly createdAt: number[];
}

/**
 * One chunk of orders in typed columns, filled row by row by a reader (`add`, called from
 * SQLite's aggregate or the COPY decoder) and reused from chunk to chunk: no array of boxed
 * values per column, no copy before the builder takes the rows.
 */
export class OrderChunk {
  length = 0;
  /** Order id; NaN when it is above 2^53 (then in `orderText`). */
  orderId = new Float64Array(1024);
  readonly orderText = new Map<number, string>();
  /** Customer id; NaN for a guest order, or an id above 2^53 (then in `customerText`). */
  customer = new Float64Array(1024);
  readonly customerText = new Map<number, string>();
  at = new Float64Array(1024);
  gross = new Float64Array(1024);
  net = new Float64Array(1024);
  flags = new Uint8Array(1024);
  /** The reader's own handle of each order (SQLite: its rowid, to read first touches by). */
  key = new Float64Array(1024);

  reset(): void {
    this.length = 0;
    this.orderText.clear();
    this.customerText.clear();
  }

  add(
    orderId: Id,
    customerId: Id | null,
    at: number,
    gross: number,
    net: number,
    flags: number,
    key: number,
  ): void {
    const i = this.length;
    if (i === this.orderId.length) this.grow();
    if (typeof orderId === "number") this.orderId[i] = orderId;
    else {
      this.orderId[i] = NaN;
      this.orderText.set(i, orderId);
    }
    if (typeof customerId === "number") this.customer[i] = customerId;
    else {
      this.customer[i] = NaN;
      if (customerId !== null) this.customerText.set(i, customerId);
    }
    this.at[i] = at;
    this.gross[i] = gross;
    this.net[i] = net;
    this.flags[i] = flags;
    this.key[i] = key;
    this.length = i + 1;
  }

  /** Order id of row i. */
  orderIdAt(i: number): Id {
    const id = this.orderId[i];
    return Number.isNaN(id) ? this.orderText.get(i)! : id;
  }

  /** Customer id of row i; null for a guest order. */
  customerAt(i: number): Id | null {
    const id = this.customer[i];
    return Number.isNaN(id) ? (this.customerText.get(i) ?? null) : id;
  }

  private grow(): void {
    const f = (n: number) => new Float64Array(n);
    this.orderId = doubled(this.orderId, f);
    this.customer = doubled(this.customer, f);
    this.at = doubled(this.at, f);
    this.gross = doubled(this.gross, f);
    this.net = doubled(this.net, f);
    this.flags = doubled(this.flags, (n) => new Uint8Array(n));
    this.key = doubled(this.key, f);
  }
}

/** First touches of the rows asked for: each one's position in the chunk and its tuple (JSON
 *  text); rows whose order is gone are simply absent. */
export interface TouchChunk {
  readonly rows: number[];
  readonly tuples: string[];
}

/** An id range (lo, hi]. */
export interface Range {
  readonly lo: bigint;
  readonly hi: bigint;
}

/** One provider's queries. Ranges are (lo, hi] of customer ids. */
export interface Source {
  /** Optional: the calls about to come, in order — every `orders` (null: guests), or every
   *  `lineItems` — so a reader may run the next one's query ahead. */
  ahead?(requests: { orders: (Range | null)[] } | { lines: Range[] }): Promise<void>;
  /** Up to `limit` customers with id > after, ascending. */
  customers(after: bigint, limit: number): Promise<CustomerChunk>;
  /** Orders of customers in (lo, hi], by customer then time; `null`: guest orders; each
   *  handed to `into.add` (an empty chunk). */
  orders(range: { lo: bigint; hi: bigint } | null, into: OrderChunk): Promise<void>;
  /** First touches of these rows of `chunk` (the chunk the last `orders` filled). */
  touches(chunk: OrderChunk, rows: readonly number[]): Promise<TouchChunk>;
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
  /** Appends `source[0, count)`, or `source` at the positions `order[0, count)`. */
  append(source: T, count: number, order: Int32Array | null): void {
    let size = this.data.length;
    while (this.length + count > size) size = Math.max(1024, size * 2);
    if (size !== this.data.length) {
      const next = this.make(size);
      next.set(this.data as never);
      this.data = next;
    }
    if (order === null) this.data.set(source.subarray(0, count) as never, this.length);
    else for (let p = 0; p < count; p++) this.data[this.length + p] = source[order[p]];
    this.length += count;
  }
  done(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

export const f64 = () => new Column(new Float64Array(1024), (n) => new Float64Array(n));
export const i32 = () => new Column(new Int32Array(1024), (n) => new Int32Array(n));
export const u8 = () => new Column(new Uint8Array(1024), (n) => new Uint8Array(n));
export const i64 = () => new Column(new BigInt64Array(1024), (n) => new BigInt64Array(n));

/** Ids in numeric order, whichever form (number, or decimal text above 2^53) each has. */
export const compareIds = (a: Id, b: Id): number =>
  typeof a === "number" && typeof b === "number"
    ? a - b
    : BigInt(a) < BigInt(b)
      ? -1
      : BigInt(a) > BigInt(b)
        ? 1
        : 0;

/**
 * The chunk's rows by customer then time: null when they already are (the queries ask for
 * that order, but SQL does not promise that an aggregate sees its subquery's order, so it
 * is checked), else the positions in that order (a stable sort: ties keep the reader's
 * order). Guests (null) first, then by id; time ascending within each (guests included).
 */
export function chunkOrder(chunk: OrderChunk): Int32Array | null {
  const n = chunk.length;
  const { customer, at } = chunk;
  const exact = chunk.customerText.size === 0;
  let sorted = true;
  if (exact) {
    // Numbers only (NaN: guest): no boxed ids.
    for (let i = 1; i < n && sorted; i++) {
      const a = customer[i - 1];
      const b = customer[i];
      if (a === b || (Number.isNaN(a) && Number.isNaN(b))) sorted = at[i - 1] <= at[i];
      else sorted = Number.isNaN(a) || (!Number.isNaN(b) && a < b);
    }
    if (sorted) return null;
  }
  const compare = (i: number, j: number): number => {
    const a = chunk.customerAt(i);
    const b = chunk.customerAt(j);
    const byId = a === b ? 0 : a === null ? -1 : b === null ? 1 : compareIds(a, b);
    return byId || at[i] - at[j];
  };
  if (!exact) {
    for (let i = 1; i < n && sorted; i++) sorted = compare(i - 1, i) <= 0;
    if (sorted) return null;
  }
  return Int32Array.from(Array.from({ length: n }, (_, i) => i).sort(compare));
}

/** sortByKey's digits: 26 bits of the low word, 27 of the high, in 13–14-bit passes. */
const ID_DIGITS: readonly WordDigit[] = [
  [false, 0, 13],
  [false, 13, 13],
  [true, 0, 14],
  [true, 14, 13],
];

/**
 * Sorts (key, row) pairs by key, keys whole numbers in [0, 2^53): a radix sort (four passes
 * of 13–14 bits, a pass skipped when all its digits agree), linear where a comparison sort of
 * millions of keys costs seconds.
 */
export function sortByKey(keys: Float64Array, rows: Int32Array): void {
  const n = keys.length;
  const LOW = 2 ** 26;
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = Math.floor(keys[i] / LOW);
    hi[i] = h;
    lo[i] = keys[i] - h * LOW;
  }
  const sorted = radixSortByWords(hi, lo, rows, ID_DIGITS);
  for (let i = 0; i < n; i++) keys[i] = sorted.hi[i] * LOW + sorted.lo[i];
  if (sorted.rows !== rows) rows.set(sorted.rows);
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

/**
 * Line items read ahead into typed columns (by the line-reading thread,
 * ./load-lines-thread.server.ts), rows [0, length) in the order read; product and variant
 * codes index the reader's own dictionaries (−1: none). The seven columns are views of one
 * buffer.
 */
export interface LineBlock {
  readonly length: number;
  readonly orderId: Float64Array;
  readonly lineId: Float64Array;
  readonly product: Int32Array;
  readonly variant: Int32Array;
  readonly quantity: Int32Array;
  readonly current: Int32Array;
  readonly net: Float64Array;
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
export class LineCollector {
  /** Collected orders' numeric ids ascending, and each one's OrderTable row. */
  private readonly sortedId: Float64Array;
  private readonly sortedRow: Int32Array;
  /** Orders whose id a double cannot hold, by id ascending. */
  private readonly textIds: { row: number; id: string; value: bigint }[];
  private cursor = 0;
  private last = -Infinity;
  private textCursor = 0;
  private lastText: bigint | null = null;
  /** The lines kept so far: `count` of them, in typed columns grown together (one
   *  capacity check a line, not one a column). */
  private count = 0;
  private row = new Int32Array(1024);
  /** Line ids (as doubles: they only order an order's lines). */
  private lineId = new Float64Array(1024);
  private product = new Int32Array(1024);
  private variant = new Int32Array(1024);
  private quantity = new Int32Array(1024);
  private current = new Int32Array(1024);
  private net = new Float64Array(1024);
  private readonly products = new Dictionary();
  private readonly variants = new Dictionary();
  /** Ids by code of the reader's dictionaries when lines came coded (addLines). */
  private coded: { products: ArrayLike<Id>; variants: ArrayLike<Id> } | null = null;

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
    if (this.coded !== null) throw new Error("LineCollector: add after addLines");
    const i = this.count;
    if (i === this.row.length) this.grow();
    this.row[i] = row;
    this.lineId[i] = Number(lineId);
    this.product[i] = this.products.code(product);
    this.variant[i] = this.variants.code(variant);
    this.quantity[i] = quantity;
    this.current[i] = currentQuantity;
    this.net[i] = net;
    this.count = i + 1;
  }

  /** Room for `lines` lines at least before any is added (no growth, no copy on the way). */
  reserve(lines: number): void {
    if (this.count > 0 || lines <= this.row.length) return;
    this.row = new Int32Array(lines);
    this.lineId = new Float64Array(lines);
    this.product = new Int32Array(lines);
    this.variant = new Int32Array(lines);
    this.quantity = new Int32Array(lines);
    this.current = new Int32Array(lines);
    this.net = new Float64Array(lines);
  }

  /**
   * Rows [from, to) of lines read ahead (a block of the line-reading thread), their codes
   * indexing `products` and `variants` (the same for every call): each is kept when its
   * order is collected, as `add` does. A collector takes lines either this way or by `add`.
   */
  addLines(
    lines: LineBlock,
    from: number,
    to: number,
    products: ArrayLike<Id>,
    variants: ArrayLike<Id>,
  ): void {
    if (this.coded === null) {
      if (this.count > 0) throw new Error("LineCollector: addLines after add");
      this.coded = { products, variants };
    }
    const { orderId, lineId, product, variant, quantity, current, net } = lines;
    for (let k = from; k < to; k++) {
      const row = this.rowOf(orderId[k]);
      if (row < 0) continue;
      const i = this.count;
      if (i === this.row.length) this.grow();
      this.row[i] = row;
      this.lineId[i] = lineId[k];
      this.product[i] = product[k];
      this.variant[i] = variant[k];
      this.quantity[i] = quantity[k];
      this.current[i] = current[k];
      this.net[i] = net[k];
      this.count = i + 1;
    }
  }

  private grow(): void {
    const int = (n: number) => new Int32Array(n);
    const float = (n: number) => new Float64Array(n);
    this.row = doubled(this.row, int);
    this.lineId = doubled(this.lineId, float);
    this.product = doubled(this.product, int);
    this.variant = doubled(this.variant, int);
    this.quantity = doubled(this.quantity, int);
    this.current = doubled(this.current, int);
    this.net = doubled(this.net, float);
  }

  finish(orderCount: number): {
    lineItems: OrderLineItems;
    products: string[];
    variants: string[];
  } {
    const n = this.count;
    const rows = this.row.subarray(0, n);
    // Stable counting sort by OrderTable row.
    const at = new Int32Array(orderCount + 1);
    for (let i = 0; i < n; i++) at[rows[i] + 1]++;
    for (let r = 0; r < orderCount; r++) at[r + 1] += at[r];
    const from = new Int32Array(n);
    for (let i = 0; i < n; i++) from[at[rows[i]]++] = i;
    // Within an order, by line id (the databases give them in storage order): an insertion
    // sort of each order's few lines.
    const lineId = this.lineId;
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
      ids: ArrayLike<Id>,
    ): { codes: Int32Array; ids: string[] } => {
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
    const product = recode(place(this.product, int), this.coded?.products ?? this.products.ids);
    const variant = recode(place(this.variant, int), this.coded?.variants ?? this.variants.ids);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[to[i]] = rows[i];
    // The sort left at[r] at the end of row r's lines: shifted by one, it is each row's first
    // line (the entry products read the first two purchases' lines by it).
    at.copyWithin(1, 0, orderCount);
    at[0] = 0;
    return {
      lineItems: {
        length: n,
        order,
        orderStart: at,
        product: product.codes,
        variant: variant.codes,
        quantity: place(this.quantity, int),
        currentQuantity: place(this.current, int),
        netMinor: place(this.net, (k) => new Float64Array(k)),
      },
      products: product.ids,
      variants: variant.ids,
    };
  }
}

/** A typed array twice as long as `a` (made by `make`), starting with `a`'s values. */
function doubled<T extends Int32Array | Float64Array | Uint8Array>(
  a: T,
  make: (n: number) => T,
): T {
  const b = make(a.length * 2);
  b.set(a as never);
  return b;
}
