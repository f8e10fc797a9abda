// Webhooks: Shopify's headers and HMAC (verified by @shopify/shopify-api's own validate),
// REST payloads per topic as of API 2026-10 (customer payloads without tags; tag changes as
// customer.tags_added / customer.tags_removed), include_fields, retries with the same
// Webhook-Id, duplicates, compliance topics.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shopifyApi, ApiVersion, LogSeverity } from "@shopify/shopify-api";
import "@shopify/shopify-api/adapters/node";
import { startFakeShopify, type FakeShopify } from "./index";
import { tempRoot } from "../setup/reaper.mjs";
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
/** The app's subscriptions without include_fields: whole payloads, to check their shape. */
const scratch = mkdtempSync(join(tempRoot(), "fake-hooks-"));
const wholePayloadsToml = join(scratch, "shopify.app.toml");

/** Fields customer payloads lost in API 2025-01 (changelog, see README "Sources"). */
const REMOVED_IN_2025_01 = [
  "tags",
  "email_marketing_consent",
  "sms_marketing_consent",
  "last_order_id",
  "last_order_name",
  "total_spent",
  "orders_count",
];

beforeAll(async () => {
  writeFileSync(
    wholePayloadsToml,
    readFileSync("shopify.app.toml", "utf8").replace(/^\s*include_fields = .*$/gm, ""),
  );
  receiver = await startWebhookReceiver();
  fake = await startFakeShopify({
    shops: [{ domain, customers: 400, seed: 5, currency: "USD", horizonDays: 30 }],
    appUrl: receiver.url,
    appConfigPath: wholePayloadsToml,
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
  rmSync(scratch, { recursive: true, force: true });
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
    const truth = fake.shop().order(BigInt(String(order.id)));
    expect(truth?.createdAt).toBe(
      new Date(String(order.created_at)).toISOString().replace(".000Z", "Z"),
    );
    // Customers, alone or inside an order, as of API 2025-01.
    const customers = receiver.received
      .filter((h) => h.topic.startsWith("customers/"))
      .map(bodyOf)
      .concat(
        receiver.received
          .filter((h) => h.topic.startsWith("orders/"))
          .map((h) => bodyOf(h).customer as Record<string, unknown>)
          .filter(Boolean),
      );
    expect(customers.length).toBeGreaterThan(5);
    for (const customer of customers) {
      for (const field of REMOVED_IN_2025_01) expect(customer).not.toHaveProperty(field);
    }
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
    expect(bodyOf(hooks[0] as ReceivedWebhook)).toMatchObject({ id: Number(customer.id) });
    expect(bodyOf(hooks[0] as ReceivedWebhook)).not.toHaveProperty("tags");
    // The tags it was created with come as customer.tags_added.
    const added = receiver.received.slice(before).find((h) => h.topic === "customer.tags_added");
    expect(added && bodyOf(added)).toMatchObject({ customerId: customer.gid, tags: ["wholesale"] });
    const record = fake.webhooks.deliveries().find((d) => d.webhook.webhookId === [...ids][0]);
    expect(record?.delivered).toBe(true);
    expect(record?.attempts.some((a) => a.status === 503)).toBe(true);
  });

  it("reorders and delays deliveries when configured", async () => {
    const before = receiver.received.length;
    fake.webhooks.configure({ reorderWindow: 30, delayMs: [0, 20] });
    const created = Array.from({ length: 30 }, () => Number(fake.shop().createCustomer().id));
    await fake.webhooks.flush();
    fake.webhooks.configure({ reorderWindow: 0, delayMs: [0, 0] });
    const arrived = receiver.received
      .slice(before)
      .filter((h) => h.topic === "customers/create")
      .map((h) => Number(bodyOf(h).id));
    expect([...arrived].sort((a, b) => a - b)).toEqual(created);
    expect(arrived).not.toEqual(created);
  });

  it("sends customer.tags_added / _removed with the tags that changed when the app writes tags", async () => {
    const customer = [...fake.shop().customers()][3];
    if (!customer) throw new Error("no customer");
    const { accessToken } = fake.shop().accessToken();
    const write = async (mutation: "tagsAdd" | "tagsRemove", tags: string[]) => {
      const before = receiver.received.length;
      const reply = await adminGraphql(
        fake,
        domain,
        accessToken,
        `mutation($id: ID!, $tags: [String!]!) { ${mutation}(id: $id, tags: $tags) { node { id } userErrors { field message } } }`,
        { id: customer.gid, tags },
      );
      expect(reply.body.data).toEqual({
        [mutation]: { node: { id: customer.gid }, userErrors: [] },
      });
      await fake.webhooks.flush();
      return receiver.received.slice(before);
    };

    const added = await write("tagsAdd", ["kizuna-vip", "Champion"]);
    expect(added.map((h) => h.topic)).toEqual(["customers/update", "customer.tags_added"]);
    expect(bodyOf(added[0]!)).not.toHaveProperty("tags");
    const event = bodyOf(added[1]!);
    expect(event).toEqual({
      customerId: customer.gid,
      tags: ["Champion", "kizuna-vip"],
      occurredAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
    expect(fake.shop().customer(customer.id)?.tags).toEqual(
      expect.arrayContaining(["Champion", "kizuna-vip"]),
    );
    expect(fake.shop().appTagWrites.at(-1)).toMatchObject({ customerId: customer.id });

    // Only what really changes is reported: an absent tag removed, a present one added.
    const removed = await write("tagsRemove", ["champion", "never-there"]);
    expect(removed.map((h) => h.topic)).toEqual(["customers/update", "customer.tags_removed"]);
    expect(bodyOf(removed[1]!)).toMatchObject({ customerId: customer.gid, tags: ["Champion"] });
    expect(await write("tagsAdd", ["KIZUNA-VIP"])).toEqual([]);
  });

  it("delivers only the fields a subscription's include_fields names", async () => {
    const trimmed = await startFakeShopify({
      shops: [{ domain: "trimmed.myshopify.com", customers: 50, seed: 6, horizonDays: 0 }],
      appUrl: receiver.url,
      webhooks: { retryBaseMs: 10 },
    });
    try {
      const before = receiver.received.length;
      const shop = trimmed.shop();
      const customer = shop.createCustomer({ tags: ["wholesale"] });
      shop.createOrder({ customerId: customer.id });
      await trimmed.webhooks.flush();
      const keys = new Map(
        receiver.received.slice(before).map((h) => [h.topic, Object.keys(bodyOf(h)).sort()]),
      );
      expect(keys.get("customers/create")).toEqual(["created_at", "id", "updated_at"]);
      expect(keys.get("orders/create")).toEqual(["id", "updated_at"]);
      expect(keys.get("customer.tags_added")).toEqual(["customerId", "occurredAt", "tags"]);
    } finally {
      await trimmed.close();
    }
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
    expect(redact).toMatchObject({ shop_domain: domain, customer: { id: Number(customer.id) } });
    expect((redact.orders_to_redact as number[]).length).toBe(customer.numberOfOrders);
    expect(shop.customer(customer.id)).toBeNull();
    shop.install();
  });
});
