/**
 * Acquisition channel and campaign of each customer: the first-touch attribution of their
 * first purchase, mapped through the merchant's ordered channel rules
 * (docs/decisions/0051-acquisition-analytics.md).
 *
 * A customer's first order is their earliest order that is neither cancelled nor test (the
 * order that opens their first purchase in history.ts). Its first visit (UTM values,
 * referrer host, Shopify's source and source type) and sales channel are looked up in
 * dictionary-encoded columns; the rules are evaluated once per distinct tuple of codes, not
 * per customer.
 */
import { z } from "zod";
import type { OrderTable } from "./types";
import { ORDER_CANCELLED, ORDER_TEST } from "./types";

/** The order columns a rule can test. */
export const ATTRIBUTION_FIELDS = [
  "utmSource",
  "utmMedium",
  "utmCampaign",
  "referrerHost",
  "firstSource",
  "firstSourceType",
  "channelHandle",
  "sourceName",
] as const;
export type AttributionField = (typeof ATTRIBUTION_FIELDS)[number];

/**
 * equals / contains: the value (any of `values`); domain: a host that is the value or one
 * of its subdomains ("instagram.com" matches "l.instagram.com", not "notinstagram.com");
 * empty / present: the field is missing or "" / is not. All comparisons are on normalised
 * text (NFKC, trimmed, lower case).
 */
export const CONDITION_OPERATORS = ["equals", "contains", "domain", "empty", "present"] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export interface ChannelCondition {
  readonly field: AttributionField;
  readonly op: ConditionOperator;
  /** Any of these (for equals/contains/domain); none for empty/present. */
  readonly values: readonly string[];
}

export interface ChannelRule {
  /** Stable channel key ("google_ads"); several rules may yield one channel. */
  readonly channel: string;
  /** The merchant's own name for the channel; without it the UI shows its ja/en label. */
  readonly label?: string;
  /** All must hold. */
  readonly conditions: readonly ChannelCondition[];
}

export interface ChannelRuleSet {
  /** First matching rule wins. */
  readonly rules: readonly ChannelRule[];
  /** Channel of a first purchase no rule matches. */
  readonly fallback: { readonly channel: string; readonly label?: string };
}

const VALUE_OPS: ReadonlySet<ConditionOperator> = new Set(["equals", "contains", "domain"]);

const conditionSchema = z
  .object({
    field: z.enum(ATTRIBUTION_FIELDS),
    op: z.enum(CONDITION_OPERATORS),
    values: z.array(z.string().trim().min(1, "empty value").max(200)).max(50).default([]),
  })
  .superRefine((c, ctx) => {
    if (VALUE_OPS.has(c.op) && c.values.length === 0) {
      ctx.addIssue({ code: "custom", path: ["values"], message: `"${c.op}" needs a value` });
    }
    if (!VALUE_OPS.has(c.op) && c.values.length > 0) {
      ctx.addIssue({ code: "custom", path: ["values"], message: `"${c.op}" takes no value` });
    }
    if (c.op === "domain") {
      c.values.forEach((v, i) => {
        if (!/^[a-z0-9.-]+$/i.test(v) || v.startsWith(".") || v.endsWith(".")) {
          ctx.addIssue({
            code: "custom",
            path: ["values", i],
            message: "a host name such as instagram.com",
          });
        }
      });
    }
  });

const channelKey = z
  .string()
  .regex(/^[a-z0-9_-]{1,40}$/, "1–40 lower-case letters, digits, _ or -");
const channelLabel = z.string().trim().min(1).max(60).optional();

/** Zod schema of a rule set, as the settings layer stores it. */
export const channelRuleSetSchema = z.object({
  rules: z
    .array(
      z.object({
        channel: channelKey,
        label: channelLabel,
        conditions: z.array(conditionSchema).min(1, "a rule needs a condition").max(10),
      }),
    )
    .max(200),
  fallback: z.object({ channel: channelKey, label: channelLabel }),
});

