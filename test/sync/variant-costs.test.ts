/**
 * Unit costs per variant through the three sync paths against the fake Shopify (bulk
 * backfill, products/update and inventory_items/update webhooks, paged reconciliation),
 * compared with Shopify's ground truth; the write rules (an older read never replaces a
 * newer one, a read without the product keeps it); the reader; and a token without the
 * scope: costs skipped with the reason recorded, orders still synced.
 */
import { describe, expect, it } from "vitest";
import { COSTS_ACCESS_DENIED, loadVariantCosts } from "../../app/sync/costs.server";
import { reconcile } from "../../app/sync/reconcile.server";
import { variantCostRowFrom } from "../../app/sync/rows";
import { fakeWebhooks, harnessForBlock, type SyncHarness } from "./harness";

let h: SyncHarness;
const { deliver, lastSent, requests } = fakeWebhooks(() => h, "costs");

const storedCosts = async () =>
  new Map(
    (await h.ctx.db.variantCost.findMany({ where: { shopId: h.shopId } })).map((r) => [
      r.variantId,
      r,
    ]),
  );

/** Differences between the stored costs and Shopify's (empty when equal). */
async function costDifferences(): Promise<string[]> {
  const stored = await storedCosts();
  const out: string[] = [];
  const truth = h.shop.variants();
  if (stored.size !== truth.length) out.push(`${stored.size} stored, ${truth.length} in Shopify`);
  for (const v of truth) {
    const row = stored.get(BigInt(v.variantId));
    if (!row) {
      out.push(`variant ${v.variantId} missing`);
      continue;
    }
    const expected = {
      productId: BigInt(v.productId),
      inventoryItemId: BigInt(v.inventoryItemId),
      unitCostMinor: v.costMinor === null ? null : BigInt(v.costMinor),
      currency: v.costMinor === null ? null : v.currency,
      shopifyUpdatedAt: new Date(v.itemUpdatedAt * 1000).toISOString(),
    };
    const actual = {
      productId: row.productId,
      inventoryItemId: row.inventoryItemId,
      unitCostMinor: row.unitCostMinor,
      currency: row.currency,
      shopifyUpdatedAt: row.shopifyUpdatedAt.toISOString(),
    };
    for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
      if (expected[key] !== actual[key]) {
        out.push(`variant ${v.variantId} ${key}: ${actual[key]} vs ${expected[key]}`);
      }
    }
  }
  return out.slice(0, 20);
}

