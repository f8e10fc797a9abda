/**
 * Survey answers and the compliance webhooks: customers/redact removes the customer's
 * answers (and only theirs, in their shop only); customers/data_request reports them.
 * Answers are stored through the real endpoint, then the webhook job runs as the
 * webhooks worker runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
import { closeSharedRateLimiters } from "../../app/extensions/rate-limit.server";
import type { WebhookJob } from "../../app/jobs/queues.server";
import { logger } from "../../app/logger.server";
import { action } from "../../app/routes/api.nps";
import type { WebhookContext } from "../../app/sync/context.server";
import { processWebhook } from "../../app/sync/webhook-processing.server";
import { createRowStore } from "../../app/sync/store.server";
import { domainOf, extensionToken, storeName } from "./tokens";

const store = storeName("nps-privacy");
const otherStore = storeName("nps-privacy-b");
const REDACTED = 9_100_000_001n;
const KEPT = 9_100_000_002n;
const ORDER_OF_REDACTED = 9_200_000_001n;
const ORDER_LINKED_BY_SYNC = 9_200_000_002n;
const ORDER_OF_KEPT = 9_200_000_003n;
let shopId = 0;
let otherShopId = 0;

const rowStore = createRowStore(process.env.DATABASE_URL!);
const ctx: WebhookContext = {
  db: prisma,
  store: rowStore,
  api: () => {
    throw new Error("compliance topics never call Shopify");
  },
  log: logger,
};

async function answer(shop: string, orderId: bigint, customerId?: bigint): Promise<void> {
  const request = new Request("https://kizuna.test/api/nps", {
    method: "POST",
    headers: {
      Authorization: `Bearer ${await extensionToken(shop, { customerId })}`,
      "Content-Type": "application/json",
    },
    body: JSON.stringify({
      orderId: `gid://shopify/Order/${orderId}`,
      score: 3,
      comment: "personal words",
      source: "thank-you",
    }),
  });
  const response = await action({ request, params: {}, context: {} });
  expect(response.status).toBe(201);
}

function job(topic: string, payload: unknown): WebhookJob {
  return {
    shop: domainOf(store),
    topic,
    webhookId: `${topic}-${Date.now()}`,
    receivedAt: new Date().toISOString(),
    payload,
  };
}

beforeAll(async () => {
  shopId = (await prisma.shop.create({ data: { domain: domainOf(store) } })).id;
  otherShopId = (await prisma.shop.create({ data: { domain: domainOf(otherStore) } })).id;
  // A guest checkout Shopify later attached to the customer: sync stored the link.
  await prisma.order.create({
    data: {
      shopId,
      id: ORDER_LINKED_BY_SYNC,
      customerId: REDACTED,
      processedAt: new Date("2026-05-01T00:00:00Z"),
      grossMinor: 1_000n,
      netMinor: 1_000n,
      shopifyUpdatedAt: new Date("2026-05-01T00:00:00Z"),
    },
  });
  await answer(store, ORDER_OF_REDACTED, REDACTED);
  await answer(store, ORDER_LINKED_BY_SYNC);
  await answer(store, ORDER_OF_KEPT, KEPT);
  await answer(otherStore, ORDER_OF_REDACTED, REDACTED);
});

afterAll(async () => {
  await prisma.shop.deleteMany({ where: { domain: { in: [store, otherStore].map(domainOf) } } });
  await rowStore.close();
  closeSharedRateLimiters();
  await prisma.$disconnect();
});

describe("survey answers and the compliance webhooks", () => {
  it("customers/data_request includes the customer's answers", async () => {
    await processWebhook(
      ctx,
      job("CUSTOMERS_DATA_REQUEST", { customer: { id: Number(REDACTED) } }),
    );
    const request = await prisma.dataRequest.findFirstOrThrow({
      where: { shopId, customerId: REDACTED },
    });
    const payload = JSON.parse(request.payload) as { npsResponses: { orderId: string }[] };
    expect(payload.npsResponses.map((r) => r.orderId).sort()).toEqual(
      [ORDER_OF_REDACTED, ORDER_LINKED_BY_SYNC].map(String).sort(),
    );
  });

  it("customers/redact deletes the customer's answers, in that shop only", async () => {
    expect(await prisma.npsResponse.count({ where: { shopId, customerId: REDACTED } })).toBe(2);
    await processWebhook(
      ctx,
      job("CUSTOMERS_REDACT", {
        customer: { id: Number(REDACTED) },
        orders_to_redact: [Number(ORDER_OF_REDACTED), Number(ORDER_LINKED_BY_SYNC)],
      }),
    );
    const left = await prisma.npsResponse.findMany({ where: { shopId } });
    expect(left.map((r) => [r.orderId, r.customerId])).toEqual([[ORDER_OF_KEPT, KEPT]]);
    // Another shop's customer with the same id is another person.
    expect(await prisma.npsResponse.count({ where: { shopId: otherShopId } })).toBe(1);
  });

  it("customers/redact also deletes unlinked answers to the orders it names", async () => {
    // A guest answer on the Thank you page before the order was synced: no customer yet.
    const UNLINKED_ORDER = 9_200_000_009n;
    await answer(store, UNLINKED_ORDER);
    expect(
      await prisma.npsResponse.count({
        where: { shopId, orderId: UNLINKED_ORDER, customerId: null },
      }),
    ).toBe(1);
    await processWebhook(
      ctx,
      job("CUSTOMERS_REDACT", {
        customer: { id: Number(REDACTED) },
        orders_to_redact: [Number(UNLINKED_ORDER)],
      }),
    );
    expect(await prisma.npsResponse.count({ where: { shopId, orderId: UNLINKED_ORDER } })).toBe(0);
    expect(await prisma.npsResponse.count({ where: { shopId, orderId: ORDER_OF_KEPT } })).toBe(1);
  });
});
