/**
 * Shopify's compliance webhooks against a scan of every table, derived from Prisma's model
 * list (a new table is covered without touching this file, or fails the scan if it has no
 * shop column). The data is what the app really stores: customers through their webhooks
 * (WebhookEvent rows), orders through the sync store, survey answers, marketing spend, and
 * a real compute (the per-customer result set, whose binary chunks are searched for the id's
 * bytes and decoded, and a MetricSnapshot, whose JSON is searched for the customer's id too). After a redaction the customer stays a tombstone (their id and
 * nothing else), and late webhooks and sync writes about them (customers/update, tag
 * events, an order refresh that still names them, rows as a reconciliation or backfill
 * writes them) store nothing of them again. Not covered here: BullMQ job data in Redis —
 * the intake keeps only the fields processing reads, but finished webhook jobs (incl. the
 * redact job itself) still hold the customer's id for up to a day (failed ones 14 days)
 * after the redaction.
 */
import { Prisma } from "@prisma/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "../../app/db.server";
import type { WebhookJob } from "../../app/jobs/queues.server";
import { logger } from "../../app/logger.server";
import type { AdminApi } from "../../app/sync/admin-api.server";
import { CUSTOMER_FOR_SYNC, ORDER_FOR_SYNC } from "../../app/sync/operations";
import type { OrderRow } from "../../app/sync/rows";
import { createRowStore } from "../../app/sync/store.server";
import type { WebhookContext } from "../../app/sync/context.server";
import { processWebhook } from "../../app/sync/webhook-processing.server";
import { computeShop } from "../../app/metrics/compute.server";
import { customerResult } from "../../app/metrics/result-set.server";
import { DEFAULT_SETTINGS } from "../../app/settings";
import { installOfflineSession } from "../helpers/sessions";

const url = process.env.DATABASE_URL!;
const db = createDatabase(url);
const store = createRowStore(url);
/**
 * Shopify, as far as these tests need it: compliance topics never call it; after the
 * redaction it still answers with the customer and their orders linked to them (the
 * redaction request is days old, Shopify's own erasure may not have happened yet).
 */
const shopify = { calls: [] as string[] };
const ctx: WebhookContext = {
  db,
  store,
  api: () => ({ request: stubRequest }) as unknown as AdminApi,
  log: logger,
};
const stamp = `${process.pid}-${Date.now()}`;
const domain = `privacy-${stamp}.myshopify.com`;
// Shopify-sized ids, so a scan of whole rows for the id cannot match an aggregate by chance.
const SUBJECT = 7_390_551_234_567n;
const OTHER = 7_390_551_239_876n;
const SUBJECT_ORDERS = [5_550_000_000_001n, 5_550_000_000_002n];
const OTHER_ORDER = 5_550_000_000_003n;
/** Placed as a guest (no customer), later named by Shopify in the customer's requests. */
const GUEST_ORDER = 5_550_000_000_004n;
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
        ? // A tombstone holds nothing of them (checked apart).
          { shopId, id: customerId, deleted: false }
        : fields.has("customerId") && fields.has("shopId")
          ? { shopId, customerId }
          : null;
    if (where) counts[model.name] = await delegate(model.name).count({ where });
  }
  // The result set keeps customers inside binary chunks: counted by decoding them.
  counts.CustomerResult = (await customerResult(db, shopId, customerId)) ? 1 : 0;
  return counts;
}

/** JSON with bigints as strings and dates as ISO text (as the data_request export is). */
const toJson = (value: unknown) =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

/** The where clause selecting a model's rows of the shop. */
function shopWhere(model: (typeof models)[number]): object | null {
  const fields = new Set(model.fields.map((f) => f.name));
  if (fields.has("shopId")) return { shopId };
  if (model.name === "Shop") return { domain };
  if (model.name === "Session") return { shop: domain };
  return null;
}

interface Mention {
  model: string;
  row: Record<string, unknown>;
}

/**
 * Every row of the shop, in every table, that mentions the customer: their id anywhere in
 * the row (columns, JSON text such as snapshots and data-request payloads), or one of their
 * orders in an `orderId` column (e.g. a survey answer given before the order was linked).
 * A line item is part of its order: like the Order row, which a redaction keeps as the shop's
 * anonymous revenue, it mentions the customer while its order is linked to them.
 */
