/**
 * The PostgreSQL load reads with plans that assume the planner knows the shop's size
 * (app/metrics/load-postgres.server.ts, refreshStaleStatistics). Statistics taken before a
 * shop's rows were written (here: with another shop's rows only) are refreshed by the shop's
 * next load, once. On SQLite (no statistics to refresh) the same shops load the same rows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPostgresUrl } from "../../prisma/database-url.mjs";
import { isolatedFile } from "../helpers/isolated-file";

// A database of the file's own: what the planner expects depends on every row in it.
const { database } = await isolatedFile("load_statistics");
const { createDatabase } = await import("../../app/db.server");
const { loadShopData } = await import("../../app/metrics/load.server");
const { createRowStore } = await import("../../app/sync/store.server");

const url = process.env.DATABASE_URL!;
const postgres = isPostgresUrl(url);
const db = createDatabase(url);
const store = createRowStore(url);
const ORDERS = 1_500;
let shopId = 0;
let earlierShopId = 0;

/** When each table the load reads was last analyzed (PostgreSQL). */
async function lastAnalyzed(): Promise<Record<string, number>> {
  const rows = await db.$queryRaw<{ relname: string; at: Date | null }[]>`
    SELECT relname::text AS relname, last_analyze AS at FROM pg_stat_user_tables
    WHERE relname IN ('Customer', 'Order', 'OrderLineItem')`;
  return Object.fromEntries(rows.map((r) => [r.relname, r.at?.getTime() ?? 0]));
}

/** How many of the shop's orders the planner expects (PostgreSQL). */
async function expectedOrders(shop: number): Promise<number> {
  const [row] = await db.$queryRawUnsafe<{ "QUERY PLAN": [{ Plan: { "Plan Rows": number } }] }[]>(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM "Order" WHERE "shopId" = ${shop}`,
  );
  return row!["QUERY PLAN"][0].Plan["Plan Rows"];
}

/** A shop of one customer with `count` hourly orders. */
async function writeShop(domain: string, count: number): Promise<number> {
  const id = (await db.shop.create({ data: { domain } })).id;
  const created = new Date("2025-01-01T00:00:00Z");
  await store.upsertCustomers(id, [
    { id: 1n, createdAt: created, shopifyUpdatedAt: created, tags: "" },
  ]);
  await store.upsertOrders(
    id,
    Array.from({ length: count }, (_, i) => {
      const at = new Date(Date.UTC(2025, 0, 2) + i * 3_600_000);
      return {
        id: BigInt(1_000 + i),
        customerId: 1n,
        processedAt: at,
        cancelledAt: null,
        test: false,
        grossMinor: 1_000n,
        refundedMinor: 0n,
        netMinor: 1_000n,
        itemQuantity: 1,
        sourceName: "web",
        subscription: false,
        shopifyUpdatedAt: at,
      };
    }),
  );
  return id;
}

beforeAll(async () => {
  // Statistics taken while another shop's orders were the only ones; then a new shop.
  earlierShopId = await writeShop("load-statistics-earlier.myshopify.com", 2 * ORDERS);
  if (postgres) await db.$executeRawUnsafe(`ANALYZE "Order", "OrderLineItem", "Customer"`);
  shopId = await writeShop("load-statistics.myshopify.com", ORDERS);
});

afterAll(async () => {
  await store.close();
  await db.$disconnect();
  await database.drop();
});

describe("the load's statistics", () => {
  it("analyzes tables whose statistics predate the shop's rows, once", async () => {
    const before = postgres ? await lastAnalyzed() : {};
    if (postgres) expect(await expectedOrders(shopId)).toBeLessThan(ORDERS / 10);

    const first = await loadShopData(url, shopId);
    expect(first.orders.length).toBe(ORDERS);
    if (postgres) {
      const after = await lastAnalyzed();
      for (const table of ["Customer", "Order", "OrderLineItem"]) {
        expect(after[table]).toBeGreaterThan(before[table] ?? 0);
      }
      expect(await expectedOrders(shopId)).toBeGreaterThan(ORDERS / 2);
    }

    // In step now: the next load reads without analyzing again, and so does the shop the
    // statistics already knew.
    const analyzed = postgres ? await lastAnalyzed() : {};
    expect(await loadShopData(url, shopId)).toEqual(first);
    expect((await loadShopData(url, earlierShopId)).orders.length).toBe(2 * ORDERS);
    if (postgres) expect(await lastAnalyzed()).toEqual(analyzed);
  });
});
