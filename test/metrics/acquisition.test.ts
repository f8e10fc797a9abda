/**
 * The acquisition and entry-product blocks end to end: a hand-built shop written through the
 * row store (first touches, line items, unit costs, spend with campaigns), loaded and computed
 * by computeShop on the suite's database (SQLite or PostgreSQL), checked against values
 * computed by hand below.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replaceMemberships, upsertCollections } from "../../app/sync/collections.server";
import { createDatabase } from "../../app/db.server";
import { computeShop } from "../../app/metrics/compute.server";
import { loadShopData } from "../../app/metrics/load.server";
import type { AcquisitionReport, AcquisitionRow } from "../../app/analytics/acquisition";
import {
  predictedLtvByChannel,
  topCampaignMonths,
} from "../../app/metrics/snapshot/acquisition-block";
import { parseSnapshot } from "../../app/metrics/snapshot/codec";
import {
  JOURNEY_NONE,
  JOURNEY_UNKNOWN,
  JOURNEY_VISIT,
  type AcquisitionStage,
} from "../../app/metrics/snapshot/stages";
import type { ShopSnapshot } from "../../app/metrics/snapshot/types";
import type { Journey, LineItemRow, OrderRow } from "../../app/sync/rows";
import { createRowStore } from "../../app/sync/store.server";

const url = process.env.DATABASE_URL!;
const db = createDatabase(url);
const store = createRowStore(url);
const domain = `acq-${process.pid}-${Date.now()}.myshopify.com`;
const AS_OF = new Date("2025-06-30T12:00:00+09:00");
let shopId = 0;

const visit = (v: Partial<Extract<Journey, { kind: "visit" }>>): Journey => ({
  kind: "visit",
  source: null,
  sourceType: null,
  utmSource: null,
  utmMedium: null,
  utmCampaign: null,
  utmContent: null,
  utmTerm: null,
  referrerHost: null,
  landingPath: "/",
  ...v,
});

let lineId = 1000n;
/** A line: [product, variant, quantity, units kept, net for `quantity` units]. */
type Line = [bigint | null, bigint | null, number, number, number];

function order(
  id: bigint,
  customerId: bigint | null,
  at: string,
  touch: Journey | null,
  lines: Line[],
  extra: Partial<OrderRow> = {},
): OrderRow {
  const when = new Date(at);
  const net = lines.reduce((s, [, , q, kept, n]) => s + (q > 0 ? (n * kept) / q : 0), 0);
  const gross = lines.reduce((s, l) => s + l[4], 0);
  const lineItems: LineItemRow[] = lines.map(([productId, variantId, quantity, kept, n]) => ({
    id: lineId++,
    orderId: id,
    productId,
    variantId,
    quantity,
    currentQuantity: kept,
    netMinor: BigInt(n),
    subscription: false,
    giftCard: false,
    versionAt: when,
  }));
  return {
    id,
    customerId,
    processedAt: when,
    cancelledAt: null,
    test: false,
    grossMinor: BigInt(gross),
    refundedMinor: BigInt(gross - net),
    netMinor: BigInt(net),
    itemQuantity: lines.length,
    sourceName: "web",
    subscription: false,
    shopifyUpdatedAt: when,
    channelHandle: "online_store",
    discountCodeList: [],
    firstTouch: touch,
    lineItems,
    ...extra,
  };
}

const P1 = 9001n;
const P2 = 9002n;
const P3 = 9003n;
const GOOGLE_CPC = (campaign: string) =>
  visit({ utmSource: "google", utmMedium: "cpc", utmCampaign: campaign });

/**
 * A, C: Google Ads, campaign "Spring" / "spring " (one campaign once normalised); C's
 * cancelled earlier order came from Meta ads and must not count. B: Instagram (referrer
 * l.instagram.com). D: Shopify attributed no visit; E: journey not known (both direct).
 * F: a POS order (no visit, channel handle pos). A guest order with a touch is ignored.
 * Unit costs: variant 11 → 2,000, 21 → 1,000, 31 → 300; variant 12 has none.
 */
