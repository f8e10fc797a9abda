/**
 * What each webhook topic does, run by the webhooks worker. Processing is idempotent
 * (each X-Shopify-Webhook-Id is applied once) and order-independent: order webhooks
 * re-read the order from the Admin API (the one mapping of app/sync/rows.ts, exact
 * shop-currency amounts incl. refunds) unless the payload is no newer than what is
 * stored; customer tags follow the tag topics and are re-read when an event is late
 * (./customers.server.ts); deletes and redactions win over any later update. Variant
 * costs are re-read on products/update and inventory_items/update (./costs.server.ts);
 * a product's type is taken from products/update (./product-types.server.ts); which
 * collections hold a product is re-read on collections/create|update and on a
 * products/update that changes the product's type (./collections.server.ts).
 *
 * PAYLOADS is the one list of the topics Kizuna processes and of the payload fields each
 * reads: the intake keeps only those fields, the worker registers those topics, and
 * shopify.app.toml's include_fields must name the same fields (test/foundation/app-config).
 * A field Kizuna can do without is optional: missing or null, processing reads the object
 * from the Admin API instead of storing a default.
 */
import { z } from "zod";
import type { Database } from "../db.server";
import type { WebhookJob } from "../jobs/queues.server";
import type { WebhookContext } from "./context.server";
import { refreshInventoryItemCosts, refreshProductCosts } from "./costs.server";
import { applyTagEvent, refreshCustomer } from "./customers.server";
import { refreshProductType } from "./product-types.server";
import {
  deleteCollection,
  refreshCollection,
  refreshProductCollections,
} from "./collections.server";
import { shopifyId } from "./ids";
import { ORDER_FOR_SYNC } from "./operations";
import { recordDataRequest, redactCustomer, redactShop } from "./privacy.server";
import { hasSellingPlan, isoDate, orderRowFrom, parseGid, productTypeRowFrom, toGid } from "./rows";

/** What the worker should do next. */
export interface WebhookOutcome {
  /** Orders changed: the shop's numbers need a (debounced) recompute. */
  ordersChanged: boolean;
  /** A bulk operation finished: wake the backfill waiting on it. */
  bulkOperationFinished: boolean;
}

const NOTHING: WebhookOutcome = { ordersChanged: false, bulkOperationFinished: false };

/**
 * A webhook Kizuna cannot apply (a payload without the fields its topic needs, a topic it
 * does not process): retrying cannot help, nothing was written. The message says why.
 */
export class WebhookPayloadError extends Error {
  override name = "WebhookPayloadError";
}

/** Ids come as numbers up to 2^53 − 1 or, past it, as the exact digits the intake kept. */
const numericId = shopifyId;
const customerGid = z.string().transform((gid, ctx) => {
  try {
    return parseGid(gid, "Customer");
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
    return z.NEVER;
  }
});

const orderPayload = z.object({ id: numericId, updated_at: isoDate.nullish() });
const idPayload = z.object({ id: numericId });
/** customers/create and customers/update: no tags since API 2025-01 (nor any other field Kizuna keeps). */
const customerPayload = z.object({
  id: numericId,
  created_at: isoDate.nullish(),
  updated_at: isoDate.nullish(),
});
/** customer.tags_added / customer.tags_removed: GraphQL-style, the tags that changed. */
const customerTagsPayload = z.object({
  customerId: customerGid,
  tags: z.array(z.string()).nullish(),
  occurredAt: isoDate.nullish(),
});
/** inventory_items/update: a notification, the cost is read by id (the payload's has no currency). */
const inventoryItemPayload = z.object({ id: numericId, updated_at: isoDate.nullish() });
/**
 * products/update: fires for every inventory change too (each order of a tracked product),
 * so only a variant Kizuna does not know yet makes it read the product's costs; a known
 * variant's cost changes come as inventory_items/update. The product's type is stored from
 * `product_type` versioned by `updated_at`; without either the product is read by id (a
 * payload without the type never overwrites the stored one).
 */
const productPayload = z.object({
  id: numericId,
  product_type: z.string().nullish(),
  updated_at: isoDate.nullish(),
  variants: z.array(z.object({ id: numericId })).nullish(),
});
/**
 * collections/create|update: a notification, their payloads list no products; the
 * collection (title and products) is read by id. collections/delete: the id.
 */
const collectionPayload = idPayload;
const redactPayload = z.object({
  customer: z.object({ id: numericId }),
  orders_to_redact: z.array(numericId).nullish(),
});

