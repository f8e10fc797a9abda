/** The SQLite reader of the load (./load.server.ts). */
import Database from "better-sqlite3";
import { sqliteFilePath } from "../../prisma/database-url.mjs";
import { ORDER_CANCELLED, ORDER_SUBSCRIPTION, ORDER_TEST } from "../analytics/types";
import { ATTRIBUTION_TUPLE } from "./load-builder";
import {
  DISCOUNT_FLAGS,
  type LineCollector,
  MAX_EXACT,
  type Id,
  type OrderChunk,
  type Source,
} from "./load-columns";

/** A JSON array column, or [] for no rows. */
const parseColumn = <T>(json: string | null): T[] => (json ? (JSON.parse(json) as T[]) : []);

export async function loadSqlite<T>(
  url: string,
  shopId: number,
  read: (source: Source) => Promise<T>,
): Promise<T> {
  const db = new Database(sqliteFilePath(url), { readonly: true, timeout: 10_000 });
  try {
    return await loadSqliteFrom(db, shopId, read);
  } finally {
    db.close();
  }
}

async function loadSqliteFrom<T>(
  db: Database.Database,
  shopId: number,
  read: (source: Source) => Promise<T>,
): Promise<T> {
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
    return await read(source);
  } finally {
    db.exec("COMMIT");
  }
}