const ORDERS: OrderRow[] = [
  order(1n, 101n, "2024-01-10T10:00:00+09:00", GOOGLE_CPC("Spring"), [[P1, 11n, 1, 1, 5000]]),
  // One of two units refunded: 2,000 kept, cost of one unit.
  order(2n, 101n, "2024-03-01T10:00:00+09:00", null, [[P2, 21n, 2, 1, 4000]]),
  order(3n, 102n, "2024-01-20T10:00:00+09:00", visit({ referrerHost: "l.instagram.com" }), [
    [P1, 12n, 1, 1, 3000],
  ]),
  order(
    4n,
    103n,
    "2024-01-01T10:00:00+09:00",
    visit({ utmSource: "facebook", utmMedium: "paid" }),
    [[P3, 31n, 1, 1, 9999]],
    { cancelledAt: new Date("2024-01-02T00:00:00+09:00") },
  ),
  order(5n, 103n, "2024-02-05T10:00:00+09:00", GOOGLE_CPC("spring "), [[P2, 21n, 1, 1, 2000]]),
  order(6n, 103n, "2024-02-20T10:00:00+09:00", visit({ utmSource: "google" }), [
    [P1, 11n, 1, 1, 5000],
  ]),
  order(7n, 104n, "2024-02-10T10:00:00+09:00", { kind: "none" }, [[P3, 31n, 1, 1, 1000]]),
  order(8n, 105n, "2024-03-10T10:00:00+09:00", null, [[P3, 31n, 1, 1, 1000]]),
  order(9n, 106n, "2024-01-15T10:00:00+09:00", { kind: "none" }, [[P2, 21n, 1, 1, 2000]], {
    channelHandle: "pos",
  }),
  order(10n, null, "2024-01-11T10:00:00+09:00", GOOGLE_CPC("Spring"), [[P1, 11n, 1, 1, 5000]]),
];

async function compute(): Promise<ShopSnapshot> {
  const result = await computeShop(domain, { db, databaseUrl: url, asOf: AS_OF });
  const row = await db.metricSnapshot.findUniqueOrThrow({ where: { id: result.snapshotId } });
  return parseSnapshot(row.data)!;
}

beforeAll(async () => {
  const shop = await db.shop.create({
    data: { domain, timezone: "Asia/Tokyo", currency: "JPY" },
  });
  shopId = shop.id;
  await store.upsertCustomers(
    shopId,
    [101n, 102n, 103n, 104n, 105n, 106n].map((id) => ({
      id,
      createdAt: new Date("2023-12-01T00:00:00Z"),
      shopifyUpdatedAt: new Date("2023-12-01T00:00:00Z"),
      tags: "",
    })),
  );
  await store.upsertOrders(shopId, ORDERS);
  const cost = (variantId: bigint, productId: bigint, unit: number | null) => ({
    variantId,
    productId,
    inventoryItemId: variantId + 500n,
    unitCostMinor: unit === null ? null : BigInt(unit),
    currency: unit === null ? null : "JPY",
    shopifyUpdatedAt: new Date("2024-01-01T00:00:00Z"),
  });
  await store.upsertVariantCosts(shopId, [
    cost(11n, P1, 2000),
    cost(12n, P1, null),
    cost(21n, P2, 1000),
    cost(31n, P3, 300),
  ]);
  await db.marketingSpend.createMany({
    data: [
      { month: "2024-01", channel: "Google 広告", campaign: "Spring", amountMinor: 10_000n },
      { month: "2024-02", channel: "google_ads", campaign: "", amountMinor: 6_000n },
      { month: "2024-01", channel: "Instagram", campaign: "", amountMinor: 3_000n },
      { month: "2024-01", channel: "TV", campaign: "", amountMinor: 5_000n },
    ].map((s) => ({ ...s, shopId })),
  });
});

afterAll(async () => {
  await db.shop.deleteMany({ where: { domain } });
  await store.close();
  await db.$disconnect();
});

