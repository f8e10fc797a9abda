/**
 * The Entry products page (入口商品): the latest snapshot's entry-product block, with the
 * titles of the products on screen read live from Shopify (never stored: the block holds
 * product ids; a failed read or a deleted product shows the id).
 */
import type {
  EntryCollectionRow,
  EntryProductRow,
  EntryTypeRow,
  GapDistribution,
  ProductPair,
} from "../analytics/entry-products";
import type { EntryProductsBlock } from "../metrics/snapshot/types";
import {
  entryCollectionDefinitions,
  entryDefinitions,
  entryTypeDefinitions,
} from "./acquisition-definitions";
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
  /** By product type; null when no type is synced (or the snapshot predates types). */
  readonly byType: EntryTypeView | null;
  /** By collection; null when no entry product is in a synced collection (or the
   *  snapshot predates collections). */
  readonly byCollection: EntryCollectionView | null;
}

/** A grouped table's measures of one row (by type, by collection). */
type GroupMeasures = Pick<
  EntryTypeRow,
  "customers" | "f2" | "repeat" | "ltv" | "toSubscription"
> & { readonly medianDays: number | null };

function groupMeasures(r: Omit<EntryTypeRow, "productType" | "code">): GroupMeasures {
  return {
    customers: r.customers,
    f2: r.f2,
    repeat: r.repeat,
    ltv: r.ltv,
    toSubscription: r.toSubscription,
    medianDays: r.firstToSecond.median,
  };
}

export interface EntryCollectionView {
  /** Collection id (decimal digits) and title ("" shows the id). */
  readonly rows: readonly (Pick<EntryCollectionRow, "title"> & {
    readonly collectionId: string;
  } & GroupMeasures)[];
  readonly customersInCollections: number;
  readonly customersOutside: number;
  readonly totalCollections: number;
  readonly productsInCollections: number;
  readonly definitions: ReturnType<typeof entryCollectionDefinitions>;
}

/** The collection table's view; null when no entry product is in a synced collection. */
export function entryCollectionView(block: EntryProductsBlock): EntryCollectionView | null {
  const c = block.byCollection;
  if (!c || c.collections.length === 0) return null;
  return {
    rows: c.collections.map((r) => ({
      collectionId: r.collectionId,
      title: r.title,
      ...groupMeasures(r),
    })),
    customersInCollections: c.customersInCollections,
    customersOutside: c.customersOutside,
    totalCollections: c.totalCollections,
    productsInCollections: c.productsInCollections,
    definitions: entryCollectionDefinitions({ windowDays: block.report.params.windowDays }),
  };
}

export interface EntryTypeView {
  /** productType "" = no product type (the page names it). */
  readonly rows: readonly (Pick<EntryTypeRow, "productType"> & GroupMeasures)[];
  readonly customersTyped: number;
  readonly customersUntyped: number;
  readonly totalTypes: number;
  readonly productsTyped: number;
  readonly definitions: ReturnType<typeof entryTypeDefinitions>;
}

/** The type table's view; null when the block has no synced type. */
export function entryTypeView(block: EntryProductsBlock): EntryTypeView | null {
  const t = block.byType;
  if (!t || t.productsTyped === 0 || t.types.length === 0) return null;
  return {
    rows: t.types.map((r) => ({ productType: r.productType, ...groupMeasures(r) })),
    customersTyped: t.customersTyped,
    customersUntyped: t.customersUntyped,
    totalTypes: t.totalTypes,
    productsTyped: t.productsTyped,
    definitions: entryTypeDefinitions({ windowDays: block.report.params.windowDays }),
  };
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
    byType: entryTypeView(block),
    byCollection: entryCollectionView(block),
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
