// Webhooks: Shopify's headers and HMAC (verified by @shopify/shopify-api's own validate),
// REST payloads per topic, retries with the same Webhook-Id, duplicates, compliance topics.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shopifyApi, ApiVersion, LogSeverity } from "@shopify/shopify-api";
import "@shopify/shopify-api/adapters/node";
import { startFakeShopify, type FakeShopify } from "./index";
import {
  adminGraphql,
  startWebhookReceiver,
  type ReceivedWebhook,
  type WebhookReceiver,
} from "./test-helpers";

let fake: FakeShopify;
let receiver: WebhookReceiver;
const domain = "hooks.myshopify.com";
const validations: Array<{ hook: ReceivedWebhook; valid: boolean; topic: string | null }> = [];

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  fake = await startFakeShopify({
    shops: [{ domain, customers: 400, seed: 5, currency: "USD", horizonDays: 30 }],
    appUrl: receiver.url,
    webhooks: { retryBaseMs: 10 },
  });
  const shopify = shopifyApi({
    apiKey: fake.apiKey,
    apiSecretKey: fake.apiSecret,
    apiVersion: ApiVersion.October26,
    hostName: "kizuna.example.com",
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error },
  });
  receiver.onReceive = async (hook) => {
    const result = await shopify.webhooks.validate({
      rawBody: hook.rawBody,
      rawRequest: hook.req,
      rawResponse: hook.res,
    });
    validations.push({ hook, valid: result.valid, topic: result.valid ? result.topic : null });
  };
}, 60_000);

afterAll(async () => {
  await fake.close();
  await receiver.close();
});

function bodyOf(hook: ReceivedWebhook): Record<string, unknown> {
  return JSON.parse(hook.rawBody) as Record<string, unknown>;
}

