/**
 * Unit costs per product variant (InventoryItem.unitCost), current values only: the cost
 * basis is "the cost Shopify has now", applied to past orders too (no history is kept;
 * docs/decisions/0052-variant-costs.md). Written by the backfill's third bulk file
 * (./backfill.server.ts), by products/update and inventory_items/update webhooks (both
 * notifications: the costs are read here through the Admin API) and by reconciliation,
 * all through app/sync/rows.ts variantCostRowFrom and the row store.
 *
 * A token without the scope the costs need (read_products, or read_inventory) gets
 * ACCESS_DENIED: costs are then skipped with the reason on Shop.costSyncSkipped, and
 * orders and customers sync as before.
 */
import type { Database } from "../db.server";
import type { InventoryItemCostsQuery, ProductVariantCostsQuery } from "../types/admin.generated";
import { ShopifyApiError, type AdminApi } from "./admin-api.server";
import type { RowStore } from "./store.server";
import { INVENTORY_ITEM_COSTS, PRODUCT_VARIANT_COSTS } from "./operations";
import { toGid, variantCostRowFrom, variantNodesOfItem, type VariantCostRow } from "./rows";

interface CostContext {
  db: Database;
  store: RowStore;
  api: AdminApi;
}

/** What Shop.costSyncSkipped says when Shopify denied the costs. */
export const COSTS_ACCESS_DENIED =
  "Shopify denied access to product costs: the app needs the read_products scope (reinstall or accept the updated scopes)";

export const isAccessDenied = (error: unknown) =>
  error instanceof ShopifyApiError && error.code === "ACCESS_DENIED";

/** Records why costs were not read (null: they were). */
export async function recordCostSync(db: Database, shopId: number, skipped: string | null) {
  await db.shop.update({ where: { id: shopId }, data: { costSyncSkipped: skipped } });
}

/**
 * Runs a cost read; ACCESS_DENIED is recorded on the shop and answers "skipped" instead of
 * failing the job (a retry cannot grant a scope). Any other error propagates.
 */
async function guarded(
  ctx: CostContext,
  shopId: number,
  read: () => Promise<number>,
): Promise<number | "skipped"> {
  try {
    const written = await read();
    await ctx.db.shop.updateMany({
      where: { id: shopId, costSyncSkipped: { not: null } },
      data: { costSyncSkipped: null },
    });
    return written;
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    await recordCostSync(ctx.db, shopId, COSTS_ACCESS_DENIED);
    return "skipped";
  }
}

/** products/update: every variant of the product, as Shopify has it now. */
export function refreshProductCosts(ctx: CostContext, shopId: number, productId: bigint) {
  return guarded(ctx, shopId, async () => {
    let after: string | null = null;
    let written = 0;
    do {
      const page: ProductVariantCostsQuery = await ctx.api.request(PRODUCT_VARIANT_COSTS, {
        id: toGid("Product", productId),
        after,
      });
      // A deleted product has no costs to refresh (products/delete is not subscribed).
      if (!page.product) return written;
      const rows = page.product.variants.nodes.map(variantCostRowFrom);
      await ctx.store.upsertVariantCosts(shopId, rows);
      written += rows.length;
      const { pageInfo } = page.product.variants;
      after = pageInfo.hasNextPage ? (pageInfo.endCursor ?? null) : null;
    } while (after);
    return written;
  });
}

/** Reads inventory items matching a search (ids, or updated_at) and stores their costs. */
async function readInventoryItems(ctx: CostContext, shopId: number, query: string) {
  let after: string | null = null;
  let written = 0;
  do {
    const page: InventoryItemCostsQuery = await ctx.api.request(INVENTORY_ITEM_COSTS, {
      query,
      after,
    });
    const rows: VariantCostRow[] = page.inventoryItems.nodes
      .flatMap(variantNodesOfItem)
      .map(variantCostRowFrom);
    await ctx.store.upsertVariantCosts(shopId, rows);
    written += rows.length;
    const { pageInfo } = page.inventoryItems;
    after = pageInfo.hasNextPage ? (pageInfo.endCursor ?? null) : null;
  } while (after);
  return written;
}

/** inventory_items/update: the item's cost and variant(s), read by id. */
export function refreshInventoryItemCosts(ctx: CostContext, shopId: number, itemId: bigint) {
  return guarded(ctx, shopId, () => readInventoryItems(ctx, shopId, `id:${itemId}`));
}

/**
 * Reconciliation: inventory items changed since `since` (a cost change moves the item's
 * updated_at; a new variant is a new item). A gap of any length is paged: a shop has far
 * fewer variants than orders.
 */
export function reconcileCosts(ctx: CostContext, shopId: number, since: Date) {
  return guarded(ctx, shopId, () =>
    readInventoryItems(ctx, shopId, `updated_at:>='${since.toISOString()}'`),
  );
}

/** A shop's unit costs for profit: in the shop currency, by variant id. */
export interface VariantCosts {
  currency: string;
  /** variantId → unit cost in minor units of the shop currency. */
  unitCostMinor: Map<bigint, bigint>;
  /** Variants Kizuna knows without a cost set in Shopify. */
  withoutCost: number;
  /** Variants whose cost is in another currency (not converted: counted as without). */
  otherCurrency: number;
  /** Why costs were not read, if they were not (Shop.costSyncSkipped). */
  skipped: string | null;
}

/**
 * The one reader of stored costs. Costs in another currency than the shop's are left out
 * (and counted): Kizuna converts no money.
 */
export async function loadVariantCosts(db: Database, shopId: number): Promise<VariantCosts> {
  const shop = await db.shop.findUniqueOrThrow({
    where: { id: shopId },
    select: { currency: true, costSyncSkipped: true },
  });
  const rows = await db.variantCost.findMany({
    where: { shopId },
    select: { variantId: true, unitCostMinor: true, currency: true },
  });
  const unitCostMinor = new Map<bigint, bigint>();
  let withoutCost = 0;
  let otherCurrency = 0;
  for (const row of rows) {
    if (row.unitCostMinor === null) withoutCost++;
    else if (row.currency !== shop.currency) otherCurrency++;
    else unitCostMinor.set(row.variantId, row.unitCostMinor);
  }
  return {
    currency: shop.currency,
    unitCostMinor,
    withoutCost,
    otherCurrency,
    skipped: shop.costSyncSkipped,
  };
}
