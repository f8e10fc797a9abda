/**
 * Loads one shop's orders and customers into the analytics engine's columnar tables,
 * straight from the driver (a Prisma row costs more than the whole computation). Every
 * query is scoped to the shop; deleted (tombstoned) rows are left out.
 *
 * Rows travel in chunks, not one by one: on SQLite each query aggregates a range of customers
 * into a few JSON arrays (one per column) that JSON.parse turns into numbers in native code
 * (per-row driver calls cost ~1.5 µs a row, more than the engine spends per order); on
 * PostgreSQL each chunk is one binary COPY of plain rows (building JSON there cost ~7× more).
 * A million customers' 4M orders come back in ~20 queries. Memory stays bounded by the chunk.
 *
 * Acquisition inputs (docs/decisions/0054-acquisition-compute.md) come per chunk too: the
 * first touch only of the orders that can open a customer's first purchase (their earliest
 * order that is neither cancelled nor test; ties all come), as one JSON tuple per order that
 * is dictionary-coded once per distinct tuple; line items only of the customers' remaining
 * orders, gift cards left out. Touches and lines are matched to their order by id within the
 * chunk: they come in the chunk's order (customer, time), so a walk alongside the chunk
 * finds them; a map of the chunk's ids is built only if they ever do not.
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

/** First touches of a range's candidate first orders: order id and its tuple (JSON text). */
interface TouchChunk {
  readonly orderIds: Id[];
  readonly tuples: string[];
}

/** Line items of a range's remaining orders. */
interface LineChunk {
  readonly orderIds: Id[];
  readonly products: (Id | null)[];
  readonly variants: (Id | null)[];
  readonly quantity: number[];
  readonly currentQuantity: number[];
  readonly net: number[];
}

/** One provider's queries. Ranges are (lo, hi] of customer ids. */
interface Source {
  /** Up to `limit` customers with id > after, ascending. */
  customers(after: bigint, limit: number): Promise<CustomerChunk>;
  /** Orders of customers in (lo, hi], by customer then time; `null`: guest orders. */
  orders(range: { lo: bigint; hi: bigint } | null): Promise<OrderChunk>;
  touches(range: { lo: bigint; hi: bigint }): Promise<TouchChunk>;
  lineItems(range: { lo: bigint; hi: bigint }): Promise<LineChunk>;
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
  private readonly lineOrder = i32();
  private readonly lineProduct = i32();
  private readonly lineVariant = i32();
  private readonly lineQuantity = i32();
  private readonly lineCurrent = i32();
  private readonly lineNet = f64();
  private readonly productIndex = new Map<Id, number>();
  private readonly variantIndex = new Map<Id, number>();

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

