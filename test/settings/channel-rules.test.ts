/**
 * The channel-rules settings: the editor's draft ↔ rule set (values as comma/line text,
 * every problem keyed to its rule and field), and the preview's first-touch query on the
 * database in use (SQLite by default; PostgreSQL with DATABASE_URL) over a hand-built shop:
 * cancelled, test and tombstoned rows, guests, an id above 2^53, a tie on processedAt, and
 * another shop's orders that must never count.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ATTRIBUTION_FIELDS,
  DEFAULT_CHANNEL_RULES,
  previewChannelRules,
  previewChannelTuples,
  validateChannelRules,
  type AttributionColumns,
  type AttributionTuple,
  type ChannelRuleSet,
} from "../../app/analytics/channels";
import type { OrderTable } from "../../app/analytics/types";
import prisma from "../../app/db.server";
import {
  draftToCandidate,
  parseRulesDraft,
  ruleSetToDraft,
  rulesWithErrors,
  splitValues,
  type RulesDraft,
} from "../../app/pages/channel-rules-form";
import {
  firstTouchTuples,
  previewRules,
  saveChannelRules,
} from "../../app/pages/channel-rules.server";
import { parseSettings } from "../../app/settings";

const draftOf = (rules: RulesDraft["rules"], fallback = { channel: "direct", label: "" }) =>
  JSON.stringify({ rules, fallback });
const cond = (field: string, op: string, values = "") => ({ field, op, values });

describe("channel rules form", () => {
  it("splits values at commas, 、 and new lines, normalising full-width text", () => {
    expect(splitValues("google, adwords\nＧｏｏｇｌｅ広告、yss,,  ")).toEqual([
      "google",
      "adwords",
      "Google広告",
      "yss",
    ]);
    expect(splitValues("  ")).toEqual([]);
  });

  it("round-trips the default rules through the editor's draft", () => {
    const draft = ruleSetToDraft(DEFAULT_CHANNEL_RULES);
    expect(draft.rules[2]).toEqual({
      channel: "google_ads",
      label: "",
      conditions: [
        { field: "utmSource", op: "equals", values: "google, adwords, googleads, google_ads" },
        {
          field: "utmMedium",
          op: "equals",
          values: "cpc, ppc, paid, paidsearch, paid_search, paid-search, sem",
        },
      ],
    });
    const parsed = parseRulesDraft(JSON.stringify(draft));
    expect(parsed).toEqual({ ok: true, rules: DEFAULT_CHANNEL_RULES });
  });

  it("reads labels, trims keys and drops an empty label", () => {
    const parsed = parseRulesDraft(
      draftOf(
        [
          {
            channel: " ｍｙ_ads ",
            label: " 自社広告 ",
            conditions: [cond("utmCampaign", "contains", "spring\nsummer")],
          },
        ],
        { channel: "other", label: "  " },
      ),
    );
    expect(parsed).toEqual({
      ok: true,
      rules: {
        rules: [
          {
            channel: "my_ads",
            label: "自社広告",
            conditions: [{ field: "utmCampaign", op: "contains", values: ["spring", "summer"] }],
          },
        ],
        fallback: { channel: "other" },
      },
    });
  });

  it("keys every problem to its rule and field, and stores nothing to parse from junk", () => {
    const parsed = parseRulesDraft(
      draftOf(
        [
          { channel: "ok", label: "", conditions: [cond("utmSource", "equals", "x")] },
          { channel: "Google Ads", label: "", conditions: [cond("utmSource", "equals", "x")] },
          { channel: "b", label: "", conditions: [cond("utmMedium", "equals", " , ")] },
          {
            channel: "c",
            label: "",
            conditions: [
              cond("utmSource", "present"),
              cond("referrerHost", "domain", "x.com, https://y.com/"),
            ],
          },
          { channel: "d", label: "", conditions: [cond("utmSource", "empty", "x")] },
          { channel: "e", label: "", conditions: [] },
          { channel: "f", label: "x".repeat(61), conditions: [cond("email", "equals", "a")] },
        ],
        { channel: "", label: "" },
      ),
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual({
      "rules.1.channel": { key: "channelRules.error.key" },
      "rules.2.conditions.0.values": { key: "channelRules.error.needsValue" },
      "rules.3.conditions.1.values": { key: "channelRules.error.host" },
      "rules.4.conditions.0.values": { key: "channelRules.error.noValue" },
      "rules.5.conditions": { key: "channelRules.error.noCondition" },
      "rules.6.label": { key: "channelRules.error.label" },
      "rules.6.conditions.0.field": { key: "errors.invalid" },
      "fallback.channel": { key: "channelRules.error.key" },
    });
    expect([...rulesWithErrors(parsed.errors)].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(parseRulesDraft("not json")).toEqual({
      ok: false,
      errors: { form: { key: "errors.invalid" } },
    });
    expect(parseRulesDraft(JSON.stringify({ rules: "x" })).ok).toBe(false);
    expect(parseRulesDraft(null).ok).toBe(false);
  });

  it("names the limits: conditions per rule, values per condition, rules per set", () => {
    const many = Array.from({ length: 11 }, () => cond("utmSource", "present"));
    const values = Array.from({ length: 51 }, (_, i) => `v${i}`).join(",");
    const parsed = parseRulesDraft(
      draftOf([
        { channel: "a", label: "", conditions: many },
        { channel: "b", label: "", conditions: [cond("utmSource", "equals", values)] },
      ]),
    );
    expect(parsed).toEqual({
      ok: false,
      errors: {
        "rules.0.conditions": { key: "channelRules.error.tooManyConditions", params: { max: 10 } },
        "rules.1.conditions.0.values": {
          key: "channelRules.error.tooManyValues",
          params: { max: 50 },
        },
      },
    });
    const rule = { channel: "a", label: "", conditions: [cond("utmSource", "present")] };
    expect(parseRulesDraft(draftOf(Array.from({ length: 201 }, () => rule)))).toEqual({
      ok: false,
      errors: { form: { key: "channelRules.error.tooManyRules", params: { max: 200 } } },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The preview over the database.

const RUN = `${process.pid}-${Date.now().toString(36)}`;
const domainA = `chanrules-a-${RUN}.myshopify.com`;
const domainB = `chanrules-b-${RUN}.myshopify.com`;
let shopA = 0;
let shopB = 0;

/** Above 2^53: a float would round it to …992 and merge two customers. */
const BIG = 9_007_199_254_740_993n;
const BIG_NEIGHBOUR = 9_007_199_254_740_992n;
const day = (d: number) => new Date(Date.UTC(2026, 0, d, 9));

