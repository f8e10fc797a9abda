/** The SQLite reader of the load (./load.server.ts). */
import Database from "better-sqlite3";
import { sqliteFilePath } from "../../prisma/database-url.mjs";
import { ORDER_CANCELLED, ORDER_SUBSCRIPTION, ORDER_TEST } from "../analytics/types";
import { ATTRIBUTION_TUPLE } from "./load-builder";
import {
  DISCOUNT_FLAGS,
  type LineBlock,
  type LineCollector,
  MAX_EXACT,
  type Id,
  type OrderChunk,
  type Source,
} from "./load-columns";
import {
  sameSnapshot,
  startLineThread,
  type LineThread,
  type ThreadLines,
} from "./load-lines-thread.server";

/** A JSON array column, or [] for no rows. */
const parseColumn = <T>(json: string | null): T[] => (json ? (JSON.parse(json) as T[]) : []);

/**
 * `lines`: whether `read` asks for line items; they are then read by a second connection on
 * a worker thread, in the same snapshot, while this one reads the rest
 * (./load-lines-thread.server.ts). The thread always ends with the load.
 */
export async function loadSqlite<T>(
  url: string,
  shopId: number,
  read: (source: Source) => Promise<T>,
  lines = false,
): Promise<T> {
  const file = sqliteFilePath(url);
  // Started first: the thread opens its connection while this one prepares its statements.
  const starting = lines ? startLineThread(file, shopId) : null;
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, timeout: 10_000 });
    try {
      const thread = await starting;
      return await loadSqliteFrom(db, shopId, read, false, thread && { file, thread });
    } catch (error) {
      if (!(error instanceof WideIds)) throw error;
      // Ids above 2^53: the sequential read, lines included, with ids as text.
      await starting?.then((thread) => thread.close());
      return await loadSqliteFrom(db, shopId, read, true, null);
    }
  } finally {
    // Ended, whatever happened (a thread that failed to start has ended already).
    await starting?.then(
      (thread) => thread.close(),
      () => {},
    );
    db?.close();
  }
}

/**
 * Thrown when an id above 2^53 reached JavaScript as a number (so rounded): the load starts
 * again with the queries that send such ids as text. Shopify's ids are far below it; the
 * text form costs a CASE per id column and row (~0.9 s of the line items' read at a
 * 1M-customer shop), so it is paid only by a shop that needs it.
 */
class WideIds extends Error {}

const SAFE = Number.MAX_SAFE_INTEGER;

/**
 * `wide`: ids above 2^53 travel as text (else as numbers, checked on arrival). `lines`: the
 * thread that reads the line items (then `wide` is false), with the database's file.
 */
