/**
 * What each webhook topic does, run by the webhooks worker. Processing is idempotent
 * (each X-Shopify-Webhook-Id is applied once) and order-independent: order webhooks
 * re-read the order from the Admin API (the one mapping of app/sync/rows.ts, exact
 * shop-currency amounts incl. refunds) unless the payload is no newer than what is
 * stored; deletes and redactions win over any later update.
 */
import { z } from "zod";
import type { Database } from "../db.server";
import type { WebhookJob } from "../jobs/webhooks.server";
import type { Logger } from "../logger.server";
import type { AdminApi } from "./admin-api.server";
import { ORDER_FOR_SYNC } from "./operations";
import { recordDataRequest, redactCustomer, redactShop } from "./privacy.server";
import { customerRowFromWebhook, hasSellingPlan, orderRowFrom, toGid } from "./rows";
import type { RowStore } from "./store.server";

export interface WebhookContext {
  db: Database;
  store: RowStore;
  /** Created on demand: most topics never call Shopify. */
  api: () => AdminApi;
  log: Logger;
}

/** What the worker should do next. */
export interface WebhookOutcome {
  /** Orders changed: the shop's numbers need a (debounced) recompute. */
  ordersChanged: boolean;
  /** A bulk operation finished: wake the backfill waiting on it. */
  bulkOperationFinished: boolean;
}

const NOTHING: WebhookOutcome = { ordersChanged: false, bulkOperationFinished: false };

/** A payload without the fields its topic needs: retrying cannot help, nothing was written. */
export class WebhookPayloadError extends Error {
  override name = "WebhookPayloadError";
}

/**
 * The payload fields processing reads, and only those: an order or customer webhook also
 * carries names, emails, addresses and phones, which must not be kept in Redis (Kizuna stores
 * ids and aggregates only). The intake trims every payload to these before queueing it.
 */
const READ_FIELDS = [
  "id",
  "created_at",
  "updated_at",
  "tags",
  "order_id",
  "orders_to_redact",
  "orders_requested",
  "admin_graphql_api_id",
  "status",
  "error_code",
] as const;

export function essentialPayload(payload: unknown): Record<string, unknown> {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return {};
  const source = payload as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  for (const field of READ_FIELDS) if (field in source) kept[field] = source[field];
  // Compliance topics name their subject as { customer: { id, email, phone } }: the id only.
  const customer = source.customer;
  if (customer !== null && typeof customer === "object" && "id" in customer) {
    kept.customer = { id: (customer as { id: unknown }).id };
  }
  return kept;
}

const numericId = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)])
  .transform(BigInt);
const orderPayload = z.object({
  id: numericId,
  updated_at: z.iso.datetime({ offset: true }).optional(),
});
const refundPayload = z.object({ order_id: numericId });
const deletePayload = z.object({ id: numericId });
const bulkFinishPayload = z.object({
  admin_graphql_api_id: z.string(),
  status: z.string(),
  error_code: z.string().nullable().optional(),
});
const dataRequestPayload = z.object({
  customer: z.object({ id: numericId }),
  orders_requested: z.array(numericId).default([]),
});
const redactPayload = z.object({
  customer: z.object({ id: numericId }),
  orders_to_redact: z.array(numericId).default([]),
});

export async function processWebhook(
  ctx: WebhookContext,
  job: WebhookJob,
): Promise<WebhookOutcome> {
  try {
    return await processValid(ctx, job);
  } catch (error) {
    if (error instanceof z.ZodError) {
      throw new WebhookPayloadError(`${job.topic} payload: ${z.prettifyError(error)}`);
    }
    throw error;
  }
}

async function processValid(ctx: WebhookContext, job: WebhookJob): Promise<WebhookOutcome> {
  // Compliance topics come for shops Kizuna may no longer know; handle them first.
  switch (job.topic) {
    case "SHOP_REDACT":
      await redactShop(ctx.db, job.shop);
      return NOTHING;
    case "CUSTOMERS_REDACT": {
      const { customer, orders_to_redact } = redactPayload.parse(job.payload);
      await redactCustomer(ctx.db, job.shop, customer.id, orders_to_redact);
      return { ...NOTHING, ordersChanged: true };
    }
    case "CUSTOMERS_DATA_REQUEST": {
      const { customer, orders_requested } = dataRequestPayload.parse(job.payload);
      await recordDataRequest(ctx.db, job.shop, customer.id, orders_requested);
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

  const outcome = await apply(ctx, shop.id, job);
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
  job: WebhookJob,
): Promise<WebhookOutcome> {
  switch (job.topic) {
    case "ORDERS_CREATE":
    case "ORDERS_UPDATED":
    case "ORDERS_CANCELLED":
    case "ORDERS_PAID": {
      const { id, updated_at } = orderPayload.parse(job.payload);
      return refreshOrder(ctx, shopId, id, updated_at ? new Date(updated_at) : null);
    }
    case "REFUNDS_CREATE": {
      const { order_id } = refundPayload.parse(job.payload);
      return refreshOrder(ctx, shopId, order_id, null);
    }
    case "ORDERS_DELETE": {
      const { id } = deletePayload.parse(job.payload);
      await ctx.store.deleteOrder(shopId, id);
      return { ...NOTHING, ordersChanged: true };
    }
    case "CUSTOMERS_CREATE":
    case "CUSTOMERS_UPDATE": {
      // Tags (including Kizuna's own) and dates only: a tag write by Kizuna lands here and
      // changes no order, so it never triggers another compute or tag write.
      await ctx.store.upsertCustomers(shopId, [customerRowFromWebhook(job.payload)]);
      return NOTHING;
    }
    case "CUSTOMERS_DELETE": {
      const { id } = deletePayload.parse(job.payload);
      await ctx.store.deleteCustomer(shopId, id);
      return { ...NOTHING, ordersChanged: true };
    }
    case "BULK_OPERATIONS_FINISH": {
      // Only a wake-up call: the backfill reads the operation's full state (result URL,
      // counts) from the Admin API itself, so a half-known "COMPLETED" is never stored.
      bulkFinishPayload.parse(job.payload);
      return { ...NOTHING, bulkOperationFinished: true };
    }
    default:
      throw new Error(`No handler for webhook topic ${job.topic}`);
  }
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
