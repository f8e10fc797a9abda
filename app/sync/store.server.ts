/**
 * The write path of orders and customers: one raw, batched upsert per provider, used by
 * backfill, reconciliation and webhooks alike. Prisma's createMany costs ~100 µs a row
 * in the Wasm query compiler (docs/decisions/0001-binary-free-prisma.md); these go
 * through the drivers: one prepared statement in one transaction on SQLite, an
 * `INSERT … SELECT unnest(…)` per batch on PostgreSQL.
 *
 * Every write is idempotent and order-independent: a row changes only when Shopify's
 * updatedAt is at least the stored one, and a tombstone (deleted) is never revived.
 */
import Database from "better-sqlite3";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { isPostgresUrl, sqliteFilePath } from "../../prisma/database-url.mjs";
import type { CustomerRow, OrderRow } from "./rows";

export interface RowStore {
  upsertOrders(shopId: number, rows: readonly OrderRow[]): Promise<void>;
  upsertCustomers(shopId: number, rows: readonly CustomerRow[]): Promise<void>;
  /** Sets the subscription flag of these orders (bulk files send line items apart). */
  markSubscriptionOrders(shopId: number, orderIds: readonly bigint[]): Promise<void>;
  /** orders/delete: the order stays as a tombstone so a late update cannot revive it. */
  deleteOrder(shopId: number, orderId: bigint): Promise<void>;
  deleteCustomer(shopId: number, customerId: bigint): Promise<void>;
  /** Tags Kizuna just wrote to Shopify (the webhook that follows confirms them). */
  setCustomerTags(shopId: number, rows: readonly { id: bigint; tags: string }[]): Promise<void>;
  close(): Promise<void>;
}

const ORDER_COLUMNS = [
  "shopId",
  "id",
  "customerId",
  "processedAt",
  "cancelledAt",
  "test",
  "grossMinor",
  "refundedMinor",
  "netMinor",
  "itemQuantity",
  "sourceName",
  "subscription",
  "shopifyUpdatedAt",
] as const;
const CUSTOMER_COLUMNS = ["shopId", "id", "createdAt", "shopifyUpdatedAt", "tags"] as const;

const quoted = (columns: readonly string[]) => columns.map((c) => `"${c}"`).join(", ");
/** `"x" = excluded."x"` for every column but the key. */
const updates = (columns: readonly string[]) =>
  columns
    .filter((c) => c !== "shopId" && c !== "id")
    .map((c) => `"${c}" = excluded."${c}"`)
    .join(", ");
const newerOnly = (table: string, falseValue: string) =>
  `WHERE "${table}"."deleted" = ${falseValue} AND excluded."shopifyUpdatedAt" >= "${table}"."shopifyUpdatedAt"`;

/** Keeps the newest version of each id: a batch may carry the same object twice. */
function newestById<T extends { id: bigint; shopifyUpdatedAt: Date }>(rows: readonly T[]): T[] {
  const byId = new Map<bigint, T>();
  for (const row of rows) {
    const seen = byId.get(row.id);
    if (!seen || row.shopifyUpdatedAt >= seen.shopifyUpdatedAt) byId.set(row.id, row);
  }
  return [...byId.values()];
}

// ---------------------------------------------------------------- SQLite

/** Prisma's SQLite adapter stores DateTime as ISO text with "+00:00"; so do we. */
const sqliteDate = (d: Date) => `${d.toISOString().slice(0, -1)}+00:00`;
const EPOCH = new Date(0);

