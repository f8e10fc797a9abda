import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  acquisitionReport,
  campaignKey,
  ltvCacRatio,
  paybackOf,
  topCampaigns,
} from "../../app/analytics/acquisition";
import type {
  AttributionColumns,
  AttributionField,
  ChannelCondition,
  ChannelRule,
  ChannelRuleSet,
} from "../../app/analytics/channels";
import {
  ATTRIBUTION_FIELDS,
  attributeCustomers,
  DEFAULT_CHANNEL_RULES,
  previewChannelRules,
  validateChannelRules,
} from "../../app/analytics/channels";
import {
  customerFacts,
  groupStats,
  groupStatsOfRows,
  ltvAt,
  membersOf,
} from "../../app/analytics/customer-groups";
import {
  entryProductReport,
  gapDistribution,
  purchaseProducts,
} from "../../app/analytics/entry-products";
import { buildPurchaseHistory } from "../../app/analytics/history";
import { createCalendar, shiftDayBoundary } from "../../app/analytics/time";
import type { MarketingSpend, OrderTable } from "../../app/analytics/types";
import { ORDER_CANCELLED, ORDER_SUBSCRIPTION, ORDER_TEST } from "../../app/analytics/types";
import { TOUCH_CUSTOMERS, TOUCH_ORDERS, touchHistory, touchShop } from "./acquisition-shop";
import { d, permuted, randomShop, tableFromRaw } from "./shop";

const AS_OF = d("2025-03-31");
const shop = touchShop(TOUCH_ORDERS);
const history = touchHistory(shop);
const attribution = attributeCustomers(
  shop.orders,
  TOUCH_CUSTOMERS,
  shop.columns,
  DEFAULT_CHANNEL_RULES,
);
const channelOf = (c: number) =>
  attribution.channel[c] < 0 ? null : attribution.channels[attribution.channel[c]].key;

describe("channel attribution", () => {
  it("maps each customer's first (not cancelled, not test) order through the default rules", () => {
    // c0: the cancelled facebook order and the later same-day facebook order do not count.
    // c2: the test order's newsletter touch does not count → no touch → direct.
    // c3: the POS rule comes before google cpc. c4: full-width "Ｇｏｏｇｌｅ" / "CPC".
    // c5: notinstagram.com is not instagram.com → referral. c7: no orders.
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(channelOf)).toEqual([
      "google_ads",
      "instagram",
      "direct",
      "pos",
      "google_ads",
      "referral",
      "email",
      null,
    ]);
    expect(attribution.campaigns).toEqual(["spring_sale"]);
    expect(Array.from(attribution.campaign)).toEqual([0, -1, -1, -1, 0, -1, -1, -1]);
    expect(attribution.fallbackCustomers).toBe(1);
    expect(attribution.distinctTuples).toBe(7);
  });

  it("previews counts per channel and per rule for a candidate rule set", () => {
    const preview = previewChannelRules(
      shop.orders,
      TOUCH_CUSTOMERS,
      shop.columns,
      DEFAULT_CHANNEL_RULES,
    );
    const counts = Object.fromEntries(
      preview.channels.filter((c) => c.customers > 0).map((c) => [c.key, c.customers]),
    );
    expect(counts).toEqual({
      pos: 1,
      google_ads: 2,
      email: 1,
      instagram: 1,
      referral: 1,
      direct: 1,
    });
    expect(preview.customers).toBe(7);
    // Rule 1 (sourceName = pos) is reached by nobody here; rule 0 takes c3.
    expect(preview.rules[0]).toEqual({ channel: "pos", customers: 1 });
    expect(preview.rules[1]).toEqual({ channel: "pos", customers: 0 });

    // A merchant rule in front: everything with a utm_source is "Ads (all)".
    const candidate: ChannelRuleSet = {
      rules: [
        {
          channel: "ads",
          label: "Ads (all)",
          conditions: [{ field: "utmSource", op: "present", values: [] }],
        },
        ...DEFAULT_CHANNEL_RULES.rules,
      ],
      fallback: { channel: "unknown", label: "Unknown" },
    };
    const p2 = previewChannelRules(shop.orders, TOUCH_CUSTOMERS, shop.columns, candidate);
    const c2 = Object.fromEntries(
      p2.channels.filter((c) => c.customers > 0).map((c) => [c.key, c.customers]),
    );
    expect(c2).toEqual({ ads: 4, instagram: 1, referral: 1, unknown: 1 });
    expect(p2.channels[0]).toMatchObject({ key: "ads", label: "Ads (all)" });
    expect(p2.channels.at(-1)).toMatchObject({ key: "unknown", label: "Unknown" });
  });

  it("matches hosts by domain, never by a bare suffix", () => {
    const rules: ChannelRuleSet = {
      rules: [
        {
          channel: "ig",
          conditions: [{ field: "referrerHost", op: "domain", values: ["instagram.com"] }],
        },
        { channel: "mail", conditions: [{ field: "utmMedium", op: "contains", values: ["MAIL"] }] },
      ],
      fallback: { channel: "direct" },
    };
    const a = attributeCustomers(shop.orders, TOUCH_CUSTOMERS, shop.columns, rules);
    const keys = [1, 5, 6].map((c) => a.channels[a.channel[c]].key);
    expect(keys).toEqual(["ig", "direct", "mail"]);
  });

  it("validates rule sets with an error per rule", () => {
    expect(validateChannelRules(DEFAULT_CHANNEL_RULES).ok).toBe(true);
    const bad = validateChannelRules({
      rules: [
        { channel: "ok", conditions: [{ field: "utmSource", op: "equals", values: ["x"] }] },
        { channel: "Bad Key", conditions: [{ field: "utmSource", op: "equals", values: ["x"] }] },
        { channel: "b", conditions: [] },
        { channel: "c", conditions: [{ field: "utmSource", op: "equals", values: [] }] },
        {
          channel: "d",
          conditions: [{ field: "referrerHost", op: "domain", values: ["http://x/"] }],
        },
        { channel: "e", conditions: [{ field: "email", op: "equals", values: ["x"] }] },
        { channel: "f", conditions: [{ field: "utmSource", op: "empty", values: ["x"] }] },
      ],
      fallback: { channel: "direct" },
    });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors.map((e) => e.rule)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(bad.errors[0].message).toMatch(/^channel: 1–40 lower-case/);
    expect(bad.errors[1].message).toBe("conditions: a rule needs a condition");
    expect(bad.errors[2].message).toBe('conditions.0.values: "equals" needs a value');
    expect(bad.errors[3].message).toMatch(/^conditions\.0\.values\.0: a host name/);
    expect(bad.errors[4].message).toMatch(/^conditions\.0\.field: /);
    expect(bad.errors[5].message).toBe('conditions.0.values: "empty" takes no value');
    const noFallback = validateChannelRules({ rules: [] });
    expect(noFallback).toMatchObject({ ok: false, errors: [{ rule: null }] });
  });
});

