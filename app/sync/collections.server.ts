/**
 * Collections and which products they hold (docs/decisions/0069-collections.md): ids, and
 * each collection's title (the merchant's catalogue name), current values only.
 *
 * Shopify signals a membership change from one side or the other, never both:
 * collections/create|update fire when products are added or removed by hand or the rules
 * change (their payloads list no products: the collection's products are read), and
 * products/update when a product changes, which may move it in or out of smart collections
 * (its payload lists no collections: the product's collections are read when its type
 * changed; not on the stock changes that make most deliveries). Reconciliation reads both
 * sides of what changed since; every collection while the shop has none stored (the
 * backfill's pass, or installs from before collections were synced).
 *
 * A read replaces the memberships of what it read (a collection's, or a product's) except
 * rows a later read wrote (`readAt`); a partial read (a product in more collections than a
 * page) only adds. Titles follow Collection.updatedAt like every other version. Writes go
 * through Prisma: a catalogue's rows, not an order stream. Without read_products the reads
 * answer ACCESS_DENIED and collections are skipped, as product types are.
 */
import type { Database } from "../db.server";
import type {
  CollectionProductsQuery,
  CollectionsChangedQuery,
  ProductCollectionsQuery,
} from "../types/admin.generated";
import type { AdminApi } from "./admin-api.server";
import { isAccessDenied } from "./costs.server";
import { COLLECTION_PRODUCTS, COLLECTIONS_CHANGED, PRODUCT_COLLECTIONS } from "./operations";
import { collectionRowFrom, parseGid, toGid, type CollectionRow } from "./rows";

export interface CollectionContext {
  db: Database;
  api: AdminApi;
}

/** Reconciliation reads this many products a page (see PRODUCT_COLLECTIONS' cost). */
const PRODUCTS_PER_PAGE = 25;

/** Stores collections' titles: a row changes only for a version at least as new. */
export async function upsertCollections(
  db: Database,
  shopId: number,
  rows: readonly CollectionRow[],
): Promise<void> {
  const newest = new Map<bigint, CollectionRow>();
  for (const r of rows) {
    const seen = newest.get(r.collectionId);
    if (!seen || seen.shopifyUpdatedAt <= r.shopifyUpdatedAt) newest.set(r.collectionId, r);
  }
  for (const r of newest.values()) {
    const data = { title: r.title, shopifyUpdatedAt: r.shopifyUpdatedAt };
    const { count } = await db.collection.updateMany({
      where: {
        shopId,
        collectionId: r.collectionId,
        shopifyUpdatedAt: { lte: r.shopifyUpdatedAt },
      },
      data,
    });
    if (count > 0) continue;
    const stored = await db.collection.findUnique({
      where: { shopId_collectionId: { shopId, collectionId: r.collectionId } },
      select: { shopId: true },
    });
    if (!stored)
      await db.collection.create({ data: { shopId, collectionId: r.collectionId, ...data } });
  }
}

type Scope = { collectionId: bigint } | { productId: bigint };

/**
 * Replaces the memberships of one collection or one product with what a read made at
 * `readAt` saw, leaving rows a later read wrote. `complete` false (a partial read): adds
 * the pairs seen, removes nothing.
 */
export async function replaceMemberships(
  db: Database,
  shopId: number,
  scope: Scope,
  pairs: readonly { collectionId: bigint; productId: bigint }[],
  readAt: Date,
  complete = true,
): Promise<void> {
  const key = (p: { collectionId: bigint; productId: bigint }) =>
    `${p.collectionId}:${p.productId}`;
  const unique = [...new Map(pairs.map((p) => [key(p), p])).values()];
  await db.$transaction(async (tx) => {
    const newer = await tx.collectionProduct.findMany({
      where: { shopId, ...scope, readAt: { gt: readAt } },
      select: { collectionId: true, productId: true },
    });
    const kept = new Set(newer.map(key));
    if (complete) {
      await tx.collectionProduct.deleteMany({
        where: { shopId, ...scope, readAt: { lte: readAt } },
      });
    } else if (unique.length > 0) {
      await tx.collectionProduct.deleteMany({
        where: {
          shopId,
          readAt: { lte: readAt },
          OR: unique.map((p) => ({ collectionId: p.collectionId, productId: p.productId })),
        },
      });
    }
    const fresh = unique.filter((p) => !kept.has(key(p)));
    if (fresh.length > 0) {
      await tx.collectionProduct.createMany({
        data: fresh.map((p) => ({ shopId, ...p, readAt })),
      });
    }
  });
}

/** Runs a read; "skipped" when the token may not read products (a retry cannot grant it). */
async function unlessDenied<T>(read: () => Promise<T>): Promise<T | "skipped"> {
  try {
    return await read();
  } catch (error) {
    if (isAccessDenied(error)) return "skipped";
    throw error;
  }
}

/**
 * collections/create and collections/update (and reconciliation): the collection's title
 * and all its products, paged. A collection Shopify no longer has is removed.
 */
