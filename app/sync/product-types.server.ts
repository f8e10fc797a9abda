/**
 * Product types per product (Product.productType: the merchant's own category, a
 * categorical value), current values only (docs/decisions/0064-product-types.md). Written
 * by the backfill's variants file (./backfill.server.ts: each variant line carries its
 * product's type), by products/update webhooks (from the payload's `product_type` and
 * `updated_at`; read by id when either is missing) and by reconciliation (products changed
 * since), all through app/sync/rows.ts productTypeRowFrom and the row store.
 *
 * They need read_products, as costs do: without it a read answers ACCESS_DENIED, the types
 * are skipped and the costs' guard records the reason (Shop.costSyncSkipped).
 */
import type { Database } from "../db.server";
import type { ProductTypesQuery } from "../types/admin.generated";
import type { AdminApi } from "./admin-api.server";
import { isAccessDenied } from "./costs.server";
import { PRODUCT_TYPES } from "./operations";
import { productTypeRowFrom, type ProductTypeRow } from "./rows";
import type { RowStore } from "./store.server";

interface ProductTypeContext {
  db: Database;
  store: RowStore;
  api: AdminApi;
}

/** Reads the products matching a search (`id:N`, or updated_at) and stores their types. */
async function readProductTypes(
  ctx: ProductTypeContext,
  shopId: number,
  query: string,
): Promise<number | "skipped"> {
  let after: string | null = null;
  let written = 0;
  try {
    do {
      const page: ProductTypesQuery = await ctx.api.request(PRODUCT_TYPES, { query, after });
      const rows = page.products.nodes
        .map(productTypeRowFrom)
        .filter((r): r is ProductTypeRow => r !== null);
      await ctx.store.upsertProductTypes(shopId, rows);
      written += rows.length;
      const { pageInfo } = page.products;
      after = pageInfo.hasNextPage ? (pageInfo.endCursor ?? null) : null;
    } while (after);
  } catch (error) {
    // The costs' reads record the missing scope; a retry cannot grant it.
    if (isAccessDenied(error)) return "skipped";
    throw error;
  }
  return written;
}

/** products/update without the type or its version in the payload: the product, read by id. */
export function refreshProductType(ctx: ProductTypeContext, shopId: number, productId: bigint) {
  return readProductTypes(ctx, shopId, `id:${productId}`);
}

/**
 * Reconciliation: products changed since `since` (a type change moves the product's
 * updated_at), paged; every product while the shop has no type stored (installed before
 * types were synced, or the scope just granted).
 */
export async function reconcileProductTypes(
  ctx: ProductTypeContext,
  shopId: number,
  since: Date,
): Promise<number | "skipped"> {
  const any = await ctx.db.productType.findFirst({ where: { shopId }, select: { shopId: true } });
  const from = any ? since : new Date(0);
  return readProductTypes(ctx, shopId, `updated_at:>='${from.toISOString()}'`);
}

/** A shop's product types, by product id (decimal string); "" = the merchant set none. */
export async function loadProductTypes(db: Database, shopId: number): Promise<Map<string, string>> {
  const rows = await db.productType.findMany({
    where: { shopId },
    select: { productId: true, productType: true },
  });
  return new Map(rows.map((r) => [r.productId.toString(), r.productType]));
}
