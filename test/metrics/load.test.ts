import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ORDER_CANCELLED,
  ORDER_DISCOUNT,
  ORDER_DISCOUNT_UNKNOWN as UNKNOWN,
  ORDER_SUBSCRIPTION,
  ORDER_TEST,
} from "../../app/analytics/types";
import { createDatabase } from "../../app/db.server";
import { loadShopData } from "../../app/metrics/load.server";
import type { OrderRow } from "../../app/sync/rows";
import { createRowStore } from "../../app/sync/store.server";

const url = process.env.DATABASE_URL!;
const db = createDatabase(url);
const store = createRowStore(url);
let shopId = 0;
let otherShopId = 0;

const order = (
  id: bigint,
  customerId: bigint | null,
  at: string,
  extra: Partial<OrderRow> = {},
): OrderRow => ({
  id,
  customerId,
  processedAt: new Date(at),
  cancelledAt: null,
  test: false,
  grossMinor: 1_000n,
  refundedMinor: 0n,
  netMinor: 1_000n,
  itemQuantity: 1,
  sourceName: "web",
  subscription: false,
  shopifyUpdatedAt: new Date(at),
  ...extra,
});

beforeAll(async () => {
  const stamp = `${process.pid}-${Date.now()}`;
  shopId = (await db.shop.create({ data: { domain: `load-${stamp}.myshopify.com` } })).id;
  otherShopId = (await db.shop.create({ data: { domain: `load-other-${stamp}.myshopify.com` } }))
    .id;
  const customer = (id: bigint, createdAt: string) => ({
    id,
    createdAt: new Date(createdAt),
    shopifyUpdatedAt: new Date(createdAt),
    tags: "",
  });
  await store.upsertCustomers(shopId, [
    customer(30n, "2025-01-01T00:00:00Z"),
    customer(10n, "2025-02-01T00:00:00Z"),
    customer(99n, "2025-03-01T00:00:00Z"), // never ordered
    customer(50n, "2025-03-01T00:00:00Z"),
  ]);
  await store.deleteCustomer(shopId, 50n);
  await store.upsertOrders(shopId, [
    order(1n, 30n, "2026-01-05T00:00:00Z", { discountCodeList: ["WELCOME"] }),
    order(2n, 10n, "2026-01-03T00:00:00Z", { subscription: true, netMinor: 800n }),
    order(3n, null, "2026-01-01T00:00:00Z"),
    order(4n, 30n, "2026-01-02T00:00:00Z", { cancelledAt: new Date("2026-01-03T00:00:00Z") }),
    order(5n, 20n, "2026-01-04T00:00:00Z", { test: true }), // customer row not synced yet
    order(6n, 10n, "2026-01-01T12:34:56.789Z", { discountCodeList: [] }),
    order(7n, 10n, "2026-01-09T00:00:00Z"),
  ]);
  await store.deleteOrder(shopId, 7n);
  await store.upsertOrders(otherShopId, [order(1n, 30n, "2026-01-01T00:00:00Z")]);
});

afterAll(async () => {
  await db.shop.deleteMany({ where: { id: { in: [shopId, otherShopId] } } });
  await store.close();
  await db.$disconnect();
});