async function mentionsOf(customerId: bigint, orderIds: readonly bigint[]): Promise<Mention[]> {
  const id = new RegExp(`(?<![0-9])${customerId}(?![0-9])`);
  const orders = new Set(orderIds);
  const linked = new Set(
    (await db.order.findMany({ where: { shopId, customerId }, select: { id: true } })).map(
      (o) => o.id,
    ),
  );
  const out: Mention[] = [];
  for (const model of models) {
    const where = shopWhere(model);
    expect(where, `${model.name} has no shop column: the scan cannot cover it`).not.toBeNull();
    const rows = await (
      db as unknown as Record<string, { findMany(args: object): Promise<object[]> }>
    )[model.name[0]!.toLowerCase() + model.name.slice(1)]!.findMany({ where: where! });
    for (const row of rows as Record<string, unknown>[]) {
      if (model.name === "Customer" && isTombstone(row)) continue;
      if (model.name === "CustomerResultChunk") {
        const mention = await resultSetMention(row, customerId);
        if (mention) out.push(mention);
        continue;
      }
      const byOrder =
        typeof row.orderId === "bigint" &&
        (model.name === "OrderLineItem" ? linked : orders).has(row.orderId);
      if (byOrder || id.test(toJson(row))) out.push({ model: model.name, row });
    }
  }
  return out;
}

/**
 * A result-set chunk that holds the customer: their decoded result (what a data request must
 * export), or the raw chunk when its bytes or lookup key hold the id without a readable result.
 */
async function resultSetMention(
  row: Record<string, unknown>,
  customerId: bigint,
): Promise<Mention | null> {
  const bytes = Buffer.from(row.data as Uint8Array);
  const le = Buffer.alloc(8);
  le.writeBigInt64LE(customerId);
  const be = Buffer.alloc(8);
  be.writeBigInt64BE(customerId);
  const text = new RegExp(`(?<![0-9])${customerId}(?![0-9])`);
  const holds =
    bytes.includes(le) ||
    bytes.includes(be) ||
    bytes.includes(Buffer.from(String(customerId))) ||
    row.firstId === customerId ||
    text.test(toJson({ ...row, data: null }));
  if (!holds) return null;
  const result = row.kind === "rows" ? await customerResult(db, shopId, customerId) : null;
  if (result === null || row.part === undefined) {
    const { data: _bytes, ...chunk } = row;
    return { model: "CustomerResultChunk", row: chunk };
  }
  const { computedAt: _at, ...values } = result;
  return { model: "CustomerResult", row: values };
}

/** Every object nested anywhere in a JSON value. */
function objectsIn(value: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(value)) for (const v of value) objectsIn(v, out);
  else if (value && typeof value === "object") {
    out.push(value as Record<string, unknown>);
    for (const v of Object.values(value)) objectsIn(v, out);
  }
  return out;
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

const order = (id: bigint, customerId: bigint | null, day = 1): OrderRow => ({
  id,
  customerId,
  processedAt: new Date(`2026-04-${String(day).padStart(2, "0")}T00:00:00Z`),
  cancelledAt: null,
  test: false,
  grossMinor: 5_000n,
  refundedMinor: 0n,
  netMinor: 5_000n,
  itemQuantity: 1,
  sourceName: "web",
  subscription: false,
  shopifyUpdatedAt: new Date("2026-04-01T00:00:00Z"),
  // One line item per order: a data request exports it with the order.
  lineItems: [
    {
      id: id * 10n + 2n,
      orderId: id,
      productId: 11n,
      variantId: 12n,
      quantity: 1,
      currentQuantity: 1,
      netMinor: 5_000n,
      subscription: false,
      giftCard: false,
      versionAt: new Date("2026-04-01T00:00:00Z"),
    },
  ],
});

let webhookSerial = 0;
const job = (topic: string, payload: unknown): WebhookJob => ({
  shop: domain,
  topic,
  webhookId: `${topic}-${stamp}-${++webhookSerial}`,
  receivedAt: new Date().toISOString(),
  payload,
});

/** A customers/* payload as Shopify sends it since API 2025-01 (Kizuna keeps id and dates). */
const customerPayload = (id: bigint, updatedAt = "2026-01-02T00:00:00Z") => ({
  id: Number(id),
  email: `c${id}@example.com`,
  first_name: "Hana",
  last_name: "Sato",
  created_at: "2026-01-01T00:00:00Z",
  updated_at: updatedAt,
  phone: null,
});
const gid = (type: string, id: bigint) => `gid://shopify/${type}/${id}`;