const spend: MarketingSpend[] = [
  { month: "2024-01", channel: "google_ads", campaign: "Spring_Sale", amountMinor: 6000 },
  { month: "2024-02", channel: "Ｇｏｏｇｌｅ 広告", campaign: "", amountMinor: 4000 },
  { month: "2024-02", channel: "TV", amountMinor: 10000 },
];
const aliases = new Map([["google 広告", "google_ads"]]);

describe("acquisition by channel and campaign", () => {
  const report = acquisitionReport(history, attribution, spend, {
    asOfDay: AS_OF,
    marginRate: 0.4,
    channelAliases: aliases,
  });
  const row = (key: string) => report.channels.find((r) => r.channel === key);

  it("new customers, spend, CAC, F2, repeat and LTV per channel", () => {
    expect(report.channels.map((r) => [r.channel, r.newCustomers])).toEqual([
      ["pos", 1],
      ["google_ads", 2],
      ["email", 1],
      ["instagram", 1],
      ["referral", 1],
      ["direct", 1],
    ]);
    const g = row("google_ads");
    expect(g).toMatchObject({ spendMinor: 10000, f2: { value: 0.5 }, repeat: { value: 0.5 } });
    expect(g?.cac?.value).toBe(5000);
    // c0: 1500 + 2000 within 3 months (to 2024-04-10), + 4000 (05-20) within 6; c4: 5000.
    expect(g?.ltv).toEqual([
      { months: 3, valueMinor: 4250, customers: 2 },
      { months: 6, valueMinor: 6250, customers: 2 },
      { months: 12, valueMinor: 6250, customers: 2 },
      { months: 24, valueMinor: null, customers: 0 },
    ]);
    expect(g?.ltvToCac).toEqual({ status: "ok", value: (6250 * 0.4) / 5000, ltvMonths: 12 });
    // Observed up to 14 months (c0: 2024-01-10 + 14 months = 2025-03-10 ≤ as of).
    expect(g?.payback).toEqual({ status: "not_reached", months: null, observedMonths: 14 });
    // c5's first purchase (2025-03-01) is less than 90 days before the as-of day.
    expect(row("referral")?.f2).toEqual({ value: null, numerator: 0, base: 0 });
    expect(row("pos")?.f2).toEqual({ value: 1, numerator: 1, base: 1 });
    expect(row("pos")?.cac).toBeNull();
    expect(row("pos")?.ltvToCac.status).toBe("missing_cac");
    expect(report.unmatchedSpend).toEqual([{ channel: "TV", amountMinor: 10000 }]);
  });

  it("per acquisition month and per campaign", () => {
    const g = report.channelMonths.filter((r) => r.channel === "google_ads");
    expect(g.map((r) => [r.month, r.newCustomers, r.spendMinor, r.cac?.value])).toEqual([
      ["2024-01", 1, 6000, 6000],
      ["2024-02", 1, 4000, 4000],
    ]);
    const sum = report.channelMonths.reduce((s, r) => s + r.newCustomers, 0);
    expect(sum).toBe(7);
    expect(report.campaigns).toHaveLength(1);
    // Only January has campaign spend: 6000 ÷ that month's 1 new customer of the campaign.
    expect(report.campaigns[0]).toMatchObject({
      channel: "google_ads",
      campaign: "spring_sale",
      newCustomers: 2,
      spendMinor: 6000,
      cac: { value: 6000 },
    });
    // A campaign with spend and no new customer still gets its row.
    const winter = acquisitionReport(
      history,
      attribution,
      [...spend, { month: "2024-02", channel: "google_ads", campaign: "Winter", amountMinor: 900 }],
      { asOfDay: AS_OF, marginRate: null, channelAliases: aliases },
    );
    expect(winter.campaigns.map((r) => [r.campaign, r.newCustomers, r.spendMinor])).toEqual([
      ["spring_sale", 2, 6000],
      ["winter", 0, 900],
    ]);
    expect(winter.campaigns[1].cac).toMatchObject({ value: null, numerator: 900, denominator: 0 });
    expect(winter.channels.find((r) => r.channel === "google_ads")?.spendMinor).toBe(10900);
    expect(report.campaignMonths.map((r) => [r.month, r.newCustomers, r.spendMinor])).toEqual([
      ["2024-01", 1, 6000],
      ["2024-02", 1, 0],
    ]);
  });

  it("payback and LTV:CAC need a margin, never assume 100 %", () => {
    const full = acquisitionReport(history, attribution, spend, {
      asOfDay: AS_OF,
      marginRate: 1,
      channelAliases: aliases,
    });
    const g = full.channels.find((r) => r.channel === "google_ads");
    // k = 5: c0 has 7500 by 2024-06-10, c4 5000 → 6250 ≥ 5000.
    expect(g?.payback).toEqual({ status: "ok", months: 5, observedMonths: 14 });
    expect(g?.ltvToCac.value).toBe(1.25);
    const none = acquisitionReport(history, attribution, spend, {
      asOfDay: AS_OF,
      marginRate: null,
      channelAliases: aliases,
    });
    const n = none.channels.find((r) => r.channel === "google_ads");
    expect(n?.ltvToCac).toEqual({ status: "missing_margin", value: null, ltvMonths: 12 });
    expect(n?.payback.status).toBe("missing_margin");
    expect(n?.cac?.value).toBe(5000);
    expect(() =>
      acquisitionReport(history, attribution, spend, { asOfDay: AS_OF, marginRate: 0 }),
    ).toThrow(RangeError);
  });

  it("restricts acquisitions to a month range", () => {
    const jan = acquisitionReport(history, attribution, spend, {
      asOfDay: AS_OF,
      marginRate: null,
      fromMonth: 2024 * 12,
      toMonth: 2024 * 12,
      channelAliases: aliases,
    });
    expect(jan.channels.map((r) => [r.channel, r.newCustomers, r.spendMinor])).toEqual([
      ["google_ads", 1, 6000],
      ["instagram", 1, 0],
      ["direct", 1, 0],
    ]);
  });

  it("helpers say what is missing", () => {
    const ltv = { months: 12, valueMinor: 3000, customers: 5 };
    expect(ltvCacRatio(ltv, 1000, 0.5, 12)).toEqual({ status: "ok", value: 1.5, ltvMonths: 12 });
    expect(ltvCacRatio({ ...ltv, valueMinor: null }, 1000, 0.5, 12).status).toBe("missing_ltv");
    expect(ltvCacRatio(ltv, null, 0.5, 12).status).toBe("missing_cac");
    const curve = Float64Array.from([100, 200, 300, NaN]);
    expect(paybackOf(curve, 150, 1)).toEqual({ status: "ok", months: 2, observedMonths: 3 });
    expect(paybackOf(curve, 150, 0.5)).toEqual({ status: "ok", months: 3, observedMonths: 3 });
    expect(paybackOf(curve, 400, 1).status).toBe("not_reached");
  });
});

