// Products, variants and inventory items with their unit costs (store/variant-costs.ts):
// the `productVariants`, `product`, `products` and `inventoryItems` roots and their object
// fields, incl. `Product.productType`; collections (store/collections.ts) on the
// `collection` and `collections` roots, `Collection.products` and `Product.collections`.
// Scopes as Shopify documents them: products and variants need read_products; an inventory
// item (and its unitCost) read_inventory or, since 2025-01, read_products.
import { GraphQLError } from "graphql";
import type { FakeCollection } from "../store/collections";
import type { FakeVariant } from "../store/variant-costs";
import { gid, parseGid } from "../util/gid";
import { currencyInfo, graphqlDecimal } from "../util/money";
import { isoUtc } from "../util/time";
import { accessDenied, hasScope, type ResolverContext } from "./context";
import { connection, type Args, type TypeResolvers } from "./nodes";

export interface ProductVariantNode {
  readonly __typename: "ProductVariant";
  readonly variant: FakeVariant;
}
export interface ProductNode {
  readonly __typename: "Product";
  readonly variant: FakeVariant;
}
export interface InventoryItemNode {
  readonly __typename: "InventoryItem";
  readonly variant: FakeVariant;
}

export interface CollectionNode {
  readonly __typename: "Collection";
  readonly collection: FakeCollection;
}
export const collectionNode = (collection: FakeCollection): CollectionNode => ({
  __typename: "Collection",
  collection,
});

export const variantNode = (variant: FakeVariant): ProductVariantNode => ({
  __typename: "ProductVariant",
  variant,
});
export const productNode = (variant: FakeVariant): ProductNode => ({
  __typename: "Product",
  variant,
});
const itemNode = (variant: FakeVariant): InventoryItemNode => ({
  __typename: "InventoryItem",
  variant,
});

export function requireProducts(ctx: ResolverContext, field: string): void {
  if (!hasScope(ctx.scopes, "read_products")) throw accessDenied(field, "read_products");
}

function requireInventoryItem(ctx: ResolverContext, field: string): void {
  if (!hasScope(ctx.scopes, "read_products") && !hasScope(ctx.scopes, "read_inventory")) {
    throw accessDenied(field, "read_inventory");
  }
}

/**
 * The search terms the fake answers for these roots: `id:N` and `updated_at:>='ISO'` (or
 * `>=`, `>`, `<=`, `<` without quotes), joined by spaces (AND). Anything else is refused
 * rather than ignored, so a test never passes on a filter the fake did not apply.
 */
function filterOf<T = FakeVariant>(
  query: unknown,
  updatedAt: (v: T) => number,
  idOf: (v: T) => number,
) {
  if (typeof query !== "string" || query.trim() === "") return () => true;
  const tests = query
    .trim()
    .split(/\s+(?:AND\s+)?/)
    .map((term): ((v: T) => boolean) => {
      const id = /^id:(\d+)$/.exec(term);
      if (id) {
        const wanted = Number(id[1]);
        return (v) => idOf(v) === wanted;
      }
      const time = /^updated_at:(>=|<=|>|<)'?([^']+)'?$/.exec(term);
      if (time) {
        const at = Date.parse(time[2] ?? "") / 1000;
        if (Number.isNaN(at)) throw new GraphQLError(`Invalid time in search: ${term}`);
        const op = time[1];
        return (v) => {
          const u = updatedAt(v);
          return op === ">=" ? u >= at : op === ">" ? u > at : op === "<=" ? u <= at : u < at;
        };
      }
      throw new GraphQLError(`fake-shopify does not implement the search term '${term}' here`, {
        extensions: { code: "NOT_IMPLEMENTED_BY_FAKE" },
      });
    });
  return (v: T) => tests.every((t) => t(v));
}

const productVariant: TypeResolvers<ProductVariantNode> = {
  id: (n) => gid("ProductVariant", n.variant.variantId),
  legacyResourceId: (n) => String(n.variant.variantId),
  updatedAt: (n) => isoUtc(n.variant.productUpdatedAt),
  product: (n, _a, ctx) => {
    requireProducts(ctx, "product");
    return productNode(n.variant);
  },
  inventoryItem: (n, _a, ctx) => {
    requireInventoryItem(ctx, "inventoryItem");
    return itemNode(n.variant);
  },
};

const product: TypeResolvers<ProductNode> = {
  id: (n) => gid("Product", n.variant.productId),
  legacyResourceId: (n) => String(n.variant.productId),
  isGiftCard: (n) => n.variant.giftCard,
  // The catalog's title (the entry-products page shows it live; Kizuna never stores it).
  title: (n, _a, ctx) =>
    n.variant.index < 0
      ? "Gift card"
      : (ctx.store.world.catalog.products[n.variant.index]?.title ?? ""),
  // Product.productType: String! ("" when the merchant set none).
  productType: (n) => n.variant.productType,
  updatedAt: (n) => isoUtc(n.variant.productUpdatedAt),
  variants: (n, args, ctx) =>
    connection(
      "variants",
      ctx.store.variantCosts.ofProduct(n.variant.productId).map(variantNode),
      (v) => v.variant.variantId,
      args,
    ),
  // The collections holding the product now (a smart collection's by its rule).
  collections: (n, args, ctx) => {
    if (args.query !== undefined && args.query !== null) {
      throw new GraphQLError("fake-shopify does not implement Product.collections(query:)", {
        extensions: { code: "NOT_IMPLEMENTED_BY_FAKE" },
      });
    }
    return connection(
      "collections",
      ctx.store.collections.ofProduct(n.variant.productId).map(collectionNode),
      (c) => c.collection.collectionId,
      args,
    );
  },
};