describe("loading first touches and line items", () => {
  it("codes the first orders' touches and keeps ids exact, without guest or cancelled lines", async () => {
    const data = await loadShopData(url, shopId);
    const { attribution, journey, lineItems, products, variants } = data.acquisition;
    const customerOf = (id: bigint) => [...data.customerIds].indexOf(id);
    const rowOf = (customer: bigint, at: string) => {
      const c = customerOf(customer);
      for (let i = 0; i < data.orders.length; i++) {
        if (data.orders.customer[i] === c && data.orders.processedAt[i] === Date.parse(at)) {
          return i;
        }
      }
      throw new Error("no such order");
    };
    const text = (field: keyof typeof attribution, row: number) => {
      const col = attribution[field]!;
      return col.code[row] < 0 ? null : col.dictionary[col.code[row]];
    };
    const a = rowOf(101n, "2024-01-10T10:00:00+09:00");
    expect(text("utmSource", a)).toBe("google");
    expect(text("utmCampaign", a)).toBe("Spring");
    expect(journey[a]).toBe(JOURNEY_VISIT);
    // Only orders that can open the first purchase carry a touch.
    expect(text("utmSource", rowOf(103n, "2024-02-20T10:00:00+09:00"))).toBeNull();
    expect(text("utmSource", rowOf(103n, "2024-01-01T10:00:00+09:00"))).toBeNull();
    const pos = rowOf(106n, "2024-01-15T10:00:00+09:00");
    expect(journey[pos]).toBe(JOURNEY_NONE);
    expect(text("channelHandle", pos)).toBe("pos");
    expect(journey[rowOf(105n, "2024-03-10T10:00:00+09:00")]).toBe(JOURNEY_UNKNOWN);
    // 8 lines of customers' remaining orders: not the guest's, not the cancelled order's.
    expect(lineItems.length).toBe(8);
    expect([...products].sort()).toEqual(["9001", "9002", "9003"]);
    expect([...variants].sort()).toEqual(["11", "12", "21", "31"]);
    const refunded = [...lineItems.order].indexOf(rowOf(101n, "2024-03-01T10:00:00+09:00"));
    expect(products[lineItems.product[refunded]]).toBe("9002");
    expect(variants[lineItems.variant[refunded]]).toBe("21");
    expect([lineItems.quantity[refunded], lineItems.currentQuantity[refunded]]).toEqual([2, 1]);
    expect(lineItems.netMinor[refunded]).toBe(4000);
    // The lines' index by order: each row's lines, and no other.
    const index = lineItems.orderStart!;
    expect(index.length).toBe(data.orders.length + 1);
    for (let r = 0; r < data.orders.length; r++) {
      const lines = [...lineItems.order].flatMap((o, i) => (o === r ? [i] : []));
      expect([index[r], index[r + 1]]).toEqual(
        lines.length === 0 ? [index[r], index[r]] : [lines[0], lines[lines.length - 1] + 1],
      );
    }
  });
});