async function stubRequest(query: string, variables: { id: string }): Promise<unknown> {
  shopify.calls.push(variables.id);
  if (query === CUSTOMER_FOR_SYNC) {
    return {
      customer: {
        id: variables.id,
        createdAt: "2026-01-01T00:00:00Z",
        updatedAt: "2026-06-01T00:00:00Z",
        tags: ["vip", "rfm:champions"],
      },
    };
  }
  if (query === ORDER_FOR_SYNC) {
    return {
      order: {
        id: variables.id,
        processedAt: "2026-04-01T00:00:00Z",
        updatedAt: "2026-06-01T00:00:00Z",
        cancelledAt: null,
        test: false,
        sourceName: "web",
        customer: { id: gid("Customer", SUBJECT) },
        totalPriceSet: { shopMoney: { amount: "50.00", currencyCode: "USD" } },
        totalRefundedSet: { shopMoney: { amount: "0.00", currencyCode: "USD" } },
        currentSubtotalLineItemsQuantity: 1,
        attribution: { handle: "online_store" },
        discountCodes: ["WELCOME10"],
        // A newsletter link that carries the subscriber's address: none of it is stored.
        customerJourneySummary: {
          ready: true,
          firstVisit: {
            source: "email",
            sourceType: "NEWSLETTER",
            referrerUrl: `https://mail.example.com/u/c${SUBJECT}@example.com`,
            landingPage: `https://${domain}/products/a?utm_content=c${SUBJECT}%40example.com&customer=${SUBJECT}`,
            utmParameters: {
              source: "newsletter",
              medium: "email",
              campaign: "winter",
              content: `c${SUBJECT}@example.com`,
              term: null,
            },
          },
        },
        lineItems: {
          nodes: [
            {
              id: `gid://shopify/LineItem/${variables.id.split("/").at(-1)}1`,
              quantity: 1,
              currentQuantity: 1,
              isGiftCard: false,
              product: { id: "gid://shopify/Product/11" },
              variant: { id: "gid://shopify/ProductVariant/12" },
              originalTotalSet: { shopMoney: { amount: "50.00", currencyCode: "USD" } },
              discountAllocations: [],
              sellingPlan: null,
            },
          ],
        },
      },
    };
  }
  throw new Error(`unexpected query ${query.slice(0, 60)}`);
}

/** The tombstone a redaction leaves: the customer's id, and nothing else. */
const isTombstone = (row: Record<string, unknown>) =>
  row.deleted === true &&
  row.tags === "" &&
  row.tagsUpdatedAt === null &&
  row.taggedSegment === null &&
  (row.createdAt as Date).getTime() === 0 &&
  (row.shopifyUpdatedAt as Date).getTime() === 0;

beforeAll(async () => {
  // Two customers: segmented all the same (the default minimum would leave no per-customer
  // rows for the scan to find).
  const settings = JSON.stringify({ ...DEFAULT_SETTINGS, minSegmentCustomers: 1 });
  shopId = (await db.shop.create({ data: { domain, settings } })).id;
  await installOfflineSession(db, domain, { accessToken: "shpat_x" });
  // Customers arrive as webhooks (which also leaves WebhookEvent rows), orders via sync.
  for (const id of [SUBJECT, OTHER]) {
    await processWebhook(ctx, job("CUSTOMERS_CREATE", customerPayload(id)));
  }
  await store.upsertOrders(shopId, [
    order(SUBJECT_ORDERS[0]!, SUBJECT, 1),
    order(SUBJECT_ORDERS[1]!, SUBJECT, 9),
    order(OTHER_ORDER, OTHER, 5),
    order(GUEST_ORDER, null, 7),
  ]);
  // Survey answers: one linked to the customer, one given before the order was linked.
  await db.npsResponse.create({
    data: {
      shopId,
      orderId: SUBJECT_ORDERS[0]!,
      customerId: SUBJECT,
      score: 9,
      comment: "fast",
      source: "thank-you",
    },
  });
  await db.npsResponse.create({
    data: {
      shopId,
      orderId: SUBJECT_ORDERS[1]!,
      customerId: null,
      score: 7,
      source: "order-status",
    },
  });
  await db.npsResponse.create({
    data: { shopId, orderId: OTHER_ORDER, customerId: OTHER, score: 3, source: "thank-you" },
  });
  await db.marketingSpend.create({
    data: { shopId, month: "2026-04", channel: "ads", amountMinor: 100_000n },
  });
  // The real compute: per-customer rows and a snapshot (top-customer lists, Pareto, NPS …),
  // so the scan sees what the app actually stores, not hand-made rows.
  await computeShop(domain, { db, databaseUrl: url, asOf: new Date("2026-04-20T00:00:00Z") });
});

