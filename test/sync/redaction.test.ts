/**
 * A redacted customer stays redacted (issue 14). customers/redact arrives, through the app's
 * route and the webhooks worker, while Shopify still has the customer (the request is days
 * old): late customers/update and tag webhooks about them, order webhooks whose order
 * Shopify still links to them, a reconciliation and a whole new backfill all follow. None
 * may store the customer again or link an order to them: what stays is a tombstone with
 * their id and nothing else, and their orders stay as anonymous revenue.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppEndpoint, type AppEndpoint } from "./app-endpoint";
import { webhooksQueueDrained } from "../helpers/queues";

// Queues of their own, so no other test file's workers take these jobs (nor these its).
process.env.QUEUE_PREFIX = `${process.env.QUEUE_PREFIX}-redaction`;
// The harness installs the fetch redirect; Shopify's libraries load after it.
const { startSyncHarness } = await import("./harness");
const { getQueue, closeQueues } = await import("../../app/jobs/queues.server");
const { startWorkers } = await import("../../workers/runtime");
const { closeRowStore } = await import("../../app/sync/context.server");
const { reconcile } = await import("../../app/sync/reconcile.server");
const { computeShop } = await import("../../app/metrics/compute.server");
const { customerResult } = await import("../../app/metrics/result-set.server");

let h: Awaited<ReturnType<typeof startSyncHarness>>;
let app: AppEndpoint;
let workers: { close(): Promise<unknown> };

/** Every webhook delivered and processed, none failed. */
async function settled(): Promise<void> {
  await h.fake.webhooks.flush();
  await webhooksQueueDrained();
  const failed = await getQueue("webhooks").getJobs(["failed"], 0, -1);
  expect(failed.map((j) => `${j.name}: ${j.failedReason}`)).toEqual([]);
}

beforeAll(async () => {
  app = await startAppEndpoint();
  h = await startSyncHarness(
    "redaction",
    { customers: 200, seed: 31, currency: "USD" },
    { appUrl: app.url, webhooks: { retryBaseMs: 20, retries: 3 } },
  );
  await h.runBackfill();
  workers = startWorkers({ queues: ["webhooks"], redisUrl: process.env.REDIS_URL! });
}, 120_000);

afterAll(async () => {
  await workers?.close();
  await closeQueues();
  await closeRowStore();
  await h?.close();
  await app?.close();
});

describe("customers/redact", () => {
  it("no later webhook, reconciliation or backfill stores the customer or links an order to them", async () => {
    const subject = [...h.shop.customers()].find((c) => c.numberOfOrders >= 2)!;
    const id = BigInt(subject.id);
    const theirOrders = [...h.shop.orders()].filter((o) => o.customerId === subject.id);
    expect(await h.ctx.db.order.count({ where: { shopId: h.shopId, customerId: id } })).toBe(
      theirOrders.length,
    );

    h.shop.sendWebhook(
      "customers/redact",
      h.shop.payloads.customerRedact(
        h.shop.store.customerState(h.shop.store.slotOfCustomerId(subject.id))!,
        theirOrders.map((o) => o.id),
      ),
    );
    await settled();
    const tombstone = { tags: "", tagsUpdatedAt: null, deleted: true, createdAt: new Date(0) };
    const row = () =>
      h.ctx.db.customer.findUnique({ where: { shopId_id: { shopId: h.shopId, id } } });
    expect(await row()).toMatchObject(tombstone);

    // Shopify still has them: their account changes, tags change, they buy, an order of
    // theirs is refunded. Every one of these sends webhooks about them.
    h.shop.touchCustomer(subject.id);
    // Tags the generator never gives, so both tag topics fire whatever the seed and date.
    const current = h.shop.customer(subject.id)?.tags ?? [];
    h.shop.setCustomerTags(subject.id, [...current, "after-redact-a", "after-redact-b"]);
    h.shop.setCustomerTags(subject.id, [...current, "after-redact-a"]);
    h.shop.refundOrder(theirOrders[0]!.id);
    h.shop.createOrder({ customerId: subject.id });
    await settled();
    const topics = new Set(h.fake.webhooks.deliveries().map((d) => d.webhook.topic));
    for (const topic of [
      "customers/update",
      "customer.tags_added",
      "customer.tags_removed",
      "orders/updated",
      "orders/create",
      "refunds/create",
    ])
      expect(topics).toContain(topic);

    // Reconciliation sees them changed; a whole backfill exports them and their orders.
    const reconciled = await reconcile(h.ctx, h.domain);
    expect(reconciled).toMatchObject({ mode: "paged" });
    expect((reconciled as { customers: number }).customers).toBeGreaterThan(0);
    await h.runBackfill();
    await computeShop(h.domain, { db: h.ctx.db });

    expect(await row()).toMatchObject({ ...tombstone, shopifyUpdatedAt: new Date(0) });
    expect(await h.ctx.db.order.count({ where: { shopId: h.shopId, customerId: id } })).toBe(0);
    expect(await customerResult(h.ctx.db, h.shopId, id)).toBeNull();
    // Their orders stay, as anonymous revenue (the new one too).
    const ids = [...h.shop.orders()].filter((o) => o.customerId === subject.id).map((o) => o.id);
    expect(ids.length).toBe(theirOrders.length + 1);
    expect(
      await h.ctx.db.order.count({
        where: { shopId: h.shopId, id: { in: ids.map(BigInt) }, customerId: null },
      }),
    ).toBe(ids.length);
    // Everyone else is exactly as Shopify has them: the only differences are the subject's.
    const customers = [...h.shop.customers()].length;
    expect(await h.differences()).toEqual([
      ...ids.map((o) => `order ${o} customerId: stored null, Shopify ${subject.id}`),
      `customers: ${customers - 1} stored, ${customers} in Shopify`,
      `customer ${subject.id} missing`,
    ]);
  }, 180_000);
});
