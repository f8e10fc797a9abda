/**
 * From the readers' chunks to the engine's tables: ShopDataBuilder and the chunk walk both
 * databases share (./load.server.ts).
 */
import type { AttributionColumns, AttributionField } from "../analytics/channels";
import {
  ORDER_CANCELLED,
  ORDER_TEST,
  type CustomerTable,
  type OrderTable,
} from "../analytics/types";
import {
  JOURNEY_NONE,
  JOURNEY_UNKNOWN,
  JOURNEY_VISIT,
  type AcquisitionInput,
} from "./snapshot/stages";
import {
  CHUNK_CUSTOMERS,
  f64,
  i32,
  i64,
  INT64_MAX,
  INT64_MIN,
  chunkOrder,
  LineCollector,
  OrderChunk,
  u8,
  type CustomerChunk,
  type Id,
  type Source,
  type TouchChunk,
} from "./load-columns";

/** A shop's orders and customers: the purchase history's inputs. */
export interface ShopOrders {
  orders: OrderTable;
  customers: CustomerTable;
  /** Shopify id of each dense customer index. */
  customerIds: BigInt64Array;
}

export interface ShopData extends ShopOrders {
  /** First touches and line items (variant costs are added by the caller). */
  acquisition: Omit<AcquisitionInput, "variantCost">;
}

/**
 * Tuple of an order's first touch as the queries build it: journey, then the order columns
 * of ATTRIBUTION_TUPLE. A journey other than "visit" keeps only the sales channel columns.
 */