function createSqliteStore(url: string): RowStore {
  const db = new Database(sqliteFilePath(url), { timeout: 10_000 });
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  // Backfill batches touch pages all over the customer index; keep them cached (64 MB).
  db.pragma("cache_size = -65536");

  const upsertOrder = db.prepare(
    `INSERT INTO "Order" (${quoted(ORDER_COLUMNS)}) VALUES (${ORDER_COLUMNS.map(() => "?").join(", ")})
     ON CONFLICT ("shopId", "id") DO UPDATE SET ${updates(ORDER_COLUMNS)} ${newerOnly("Order", "0")}`,
  );
  const upsertCustomer = db.prepare(
    `INSERT INTO "Customer" (${quoted(CUSTOMER_COLUMNS)}) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT ("shopId", "id") DO UPDATE SET ${updates(CUSTOMER_COLUMNS)} ${newerOnly("Customer", "0")}`,
  );
  const markSubscription = db.prepare(
    `UPDATE "Order" SET "subscription" = 1 WHERE "shopId" = ? AND "id" = ?`,
  );
  const orderTombstone = db.prepare(
    `INSERT INTO "Order" ("shopId", "id", "processedAt", "grossMinor", "netMinor", "shopifyUpdatedAt", "deleted")
     VALUES (?, ?, ?, 0, 0, ?, 1) ON CONFLICT ("shopId", "id") DO UPDATE SET "deleted" = 1`,
  );
  const customerTombstone = db.prepare(
    `INSERT INTO "Customer" ("shopId", "id", "createdAt", "shopifyUpdatedAt", "deleted")
     VALUES (?, ?, ?, ?, 1) ON CONFLICT ("shopId", "id") DO UPDATE SET "deleted" = 1`,
  );

  const writeOrders = db.transaction((shopId: number, rows: readonly OrderRow[]) => {
    for (const r of rows) {
      upsertOrder.run(
        shopId,
        r.id,
        r.customerId,
        sqliteDate(r.processedAt),
        r.cancelledAt ? sqliteDate(r.cancelledAt) : null,
        r.test ? 1 : 0,
        r.grossMinor,
        r.refundedMinor,
        r.netMinor,
        r.itemQuantity,
        r.sourceName,
        r.subscription ? 1 : 0,
        sqliteDate(r.shopifyUpdatedAt),
      );
    }
  });
  const writeCustomers = db.transaction((shopId: number, rows: readonly CustomerRow[]) => {
    for (const r of rows) {
      upsertCustomer.run(
        shopId,
        r.id,
        sqliteDate(r.createdAt),
        sqliteDate(r.shopifyUpdatedAt),
        r.tags,
      );
    }
  });
  const setTags = db.prepare(`UPDATE "Customer" SET "tags" = ? WHERE "shopId" = ? AND "id" = ?`);
  const writeTags = db.transaction(
    (shopId: number, rows: readonly { id: bigint; tags: string }[]) => {
      for (const r of rows) setTags.run(r.tags, shopId, r.id);
    },
  );
  const writeSubscriptions = db.transaction((shopId: number, ids: readonly bigint[]) => {
    for (const id of ids) markSubscription.run(shopId, id);
  });

  return {
    async upsertOrders(shopId, rows) {
      writeOrders(shopId, rows);
    },
    async upsertCustomers(shopId, rows) {
      writeCustomers(shopId, rows);
    },
    async markSubscriptionOrders(shopId, ids) {
      writeSubscriptions(shopId, ids);
    },
    async deleteOrder(shopId, id) {
      orderTombstone.run(shopId, id, sqliteDate(EPOCH), sqliteDate(EPOCH));
    },
    async deleteCustomer(shopId, id) {
      customerTombstone.run(shopId, id, sqliteDate(EPOCH), sqliteDate(EPOCH));
    },
    async setCustomerTags(shopId, rows) {
      writeTags(shopId, rows);
    },
    async close() {
      db.close();
    },
  };
}

// ---------------------------------------------------------------- PostgreSQL

/** Prisma maps DateTime to timestamp(3) without time zone, holding UTC. */
const pgDate = (d: Date) => d.toISOString().slice(0, 23).replace("T", " ");

