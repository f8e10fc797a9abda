/**
 * Payloads as they come, for every topic Kizuna processes: today's (API 2026-10, with the
 * personal data Shopify sends along), with extra fields, with each field missing or null,
 * with wrong types, and legacy shapes of older API versions. None crashes a job: a webhook
 * is applied, or rejected for good with a WebhookPayloadError naming the field, which the
 * worker logs with its reason. None overwrites stored data with a default: after every
 * payload the stored customer and order are still what Shopify has (a field processing can
 * do without, when missing, makes it read the object from the Admin API instead).
 */
import { Writable } from "node:stream";
import { UnrecoverableError, type Job } from "bullmq";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createDatabase } from "../../app/db.server";
import type { WebhookJob } from "../../app/jobs/queues.server";
import { logger } from "../../app/logger.server";
import type { AdminApi } from "../../app/sync/admin-api.server";
import type { WebhookContext } from "../../app/sync/context.server";
import {
  CUSTOMER_FOR_SYNC,
  INVENTORY_ITEM_COSTS,
  ORDER_FOR_SYNC,
  PRODUCT_TYPES,
  PRODUCT_COLLECTIONS,
  COLLECTION_PRODUCTS,
  PRODUCT_VARIANT_COSTS,
} from "../../app/sync/operations";
import { createRowStore } from "../../app/sync/store.server";
import { replaceMemberships } from "../../app/sync/collections.server";
import {
  processWebhook,
  WEBHOOK_TOPICS,
  WebhookPayloadError,
  type WebhookTopic,
} from "../../app/sync/webhook-processing.server";
import { applyWebhook } from "../../workers/processors/webhooks";

const url = process.env.DATABASE_URL!;
const db = createDatabase(url);
const store = createRowStore(url);
const stamp = `${process.pid}-${Date.now()}`;
const domain = `robust-${stamp}.myshopify.com`;
/** Compliance topics name a shop Kizuna does not know: parsing is what is tested. */
const elsewhere = `robust-elsewhere-${stamp}.myshopify.com`;
const CUSTOMER = 7_390_551_200_001n;
const ORDER = 5_550_000_100_001n;
const STORED_AT = "2026-05-01T00:00:00Z";
const LATER = "2026-06-01T00:00:00Z";
let shopId = 0;

const gid = (type: string, id: bigint) => `gid://shopify/${type}/${id}`;

/** The customer and order as Shopify has them (and as stored before every payload). */
const shopifyCustomer = {
  id: gid("Customer", CUSTOMER),
  createdAt: "2025-02-03T04:05:06Z",
  updatedAt: STORED_AT,
  tags: ["vip", "rfm:loyal"],
};
const shopifyOrder = {
  id: gid("Order", ORDER),
  processedAt: "2026-04-01T10:00:00Z",
  updatedAt: STORED_AT,
  cancelledAt: null,
  test: false,
  sourceName: "web",
  customer: { id: gid("Customer", CUSTOMER) },
  totalPriceSet: { shopMoney: { amount: "5400", currencyCode: "JPY" } },
  totalRefundedSet: { shopMoney: { amount: "400", currencyCode: "JPY" } },
  currentSubtotalLineItemsQuantity: 2,
  lineItems: { nodes: [{ sellingPlan: null }] },
};

/** A variant and its inventory item with a cost, as Shopify has them. */
const PRODUCT = 7_200_000_000_001n;
const ITEM = 43_000_000_000_001n;
const variantNode = {
  id: gid("ProductVariant", 41_000_000_000_001n),
  product: { id: gid("Product", PRODUCT) },
  inventoryItem: {
    id: gid("InventoryItem", ITEM),
    updatedAt: STORED_AT,
    unitCost: { amount: "1200.0", currencyCode: "JPY" },
  },
};
const onePage = { hasNextPage: false, endCursor: null };
/** A collection holding the product, as Shopify has it. */
const COLLECTION = 480_000_000_000_001n;
const COLLECTION_NODE = { id: gid("Collection", COLLECTION), title: "Tea", updatedAt: STORED_AT };