describe("unit costs with the scope granted", () => {
  harnessForBlock(
    "costs",
    { customers: 400, seed: 29, currency: "JPY", horizonDays: 30 },
    (started) => (h = started),
  );

  it("backfill stores every variant's cost as Shopify has it, besides the orders", async () => {
    await h.runBackfill();
    expect(await h.differences()).toEqual([]);
    expect(await costDifferences()).toEqual([]);

    // Every case is there: shop-currency costs, no cost, another currency, a gift card.
    const truth = h.shop.variants();
    expect(truth.some((v) => v.costMinor === null && !v.giftCard)).toBe(true);
    expect(truth.some((v) => v.costMinor !== null && v.currency === "USD")).toBe(true);
    expect(truth.some((v) => v.giftCard)).toBe(true);
    const shop = await h.ctx.db.shop.findUniqueOrThrow({ where: { id: h.shopId } });
    expect(shop.costSyncSkipped).toBeNull();
    // The variants file was a bulk export of its own, and its rows count in the progress.
    const ops = await h.ctx.db.bulkOperation.findMany({ where: { shopId: h.shopId } });
    expect(ops.map((o) => o.kind).sort()).toEqual(["customers", "orders", "variants"]);
  }, 240_000);

  it("the reader gives shop-currency costs by variant and counts the rest", async () => {
    const truth = h.shop.variants();
    const costs = await loadVariantCosts(h.ctx.db, h.shopId);
    expect(costs.currency).toBe("JPY");
    expect(costs.skipped).toBeNull();
    const inShopCurrency = truth.filter((v) => v.costMinor !== null && v.currency === "JPY");
    expect(costs.unitCostMinor.size).toBe(inShopCurrency.length);
    for (const v of inShopCurrency) {
      expect(costs.unitCostMinor.get(BigInt(v.variantId))).toBe(BigInt(v.costMinor!));
    }
    expect(costs.withoutCost).toBe(truth.filter((v) => v.costMinor === null).length);
    expect(costs.otherCurrency).toBe(
      truth.filter((v) => v.costMinor !== null && v.currency !== "JPY").length,
    );
  });

  it("inventory_items/update and products/update refresh costs through a targeted read", async () => {
    const [a, b] = h.shop.variants().filter((v) => !v.giftCard && v.costMinor !== null);
    h.fake.advance({ minutes: 10 });
    h.shop.setVariantCost(BigInt(a!.variantId), 777);
    const itemWebhook = lastSent("inventory_items/update");
    // Only the fields processing reads reach Kizuna (include_fields).
    expect(Object.keys(itemWebhook.payload as object).sort()).toEqual(["id", "updated_at"]);
    await deliver(itemWebhook);
    expect((await storedCosts()).get(BigInt(a!.variantId))?.unitCostMinor).toBe(777n);

    // A cost cleared in the admin. products/update, which also fires for every stock change,
    // reads nothing while Kizuna knows all the product's variants.
    h.fake.advance({ minutes: 10 });
    h.shop.setVariantCost(BigInt(b!.variantId), null);
    const productWebhook = lastSent("products/update");
    expect(productWebhook.payload).toEqual({
      id: b!.productId,
      product_type: b!.productType,
      updated_at: expect.any(String),
      variants: [{ id: b!.variantId }],
    });
    const before = requests();
    await deliver(productWebhook);
    expect(requests()).toBe(before);
    await deliver(lastSent("inventory_items/update"));
    expect((await storedCosts()).get(BigInt(b!.variantId))).toMatchObject({
      unitCostMinor: null,
      currency: null,
    });

    // A variant Kizuna does not know (a new one): the product's variants are read.
    await h.ctx.db.variantCost.delete({
      where: { shopId_variantId: { shopId: h.shopId, variantId: BigInt(b!.variantId) } },
    });
    await deliver(productWebhook);
    expect(requests()).toBeGreaterThan(before);
    const read = (await storedCosts()).get(BigInt(b!.variantId))!;
    expect(read).toMatchObject({ unitCostMinor: null, productId: BigInt(b!.productId) });

    // The older inventory_items/update of `a`, delivered late after a newer change: no read
    // is needed, and nothing older is stored.
    h.fake.advance({ minutes: 10 });
    h.shop.setVariantCost(BigInt(a!.variantId), 888);
    const newer = lastSent("inventory_items/update");
    await deliver(newer);
    const requestsBefore = requests();
    await deliver(itemWebhook);
    expect(requests()).toBe(requestsBefore);
    expect((await storedCosts()).get(BigInt(a!.variantId))?.unitCostMinor).toBe(888n);
    expect(await costDifferences()).toEqual([]);
  }, 120_000);

  it("an older read never replaces a newer one, and a read without the product keeps it", async () => {
    const [v] = h.shop.variants().filter((x) => x.costMinor !== null && x.currency === "JPY");
    const stored = (await storedCosts()).get(BigInt(v!.variantId))!;
    const node = (updatedAt: string, amount: string, product: boolean) => ({
      id: `gid://shopify/ProductVariant/${v!.variantId}`,
      ...(product ? { product: { id: `gid://shopify/Product/${v!.productId}` } } : {}),
      inventoryItem: {
        id: `gid://shopify/InventoryItem/${v!.inventoryItemId}`,
        updatedAt,
        unitCost: { amount, currencyCode: "JPY" },
      },
    });
    const older = new Date(stored.shopifyUpdatedAt.getTime() - 60_000).toISOString();
    await h.ctx.store.upsertVariantCosts(h.shopId, [variantCostRowFrom(node(older, "1.0", true))]);
    expect((await storedCosts()).get(BigInt(v!.variantId))?.unitCostMinor).toBe(
      stored.unitCostMinor,
    );

    const newer = new Date(stored.shopifyUpdatedAt.getTime() + 60_000).toISOString();
    await h.ctx.store.upsertVariantCosts(h.shopId, [variantCostRowFrom(node(newer, "2.0", false))]);
    const row = (await storedCosts()).get(BigInt(v!.variantId))!;
    expect(row.unitCostMinor).toBe(2n);
    expect(row.productId).toBe(BigInt(v!.productId));

    // Shopify's value back, for the next tests.
    await h.ctx.db.variantCost.update({
      where: { shopId_variantId: { shopId: h.shopId, variantId: BigInt(v!.variantId) } },
      data: { unitCostMinor: stored.unitCostMinor, shopifyUpdatedAt: stored.shopifyUpdatedAt },
    });
    expect(await costDifferences()).toEqual([]);
  });

  it("reconciliation stores the costs whose webhooks were lost", async () => {
    h.fake.advance({ days: 1 });
    const [v] = h.shop.variants().filter((x) => !x.giftCard && x.costMinor === null);
    h.shop.setVariantCost(BigInt(v!.variantId), 4_321); // its webhooks never processed
    const result = await reconcile(h.ctx, h.domain);
    expect(result).toMatchObject({ mode: "paged" });
    expect(result.mode === "paged" && result.costs).toBeGreaterThanOrEqual(1);
    expect((await storedCosts()).get(BigInt(v!.variantId))?.unitCostMinor).toBe(4_321n);
    expect(await costDifferences()).toEqual([]);
    expect(await h.differences()).toEqual([]);
  }, 180_000);
});

