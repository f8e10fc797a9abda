/**
 * Hostile webhook deliveries against the real server build's intake and the worker's
 * processing: forged, altered and missing HMACs, wrong content types and oversized bodies
 * are refused (4xx) with nothing queued or written, and the body is never read past the
 * limit; replays of old webhooks (stale updated_at, or the same webhook id again) change
 * nothing newer.
 */
import { createHmac, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
import { closeQueues, getQueue } from "../../app/jobs/queues.server";
import type { WebhookJob } from "../../app/jobs/queues.server";
import { logger } from "../../app/logger.server";
import { MAX_WEBHOOK_BODY_BYTES } from "../../app/webhook-intake.server";
import type { WebhookContext } from "../../app/sync/context.server";
import { processWebhook } from "../../app/sync/webhook-processing.server";
import { createRowStore, type RowStore } from "../../app/sync/store.server";
import { removeShops, seedShop, type SeededShop } from "../e2e/harness";
import { API_SECRET, APP_ORIGIN, loadApp, shopState, storeName } from "./app-build";

const app = await loadApp();
const store = storeName("sec-hooks");
let shop: SeededShop;
let rows: RowStore;
/** The Admin API: a replay that is no newer than what is stored must never ask it. */
let apiCalls = 0;
let ctx: WebhookContext;

beforeAll(async () => {
  shop = await seedShop({ store, customers: 40 });
  rows = createRowStore(process.env.DATABASE_URL!);
  ctx = {
    db: prisma,
    store: rows,
    api: () => {
      apiCalls++;
      throw new Error("the Admin API must not be called for a replay");
    },
    log: logger,
  };
}, 120_000);

afterAll(async () => {
  await removeShops([shop.domain]);
  await rows.close();
  await app.close();
  await closeQueues();
});

const sign = (body: string | Buffer, secret = API_SECRET) =>
  createHmac("sha256", secret).update(body).digest("base64");

interface Delivery {
  topic?: string;
  body?: string | Buffer;
  hmac?: string | null;
  contentType?: string | null;
  webhookId?: string;
  extra?: Record<string, string>;
}

function webhook(options: Delivery = {}): { request: Request; webhookId: string } {
  const topic = options.topic ?? "orders/updated";
  const body = options.body ?? JSON.stringify({ id: 1, updated_at: "2031-01-01T00:00:00Z" });
  const webhookId = options.webhookId ?? randomUUID();
  const headers = new Headers({
    "X-Shopify-Topic": topic,
    "X-Shopify-Shop-Domain": shop.domain,
    "X-Shopify-API-Version": "2026-10",
    "X-Shopify-Webhook-Id": webhookId,
    "X-Shopify-Event-Id": webhookId,
    "X-Shopify-Triggered-At": new Date().toISOString(),
    ...options.extra,
  });
  if (options.contentType !== null)
    headers.set("Content-Type", options.contentType ?? "application/json");
  const hmac = options.hmac === undefined ? sign(body) : options.hmac;
  if (hmac !== null) headers.set("X-Shopify-Hmac-Sha256", hmac);
  const request = new Request(new URL(`/webhooks/${topic.replaceAll(".", "/")}`, APP_ORIGIN), {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : new Uint8Array(body),
  });
  return { request, webhookId };
}

const queued = async (webhookId: string) =>
  (await getQueue("webhooks").getJob(`wh-${webhookId}`)) ?? null;

/** Sends each delivery and checks it was refused with the status and left no trace. */
async function expectRefused(
  deliveries: { request: Request; webhookId: string }[],
  status: number,
) {
  const before = await shopState(shop.domain);
  for (const { request, webhookId } of deliveries) {
    const response = await app.handle(request);
    expect(response.status, `${request.headers.get("content-type")}`).toBe(status);
    expect(await queued(webhookId)).toBeNull();
  }
  expect(await shopState(shop.domain)).toBe(before);
}

describe("the webhook intake", () => {
  it("accepts a genuine delivery (the control)", async () => {
    const genuine = webhook();
    expect((await app.handle(genuine.request)).status).toBe(200);
    expect(await queued(genuine.webhookId)).not.toBeNull();
  });

  it("refuses forged and altered HMACs with 401, a missing one with 400, and queues nothing", async () => {
    const body = JSON.stringify({ id: 77, updated_at: "2031-01-01T00:00:00Z" });
    await expectRefused(
      [
        webhook({ body, hmac: sign(body, "not-the-app-secret") }),
        webhook({ body: body.replace("77", "78"), hmac: sign(body) }), // altered after signing
        webhook({ body, hmac: sign(body).slice(0, -4) }), // truncated
        webhook({ body, hmac: Buffer.from(sign(body), "base64").toString("hex") }), // wrong encoding
        webhook({ body, hmac: sign(`${body} `) }),
      ],
      401,
    );
    await expectRefused([webhook({ body, hmac: null }), webhook({ body, hmac: "" })], 400);
  });

  it("refuses any content type but JSON with 415, even when the HMAC is valid", async () => {
    const body = JSON.stringify({ id: 79, updated_at: "2031-01-01T00:00:00Z" });
    await expectRefused(
      [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonp",
        "text/json",
        null,
      ].map((contentType) => webhook({ body, contentType })),
      415,
    );
    // Parameters of the JSON type are fine.
    const charset = webhook({ body, contentType: "application/json; charset=utf-8" });
    expect((await app.handle(charset.request)).status).toBe(200);
  });

  it("refuses a signed body that is not JSON with 400", async () => {
    await expectRefused(
      ["{", "", "not json", "\u0000", '{"id": 1,}'].map((body) => webhook({ body })),
      400,
    );
  });

  it(`refuses bodies over ${MAX_WEBHOOK_BODY_BYTES} bytes with 413, the limit itself is fine`, async () => {
    const padded = (size: number) => {
      const head = '{"id":80,"updated_at":"2031-01-01T00:00:00Z","note":"';
      return `${head}${"x".repeat(size - head.length - 2)}"}`;
    };
    const atLimit = padded(MAX_WEBHOOK_BODY_BYTES);
    expect(Buffer.byteLength(atLimit)).toBe(MAX_WEBHOOK_BODY_BYTES);
    const accepted = webhook({ body: atLimit });
    expect((await app.handle(accepted.request)).status).toBe(200);
    expect(await queued(accepted.webhookId)).not.toBeNull();
    await expectRefused([webhook({ body: padded(MAX_WEBHOOK_BODY_BYTES + 1) })], 413);
  });

  it("never reads an endless body past the limit, declared length or not", async () => {
    for (const declared of [null, "1000", String(10 * MAX_WEBHOOK_BODY_BYTES)]) {
      let pulled = 0;
      const chunk = new Uint8Array(64 * 1024).fill(0x20);
      const endless = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled += chunk.byteLength;
          controller.enqueue(chunk);
        },
      });
      const webhookId = randomUUID();
      const headers = new Headers({
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/updated",
        "X-Shopify-Shop-Domain": shop.domain,
        "X-Shopify-Hmac-Sha256": sign("{}"),
        "X-Shopify-Webhook-Id": webhookId,
        "X-Shopify-API-Version": "2026-10",
      });
      if (declared) headers.set("Content-Length", declared);
      const response = await app.handle(
        new Request(new URL("/webhooks/orders/updated", APP_ORIGIN), {
          method: "POST",
          headers,
          body: endless,
          duplex: "half",
        } as RequestInit),
      );
      expect(response.status, `Content-Length ${declared}`).toBe(413);
      // Pulled at most the limit and the stream's read-ahead, never more.
      expect(pulled).toBeLessThanOrEqual(MAX_WEBHOOK_BODY_BYTES + 4 * chunk.byteLength);
      expect(await queued(webhookId)).toBeNull();
    }
  });
});