function createPostgresStore(url: string): RowStore {
  const pool = new pg.Pool({ ...parseIntoClientConfig(url), max: 4 });
  pool.on("error", () => {}); // idle-client errors surface on the next query

  const orderTypes = [
    "int",
    "bigint",
    "bigint",
    "timestamp(3)",
    "timestamp(3)",
    "boolean",
    "bigint",
    "bigint",
    "bigint",
    "int",
    "text",
    "boolean",
    "timestamp(3)",
  ];
  const upsertOrdersSql = `INSERT INTO "Order" (${quoted(ORDER_COLUMNS)})
    SELECT * FROM unnest(${orderTypes.map((t, i) => `$${i + 1}::${t}[]`).join(", ")})
    ON CONFLICT ("shopId", "id") DO UPDATE SET ${updates(ORDER_COLUMNS).replaceAll("excluded.", "EXCLUDED.")}
    ${newerOnly("Order", "false").replace("excluded.", "EXCLUDED.")}`;
  const upsertCustomersSql = `INSERT INTO "Customer" (${quoted(CUSTOMER_COLUMNS)})
    SELECT * FROM unnest($1::int[], $2::bigint[], $3::timestamp(3)[], $4::timestamp(3)[], $5::text[])
    ON CONFLICT ("shopId", "id") DO UPDATE SET ${updates(CUSTOMER_COLUMNS).replaceAll("excluded.", "EXCLUDED.")}
    ${newerOnly("Customer", "false").replace("excluded.", "EXCLUDED.")}`;

  return {
    async upsertOrders(shopId, input) {
      const rows = newestById(input);
      if (rows.length === 0) return;
      await pool.query(upsertOrdersSql, [
        rows.map(() => shopId),
        rows.map((r) => r.id.toString()),
        rows.map((r) => r.customerId?.toString() ?? null),
        rows.map((r) => pgDate(r.processedAt)),
        rows.map((r) => (r.cancelledAt ? pgDate(r.cancelledAt) : null)),
        rows.map((r) => r.test),
        rows.map((r) => r.grossMinor.toString()),
        rows.map((r) => r.refundedMinor.toString()),
        rows.map((r) => r.netMinor.toString()),
        rows.map((r) => r.itemQuantity),
        rows.map((r) => r.sourceName),
        rows.map((r) => r.subscription),
        rows.map((r) => pgDate(r.shopifyUpdatedAt)),
      ]);
    },
    async upsertCustomers(shopId, input) {
      const rows = newestById(input);
      if (rows.length === 0) return;
      await pool.query(upsertCustomersSql, [
        rows.map(() => shopId),
        rows.map((r) => r.id.toString()),
        rows.map((r) => pgDate(r.createdAt)),
        rows.map((r) => pgDate(r.shopifyUpdatedAt)),
        rows.map((r) => r.tags),
      ]);
    },
    async markSubscriptionOrders(shopId, ids) {
      if (ids.length === 0) return;
      await pool.query(
        `UPDATE "Order" SET "subscription" = true WHERE "shopId" = $1 AND "id" = ANY($2::bigint[])`,
        [shopId, ids.map(String)],
      );
    },
    async deleteOrder(shopId, id) {
      await pool.query(
        `INSERT INTO "Order" ("shopId", "id", "processedAt", "grossMinor", "netMinor", "shopifyUpdatedAt", "deleted")
         VALUES ($1, $2, $3, 0, 0, $3, true) ON CONFLICT ("shopId", "id") DO UPDATE SET "deleted" = true`,
        [shopId, id.toString(), pgDate(EPOCH)],
      );
    },
    async deleteCustomer(shopId, id) {
      await pool.query(
        `INSERT INTO "Customer" ("shopId", "id", "createdAt", "shopifyUpdatedAt", "deleted")
         VALUES ($1, $2, $3, $3, true) ON CONFLICT ("shopId", "id") DO UPDATE SET "deleted" = true`,
        [shopId, id.toString(), pgDate(EPOCH)],
      );
    },
    async setCustomerTags(shopId, rows) {
      if (rows.length === 0) return;
      await pool.query(
        `UPDATE "Customer" AS c SET "tags" = u.tags
         FROM unnest($2::bigint[], $3::text[]) AS u(id, tags)
         WHERE c."shopId" = $1 AND c."id" = u.id`,
        [shopId, rows.map((r) => r.id.toString()), rows.map((r) => r.tags)],
      );
    },
    async close() {
      await pool.end();
    },
  };
}

export function createRowStore(url: string): RowStore {
  return isPostgresUrl(url) ? createPostgresStore(url) : createSqliteStore(url);
}
