/**
 * The Entry products page (入口商品): the latest snapshot's entry-product block, with the
 * titles of the products on screen read live from Shopify (never stored: the block holds
 * product ids; a failed read or a deleted product shows the id).
 */
import type { EntryProductRow, GapDistribution, ProductPair } from "../analytics/entry-products";
import type { EntryProductsBlock } from "../metrics/snapshot/types";
import { entryDefinitions } from "./acquisition-definitions";
import type { AdminApi } from "../sync/admin-api.server";
import { loadPage } from "./page-base.server";
import { productTitles, type TitlesStatus } from "./product-titles.server";

/** Entry products shown (by customers); the block keeps up to MAX_ENTRY_PRODUCTS. */
export const SHOWN_ENTRY_PRODUCTS = 50;

export interface EntryProductView {
  readonly products: readonly Omit<EntryProductRow, "nextProducts" | "code">[];
  readonly pairs: readonly Omit<ProductPair, "from" | "to">[];
  readonly firstToSecond: GapDistribution;
  readonly secondToThird: GapDistribution;
  readonly customers: number;
  readonly customersWithoutProducts: number;
  readonly totalProducts: number;
  readonly ltvMonths: readonly number[];
  readonly windowDays: number;
  readonly definitions: ReturnType<typeof entryDefinitions>;
  /** Product ids whose titles the page needs. */
  readonly productIds: readonly string[];
}

/** The page's view of a block (pure: the unit tests run it on real reports). */
export function entryProductView(block: EntryProductsBlock): EntryProductView {
  const { report } = block;
  const products = report.products.slice(0, SHOWN_ENTRY_PRODUCTS).map((row) => ({
    product: row.product,
    customers: row.customers,
    f2: row.f2,
    repeat: row.repeat,
    ltv: row.ltv,
    toSubscription: row.toSubscription,
    firstToSecond: row.firstToSecond,
    secondToThird: row.secondToThird,
  }));
  const pairs = report.pairs.map((p) => ({
    fromProduct: p.fromProduct,
    toProduct: p.toProduct,
    customers: p.customers,
  }));
  const productIds = [
    ...new Set([
      ...products.map((p) => p.product),
      ...pairs.flatMap((p) => [p.fromProduct, p.toProduct]),
    ]),
  ];
  return {
    products,
    pairs,
    firstToSecond: report.firstToSecond,
    secondToThird: report.secondToThird,
    customers: report.customers,
    customersWithoutProducts: report.customersWithoutProducts,
    totalProducts: block.totalProducts,
    ltvMonths: report.params.ltvMonths,
    windowDays: report.params.windowDays,
    definitions: entryDefinitions({ windowDays: report.params.windowDays }),
    productIds,
  };
}

export async function entryProductsData(domain: string, api: AdminApi | null) {
  const { base, snapshot } = await loadPage(domain);
  const block = snapshot?.entryProducts;
  const view = block ? entryProductView(block) : null;
  const titles = view
    ? await productTitles(api, view.productIds)
    : { status: "none" as TitlesStatus, byId: {} };
  return {
    ...base,
    hasSnapshot: snapshot !== null,
    entry: view,
    titles: titles.byId,
    titlesStatus: titles.status,
  };
}