const apiCalls: string[] = [];
const api = {
  async request(query: string, variables: { id: string }) {
    apiCalls.push(variables.id);
    if (query === CUSTOMER_FOR_SYNC) {
      return { customer: variables.id === shopifyCustomer.id ? shopifyCustomer : null };
    }
    if (query === ORDER_FOR_SYNC) {
      return { order: variables.id === shopifyOrder.id ? shopifyOrder : null };
    }
    if (query === PRODUCT_VARIANT_COSTS) {
      const found = variables.id === variantNode.product.id;
      return {
        product: found
          ? { id: variables.id, variants: { nodes: [variantNode], pageInfo: onePage } }
          : null,
      };
    }
    if (query === PRODUCT_TYPES) {
      const node = { id: gid("Product", PRODUCT), productType: "Tea", updatedAt: STORED_AT };
      return { products: { nodes: [node], pageInfo: onePage } };
    }
    if (query === PRODUCT_COLLECTIONS) {
      const collections = { nodes: [COLLECTION_NODE], pageInfo: { hasNextPage: false } };
      return {
        products: { nodes: [{ id: gid("Product", PRODUCT), collections }], pageInfo: onePage },
      };
    }
    if (query === COLLECTION_PRODUCTS) {
      const products = { nodes: [{ id: gid("Product", PRODUCT) }], pageInfo: onePage };
      return {
        collection: variables.id === COLLECTION_NODE.id ? { ...COLLECTION_NODE, products } : null,
      };
    }
    if (query === INVENTORY_ITEM_COSTS) {
      const variants = { nodes: [{ id: variantNode.id, product: variantNode.product }] };
      const item = { ...variantNode.inventoryItem, variants };
      return { inventoryItems: { nodes: [item], pageInfo: onePage } };
    }
    throw new Error(`unexpected query ${query.slice(0, 60)}`);
  },
} as unknown as AdminApi;
const ctx: WebhookContext = { db, store, api: () => api, log: logger };

type Payload = Record<string, unknown>;