/** Every topic Kizuna processes, as the Shopify libraries name it, and its payload. */
export const PAYLOADS = {
  ORDERS_CREATE: orderPayload,
  ORDERS_UPDATED: orderPayload,
  ORDERS_CANCELLED: orderPayload,
  ORDERS_DELETE: idPayload,
  REFUNDS_CREATE: z.object({ order_id: numericId }),
  CUSTOMERS_CREATE: customerPayload,
  CUSTOMERS_UPDATE: customerPayload,
  CUSTOMERS_DELETE: idPayload,
  CUSTOMER_TAGS_ADDED: customerTagsPayload,
  CUSTOMER_TAGS_REMOVED: customerTagsPayload,
  PRODUCTS_UPDATE: productPayload,
  COLLECTIONS_CREATE: collectionPayload,
  COLLECTIONS_UPDATE: collectionPayload,
  COLLECTIONS_DELETE: collectionPayload,
  INVENTORY_ITEMS_UPDATE: inventoryItemPayload,
  BULK_OPERATIONS_FINISH: z.object({
    admin_graphql_api_id: z.string(),
    status: z.string(),
    error_code: z.string().nullish(),
  }),
  CUSTOMERS_DATA_REQUEST: z.object({
    customer: z.object({ id: numericId }),
    orders_requested: z.array(numericId).nullish(),
  }),
  CUSTOMERS_REDACT: redactPayload,
  SHOP_REDACT: z.object({}),
} as const;

export type WebhookTopic = keyof typeof PAYLOADS;
export const WEBHOOK_TOPICS = Object.keys(PAYLOADS) as WebhookTopic[];
const isWebhookTopic = (topic: string): topic is WebhookTopic => Object.hasOwn(PAYLOADS, topic);

/** The schema inside optional/nullable/default wrappers and transforms. */
function unwrapped(schema: z.core.$ZodType): z.core.$ZodType {
  const def = schema._zod.def as { innerType?: z.core.$ZodType; in?: z.core.$ZodType };
  const inner = def.innerType ?? def.in;
  return inner ? unwrapped(inner) : schema;
}

/** The object schema of an object field, or of each element of a list of objects. */
function objectOf(schema: z.core.$ZodType): z.ZodObject | null {
  const inner = unwrapped(schema);
  if (inner instanceof z.ZodObject) return inner;
  if (inner instanceof z.ZodArray) return objectOf(inner.element as z.core.$ZodType);
  return null;
}

/**
 * A payload schema's fields, "a.b" for field b of object a, or of each object of list a (as
 * include_fields names them).
 */
function fieldsOf(schema: z.core.$ZodType, prefix = ""): string[] {
  const object = objectOf(schema);
  if (!object) return [];
  return Object.entries(object.shape).flatMap(([name, field]) =>
    objectOf(field) ? fieldsOf(field, `${prefix}${name}.`) : [`${prefix}${name}`],
  );
}

/** The payload fields processing reads of a topic ([] for a topic it does not process). */
export function payloadFields(topic: string): string[] {
  return isWebhookTopic(topic) ? fieldsOf(PAYLOADS[topic]) : [];
}

/** The named fields of an object ("a.b": field b of object a), as include_fields trims. */
function picked(value: unknown, fields: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => picked(item, fields));
  if (value === null || typeof value !== "object" || Array.isArray(value)) return {};
  const source = value as Record<string, unknown>;
  const nested = new Map<string, string[]>();
  const kept: Record<string, unknown> = {};
  for (const field of fields) {
    const dot = field.indexOf(".");
    const head = dot < 0 ? field : field.slice(0, dot);
    if (!Object.hasOwn(source, head)) continue;
    if (dot < 0) kept[head] = source[head];
    else nested.set(head, [...(nested.get(head) ?? []), field.slice(dot + 1)]);
  }
  for (const [head, rest] of nested) kept[head] = picked(source[head], rest);
  return kept;
}

/**
 * What the intake queues of a payload: the fields processing reads, nothing else. Order
 * and customer webhooks also carry names, emails, addresses and phones (unless the
 * subscription's include_fields already left them out), which must not be kept in Redis:
 * Kizuna stores ids and aggregates only. An unknown topic keeps nothing.
 */
export function essentialPayload(topic: string, payload: unknown): Record<string, unknown> {
  // A payload is an object: a list at the top keeps nothing, as any other non-object.
  if (Array.isArray(payload)) return {};
  return picked(payload, payloadFields(topic)) as Record<string, unknown>;
}