const collection: TypeResolvers<CollectionNode> = {
  id: (n) => gid("Collection", n.collection.collectionId),
  legacyResourceId: (n) => String(n.collection.collectionId),
  title: (n) => n.collection.title,
  handle: (n) => n.collection.handle,
  updatedAt: (n) => isoUtc(n.collection.updatedAt),
  products: (n, args, ctx) => {
    const products = ctx.store.collections
      .members(n.collection)
      .map((id) => ctx.store.variantCosts.ofProduct(id)[0])
      .filter((v): v is FakeVariant => v !== undefined)
      .map(productNode);
    return connection("products", products, (p) => p.variant.productId, args);
  },
};

const inventoryItem: TypeResolvers<InventoryItemNode> = {
  id: (n) => gid("InventoryItem", n.variant.inventoryItemId),
  legacyResourceId: (n) => String(n.variant.inventoryItemId),
  updatedAt: (n) => isoUtc(n.variant.itemUpdatedAt),
  tracked: () => true,
  unitCost: (n, _a, ctx) => {
    requireInventoryItem(ctx, "unitCost");
    const { costMinor, currency } = n.variant;
    if (costMinor === null) return null;
    return {
      amount: graphqlDecimal(costMinor, currencyInfo(currency).decimals),
      currencyCode: currency,
    };
  },
  variants: (n, args) =>
    connection("variants", [variantNode(n.variant)], (v) => v.variant.variantId, args),
};

export const CATALOG_RESOLVERS: Record<string, TypeResolvers<never>> = {
  ProductVariant: productVariant,
  Product: product,
  Collection: collection,
  InventoryItem: inventoryItem,
};

/** Variants as a bulk export's roots (`productVariants { … }`), honouring `query`. */
export function variantRoots(ctx: ResolverContext, query: unknown): ProductVariantNode[] {
  const test = filterOf(
    query,
    (v) => v.productUpdatedAt,
    (v) => v.variantId,
  );
  return ctx.store.variantCosts.list().filter(test).map(variantNode);
}

/** A product by its gid (`product(id:)` and `nodes(ids:)`); null when the shop has none. */
export function productById(ctx: ResolverContext, id: unknown): ProductNode | null {
  const parsed = parseGid(typeof id === "string" ? id : "");
  if (!parsed) throw new GraphQLError(`Invalid global id '${String(id)}'`);
  if (parsed.type !== "Product") return null;
  const variants = ctx.store.variantCosts.ofProduct(Number(parsed.id));
  return variants[0] ? productNode(variants[0]) : null;
}

export const CATALOG_ROOTS: TypeResolvers<unknown> = {
  productVariants: (_s, args: Args, ctx) => {
    requireProducts(ctx, "productVariants");
    return connection(
      "productVariants",
      variantRoots(ctx, args.query),
      (v) => v.variant.variantId,
      args,
    );
  },
  product: (_s, args, ctx) => {
    requireProducts(ctx, "product");
    return productById(ctx, args.id);
  },
  products: (_s, args, ctx) => {
    requireProducts(ctx, "products");
    const test = filterOf(
      args.query,
      (v) => v.productUpdatedAt,
      (v) => v.productId,
    );
    const products = ctx.store.variantCosts.products().filter(test).map(productNode);
    return connection("products", products, (p) => p.variant.productId, args);
  },
  collection: (_s, args, ctx) => {
    requireProducts(ctx, "collection");
    const parsed = parseGid(typeof args.id === "string" ? args.id : "");
    if (!parsed) throw new GraphQLError(`Invalid global id '${String(args.id)}'`);
    if (parsed.type !== "Collection") return null;
    const found = ctx.store.collections.get(Number(parsed.id));
    return found ? collectionNode(found) : null;
  },
  collections: (_s, args, ctx) => {
    requireProducts(ctx, "collections");
    const test = filterOf<FakeCollection>(
      args.query,
      (c) => c.updatedAt,
      (c) => c.collectionId,
    );
    const list = ctx.store.collections.list().filter(test).map(collectionNode);
    return connection("collections", list, (c) => c.collection.collectionId, args);
  },
  inventoryItems: (_s, args, ctx) => {
    requireInventoryItem(ctx, "inventoryItems");
    const test = filterOf(
      args.query,
      (v) => v.itemUpdatedAt,
      (v) => v.inventoryItemId,
    );
    const items = ctx.store.variantCosts
      .list()
      .filter(test)
      .sort((a, b) => a.inventoryItemId - b.inventoryItemId)
      .map(itemNode);
    return connection("inventoryItems", items, (i) => i.variant.inventoryItemId, args);
  },
};