/** Today's payload of each topic, personal data included, as Shopify's reference shows it. */
const order: Payload = {
  id: Number(ORDER),
  admin_graphql_api_id: gid("Order", ORDER),
  created_at: "2026-04-01T19:00:00+09:00",
  updated_at: LATER,
  email: "hanako@example.com",
  total_price: "5400",
  customer: { id: Number(CUSTOMER), email: "hanako@example.com", first_name: "Hanako" },
  billing_address: { address1: "1-2-3 Chiyoda", city: "Tokyo" },
  line_items: [{ id: 1, title: "Tea", quantity: 2 }],
};
const customer: Payload = {
  id: Number(CUSTOMER),
  email: "hanako@example.com",
  first_name: "Hanako",
  last_name: "Sato",
  created_at: "2025-02-03T13:05:06+09:00",
  updated_at: LATER,
  state: "enabled",
  addresses: [{ address1: "1-2-3 Chiyoda" }],
  tax_exemptions: [],
  admin_graphql_api_id: gid("Customer", CUSTOMER),
};
const tags = (present: string[]): Payload => ({
  customerId: gid("Customer", CUSTOMER),
  tags: present,
  occurredAt: "2026-06-02T00:00:00.000Z",
});
const compliance = { shop_id: 1, shop_domain: elsewhere };
const BASE: Record<WebhookTopic, Payload> = {
  ORDERS_CREATE: order,
  ORDERS_UPDATED: order,
  ORDERS_CANCELLED: { ...order, cancelled_at: LATER, cancel_reason: "customer" },
  ORDERS_DELETE: { id: 5_550_000_100_777 },
  REFUNDS_CREATE: { id: 99, order_id: Number(ORDER), note: "damaged", refund_line_items: [] },
  CUSTOMERS_CREATE: customer,
  CUSTOMERS_UPDATE: customer,
  CUSTOMERS_DELETE: { id: 7_390_551_200_777, tax_exemptions: [] },
  // Tags Shopify's customer has (added) and does not have (removed): no change either way.
  CUSTOMER_TAGS_ADDED: tags(["vip"]),
  CUSTOMER_TAGS_REMOVED: tags(["never-there"]),
  PRODUCTS_UPDATE: {
    id: Number(PRODUCT),
    title: "Tea",
    product_type: "Tea",
    updated_at: LATER,
    variants: [{ id: 41_000_000_000_001, inventory_item_id: Number(ITEM), price: "3000" }],
  },
  INVENTORY_ITEMS_UPDATE: { id: Number(ITEM), cost: "1200", updated_at: LATER, tracked: true },
  COLLECTIONS_CREATE: { id: Number(COLLECTION), title: "Tea", handle: "tea", updated_at: LATER },
  COLLECTIONS_UPDATE: { id: Number(COLLECTION), title: "Tea", handle: "tea", updated_at: LATER },
  // Another collection: the one holding the product stays (the state below).
  COLLECTIONS_DELETE: { id: 480_000_000_000_777, published_scope: "web" },
  BULK_OPERATIONS_FINISH: {
    admin_graphql_api_id: "gid://shopify/BulkOperation/1",
    completed_at: LATER,
    created_at: LATER,
    error_code: null,
    status: "completed",
    type: "query",
  },
  CUSTOMERS_DATA_REQUEST: {
    ...compliance,
    customer: { id: Number(CUSTOMER), email: "hanako@example.com", phone: null },
    orders_requested: [Number(ORDER)],
    data_request: { id: 9 },
  },
  CUSTOMERS_REDACT: {
    ...compliance,
    customer: { id: Number(CUSTOMER), email: "hanako@example.com", phone: null },
    orders_to_redact: [Number(ORDER)],
  },
  SHOP_REDACT: compliance,
};

/** The fields without which a topic cannot be applied; any other may be missing or null. */
const REQUIRED: Record<WebhookTopic, string[]> = {
  ORDERS_CREATE: ["id"],
  ORDERS_UPDATED: ["id"],
  ORDERS_CANCELLED: ["id"],
  ORDERS_DELETE: ["id"],
  REFUNDS_CREATE: ["order_id"],
  CUSTOMERS_CREATE: ["id"],
  CUSTOMERS_UPDATE: ["id"],
  CUSTOMERS_DELETE: ["id"],
  CUSTOMER_TAGS_ADDED: ["customerId"],
  CUSTOMER_TAGS_REMOVED: ["customerId"],
  PRODUCTS_UPDATE: ["id"],
  INVENTORY_ITEMS_UPDATE: ["id"],
  COLLECTIONS_CREATE: ["id"],
  COLLECTIONS_UPDATE: ["id"],
  COLLECTIONS_DELETE: ["id"],
  BULK_OPERATIONS_FINISH: ["admin_graphql_api_id", "status"],
  CUSTOMERS_DATA_REQUEST: ["customer"],
  CUSTOMERS_REDACT: ["customer"],
  SHOP_REDACT: [],
};

