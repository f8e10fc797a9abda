/**
 * Ids near 2^63, end to end. The fake shop's order and customer ids have 19 digits (within
 * 10^13 of 2^63); Shopify's own sample payloads have 18 (820982911946154508). JSON.parse
 * rounds both, so every place an id enters must read it exactly: the bulk backfill's JSONL,
 * signed webhooks over HTTP through the intake, the queue and the webhooks worker, Admin API
 * responses (webhook refreshes, reconciliation, the deletion sweep, the tag writer's reads).
 * The customers' segments reach Shopify as tags under their exact gids. A malformed id is a
 * payload error that names the field, writes nothing and keeps the queued payload.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { rawJSON } from "../fake-shopify/util/json";
import { startAppEndpoint, type AppEndpoint } from "./app-endpoint";
import { webhooksQueueDrained } from "../helpers/queues";

// Queues of their own, so no other test file's workers take these jobs (nor ours theirs).
process.env.QUEUE_PREFIX = `${process.env.QUEUE_PREFIX}-big-ids`;
// The harness installs the fetch redirect; Shopify's libraries load after it.
const { startSyncHarness } = await import("./harness");
const { getQueue, closeQueues } = await import("../../app/jobs/queues.server");
const { startWorkers } = await import("../../workers/runtime");
const { closeRowStore } = await import("../../app/sync/context.server");
const { reconcile } = await import("../../app/sync/reconcile.server");
const { computeShop } = await import("../../app/metrics/compute.server");
const { syncShopTags } = await import("../../app/sync/tags.server");
const { allCustomerResults } = await import("../../app/metrics/result-set.server");

const MAX_ID = 2n ** 63n - 1n;
const TWO_53 = 2n ** 53n;
/** Every order and customer id of the shop lies within 10^13 of 2^63. */
const ID_BASE = 2n ** 63n - 10n ** 13n;
/** Shopify's sample orders/create payload (API reference): its order and customer ids. */
const SAMPLE_ORDER = 820982911946154508n;
const SAMPLE_CUSTOMER = 115310627314723954n;

let h: Awaited<ReturnType<typeof startSyncHarness>>;
let app: AppEndpoint;
let workers: { close(): Promise<unknown> };

/** Every webhook the fake sent is delivered and every job of this shop has finished. */
async function settled(): Promise<void> {
  await h.fake.webhooks.flush();
  await webhooksQueueDrained();
}

/** This shop's failed webhook jobs, as "TOPIC: reason". */
async function failures(): Promise<string[]> {
  const failed = await getQueue("webhooks").getFailed();
  return failed.filter((job) => job.data.shop === h.domain).map((job) => job.failedReason);
}

const liveCustomer = (id: bigint) =>
  h.ctx.db.customer.findFirst({ where: { shopId: h.shopId, id, deleted: false } });
const order = (id: bigint) =>
  h.ctx.db.order.findUnique({ where: { shopId_id: { shopId: h.shopId, id } } });

beforeAll(async () => {
  app = await startAppEndpoint();
  h = await startSyncHarness(
    "big-ids",
    {
      customers: 400,
      seed: 11,
      currency: "JPY",
      idBase: ID_BASE,
      // Subscription orders: their line items' __parentId gids flag them in the bulk file.
      mix: { subscriberShare: 0.3 },
    },
    { appUrl: app.url, webhooks: { retryBaseMs: 20 } },
  );
  workers = startWorkers({ queues: ["webhooks"], redisUrl: process.env.REDIS_URL! });
}, 120_000);

afterAll(async () => {
  await workers?.close();
  await closeQueues();
  await closeRowStore();
  await h?.close();
  await app?.close();
});