describe("entry products and time between purchases", () => {
  const report = entryProductReport(history, shop.orders, shop.lineItems, shop.products, {
    asOfDay: AS_OF,
  });
  const row = (p: string) => report.products.find((r) => r.product === p);

  it("per product of the first purchase", () => {
    // C was only in c0's cancelled order: not an entry product.
    expect(report.products.map((r) => [r.product, r.customers])).toEqual([
      ["A", 3],
      ["B", 2],
      ["S", 1],
    ]);
    const a = row("A");
    expect(a).toMatchObject({
      f2: { value: 0.5, numerator: 1, base: 2 },
      repeat: { numerator: 2, base: 3 },
      toSubscription: { numerator: 1, base: 3 },
    });
    expect(a?.ltv).toEqual([
      { months: 6, valueMinor: 6750, customers: 2 },
      { months: 12, valueMinor: 6750, customers: 2 },
    ]);
    // Ties by product code: the guest order's A is the dictionary's first entry.
    expect(shop.products).toEqual(["A", "C", "B", "S"]);
    expect(a?.nextProducts.map((p) => [p.fromProduct, p.toProduct, p.customers])).toEqual([
      ["A", "A", 1],
      ["A", "C", 1],
    ]);
    expect(row("B")?.ltv[0]).toEqual({ months: 6, valueMinor: 4250, customers: 2 });
    expect(row("S")?.toSubscription).toEqual({ value: null, numerator: 0, base: 0 });
    expect(report.customers).toBe(7);
    expect(report.customersWithoutProducts).toBe(2);
    expect(report.pairs.map((p) => `${p.fromProduct}>${p.toProduct}`)).toEqual([
      "A>A",
      "A>C",
      "B>C",
      "S>S",
    ]);
  });

  it("days between purchases: quantiles, the day by which X % happened, bins", () => {
    // c0 22 days, c3 29, c1 152 (2024-01-15 → 06-15).
    expect(report.firstToSecond).toMatchObject({
      count: 3,
      q1: 22,
      median: 29,
      q3: 152,
      byShare: [
        { share: 0.5, day: 29 },
        { share: 0.8, day: 152 },
      ],
    });
    expect(report.firstToSecond.histogram.map((b) => b.count)).toEqual([0, 0, 2, 0, 0, 1, 0, 0]);
    expect(report.firstToSecond.histogram[2]).toEqual({ fromDay: 15, toDay: 30, count: 2 });
    expect(report.firstToSecond.histogram[7]).toEqual({ fromDay: 366, toDay: null, count: 0 });
    expect(report.secondToThird).toMatchObject({ count: 1, median: 109 });
    expect(row("A")?.firstToSecond).toMatchObject({ count: 2, median: 22, q3: 152 });
    expect(row("B")?.firstToSecond).toMatchObject({ count: 1, median: 22 });
  });

  it("a large catalogue × span gives the same gaps (sorted per product, not counted)", () => {
    const specs = [
      { c: 0, at: "2020-01-01T10:00:00+09:00", items: ["A"] },
      { c: 0, at: "2025-06-23T10:00:00+09:00", items: ["B"] },
      { c: 1, at: "2020-01-01T10:00:00+09:00", items: ["A", "B"] },
      { c: 1, at: "2020-01-11T10:00:00+09:00", items: ["A"] },
      { c: 1, at: "2020-01-16T10:00:00+09:00", items: ["A"] },
      { c: 2, at: "2021-03-01T10:00:00+09:00", items: ["B"] },
      { c: 2, at: "2021-03-06T10:00:00+09:00", items: ["B"] },
    ];
    const s2 = touchShop(specs);
    const h2 = buildPurchaseHistory(s2.orders, 3, createCalendar("Asia/Tokyo"));
    const asOfDay = d("2025-12-31");
    const small = entryProductReport(h2, s2.orders, s2.lineItems, s2.products, { asOfDay });
    // 5,000 products × 2,000 days is past the dense table's 2^23 cells.
    const many = [...s2.products, ...Array.from({ length: 5000 }, (_, i) => `x${i}`)];
    const large = entryProductReport(h2, s2.orders, s2.lineItems, many, { asOfDay });
    expect(large.products).toEqual(small.products);
    expect(large.firstToSecond).toEqual(small.firstToSecond);
    const a = small.products.find((r) => r.product === "A");
    // c0: 2020-01-01 → 2025-06-23 = 2,000 days; c1: 10 days.
    expect(a?.firstToSecond).toMatchObject({ count: 2, q1: 10, median: 10, q3: 2000 });
    expect(a?.secondToThird).toMatchObject({ count: 1, median: 5 });
  });

  it("gapDistribution on its own", () => {
    const g = gapDistribution(Int32Array.from([1, 2, 3, 4, 10]), [0.2, 1], [3]);
    expect(g).toEqual({
      count: 5,
      q1: 2,
      median: 3,
      q3: 4,
      byShare: [
        { share: 0.2, day: 1 },
        { share: 1, day: 10 },
      ],
      histogram: [
        { fromDay: 0, toDay: 3, count: 3 },
        { fromDay: 4, toDay: null, count: 2 },
      ],
    });
    expect(gapDistribution(new Int32Array(0)).median).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Properties on random shops.

const DICTIONARIES: Record<AttributionField, string[]> = {
  utmSource: ["google", "Google ", "facebook", "ig", "line", "newsletter", "ＬＩＮＥ"],
  utmMedium: ["cpc", "CPC", "paid", "email", "organic", "affiliate"],
  utmCampaign: ["Spring", "spring ", "SUMMER", ""],
  referrerHost: ["l.instagram.com", "instagram.com", "notinstagram.com", "t.co", "google.co.jp"],
  firstSource: ["google", "direct", "instagram"],
  firstSourceType: ["AD", "NEWSLETTER", "AFFILIATE", "SEO"],
  channelHandle: ["pos", "online_store"],
  sourceName: ["web", "pos"],
};

/** Deterministic pseudo-random code per (row, field, seed); −1 = missing. */
const codeOf = (row: number, field: number, seed: number, size: number): number => {
  const k = (Math.imul(row * 31 + field * 7919 + seed, 2654435761) >>> 0) % (size + 1);
  return k === size ? -1 : k;
};

function randomColumns(orders: OrderTable, seed: number): AttributionColumns {
  const columns: Partial<Record<AttributionField, { dictionary: string[]; code: Int32Array }>> = {};
  ATTRIBUTION_FIELDS.forEach((field, f) => {
    const dictionary = DICTIONARIES[field];
    const code = new Int32Array(orders.length);
    for (let i = 0; i < orders.length; i++) code[i] = codeOf(i, f, seed, dictionary.length);
    columns[field] = { dictionary, code };
  });
  return columns;
}

const norm = (s: string) => s.normalize("NFKC").trim().toLowerCase();

/** Oracle: the straightforward per-customer evaluation. */
function oracleChannels(
  orders: OrderTable,
  customers: number,
  columns: AttributionColumns,
  set: ChannelRuleSet,
): (string | null)[] {
  const out: (string | null)[] = [];
  for (let c = 0; c < customers; c++) {
    let first = -1;
    for (let i = 0; i < orders.length; i++) {
      if (orders.customer[i] !== c || orders.flags[i] & (ORDER_CANCELLED | ORDER_TEST)) continue;
      if (first < 0 || orders.processedAt[i] < orders.processedAt[first]) first = i;
    }
    if (first < 0) {
      out.push(null);
      continue;
    }
    const text = (field: AttributionField) => {
      const col = columns[field];
      const code = col?.code[first] ?? -1;
      return code < 0 || col === undefined ? "" : norm(col.dictionary[code]);
    };
    const holds = (cond: ChannelCondition) => {
      const t = text(cond.field);
      const values = cond.values.map(norm);
      if (cond.op === "empty") return t === "";
      if (cond.op === "present") return t !== "";
      if (cond.op === "equals") return values.includes(t);
      if (cond.op === "contains") return values.some((v) => t.indexOf(v) >= 0);
      return values.some(
        (v) => t === v || (t.length > v.length && t.slice(-v.length - 1) === `.${v}`),
      );
    };
    const rule = set.rules.find((r) => r.conditions.every(holds));
    out.push(rule?.channel ?? set.fallback.channel);
  }
  return out;
}

const conditionArb: fc.Arbitrary<ChannelCondition> = fc
  .constantFrom(...ATTRIBUTION_FIELDS)
  .chain((field) =>
    fc.oneof(
      fc.record({
        field: fc.constant(field),
        op: fc.constantFrom("equals" as const, "contains" as const, "domain" as const),
        values: fc.subarray(
          [...DICTIONARIES[field], "o", "com"].filter((v) => v !== ""),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
      }),
      fc.record({
        field: fc.constant(field),
        op: fc.constantFrom("empty" as const, "present" as const),
        values: fc.constant([] as string[]),
      }),
    ),
  );
const ruleArb: fc.Arbitrary<ChannelRule> = fc.record({
  channel: fc.constantFrom("a", "b", "c", "d"),
  conditions: fc.array(conditionArb, { minLength: 1, maxLength: 3 }),
});
const ruleSetArb: fc.Arbitrary<ChannelRuleSet> = fc.oneof(
  fc.constant(DEFAULT_CHANNEL_RULES),
  fc.record({
    rules: fc.array(ruleArb, { maxLength: 6 }),
    fallback: fc.constant({ channel: "z" }),
  }),
);

describe("attribution and acquisition properties", () => {
  it("rules once per distinct tuple equal the per-customer evaluation; counts sum to new customers", () => {
    fc.assert(
      fc.property(randomShop(), ruleSetArb, fc.integer(), ({ customers, orders }, set, seed) => {
        const table = tableFromRaw(orders);
        const columns = randomColumns(table, seed);
        const a = attributeCustomers(table, customers, columns, set);
        const got = Array.from(a.channel, (k) => (k < 0 ? null : a.channels[k].key));
        expect(got).toEqual(oracleChannels(table, customers, columns, set));
        const h = buildPurchaseHistory(table, customers, createCalendar("Asia/Tokyo"));
        let acquired = 0;
        for (let c = 0; c < customers; c++)
          if (h.purchaseStart[c + 1] > h.purchaseStart[c]) acquired++;
        const preview = previewChannelRules(table, customers, columns, set);
        expect(preview.channels.reduce((s, ch) => s + ch.customers, 0)).toBe(acquired);
        expect(preview.rules.reduce((s, r) => s + r.customers, 0) + preview.fallbackCustomers).toBe(
          acquired,
        );
      }),
      { numRuns: 150 },
    );
  });

  it("a rule put first takes exactly the customers it matches; the rest keep their channel", () => {
    fc.assert(
      fc.property(randomShop(), ruleSetArb, ruleArb, fc.integer(), (s, set, probe, seed) => {
        const table = tableFromRaw(s.orders);
        const columns = randomColumns(table, seed);
        const probeRule = { ...probe, channel: "probe" };
        const before = oracleChannels(table, s.customers, columns, set);
        const alone = oracleChannels(table, s.customers, columns, {
          rules: [probeRule],
          fallback: { channel: "none" },
        });
        const a = attributeCustomers(table, s.customers, columns, {
          ...set,
          rules: [probeRule, ...set.rules],
        });
        for (let c = 0; c < s.customers; c++) {
          const got = a.channel[c] < 0 ? null : a.channels[a.channel[c]].key;
          expect(got).toBe(alone[c] === "probe" ? "probe" : before[c]);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("LTV at N months equals the direct sum over observed customers, and grows with N when all are observed", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer({ min: 0, max: 1100 }),
        fc.integer(),
        ({ customers, orders }, asOfOffset, seed) => {
          const table = tableFromRaw(orders);
          const h = buildPurchaseHistory(table, customers, createCalendar("Asia/Tokyo"));
          const asOfDay = d("2023-01-01") + asOfOffset;
          const facts = customerFacts(h, { asOfDay, windowDays: 90, maxMonths: 24 });
          const groups = 3;
          const code = Int32Array.from({ length: customers }, (_, c) =>
            ((c * 7 + seed) >>> 0) % (groups + 1) === groups
              ? -1
              : ((c * 7 + seed) >>> 0) % (groups + 1),
          );
          // Conversion to subscription by hand: −1 when the first purchase was one, else
          // whether a later purchase by asOfDay was.
          for (let c = 0; c < customers; c++) {
            const s0 = h.purchaseStart[c];
            if (!facts.included[c]) continue;
            const flagged = (p: number) => (h.purchaseFlags[p] & ORDER_SUBSCRIPTION) !== 0;
            let later = 0;
            for (let p = s0 + 1; p < h.purchaseStart[c + 1]; p++) {
              if (h.purchaseDay[p] <= asOfDay && flagged(p)) later = 1;
            }
            expect(facts.toSubscription[c]).toBe(flagged(s0) ? -1 : later);
          }
          const stats = groupStats(facts, membersOf(code, groups));
          for (let g = 0; g < groups; g++) {
            for (const n of [1, 3, 6, 12, 24]) {
              let net = 0;
              let count = 0;
              for (let c = 0; c < customers; c++) {
                if (code[c] !== g) continue;
                const s0 = h.purchaseStart[c];
                if (s0 === h.purchaseStart[c + 1] || h.purchaseDay[s0] > asOfDay) continue;
                const end = shiftDayBoundary(h.purchaseDay[s0], n);
                if (end > asOfDay + 1) continue;
                count++;
                for (let p = s0; p < h.purchaseStart[c + 1]; p++) {
                  if (h.purchaseDay[p] < end) net += h.purchaseNet[p];
                }
              }
              const point = ltvAt(stats, g, n);
              expect(point.customers).toBe(count);
              if (count === 0) expect(point.valueMinor).toBeNull();
              else expect(point.valueMinor).toBeCloseTo(net / count, 6);
            }
          }
          // Far in the future every customer is observed 24 months: LTV is monotone in N.
          const late = groupStats(
            customerFacts(h, { asOfDay: d("2030-01-01"), windowDays: 90, maxMonths: 24 }),
            membersOf(code, groups),
          );
          for (let g = 0; g < groups; g++) {
            let previous = -Infinity;
            for (let n = 1; n <= 24; n++) {
              const v = ltvAt(late, g, n).valueMinor;
              if (v === null) continue;
              expect(v).toBeGreaterThanOrEqual(previous);
              previous = v;
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it("group stats of set memberships equal those of one member per (customer, group)", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer({ min: 0, max: 729 }),
        fc.integer(),
        ({ customers, orders }, asOfOffset, seed) => {
          const h = buildPurchaseHistory(
            tableFromRaw(orders),
            customers,
            createCalendar("Asia/Tokyo"),
          );
          const facts = customerFacts(h, {
            asOfDay: d("2023-01-01") + asOfOffset,
            windowDays: 60,
            maxMonths: 12,
          });
          // Up to 3 distinct groups of 4 per customer, ascending.
          const start = new Int32Array(customers + 1);
          const values: number[] = [];
          const customer: number[] = [];
          for (let c = 0; c < customers; c++) {
            for (let g = 0; g < 4; g++) {
              if (((c * 31 + g * 17 + seed) >>> 0) % 3 !== 0) continue;
              values.push(g);
              customer.push(c);
            }
            start[c + 1] = values.length;
          }
          const rows = { start, values: Int32Array.from(values) };
          expect(groupStatsOfRows(facts, rows, 4)).toEqual(
            groupStats(facts, {
              groupCount: 4,
              customer: Int32Array.from(customer),
              group: Int32Array.from(values),
            }),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it("campaign × month rows of the top campaigns only are the full report's of them", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer(),
        fc.integer({ min: 0, max: 4 }),
        ({ customers, orders }, seed, limit) => {
          const table = tableFromRaw(orders);
          const h = buildPurchaseHistory(table, customers, createCalendar("Asia/Tokyo"));
          const columns = randomColumns(table, seed);
          const a = attributeCustomers(table, customers, columns, DEFAULT_CHANNEL_RULES);
          const options = { asOfDay: d("2024-12-31"), marginRate: 0.3 };
          const campaignSpend: MarketingSpend[] = a.campaigns.map((campaign, k) => ({
            month: "2024-0" + (1 + (k % 9)),
            channel: a.channels[k % a.channels.length].key,
            campaign,
            amountMinor: 1000 * (k + 1),
          }));
          const full = acquisitionReport(h, a, campaignSpend, options);
          const cut = acquisitionReport(h, a, campaignSpend, {
            ...options,
            campaignMonthCampaigns: limit,
          });
          const top = new Set(topCampaigns(full.campaigns, limit).map(campaignKey));
          expect(cut).toEqual({
            ...full,
            campaignMonths: full.campaignMonths.filter((r) => top.has(campaignKey(r))),
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it("products of the first and second purchase, for line items in any order (property)", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer(),
        fc.boolean(),
        fc.integer({ min: 0, max: 730 }),
        ({ customers, orders }, seed, grouped, asOf) => {
          const table = tableFromRaw(orders);
          const h = buildPurchaseHistory(table, customers, createCalendar("Asia/Tokyo"));
          const asOfDay = d("2023-01-01") + asOf;
          const included = Uint8Array.from({ length: customers }, (_, c) =>
            h.purchaseStart[c] < h.purchaseStart[c + 1] &&
            h.purchaseDay[h.purchaseStart[c]] <= asOfDay
              ? 1
              : 0,
          );
          // 0–3 lines per order over 5 products, some custom (−1), some repeated.
          const lines: [number, number][] = [];
          for (let i = 0; i < table.length; i++) {
            const k = ((i * 2654435761 + seed) >>> 0) % 4;
            for (let j = 0; j < k; j++) lines.push([i, (((i + j * 3 + seed) >>> 0) % 6) - 1]);
          }
          if (!grouped) {
            lines.sort(
              (a, b) =>
                (((a[0] * 7919 + a[1] + seed) >>> 0) % 13) -
                (((b[0] * 7919 + b[1] + seed) >>> 0) % 13),
            );
          }
          const items = {
            length: lines.length,
            order: Int32Array.from(lines, (l) => l[0]),
            product: Int32Array.from(lines, (l) => l[1]),
          };
          const got = purchaseProducts(h, table, items, 5, asOfDay, included);
          // Oracle: distinct products of the orders on the customer's first (second) day.
          const row = (csr: { start: Int32Array; values: Int32Array }, c: number) =>
            Array.from(csr.values.subarray(csr.start[c], csr.start[c + 1]));
          for (let c = 0; c < customers; c++) {
            const s0 = h.purchaseStart[c];
            const days = included[c] ? [h.purchaseDay[s0], h.purchaseDay[s0 + 1]] : [];
            const want = [0, 1].map((k) => {
              const day = days[k];
              if (
                day === undefined ||
                (k === 1 && (s0 + 1 >= h.purchaseStart[c + 1] || day > asOfDay))
              )
                return [];
              const set = new Set<number>();
              for (const [o, p] of lines) {
                if (
                  p < 0 ||
                  table.customer[o] !== c ||
                  table.flags[o] & (ORDER_CANCELLED | ORDER_TEST)
                )
                  continue;
                if (h.calendar.dayOf(table.processedAt[o]) === day) set.add(p);
              }
              return [...set].sort((a, b) => a - b);
            });
            expect([row(got.entry, c), row(got.next, c)]).toEqual(want);
          }
          expect(got.entry.start[customers]).toBe(got.entry.values.length);
          expect(got.next.start[customers]).toBe(got.next.values.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("channel rows sum to the acquired customers; entry products count each (customer, product) once", () => {
    fc.assert(
      fc.property(randomShop(), fc.integer(), ({ customers, orders }, seed) => {
        const table = tableFromRaw(orders);
        const h = buildPurchaseHistory(table, customers, createCalendar("Asia/Tokyo"));
        const columns = randomColumns(table, seed);
        const a = attributeCustomers(table, customers, columns, DEFAULT_CHANNEL_RULES);
        const asOfDay = d("2024-12-31");
        const r = acquisitionReport(h, a, [], { asOfDay, marginRate: 0.3 });
        const acquired = a.channel.filter((k) => k >= 0).length;
        expect(r.channels.reduce((s, x) => s + x.newCustomers, 0)).toBe(acquired);
        expect(r.channelMonths.reduce((s, x) => s + x.newCustomers, 0)).toBe(acquired);
        expect(r.campaigns.reduce((s, x) => s + x.newCustomers, 0)).toBe(
          a.campaign.filter((k) => k >= 0).length,
        );
        // Line items: 0–2 per order over 4 products, some custom.
        const order: number[] = [];
        const product: number[] = [];
        for (let i = 0; i < table.length; i++) {
          const k = ((i * 2654435761 + seed) >>> 0) % 7;
          if (k >= 1) {
            order.push(i);
            product.push((k % 5) - 1);
          }
          if (k >= 4) {
            order.push(i);
            product.push(k % 4);
          }
        }
        const items = {
          length: order.length,
          order: Int32Array.from(order),
          product: Int32Array.from(product),
        };
        const e = entryProductReport(h, table, items, ["p0", "p1", "p2", "p3"], { asOfDay });
        // Oracle: distinct products of each customer's first-day orders.
        let pairs = 0;
        let withProducts = 0;
        for (let c = 0; c < customers; c++) {
          const s0 = h.purchaseStart[c];
          if (s0 === h.purchaseStart[c + 1]) continue;
          const seen = new Set<number>();
          for (let li = 0; li < order.length; li++) {
            const o = order[li];
            if (table.customer[o] !== c || table.flags[o] & 3 || product[li] < 0) continue;
            if (h.calendar.dayOf(table.processedAt[o]) === h.purchaseDay[s0]) seen.add(product[li]);
          }
          pairs += seen.size;
          if (seen.size > 0) withProducts++;
        }
        expect(e.products.reduce((s, x) => s + x.customers, 0)).toBe(pairs);
        // The same orders in another row order give the same report.
        const perm = Array.from({ length: table.length }, (_, i) => i).reverse();
        const where = new Int32Array(table.length);
        perm.forEach((from, to) => (where[from] = to));
        const shuffled = permuted(table, perm);
        const moved = { ...items, order: Int32Array.from(order, (o) => where[o]) };
        const h2 = buildPurchaseHistory(shuffled, customers, createCalendar("Asia/Tokyo"));
        expect(
          entryProductReport(h2, shuffled, moved, ["p0", "p1", "p2", "p3"], { asOfDay }),
        ).toEqual(e);
        // Line items in another order (not grouped by customer) give the same report.
        const lineOrder = Array.from({ length: order.length }, (_, i) => i).sort(
          (a, b) =>
            (((a * 2654435761 + seed) >>> 0) % 101) - (((b * 2654435761 + seed) >>> 0) % 101),
        );
        const mixed = {
          length: order.length,
          order: Int32Array.from(lineOrder, (i) => order[i]),
          product: Int32Array.from(lineOrder, (i) => product[i]),
        };
        expect(entryProductReport(h, table, mixed, ["p0", "p1", "p2", "p3"], { asOfDay })).toEqual(
          e,
        );
        expect(e.customers - e.customersWithoutProducts).toBe(withProducts);
        expect(e.firstToSecond.count).toBe(
          Array.from({ length: customers }, (_, c) => c).filter(
            (c) => h.purchaseStart[c + 1] - h.purchaseStart[c] >= 2,
          ).length,
        );
      }),
      { numRuns: 100 },
    );
  });
});
