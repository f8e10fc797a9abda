import { Prisma } from "@prisma/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "../../app/db.server";
import type { WebhookJob } from "../../app/jobs/webhooks.server";
import { logger } from "../../app/logger.server";
import type { OrderRow } from "../../app/sync/rows";
import { createRowStore } from "../../app/sync/store.server";
import { processWebhook, type WebhookContext } from "../../app/sync/webhook-processing.server";

const url = process.env.DATABASE_URL!;
const db = createDatabase(url);
const store = createRowStore(url);
const ctx: WebhookContext = {
  db,
  store,
  api: () => {
    throw new Error("compliance topics never call Shopify");
  },
  log: logger,
};
const stamp = `${process.pid}-${Date.now()}`;
const domain = `privacy-${stamp}.myshopify.com`;
const SUBJECT = 4_242n;
const OTHER = 4_343n;
let shopId = 0;

/** Every model of the schema, read from Prisma's own model list: new tables are covered. */
const models = Prisma.dmmf.datamodel.models;
const delegate = (model: string) =>
  (db as unknown as Record<string, { count(args: object): Promise<number> }>)[
    model[0]!.toLowerCase() + model.slice(1)
  ]!;

/** Rows of every table that belong to the customer (by customerId, or Customer.id). */
async function rowsOfCustomer(customerId: bigint): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const model of models) {
    const fields = new Set(model.fields.map((f) => f.name));
    const where =
      model.name === "Customer"
        ? { shopId, id: customerId }
        : fields.has("customerId") && fields.has("shopId")
          ? { shopId, customerId }
          : null;
    if (where) counts[model.name] = await delegate(model.name).count({ where });
  }
  return counts;
}

/** Rows of every table that belong to the shop (by shopId, or the shop's domain). */
async function rowsOfShop(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const model of models) {
    const fields = new Set(model.fields.map((f) => f.name));
    const where = fields.has("shopId")
      ? { shopId }
      : model.name === "Shop"
        ? { domain }
        : model.name === "Session"
          ? { shop: domain }
          : null;
    expect(where, `${model.name} has no shop column: the scan cannot cover it`).not.toBeNull();
    counts[model.name] = await delegate(model.name).count({ where: where! });
  }
  return counts;
}

const order = (id: bigint, customerId: bigint | null): OrderRow => ({
  id,
  customerId,
  processedAt: new Date("2026-04-01T00:00:00Z"),
  cancelledAt: null,
  test: false,
  grossMinor: 5_000n,
  refundedMinor: 0n,
  netMinor: 5_000n,
  itemQuantity: 1,
  sourceName: "web",
  subscription: false,
  shopifyUpdatedAt: new Date("2026-04-01T00:00:00Z"),
});

const job = (topic: string, payload: unknown): WebhookJob => ({
  shop: domain,
  topic,
  webhookId: `${topic}-${stamp}`,
  receivedAt: new Date().toISOString(),
  payload,
});

beforeAll(async () => {
  shopId = (await db.shop.create({ data: { domain } })).id;
  await db.session.create({
    data: { id: `offline_${domain}`, shop: domain, state: "x", accessToken: "shpat_x" },
  });
  const customer = (id: bigint) => ({
    id,
    createdAt: new Date("2026-01-01T00:00:00Z"),
    shopifyUpdatedAt: new Date("2026-01-01T00:00:00Z"),
    tags: "vip",
  });
  await store.upsertCustomers(shopId, [customer(SUBJECT), customer(OTHER)]);
  await store.upsertOrders(shopId, [order(1n, SUBJECT), order(2n, SUBJECT), order(3n, OTHER)]);
  for (const customerId of [SUBJECT, OTHER]) {
    await db.customerMetric.create({
      data: {
        shopId,
        customerId,
        segment: "champions",
        recencyScore: 5,
        frequencyScore: 5,
        monetaryScore: 5,
        recencyDays: 1,
        frequency: 2,
        monetaryMinor: 10_000n,
        computedAt: new Date(),
      },
    });
  }
  await db.npsResponse.create({
    data: { shopId, orderId: 1n, customerId: SUBJECT, score: 9, source: "thank-you" },
  });
  await db.marketingSpend.create({
    data: { shopId, month: "2026-04", channel: "ads", amountMinor: 100_000n },
  });
  await db.metricSnapshot.create({
    data: { shopId, computedAt: new Date(), asOf: new Date(), data: "{}" },
  });
  await db.webhookEvent.create({
    data: { shopId, webhookId: `seen-${stamp}`, topic: "ORDERS_CREATE" },
  });
});

afterAll(async () => {
  await db.shop.deleteMany({ where: { domain } });
  await store.close();
  await db.$disconnect();
});

describe("compliance webhooks", () => {
  it("customers/data_request records everything stored about the customer", async () => {
    await processWebhook(ctx, job("CUSTOMERS_DATA_REQUEST", { customer: { id: Number(SUBJECT) } }));
    const request = await db.dataRequest.findFirstOrThrow({
      where: { shopId, customerId: SUBJECT },
    });
    const payload = JSON.parse(request.payload) as {
      customer: { id: string };
      orders: { id: string }[];
      metrics: { segment: string };
      npsResponses: unknown[];
    };
    expect(payload.customer.id).toBe(String(SUBJECT));
    expect(payload.orders.map((o) => o.id)).toEqual(["1", "2"]);
    expect(payload.metrics.segment).toBe("champions");
    expect(payload.npsResponses).toHaveLength(1);
  });

  it("customers/redact leaves no row of the customer in any table", async () => {
    expect(Object.values(await rowsOfCustomer(SUBJECT)).some((n) => n > 0)).toBe(true);
    await processWebhook(
      ctx,
      job("CUSTOMERS_REDACT", { customer: { id: Number(SUBJECT) }, orders_to_redact: [1, 2] }),
    );
    const left = await rowsOfCustomer(SUBJECT);
    expect(Object.keys(left)).toEqual(
      expect.arrayContaining(["Customer", "Order", "CustomerMetric", "NpsResponse", "DataRequest"]),
    );
    expect(Object.entries(left).filter(([, n]) => n > 0)).toEqual([]);
    // The shop keeps its revenue, anonymously, and the other customer is untouched.
    expect(await db.order.count({ where: { shopId, customerId: null } })).toBe(2);
    expect(await rowsOfCustomer(OTHER)).toMatchObject({ Customer: 1, Order: 1, CustomerMetric: 1 });
  });

  it("shop/redact leaves no row of the shop in any table", async () => {
    expect(Object.values(await rowsOfShop()).some((n) => n > 0)).toBe(true);
    await processWebhook(ctx, job("SHOP_REDACT", { shop_id: 1, shop_domain: domain }));
    expect(Object.entries(await rowsOfShop()).filter(([, n]) => n > 0)).toEqual([]);
  });
});