async function loadSqliteFrom<T>(
  db: Database.Database,
  shopId: number,
  read: (source: Source) => Promise<T>,
  wide: boolean,
  lines: { file: string; thread: LineThread } | null,
): Promise<T> {
  const ms = (col: string) => `CAST(unixepoch(${col}, 'subsec') * 1000 AS INTEGER)`;
  // Wide: customer ids a number cannot hold go as text (an index probe decides).
  const exact =
    !wide ||
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
    wide ? `CASE WHEN ${col} > ${MAX_EXACT} THEN CAST(${col} AS TEXT) ELSE ${col} END` : col;
  const customers = db
    .prepare(
      `SELECT json_group_array("cid"), json_group_array("ms") FROM (
         SELECT ${id('"id"')} AS "cid", ${ms('"createdAt"')} AS "ms" FROM "Customer"
         WHERE "shopId" = ? AND "deleted" = 0 AND "id" > ? ORDER BY "id" LIMIT ?)`,
    )
    .raw(true);
  // Order rows straight into the chunk's typed columns through a JavaScript aggregate (about
  // half the cost of building and parsing six JSON arrays). Named parameters: the function's
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
    rowid: number,
  ): number => {
    if (!wide && ((orderId as number) > SAFE || (customerId as number) > SAFE)) {
      throw new WideIds();
    }
    orderInto?.add(orderId, customerId, at, gross, net, flags, rowid);
    return count + 1;
  };
  db.aggregate("kizuna_collect_orders", {
    start: 0,
    step: collectOrder as unknown as () => number,
  });
  const orderColumns = `kizuna_collect_orders("oid", "cid", "ms", "g", "n", "f", "r")`;
  const orderRow = `SELECT ${bigId('"id"')} AS "oid", ${id('"customerId"')} AS "cid",
      ${ms('"processedAt"')} AS "ms", "grossMinor" AS "g", "netMinor" AS "n",
      ("cancelledAt" IS NOT NULL) * ${ORDER_CANCELLED} + "test" * ${ORDER_TEST}
        + "subscription" * ${ORDER_SUBSCRIPTION} + ${DISCOUNT_FLAGS} AS "f", "rowid" AS "r"
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
  // The touch tuples of the orders asked for (a JSON array of their rowids, read in the
  // same transaction as the orders: one probe of the table's B-tree each, a third cheaper
  // than the primary key's index and then the table; json_each drives the loop, so they
  // come in the array's order without a sort).
  const touches = db
    .prepare(
      `SELECT json_group_array("k"), json_group_array("t") FROM (
         SELECT j."key" AS "k",
           json_array(o."journey", ${ATTRIBUTION_TUPLE.map((c) => `o."${c}"`).join(", ")}) AS "t"
         FROM json_each(?) j CROSS JOIN "Order" o
           ON o."rowid" = j."value" AND o."shopId" = ?)`,
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
    const big = (lineId as number) > SAFE || (product as number) > SAFE;
    if (!wide && (big || (orderId as number) > SAFE || (variant as number) > SAFE)) {
      throw new WideIds();
    }
    collector?.add(orderId, lineId, product, variant, quantity, current, net);
    return count + 1;
  };
  // The driver's types know single-argument aggregates only.
  db.aggregate("kizuna_collect_lines", { start: 0, step: step as unknown as () => number });
  const lineRows = db
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
      const ids = parseColumn<Id>(row[0]);
      if (!wide && ids.some((id) => (id as number) > SAFE)) throw new WideIds();
      return { ids, createdAt: parseColumn(row[1]) };
    },
    async orders(range, into) {
      orderInto = into;
      try {
        if (range) ranged.get(shopId, range.lo, range.hi);
        else guests.get(shopId);
      } finally {
        orderInto = null;
      }
    },
    async touches(chunk, rows) {
      const keys = rows.map((r) => chunk.key[r]);
      const row = touches.get(JSON.stringify(keys), shopId) as (string | null)[];
      // Positions in the array asked for, back to the chunk's rows.
      const asked = parseColumn<number>(row[0]);
      return { rows: asked.map((k) => rows[k]), tuples: parseColumn(row[1]) };
    },
    async lineItems(range, into) {
      if (lines) return feed(await lines.thread.lines(), range.hi, into);
      collector = into;
      try {
        lineRows.get(shopId, range.lo, range.hi);
      } finally {
        collector = null;
      }
    },
  };
  // One read transaction: every chunk sees the same snapshot of the database, and so do the
  // thread's lines; if something committed between the two snapshots, the thread ends and
  // the lines are read here, in this snapshot.
  if (lines) {
    const probe = db.prepare(`SELECT 1 FROM "Order" WHERE "shopId" = ? LIMIT 1`);
    if (!(await sameSnapshot(lines.file, db, () => probe.get(shopId), lines.thread))) {
      await lines.thread.close();
      lines = null;
    }
  } else db.exec("BEGIN");
  try {
    return await read(source);
  } finally {
    db.exec("COMMIT");
  }
}

/** Where the walk over the thread's blocks stands: the next block and row to hand over. */
const fed = new WeakMap<ThreadLines, { block: number; row: number }>();

/**
 * Hands the thread's lines with order id ≤ hi (the ranges come in ascending order) to the
 * collector, freeing each block once walked (its columns share one buffer). Lines that did not come in order-id order all
 * go at the first range (the collector matches them in any order).
 */
function feed(lines: ThreadLines, hi: bigint, into: LineCollector): void {
  if (lines.wide) throw new WideIds();
  const { blocks, products, variants } = lines;
  let at = fed.get(lines);
  if (!at) {
    fed.set(lines, (at = { block: 0, row: 0 }));
    // Room for every line read (kept ones are most): one allocation, not a doubling walk.
    into.reserve(blocks.reduce((sum, block) => sum + block!.length, 0));
  }
  const limit = lines.sorted ? Number(hi) : Infinity;
  for (; at.block < blocks.length; at.block++, at.row = 0) {
    const block = blocks[at.block] as LineBlock;
    let end = at.row;
    while (end < block.length && block.orderId[end] <= limit) end++;
    into.addLines(block, at.row, end, products, variants);
    at.row = end;
    if (end < block.length) return;
    // Freed now, not at the next collection: detaching the block's one buffer releases it.
    blocks[at.block] = null;
    (block.orderId.buffer as ArrayBuffer).transfer(0);
  }
}