describe("loading a shop into the engine's tables", () => {
  it("sorts orders by dense customer index then time, guests first, this shop only", async () => {
    const { orders, customers, customerIds } = await loadShopData(url, shopId);
    expect(orders.length).toBe(6);
    expect([...customerIds]).toEqual([10n, 20n, 30n, 99n]);
    expect(customers.count).toBe(4);
    expect([...orders.customer]).toEqual([-1, 0, 0, 1, 2, 2]);
    expect([...orders.processedAt]).toEqual(
      [
        "2026-01-01T00:00:00Z",
        "2026-01-01T12:34:56.789Z",
        "2026-01-03T00:00:00Z",
        "2026-01-04T00:00:00Z",
        "2026-01-02T00:00:00Z",
        "2026-01-05T00:00:00Z",
      ].map((s) => Date.parse(s)),
    );
    // Discount bits: codes used, none ("[]"), not known (discountCodes never read).
    expect([...orders.flags]).toEqual([
      UNKNOWN,
      0,
      ORDER_SUBSCRIPTION | UNKNOWN,
      ORDER_TEST | UNKNOWN,
      ORDER_CANCELLED | UNKNOWN,
      ORDER_DISCOUNT,
    ]);
    expect(orders.netMinor[2]).toBe(800);
    expect(customers.createdAt[0]).toBe(Date.parse("2025-02-01T00:00:00Z"));
    // No customer row yet: its first order stands in for createdAt.
    expect(customers.createdAt[1]).toBe(Date.parse("2026-01-04T00:00:00Z"));
  });

  it("keeps customer ids above 2^53 exact", async () => {
    const big = 9_007_199_254_740_993n;
    const bigShop = (
      await db.shop.create({ data: { domain: `load-big-${Date.now()}.myshopify.com` } })
    ).id;
    try {
      await store.upsertCustomers(bigShop, [
        {
          id: big,
          createdAt: new Date("2025-01-01"),
          shopifyUpdatedAt: new Date("2025-01-01"),
          tags: "",
        },
        {
          id: big + 2n,
          createdAt: new Date("2025-01-02"),
          shopifyUpdatedAt: new Date("2025-01-02"),
          tags: "",
        },
      ]);
      await store.upsertOrders(bigShop, [
        order(1n, big + 2n, "2026-01-02T00:00:00Z"),
        order(2n, big, "2026-01-01T00:00:00Z"),
        order(3n, big + 1n, "2026-01-03T00:00:00Z"),
        // Order, product and variant ids above 2^53 too (a double would round them).
        order(big + 4n, big, "2026-01-01T00:00:00Z", {
          lineItems: [
            {
              id: big + 8n,
              orderId: big + 4n,
              productId: big + 6n,
              variantId: big + 10n,
              quantity: 1,
              currentQuantity: 1,
              netMinor: 500n,
              subscription: false,
              giftCard: false,
              versionAt: new Date("2026-01-01T00:00:00Z"),
            },
          ],
        }),
      ]);
      const { orders, customers, customerIds, acquisition } = await loadShopData(url, bigShop);
      expect(acquisition.products).toEqual([(big + 6n).toString()]);
      expect(acquisition.variants).toEqual([(big + 10n).toString()]);
      expect(acquisition.lineItems.order[0]).toBeGreaterThanOrEqual(0);
      expect(orders.processedAt[acquisition.lineItems.order[0]]).toBe(
        Date.parse("2026-01-01T00:00:00Z"),
      );
      expect([...customerIds]).toEqual([big, big + 1n, big + 2n]);
      expect([...orders.customer]).toEqual([0, 0, 1, 2]);
      expect(customers.createdAt[0]).toBe(Date.parse("2025-01-01"));
      expect(customers.createdAt[1]).toBe(Date.parse("2026-01-03T00:00:00Z"));
    } finally {
      await db.shop.delete({ where: { id: bigShop } });
    }
  });

  it("gives the same tables whatever the chunk size", async () => {
    const whole = await loadShopData(url, shopId);
    for (const chunkCustomers of [1, 2, 3]) {
      expect(await loadShopData(url, shopId, { chunkCustomers })).toEqual(whole);
    }
  });

  it("sorts guest orders by time too (the CLV summary checks the whole table)", async () => {
    const guestShop = (
      await db.shop.create({ data: { domain: `load-guests-${Date.now()}.myshopify.com` } })
    ).id;
    try {
      const days = [9, 3, 7, 1, 5];
      await store.upsertOrders(
        guestShop,
        days.map((d, i) => order(BigInt(100 + i), null, `2026-01-0${d}T00:00:00Z`)),
      );
      const { orders } = await loadShopData(url, guestShop);
      expect([...orders.processedAt]).toEqual(
        [1, 3, 5, 7, 9].map((d) => Date.parse(`2026-01-0${d}T00:00:00Z`)),
      );
    } finally {
      await db.shop.delete({ where: { id: guestShop } });
    }
  });
});