describe("unit costs without the scope", () => {
  harnessForBlock(
    "nocosts",
    {
      customers: 200,
      seed: 31,
      currency: "USD",
      horizonDays: 30,
      scopes: ["read_orders", "read_all_orders", "read_customers", "write_customers"],
    },
    (started) => (h = started),
  );

  it("backfill syncs orders and customers, skips costs and records why", async () => {
    await h.runBackfill();
    expect(await h.differences()).toEqual([]);
    expect(await h.ctx.db.variantCost.count({ where: { shopId: h.shopId } })).toBe(0);
    const shop = await h.ctx.db.shop.findUniqueOrThrow({ where: { id: h.shopId } });
    expect(shop).toMatchObject({ syncStatus: "idle", costSyncSkipped: COSTS_ACCESS_DENIED });
    expect((await loadVariantCosts(h.ctx.db, h.shopId)).skipped).toBe(COSTS_ACCESS_DENIED);
  }, 240_000);

  it("webhooks and reconciliation skip costs without failing, orders still sync", async () => {
    const [v] = h.shop.variants().filter((x) => !x.giftCard);
    h.fake.advance({ hours: 2 });
    // Shopify would not deliver these topics without the scope; a stale subscription might.
    h.shop.setVariantCost(BigInt(v!.variantId), 500);
    await expect(deliver(lastSent("products/update"))).resolves.toMatchObject({
      ordersChanged: false,
    });
    await expect(deliver(lastSent("inventory_items/update"))).resolves.toMatchObject({
      ordersChanged: false,
    });
    const order = h.shop.createOrder({ sourceName: "web" });
    const result = await reconcile(h.ctx, h.domain);
    expect(result).toMatchObject({ mode: "paged", costs: "skipped" });
    expect(h.shop.order(order.id)).not.toBeNull();
    expect(await h.differences()).toEqual([]);
    expect(await h.ctx.db.variantCost.count({ where: { shopId: h.shopId } })).toBe(0);
  }, 180_000);

  it("once the merchant grants the scope, reconciliation reads every cost", async () => {
    h.shop.updateScopes([...h.shop.scopes, "read_products"]);
    h.fake.advance({ hours: 2 });
    const result = await reconcile(h.ctx, h.domain);
    expect(result).toMatchObject({ mode: "paged", costs: h.shop.variants().length });
    expect(await costDifferences()).toEqual([]);
    const shop = await h.ctx.db.shop.findUniqueOrThrow({ where: { id: h.shopId } });
    expect(shop.costSyncSkipped).toBeNull();
  }, 180_000);
});