describe("replays", () => {
  async function deliverAndTake(delivery: Delivery): Promise<WebhookJob> {
    const { request, webhookId } = webhook(delivery);
    expect((await app.handle(request)).status).toBe(200);
    const job = await queued(webhookId);
    expect(job).not.toBeNull();
    return job!.data as WebhookJob;
  }

  it("an order webhook older than the stored order changes nothing and asks Shopify nothing", async () => {
    const order = await prisma.order.findFirstOrThrow({ where: { shopId: shop.shopId } });
    const stale = new Date(order.shopifyUpdatedAt.getTime() - 86_400_000).toISOString();
    const before = await shopState(shop.domain);
    for (const topic of ["orders/updated", "orders/create", "orders/cancelled"]) {
      const job = await deliverAndTake({
        topic,
        body: JSON.stringify({ id: Number(order.id), updated_at: stale, total_price: "0.00" }),
      });
      const outcome = await processWebhook(ctx, job);
      expect(outcome.ordersChanged).toBe(false);
    }
    expect(apiCalls).toBe(0);
    const after = await prisma.order.findUniqueOrThrow({
      where: { shopId_id: { shopId: shop.shopId, id: order.id } },
    });
    expect(after).toEqual(order);
    // Only the webhook ids were recorded.
    const changed = JSON.parse(await shopState(shop.domain)) as { webhooks: unknown[] };
    expect(changed.webhooks.length).toBe(
      (JSON.parse(before) as { webhooks: unknown[] }).webhooks.length + 3,
    );
  });

  it("an old customers/update changes nothing, and no customers/update touches the tags", async () => {
    const customer = await prisma.customer.findFirstOrThrow({ where: { shopId: shop.shopId } });
    const newer = new Date(customer.shopifyUpdatedAt.getTime() + 60_000);
    const older = new Date(customer.shopifyUpdatedAt.getTime() - 60_000);
    // A legacy payload still carrying tags (before API 2025-01): the tags are not read.
    const payload = (tags: string, at: Date) =>
      JSON.stringify({
        id: Number(customer.id),
        created_at: customer.createdAt.toISOString(),
        updated_at: at.toISOString(),
        tags,
      });
    const tagEvent = JSON.stringify({
      customerId: `gid://shopify/Customer/${customer.id}`,
      tags: ["replayed"],
      occurredAt: newer.toISOString(),
    });
    await processWebhook(
      ctx,
      await deliverAndTake({ topic: "customer.tags_added", body: tagEvent }),
    );
    await processWebhook(
      ctx,
      await deliverAndTake({ topic: "customers/update", body: payload("", newer) }),
    );
    await processWebhook(
      ctx,
      await deliverAndTake({ topic: "customers/update", body: payload("old", older) }),
    );
    const stored = await prisma.customer.findUniqueOrThrow({
      where: { shopId_id: { shopId: shop.shopId, id: customer.id } },
    });
    expect(stored.tags).toBe([customer.tags, "replayed"].filter(Boolean).join(", "));
    expect(stored.shopifyUpdatedAt.toISOString()).toBe(newer.toISOString());
    expect(apiCalls).toBe(0);
  });

  it("the same webhook id again is neither queued twice nor applied twice", async () => {
    const customer = await prisma.customer.findFirstOrThrow({
      where: { shopId: shop.shopId },
      orderBy: { id: "desc" },
    });
    const webhookId = randomUUID();
    const body = JSON.stringify({
      id: Number(customer.id),
      created_at: customer.createdAt.toISOString(),
      updated_at: new Date(customer.shopifyUpdatedAt.getTime() + 1_000).toISOString(),
      tags: "first",
    });
    const job = await deliverAndTake({ topic: "customers/update", body, webhookId });
    await processWebhook(ctx, job);
    const afterFirst = await shopState(shop.domain);
    // Redelivered by Shopify (same id): the queue keeps one job ...
    const waiting = await getQueue("webhooks").getJobCounts("waiting", "delayed", "prioritized");
    const again = webhook({ topic: "customers/update", body, webhookId });
    expect((await app.handle(again.request)).status).toBe(200);
    expect(await getQueue("webhooks").getJobCounts("waiting", "delayed", "prioritized")).toEqual(
      waiting,
    );
    // ... and processing it again (after the queue forgot it) changes nothing.
    const outcome = await processWebhook(ctx, job);
    expect(outcome).toEqual({ ordersChanged: false, bulkOperationFinished: false });
    // Even with a body altered to something newer: the id was applied once.
    await processWebhook(ctx, {
      ...job,
      payload: { ...(job.payload as object), tags: "second", updated_at: "2031-01-01T00:00:00Z" },
    });
    expect(await shopState(shop.domain)).toBe(afterFirst);
  });
});
