/**
 * Collections through the sync paths against the fake Shopify (the backfill's paged pass,
 * collections/create|update|delete and products/update webhooks, reconciliation), compared
 * with Shopify's ground truth (manual and smart collections, products in several or none);
 * the write rules (a read replaces what it read except rows a later read wrote; a node
 * without the title or its version never overwrites it); 64-bit ids; the reader.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  loadCollections,
  replaceMemberships,
  upsertCollections,
} from "../../app/sync/collections.server";
import { reconcile } from "../../app/sync/reconcile.server";
import { collectionRowFrom } from "../../app/sync/rows";
import { fakeWebhooks, startSyncHarness, type SyncHarness } from "./harness";

let h: SyncHarness;
const { deliver, lastSent, requests } = fakeWebhooks(() => h, "collections");

/** Differences between the stored collections and memberships and Shopify's (empty when equal). */
async function collectionDifferences(): Promise<string[]> {
  const [collections, members] = await Promise.all([
    h.ctx.db.collection.findMany({ where: { shopId: h.shopId } }),
    h.ctx.db.collectionProduct.findMany({ where: { shopId: h.shopId } }),
  ]);
  const out: string[] = [];
  const truth = h.shop.collections();
  const titles = new Map(collections.map((c) => [c.collectionId, c.title]));
  const pairs = new Set(members.map((m) => `${m.collectionId}:${m.productId}`));
  const truePairs = new Set(
    truth.flatMap((c) => c.productIds.map((p) => `${c.collectionId}:${p}`)),
  );
  for (const c of truth) {
    if (titles.get(BigInt(c.collectionId)) !== c.title) {
      out.push(
        `collection ${c.collectionId}: "${titles.get(BigInt(c.collectionId))}" vs "${c.title}"`,
      );
    }
  }
  if (titles.size !== truth.length)
    out.push(`${titles.size} collections stored, ${truth.length} in Shopify`);
  for (const p of truePairs) if (!pairs.has(p)) out.push(`membership ${p} missing`);
  for (const p of pairs) if (!truePairs.has(p)) out.push(`membership ${p} not in Shopify`);
  return out.slice(0, 20);
}