export function refreshCollection(
  ctx: CollectionContext,
  shopId: number,
  collectionId: bigint,
): Promise<number | "skipped"> {
  return unlessDenied(async () => {
    const readAt = new Date();
    const productIds: bigint[] = [];
    let after: string | null = null;
    let row: CollectionRow | null = null;
    do {
      const page: CollectionProductsQuery = await ctx.api.request(COLLECTION_PRODUCTS, {
        id: toGid("Collection", collectionId),
        after,
      });
      const { collection } = page;
      if (!collection) {
        await deleteCollection(ctx.db, shopId, collectionId);
        return 0;
      }
      row = collectionRowFrom(collection);
      for (const p of collection.products.nodes) productIds.push(parseGid(p.id, "Product"));
      const { pageInfo } = collection.products;
      after = pageInfo.hasNextPage ? (pageInfo.endCursor ?? null) : null;
    } while (after);
    if (row) await upsertCollections(ctx.db, shopId, [row]);
    await replaceMemberships(
      ctx.db,
      shopId,
      { collectionId },
      productIds.map((productId) => ({ collectionId, productId })),
      readAt,
    );
    return productIds.length;
  });
}

/** collections/delete: the collection and its memberships go. */
export async function deleteCollection(db: Database, shopId: number, collectionId: bigint) {
  await db.$transaction([
    db.collectionProduct.deleteMany({ where: { shopId, collectionId } }),
    db.collection.deleteMany({ where: { shopId, collectionId } }),
  ]);
}

/** Reads the products matching a search with their collections and stores them. */
async function readProductCollections(
  ctx: CollectionContext,
  shopId: number,
  query: string,
  first: number,
): Promise<number> {
  let after: string | null = null;
  let products = 0;
  do {
    const readAt = new Date();
    const page: ProductCollectionsQuery = await ctx.api.request(PRODUCT_COLLECTIONS, {
      query,
      first,
      after,
    });
    for (const product of page.products.nodes) {
      const productId = parseGid(product.id, "Product");
      const rows = product.collections.nodes
        .map(collectionRowFrom)
        .filter((r): r is CollectionRow => r !== null);
      await upsertCollections(ctx.db, shopId, rows);
      await replaceMemberships(
        ctx.db,
        shopId,
        { productId },
        product.collections.nodes.map((c) => ({
          collectionId: parseGid(c.id, "Collection"),
          productId,
        })),
        readAt,
        !product.collections.pageInfo.hasNextPage,
      );
      products++;
    }
    const { pageInfo } = page.products;
    after = pageInfo.hasNextPage ? (pageInfo.endCursor ?? null) : null;
  } while (after);
  return products;
}

/** products/update: the product's collections, read by id (its payload lists none). */
export function refreshProductCollections(
  ctx: CollectionContext,
  shopId: number,
  productId: bigint,
): Promise<number | "skipped"> {
  return unlessDenied(() => readProductCollections(ctx, shopId, `id:${productId}`, 1));
}

/**
 * Reconciliation (and the backfill's pass): collections changed since `since` with their
 * products, then products changed since with their collections (a smart collection's
 * membership moves with the product, not the collection). Every collection while the shop
 * has none stored; then products need no pass of their own (the collections' reads hold
 * every membership).
 */
export function reconcileCollections(
  ctx: CollectionContext,
  shopId: number,
  since: Date,
): Promise<number | "skipped"> {
  return unlessDenied(async () => {
    const any = await ctx.db.collection.findFirst({ where: { shopId }, select: { shopId: true } });
    const from = any ? since : new Date(0);
    const search = `updated_at:>='${from.toISOString()}'`;
    let after: string | null = null;
    let read = 0;
    do {
      const page: CollectionsChangedQuery = await ctx.api.request(COLLECTIONS_CHANGED, {
        query: search,
        after,
      });
      for (const node of page.collections.nodes) {
        const collectionId = parseGid(node.id, "Collection");
        const members = await refreshCollection(ctx, shopId, collectionId);
        if (members !== "skipped") read++;
      }
      const { pageInfo } = page.collections;
      after = pageInfo.hasNextPage ? (pageInfo.endCursor ?? null) : null;
    } while (after);
    if (any) read += await readProductCollections(ctx, shopId, search, PRODUCTS_PER_PAGE);
    return read;
  });
}

/** A shop's collections: titles by id and each product's collections (decimal strings). */
export async function loadCollections(
  db: Database,
  shopId: number,
): Promise<{ titles: Map<string, string>; ofProduct: Map<string, string[]> }> {
  const [collections, members] = await Promise.all([
    db.collection.findMany({ where: { shopId }, select: { collectionId: true, title: true } }),
    db.collectionProduct.findMany({
      where: { shopId },
      select: { collectionId: true, productId: true },
      orderBy: [{ productId: "asc" }, { collectionId: "asc" }],
    }),
  ]);
  const titles = new Map(collections.map((c) => [c.collectionId.toString(), c.title]));
  const ofProduct = new Map<string, string[]>();
  for (const m of members) {
    const id = m.collectionId.toString();
    if (!titles.has(id)) continue; // a membership whose collection's title is not read yet
    const product = m.productId.toString();
    const list = ofProduct.get(product);
    if (list) list.push(id);
    else ofProduct.set(product, [id]);
  }
  return { titles, ofProduct };
}
