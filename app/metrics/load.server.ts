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
 */
import Database from "better-sqlite3";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { parseIntoClientConfig } from "pg-connection-string";
import { isPostgresUrl, sqliteFilePath } from "../../prisma/database-url.mjs";
import {
  ORDER_CANCELLED,
  ORDER_SUBSCRIPTION,
  ORDER_TEST,
  type CustomerTable,
  type OrderTable,
} from "../analytics/types";

export interface ShopData {
  orders: OrderTable;
  customers: CustomerTable;
  /** Shopify id of each dense customer index. */
  customerIds: BigInt64Array;
}

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
  ids: (Id | null)[];
  at: number[];
  gross: number[];
  net: number[];
  flags: number[];
}

/** One provider's queries. Ranges are (lo, hi] of customer ids. */
interface Source {
  /** Up to `limit` customers with id > after, ascending. */
  customers(after: bigint, limit: number): Promise<CustomerChunk>;
  /** Orders of customers in (lo, hi], by customer then time; `null`: guest orders. */
  orders(range: { lo: bigint; hi: bigint } | null): Promise<OrderChunk>;
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
    for (let i = 0; i < chunk.ids.length; i++) {
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
    return {
      orders,
      customers: { count: this.ids.length, createdAt: this.createdAt.done() },
      customerIds: this.ids.done(),
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
    builder.addOrders(await source.orders({ lo, hi }));
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
  const customers = db
    .prepare(
      `SELECT json_group_array("cid"), json_group_array("ms") FROM (
         SELECT ${id('"id"')} AS "cid", ${ms('"createdAt"')} AS "ms" FROM "Customer"
         WHERE "shopId" = ? AND "deleted" = 0 AND "id" > ? ORDER BY "id" LIMIT ?)`,
    )
    .raw(true);
  const orderColumns = `json_group_array("cid"), json_group_array("ms"), json_group_array("g"),
    json_group_array("n"), json_group_array("f")`;
  const orderRow = `SELECT ${id('"customerId"')} AS "cid", ${ms('"processedAt"')} AS "ms",
      "grossMinor" AS "g", "netMinor" AS "n",
      ("cancelledAt" IS NOT NULL) * ${ORDER_CANCELLED} + "test" * ${ORDER_TEST}
        + "subscription" * ${ORDER_SUBSCRIPTION} AS "f"
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
  const orderChunk = (row: (string | null)[]): OrderChunk => ({
    ids: parseColumn(row[0]),
    at: parseColumn(row[1]),
    gross: parseColumn(row[2]),
    net: parseColumn(row[3]),
    flags: parseColumn(row[4]),
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
 * Reads the tuples of a binary COPY: every field is int8 or int4 (per `columns`) or NULL.
 * Hand-written: no package here parses the format, and it is ~7× cheaper for PostgreSQL to
 * send than the same rows as JSON (docs/decisions/0035-customer-result-set.md).
 */
function parseBinaryCopy(
  buffer: Buffer,
  columns: readonly ("int8" | "int4" | "timestamp")[],
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
    const orderRow = `SELECT "customerId", "processedAt", "grossMinor", "netMinor",
        ("cancelledAt" IS NOT NULL)::int * ${ORDER_CANCELLED} + "test"::int * ${ORDER_TEST}
          + "subscription"::int * ${ORDER_SUBSCRIPTION}
      FROM "Order" WHERE "shopId" = ${shop} AND "deleted" = false`;
    const orderColumns = ["int8", "timestamp", "int8", "int8", "int4"] as const;
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
        const columns: (Id | null)[][] = [[], [], [], [], []];
        parseBinaryCopy(await copyOut(client, sql), orderColumns, columns);
        // Money and flags are exact numbers below 2^53, as the engine takes them.
        return {
          ids: columns[0],
          at: columns[1] as number[],
          gross: columns[2] as number[],
          net: columns[3] as number[],
          flags: columns[4] as number[],
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