describe("the acquisition block", () => {
  it("attributes channels and campaigns, CAC from spend, profit LTV from unit costs", async () => {
    const snapshot = await compute();
    const block = snapshot.acquisition!;
    const row = (key: string) => block.report.channels.find((r) => r.channel === key)!;
    expect(block.touches).toEqual({ visit: 3, none: 2, unknown: 1 });
    expect(row("google_ads").newCustomers).toBe(2);
    expect(row("instagram").newCustomers).toBe(1);
    expect(row("direct").newCustomers).toBe(2);
    expect(row("pos").newCustomers).toBe(1);
    expect(row("meta_ads")).toBeUndefined();
    // CAC: (10,000 in Jan + 6,000 in Feb) ÷ (A in Jan + C in Feb).
    expect(row("google_ads").spendMinor).toBe(16_000);
    expect(row("google_ads").cac!.value).toBe(8000);
    expect(row("instagram").cac!.value).toBe(3000);
    expect(block.report.unmatchedSpend).toEqual([{ channel: "TV", amountMinor: 5000 }]);
    // One campaign "spring" (A and C); its spend is the Jan row that names it, over A.
    const campaigns = block.report.campaigns.filter((r) => r.channel === "google_ads");
    expect(campaigns.map((r) => [r.campaign, r.newCustomers])).toEqual([["spring", 2]]);
    expect(campaigns[0].cac!.value).toBe(10_000);
    expect(block.campaignMonthCampaigns).toEqual({ kept: 1, total: 1 });
    expect(block.report.campaignMonths.every((r) => r.campaign === "spring")).toBe(true);
    expect(block.report.campaignMonths.length).toBeGreaterThan(0);
    // F2 within 90 days: A (51 days) and C (15 days) both came back.
    expect(row("google_ads").f2).toEqual({ value: 1, numerator: 2, base: 2 });

    // Profit: A 5,000 − 2,000 + (2,000 kept − 1,000) = 4,000; C 2,000 − 1,000 + 5,000 − 2,000
    // = 4,000. LTV(12) = 4,000; LTV:CAC = 4,000 ÷ 8,000 on margin 1 (profit already).
    expect(block.margin.basis).toBe("costs");
    expect(block.margin.rate).toBeNull();
    expect(block.margin.linesWithCost).toBe(7);
    expect(block.margin.linesWithoutCost).toBe(1);
    const ltv12 = row("google_ads").ltv.find((l) => l.months === 12)!;
    expect(ltv12).toEqual({ months: 12, valueMinor: 4000, customers: 2 });
    expect(row("google_ads").ltvToCac).toEqual({ status: "ok", value: 0.5, ltvMonths: 12 });
    // No margin set: B's line without a cost counts at the costed lines' margin,
    // Σ profit ÷ Σ revenue = 10,400 ÷ 18,000.
    expect(block.margin.uncostedRateSource).toBe("costed_lines");
    expect(block.margin.uncostedRate).toBeCloseTo(10_400 / 18_000, 12);
    const instagram12 = row("instagram").ltv.find((l) => l.months === 12)!;
    expect(instagram12.valueMinor).toBeCloseTo((3000 * 10_400) / 18_000, 9);
    expect(block.ltvCacTarget).toBe(3);
    expect(snapshot.parameters.grossMarginRatio).toBeNull();
  });

  it("names entry products by product id with customers, F2, LTV and next products", async () => {
    const snapshot = await compute();
    const entry = snapshot.entryProducts!;
    expect(entry.totalProducts).toBe(3);
    const product = (id: string) => entry.report.products.find((p) => p.product === id)!;
    expect(product("9001").customers).toBe(2); // A, B
    expect(product("9002").customers).toBe(2); // C, F
    expect(product("9003").customers).toBe(2); // D, E
    expect(product("9001").f2).toEqual({ value: 0.5, numerator: 1, base: 2 });
    // LTV at 6 months on net revenue: A 5,000 + 2,000, B 3,000.
    expect(product("9001").ltv.find((l) => l.months === 6)!.valueMinor).toBe(5000);
    expect(product("9001").nextProducts.map((p) => [p.toProduct, p.customers])).toEqual([
      ["9002", 1],
    ]);
    expect(product("9002").nextProducts.map((p) => [p.toProduct, p.customers])).toEqual([
      ["9001", 1],
    ]);
    expect(entry.report.customers).toBe(6);
    expect(entry.report.customersWithoutProducts).toBe(0);
  });

  it("groups entry products by the stored product types, none while none is synced", async () => {
    let byType = (await compute()).entryProducts!.byType!;
    expect(byType).toMatchObject({
      types: [],
      customersTyped: 0,
      customersUntyped: 6,
      totalTypes: 0,
      productsTyped: 0,
    });
    const at = new Date("2024-01-01T00:00:00Z");
    await store.upsertProductTypes(shopId, [
      { productId: P1, productType: "Tea", shopifyUpdatedAt: at },
      { productId: P2, productType: "Tea", shopifyUpdatedAt: at },
      { productId: P3, productType: "", shopifyUpdatedAt: at },
    ]);
    try {
      byType = (await compute()).entryProducts!.byType!;
      // Tea: A, B (9001), C, F (9002); no type: D, E (9003).
      expect(byType.types.map((t) => [t.productType, t.customers])).toEqual([
        ["Tea", 4],
        ["", 2],
      ]);
      expect(byType).toMatchObject({ customersTyped: 6, customersUntyped: 0, productsTyped: 3 });
      // LTV at 6 months on net revenue: A 5,000 + 2,000, B 3,000, C 2,000 + 5,000, F 2,000.
      expect(byType.types[0]!.ltv.find((l) => l.months === 6)).toEqual({
        months: 6,
        valueMinor: 4750,
        customers: 4,
      });
    } finally {
      await db.productType.deleteMany({ where: { shopId } });
    }
  });

  it("groups entry products by the stored collections, in each collection of a product", async () => {
    let byCollection = (await compute()).entryProducts!.byCollection!;
    expect(byCollection).toMatchObject({
      collections: [],
      customersInCollections: 0,
      customersOutside: 6,
      totalCollections: 0,
      productsInCollections: 0,
    });
    const at = new Date("2024-01-01T00:00:00Z");
    const TEA = 480_000_000_001n;
    const BEST = 9_223_372_036_854_775_807n; // 64 bits, through the block as digits
    await upsertCollections(db, shopId, [
      { collectionId: TEA, title: "お茶", shopifyUpdatedAt: at },
      { collectionId: BEST, title: "ベストセラー", shopifyUpdatedAt: at },
    ]);
    await replaceMemberships(
      db,
      shopId,
      { collectionId: TEA },
      [P1, P2].map((productId) => ({ collectionId: TEA, productId })),
      at,
    );
    await replaceMemberships(
      db,
      shopId,
      { collectionId: BEST },
      [{ collectionId: BEST, productId: P1 }],
      at,
    );
    try {
      byCollection = (await compute()).entryProducts!.byCollection!;
      // お茶: A, B (9001), C, F (9002); ベストセラー: 9001's A, B; D, E (9003) in none.
      expect(byCollection.collections.map((c) => [c.title, c.collectionId, c.customers])).toEqual([
        ["お茶", TEA.toString(), 4],
        ["ベストセラー", BEST.toString(), 2],
      ]);
      expect(byCollection).toMatchObject({
        customersInCollections: 4,
        customersOutside: 2,
        totalCollections: 2,
        productsInCollections: 2,
      });
    } finally {
      await db.collectionProduct.deleteMany({ where: { shopId } });
      await db.collection.deleteMany({ where: { shopId } });
    }
  });

  it("uses the margin setting without costs, and says the margin is missing without either", async () => {
    const costs = await db.variantCost.findMany({ where: { shopId } });
    await db.variantCost.deleteMany({ where: { shopId } });
    try {
      await db.shop.update({
        where: { id: shopId },
        data: { settings: JSON.stringify({ grossMarginRatio: 0.5 }) },
      });
      let block = (await compute()).acquisition!;
      const google = () => block.report.channels.find((r) => r.channel === "google_ads")!;
      expect(block.margin).toEqual({
        basis: "setting",
        rate: 0.5,
        linesWithCost: 0,
        linesWithoutCost: 8,
      });
      // Revenue LTV(12): A 5,000 + 2,000, C 2,000 + 5,000 → 7,000 × 0.5 ÷ 8,000.
      expect(google().ltv.find((l) => l.months === 12)!.valueMinor).toBe(7000);
      expect(google().ltvToCac).toEqual({ status: "ok", value: 0.4375, ltvMonths: 12 });

      await db.shop.update({ where: { id: shopId }, data: { settings: "{}" } });
      const snapshot = await compute();
      block = snapshot.acquisition!;
      expect(block.margin.basis).toBe("none");
      expect(google().ltvToCac.status).toBe("missing_margin");
      expect(google().payback.status).toBe("missing_margin");
      // The shop-wide KPIs say so too, never a ratio on revenue.
      expect(snapshot.kpis.ltv_cac_ratio.metric.value).toBeNull();
      expect(snapshot.kpis.ltv_cac_ratio.metric.definition.params.grossMarginSet).toBe(false);
      expect(snapshot.kpis.payback_months.metric.value).toBeNull();
    } finally {
      await db.variantCost.createMany({ data: costs });
      await db.shop.update({ where: { id: shopId }, data: { settings: "{}" } });
    }
  });
});