export const ATTRIBUTION_TUPLE = [
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
  /** The chunk the readers fill (reused), and its rows' OrderTable rows once added. */
  readonly chunk = new OrderChunk();
  private tableRowOf = new Int32Array(1024);
  /** The last chunk's first OrderTable row, and its rows' order (null: as read). */
  private chunkBase = 0;
  private chunkOrder: Int32Array | null = null;
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

  /** Appends the rows of `this.chunk` (filled by a reader) to the OrderTable. */
  addOrders(): void {
    const chunk = this.chunk;
    const n = chunk.length;
    const order = chunkOrder(chunk);
    const base = this.customer.length;
    if (this.tableRowOf.length < n) this.tableRowOf = new Int32Array(n);
    let last: Id | null = null;
    let lastNumber = NaN;
    let index = -1;
    for (let p = 0; p < n; p++) {
      const i = order === null ? p : order[p];
      this.tableRowOf[i] = base + p;
      const number = chunk.customer[i];
      if (!Number.isNaN(number)) {
        // A number id: compared as a number, made a BigInt once per customer.
        if (number !== lastNumber) {
          lastNumber = number;
          last = number;
          index = this.customerIndex(BigInt(number), chunk.at[i]);
        }
        this.customer.push(index);
      } else {
        const id = chunk.customerText.get(i) ?? null;
        if (id !== null && id !== last) {
          last = id;
          lastNumber = NaN;
          index = this.customerIndex(BigInt(id), chunk.at[i]);
        }
        this.customer.push(id === null ? -1 : index);
      }
      const orderId = chunk.orderId[i];
      if (Number.isNaN(orderId)) {
        this.textOrderIds.push({ row: base + p, id: chunk.orderText.get(i)! });
      }
      this.orderId.push(orderId);
    }
    this.processedAt.append(chunk.at, n, order);
    this.gross.append(chunk.gross, n, order);
    this.net.append(chunk.net, n, order);
    this.flags.append(chunk.flags, n, order);
    this.chunkBase = base;
    this.chunkOrder = order;
  }

  /**
   * Positions (in this.chunk) of the orders that can open a customer's first purchase:
   * each customer's remaining (neither cancelled nor test) orders at the earliest
   * processedAt among them, ties all included (firstOrders picks one of them). Found here on
   * the rows just loaded, not by a GROUP BY and a join in SQL (which cost more than the
   * orders' own query on SQLite, and seconds when PostgreSQL planned it without statistics).
   */
  firstOrderCandidates(): number[] {
    const rows: number[] = [];
    const customer = this.customer.data;
    const at = this.processedAt.data;
    const flags = this.flags.data;
    const dropped = ORDER_CANCELLED | ORDER_TEST;
    const end = this.customer.length;
    const order = this.chunkOrder;
    let first = NaN;
    for (let r = this.chunkBase; r < end; r++) {
      const c = customer[r];
      if (c < 0) continue;
      if (r === this.chunkBase || customer[r - 1] !== c) first = NaN;
      if ((flags[r] & dropped) !== 0) continue;
      // Rows are by time within a customer: the first remaining row sets the earliest time.
      if (Number.isNaN(first)) first = at[r];
      if (at[r] === first)
        rows.push(order === null ? r - this.chunkBase : order[r - this.chunkBase]);
    }
    return rows;
  }

  /** First touches of rows of the chunk last added by addOrders. */
  addTouches(touches: TouchChunk): void {
    for (let k = 0; k < touches.rows.length; k++) {
      const text = touches.tuples[k];
      let code = this.tupleIndex.get(text);
      if (code === undefined) {
        code = this.tupleIndex.size;
        this.tupleIndex.set(text, code);
      }
      this.touchRow.push(this.tableRowOf[touches.rows[k]]);
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
    const journey = new Uint8Array(orderCount).fill(JOURNEY_UNKNOWN);
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

  /** The orders and customers: all a purchase history needs. */
  buildOrders(): ShopOrders {
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
    return {
      orders,
      customers: { count: this.ids.length, createdAt: this.createdAt.done() },
      customerIds: this.ids.done(),
    };
  }

  /** The whole load: `base` is buildOrders' result (made once, when the orders were in). */
  build(base: ShopOrders, lines: LineCollector): ShopData {
    const { lineItems, products, variants } = lines.finish(base.orders.length);
    const { columns, journey } = this.attribution(base.orders.length);
    return {
      ...base,
      acquisition: { attribution: columns, journey, lineItems, products, variants },
    };
  }
}

export interface LoadOptions {
  /** Customers per chunk (tests use small ones to cross chunk boundaries). */
  readonly chunkCustomers?: number;
  /**
   * Called once every order and customer is in, before the first touches' tables and the
   * line items are finished: the compute starts its CLV stage on them meanwhile
   * (docs/decisions/0079-clv-during-load.md). The tables are the load's own (the result's
   * `orders`, `customers` and `customerIds`): read them, do not change them.
   */
  readonly onOrders?: (orders: ShopOrders) => void;
}

/**
 * Lets the event loop turn. better-sqlite3 answers within the same tick, so without this the
 * whole SQLite load would be one slice of the loop, and a worker's lock renewals (a BullMQ
 * timer) would wait for all of it: between chunks, they wait one chunk at most
 * (docs/decisions/0067-compute-thread.md).
 */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Customers chunk by chunk, then guests, then orders in the customer ranges they define. */
async function readOrders(
  source: Source,
  options: LoadOptions,
  builder: ShopDataBuilder,
  acquisition: boolean,
): Promise<void> {
  const size = options.chunkCustomers ?? CHUNK_CUSTOMERS;
  const bounds: bigint[] = [];
  let after = INT64_MIN;
  for (;;) {
    const chunk = await source.customers(after, size);
    await turn();
    if (chunk.ids.length === 0) break;
    builder.addCustomers(chunk);
    after = BigInt(chunk.ids[chunk.ids.length - 1]);
    if (chunk.ids.length < size) break;
    bounds.push(after);
  }
  // Guests first, as the OrderTable contract asks; then (−∞, b1], (b1, b2], …, (bk, ∞).
  const ranges = [...bounds, INT64_MAX].map((hi, k) => ({
    lo: k === 0 ? INT64_MIN : bounds[k - 1],
    hi,
  }));
  await source.ahead?.({ orders: [null, ...ranges] });
  builder.chunk.reset();
  await source.orders(null, builder.chunk);
  builder.addOrders();
  await turn();
  for (const range of ranges) {
    builder.chunk.reset();
    await source.orders(range, builder.chunk);
    builder.addOrders();
    if (acquisition) {
      const candidates = builder.firstOrderCandidates();
      if (candidates.length > 0) {
        builder.addTouches(await source.touches(builder.chunk, candidates));
      }
    }
    await turn();
  }
}

/** The whole load: orders, first touches, then line items. */
export async function loadFrom(source: Source, options: LoadOptions): Promise<ShopData> {
  const builder = new ShopDataBuilder();
  await readOrders(source, options, builder, true);
  const orders = builder.buildOrders();
  options.onOrders?.(orders);
  // Line items by order-id ranges of about `size` × 4 of those orders each: an index range
  // scan of the line table, no join with the orders (the join cost more than the rows).
  const lines = builder.lineCollector();
  const size = options.chunkCustomers ?? CHUNK_CUSTOMERS;
  const ranges = lines.ranges(size * 4);
  await source.ahead?.({ lines: ranges });
  for (const range of ranges) {
    await source.lineItems(range, lines);
    await turn();
  }
  return builder.build(orders, lines);
}

/** Orders and customers alone: no first touches, no line items. */
export async function loadOrdersFrom(source: Source, options: LoadOptions): Promise<ShopOrders> {
  const builder = new ShopDataBuilder();
  await readOrders(source, options, builder, false);
  return builder.buildOrders();
}
