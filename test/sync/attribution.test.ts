/**
 * Line items, discount codes, sales channel and first-touch attribution per order, through
 * the three sync paths against the fake Shopify (bulk backfill, order webhooks, paged
 * reconciliation), each compared field by field with Shopify's ground truth
 * (test/helpers/order-truth.ts); and the write rules: a read without a field, or with a
 * journey summary not ready yet, keeps what is stored, and an older line item never
 * replaces a newer one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { categorical, hostOf, journeyFrom, pathOf } from "../../app/sync/attribution";
import { reconcile } from "../../app/sync/reconcile.server";
import { lineItemRowFrom, orderRowFrom, type OrderRow } from "../../app/sync/rows";
import { fakeWebhooks, startSyncHarness, type SyncHarness } from "./harness";

describe("first-touch values", () => {
  it("keeps hosts and paths, never queries, emails or tokens", () => {
    expect(hostOf("https://www.Google.co.jp/search?q=x")).toBe("google.co.jp");
    expect(hostOf("android-app://com.google.android.gm")).toBe("com.google.android.gm");
    expect(hostOf("not a url")).toBeNull();
    expect(pathOf("https://shop.example/products/a?utm_source=x&email=a%40b.jp#top")).toBe(
      "/products/a",
    );
    expect(pathOf("/collections/new?gclid=abc")).toBe("/collections/new");
    expect(pathOf("https://shop.example/72649871/orders/9f8a7b6c5d4e3f2a1b0c/authenticate")).toBe(
      "/72649871/orders/:token/authenticate",
    );
    expect(pathOf("https://shop.example/pages/hana@example.com")).toBe("/pages/:token");
    expect(categorical(" cpc ")).toBe("cpc");
    expect(categorical("hana.sato@example.com")).toBeNull();
    expect(categorical("")).toBeNull();
    expect(categorical("x".repeat(300))).toHaveLength(100);
  });

  it("maps a summary: not ready → unknown, no summary or visit → none", () => {
    expect(journeyFrom({ ready: false, firstVisit: null })).toBeNull();
    expect(journeyFrom(null)).toEqual({ kind: "none" });
    expect(journeyFrom({ ready: true, firstVisit: null })).toEqual({ kind: "none" });
    expect(
      journeyFrom({
        ready: true,
        firstVisit: {
          source: "google",
          sourceType: "AD",
          referrerUrl: "https://www.google.com/",
          landingPage: "https://shop.example/?utm_source=google&utm_medium=cpc",
          utmParameters: {
            source: "google",
            medium: "cpc",
            campaign: "brand",
            content: null,
            term: "a@b.c",
          },
        },
      }),
    ).toEqual({
      kind: "visit",
      source: "google",
      sourceType: "AD",
      utmSource: "google",
      utmMedium: "cpc",
      utmCampaign: "brand",
      utmContent: null,
      utmTerm: null,
      referrerHost: "google.com",
      landingPath: "/",
    });
  });

  it("nets a line's discount allocations and never goes below zero", () => {
    const money = (amount: string) => ({ shopMoney: { amount, currencyCode: "JPY" } });
    const line = {
      id: "gid://shopify/LineItem/9007199254740993",
      quantity: 3,
      currentQuantity: 1,
      isGiftCard: false,
      product: { id: "gid://shopify/Product/7" },
      variant: null,
      originalTotalSet: money("3000"),
      discountAllocations: [
        { allocatedAmountSet: money("300") },
        { allocatedAmountSet: money("200") },
      ],
      sellingPlan: { sellingPlanId: "gid://shopify/SellingPlan/5" },
    };
    const at = new Date("2026-01-01T00:00:00Z");
    expect(lineItemRowFrom(line, 1n, at)).toEqual({
      id: 9007199254740993n,
      orderId: 1n,
      productId: 7n,
      variantId: null,
      quantity: 3,
      currentQuantity: 1,
      netMinor: 2500n,
      subscription: true,
      giftCard: false,
      versionAt: at,
    });
    const free = { ...line, discountAllocations: [{ allocatedAmountSet: money("3500") }] };
    expect(lineItemRowFrom(free, 1n, at).netMinor).toBe(0n);
    expect(() => lineItemRowFrom({ ...line, quantity: -1 }, 1n, at)).toThrow(/quantity/);
  });
});

let h: SyncHarness;
const { deliver, lastSent, requests } = fakeWebhooks(() => h, "attribution");

beforeAll(async () => {
  h = await startSyncHarness("attribution", {
    customers: 1_500,
    seed: 17,
    currency: "JPY",
    horizonDays: 30,
  });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const shopOrders = () => h.ctx.db.order.findMany({ where: { shopId: h.shopId, deleted: false } });
const lineItems = () => h.ctx.db.orderLineItem.findMany({ where: { shopId: h.shopId } });

describe("sync of line items, discount codes, channel and first touch", () => {
  it("backfill stores every new field as Shopify has it, on every kind of order", async () => {
    await h.runBackfill();
    expect(await h.differences()).toEqual([]);

    // The shop exercises every case the fields are about.
    const orders = await shopOrders();
    const visits = orders.filter((o) => o.journey === "visit");
    expect(visits.some((o) => o.utmSource !== null && o.utmTerm !== null)).toBe(true);
    expect(visits.some((o) => o.utmSource === null && o.referrerHost !== null)).toBe(true);
    // The newsletter's email-address utm_content is dropped; its campaign is kept.
    expect(visits.some((o) => o.utmMedium === "email" && o.utmContent === null)).toBe(true);
    expect(orders.some((o) => o.journey === "none" && o.channelHandle === "online_store")).toBe(
      true,
    );
    expect(orders.some((o) => o.journey === "none" && o.channelHandle === "pos")).toBe(true);
    expect(orders.some((o) => o.discountCodes === '["WELCOME10"]')).toBe(true);
    expect(orders.some((o) => o.discountCodes === "[]")).toBe(true);
    expect(orders.every((o) => o.landingPath === null || !o.landingPath.includes("?"))).toBe(true);
    const items = await lineItems();
    expect(items.some((i) => i.netMinor === 0n && i.productId !== null)).toBe(true); // gifts
    expect(items.some((i) => i.currentQuantity < i.quantity)).toBe(true); // refunded
    expect(items.some((i) => i.subscription)).toBe(true);
    expect(items.every((i) => i.productId !== null && i.variantId !== null)).toBe(true);
  }, 240_000);

  it("order webhooks store a new order's fields through a targeted Admin API read", async () => {
    const created = h.shop.createOrder({ sourceName: "web" });
    const refunded = [...h.shop.orders()].find(
      (o) => o.cancelledAt === null && !o.test && o.lineItems.length > 1 && o.refundedMinor === 0,
    )!;
    const afterRefund = h.shop.refundOrder(refunded.id, {
      lines: [{ lineItemId: refunded.lineItems[0]!.id, quantity: 1 }],
    });
    // The fake's own deliveries, payloads as Shopify sends them: the order's and the refund's.
    const before = requests();
    await deliver(lastSent("orders/create"));
    await deliver(lastSent("refunds/create"));
    // Each read the order from the Admin API (a payload carries no journey summary).
    expect(requests() - before).toBeGreaterThanOrEqual(2);
    const stored = await h.ctx.db.order.findUniqueOrThrow({
      where: { shopId_id: { shopId: h.shopId, id: created.id } },
    });
    expect(stored.journey).toBe(created.journey?.firstVisit ? "visit" : "none");
    expect(stored.channelHandle).toBe("online_store");
    const items = await lineItems();
    expect(items.filter((i) => i.orderId === created.id)).toHaveLength(created.lineItems.length);
    const line = items.find((i) => i.id === BigInt(refunded.lineItems[0]!.id))!;
    expect(line.currentQuantity).toBe(afterRefund.lineItems[0]!.currentQuantity);
    expect(line.currentQuantity).toBeLessThan(line.quantity);
    expect(await h.differences()).toEqual([]);
  }, 120_000);

  it("reconciliation stores the fields of orders whose webhooks were lost", async () => {
    h.fake.advance({ days: 5 });
    const created = h.shop.createOrder({
      sourceName: "web",
      // More line items than a reconciliation page carries per order (10).
      lines: Array.from({ length: 12 }, (_, i) => ({ product: i, quantity: 1 })),
    });
    const result = await reconcile(h.ctx, h.domain);
    expect(result.mode).toBe("paged");
    expect(await h.differences()).toEqual([]);
    const items = (await lineItems()).filter((i) => i.orderId === created.id);
    expect(items).toHaveLength(12);
  }, 180_000);
});

describe("writes", () => {
  const base = (over: Partial<OrderRow>): OrderRow => ({
    id: 8_800_000_000_001n,
    customerId: null,
    processedAt: new Date("2026-02-01T00:00:00Z"),
    cancelledAt: null,
    test: false,
    grossMinor: 1000n,
    refundedMinor: 0n,
    netMinor: 1000n,
    itemQuantity: 1,
    sourceName: "web",
    subscription: false,
    shopifyUpdatedAt: new Date("2026-02-01T00:00:00Z"),
    ...over,
  });
  const stored = () =>
    h.ctx.db.order.findUniqueOrThrow({
      where: { shopId_id: { shopId: h.shopId, id: 8_800_000_000_001n } },
    });

  it("a read without a field, or a summary not ready, keeps what is stored", async () => {
    const node = {
      id: "gid://shopify/Order/8800000000001",
      processedAt: "2026-02-01T00:00:00Z",
      updatedAt: "2026-02-01T00:00:00Z",
      cancelledAt: null,
      test: false,
      sourceName: "web",
      customer: null,
      totalPriceSet: { shopMoney: { amount: "1000", currencyCode: "JPY" } },
      totalRefundedSet: { shopMoney: { amount: "0", currencyCode: "JPY" } },
      currentSubtotalLineItemsQuantity: 1,
      attribution: { handle: "online_store" },
      discountCodes: ["SPRING"],
      customerJourneySummary: {
        ready: true,
        firstVisit: {
          source: "google",
          sourceType: "AD",
          referrerUrl: null,
          landingPage: "https://s.example/p?utm_source=google",
          utmParameters: {
            source: "google",
            medium: "cpc",
            campaign: "c",
            content: null,
            term: null,
          },
        },
      },
    };
    await h.ctx.store.upsertOrders(h.shopId, [orderRowFrom(node, false)]);
    const first = await stored();
    expect(first).toMatchObject({ channelHandle: "online_store", discountCodes: '["SPRING"]' });
    expect(first).toMatchObject({ journey: "visit", utmSource: "google", landingPath: "/p" });

    // Newer, but carrying none of them (an older operation's shape) / a summary not ready.
    await h.ctx.store.upsertOrders(h.shopId, [
      base({ shopifyUpdatedAt: new Date("2026-02-02T00:00:00Z"), grossMinor: 900n }),
    ]);
    const notReady = orderRowFrom(
      {
        ...node,
        updatedAt: "2026-02-03T00:00:00Z",
        attribution: null,
        customerJourneySummary: { ready: false, firstVisit: null },
      },
      false,
    );
    expect(notReady.firstTouch).toBeNull();
    await h.ctx.store.upsertOrders(h.shopId, [notReady]);
    expect(await stored()).toMatchObject({
      grossMinor: 1000n,
      channelHandle: "online_store",
      discountCodes: '["SPRING"]',
      journey: "visit",
      utmSource: "google",
      utmMedium: "cpc",
      landingPath: "/p",
    });

    // Shopify now says there was no visit: that is data, and replaces the first touch.
    await h.ctx.store.upsertOrders(h.shopId, [
      base({ shopifyUpdatedAt: new Date("2026-02-04T00:00:00Z"), firstTouch: { kind: "none" } }),
    ]);
    expect(await stored()).toMatchObject({ journey: "none", utmSource: null, landingPath: null });
  });

  it("an older line item never replaces a newer one, and a deleted order takes its lines", async () => {
    const item = {
      id: 8_800_000_000_101n,
      orderId: 8_800_000_000_001n,
      productId: 1n,
      variantId: 2n,
      quantity: 2,
      currentQuantity: 1,
      netMinor: 500n,
      subscription: false,
      giftCard: false,
      versionAt: new Date("2026-02-05T00:00:00Z"),
    };
    await h.ctx.store.upsertOrders(h.shopId, [], undefined, [item]);
    await h.ctx.store.upsertOrders(h.shopId, [], undefined, [
      { ...item, currentQuantity: 2, versionAt: new Date("2026-02-01T00:00:00Z") },
    ]);
    const where = { shopId_id: { shopId: h.shopId, id: item.id } };
    expect(await h.ctx.db.orderLineItem.findUniqueOrThrow({ where })).toMatchObject({
      currentQuantity: 1,
    });
    await h.ctx.store.deleteOrder(h.shopId, item.orderId);
    expect(await h.ctx.db.orderLineItem.findUnique({ where })).toBeNull();
    // A late read of the deleted order's lines stores nothing.
    await h.ctx.store.upsertOrders(h.shopId, [], undefined, [
      { ...item, versionAt: new Date("2026-03-01T00:00:00Z") },
    ]);
    expect(await h.ctx.db.orderLineItem.findUnique({ where })).toBeNull();
  });
});