export async function processWebhook(
  ctx: WebhookContext,
  job: WebhookJob,
): Promise<WebhookOutcome> {
  const { topic } = job;
  if (!isWebhookTopic(topic)) {
    throw new WebhookPayloadError(`No handler for webhook topic ${topic}`);
  }
  const parsed = PAYLOADS[topic].safeParse(job.payload);
  if (!parsed.success) {
    throw new WebhookPayloadError(`${topic} payload: ${z.prettifyError(parsed.error)}`);
  }
  return processValid(ctx, job, { topic, payload: parsed.data } as Parsed);
}

/** A topic with its parsed payload. */
type Parsed = {
  [T in WebhookTopic]: { topic: T; payload: z.output<(typeof PAYLOADS)[T]> };
}[WebhookTopic];

async function processValid(
  ctx: WebhookContext,
  job: WebhookJob,
  webhook: Parsed,
): Promise<WebhookOutcome> {
  // Compliance topics come for shops Kizuna may no longer know; handle them first.
  switch (webhook.topic) {
    case "SHOP_REDACT":
      await redactShop(ctx.db, job.shop);
      return NOTHING;
    case "CUSTOMERS_REDACT": {
      const { customer, orders_to_redact } = webhook.payload;
      await redactCustomer(ctx.db, job.shop, customer.id, orders_to_redact ?? []);
      return { ...NOTHING, ordersChanged: true };
    }
    case "CUSTOMERS_DATA_REQUEST": {
      const { customer, orders_requested } = webhook.payload;
      await recordDataRequest(ctx.db, job.shop, customer.id, orders_requested ?? []);
      return NOTHING;
    }
  }

  const shop = await ctx.db.shop.findUnique({ where: { domain: job.shop } });
  if (!shop) {
    ctx.log.warn({ shop: job.shop, topic: job.topic }, "webhook for an unknown shop ignored");
    return NOTHING;
  }
  const seen = await ctx.db.webhookEvent.findUnique({
    where: { shopId_webhookId: { shopId: shop.id, webhookId: job.webhookId } },
  });
  if (seen) return NOTHING;

  const outcome = await apply(ctx, shop.id, webhook);
  // Recorded after the change: a crash in between re-applies an idempotent change.
  await ctx.db.webhookEvent.upsert({
    where: { shopId_webhookId: { shopId: shop.id, webhookId: job.webhookId } },
    create: { shopId: shop.id, webhookId: job.webhookId, topic: job.topic },
    update: {},
  });
  return outcome;
}