describe("campaign × month rows", () => {
  it("keeps the months of the top campaigns by new customers only, campaigns whole", () => {
    const row = (channel: string, campaign: string, newCustomers: number, month?: string) =>
      ({ channel, campaign, newCustomers, month: month ?? null }) as unknown as AcquisitionRow;
    const report = {
      campaigns: [row("google_ads", "b", 5), row("meta_ads", "a", 9), row("google_ads", "a", 5)],
      campaignMonths: [
        row("google_ads", "b", 3, "2024-01"),
        row("google_ads", "b", 2, "2024-02"),
        row("meta_ads", "a", 9, "2024-01"),
        row("google_ads", "a", 5, "2024-01"),
      ],
    } as unknown as AcquisitionReport;
    const cut = topCampaignMonths(report, 2);
    expect(cut.kept).toBe(2);
    expect(cut.total).toBe(3);
    // meta_ads/a (9), then of the tied google_ads campaigns "a" before "b".
    expect(cut.report.campaignMonths.map((r) => [r.channel, r.campaign, r.month])).toEqual([
      ["meta_ads", "a", "2024-01"],
      ["google_ads", "a", "2024-01"],
    ]);
    expect(cut.report.campaigns).toBe(report.campaigns);
  });
});

describe("predicted LTV by channel", () => {
  it("averages the CLV of each channel's modelled customers, leaving out the others", () => {
    const stage = {
      acquisition: {
        channels: [
          { key: "google_ads", label: null },
          { key: "email", label: null },
          { key: "direct", label: null },
        ],
      },
      channelOf: Int32Array.from([0, 0, 2, -1, 0, 1]),
    } as unknown as AcquisitionStage;
    const clv = Float64Array.from([100, 300, 50, 999, NaN, NaN]);
    expect(predictedLtvByChannel(stage, clv, 36)).toEqual({
      horizonMonths: 36,
      channels: [
        { channel: "google_ads", customers: 2, meanClvMinor: 200 },
        { channel: "direct", customers: 1, meanClvMinor: 50 },
      ],
    });
  });
});
