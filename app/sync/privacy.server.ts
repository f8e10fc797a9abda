/**
 * Shopify's mandatory compliance webhooks. Each runs in one transaction.
 * - customers/data_request: a JSON record of everything Kizuna stores about the
 *   customer (their row, orders incl. those Shopify lists in `orders_requested` that are
 *   stored as guest orders, scores, survey answers incl. those on their orders not yet
 *   linked to them, earlier requests and Flow triggers), kept as a DataRequest row the merchant can
 *   retrieve. test/sync/privacy.test.ts checks it against a scan of every table.
 * - customers/redact: the customer's scores, survey answers, data requests and Flow trigger
 *   records are deleted,
 *   their orders unlinked (the shop keeps its anonymous revenue), and the customer becomes
 *   a tombstone holding their id and nothing else, so that no later webhook,
 *   reconciliation or backfill stores them again, nor links an order to them (the row
 *   store's upserts never revive a tombstone or link an order to one). The tombstone is
 *   written even for a customer Kizuna never stored.
 * - shop/redact: every row of the shop, in every table, and its sessions.
 */
import type { Database } from "../db.server";
import { customerResult, redactCustomerResult } from "../metrics/result-set.server";

const EPOCH = new Date(0);

/** The customer's orders: linked to them, or named by Shopify in the request. */
const ordersOf = (shopId: number, customerId: bigint, orderIds: readonly bigint[]) => ({
  shopId,
  OR: [{ customerId }, { id: { in: [...orderIds] } }],
});

/** JSON with bigints as strings and dates as ISO text. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

export async function recordDataRequest(
  db: Database,
  shopDomain: string,
  customerId: bigint,
  /** Shopify's `orders_requested`. */
  orderIds: readonly bigint[] = [],
): Promise<number | null> {
  return db.$transaction(async (tx) => {
    const shop = await tx.shop.findUnique({ where: { domain: shopDomain } });
    if (!shop) return null;
    const where = { shopId: shop.id, customerId };
    const [customer, orders, metrics, earlierRequests, flowTriggers] = await Promise.all([
      tx.customer.findUnique({ where: { shopId_id: { shopId: shop.id, id: customerId } } }),
      tx.order.findMany({
        where: ordersOf(shop.id, customerId, orderIds),
        orderBy: { processedAt: "asc" },
      }),
      customerResult(tx, shop.id, customerId),
      // Earlier requests by id and date: their payloads are older copies of this record.
      tx.dataRequest.findMany({
        where,
        select: { id: true, createdAt: true },
        orderBy: { id: "asc" },
      }),
      // The Flow triggers fired (or to fire) for their segment changes: ids and keys.
      tx.flowTriggerEvent.findMany({ where, orderBy: { id: "asc" } }),
    ]);
    // Survey answers are the customer's by customerId, or by order when given before the
    // order was linked to them (as redaction treats them).
    const npsResponses = await tx.npsResponse.findMany({
      where: {
        shopId: shop.id,
        OR: [{ customerId }, { orderId: { in: orders.map((o) => o.id) } }],
      },
      orderBy: { createdAt: "asc" },
    });
    const orderLineItems = await tx.orderLineItem.findMany({
      where: { shopId: shop.id, orderId: { in: orders.map((o) => o.id) } },
      orderBy: [{ orderId: "asc" }, { id: "asc" }],
    });
    const record = await tx.dataRequest.create({
      data: {
        shopId: shop.id,
        customerId,
        payload: toJson({
          shop: shopDomain,
          customerId,
          generatedAt: new Date(),
          customer,
          orders,
          orderLineItems,
          metrics,
          npsResponses,
          dataRequests: earlierRequests,
          flowTriggers,
        }),
      },
    });
    return record.id;
  });
}

export async function redactCustomer(
  db: Database,
  shopDomain: string,
  customerId: bigint,
  orderIds: readonly bigint[],
): Promise<void> {
  await db.$transaction(async (tx) => {
    const shop = await tx.shop.findUnique({ where: { domain: shopDomain } });
    if (!shop) return;
    const where = { shopId: shop.id, customerId };
    const theirOrders = ordersOf(shop.id, customerId, orderIds);
    const orders = await tx.order.findMany({ where: theirOrders, select: { id: true } });
    const tombstone = {
      createdAt: EPOCH,
      shopifyUpdatedAt: EPOCH,
      tags: "",
      tagsUpdatedAt: null,
      taggedSegment: null,
      deleted: true,
    };
    await tx.customer.upsert({
      where: { shopId_id: { shopId: shop.id, id: customerId } },
      create: { shopId: shop.id, id: customerId, ...tombstone },
      update: tombstone,
    });
    // Their slot in the shop's result set is blanked (the snapshot holds aggregates only).
    await redactCustomerResult(tx, shop.id, customerId);
    // Answers are tied to the customer or, when given before the order was linked, to the order.
    await tx.npsResponse.deleteMany({
      where: {
        shopId: shop.id,
        OR: [{ customerId }, { orderId: { in: [...orderIds, ...orders.map((o) => o.id)] } }],
      },
    });
    await tx.dataRequest.deleteMany({ where });
    await tx.flowTriggerEvent.deleteMany({ where });
    await tx.order.updateMany({ where: theirOrders, data: { customerId: null } });
  });
}

export async function redactShop(db: Database, shopDomain: string): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.session.deleteMany({ where: { shop: shopDomain } });
    // Every other table hangs off Shop with onDelete: Cascade.
    await tx.shop.deleteMany({ where: { domain: shopDomain } });
  });
}