describe("ids near 2^63", () => {
  it("come out of the bulk backfill exact, with their subscription line items", async () => {
    await h.runBackfill();
    const orders = [...h.shop.orders()];
    const customers = [...h.shop.customers()];
    expect(orders.every((o) => o.id > ID_BASE && o.id <= MAX_ID)).toBe(true);
    expect(customers.every((c) => c.id > ID_BASE && c.id <= MAX_ID)).toBe(true);
    expect(orders.some((o) => o.subscription)).toBe(true);
    expect(await h.differences()).toEqual([]);
    const stored = await h.ctx.db.order.findMany({
      where: { shopId: h.shopId },
      select: { id: true },
    });
    expect(stored.map((o) => o.id).sort()).toEqual(orders.map((o) => o.id).sort());
  }, 120_000);

  it("carry the customers' segments to Shopify as tags under their exact gids", async () => {
    await h.ctx.db.shop.update({
      where: { id: h.shopId },
      data: { settings: JSON.stringify({ tagSync: { enabled: true, prefix: "rfm:" } }) },
    });
    await computeShop(h.domain);
    const metrics = await allCustomerResults(h.ctx.db, h.shopId);
    const buyers = [...h.shop.customers()].filter((c) => c.numberOfOrders > 0);
    expect(metrics.length).toBeGreaterThan(100);
    expect(metrics.map((m) => m.customerId)).toEqual(
      expect.arrayContaining(buyers.filter((c) => c.amountSpentMinor > 0).map((c) => c.id)),
    );
    const result = await syncShopTags(h.ctx, h.domain, async () => {});
    expect(result).toMatchObject({ mode: "sync", written: metrics.length, failed: 0 });
    for (const m of metrics) {
      expect(h.shop.customer(m.customerId)?.tags, String(m.customerId)).toContain(
        `rfm:${m.segment}`,
      );
    }
    // Shopify's customers/update webhooks for those writes come back with the same ids.
    await settled();
    expect(await failures()).toEqual([]);
  }, 120_000);

  it("arrive exact in signed webhooks of every order and customer topic", async () => {
    const orders = [...h.shop.orders()].filter((o) => o.financialStatus === "PAID" && !o.test);
    const customers = [...h.shop.customers()];
    const buyer = customers.find((c) => c.numberOfOrders > 1)!;
    const regular = customers.find((c) => c !== buyer && c.numberOfOrders > 0)!;
    const idle = customers.find((c) => c.numberOfOrders === 0)!;
    const placed = h.shop.createOrder({ customerId: buyer.id, lines: [{ quantity: 2 }] });
    h.shop.refundOrder(orders[0]!.id);
    h.shop.cancelOrder(orders[1]!.id);
    h.shop.deleteOrder(orders[2]!.id);
    const signedUp = h.shop.createCustomer({ tags: ["newsletter"] });
    h.shop.setCustomerTags(regular.id, ["vip", "wholesale"]);
    h.shop.deleteCustomer(idle.id);
    await settled();

    const sent = new Set(h.shop.sent.map((w) => w.topic));
    for (const topic of [
      "orders/create",
      "orders/updated",
      "orders/cancelled",
      "orders/delete",
      "refunds/create",
      "customers/create",
      "customers/update",
      "customers/delete",
    ]) {
      expect(sent, topic).toContain(topic);
    }
    // Shopify writes the ids as bare 19-digit literals, past what a float holds.
    const deleted = h.fake.webhooks.deliveries().find((d) => d.webhook.topic === "orders/delete");
    expect(deleted?.body).toBe(`{"id":${orders[2]!.id}}`);
    expect(orders[2]!.id > TWO_53).toBe(true);
    expect(app.statuses.every((s) => s === 200)).toBe(true);
    expect(await failures()).toEqual([]);

    expect(await h.differences()).toEqual([]);
    expect(await order(placed.id)).toMatchObject({ customerId: buyer.id, deleted: false });
    expect((await order(orders[2]!.id))?.deleted).toBe(true);
    expect(await liveCustomer(signedUp.id)).not.toBeNull();
    expect(await liveCustomer(idle.id)).toBeNull();
  }, 120_000);

  it("are found again by reconciliation and the deletion sweep when webhooks are lost", async () => {
    h.fake.webhooks.configure({ appUrl: null });
    onTestFinished(async () => {
      await h.fake.webhooks.flush();
      h.fake.webhooks.configure({ appUrl: app.url });
    });
    const orders = [...h.shop.orders()].filter((o) => o.financialStatus === "PAID" && !o.test);
    const customers = [...h.shop.customers()];
    h.shop.refundOrder(orders[3]!.id);
    h.shop.deleteOrder(orders[4]!.id);
    h.shop.setCustomerTags(customers[2]!.id, ["lost-webhook"]);
    h.shop.createOrder({ customerId: customers[3]!.id });
    const result = await reconcile(h.ctx, h.domain);
    expect(result).toMatchObject({ mode: "paged", deleted: 1 });
    expect(await h.differences()).toEqual([]);
    expect((await order(orders[4]!.id))?.deleted).toBe(true);
  }, 120_000);

  it("answer customers/data_request and customers/redact", async () => {
    const subject = [...h.shop.customers()].find((c) => c.numberOfOrders >= 2)!;
    const theirOrders = [...h.shop.orders()]
      .filter((o) => o.customerId === subject.id)
      .map((o) => o.id);
    h.shop.requestCustomerData(subject.id);
    await settled();
    const request = await h.ctx.db.dataRequest.findFirstOrThrow({
      where: { shopId: h.shopId, customerId: subject.id },
    });
    const record = JSON.parse(request.payload) as { customerId: string; orders: { id: string }[] };
    expect(record.customerId).toBe(String(subject.id));
    // Their orders as Shopify has them, and the deleted ones Kizuna still keeps a row of.
    expect(record.orders.map((o) => o.id)).toEqual(expect.arrayContaining(theirOrders.map(String)));

    h.shop.redactCustomer(subject.id);
    await settled();
    expect(await failures()).toEqual([]);
    expect(await liveCustomer(subject.id)).toBeNull();
    expect(
      await h.ctx.db.order.count({ where: { shopId: h.shopId, customerId: subject.id } }),
    ).toBe(0);
    // The shop keeps the orders, anonymous.
    expect(
      await h.ctx.db.order.count({ where: { shopId: h.shopId, id: { in: theirOrders } } }),
    ).toBe(theirOrders.length);
  }, 120_000);

  it("take 2^63 − 1 and Shopify's 18-digit sample ids in hand-written payloads", async () => {
    const at = "2026-11-02T10:00:00+09:00";
    h.shop.sendWebhook("customers/create", {
      id: SAMPLE_CUSTOMER,
      email: "bob@biller.com",
      created_at: at,
      updated_at: at,
    });
    h.shop.sendWebhook("customers/update", { id: MAX_ID, created_at: at, updated_at: at });
    // Orders Shopify does not have (any more): the refresh reads them by their exact gid,
    // finds nothing and keeps a tombstone under that id.
    h.shop.sendWebhook("orders/updated", { id: MAX_ID - 1n, updated_at: at });
    h.shop.sendWebhook("refunds/create", { id: 929361463, order_id: SAMPLE_ORDER });
    h.shop.sendWebhook("orders/delete", { id: MAX_ID });
    await settled();
    expect(await failures()).toEqual([]);
    expect(await liveCustomer(SAMPLE_CUSTOMER)).not.toBeNull();
    expect(await liveCustomer(MAX_ID)).not.toBeNull();
    for (const id of [MAX_ID - 1n, SAMPLE_ORDER, MAX_ID]) {
      expect(await order(id), String(id)).toMatchObject({ id, deleted: true });
    }

    h.shop.sendWebhook("customers/data_request", {
      shop_domain: h.domain,
      customer: { id: MAX_ID, email: "john@example.com", phone: "555-625-1199" },
      orders_requested: [MAX_ID, SAMPLE_ORDER],
      data_request: { id: 9999 },
    });
    await settled();
    expect(await failures()).toEqual([]);
    const request = await h.ctx.db.dataRequest.findFirstOrThrow({
      where: { shopId: h.shopId, customerId: MAX_ID },
    });
    const record = JSON.parse(request.payload) as { orders: { id: string }[] };
    expect(record.orders.map((o) => o.id).sort()).toEqual([String(SAMPLE_ORDER), String(MAX_ID)]);

    h.shop.sendWebhook("customers/redact", {
      shop_domain: h.domain,
      customer: { id: SAMPLE_CUSTOMER, email: "bob@biller.com", phone: null },
      orders_to_redact: [SAMPLE_ORDER, MAX_ID],
    });
    await settled();
    expect(await failures()).toEqual([]);
    expect(await liveCustomer(SAMPLE_CUSTOMER)).toBeNull();
  }, 120_000);

  it("refuses a malformed id with the field named, writes nothing and keeps the payload", async () => {
    const at = "2026-11-02T10:00:00+09:00";
    const cases: Array<{ topic: string; payload: object; reason: RegExp; kept?: unknown }> = [
      { topic: "orders/delete", payload: { id: 1.5 }, reason: /whole number.*\n.*at id/ },
      {
        topic: "orders/updated",
        payload: { id: rawJSON("820982911946154508.0"), updated_at: at },
        reason: /exact digits.*\n.*at id/,
      },
      {
        topic: "orders/cancelled",
        payload: { id: -820982911946154508n, updated_at: at },
        reason: /positive id.*\n.*at id/,
      },
      {
        // Past 2^64 − 1: no 64-bit id at all. The queued job still holds every digit.
        topic: "refunds/create",
        payload: { id: 1, order_id: 2n ** 64n },
        reason: /out of range.*\n.*at order_id/,
        kept: { order_id: String(2n ** 64n) },
      },
      {
        // 2^63: an unsigned 64-bit integer, past what Kizuna's signed columns hold.
        topic: "customers/delete",
        payload: { id: 2n ** 63n },
        reason: /out of range.*\n.*at id/,
        kept: { id: String(2n ** 63n) },
      },
      {
        topic: "customers/update",
        payload: { id: "82098291194615450x", created_at: at, updated_at: at },
        reason: /positive whole number.*\n.*at id/,
      },
      {
        topic: "customers/redact",
        payload: { customer: { id: SAMPLE_CUSTOMER }, orders_to_redact: [SAMPLE_ORDER, "12a"] },
        reason: /positive whole number.*\n.*at orders_to_redact\[1\]/,
      },
      {
        topic: "customers/data_request",
        payload: { customer: { id: null }, orders_requested: [] },
        reason: /got null\n.*at customer\.id/,
      },
    ];
    const rows = async () => ({
      orders: await h.ctx.db.order.findMany({ where: { shopId: h.shopId } }),
      customers: await h.ctx.db.customer.findMany({ where: { shopId: h.shopId } }),
      requests: await h.ctx.db.dataRequest.count({ where: { shopId: h.shopId } }),
    });
    const before = await rows();
    const sent = cases.map((c) => h.shop.sendWebhook(c.topic, c.payload)[0]!);
    await settled();
    expect(app.statuses.every((s) => s === 200)).toBe(true);
    for (const [i, c] of cases.entries()) {
      const job = await getQueue("webhooks").getJob(`wh-${sent[i]!.webhookId}`);
      expect(await job?.getState(), c.topic).toBe("failed");
      // A payload error is not retried: the same payload would fail the same way.
      expect(job?.attemptsMade, c.topic).toBe(1);
      expect(job?.failedReason, c.topic).toMatch(c.reason);
      expect(job?.failedReason, c.topic).toMatch(/^[A-Z_]+ payload: /);
      if (c.kept) expect(job?.data.payload, c.topic).toMatchObject(c.kept);
    }
    expect(await rows()).toEqual(before);
  }, 120_000);
});