describe("collections", () => {
  beforeAll(async () => {
    h = await startSyncHarness("collections", {
      customers: 200,
      seed: 41,
      currency: "JPY",
      horizonDays: 30,
    });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it("the backfill stores every collection and which products it holds", async () => {
    await h.runBackfill();
    expect(await h.differences()).toEqual([]);
    expect(await collectionDifferences()).toEqual([]);
    const truth = h.shop.collections();
    // Manual and smart collections, an empty one; products in several, one and none.
    expect(truth.some((c) => c.kind === "manual" && c.productIds.length === 0)).toBe(true);
    expect(truth.filter((c) => c.kind === "smart").length).toBeGreaterThanOrEqual(3);
    const count = new Map<number, number>();
    for (const c of truth) for (const p of c.productIds) count.set(p, (count.get(p) ?? 0) + 1);
    const products = h.shop.productTypes().map((p) => p.productId);
    expect(products.some((p) => (count.get(p) ?? 0) >= 2)).toBe(true);
    expect(products.some((p) => (count.get(p) ?? 0) === 1)).toBe(true);
    expect(products.some((p) => !count.has(p))).toBe(true);

    const loaded = await loadCollections(h.ctx.db, h.shopId);
    expect(loaded.titles.size).toBe(truth.length);
    for (const p of products) {
      const expected = truth
        .filter((c) => c.productIds.includes(p))
        .map((c) => String(c.collectionId))
        .sort();
      expect([...(loaded.ofProduct.get(String(p)) ?? [])].sort()).toEqual(expected);
    }
  }, 240_000);

  it("collections/create, update and delete: the collection read by id", async () => {
    const products = h.shop.productTypes().map((p) => BigInt(p.productId));
    h.fake.advance({ minutes: 10 });
    const id = h.shop.createCollection("母の日", [products[3]!, products[4]!]);
    const created = lastSent("collections/create");
    // Only the id reaches Kizuna (include_fields): its payload lists no products.
    expect(Object.keys(created.payload as object)).toEqual(["id"]);
    await deliver(created);
    expect(await collectionDifferences()).toEqual([]);

    // Products added and removed by hand, then a rename: collections/update each time.
    h.fake.advance({ minutes: 10 });
    h.shop.setCollectionProducts(id, [products[5]!], [products[3]!]);
    const changed = lastSent("collections/update");
    h.fake.advance({ minutes: 10 });
    h.shop.renameCollection(id, "母の日ギフト");
    const renamed = lastSent("collections/update");
    // Delivered in reverse: each reads the collection as it is now.
    await deliver(renamed);
    await deliver(changed);
    expect(await collectionDifferences()).toEqual([]);

    h.fake.advance({ minutes: 10 });
    h.shop.deleteCollection(id);
    await deliver(lastSent("collections/delete"));
    expect(await collectionDifferences()).toEqual([]);
    expect(
      await h.ctx.db.collectionProduct.count({ where: { shopId: h.shopId, collectionId: id } }),
    ).toBe(0);
    // A late collections/update of the deleted collection: Shopify has none, none is kept.
    await deliver(renamed);
    expect(await collectionDifferences()).toEqual([]);
  }, 120_000);

  it("products/update: a type change moves the product between smart collections", async () => {
    const [p] = h.shop
      .productTypes()
      .filter((x) => x.productType !== "" && x.productType !== "giftcard");
    const other = h.shop
      .productTypes()
      .find(
        (x) =>
          x.productType !== "" && x.productType !== p!.productType && x.productType !== "giftcard",
      )!;
    h.fake.advance({ minutes: 10 });
    h.shop.setProductType(BigInt(p!.productId), other.productType);
    const sent = lastSent("products/update");
    // Shopify sends no collections/update for a rule match that changed.
    expect(h.shop.sent.at(-1)!.topic).toBe("products/update");
    const before = requests();
    await deliver(sent);
    expect(requests()).toBe(before + 1);
    expect(await collectionDifferences()).toEqual([]);

    // The same delivery again (a stock change carries the same type): no read.
    const again = requests();
    await deliver(sent);
    expect(requests()).toBe(again);
  }, 120_000);

  it("reconciliation finds memberships whose webhooks were lost", async () => {
    h.fake.advance({ days: 1 });
    const manual = h.shop
      .collections()
      .find((c) => c.kind === "manual" && c.productIds.length > 0)!;
    const products = h.shop.productTypes().map((p) => BigInt(p.productId));
    const outside = products.find((p) => !manual.productIds.includes(Number(p)))!;
    h.shop.setCollectionProductsSilently(
      manual.collectionId,
      [outside],
      [BigInt(manual.productIds[0]!)],
    );
    // And a type change whose products/update was never delivered.
    const [p] = h.shop
      .productTypes()
      .filter((x) => x.productType !== "" && x.productType !== "giftcard");
    h.shop.setProductType(BigInt(p!.productId), "");
    expect((await collectionDifferences()).length).toBeGreaterThan(0);
    const result = await reconcile(h.ctx, h.domain);
    expect(result).toMatchObject({ mode: "paged" });
    expect(result.mode === "paged" && result.collections).toBeGreaterThanOrEqual(2);
    expect(await collectionDifferences()).toEqual([]);
    expect(await h.differences()).toEqual([]);

    // A shop with no collection stored (synced before collections were): all read again.
    await h.ctx.db.collectionProduct.deleteMany({ where: { shopId: h.shopId } });
    await h.ctx.db.collection.deleteMany({ where: { shopId: h.shopId } });
    h.fake.advance({ hours: 1 });
    await reconcile(h.ctx, h.domain);
    expect(await collectionDifferences()).toEqual([]);
  }, 180_000);

  it("ids keep all 64 bits; a later read's rows stay; titles follow versions", async () => {
    const collectionId = 9_223_372_036_854_775_807n;
    const productId = 9_223_372_036_854_775_806n;
    const node = (title: string, at: string) => ({
      id: `gid://shopify/Collection/${collectionId}`,
      title: ` ${title} `,
      updatedAt: at,
    });
    const row = collectionRowFrom(node("Big", "2026-03-01T00:00:00Z"))!;
    expect(row).toEqual({
      collectionId,
      title: "Big",
      shopifyUpdatedAt: new Date("2026-03-01T00:00:00Z"),
    });
    await upsertCollections(h.ctx.db, h.shopId, [row]);
    await upsertCollections(h.ctx.db, h.shopId, [
      collectionRowFrom(node("Older", "2026-02-01T00:00:00Z"))!,
    ]);
    const title = async () =>
      (
        await h.ctx.db.collection.findUnique({
          where: { shopId_collectionId: { shopId: h.shopId, collectionId } },
        })
      )?.title;
    expect(await title()).toBe("Big");
    // Without the title or its version: nothing; malformed: an error.
    expect(
      collectionRowFrom({ id: node("x", "").id, updatedAt: "2026-01-01T00:00:00Z" }),
    ).toBeNull();
    expect(collectionRowFrom({ id: node("x", "").id, title: "x" })).toBeNull();
    expect(() =>
      collectionRowFrom({ id: node("x", "").id, title: 3, updatedAt: "2026-01-01T00:00:00Z" }),
    ).toThrow();

    // A product's read at t2 holds the pair; the collection's older read (t1) without it
    // arrives later: the pair stays. A newer collection read without it removes it.
    const pair = { collectionId, productId };
    const t1 = new Date("2026-03-01T00:00:00Z");
    const t2 = new Date("2026-03-02T00:00:00Z");
    const t3 = new Date("2026-03-03T00:00:00Z");
    await replaceMemberships(h.ctx.db, h.shopId, { productId }, [pair], t2);
    await replaceMemberships(h.ctx.db, h.shopId, { collectionId }, [], t1);
    const stored = () =>
      h.ctx.db.collectionProduct.findMany({
        where: { shopId: h.shopId, collectionId },
        select: { collectionId: true, productId: true },
      });
    expect(await stored()).toEqual([pair]);
    await replaceMemberships(h.ctx.db, h.shopId, { collectionId }, [], t3);
    expect(await stored()).toEqual([]);
    // A partial read (more collections than a page) adds, never removes.
    await replaceMemberships(h.ctx.db, h.shopId, { productId }, [pair], t3);
    await replaceMemberships(
      h.ctx.db,
      h.shopId,
      { productId },
      [],
      new Date("2026-03-04T00:00:00Z"),
      false,
    );
    expect(await stored()).toEqual([pair]);
    const loaded = await loadCollections(h.ctx.db, h.shopId);
    expect(loaded.ofProduct.get(productId.toString())).toEqual([collectionId.toString()]);
    expect(loaded.titles.get(collectionId.toString())).toBe("Big");
  });
});
