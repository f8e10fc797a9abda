/**
 * Product types through the three sync paths against the fake Shopify (the backfill's
 * variants file, products/update webhooks, paged reconciliation), compared with Shopify's
 * ground truth; the write rules (an older read never replaces a newer one; a payload or
 * node without the type never overwrites it); 64-bit product ids; the reader.
 */
import { describe, expect, it } from "vitest";
import { loadProductTypes } from "../../app/sync/product-types.server";
import { reconcile } from "../../app/sync/reconcile.server";
import { productTypeRowFrom } from "../../app/sync/rows";
import { fakeWebhooks, harnessForBlock, type SyncHarness } from "./harness";

let h: SyncHarness;
const { deliver, lastSent, requests } = fakeWebhooks(() => h, "types");

const storedTypes = async () =>
  new Map(
    (await h.ctx.db.productType.findMany({ where: { shopId: h.shopId } })).map((r) => [
      r.productId,
      r,
    ]),
  );

/** Differences between the stored types and Shopify's (empty when equal). */
async function typeDifferences(): Promise<string[]> {
  const stored = await storedTypes();
  const truth = h.shop.productTypes();
  const out: string[] = [];
  if (stored.size !== truth.length) out.push(`${stored.size} stored, ${truth.length} in Shopify`);
  for (const p of truth) {
    const row = stored.get(BigInt(p.productId));
    if (!row) out.push(`product ${p.productId} missing`);
    else if (row.productType !== p.productType) {
      out.push(`product ${p.productId}: "${row.productType}" vs "${p.productType}"`);
    } else if (row.shopifyUpdatedAt.getTime() !== p.updatedAtSec * 1000) {
      out.push(`product ${p.productId} version ${row.shopifyUpdatedAt.toISOString()}`);
    }
  }
  return out.slice(0, 20);
}