export type ChannelRuleSetError = {
  readonly rule: number | null;
  readonly message: string;
  /** Where inside the rule (or, for rule null, the set): ["conditions", 0, "values"]. */
  readonly path: readonly (string | number)[];
  /** zod's issue code ("too_big", "custom", …): lets a form choose its wording. */
  readonly code: string;
};

/**
 * Validates a candidate rule set. Errors name the rule (0-based index; null for the
 * fallback or the whole set) and what is wrong, so the form can mark that rule.
 */
export function validateChannelRules(
  raw: unknown,
): { ok: true; rules: ChannelRuleSet } | { ok: false; errors: ChannelRuleSetError[] } {
  const result = channelRuleSetSchema.safeParse(raw);
  if (result.success) return { ok: true, rules: result.data };
  const errors = result.error.issues.map((issue) => {
    const [top, index, ...rest] = issue.path;
    const rule = top === "rules" && typeof index === "number" ? index : null;
    const where = (rule === null ? issue.path : rest).map(String).join(".");
    const path = (rule === null ? issue.path : rest).map((p) =>
      typeof p === "number" ? p : String(p),
    );
    return {
      rule,
      message: where === "" ? issue.message : `${where}: ${issue.message}`,
      path,
      code: issue.code,
    };
  });
  return { ok: false, errors };
}

