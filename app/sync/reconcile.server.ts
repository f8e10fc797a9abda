/**
 * Reconciliation: webhooks are not guaranteed, so a job pages through what Shopify says
 * changed since the last reconciliation and writes it through the same store. A large
 * gap (more than a few thousand changes) goes through a bulk operation instead. Tags are
 * repaired with the rest (a tag change moves a customer's updatedAt; the full rows carry
 * tags newer than any lost tag webhook), and customers whose tags Kizuna does not know yet
 * are read by id. Unit costs are read from the inventory items changed since
 * (./costs.server.ts), all of them while the shop has none stored; product types from the
 * products changed since (./product-types.server.ts), likewise; collections and their
 * products from both sides of what changed since (./collections.server.ts). A bulk reconciliation
 * re-exports every variant with its product type (./backfill.server.ts).
 */
import type { CustomersChangedQuery, OrdersChangedQuery } from "../types/admin.generated";
import { beginBackfill } from "./backfill.server";
import type { SyncContext } from "./context.server";
import { reconcileCosts } from "./costs.server";
import { reconcileProductTypes } from "./product-types.server";
import { reconcileCollections } from "./collections.server";
import { learnUnknownTags } from "./customers.server";
import { sweepDeletions } from "./deletions.server";
import {
  CUSTOMERS_CHANGED,
  ORDER_FOR_SYNC,
  ORDERS_CHANGED,
  ORDERS_CHANGED_COUNT,
} from "./operations";
import { customerRowFrom, hasSellingPlan, orderRowFrom } from "./rows";

/** Above this many changed orders, a filtered bulk export is cheaper than paging. */
export const BULK_THRESHOLD = 5_000;
/** Webhooks and clocks are not instantaneous: look a little further back. */
const OVERLAP_MS = 5 * 60_000;

export type ReconcileResult =
  | { mode: "skipped"; reason: string }
  | {
      mode: "paged";
      orders: number;
      customers: number;
      deleted: number;
      /** Variant costs written, or "skipped" without the scope (Shop.costSyncSkipped). */
      costs: number | "skipped";
      /** Product types written, or "skipped" without the scope. */
      productTypes: number | "skipped";
      /** Collections and products whose memberships were read, or "skipped" without the scope. */
      collections: number | "skipped";
    }
  | { mode: "bulk" };

export async function reconcile(ctx: SyncContext, shopDomain: string): Promise<ReconcileResult> {
  const shop = await ctx.db.shop.findUnique({ where: { domain: shopDomain } });
  if (!shop || shop.status !== "installed") return { mode: "skipped", reason: "not installed" };
  if (shop.syncStatus === "backfilling") return { mode: "skipped", reason: "backfill running" };
  if (!shop.lastReconciledAt) return { mode: "skipped", reason: "never backfilled" };

  const startedAt = new Date();
  const since = new Date(shop.lastReconciledAt.getTime() - OVERLAP_MS);
  const filter = `updated_at:>='${since.toISOString()}'`;

  const counted = await ctx.api.request(ORDERS_CHANGED_COUNT, { query: filter });
  if ((counted.ordersCount?.count ?? 0) > BULK_THRESHOLD) {
    await beginBackfill(ctx.db, shopDomain, since);
    return { mode: "bulk" };
  }

  let orders = 0;
  let after: string | null = null;
  do {
    const page: OrdersChangedQuery = await ctx.api.request(ORDERS_CHANGED, {
      query: filter,
      after,
    });
    const rows = page.orders.nodes.map((node) =>
      orderRowFrom(node, hasSellingPlan(node.lineItems.nodes)),
    );
    await ctx.store.upsertOrders(shop.id, rows);
    // A page carries 8 line items an order: one with more is read again alone.
    for (const node of page.orders.nodes) {
      if (!node.lineItems.pageInfo.hasNextPage) continue;
      const { order } = await ctx.api.request(ORDER_FOR_SYNC, { id: node.id });
      if (order) {
        await ctx.store.upsertOrders(shop.id, [
          orderRowFrom(order, hasSellingPlan(order.lineItems.nodes)),
        ]);
      }
    }
    orders += rows.length;
    after = page.orders.pageInfo.hasNextPage ? (page.orders.pageInfo.endCursor ?? null) : null;
  } while (after);

  let customers = 0;
  after = null;
  do {
    const page: CustomersChangedQuery = await ctx.api.request(CUSTOMERS_CHANGED, {
      query: filter,
      after,
    });
    const rows = page.customers.nodes.map(customerRowFrom);
    await ctx.store.upsertCustomers(shop.id, rows);
    customers += rows.length;
    after = page.customers.pageInfo.hasNextPage
      ? (page.customers.pageInfo.endCursor ?? null)
      : null;
  } while (after);

  // Every cost, not only the changed ones, while none is known: a shop whose backfill ran
  // before costs were synced, or one that has just granted the scope they need.
  const allCosts =
    shop.costSyncSkipped !== null ||
    !(await ctx.db.variantCost.findFirst({ where: { shopId: shop.id }, select: { shopId: true } }));
  const costs = await reconcileCosts(ctx, shop.id, allCosts ? new Date(0) : since);
  // Every type while none is known, or when the scope was just granted (as costs).
  const productTypes = await reconcileProductTypes(
    ctx,
    shop.id,
    shop.costSyncSkipped !== null ? new Date(0) : since,
  );
  const collections = await reconcileCollections(
    ctx,
    shop.id,
    shop.costSyncSkipped !== null ? new Date(0) : since,
  );

  const tagsLearned = await learnUnknownTags({ ...ctx, api: () => ctx.api }, shop.id);

  // Deletes are in no updated_at search: a lost delete webhook is found by the sweep.
  const sweep = await sweepDeletions(ctx, shop.id);
  const deleted = sweep.orders + sweep.customers;

  await ctx.db.shop.update({ where: { id: shop.id }, data: { lastReconciledAt: startedAt } });
  ctx.log.info(
    { shop: shopDomain, orders, customers, costs, productTypes, collections, tagsLearned, sweep },
    "reconciled",
  );
  return { mode: "paged", orders, customers, deleted, costs, productTypes, collections };
}