type Attribution = Partial<Record<(typeof ATTRIBUTION_FIELDS)[number] | "journey", string>>;
let nextOrder = 1000n;
function order(
  shopId: number,
  customerId: bigint | null,
  d: number,
  attribution: Attribution,
  extra: { cancelled?: boolean; test?: boolean; deleted?: boolean; id?: bigint } = {},
) {
  return {
    shopId,
    id: extra.id ?? nextOrder++,
    customerId,
    processedAt: day(d),
    cancelledAt: extra.cancelled ? day(d + 1) : null,
    test: extra.test ?? false,
    deleted: extra.deleted ?? false,
    grossMinor: 1000n,
    netMinor: 1000n,
    shopifyUpdatedAt: day(d),
    sourceName: "web",
    journey: "visit",
    ...attribution,
  };
}
const google = { utmSource: "google", utmMedium: "cpc", utmCampaign: "Spring" };

beforeAll(async () => {
  shopA = (await prisma.shop.create({ data: { domain: domainA } })).id;
  shopB = (await prisma.shop.create({ data: { domain: domainB } })).id;
  const customer = (shopId: number, id: bigint, deleted = false) => ({
    shopId,
    id,
    createdAt: day(1),
    shopifyUpdatedAt: day(1),
    deleted,
  });
  await prisma.customer.createMany({
    data: [
      customer(shopA, BIG),
      customer(shopA, BIG_NEIGHBOUR),
      customer(shopA, 3n),
      customer(shopA, 4n),
      customer(shopA, 5n),
      customer(shopA, 6n, true),
      customer(shopA, 7n),
      customer(shopA, 8n),
      customer(shopB, BIG),
      customer(shopB, 2n),
      customer(shopB, 3n),
    ],
  });
  await prisma.order.createMany({
    data: [
      // BIG: first order from Google Ads, a later one from Instagram.
      order(shopA, BIG, 5, google),
      order(shopA, BIG, 30, { utmSource: "instagram" }),
      // BIG_NEIGHBOUR: a cancelled Google Ads order first, then Instagram's link shim.
      order(shopA, BIG_NEIGHBOUR, 10, google, { cancelled: true }),
      order(shopA, BIG_NEIGHBOUR, 12, { referrerHost: "l.instagram.com" }),
      // 3: a test order first, then a visit Shopify attributed nothing to.
      order(shopA, 3n, 3, { utmSource: "line" }, { test: true }),
      order(shopA, 3n, 4, { journey: "none" }),
      // 4: Instagram's web site.
      order(shopA, 4n, 1, {
        referrerHost: "www.instagram.com",
        firstSource: "Instagram",
        firstSourceType: "social",
        channelHandle: "online_store",
      }),
      // 5: two orders at the same moment; the smaller id is the first (full-width LINE).
      order(shopA, 5n, 6, google, { id: 90n }),
      order(shopA, 5n, 6, { utmSource: "ＬＩＮＥ" }, { id: 80n }),
      // 6: a tombstoned customer counts for nothing.
      order(shopA, 6n, 2, google),
      // 7: a deleted order before a direct one.
      order(shopA, 7n, 2, google, { deleted: true }),
      order(shopA, 7n, 8, { journey: "none" }),
      // 8 has no order; a guest's order has no customer.
      order(shopA, null, 2, google),
      // Shop B: three Google Ads customers, one with shop A's customer id.
      order(shopB, BIG, 1, google),
      order(shopB, 2n, 1, google),
      order(shopB, 3n, 1, google),
    ],
  });
});