/** Text as rules compare it: NFKC (full-width → ASCII), trimmed, lower case. */
export function normaliseAttribution(value: string): string {
  return value.normalize("NFKC").trim().toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Defaults.

const cond = (field: AttributionField, op: ConditionOperator, ...values: string[]) => ({
  field,
  op,
  values,
});
const PAID = ["cpc", "ppc", "paid", "paidsearch", "paid_search", "paid-search", "sem"];
const PAID_SOCIAL = ["cpc", "ppc", "paid", "paid_social", "paid-social", "paidsocial", "ads", "ad"];
const META_SOURCES = ["facebook", "fb", "instagram", "ig", "meta", "facebook_ads", "instagram_ads"];

/**
 * Defaults for the common sources of Japanese and global shops. Keys are stable; the UI
 * shows their ja/en names (e.g. google_ads → "Google 広告" / "Google Ads").
 */
export const DEFAULT_CHANNEL_RULES: ChannelRuleSet = {
  rules: [
    { channel: "pos", conditions: [cond("channelHandle", "equals", "pos")] },
    { channel: "pos", conditions: [cond("sourceName", "equals", "pos")] },
    {
      channel: "google_ads",
      conditions: [
        cond("utmSource", "equals", "google", "adwords", "googleads", "google_ads"),
        cond("utmMedium", "equals", ...PAID),
      ],
    },
    {
      channel: "yahoo_ads",
      conditions: [
        cond("utmSource", "equals", "yahoo", "yahoo_ads", "yss", "ydn", "yda"),
        cond("utmMedium", "equals", ...PAID, "display"),
      ],
    },
    {
      channel: "meta_ads",
      conditions: [
        cond("utmSource", "equals", ...META_SOURCES),
        cond("utmMedium", "equals", ...PAID_SOCIAL),
      ],
    },
    {
      channel: "email",
      conditions: [
        cond(
          "utmMedium",
          "equals",
          "email",
          "e-mail",
          "mail",
          "newsletter",
          "mailmagazine",
          "merumaga",
          "メルマガ",
        ),
      ],
    },
    { channel: "email", conditions: [cond("firstSourceType", "equals", "newsletter")] },
    {
      channel: "affiliate",
      conditions: [cond("utmMedium", "equals", "affiliate", "affiliates", "asp")],
    },
    { channel: "affiliate", conditions: [cond("firstSourceType", "equals", "affiliate")] },
    {
      channel: "line",
      conditions: [cond("utmSource", "equals", "line", "line_oa", "lineoa", "line_official")],
    },
    { channel: "line", conditions: [cond("referrerHost", "domain", "line.me", "line.naver.jp")] },
    { channel: "instagram", conditions: [cond("utmSource", "equals", "instagram", "ig")] },
    { channel: "instagram", conditions: [cond("referrerHost", "domain", "instagram.com")] },
    { channel: "facebook", conditions: [cond("utmSource", "equals", "facebook", "fb", "meta")] },
    {
      channel: "facebook",
      conditions: [cond("referrerHost", "domain", "facebook.com", "fb.com", "fb.me")],
    },
    { channel: "x", conditions: [cond("utmSource", "equals", "twitter", "x", "x.com")] },
    { channel: "x", conditions: [cond("referrerHost", "domain", "t.co", "x.com", "twitter.com")] },
    { channel: "tiktok", conditions: [cond("utmSource", "equals", "tiktok")] },
    { channel: "tiktok", conditions: [cond("referrerHost", "domain", "tiktok.com")] },
    { channel: "youtube", conditions: [cond("utmSource", "equals", "youtube", "yt")] },
    { channel: "youtube", conditions: [cond("referrerHost", "domain", "youtube.com", "youtu.be")] },
    {
      channel: "google_organic",
      conditions: [cond("utmSource", "equals", "google"), cond("utmMedium", "equals", "organic")],
    },
    {
      channel: "google_organic",
      conditions: [cond("referrerHost", "domain", "google.com", "google.co.jp")],
    },
    {
      channel: "yahoo_organic",
      conditions: [cond("utmSource", "equals", "yahoo"), cond("utmMedium", "equals", "organic")],
    },
    {
      channel: "yahoo_organic",
      conditions: [cond("referrerHost", "domain", "yahoo.co.jp", "yahoo.com")],
    },
    // Anything else that carries a campaign tag or a referrer.
    { channel: "other_campaign", conditions: [cond("utmSource", "present")] },
    { channel: "referral", conditions: [cond("referrerHost", "present")] },
  ],
  fallback: { channel: "direct" },
};

// ---------------------------------------------------------------------------------------------
// Evaluation.

/** One dictionary-encoded order column: code k means dictionary[k]; −1 = missing. */
export interface CodedColumn {
  readonly dictionary: readonly string[];
  /** One code per OrderTable row. */
  readonly code: Int32Array;
}

/** The attribution columns of the orders; an absent field is missing on every order. */
export type AttributionColumns = Partial<Readonly<Record<AttributionField, CodedColumn>>>;

export interface ChannelDescriptor {
  readonly key: string;
  /** The merchant's label (the first rule of the channel that has one), else null. */
  readonly label: string | null;
}

export interface CustomerAttribution {
  /** Channels in rule order, the fallback last; code k = channels[k]. */
  readonly channels: readonly ChannelDescriptor[];
  /** Per customer: channel code, or −1 without a first purchase. */
  readonly channel: Int32Array;
  /** Normalised campaigns (utm_campaign of the first touch), first-seen order. */
  readonly campaigns: readonly string[];
  /** Per customer: campaign code, or −1 (no first purchase or no campaign). */
  readonly campaign: Int32Array;
  /** Per customer: the OrderTable row of the first order, or −1. */
  readonly firstOrder: Int32Array;
  /** Per rule: customers whose first order it matched; fallbackCustomers: matched none. */
  readonly ruleCustomers: Int32Array;
  readonly fallbackCustomers: number;
  /** Distinct attribution tuples the rules were evaluated on. */
  readonly distinctTuples: number;
}

const DROPPED = ORDER_CANCELLED | ORDER_TEST;

/** Largest dense tuple table of attributeCustomers: 4 MB, of which only the pages its
 *  tuples land on are touched. */
const DENSE_TUPLES = 1 << 20;

/**
 * Row of each customer's first order: the earliest processedAt among their orders that are
 * neither cancelled nor test (ties: the earlier row). Any row order.
 */
export function firstOrders(orders: OrderTable, customerCount: number): Int32Array {
  const first = new Int32Array(customerCount).fill(-1);
  const { customer, processedAt, flags } = orders;
  for (let i = 0; i < orders.length; i++) {
    const c = customer[i];
    if (c < 0 || flags[i] & DROPPED) continue;
    if (c >= customerCount) throw new RangeError(`Order row ${i}: customer ${c} outside the table`);
    const f = first[c];
    if (f < 0 || processedAt[i] < processedAt[f]) first[c] = i;
  }
  return first;
}

/** Per field and dictionary code: the normalised text ("" when missing). */
function normalisedDictionaries(columns: AttributionColumns): string[][] {
  return ATTRIBUTION_FIELDS.map((f) => (columns[f]?.dictionary ?? []).map(normaliseAttribution));
}

function conditionHolds(c: ChannelCondition, text: string): boolean {
  switch (c.op) {
    case "empty":
      return text === "";
    case "present":
      return text !== "";
    case "equals":
      return c.values.some((v) => text === v);
    case "contains":
      return c.values.some((v) => text.includes(v));
    case "domain":
      return c.values.some((v) => text === v || text.endsWith(`.${v}`));
  }
}

/** Rule index matching a tuple of normalised texts (ATTRIBUTION_FIELDS order), or −1. */
function matchRule(rules: readonly ChannelRule[], texts: readonly string[]): number {
  for (let r = 0; r < rules.length; r++) {
    let all = true;
    for (const c of rules[r].conditions) {
      if (!conditionHolds(c, texts[ATTRIBUTION_FIELDS.indexOf(c.field)])) {
        all = false;
        break;
      }
    }
    if (all) return r;
  }
  return -1;
}

const normaliseRules = (set: ChannelRuleSet): ChannelRule[] =>
  set.rules.map((r) => ({
    ...r,
    conditions: r.conditions.map((c) => ({ ...c, values: c.values.map(normaliseAttribution) })),
  }));

/**
 * Channel and campaign of every customer. Linear in orders; the rules run once per distinct
 * tuple of attribution codes among the first orders (an open-addressing table of tuples).
 */
export function attributeCustomers(
  orders: OrderTable,
  customerCount: number,
  columns: AttributionColumns,
  ruleSet: ChannelRuleSet,
): CustomerAttribution {
  const F = ATTRIBUTION_FIELDS.length;
  const codes: (Int32Array | null)[] = ATTRIBUTION_FIELDS.map((f) => {
    const col = columns[f];
    if (col === undefined) return null;
    if (col.code.length !== orders.length) {
      throw new RangeError(`${f}.code must have one entry per order`);
    }
    return col.code;
  });
  const texts = normalisedDictionaries(columns);
  const rules = normaliseRules(ruleSet);

  // Channel codes: distinct keys in rule order, the fallback last.
  const channelIndex = new Map<string, number>();
  const channels: ChannelDescriptor[] = [];
  const addChannel = (key: string, label: string | undefined): number => {
    let k = channelIndex.get(key);
    if (k === undefined) {
      k = channels.length;
      channelIndex.set(key, k);
      channels.push({ key, label: label ?? null });
    } else if (channels[k].label === null && label !== undefined) {
      channels[k] = { key, label };
    }
    return k;
  };
  const ruleChannel = rules.map((r) => addChannel(r.channel, r.label));
  const fallbackChannel = addChannel(ruleSet.fallback.channel, ruleSet.fallback.label);

  const firstOrder = firstOrders(orders, customerCount);
  // Written for every customer below (no fill first).
  const channel = new Int32Array(customerCount);
  const campaign = new Int32Array(customerCount);
  const ruleCustomers = new Int32Array(rules.length);
  let fallbackCustomers = 0;

  // Campaign codes per distinct normalised utm_campaign text.
  const campaignCol = codes[ATTRIBUTION_FIELDS.indexOf("utmCampaign")];
  const campaignTexts = texts[ATTRIBUTION_FIELDS.indexOf("utmCampaign")];
  const campaignOfCode = new Int32Array(campaignTexts.length).fill(-1);
  const campaignIndex = new Map<string, number>();
  const campaigns: string[] = [];

  // The fields that have a column (the others are −1 in every tuple), with their
  // dictionary sizes.
  const present = codes.flatMap((col, f) => (col === null ? [] : [f]));
  const presentCodes = present.map((f) => codes[f] as Int32Array);
  const sizes = Int32Array.from(present, (f) => texts[f].length);
  const tuple = new Int32Array(F).fill(-1);
  const tupleTexts: string[] = new Array<string>(F).fill("");
  let size = 0;
  /** The rule a tuple not seen before matches (−1 = fallback). */
  const evaluate = (): number => {
    for (let f = 0; f < F; f++) tupleTexts[f] = tuple[f] < 0 ? "" : texts[f][tuple[f]];
    size++;
    return matchRule(rules, tupleTexts);
  };

  // Tuples → matched rule. While the dictionaries are small (the common case: a few dozen
  // sources, mediums, campaigns and hosts) a tuple's mixed-radix number indexes a dense
  // table of rule + 2 (0 = not seen): no hashing or key comparison per customer. Else an
  // open-addressing table.
  let radix = 1;
  for (const s of sizes) radix *= s + 1;
  const dense = radix <= DENSE_TUPLES ? new Int32Array(radix) : null;
  let capacity = dense === null ? 1024 : 0;
  let keys = new Int32Array(capacity * F);
  let used = new Uint8Array(capacity);
  let match = new Int32Array(capacity);
  const hashOf = (t: Int32Array): number => {
    let h = 0x811c9dc5;
    for (let f = 0; f < F; f++) h = Math.imul(h ^ (t[f] + 1), 0x01000193);
    return h >>> 0;
  };
  const grow = (): void => {
    const oldKeys = keys;
    const oldUsed = used;
    const oldMatch = match;
    const oldCapacity = capacity;
    capacity *= 2;
    keys = new Int32Array(capacity * F);
    used = new Uint8Array(capacity);
    match = new Int32Array(capacity);
    const t = new Int32Array(F);
    for (let s = 0; s < oldCapacity; s++) {
      if (!oldUsed[s]) continue;
      for (let f = 0; f < F; f++) t[f] = oldKeys[s * F + f];
      let slot = hashOf(t) & (capacity - 1);
      while (used[slot]) slot = (slot + 1) & (capacity - 1);
      used[slot] = 1;
      keys.set(t, slot * F);
      match[slot] = oldMatch[s];
    }
  };
  /** The open-addressing table's rule for the tuple, evaluated when not seen before. */
  const hashedRule = (): number => {
    let slot = hashOf(tuple) & (capacity - 1);
    while (used[slot]) {
      let same = true;
      for (let f = 0; f < F; f++) {
        if (keys[slot * F + f] !== tuple[f]) {
          same = false;
          break;
        }
      }
      if (same) return match[slot];
      slot = (slot + 1) & (capacity - 1);
    }
    const rule = evaluate();
    used[slot] = 1;
    keys.set(tuple, slot * F);
    match[slot] = rule;
    if (size * 2 > capacity) grow();
    return rule;
  };

  for (let c = 0; c < customerCount; c++) {
    const row = firstOrder[c];
    if (row < 0) {
      channel[c] = -1;
      campaign[c] = -1;
      continue;
    }
    let key = 0;
    for (let j = 0; j < present.length; j++) {
      const code = presentCodes[j][row];
      const width = sizes[j];
      const v = code >= 0 && code < width ? code : -1;
      tuple[present[j]] = v;
      key = key * (width + 1) + v + 1;
    }
    let rule: number;
    if (dense !== null) {
      rule = dense[key] - 2;
      if (rule === -2) {
        rule = evaluate();
        dense[key] = rule + 2;
      }
    } else {
      rule = hashedRule();
    }
    if (rule >= 0) {
      channel[c] = ruleChannel[rule];
      ruleCustomers[rule]++;
    } else {
      channel[c] = fallbackChannel;
      fallbackCustomers++;
    }
    campaign[c] = -1;
    const cc = campaignCol === null ? -1 : campaignCol[row];
    if (cc >= 0 && cc < campaignTexts.length) {
      let k = campaignOfCode[cc];
      if (k === -1) {
        const text = campaignTexts[cc];
        if (text === "") {
          k = -2;
        } else {
          k = campaignIndex.get(text) ?? -1;
          if (k === -1) {
            k = campaigns.length;
            campaignIndex.set(text, k);
            campaigns.push(text);
          }
        }
        campaignOfCode[cc] = k;
      }
      if (k >= 0) campaign[c] = k;
    }
  }
  return {
    channels,
    channel,
    campaigns,
    campaign,
    firstOrder,
    ruleCustomers,
    fallbackCustomers,
    distinctTuples: size,
  };
}

export interface ChannelPreview {
  /** Per channel of the candidate set (rule order, fallback last): first purchases. */
  readonly channels: readonly (ChannelDescriptor & { readonly customers: number })[];
  /** Per rule: first purchases it matched (0 = the rule is shadowed or never applies). */
  readonly rules: readonly { readonly channel: string; readonly customers: number }[];
  readonly fallbackCustomers: number;
  /** Customers with a first purchase: the channel counts sum to it. */
  readonly customers: number;
}

/** Counts of first purchases per channel and per rule for a candidate rule set. */
export function previewChannelRules(
  orders: OrderTable,
  customerCount: number,
  columns: AttributionColumns,
  ruleSet: ChannelRuleSet,
): ChannelPreview {
  const a = attributeCustomers(orders, customerCount, columns, ruleSet);
  const counts = new Int32Array(a.channels.length);
  let customers = 0;
  for (let c = 0; c < customerCount; c++) {
    if (a.channel[c] < 0) continue;
    counts[a.channel[c]]++;
    customers++;
  }
  return {
    channels: a.channels.map((ch, k) => ({ ...ch, customers: counts[k] })),
    rules: ruleSet.rules.map((r, i) => ({ channel: r.channel, customers: a.ruleCustomers[i] })),
    fallbackCustomers: a.fallbackCustomers,
    customers,
  };
}

/** A distinct first-touch tuple (missing: null or absent) and the first purchases having it. */
export interface AttributionTuple {
  readonly values: Partial<Readonly<Record<AttributionField, string | null>>>;
  readonly customers: number;
}

/**
 * previewChannelRules over pre-aggregated tuples (the settings page's preview counts the
 * distinct first touches in SQL, so a million customers arrive as a few thousand tuples).
 */
export function previewChannelTuples(
  tuples: readonly AttributionTuple[],
  ruleSet: ChannelRuleSet,
): ChannelPreview {
  const rules = normaliseRules(ruleSet);
  const ruleCustomers = new Array<number>(rules.length).fill(0);
  const byKey = new Map<string, { label: string | null; customers: number }>();
  for (const r of ruleSet.rules) {
    const ch = byKey.get(r.channel);
    if (ch === undefined) byKey.set(r.channel, { label: r.label ?? null, customers: 0 });
    else if (ch.label === null && r.label !== undefined) ch.label = r.label;
  }
  const fallback = byKey.get(ruleSet.fallback.channel) ?? { label: null, customers: 0 };
  if (fallback.label === null) fallback.label = ruleSet.fallback.label ?? null;
  byKey.set(ruleSet.fallback.channel, fallback);
  let fallbackCustomers = 0;
  let customers = 0;
  for (const t of tuples) {
    const texts = ATTRIBUTION_FIELDS.map((f) => normaliseAttribution(t.values[f] ?? ""));
    const r = matchRule(rules, texts);
    const key = r >= 0 ? rules[r].channel : ruleSet.fallback.channel;
    byKey.get(key)!.customers += t.customers;
    if (r >= 0) ruleCustomers[r] += t.customers;
    else fallbackCustomers += t.customers;
    customers += t.customers;
  }
  return {
    channels: [...byKey].map(([key, c]) => ({ key, label: c.label, customers: c.customers })),
    rules: ruleSet.rules.map((r, i) => ({ channel: r.channel, customers: ruleCustomers[i] })),
    fallbackCustomers,
    customers,
  };
}
