/**
 * Titles of the products an entry-products page shows, read live from the Admin API and never
 * stored (snapshots hold Shopify product ids only): one `nodes(ids:)` request for the ids on
 * screen, with the page client of customer-names.server.ts (two attempts, 5 s each). Any
 * failure falls back to the ids, and a deleted product simply has no title.
 */
import { logger } from "../logger.server";
import { ShopifyApiError, type AdminApi } from "../sync/admin-api.server";
import { PRODUCT_TITLES } from "../sync/operations";
import { parseGid, toGid } from "../sync/rows";

/** ok: titles fetched · failed: Shopify did not answer (or no token) · none: nothing to fetch. */
export type TitlesStatus = "ok" | "failed" | "none";

export interface ProductTitles {
  readonly status: TitlesStatus;
  /** By product id (decimal text); absent when Shopify no longer has the product. */
  readonly byId: Readonly<Record<string, string>>;
}

/** Shopify caps `nodes(ids:)` at 250 ids; the pages ask for far fewer. */
const MAX_IDS = 250;

const isProductId = (id: string) => /^[1-9][0-9]{0,19}$/.test(id);

export async function productTitles(
  api: AdminApi | null,
  ids: readonly string[],
): Promise<ProductTitles> {
  const wanted = [...new Set(ids.filter(isProductId))].slice(0, MAX_IDS);
  if (wanted.length === 0) return { status: "none", byId: {} };
  if (!api) return { status: "failed", byId: {} };
  try {
    const data = await api.request(PRODUCT_TITLES, {
      ids: wanted.map((id) => toGid("Product", BigInt(id))),
    });
    const byId: Record<string, string> = {};
    for (const node of data.nodes) {
      if (!node || !("id" in node) || typeof node.title !== "string") continue;
      byId[parseGid(node.id, "Product").toString()] = node.title;
    }
    return { status: "ok", byId };
  } catch (error) {
    logger.warn(
      { shop: api.shop, code: error instanceof ShopifyApiError ? error.code : "UNKNOWN" },
      `product titles unavailable: ${error instanceof Error ? error.message : String(error)}`,
    );
    return { status: "failed", byId: {} };
  }
}