/** Shapes of older API versions (and of tools that send ids as strings). */
const LEGACY: Partial<Record<WebhookTopic, Payload[]>> = {
  CUSTOMERS_UPDATE: [
    // 2024-10: tags (here emptied, as a stale client would send them), consents, aggregates.
    {
      ...customer,
      tags: "",
      email_marketing_consent: { state: "subscribed", opt_in_level: "single_opt_in" },
      sms_marketing_consent: null,
      orders_count: 3,
      total_spent: "12000",
      last_order_id: Number(ORDER),
      last_order_name: "#1001",
    },
    { ...customer, tags: "completely, different" },
    { ...customer, id: String(CUSTOMER) },
  ],
  CUSTOMERS_CREATE: [{ ...customer, tags: "" }],
  ORDERS_UPDATED: [
    { ...order, customer: { ...(order.customer as object), tags: "", orders_count: 3 } },
    { ...order, id: String(ORDER) },
  ],
  CUSTOMER_TAGS_ADDED: [{ ...tags(["VIP"]), occurredAt: "2026-06-02T09:00:00+09:00" }],
  CUSTOMERS_DATA_REQUEST: [{ ...compliance, customer: { id: Number(CUSTOMER) } }],
  CUSTOMERS_REDACT: [{ ...compliance, customer: { id: String(CUSTOMER) } }],
};

interface Case {
  topic: WebhookTopic;
  name: string;
  payload: unknown;
  /** The field named when the payload is rejected, or null when it is applied. */
  rejects: string | null;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const topic of WEBHOOK_TOPICS) {
    const base = BASE[topic];
    const add = (name: string, payload: unknown, rejects: string | null) =>
      out.push({ topic, name, payload, rejects });
    add("today's payload", base, null);
    add("extra fields", { ...base, future_field: { nested: [1, 2] }, note: "x" }, null);
    for (const field of Object.keys(base)) {
      const required = REQUIRED[topic].includes(field) ? `→ at ${field}` : null;
      const { [field]: _dropped, ...missing } = base;
      add(`without ${field}`, missing, required);
      add(`${field}: null`, { ...base, [field]: null }, required);
    }
    for (const field of REQUIRED[topic]) {
      add(`${field} of the wrong type`, { ...base, [field]: true }, `→ at ${field}`);
    }
    for (const [i, legacy] of (LEGACY[topic] ?? []).entries())
      add(`legacy shape ${i + 1}`, legacy, null);
    if (REQUIRED[topic].length > 0) {
      for (const payload of [null, [], "text"])
        add(`payload ${JSON.stringify(payload)}`, payload, "expected object");
    }
  }
  return out;
}

let serial = 0;
const job = (topic: string, payload: unknown): WebhookJob => ({
  shop: ["CUSTOMERS_DATA_REQUEST", "CUSTOMERS_REDACT", "SHOP_REDACT"].includes(topic)
    ? elsewhere
    : domain,
  topic,
  webhookId: `robust-${stamp}-${++serial}`,
  receivedAt: LATER,
  payload,
});

/** The stored customer and order, in the fields that must never fall back to defaults. */
async function stored() {
  const [c, o, p, m] = await Promise.all([
    db.customer.findUniqueOrThrow({ where: { shopId_id: { shopId, id: CUSTOMER } } }),
    db.order.findUniqueOrThrow({ where: { shopId_id: { shopId, id: ORDER } } }),
    db.productType.findUniqueOrThrow({
      where: { shopId_productId: { shopId, productId: PRODUCT } },
    }),
    db.collectionProduct.findMany({
      where: { shopId },
      select: { collectionId: true, productId: true },
    }),
  ]);
  return {
    productType: p.productType,
    memberships: m,
    customer: { tags: c.tags, createdAt: c.createdAt.toISOString(), deleted: c.deleted },
    order: {
      customerId: o.customerId,
      processedAt: o.processedAt.toISOString(),
      grossMinor: o.grossMinor,
      refundedMinor: o.refundedMinor,
      itemQuantity: o.itemQuantity,
      deleted: o.deleted,
    },
  };
}
const SHOPIFY_STATE = {
  productType: "Tea",
  memberships: [{ collectionId: COLLECTION, productId: PRODUCT }],
  customer: { tags: "vip, rfm:loyal", createdAt: "2025-02-03T04:05:06.000Z", deleted: false },
  order: {
    customerId: CUSTOMER,
    processedAt: "2026-04-01T10:00:00.000Z",
    grossMinor: 5400n,
    refundedMinor: 400n,
    itemQuantity: 2,
    deleted: false,
  },
};

