/** The PostgreSQL reader of the load (./load.server.ts). */
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { parseIntoClientConfig } from "pg-connection-string";
import { ORDER_CANCELLED, ORDER_SUBSCRIPTION, ORDER_TEST } from "../analytics/types";
import { ATTRIBUTION_TUPLE } from "./load-builder";
import {
  DISCOUNT_FLAGS,
  type Id,
  type LineCollector,
  type OrderChunk,
  type Source,
} from "./load-columns";

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
 * A reader of a binary COPY's rows in order, field by field: `row(fields)` starts the next
 * row (false after the last), then one call per field.
 */
function copyRows(buffer: Buffer) {
  let at = COPY_HEADER_BYTES + buffer.readInt32BE(15);
  return {
    row(fields: number): boolean {
      const count = buffer.readInt16BE(at);
      at += 2;
      if (count === -1) return false;
      if (count !== fields) throw new Error(`COPY row of ${count} fields`);
      return true;
    },
    int8(): Id | null {
      const length = buffer.readInt32BE(at);
      at += 4;
      if (length === -1) return null;
      const value = int8At(buffer, at);
      at += length;
      return value;
    },
    /** `what` names the column in the error a NULL or another type gives. */
    int4(what: string): number {
      if (buffer.readInt32BE(at) !== 4) throw new Error(`COPY: ${what} not an int4`);
      const value = buffer.readInt32BE(at + 4);
      at += 8;
      return value;
    },
  };
}

/**
 * Hands each line row of a binary COPY (order id, line id, product, variant: int8; quantity,
 * current quantity: int4; net: int8) straight to the collector, without column arrays.
 */
function collectLineCopy(buffer: Buffer, into: LineCollector): void {
  if (buffer.length < COPY_HEADER_BYTES) return;
  const copy = copyRows(buffer);
  while (copy.row(7)) {
    const orderId = copy.int8() as Id;
    const lineId = copy.int8() as Id;
    const product = copy.int8();
    const variant = copy.int8();
    const quantity = copy.int4("quantity");
    const current = copy.int4("current quantity");
    const net = copy.int8() as number;
    into.add(orderId, lineId, product, variant, quantity, current, net);
  }
}

/**
 * Hands each order row of a binary COPY (id, customer id: int8; processedAt: timestamp;
 * gross, net: int8; flags: int4) straight to the chunk's typed columns.
 */
function collectOrderCopy(buffer: Buffer, into: OrderChunk): void {
  if (buffer.length < COPY_HEADER_BYTES) return;
  const copy = copyRows(buffer);
  while (copy.row(6)) {
    const orderId = copy.int8() as Id;
    const customerId = copy.int8();
    // timestamp(3): microseconds since 2000-01-01, exact milliseconds.
    const time = Math.round((copy.int8() as number) / 1000) + PG_EPOCH_MS;
    // Money and flags are exact numbers below 2^53, as the engine takes them.
    const gross = copy.int8() as number;
    const net = copy.int8() as number;
    const flags = copy.int4("flags");
    into.add(orderId, customerId, time, gross, net, flags, NaN);
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

/** When the planner expects at least this many orders of the shop, a probe by primary key wins. */
const PLANNED_ORDERS = 1_000;

/**
 * Statistics older than the shop's rows — taken while the tables were nearly empty, or
 * before the shop came (autovacuum off or behind, a shop written without a backfill's
 * refresh) — make the planner expect a handful of the shop's orders, and the first touches'
 * probes tie: they then scanned the shop's orders by (shopId, processedAt), one scan per
 * probe (3k customers: 0.55 s for 2,000 probes instead of 8 ms, seconds per chunk in the test
 * run's shared database). When the shop has over ten times the orders the planner expects,
 * the tables are analyzed first; the count stops at that bound, so a shop in step pays an
 * EXPLAIN and at most a short index scan (docs/decisions/0072-stale-statistics.md).
 */
async function refreshStaleStatistics(client: pg.Client, shop: string): Promise<void> {
  const explained = await client.query<{ "QUERY PLAN": [{ Plan: { "Plan Rows": number } }] }>(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM "Order" WHERE "shopId" = ${shop}`,
  );
  const expected = explained.rows[0]?.["QUERY PLAN"][0].Plan["Plan Rows"] ?? 0;
  if (expected >= PLANNED_ORDERS) return;
  const bound = 10 * Math.ceil(expected) + 1_000;
  const counted = await client.query<{ n: number }>(
    `SELECT count(*)::int AS "n" FROM (SELECT 1 FROM "Order" WHERE "shopId" = ${shop}
       LIMIT ${literal(bound + 1)}) AS o`,
  );
  if ((counted.rows[0]?.n ?? 0) > bound) {
    await client.query(`ANALYZE "Order", "OrderLineItem", "Customer"`);
  }
}

export async function loadPostgres<T>(
  url: string,
  shopId: number,
  read: (source: Source) => Promise<T>,
): Promise<T> {
  const client = new pg.Client(parseIntoClientConfig(url));
  await client.connect();
  try {
    await refreshStaleStatistics(client, literal(shopId));
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
      async orders(range, into) {
        const sql = range
          ? `${orderRow} AND "customerId" > ${literal(range.lo)} AND "customerId" <= ${literal(range.hi)}
             ORDER BY "customerId", "processedAt", "id"`
          : `${orderRow} AND "customerId" IS NULL ORDER BY "processedAt", "id"`;
        collectOrderCopy(await copyOut(client, sql), into);
      },
      async touches(chunk, rows) {
        const tuple = ATTRIBUTION_TUPLE.map((c) => `o."${c}"`).join(", ");
        const ids = rows.map((r) => {
          const id = chunk.orderIdAt(r);
          return typeof id === "number" ? literal(id) : bigLiteral(id);
        });
        // One primary-key probe per id: a LATERAL subquery with LIMIT 1 is not flattened
        // into a join, which the planner made a hash join over the shop's whole order
        // table per chunk. The probes follow the array; each row carries its position in it.
        const sql = `SELECT j."k", o."t"
          FROM unnest('{${ids.join(",")}}'::int8[]) WITH ORDINALITY AS j("id", "k")
          CROSS JOIN LATERAL (SELECT json_build_array(o."journey", ${tuple})::text AS "t"
            FROM "Order" o WHERE o."shopId" = ${shop} AND o."id" = j."id" LIMIT 1) o`;
        const columns: (Id | null)[][] = [[], []];
        parseBinaryCopy(await copyOut(client, sql), ["int8", "text"], columns);
        // Ordinality counts from 1.
        return {
          rows: (columns[0] as number[]).map((k) => rows[k - 1]),
          tuples: columns[1] as string[],
        };
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
    const data = await read(source);
    await client.query("COMMIT");
    return data;
  } finally {
    await client.end();
  }
}
