/**
 * The acquisition and entry-product pages' data: blocks built by running the real analytics
 * (attribution, acquisition report, entry-product report) on the hand-made shop of
 * test/analytics/acquisition-shop.ts, then the pages' view functions, the table sort, and
 * product titles read live from the fake Shopify (with the fallback to ids).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquisitionReport } from "../../app/analytics/acquisition";
import { attributeCustomers, DEFAULT_CHANNEL_RULES } from "../../app/analytics/channels";
import {
  entryCollectionReport,
  entryProductReport,
  entryTypeReport,
} from "../../app/analytics/entry-products";
import type { MarketingSpend } from "../../app/analytics/types";
import { defaultChannelAliases } from "../../app/channel-names";
import { createTranslator } from "../../app/i18n";
import { createFormat } from "../../app/format";
import {
  channelName,
  marginText,
  paybackText,
  ratioText,
} from "../../app/components/acquisition-text";
import { metricBase, metricText } from "../../app/i18n";
import { predictedLtvByChannel } from "../../app/metrics/snapshot/acquisition-block";
import type { AcquisitionStage } from "../../app/metrics/snapshot/stages";
import type {
  AcquisitionBlock,
  EntryProductsBlock,
  MarginBasis,
} from "../../app/metrics/snapshot/types";
import { acquisitionView } from "../../app/pages/acquisition.server";
import { sortAcquisitionRows } from "../../app/pages/acquisition-sort";
import { pageAdminApi } from "../../app/pages/customer-names.server";
import {
  entryCollectionView,
  entryProductView,
  entryTypeView,
} from "../../app/pages/entry-products.server";
import { productTitles } from "../../app/pages/product-titles.server";
import type { AdminApi } from "../../app/sync/admin-api.server";
import { storeName } from "../extensions/tokens";
import { startFakeShopify, type FakeShopify } from "../fake-shopify/index";
import {
  TOUCH_CUSTOMERS,
  TOUCH_ORDERS,
  touchEntryShop,
  touchHistory,
  touchShop,
} from "../analytics/acquisition-shop";
import { d } from "../analytics/shop";

const AS_OF_DATE = "2025-03-31";
const shop = touchShop(TOUCH_ORDERS);
const history = touchHistory(shop);
const attribution = attributeCustomers(
  shop.orders,
  TOUCH_CUSTOMERS,
  shop.columns,
  DEFAULT_CHANNEL_RULES,
);
const SPEND: MarketingSpend[] = [
  // "Google 広告" is the ja name of google_ads (an alias); "TV" matches no channel.
  { month: "2024-01", channel: "Google 広告", campaign: "Spring_Sale", amountMinor: 6000 },
  { month: "2024-02", channel: "google_ads", amountMinor: 4000 },
  { month: "2024-01", channel: "instagram", amountMinor: 1500 },
  { month: "2024-02", channel: "TV", amountMinor: 50_000 },
  // c5 (referral) bought on 2025-03-01: no month of LTV observed by the as-of date.
  { month: "2025-03", channel: "referral", amountMinor: 800 },
];

function block(marginRate: number | null, spend = SPEND): AcquisitionBlock {
  const report = acquisitionReport(history, attribution, spend, {
    asOfDay: d(AS_OF_DATE),
    marginRate,
    channelAliases: defaultChannelAliases(),
  });
  return {
    channels: attribution.channels.map((c) => ({ key: c.key, label: c.label })),
    report,
    margin: {
      basis: marginRate === null ? "none" : "setting",
      rate: marginRate,
      linesWithCost: 0,
      linesWithoutCost: 0,
    },
    ltvCacTarget: 3,
    touches: { visit: 5, none: 1, unknown: 1 },
  };
}

describe("acquisition page data", () => {
  const b = block(0.5);
  const view = acquisitionView(b, AS_OF_DATE);
  const row = (key: string) => view.channels.find((r) => r.channel === key)!;

  it("lists the report's channels with campaigns grouped under their channel", () => {
    expect(view.channels).toBe(b.report.channels);
    expect(view.channels.map((r) => r.channel).sort()).toEqual(
      ["direct", "email", "google_ads", "instagram", "pos", "referral"].sort(),
    );
    // c0 and c4 came through google cpc with campaign "spring_sale" (normalised).
    expect(Object.keys(view.campaigns)).toEqual(["google_ads"]);
    expect(view.campaigns.google_ads.map((r) => [r.campaign, r.newCustomers])).toEqual([
      ["spring_sale", 2],
    ]);
    expect(view.campaigns.google_ads[0].spendMinor).toBe(6000);
  });

  it("lays CAC by month out as one row per channel and one cell per acquisition month", () => {
    expect(view.months).toEqual(["2024-01", "2024-02", "2024-03", "2025-03"]);
    const google = view.channelMonths.find((r) => r.channel === "google_ads")!;
    // January: c0, spend 6000 → CAC 6000; February: c4, spend 4000 → CAC 4000.
    expect(google.cells.map((c) => c?.newCustomers ?? null)).toEqual([1, 1, null, null]);
    expect(google.cells.map((c) => c?.cac?.value ?? null)).toEqual([6000, 4000, null, null]);
    for (const r of view.channelMonths) {
      const total = r.cells.reduce((sum, c) => sum + (c?.newCustomers ?? 0), 0);
      expect(total, r.channel).toBe(row(r.channel).newCustomers);
    }
    expect(view.period).toMatchObject({ start: "2024-01-01", end: AS_OF_DATE });
  });

  it("lists unmatched spend and states touches, margin basis and target", () => {
    expect(view.unmatchedSpend).toEqual([{ channel: "TV", amountMinor: 50_000 }]);
    expect(view.touches).toEqual({ visit: 5, none: 1, unknown: 1 });
    expect(view.margin.basis).toBe("setting");
    expect(view.target).toBe(3);
    expect(view.ltvCacMonths).toBe(12);
    expect(view.definitions.f2.params.windowDays).toBe(90);
  });

  it("says what is missing instead of a ratio: spend, margin, observed customers", () => {
    const en = createTranslator("en");
    const ja = createTranslator("ja");
    const fmt = createFormat("en", "JPY", "Asia/Tokyo");
    // direct has no spend.
    expect(row("direct").ltvToCac.status).toBe("missing_cac");
    expect(ratioText(en, fmt, row("direct").ltvToCac)).toBe("No spend entered");
    expect(ratioText(ja, fmt, row("direct").ltvToCac)).toBe("広告費が未入力です");
    // google_ads: CAC 10000 / 2; both customers observed 12 months: LTV(12) of c0 =
    // 1000 + 500 + 2000 + 4000 = 7500 (the 2024-05 subscription is within 12 months), c4 5000.
    const google = row("google_ads");
    expect(google.cac?.value).toBe(5000);
    const ltv12 = google.ltv.find((p) => p.months === 12)!;
    expect(ltv12).toEqual({ months: 12, valueMinor: (7500 + 5000) / 2, customers: 2 });
    expect(google.ltvToCac).toMatchObject({ status: "ok", value: (6250 * 0.5) / 5000 });
    expect(ratioText(en, fmt, google.ltvToCac)).toBe("0.6×");
    expect(row("referral").ltvToCac.status).toBe("missing_ltv");
    expect(ratioText(en, fmt, row("referral").ltvToCac)).toBe("No customer observed long enough");
    // 6250 × 0.5 < 5000: the CAC is not covered within the months observed.
    expect(google.payback.status).toBe("not_reached");
    expect(paybackText(en, fmt, google.payback)).toBe(
      `Not within ${google.payback.observedMonths} months`,
    );
    expect(paybackText(ja, fmt, google.payback)).toBe(
      `${google.payback.observedMonths}か月以内には未回収`,
    );
    // instagram: CAC 1500, c1 LTV(12) 6000 (3000 + 3000 within 12 months) → 6000 × 0.5 / 1500.
    expect(row("instagram").ltvToCac).toMatchObject({ status: "ok", value: 2 });
    expect(paybackText(en, fmt, row("instagram").payback)).toBe("1 month");
    expect(paybackText(ja, fmt, row("instagram").payback)).toBe("1か月");

    const none = acquisitionView(block(null), AS_OF_DATE);
    for (const r of none.channels) {
      expect(r.ltvToCac.status, r.channel).toBe("missing_margin");
      expect(r.payback.status, r.channel).toBe("missing_margin");
    }
    expect(ratioText(en, fmt, none.channels[0].ltvToCac)).toBe(
      "Set a gross margin or sync product costs",
    );
    expect(paybackText(ja, fmt, none.channels[0].payback)).toBe(
      "粗利率の設定か商品原価の同期が必要です",
    );
  });

  it("names channels by the merchant's label, else the locale's default name, else the key", () => {
    const en = createTranslator("en");
    const ja = createTranslator("ja");
    const labels = { google_ads: null, direct: "自社サイト直接", vip: null };
    expect(channelName(en, "google_ads", labels)).toBe("Google Ads");
    expect(channelName(ja, "google_ads", labels)).toBe("Google 広告");
    expect(channelName(en, "direct", labels)).toBe("自社サイト直接");
    expect(channelName(en, "vip", labels)).toBe("vip");
  });

  it("sorts by a column with rows without a value last in both directions", () => {
    const months = view.ltvMonths;
    const asc = sortAcquisitionRows(view.channels, "cac", "ascending", months);
    const desc = sortAcquisitionRows(view.channels, "cac", "descending", months);
    const cac = (rows: typeof asc) => rows.map((r) => r.cac?.value ?? null);
    expect(cac(asc)).toEqual([800, 1500, 5000, null, null, null]);
    expect(cac(desc)).toEqual([5000, 1500, 800, null, null, null]);
    const byCustomers = sortAcquisitionRows(view.channels, "newCustomers", "descending", months);
    expect(byCustomers[0].channel).toBe("google_ads");
    expect(byCustomers.map((r) => r.newCustomers)).toEqual(
      [...view.channels.map((r) => r.newCustomers)].sort((a, b) => b - a),
    );
    const byName = sortAcquisitionRows(view.channels, "channel", "ascending", months);
    expect(byName.map((r) => r.channel)).toEqual(view.channels.map((r) => r.channel).sort());
  });
});

describe("predicted LTV by channel", () => {
  // Per customer CLV as the model stage leaves it (NaN: the model does not cover them):
  // c0 and c4 are google_ads, c1 instagram.
  const clv = Float64Array.from([9000, 4000, NaN, NaN, 5000, NaN, NaN, NaN]);
  const base = block(0.5);
  const stage = { acquisition: base, channelOf: attribution.channel } as AcquisitionStage;
  const withPredicted: AcquisitionBlock = {
    ...base,
    predictedLtv: predictedLtvByChannel(stage, clv, 12),
  };
  const view = acquisitionView(withPredicted, AS_OF_DATE);

  it("carries the model's mean per channel with its customers and horizon", () => {
    expect(view.predicted?.horizonMonths).toBe(12);
    expect(view.predicted?.byChannel).toEqual({
      google_ads: { customers: 2, meanClvMinor: (9000 + 5000) / 2 },
      instagram: { customers: 1, meanClvMinor: 4000 },
    });
    // No model (or a snapshot stored before it): no column, not zeros.
    expect(acquisitionView(base, AS_OF_DATE).predicted).toBeNull();
  });

  it("sorts by the prediction with channels the model does not cover last", () => {
    const means = Object.fromEntries(
      Object.entries(view.predicted!.byChannel).map(([k, p]) => [k, p.meanClvMinor]),
    );
    const order = (dir: "ascending" | "descending") =>
      sortAcquisitionRows(view.channels, "predicted", dir, view.ltvMonths, means)
        .slice(0, 3)
        .map((r) => r.channel);
    expect(order("descending")).toEqual(["google_ads", "instagram", "direct"]);
    expect(order("ascending")).toEqual(["instagram", "google_ads", "direct"]);
  });

  it("defines it as the model's prediction over its horizon, in en and ja", () => {
    const def = view.definitions.predictedLtv;
    expect(def.params.predictedMonths).toBe(12);
    const en = metricText(createTranslator("en"), def);
    expect(en).toContain("prediction");
    expect(en).toContain("next 12 months");
    const ja = metricText(createTranslator("ja"), def);
    expect(ja).toContain("予測");
    expect(ja).toContain("今後12か月");
    expect(metricBase(createTranslator("ja"), def)).toBe(
      "モデルが対象とするチャネルの顧客（各値に併記）",
    );
    expect(createTranslator("ja").t("acq.col.predictedLtv", { months: 12 })).toBe(
      "予測LTV（今後12か月）",
    );
    expect(createTranslator("en").t("acq.col.predictedLtv", { months: 12 })).toBe(
      "Predicted LTV (next 12 m)",
    );
  });
});

describe("margin basis line", () => {
  const en = createTranslator("en");
  const ja = createTranslator("ja");
  const fmtEn = createFormat("en", "JPY", "Asia/Tokyo");
  const fmtJa = createFormat("ja", "JPY", "Asia/Tokyo");
  const costs = (m: Partial<MarginBasis>): MarginBasis => ({
    basis: "costs",
    rate: null,
    linesWithCost: 1200,
    linesWithoutCost: 30,
    ...m,
  });

  it("names the rate uncosted lines count at and that it is the merchant's setting", () => {
    const m = costs({ rate: 0.4, uncostedRate: 0.4, uncostedRateSource: "setting" });
    const pct = fmtEn.percent(0.4);
    expect(marginText(en, fmtEn, m)).toBe(
      `LTV:CAC and payback use gross profit from product costs: 1,200 order lines with a cost, 30 without (those counted at ${pct}, your gross margin setting).`,
    );
    expect(marginText(ja, fmtJa, m)).toContain(
      `原価のない明細30件（原価のない明細は設定の粗利率${fmtJa.percent(0.4)}で計算）`,
    );
  });

  it("names the margin of the costed lines when no margin is set", () => {
    const m = costs({ uncostedRate: 0.325, uncostedRateSource: "costed_lines" });
    const en1 = marginText(en, fmtEn, m);
    expect(en1).toContain(
      `counted at ${fmtEn.percent(0.325)}, the margin of the lines with a cost`,
    );
    expect(en1).not.toContain("—");
    expect(marginText(ja, fmtJa, m)).toContain(
      `原価のある明細の粗利率${fmtJa.percent(0.325)}で計算`,
    );
  });

  it("falls back to the setting for a snapshot stored before the rate was recorded", () => {
    expect(marginText(en, fmtEn, costs({ rate: 0.5 }))).toContain(
      `counted at ${fmtEn.percent(0.5)}, your gross margin setting`,
    );
    expect(marginText(en, fmtEn, { ...costs({}), basis: "setting", rate: 0.5 })).toBe(
      `LTV:CAC and payback use net revenue × your gross margin setting (${fmtEn.percent(0.5)}); no product costs are synced yet.`,
    );
    expect(marginText(ja, fmtJa, { ...costs({}), basis: "none" })).toBe(
      "粗利率が不明のため、LTV:CAC と回収期間は計算していません。",
    );
  });
});

describe("entry products page data", () => {
  const report = entryProductReport(history, shop.orders, shop.lineItems, shop.products, {
    asOfDay: d(AS_OF_DATE),
  });
  const entry: EntryProductsBlock = { report, totalProducts: report.products.length };
  const view = entryProductView(entry);

  it("shows the report's products, pairs and gaps, and the customers without products", () => {
    expect(view.products.map((p) => [p.product, p.customers])).toEqual(
      report.products.map((p) => [p.product, p.customers]),
    );
    // c0: first purchase A+B → second C; c1: A → A; c3: S → S.
    expect(view.pairs.map((p) => `${p.fromProduct}>${p.toProduct}:${p.customers}`).sort()).toEqual([
      "A>A:1",
      "A>C:1",
      "B>C:1",
      "S>S:1",
    ]);
    // c4 (custom item only) and c6 (no line items) have no entry product.
    expect(view.customersWithoutProducts).toBe(2);
    expect(view.customers).toBe(7);
    expect(view.firstToSecond).toBe(report.firstToSecond);
    expect(view.productIds).toEqual(expect.arrayContaining(["A", "B", "C", "S"]));
    expect(new Set(view.productIds).size).toBe(view.productIds.length);
    expect(view.definitions.gaps.base).toMatch(/^Repeaters only/);
    // A block stored before product types: no type table (the page's empty state).
    expect(view.byType).toBeNull();
  });

  it("shows product types, and none while no type is synced", () => {
    const {
      facts,
      bought: { entry: entryOf },
    } = touchEntryShop(d(AS_OF_DATE));
    const block = (typeOf: Int32Array, types: string[]): EntryProductsBlock => {
      const t = entryTypeReport(facts, entryOf, typeOf, types);
      return {
        ...entry,
        byType: {
          ...t,
          totalTypes: t.types.length,
          productsTyped: typeOf.filter((x) => x >= 0).length,
        },
      };
    };
    // Products A, C, B, S: A and B "Tea", S no type (""), C not synced.
    const typed = entryTypeView(block(Int32Array.from([0, -1, 0, 1]), ["Tea", ""]))!;
    expect(typed.rows.map((r) => [r.productType, r.customers, r.medianDays])).toEqual([
      ["Tea", 4, 22],
      ["", 1, 29],
    ]);
    expect(typed).toMatchObject({ customersTyped: 5, customersUntyped: 0, productsTyped: 3 });
    expect(typed.definitions.customers.text).toMatch(/counts once per type/);
    expect(entryTypeView(block(Int32Array.from([-1, -1, -1, -1]), []))).toBeNull();
  });

  it("shows collections, a product in several counting in each, in ja and en", () => {
    const {
      facts,
      bought: { entry: entryOf },
    } = touchEntryShop(d(AS_OF_DATE));
    const ids = ["480000000001", "9223372036854775807"];
    const block = (start: number[], values: number[], titles: string[]): EntryProductsBlock => {
      const collectionsOf = { start: Int32Array.from(start), values: Int32Array.from(values) };
      const r = entryCollectionReport(facts, entryOf, collectionsOf, titles);
      return {
        ...entry,
        byCollection: {
          ...r,
          collections: r.collections.map((row) => ({ ...row, collectionId: ids[row.code]! })),
          totalCollections: r.collections.length,
          productsInCollections: start.slice(1).filter((e, p) => e > start[p]!).length,
        },
      };
    };
    // Products A, C, B, S: A in お茶 and ベストセラー, B in お茶, C and S in none.
    const view = entryCollectionView(block([0, 2, 2, 3, 3], [0, 1, 0], ["お茶", ""]))!;
    expect(view.rows.map((r) => [r.title, r.collectionId, r.customers, r.medianDays])).toEqual([
      ["お茶", "480000000001", 4, 22],
      ["", "9223372036854775807", 3, 22],
    ]);
    expect(view).toMatchObject({
      customersInCollections: 4,
      customersOutside: 1,
      totalCollections: 2,
      productsInCollections: 2,
    });
    const en = createTranslator("en");
    const ja = createTranslator("ja");
    expect(metricText(en, view.definitions.customers)).toMatch(/counts in each of them/);
    expect(metricText(ja, view.definitions.customers)).toMatch(/それぞれに数え/);
    expect(metricBase(ja, view.definitions.f2)).toBe(
      "初回購入から90日以上たったそのコレクションの顧客",
    );
    expect(ja.t("entry.collections.note")).toMatch(/複数のコレクションに入っている商品はそれぞれ/);
    expect(en.t("entry.collections.note")).toMatch(/counts in each of them/);
    expect(en.t("entry.collections.untitled", { id: ids[1]! })).toBe(`Collection ${ids[1]}`);
    // None synced, or a block stored before collections: the empty state.
    expect(entryCollectionView(block([0, 0, 0, 0, 0], [], []))).toBeNull();
    expect(entryCollectionView(entry)).toBeNull();
  });
});

describe("product titles", () => {
  let fake: FakeShopify;
  const store = storeName("titles");
  let api: AdminApi | null;

  beforeAll(async () => {
    fake = await startFakeShopify({
      shops: [{ domain: store, customers: 50, currency: "JPY", timezone: "Asia/Tokyo" }],
      redirect: true,
      appUrl: null,
    });
    api = pageAdminApi({
      shop: `${store}.myshopify.com`,
      accessToken: fake.shop().accessToken().accessToken,
    });
  });
  afterAll(async () => {
    await fake?.close();
  });

  it("reads titles by id, leaves deleted products out, and falls back on failure", async () => {
    const catalog = fake.shop().store.world.catalog.products;
    const wanted = catalog.slice(0, 3);
    const deleted = "9999999999";
    const result = await productTitles(api, [
      ...wanted.map((p) => String(p.productId)),
      deleted,
      "not-an-id",
    ]);
    expect(result.status).toBe("ok");
    expect(result.byId).toEqual(
      Object.fromEntries(wanted.map((p) => [String(p.productId), p.title])),
    );
    expect(await productTitles(api, [])).toEqual({ status: "none", byId: {} });
    expect(await productTitles(null, ["1"])).toEqual({ status: "failed", byId: {} });
    const failing = {
      shop: "x.myshopify.com",
      request: () => Promise.reject(new Error("boom")),
    } as unknown as AdminApi;
    expect(await productTitles(failing, ["1"])).toEqual({ status: "failed", byId: {} });
  });
});