beforeAll(async () => {
  shopId = (await db.shop.create({ data: { domain } })).id;
  await store.upsertCustomers(shopId, [
    {
      id: CUSTOMER,
      createdAt: new Date(shopifyCustomer.createdAt),
      shopifyUpdatedAt: new Date(STORED_AT),
      tags: "vip, rfm:loyal",
    },
  ]);
  await store.upsertOrders(shopId, [
    {
      id: ORDER,
      customerId: CUSTOMER,
      processedAt: new Date(shopifyOrder.processedAt),
      cancelledAt: null,
      test: false,
      grossMinor: 5400n,
      refundedMinor: 400n,
      netMinor: 5000n,
      itemQuantity: 2,
      sourceName: "web",
      subscription: false,
      shopifyUpdatedAt: new Date(STORED_AT),
    },
  ]);
  await store.upsertProductTypes(shopId, [
    { productId: PRODUCT, productType: "Tea", shopifyUpdatedAt: new Date(STORED_AT) },
  ]);
  await replaceMemberships(
    db,
    shopId,
    { collectionId: COLLECTION },
    [{ collectionId: COLLECTION, productId: PRODUCT }],
    new Date(STORED_AT),
  );
  expect(await stored()).toEqual(SHOPIFY_STATE);
});

afterAll(async () => {
  await db.shop.deleteMany({ where: { domain } });
  await store.close();
  await db.$disconnect();
});

describe("webhook payloads of every topic", () => {
  const all = cases();

  it("covers every topic Kizuna processes", () => {
    expect(new Set(all.map((c) => c.topic))).toEqual(new Set(WEBHOOK_TOPICS));
    expect(all.filter((c) => c.rejects === null).length).toBeGreaterThan(50);
    expect(all.filter((c) => c.rejects !== null).length).toBeGreaterThan(20);
  });

  it.each(all.map((c) => [`${c.topic}, ${c.name}`, c] as const))("%s", async (_name, c) => {
    const outcome = processWebhook(ctx, job(c.topic, c.payload));
    if (c.rejects === null) {
      await expect(outcome).resolves.toMatchObject({ ordersChanged: expect.any(Boolean) });
    } else {
      await expect(outcome).rejects.toThrow(WebhookPayloadError);
      await expect(outcome).rejects.toThrow(c.rejects);
    }
    // Whatever came, what is stored is still what Shopify has.
    expect(await stored()).toEqual(SHOPIFY_STATE);
  });

  it("a missing field is read from Shopify, never stored as a default", () => {
    // The cases without updated_at / created_at / tags / occurredAt asked the Admin API.
    expect(apiCalls).toContain(shopifyCustomer.id);
    expect(apiCalls).toContain(shopifyOrder.id);
  });

  it("the worker fails a rejected webhook for good and logs why", async () => {
    const lines: Record<string, unknown>[] = [];
    const capture = pino(
      { level: "info" },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    );
    const child = vi
      .spyOn(logger, "child")
      .mockImplementation((bindings) => capture.child(bindings));
    try {
      for (const c of all.filter((x) => x.rejects !== null)) {
        const data = job(c.topic, c.payload);
        const run = applyWebhook({ id: `wh-${data.webhookId}`, data } as Job<WebhookJob>);
        await expect(run).rejects.toThrow(UnrecoverableError);
        const line = lines.find((l) => l.jobId === `wh-${data.webhookId}`);
        expect(line, `${c.topic}, ${c.name}`).toMatchObject({
          level: 50,
          topic: c.topic,
          shop: data.shop,
          msg: "webhook rejected for good: nothing was written",
          reason: expect.stringContaining(c.topic),
        });
        expect(String(line!.reason)).toContain(c.rejects!);
      }
    } finally {
      child.mockRestore();
    }
    expect(await stored()).toEqual(SHOPIFY_STATE);
  });
});