describe("product types", () => {
  harnessForBlock(
    "ptypes",
    { customers: 300, seed: 37, currency: "JPY", horizonDays: 30 },
    (started) => (h = started),
  );

  it("the backfill stores every product's type from the variants file", async () => {
    await h.runBackfill();
    expect(await h.differences()).toEqual([]);
    expect(await typeDifferences()).toEqual([]);
    const truth = h.shop.productTypes();
    // Typed and untyped products are both there, and several types.
    expect(truth.some((p) => p.productType === "")).toBe(true);
    expect(new Set(truth.map((p) => p.productType)).size).toBeGreaterThanOrEqual(4);
    const ops = await h.ctx.db.bulkOperation.findMany({ where: { shopId: h.shopId } });
    expect(ops.map((o) => o.kind).sort()).toEqual(["customers", "orders", "variants"]);

    const loaded = await loadProductTypes(h.ctx.db, h.shopId);
    expect(loaded.size).toBe(truth.length);
    for (const p of truth) expect(loaded.get(String(p.productId))).toBe(p.productType);
  }, 240_000);

  it("products/update stores the payload's type without reading it", async () => {
    const [p] = h.shop
      .productTypes()
      .filter((x) => x.productType !== "" && x.productType !== "giftcard");
    h.fake.advance({ minutes: 10 });
    h.shop.setProductType(BigInt(p!.productId), "定期便");
    const sent = lastSent("products/update");
    // Only the fields processing reads reach Kizuna (include_fields).
    expect(Object.keys(sent.payload as object).sort()).toEqual([
      "id",
      "product_type",
      "updated_at",
      "variants",
    ]);
    const before = requests();
    await deliver(sent);
    // One read: a type change may move the product between smart collections (its
    // collections are read, docs/decisions/0069-collections.md); the type itself is not read.
    expect(requests()).toBe(before + 1);
    expect((await storedTypes()).get(BigInt(p!.productId))?.productType).toBe("定期便");

    // Cleared in the admin: "" is a value, stored as such.
    h.fake.advance({ minutes: 10 });
    h.shop.setProductType(BigInt(p!.productId), "");
    const cleared = lastSent("products/update");
    await deliver(cleared);
    expect((await storedTypes()).get(BigInt(p!.productId))?.productType).toBe("");

    // The older webhook, delivered late: the newer type stays.
    await deliver(sent);
    expect((await storedTypes()).get(BigInt(p!.productId))?.productType).toBe("");
    expect(await typeDifferences()).toEqual([]);
  }, 120_000);

  it("a payload without product_type never overwrites the stored type", async () => {
    const [p] = h.shop
      .productTypes()
      .filter((x) => x.productType !== "" && x.productType !== "giftcard");
    h.fake.advance({ minutes: 10 });
    h.shop.setProductType(BigInt(p!.productId), "ギフト");
    const sent = lastSent("products/update");
    await deliver(sent);
    const stored = (await storedTypes()).get(BigInt(p!.productId))!;
    expect(stored.productType).toBe("ギフト");

    // Without product_type (or with it null): the product is read by id, nothing blanked.
    const { product_type: _type, ...withoutType } = sent.payload as Record<string, unknown>;
    for (const payload of [withoutType, { ...withoutType, product_type: null }]) {
      const before = requests();
      await deliver(sent, payload);
      expect(requests()).toBeGreaterThan(before);
      expect((await storedTypes()).get(BigInt(p!.productId))).toEqual(stored);
    }
    // Without updated_at (no version): read by id as well.
    const { updated_at: _at, ...withoutVersion } = sent.payload as Record<string, unknown>;
    const before = requests();
    await deliver(sent, withoutVersion);
    expect(requests()).toBeGreaterThan(before);
    expect((await storedTypes()).get(BigInt(p!.productId))).toEqual(stored);

    // A node without the type or its version maps to nothing; a malformed one is an error.
    const gid = `gid://shopify/Product/${p!.productId}`;
    expect(productTypeRowFrom({ id: gid, updatedAt: "2026-01-01T00:00:00Z" })).toBeNull();
    expect(productTypeRowFrom({ id: gid, productType: "x" })).toBeNull();
    expect(() =>
      productTypeRowFrom({ id: gid, productType: 3, updatedAt: "2026-01-01T00:00:00Z" }),
    ).toThrow();
    expect(await typeDifferences()).toEqual([]);
  }, 120_000);

  it("reconciliation stores the types whose webhooks were lost", async () => {
    h.fake.advance({ days: 1 });
    const [a, b] = h.shop.productTypes().filter((x) => x.productType !== "giftcard");
    h.shop.setProductType(BigInt(a!.productId), "セット"); // webhooks never processed
    h.shop.setProductType(BigInt(b!.productId), "");
    const result = await reconcile(h.ctx, h.domain);
    expect(result).toMatchObject({ mode: "paged" });
    expect(result.mode === "paged" && result.productTypes).toBeGreaterThanOrEqual(2);
    expect((await storedTypes()).get(BigInt(a!.productId))?.productType).toBe("セット");
    expect(await typeDifferences()).toEqual([]);
    expect(await h.differences()).toEqual([]);

    // A shop with no type stored (synced before types were): reconciliation reads them all.
    await h.ctx.db.productType.deleteMany({ where: { shopId: h.shopId } });
    h.fake.advance({ hours: 1 });
    const again = await reconcile(h.ctx, h.domain);
    expect(again).toMatchObject({ mode: "paged", productTypes: h.shop.productTypes().length });
    expect(await typeDifferences()).toEqual([]);
  }, 180_000);

  it("product ids keep all 64 bits, and only newer versions replace a type", async () => {
    const id = 9_223_372_036_854_775_807n;
    const node = (type: string, at: string) => ({
      id: `gid://shopify/Product/${id}`,
      productType: `  ${type} `,
      updatedAt: at,
    });
    const row = productTypeRowFrom(node("Big", "2026-03-01T00:00:00Z"))!;
    expect(row).toEqual({
      productId: id,
      productType: "Big",
      shopifyUpdatedAt: new Date("2026-03-01T00:00:00Z"),
    });
    await h.ctx.store.upsertProductTypes(h.shopId, [row]);
    await h.ctx.store.upsertProductTypes(h.shopId, [
      productTypeRowFrom(node("Older", "2026-02-01T00:00:00Z"))!,
    ]);
    const read = async () =>
      h.ctx.db.productType.findUnique({
        where: { shopId_productId: { shopId: h.shopId, productId: id } },
      });
    expect((await read())?.productType).toBe("Big");
    // Two reads of one product in one write: the newest wins.
    await h.ctx.store.upsertProductTypes(h.shopId, [
      productTypeRowFrom(node("Newest", "2026-05-01T00:00:00Z"))!,
      productTypeRowFrom(node("Newer", "2026-04-01T00:00:00Z"))!,
    ]);
    expect(await read()).toMatchObject({ productId: id, productType: "Newest" });
    expect((await loadProductTypes(h.ctx.db, h.shopId)).get(id.toString())).toBe("Newest");
  });
});
