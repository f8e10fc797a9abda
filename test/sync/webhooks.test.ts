import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSyncHarness, type SyncHarness } from "./harness";
import { startAppEndpoint, type AppEndpoint } from "./app-endpoint";
import { webhooksQueueDrained } from "../helpers/queues";

// The harness installed the fetch redirect; Shopify's libraries load after it.
const { getQueue, closeQueues } = await import("../../app/jobs/queues.server");
const { startWorkers } = await import("../../workers/runtime");
const { closeRowStore } = await import("../../app/sync/context.server");

let h: SyncHarness;
let app: AppEndpoint;
let workers: { close(): Promise<unknown> };

beforeAll(async () => {
  app = await startAppEndpoint();
  h = await startSyncHarness(
    "webhooks",
    { customers: 400, seed: 7, currency: "USD", horizonDays: 60 },
    { appUrl: app.url, webhooks: { retryBaseMs: 20 } },
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

describe("webhooks", () => {
  it("delivered three times, shuffled and delayed, leave the database equal to Shopify", async () => {
    expect(await h.differences()).toEqual([]);
    h.fake.webhooks.configure({ duplicates: 2, reorderWindow: 25, delayMs: [0, 40] });

    // Weeks of new orders, refunds and cancellations, plus the merchant's own actions.
    h.fake.advance({ days: 21 });
    const orders = [...h.shop.orders()].filter((o) => o.cancelledAt === null && !o.test);
    h.shop.refundOrder(orders[0]!.id);
    h.shop.cancelOrder(orders[1]!.id);
    h.shop.deleteOrder(orders[2]!.id);
    const customers = [...h.shop.customers()];
    h.shop.setCustomerTags(customers[0]!.id, ["vip", "wholesale"]);
    h.shop.deleteCustomer(customers.find((c) => c.numberOfOrders === 0)!.id);
    h.shop.createOrder({});

    await h.fake.webhooks.flush();
    await webhooksQueueDrained();
    const deliveries = h.fake.webhooks.deliveries();
    expect(deliveries.length).toBeGreaterThan(50);
    expect(app.statuses.every((s) => s === 200)).toBe(true);
    expect(await h.differences()).toEqual([]);
    const deleted = await h.ctx.db.order.findUniqueOrThrow({
      where: { shopId_id: { shopId: h.shopId, id: BigInt(orders[2]!.id) } },
    });
    expect(deleted.deleted).toBe(true);
  }, 180_000);

  it("refuses a forged HMAC with 401 and writes nothing", async () => {
    const body = JSON.stringify({ id: 1, updated_at: "2030-01-01T00:00:00Z" });
    const headers = {
      "content-type": "application/json",
      "x-shopify-topic": "orders/create",
      "x-shopify-shop-domain": h.domain,
      "x-shopify-api-version": "2026-10",
      "x-shopify-webhook-id": "forged-1",
      "x-shopify-event-id": "forged-1",
      "x-shopify-triggered-at": new Date().toISOString(),
    };
    const forged = createHmac("sha256", "not-the-app-secret").update(body).digest("base64");
    const response = await fetch(`${app.url}/webhooks/orders/create`, {
      method: "POST",
      headers: { ...headers, "x-shopify-hmac-sha256": forged },
      body,
    });
    expect(response.status).toBe(401);
    // An altered body with the HMAC of the original is refused too.
    const genuine = createHmac("sha256", process.env.SHOPIFY_API_SECRET!)
      .update(body)
      .digest("base64");
    const altered = await fetch(`${app.url}/webhooks/orders/create`, {
      method: "POST",
      headers: { ...headers, "x-shopify-hmac-sha256": genuine },
      body: body.replace("2030", "2031"),
    });
    expect(altered.status).toBe(401);
    expect(await getQueue("webhooks").getJob("wh-forged-1")).toBeUndefined();
    expect(await h.ctx.db.order.count({ where: { shopId: h.shopId, id: 1n } })).toBe(0);
  });
});
