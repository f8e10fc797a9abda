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

  it("stores a batch in any id order; of two equal versions the later one wins", async () => {
    // The SQLite writer runs a batch's rows in key order: that must not change the outcome.
    const at = "2026-06-03T00:00:00Z";
    await store.upsertOrders(shopId, [
      order(73n, at, { itemQuantity: 3 }),
      order(71n, at, { itemQuantity: 1 }),
      order(72n, at, { itemQuantity: 2 }),
      order(71n, at, { itemQuantity: 5 }),
    ]);
    const rows = await db.order.findMany({
      where: { shopId, id: { in: [71n, 72n, 73n] } },
      select: { id: true, itemQuantity: true },
      orderBy: { id: "asc" },
    });
    expect(rows).toEqual([
      { id: 71n, itemQuantity: 5 },
      { id: 72n, itemQuantity: 2 },
      { id: 73n, itemQuantity: 3 },
    ]);
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

  it("keeps what a row does not carry, versions tags apart, blanks tombstones and links no order to one", async () => {
    const at = (iso: string) => new Date(iso);
    const customer = (id: bigint, updatedAt: string, tags: string, tagsAt?: string | null) => ({
      id,
      createdAt: at("2025-01-01T00:00:00Z"),
      shopifyUpdatedAt: at(updatedAt),
      tags,
      ...(tagsAt === undefined ? {} : { tagsUpdatedAt: tagsAt === null ? null : at(tagsAt) }),
    });
    const read = async (id: bigint) => {
      const row = await db.customer.findUniqueOrThrow({ where: { shopId_id: { shopId, id } } });
      return {
        tags: row.tags,
        tagsUpdatedAt: row.tagsUpdatedAt?.toISOString() ?? null,
        shopifyUpdatedAt: row.shopifyUpdatedAt.toISOString(),
        createdAt: row.createdAt.toISOString(),
        deleted: row.deleted,
      };
    };
    await store.upsertCustomers(shopId, [customer(20n, "2026-01-01T00:00:00Z", "vip")]);
    // Newer dates without tags (a customers/update since API 2025-01): the tags stay.
    await store.upsertCustomers(shopId, [customer(20n, "2026-02-01T00:00:00Z", "", null)]);
    expect(await read(20n)).toMatchObject({
      tags: "vip",
      tagsUpdatedAt: "2026-01-01T00:00:00.000Z",
      shopifyUpdatedAt: "2026-02-01T00:00:00.000Z",
    });
    // Older dates with newer tags: the tags only; an older full row: nothing.
    await store.upsertCustomers(shopId, [
      customer(20n, "2026-01-15T00:00:00Z", "vip, gift", "2026-03-01T00:00:00Z"),
    ]);
    await store.upsertCustomers(shopId, [customer(20n, "2025-12-01T00:00:00Z", "old")]);
    expect(await read(20n)).toMatchObject({
      tags: "vip, gift",
      tagsUpdatedAt: "2026-03-01T00:00:00.000Z",
      shopifyUpdatedAt: "2026-02-01T00:00:00.000Z",
    });
    // A customer first seen without tags: not known yet. One batch naming a customer twice:
    // the newest dates and, apart, the newest tags.
    await store.upsertCustomers(shopId, [customer(21n, "2026-01-01T00:00:00Z", "x", null)]);
    await store.upsertCustomers(shopId, [
      customer(22n, "2026-02-01T00:00:00Z", "", null),
      customer(22n, "2026-01-01T00:00:00Z", "a, b", "2026-01-01T00:00:00Z"),
    ]);
    expect(await read(21n)).toMatchObject({ tags: "", tagsUpdatedAt: null });
    expect(await read(22n)).toMatchObject({
      tags: "a, b",
      shopifyUpdatedAt: "2026-02-01T00:00:00.000Z",
    });
    // Tags Kizuna wrote are stored only where the stored tags are still those it read.
    await store.setCustomerTags(shopId, [
      { id: 20n, before: "vip, gift", tags: "vip, gift, rfm:new" },
      { id: 22n, before: "a", tags: "a, rfm:new" },
    ]);
    expect((await read(20n)).tags).toBe("vip, gift, rfm:new");
    expect((await read(22n)).tags).toBe("a, b");

    // A tombstone holds the id and nothing else, and nothing revives it.
    await store.deleteCustomer(shopId, 20n);
    await store.upsertCustomers(shopId, [customer(20n, "2027-01-01T00:00:00Z", "vip")]);
    await store.upsertCustomers(shopId, [customer(20n, "2027-01-01T00:00:00Z", "", null)]);
    const epoch = new Date(0).toISOString();
    expect(await read(20n)).toEqual({
      tags: "",
      tagsUpdatedAt: null,
      shopifyUpdatedAt: epoch,
      createdAt: epoch,
      deleted: true,
    });
    // No order is linked to it: not on insert, not on a newer update.
    await store.upsertOrders(shopId, [
      order(30n, "2026-05-01T00:00:00Z", { customerId: 20n }),
      order(31n, "2026-05-01T00:00:00Z", { customerId: 21n }),
    ]);
    await store.upsertOrders(shopId, [order(31n, "2026-06-01T00:00:00Z", { customerId: 20n })]);
    const linked = await db.order.findMany({
      where: { shopId, id: { in: [30n, 31n] } },
      orderBy: { id: "asc" },
      select: { id: true, customerId: true, shopifyUpdatedAt: true },
    });
    expect(linked.map((o) => [o.id, o.customerId, o.shopifyUpdatedAt.toISOString()])).toEqual([
      [30n, null, "2026-05-01T00:00:00.000Z"],
      [31n, null, "2026-06-01T00:00:00.000Z"],
    ]);
  });

  it("writes without blocking the event loop, and reports a refused batch", async () => {
    // A 50,000-row batch (a backfill's) must leave the event loop free: lock renewals
    // and webhooks run meanwhile. A synchronous write would let no timer fire.
    const rows = Array.from({ length: 50_000 }, (_, i) =>
      order(1_000_000n + BigInt(i), "2026-01-01T00:00:00Z", { customerId: BigInt(i % 997) }),
    );
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    await store.upsertOrders(shopId, rows);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    expect(await db.order.count({ where: { shopId, id: { gte: 1_000_000n } } })).toBe(50_000);

    // A shop that does not exist: the database refuses the whole batch, with its reason.
    await expect(
      store.upsertOrders(2_000_000_000, [
        order(1n, "2026-01-01T00:00:00Z"),
        order(2n, "2026-01-01T00:00:00Z"),
      ]),
    ).rejects.toThrow(/foreign key/i);
    expect(await db.order.count({ where: { shopId: 2_000_000_000 } })).toBe(0);
    // The store keeps working after the refusal, and a refused write made together with
    // others (they may share a commit) takes only itself out.
    const together = await Promise.allSettled([
      store.upsertOrders(shopId, [order(6n, "2026-01-01T00:00:00Z")]),
      store.upsertOrders(2_000_000_000, [order(7n, "2026-01-01T00:00:00Z")]),
      store.upsertOrders(shopId, [order(8n, "2026-01-01T00:00:00Z")]),
    ]);
    expect(together.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(await db.order.count({ where: { shopId, id: { in: [6n, 8n] } } })).toBe(2);
  });

  it("writes a bulk file's progress with its rows, in order, all or nothing", async () => {
    const operationId = `gid://shopify/BulkOperation/${process.pid}${Date.now()}`;
    await db.bulkOperation.create({
      data: { id: operationId, shopId, kind: "orders", status: "COMPLETED" },
    });
    const before = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    const batch = (first: number, fromLine: number, toLine: number) =>
      store.upsertOrders(
        shopId,
        [0, 1].map((i) => order(2_000_000n + BigInt(first + i), "2026-01-01T00:00:00Z")),
        { operationId, fromLine, toLine },
      );
    // Made without waiting, as a backfill does: they apply in the order they were made.
    await Promise.all([batch(0, 0, 4), batch(2, 4, 9), batch(4, 9, 12)]);
    const progress = async () => ({
      lines: (await db.bulkOperation.findUniqueOrThrow({ where: { id: operationId } }))
        .linesProcessed,
      syncDone: (await db.shop.findUniqueOrThrow({ where: { id: shopId } })).syncDone,
      rows: await db.order.count({ where: { shopId, id: { gte: 2_000_000n, lt: 3_000_000n } } }),
    });
    expect(await progress()).toEqual({ lines: 12, syncDone: before.syncDone + 12, rows: 6 });

    // A batch that expects other progress (a second run, or a gap) writes nothing, and
    // the batch made after it fails in turn instead of skipping the gap.
    const results = await Promise.allSettled([batch(10, 15, 20), batch(12, 20, 25)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/no longer at line 15/);
    expect(await progress()).toEqual({ lines: 12, syncDone: before.syncDone + 12, rows: 6 });

    // A last batch with no rows still records the end of the file.
    await store.upsertOrders(shopId, [], { operationId, fromLine: 12, toLine: 14 });
    expect((await progress()).lines).toBe(14);
  });
});