afterAll(async () => {
  await db.shop.deleteMany({ where: { domain } });
  await db.session.deleteMany({ where: { shop: domain } });
  await store.close();
  await db.$disconnect();
});

describe("compliance webhooks", () => {
  it("the scan covers every table and finds the customer in the derived ones", async () => {
    const found = new Set((await mentionsOf(SUBJECT, SUBJECT_ORDERS)).map((m) => m.model));
    expect([...found].sort()).toEqual(
      expect.arrayContaining(["Customer", "CustomerResult", "NpsResponse", "Order"]),
    );
    expect(await db.metricSnapshot.count({ where: { shopId } })).toBe(1);
    expect(await db.webhookEvent.count({ where: { shopId } })).toBe(2);
  });

  it("customers/data_request exports every row that mentions the customer", async () => {
    // Twice: the second export must also account for the first request's record.
    for (let round = 1; round <= 2; round++) {
      const before = await mentionsOf(SUBJECT, SUBJECT_ORDERS);
      await processWebhook(
        ctx,
        job("CUSTOMERS_DATA_REQUEST", {
          shop_id: 1,
          shop_domain: domain,
          customer: { id: Number(SUBJECT), email: `c${SUBJECT}@example.com`, phone: null },
          orders_requested: [...SUBJECT_ORDERS, GUEST_ORDER].map(Number),
          data_request: { id: round },
        }),
      );
      const requests = await db.dataRequest.findMany({
        where: { shopId, customerId: SUBJECT },
        orderBy: { id: "asc" },
      });
      expect(requests).toHaveLength(round);
      const exported = objectsIn(JSON.parse(requests.at(-1)!.payload));
      const missing = before
        .map(({ model, row }) => ({
          model,
          row: JSON.parse(toJson(row)) as Record<string, unknown>,
        }))
        .filter(
          ({ model, row }) =>
            !exported.some((o) =>
              // A previous request is listed by id and date (its payload is an older copy of
              // this export); every other row appears with all of its columns.
              model === "DataRequest"
                ? o.id === row.id && o.createdAt === row.createdAt
                : Object.entries(row).every(([k, v]) => toJson(o[k]) === toJson(v)),
            ),
        )
        .map(({ model, row }) => `${model} ${toJson(row).slice(0, 160)}`);
      expect(missing).toEqual([]);
      // The orders Shopify names are in it, the guest order too.
      const orders = (JSON.parse(requests.at(-1)!.payload) as { orders: { id: string }[] }).orders;
      expect(orders.map((o) => o.id).sort()).toEqual(
        [...SUBJECT_ORDERS, GUEST_ORDER].map(String).sort(),
      );
      // Nothing of another customer.
      expect(requests.at(-1)!.payload).not.toMatch(new RegExp(`(?<![0-9])${OTHER}(?![0-9])`));
    }
  });

  it("customers/redact leaves no row or mention of the customer in any table", async () => {
    expect(Object.values(await rowsOfCustomer(SUBJECT)).some((n) => n > 0)).toBe(true);
    await processWebhook(
      ctx,
      job("CUSTOMERS_REDACT", {
        shop_id: 1,
        shop_domain: domain,
        customer: { id: Number(SUBJECT), email: `c${SUBJECT}@example.com`, phone: null },
        orders_to_redact: [...SUBJECT_ORDERS, GUEST_ORDER].map(Number),
      }),
    );
    const left = await rowsOfCustomer(SUBJECT);
    expect(Object.keys(left)).toEqual(
      expect.arrayContaining(["Customer", "Order", "CustomerResult", "NpsResponse", "DataRequest"]),
    );
    expect(Object.entries(left).filter(([, n]) => n > 0)).toEqual([]);
    // No mention anywhere either: snapshots, webhook records, survey answers on their orders.
    expect(
      (await mentionsOf(SUBJECT, SUBJECT_ORDERS)).map((m) => `${m.model} ${toJson(m.row)}`),
    ).toEqual([]);
    // The shop keeps its revenue, anonymously, and the other customer is untouched.
    expect(await db.order.count({ where: { shopId, customerId: null } })).toBe(3);
    expect(await rowsOfCustomer(OTHER)).toMatchObject({
      Customer: 1,
      Order: 1,
      CustomerResult: 1,
      NpsResponse: 1,
    });
    // What stays is a tombstone: their id, and nothing else.
    const tombstone = await db.customer.findUniqueOrThrow({
      where: { shopId_id: { shopId, id: SUBJECT } },
    });
    expect(isTombstone(tombstone)).toBe(true);
    // A recompute after the redaction still knows nothing of them.
    await computeShop(domain, { db, databaseUrl: url, asOf: new Date("2026-04-21T00:00:00Z") });
    expect((await mentionsOf(SUBJECT, SUBJECT_ORDERS)).map((m) => m.model)).toEqual([]);
  });

  it("late webhooks and sync writes after customers/redact store nothing of the customer again", async () => {
    const before = await rowsOfCustomer(OTHER);
    // A late customers/update (newer than anything stored), tag events old and new, an
    // orders/updated whose order Shopify still links to them, a refund on it.
    await processWebhook(
      ctx,
      job("CUSTOMERS_UPDATE", customerPayload(SUBJECT, "2026-06-01T00:00:00Z")),
    );
    await processWebhook(ctx, job("CUSTOMERS_UPDATE", { id: Number(SUBJECT), updated_at: null }));
    for (const [topic, occurredAt] of [
      ["CUSTOMER_TAGS_ADDED", "2026-06-02T00:00:00.000Z"],
      ["CUSTOMER_TAGS_REMOVED", "2020-01-01T00:00:00.000Z"],
    ] as const) {
      await processWebhook(
        ctx,
        job(topic, { customerId: gid("Customer", SUBJECT), tags: ["vip"], occurredAt }),
      );
    }
    // Nothing about the tombstoned customer was even asked of Shopify.
    expect(shopify.calls).toEqual([]);
    for (const orderId of SUBJECT_ORDERS) {
      await processWebhook(
        ctx,
        job("ORDERS_UPDATED", { id: Number(orderId), updated_at: "2026-06-01T00:00:00Z" }),
      );
    }
    await processWebhook(ctx, job("REFUNDS_CREATE", { order_id: Number(SUBJECT_ORDERS[0]!) }));
    expect(shopify.calls.length).toBe(3);
    // Reconciliation and backfill write through the same store: a customer row with tags
    // and newer dates, orders linked to them.
    await store.upsertCustomers(shopId, [
      {
        id: SUBJECT,
        createdAt: new Date("2026-01-01T00:00:00Z"),
        shopifyUpdatedAt: new Date("2026-07-01T00:00:00Z"),
        tags: "vip, rfm:champions",
      },
    ]);
    await store.upsertOrders(shopId, [
      {
        ...order(SUBJECT_ORDERS[1]!, SUBJECT, 9),
        shopifyUpdatedAt: new Date("2026-07-01T00:00:00Z"),
      },
      {
        ...order(5_550_000_000_009n, SUBJECT, 10),
        shopifyUpdatedAt: new Date("2026-07-01T00:00:00Z"),
      },
    ]);
    await computeShop(domain, { db, databaseUrl: url, asOf: new Date("2026-07-02T00:00:00Z") });

    expect(Object.entries(await rowsOfCustomer(SUBJECT)).filter(([, n]) => n > 0)).toEqual([]);
    expect(
      (await mentionsOf(SUBJECT, [...SUBJECT_ORDERS, 5_550_000_000_009n])).map(
        (m) => `${m.model} ${toJson(m.row)}`,
      ),
    ).toEqual([]);
    expect(
      isTombstone(
        await db.customer.findUniqueOrThrow({ where: { shopId_id: { shopId, id: SUBJECT } } }),
      ),
    ).toBe(true);
    // The orders stay, anonymous; the other customer is untouched.
    expect(await db.order.count({ where: { shopId, id: { in: SUBJECT_ORDERS } } })).toBe(2);
    expect(await rowsOfCustomer(OTHER)).toEqual(before);
  });

  it("shop/redact leaves no row of the shop in any table", async () => {
    expect(Object.values(await rowsOfShop()).some((n) => n > 0)).toBe(true);
    await processWebhook(ctx, job("SHOP_REDACT", { shop_id: 1, shop_domain: domain }));
    expect(Object.entries(await rowsOfShop()).filter(([, n]) => n > 0)).toEqual([]);
    expect((await mentionsOf(OTHER, [OTHER_ORDER])).map((m) => m.model)).toEqual([]);
  });
});
