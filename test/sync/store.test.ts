import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "../../app/db.server";
import type { CustomerRow, OrderRow } from "../../app/sync/rows";
import { createRowStore } from "../../app/sync/store.server";

const url = process.env.DATABASE_URL!;
const db = createDatabase(url);
const store = createRowStore(url);
let shopId = 0;

function order(id: bigint, updatedAt: string, overrides: Partial<OrderRow> = {}): OrderRow {
  return {
    id,
    customerId: 7n,
    processedAt: new Date("2026-03-01T10:00:00.123Z"),
    cancelledAt: null,
    test: false,
    grossMinor: 10_000n,
    refundedMinor: 0n,
    netMinor: 10_000n,
    itemQuantity: 2,
    sourceName: "web",
    subscription: false,
    shopifyUpdatedAt: new Date(updatedAt),
    ...overrides,
  };
}

beforeAll(async () => {
  const shop = await db.shop.create({
    data: { domain: `store-${process.pid}-${Date.now()}.myshopify.com`, currency: "JPY" },
  });
  shopId = shop.id;
});

afterAll(async () => {
  await db.shop.delete({ where: { id: shopId } });
  await store.close();
  await db.$disconnect();
});

describe("the order and customer store", () => {
  it("writes rows Prisma reads back exactly", async () => {
    await store.upsertOrders(shopId, [
      order(1n, "2026-03-01T10:00:00Z", { cancelledAt: new Date("2026-03-02T00:00:00Z") }),
      order(2n, "2026-03-01T10:00:00Z", { customerId: null, test: true, subscription: true }),
    ]);
    const rows = await db.order.findMany({ where: { shopId }, orderBy: { id: "asc" } });
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      id: 1n,
      customerId: 7n,
      grossMinor: 10_000n,
      netMinor: 10_000n,
      itemQuantity: 2,
      test: false,
      deleted: false,
    });
    expect(rows[0]!.processedAt.toISOString()).toBe("2026-03-01T10:00:00.123Z");
    expect(rows[0]!.cancelledAt?.toISOString()).toBe("2026-03-02T00:00:00.000Z");
    expect(rows[1]).toMatchObject({ id: 2n, customerId: null, test: true, subscription: true });
    // Prisma's own date filters work on what the raw path wrote.
    expect(
      await db.order.count({ where: { shopId, processedAt: { gte: new Date("2026-03-01") } } }),
    ).toBe(2);
  });

  it("applies a newer version and ignores an older one, in any order", async () => {
    await store.upsertOrders(shopId, [
      order(3n, "2026-04-01T00:00:00Z", { refundedMinor: 500n, netMinor: 9_500n }),
    ]);
    await store.upsertOrders(shopId, [order(3n, "2026-03-15T00:00:00Z")]);
    const row = await db.order.findUniqueOrThrow({ where: { shopId_id: { shopId, id: 3n } } });
    expect(row.netMinor).toBe(9_500n);
    await store.upsertOrders(shopId, [
      order(3n, "2026-05-01T00:00:00Z", { refundedMinor: 10_000n, netMinor: 0n }),
    ]);
    const newer = await db.order.findUniqueOrThrow({ where: { shopId_id: { shopId, id: 3n } } });
    expect(newer.netMinor).toBe(0n);
  });

  it("keeps the newest of duplicates inside one batch", async () => {
    await store.upsertOrders(shopId, [
      order(4n, "2026-06-02T00:00:00Z", { itemQuantity: 9 }),
      order(4n, "2026-06-01T00:00:00Z", { itemQuantity: 1 }),
    ]);
    const row = await db.order.findUniqueOrThrow({ where: { shopId_id: { shopId, id: 4n } } });
    expect(row.itemQuantity).toBe(9);
  });

  it("never revives a deleted order, even when the delete arrives first", async () => {
    await store.deleteOrder(shopId, 5n);
    await store.upsertOrders(shopId, [order(5n, "2027-01-01T00:00:00Z")]);
    await store.upsertOrders(shopId, [order(1n, "2027-01-01T00:00:00Z")]);
    await store.deleteOrder(shopId, 1n);
    await store.upsertOrders(shopId, [order(1n, "2028-01-01T00:00:00Z")]);
    const rows = await db.order.findMany({
      where: { shopId, id: { in: [1n, 5n] } },
      select: { id: true, deleted: true },
      orderBy: { id: "asc" },
    });
    expect(rows).toEqual([
      { id: 1n, deleted: true },
      { id: 5n, deleted: true },
    ]);
  });

  it("marks subscription orders after the fact", async () => {
    await store.markSubscriptionOrders(shopId, [3n, 4n]);
    const flagged = await db.order.findMany({
      where: { shopId, subscription: true },
      select: { id: true },
      orderBy: { id: "asc" },
    });
    expect(flagged.map((r) => r.id)).toEqual([2n, 3n, 4n]);
  });

  it("upserts customers with their tags and tombstones deleted ones", async () => {
    const customer = (id: bigint, updatedAt: string, tags: string): CustomerRow => ({
      id,
      createdAt: new Date("2025-01-01T00:00:00Z"),
      shopifyUpdatedAt: new Date(updatedAt),
      tags,
    });
    await store.upsertCustomers(shopId, [customer(7n, "2026-01-01T00:00:00Z", "vip, wholesale")]);
    await store.upsertCustomers(shopId, [customer(7n, "2025-12-01T00:00:00Z", "old")]);
    await store.upsertCustomers(shopId, [customer(8n, "2026-01-01T00:00:00Z", "")]);
    await store.deleteCustomer(shopId, 8n);
    const rows = await db.customer.findMany({ where: { shopId }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.id, r.tags, r.deleted])).toEqual([
      [7n, "vip, wholesale", false],
      [8n, "", true],
    ]);
  });
});