  /** Line items of the chunk last added by addOrders (of its orders only). */
  addLineItems(chunk: LineChunk): void {
    const code = (index: Map<Id, number>, id: Id | null): number => {
      if (id === null) return -1;
      let k = index.get(id);
      if (k === undefined) index.set(id, (k = index.size));
      return k;
    };
    this.rewind();
    for (let k = 0; k < chunk.orderIds.length; k++) {
      const row = this.rowOfOrder(chunk.orderIds[k]);
      if (row === undefined) continue;
      this.lineOrder.push(row);
      this.lineProduct.push(code(this.productIndex, chunk.products[k]));
      this.lineVariant.push(code(this.variantIndex, chunk.variants[k]));
      this.lineQuantity.push(chunk.quantity[k]);
      this.lineCurrent.push(chunk.currentQuantity[k]);
      this.lineNet.push(chunk.net[k]);
    }
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

  build(): ShopData {
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
    const lineItems: OrderLineItems = {
      length: this.lineOrder.length,
      order: this.lineOrder.done(),
      product: this.lineProduct.done(),
      variant: this.lineVariant.done(),
      quantity: this.lineQuantity.done(),
      currentQuantity: this.lineCurrent.done(),
      netMinor: this.lineNet.done(),
    };
    const { columns, journey } = this.attribution(orders.length);
    return {
      orders,
      customers: { count: this.ids.length, createdAt: this.createdAt.done() },
      customerIds: this.ids.done(),
      acquisition: {
        attribution: columns,
        journey,
        lineItems,
        products: [...this.productIndex.keys()].map(String),
        variants: [...this.variantIndex.keys()].map(String),
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
    builder.addTouches(await source.touches(range));
    builder.addLineItems(await source.lineItems(range));
    lo = hi;
  }
  return builder.build();
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
  const orderColumns = `json_group_array("oid"), json_group_array("cid"), json_group_array("ms"),
    json_group_array("g"), json_group_array("n"), json_group_array("f")`;
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
  const remaining = (o: string) =>
    `${o}."shopId" = ? AND ${o}."deleted" = 0 AND ${o}."cancelledAt" IS NULL AND ${o}."test" = 0
     AND ${o}."customerId" > ? AND ${o}."customerId" <= ?`;
  // The candidates for each customer's first order: their remaining orders at the earliest
  // processedAt, one index probe per customer (CROSS JOIN keeps that loop order: the
  // planner otherwise scanned the shop's orders by time, 30× slower).
  const touches = db
    .prepare(
      `SELECT json_group_array("oid"), json_group_array("t") FROM (
         SELECT ${bigId('o."id"')} AS "oid",
           json_array(o."journey", ${ATTRIBUTION_TUPLE.map((c) => `o."${c}"`).join(", ")}) AS "t"
         FROM (SELECT "customerId" AS "cid", MIN("processedAt") AS "first" FROM "Order" p
               WHERE ${remaining("p")} GROUP BY "customerId") f
         CROSS JOIN "Order" o ON o."shopId" = ? AND o."customerId" = f."cid"
           AND o."processedAt" = f."first"
         WHERE o."deleted" = 0 AND o."cancelledAt" IS NULL AND o."test" = 0)`,
    )
    .raw(true);
  const lines = db
    .prepare(
      `SELECT json_group_array("oid"), json_group_array("p"), json_group_array("v"),
         json_group_array("q"), json_group_array("cq"), json_group_array("n") FROM (
         SELECT ${bigId('li."orderId"')} AS "oid", ${bigId('li."productId"')} AS "p",
           ${bigId('li."variantId"')} AS "v", li."quantity" AS "q", li."currentQuantity" AS "cq",
           li."netMinor" AS "n"
         FROM "Order" o CROSS JOIN "OrderLineItem" li
           ON li."shopId" = o."shopId" AND li."orderId" = o."id"
         WHERE ${remaining("o")} AND li."giftCard" = 0)`,
    )
    .raw(true);
  const orderChunk = (row: (string | null)[]): OrderChunk => ({
    orderIds: parseColumn(row[0]),
    ids: parseColumn(row[1]),
    at: parseColumn(row[2]),
    gross: parseColumn(row[3]),
    net: parseColumn(row[4]),
    flags: parseColumn(row[5]),
  });
  const source: Source = {
    async customers(after, limit) {
      const row = customers.get(shopId, after, limit) as (string | null)[];
      return { ids: parseColumn(row[0]), createdAt: parseColumn(row[1]) };
    },
    async orders(range) {
      const row = range
        ? ranged.get(shopId, range.lo, range.hi)
        : (guests.get(shopId) as (string | null)[]);
      return orderChunk(row as (string | null)[]);
    },
    async touches(range) {
      const row = touches.get(shopId, range.lo, range.hi, shopId) as (string | null)[];
      return { orderIds: parseColumn(row[0]), tuples: parseColumn(row[1]) };
    },
    async lineItems(range) {
      const row = lines.get(shopId, range.lo, range.hi) as (string | null)[];
      return {
        orderIds: parseColumn(row[0]),
        products: parseColumn(row[1]),
        variants: parseColumn(row[2]),
        quantity: parseColumn(row[3]),
        currentQuantity: parseColumn(row[4]),
        net: parseColumn(row[5]),
      };
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

async function loadPostgres(url: string, shopId: number, options: LoadOptions): Promise<ShopData> {
  const client = new pg.Client(parseIntoClientConfig(url));
  await client.connect();
  try {
    // One snapshot for all chunks.
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
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
    const remaining = (o: string, range: { lo: bigint; hi: bigint }) =>
      `${o}."shopId" = ${shop} AND ${o}."deleted" = false AND ${o}."cancelledAt" IS NULL
       AND ${o}."test" = false AND ${o}."customerId" > ${literal(range.lo)}
       AND ${o}."customerId" <= ${literal(range.hi)}`;
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
      async touches(range) {
        const tuple = ATTRIBUTION_TUPLE.map((c) => `o."${c}"`).join(", ");
        const sql = `SELECT o."id", json_build_array(o."journey", ${tuple})::text
          FROM (SELECT "customerId" AS "cid", MIN("processedAt") AS "first" FROM "Order" p
                WHERE ${remaining("p", range)} GROUP BY "customerId") f
          JOIN "Order" o ON o."shopId" = ${shop} AND o."customerId" = f."cid"
            AND o."processedAt" = f."first"
          WHERE o."deleted" = false AND o."cancelledAt" IS NULL AND o."test" = false
          ORDER BY o."customerId", o."processedAt", o."id"`;
        const columns: (Id | null)[][] = [[], []];
        parseBinaryCopy(await copyOut(client, sql), ["int8", "text"], columns);
        return { orderIds: columns[0] as Id[], tuples: columns[1] as string[] };
      },
      async lineItems(range) {
        // In the orders' order, so the builder's walk matches them without a map.
        const sql = `SELECT li."orderId", li."productId", li."variantId", li."quantity",
            li."currentQuantity", li."netMinor"
          FROM "Order" o JOIN "OrderLineItem" li
            ON li."shopId" = o."shopId" AND li."orderId" = o."id"
          WHERE ${remaining("o", range)} AND li."giftCard" = false
          ORDER BY o."customerId", o."processedAt", o."id"`;
        const columns: (Id | null)[][] = [[], [], [], [], [], []];
        parseBinaryCopy(
          await copyOut(client, sql),
          ["int8", "int8", "int8", "int4", "int4", "int8"],
          columns,
        );
        return {
          orderIds: columns[0] as Id[],
          products: columns[1],
          variants: columns[2],
          quantity: columns[3] as number[],
          currentQuantity: columns[4] as number[],
          net: columns[5] as number[],
        };
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