describe("webhook delivery", () => {
  it("sends orders/customers webhooks for a week of shop activity, all verifiable by the library", async () => {
    const changes = fake.advance({ days: 7 }).get(domain) ?? [];
    await fake.webhooks.flush();
    expect(changes.length).toBeGreaterThan(10);
    expect(receiver.received.length).toBeGreaterThan(changes.length);
    expect(validations.length).toBe(receiver.received.length);
    expect(validations.every((v) => v.valid)).toBe(true);
    const topics = new Set(receiver.received.map((h) => h.topic));
    expect(topics).toContain("orders/create");
    expect(topics).toContain("orders/updated");
    expect(topics).toContain("customers/update");
    for (const hook of receiver.received) {
      expect(hook.headers["x-shopify-shop-domain"]).toBe(domain);
      expect(hook.headers["x-shopify-api-version"]).toBe("2026-10");
      expect(hook.headers["x-shopify-webhook-id"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(hook.headers["x-shopify-event-id"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(Number.isNaN(Date.parse(hook.headers["x-shopify-triggered-at"] ?? ""))).toBe(false);
    }
    const created = receiver.received.find((h) => h.topic === "orders/create");
    if (!created) throw new Error("no orders/create");
    const order = bodyOf(created);
    expect(order).toMatchObject({
      currency: "USD",
      admin_graphql_api_id: `gid://shopify/Order/${String(order.id)}`,
    });
    expect(order.total_price_set).toMatchObject({ shop_money: { currency_code: "USD" } });
    expect(String(order.total_price)).toMatch(/^\d+\.\d{2}$/);
    expect(Array.isArray(order.line_items)).toBe(true);
    expect(String(order.created_at)).toMatch(/-05:00$|-04:00$/);
    // The payload is what the ground truth says the order was at that moment.
    const truth = fake.shop().order(Number(order.id));
    expect(truth?.createdAt).toBe(
      new Date(String(order.created_at)).toISOString().replace(".000Z", "Z"),
    );
  });

  it("retries non-2xx answers with the same Webhook-Id and delivers duplicates on request", async () => {
    const before = receiver.received.length;
    const failures = new Set<string>();
    receiver.status = (hook) => {
      const id = hook.headers["x-shopify-webhook-id"] ?? "";
      if (failures.has(id)) return 200;
      failures.add(id);
      return 503;
    };
    fake.webhooks.configure({ duplicates: 2 });
    const customer = fake.shop().createCustomer({ tags: ["wholesale"] });
    await fake.webhooks.flush();
    receiver.status = () => 200;
    fake.webhooks.configure({ duplicates: 0 });
    const hooks = receiver.received.slice(before).filter((h) => h.topic === "customers/create");
    const ids = new Set(hooks.map((h) => h.headers["x-shopify-webhook-id"]));
    expect(ids.size).toBe(1);
    // 3 copies, each first answered 503 (once per id) then retried: 4 requests, 3 successes.
    expect(hooks.length).toBe(4);
    expect(bodyOf(hooks[0] as ReceivedWebhook)).toMatchObject({
      id: customer.id,
      tags: "wholesale",
    });
    const record = fake.webhooks.deliveries().find((d) => d.webhook.webhookId === [...ids][0]);
    expect(record?.delivered).toBe(true);
    expect(record?.attempts.some((a) => a.status === 503)).toBe(true);
  });

  it("reorders and delays deliveries when configured", async () => {
    const before = receiver.received.length;
    fake.webhooks.configure({ reorderWindow: 30, delayMs: [0, 20] });
    const created = Array.from({ length: 30 }, () => fake.shop().createCustomer().id);
    await fake.webhooks.flush();
    fake.webhooks.configure({ reorderWindow: 0, delayMs: [0, 0] });
    const arrived = receiver.received
      .slice(before)
      .filter((h) => h.topic === "customers/create")
      .map((h) => Number(bodyOf(h).id));
    expect([...arrived].sort((a, b) => a - b)).toEqual(created);
    expect(arrived).not.toEqual(created);
  });

  it("sends customers/update with Shopify's tag string when the app writes tags", async () => {
    const before = receiver.received.length;
    const customer = [...fake.shop().customers()][3];
    if (!customer) throw new Error("no customer");
    const { accessToken } = fake.shop().accessToken();
    const reply = await adminGraphql(
      fake,
      domain,
      accessToken,
      `mutation($id: ID!) { tagsAdd(id: $id, tags: ["kizuna-vip", "Champion"]) { node { id } userErrors { field message } } }`,
      { id: customer.gid },
    );
    expect(reply.body.data).toEqual({ tagsAdd: { node: { id: customer.gid }, userErrors: [] } });
    await fake.webhooks.flush();
    const update = receiver.received.slice(before).find((h) => h.topic === "customers/update");
    if (!update) throw new Error("no customers/update");
    const tags = String(bodyOf(update).tags).split(", ");
    expect(tags).toEqual(expect.arrayContaining(["Champion", "kizuna-vip"]));
    expect(fake.shop().customer(customer.id)?.tags).toEqual(
      expect.arrayContaining(["Champion", "kizuna-vip"]),
    );
    expect(fake.shop().appTagWrites.at(-1)).toMatchObject({ customerId: customer.id });
  });

  it("fails validation for a forged body", async () => {
    const shopify = shopifyApi({
      apiKey: fake.apiKey,
      apiSecretKey: "a-different-secret",
      apiVersion: ApiVersion.October26,
      hostName: "kizuna.example.com",
      isEmbeddedApp: true,
      logger: { level: LogSeverity.Error },
    });
    const before = receiver.received.length;
    const checks: boolean[] = [];
    receiver.onReceive = async (hook) => {
      const result = await shopify.webhooks.validate({
        rawBody: hook.rawBody,
        rawRequest: hook.req,
        rawResponse: hook.res,
      });
      checks.push(result.valid);
    };
    fake.shop().sendWebhook("orders/delete", { id: 1 });
    await fake.webhooks.flush();
    expect(receiver.received.length).toBe(before + 1);
    expect(checks).toEqual([false]);
  });

  it("sends compliance topics and stops regular webhooks after uninstall", async () => {
    const shop = fake.shop();
    const customer = [...shop.customers()].find((c) => c.numberOfOrders > 0);
    if (!customer) throw new Error("no ordering customer");
    const before = receiver.received.length;
    shop.requestCustomerData(customer.id);
    shop.redactCustomer(customer.id);
    shop.uninstall();
    shop.createCustomer();
    shop.redactShop();
    await fake.webhooks.flush();
    const topics = receiver.received.slice(before).map((h) => h.topic);
    expect(topics).toEqual([
      "customers/data_request",
      "customers/redact",
      "app/uninstalled",
      "shop/redact",
    ]);
    const redact = bodyOf(receiver.received[before + 1] as ReceivedWebhook);
    expect(redact).toMatchObject({ shop_domain: domain, customer: { id: customer.id } });
    expect((redact.orders_to_redact as number[]).length).toBe(customer.numberOfOrders);
    expect(shop.customer(customer.id)).toBeNull();
    shop.install();
  });
});