afterAll(async () => {
  await prisma.shop.deleteMany({ where: { id: { in: [shopA, shopB] } } });
  await prisma.$disconnect();
});

const ruleSetWithShadow: ChannelRuleSet = {
  rules: [
    {
      channel: "instagram",
      conditions: [{ field: "referrerHost", op: "domain", values: ["instagram.com"] }],
    },
    {
      channel: "ig_shim",
      label: "IG link",
      conditions: [{ field: "referrerHost", op: "domain", values: ["l.instagram.com"] }],
    },
    { channel: "line", conditions: [{ field: "utmSource", op: "equals", values: ["LINE"] }] },
  ],
  fallback: { channel: "other", label: "Everything else" },
};

const ruleIndex = (set: ChannelRuleSet, channel: string, field: string) =>
  set.rules.findIndex((r) => r.channel === channel && r.conditions[0].field === field);

describe("channel rules preview", () => {
  it("returns the shop's distinct first touches with their customers", async () => {
    const tuples = await firstTouchTuples(shopA);
    const sorted = tuples
      .map((t) => ({ ...t.values, customers: t.customers }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const none = Object.fromEntries(ATTRIBUTION_FIELDS.map((f) => [f, null]));
    const expected = [
      { ...none, ...google, sourceName: "web", customers: 1 },
      { ...none, referrerHost: "l.instagram.com", sourceName: "web", customers: 1 },
      {
        ...none,
        referrerHost: "www.instagram.com",
        firstSource: "Instagram",
        firstSourceType: "social",
        channelHandle: "online_store",
        sourceName: "web",
        customers: 1,
      },
      { ...none, utmSource: "ＬＩＮＥ", sourceName: "web", customers: 1 },
      // Customers 3 and 7: no first visit.
      { ...none, sourceName: "web", customers: 2 },
    ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(sorted).toEqual(expected);
    expect(tuples.every((t) => typeof t.customers === "number")).toBe(true);
  });

  it("counts per channel and per rule with the default rules; another shop never counts", async () => {
    const preview = previewChannelTuples(await firstTouchTuples(shopA), DEFAULT_CHANNEL_RULES);
    expect(preview.customers).toBe(6);
    const byChannel = Object.fromEntries(
      preview.channels.filter((c) => c.customers > 0).map((c) => [c.key, c.customers]),
    );
    expect(byChannel).toEqual({ google_ads: 1, instagram: 2, line: 1, direct: 2 });
    expect(preview.fallbackCustomers).toBe(2);
    const rules = DEFAULT_CHANNEL_RULES;
    expect(preview.rules[ruleIndex(rules, "google_ads", "utmSource")].customers).toBe(1);
    expect(preview.rules[ruleIndex(rules, "instagram", "referrerHost")].customers).toBe(2);
    expect(preview.rules[ruleIndex(rules, "line", "utmSource")].customers).toBe(1);
    expect(preview.rules.reduce((s, r) => s + r.customers, 0)).toBe(4);

    const other = previewChannelTuples(await firstTouchTuples(shopB), DEFAULT_CHANNEL_RULES);
    expect(other.customers).toBe(3);
    expect(other.channels.find((c) => c.key === "google_ads")?.customers).toBe(3);
  });

  it("agrees with the engine's per-customer attribution of the same first orders", async () => {
    const tuples = await firstTouchTuples(shopA);
    // One customer (and one order) per counted first purchase, columns dictionary-coded.
    const rows: AttributionTuple["values"][] = tuples.flatMap((t) =>
      Array.from({ length: t.customers }, () => t.values),
    );
    const orders: OrderTable = {
      length: rows.length,
      customer: Int32Array.from(rows, (_, i) => i),
      processedAt: new Float64Array(rows.length),
      grossMinor: new Float64Array(rows.length),
      netMinor: new Float64Array(rows.length),
      flags: new Uint8Array(rows.length),
    };
    const columns: Record<string, { dictionary: string[]; code: Int32Array }> = {};
    for (const f of ATTRIBUTION_FIELDS) {
      const dictionary: string[] = [];
      const code = Int32Array.from(rows, (r) => {
        const v = r[f];
        if (v == null) return -1;
        if (!dictionary.includes(v)) dictionary.push(v);
        return dictionary.indexOf(v);
      });
      columns[f] = { dictionary, code };
    }
    for (const rules of [DEFAULT_CHANNEL_RULES, ruleSetWithShadow]) {
      expect(previewChannelTuples(tuples, rules)).toEqual(
        previewChannelRules(orders, rows.length, columns as AttributionColumns, rules),
      );
    }
  });

  it("shows a rule that an earlier one shadows as matching nobody", async () => {
    const form = new FormData();
    form.set(
      "rules",
      draftOf(
        [
          {
            channel: "instagram",
            label: "",
            conditions: [cond("referrerHost", "domain", "instagram.com")],
          },
          {
            channel: "ig_shim",
            label: "IG link",
            conditions: [cond("referrerHost", "domain", "l.instagram.com")],
          },
          { channel: "google", label: "", conditions: [cond("utmSource", "equals", "GOOGLE")] },
        ],
        { channel: "other", label: "Everything else" },
      ),
    );
    const result = await previewRules(domainA, form);
    expect(result).toMatchObject({ ok: true, tuples: 5 });
    if (!result.ok) return;
    expect(result.preview.rules.map((r) => r.customers)).toEqual([2, 0, 1]);
    expect(result.preview.channels).toEqual([
      { key: "instagram", label: null, customers: 2 },
      { key: "ig_shim", label: "IG link", customers: 0 },
      { key: "google", label: null, customers: 1 },
      { key: "other", label: "Everything else", customers: 3 },
    ]);
  });

  it("saves only a valid draft, and a bad one leaves the stored rules alone", async () => {
    const stored = async () =>
      parseSettings((await prisma.shop.findUniqueOrThrow({ where: { id: shopA } })).settings)
        .channelRules;
    const bad = new FormData();
    bad.set("rules", draftOf([{ channel: "Bad", label: "", conditions: [] }]));
    expect(await saveChannelRules(domainA, bad)).toEqual({
      ok: false,
      errors: {
        "rules.0.channel": { key: "channelRules.error.key" },
        "rules.0.conditions": { key: "channelRules.error.noCondition" },
      },
    });
    expect(await previewRules(domainA, bad)).toMatchObject({ ok: false });
    expect(await stored()).toEqual(DEFAULT_CHANNEL_RULES);

    const good = new FormData();
    const draft = draftOf([
      { channel: "line", label: "", conditions: [cond("utmSource", "equals", "line, ｌｉｎｅ")] },
    ]);
    good.set("rules", draft);
    const saved = await saveChannelRules(domainA, good);
    expect(saved).toMatchObject({ ok: true, changed: true });
    const expected = validateChannelRules(draftToCandidate(JSON.parse(draft) as RulesDraft));
    expect(expected.ok).toBe(true);
    if (expected.ok) expect(await stored()).toEqual(expected.rules);
    expect(await stored()).toEqual({
      rules: [
        {
          channel: "line",
          conditions: [{ field: "utmSource", op: "equals", values: ["line", "line"] }],
        },
      ],
      fallback: { channel: "direct" },
    });
    // Shop B keeps the defaults.
    const b = await prisma.shop.findUniqueOrThrow({ where: { id: shopB } });
    expect(parseSettings(b.settings).channelRules).toEqual(DEFAULT_CHANNEL_RULES);
  });
});