async function apply(
  ctx: WebhookContext,
  shopId: number,
  webhook: Parsed,
): Promise<WebhookOutcome> {
  switch (webhook.topic) {
    case "ORDERS_CREATE":
    case "ORDERS_UPDATED":
    case "ORDERS_CANCELLED": {
      const { id, updated_at } = webhook.payload;
      return refreshOrder(ctx, shopId, id, updated_at ?? null);
    }
    case "REFUNDS_CREATE":
      return refreshOrder(ctx, shopId, webhook.payload.order_id, null);
    case "ORDERS_DELETE":
      await ctx.store.deleteOrder(shopId, webhook.payload.id);
      return { ...NOTHING, ordersChanged: true };
    case "CUSTOMERS_CREATE":
    case "CUSTOMERS_UPDATE": {
      // Dates only (the tags are not in the payload and stay as stored): a tag write by
      // Kizuna lands here and changes no order, so it never triggers another compute.
      const { id, created_at, updated_at } = webhook.payload;
      if (!created_at || !updated_at) return customerRead(ctx, shopId, id);
      const row = { id, createdAt: created_at, shopifyUpdatedAt: updated_at };
      await ctx.store.upsertCustomers(shopId, [{ ...row, tags: "", tagsUpdatedAt: null }]);
      return NOTHING;
    }
    case "CUSTOMER_TAGS_ADDED":
    case "CUSTOMER_TAGS_REMOVED": {
      const { customerId, tags, occurredAt } = webhook.payload;
      const change = webhook.topic === "CUSTOMER_TAGS_ADDED" ? "add" : "remove";
      const result = await applyTagEvent(ctx, shopId, customerId, {
        change,
        tags: tags ?? null,
        occurredAt: occurredAt ?? null,
      });
      return { ...NOTHING, ordersChanged: result === "deleted in Shopify" };
    }
    case "CUSTOMERS_DELETE":
      await ctx.store.deleteCustomer(shopId, webhook.payload.id);
      return { ...NOTHING, ordersChanged: true };
    case "PRODUCTS_UPDATE": {
      const { id, variants, product_type, updated_at } = webhook.payload;
      const type =
        product_type === null || product_type === undefined || !updated_at
          ? null
          : productTypeRowFrom({
              id: toGid("Product", id),
              productType: product_type,
              updatedAt: updated_at.toISOString(),
            });
      // Its payload lists no collections, and a product edit can move it in or out of smart
      // ones without a collections/update. Read them when the type changed (the common
      // rule) or the product is new to Kizuna; not for the stock changes that make most of
      // these deliveries: other rule changes wait for reconciliation (0069-collections).
      const storedType = await ctx.db.productType.findUnique({
        where: { shopId_productId: { shopId, productId: id } },
        select: { productType: true },
      });
      if (type) await ctx.store.upsertProductTypes(shopId, [type]);
      else await refreshProductType({ ...ctx, api: ctx.api() }, shopId, id);
      if (!type || !storedType || storedType.productType !== type.productType) {
        await refreshProductCollections({ ...ctx, api: ctx.api() }, shopId, id);
      }
      if (variants && variants.length > 0) {
        const known = await ctx.db.variantCost.count({
          where: { shopId, variantId: { in: variants.map((v) => v.id) } },
        });
        if (known === new Set(variants.map((v) => v.id)).size) return NOTHING;
      }
      await refreshProductCosts({ ...ctx, api: ctx.api() }, shopId, id);
      return NOTHING;
    }
    case "COLLECTIONS_CREATE":
    case "COLLECTIONS_UPDATE":
      await refreshCollection({ ...ctx, api: ctx.api() }, shopId, webhook.payload.id);
      return NOTHING;
    case "COLLECTIONS_DELETE":
      await deleteCollection(ctx.db, shopId, webhook.payload.id);
      return NOTHING;
    case "INVENTORY_ITEMS_UPDATE": {
      const { id, updated_at } = webhook.payload;
      if (updated_at) {
        const stored = await ctx.db.variantCost.findFirst({
          where: { shopId, inventoryItemId: id },
          select: { shopifyUpdatedAt: true },
        });
        // A replay or a late delivery: what is stored is already as new.
        if (stored && stored.shopifyUpdatedAt >= updated_at) return NOTHING;
      }
      await refreshInventoryItemCosts({ ...ctx, api: ctx.api() }, shopId, id);
      return NOTHING;
    }
    case "BULK_OPERATIONS_FINISH":
      // Only a wake-up call: the backfill reads the operation's full state (result URL,
      // counts) from the Admin API itself, so a half-known "COMPLETED" is never stored.
      return { ...NOTHING, bulkOperationFinished: true };
    default:
      // The compliance topics, handled before the shop lookup.
      throw new WebhookPayloadError(`No handler for webhook topic ${webhook.topic}`);
  }
}

/** A customer webhook that did not say enough: the customer as Shopify has it now. */
async function customerRead(
  ctx: WebhookContext,
  shopId: number,
  id: bigint,
): Promise<WebhookOutcome> {
  const result = await refreshCustomer(ctx, shopId, id);
  return { ...NOTHING, ordersChanged: result === "deleted in Shopify" };
}

async function refreshOrder(
  ctx: WebhookContext,
  shopId: number,
  orderId: bigint,
  payloadUpdatedAt: Date | null,
): Promise<WebhookOutcome> {
  if (payloadUpdatedAt) {
    const stored = await ctx.db.order.findUnique({
      where: { shopId_id: { shopId, id: orderId } },
      select: { shopifyUpdatedAt: true, deleted: true },
    });
    // A replay or a late delivery: what is stored is already as new.
    if (stored && (stored.deleted || stored.shopifyUpdatedAt >= payloadUpdatedAt)) return NOTHING;
  }
  const { order } = await ctx.api().request(ORDER_FOR_SYNC, { id: toGid("Order", orderId) });
  if (!order) {
    await ctx.store.deleteOrder(shopId, orderId);
  } else {
    await ctx.store.upsertOrders(shopId, [
      orderRowFrom(order, hasSellingPlan(order.lineItems.nodes)),
    ]);
  }
  return { ...NOTHING, ordersChanged: true };
}

/** Webhook ids are kept this long for idempotency (Shopify retries for 48 hours). */
export const WEBHOOK_ID_RETENTION_MS = 7 * 24 * 3600_000;

/** Forgets the ids of webhooks processed before the retention: returns how many. */
export async function pruneWebhookIds(db: Database, now = Date.now()): Promise<number> {
  const { count } = await db.webhookEvent.deleteMany({
    where: { processedAt: { lt: new Date(now - WEBHOOK_ID_RETENTION_MS) } },
  });
  return count;
}
