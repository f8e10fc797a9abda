/**
 * Acquisition by channel and by campaign (issue 17): new customers, spend and CAC (cac.ts),
 * F2, repeat rate, historical LTV at 3/6/12/24 months, LTV:CAC and payback — per
 * acquisition month and over the whole range. Definitions:
 * docs/decisions/0051-acquisition-analytics.md.
 */
import { channelCac } from "./cac";
import type { CustomerAttribution } from "./channels";
import { normaliseAttribution } from "./channels";
import type { CustomerFacts, GroupStats, LtvPoint, Share } from "./customer-groups";
import {
  customerFacts,
  groupStatsByCodes,
  ltvAt,
  ltvCurve,
  mergeGroups,
  share,
} from "./customer-groups";
import type { PurchaseHistory } from "./history";
import type { Metric } from "./metric";
import { formatMonth, parseMonth } from "./time";
import type { MarketingSpend } from "./types";

export interface AcquisitionOptions {
  readonly asOfDay: number;
  /** Gross margin (0, 1]; null = not known: LTV:CAC and payback say so instead of a number. */
  readonly marginRate: number | null;
  /** F2 window, days (default 90). */
  readonly windowDays?: number;
  /** LTV horizons, months (default 3, 6, 12, 24). */
  readonly ltvMonths?: readonly number[];
  /** The LTV horizon LTV:CAC uses (default 12; must be one of ltvMonths). */
  readonly ltvCacMonths?: number;
  /** Payback is searched up to this many months (default 24). */
  readonly paybackHorizonMonths?: number;
  /** First and last acquisition month (month numbers, inclusive); default: all. */
  readonly fromMonth?: number;
  readonly toMonth?: number;
  /**
   * Other names of a channel in spend rows, normalised (normaliseAttribution) → channel key,
   * e.g. the UI's ja/en labels ("google 広告" → "google_ads"). Keys and merchant labels of
   * the rules always match.
   */
  readonly channelAliases?: ReadonlyMap<string, string>;
  /**
   * Campaign × month rows only of the first this many campaigns of topCampaigns (campaign
   * rows stay whole); default all. The snapshot keeps no others, and they are most rows.
   */
  readonly campaignMonthCampaigns?: number;
}

export type RatioStatus = "ok" | "missing_margin" | "missing_cac" | "missing_ltv";

export interface LtvCacRatio {
  readonly status: RatioStatus;
  /** LTV(ltvCacMonths) × margin ÷ CAC when status is "ok". */
  readonly value: number | null;
  readonly ltvMonths: number;
}

export type PaybackStatus = "ok" | "missing_margin" | "missing_cac" | "not_reached";

export interface Payback {
  readonly status: PaybackStatus;
  /** First k (months after the first purchase) with LTV(k) × margin ≥ CAC, when "ok". */
  readonly months: number | null;
  /** Months the LTV curve was observed for (not_reached: CAC not covered within them). */
  readonly observedMonths: number;
}

export interface AcquisitionRow {
  /** Channel key. */
  readonly channel: string;
  /** Normalised utm_campaign; null on channel rows. */
  readonly campaign: string | null;
  /** "YYYY-MM" of the first purchases; null on rows over the whole range. */
  readonly month: string | null;
  /** Customers whose first purchase (acquisition) falls in the row. */
  readonly newCustomers: number;
  /** Spend of the row's months (0 without entries), and CAC = spend ÷ the new customers of
   *  the months that have spend (cac.ts); null without spend. */
  readonly spendMinor: number;
  readonly cac: Metric | null;
  readonly f2: Share;
  readonly repeat: Share;
  readonly ltv: readonly LtvPoint[];
  readonly ltvToCac: LtvCacRatio;
  readonly payback: Payback;
}

export interface AcquisitionReport {
  readonly channels: readonly AcquisitionRow[];
  readonly channelMonths: readonly AcquisitionRow[];
  readonly campaigns: readonly AcquisitionRow[];
  readonly campaignMonths: readonly AcquisitionRow[];
  /** Spend rows whose channel matches no channel of the rules (shown, never attributed). */
  readonly unmatchedSpend: readonly { readonly channel: string; readonly amountMinor: number }[];
  readonly params: {
    readonly windowDays: number;
    readonly ltvMonths: readonly number[];
    readonly ltvCacMonths: number;
    readonly marginRate: number | null;
  };
}

/** LTV:CAC of an LTV value and a CAC, or what is missing. */
export function ltvCacRatio(
  ltv: LtvPoint | undefined,
  cacMinor: number | null,
  marginRate: number | null,
  months: number,
): LtvCacRatio {
  if (marginRate === null) return { status: "missing_margin", value: null, ltvMonths: months };
  if (cacMinor === null || !(cacMinor > 0)) {
    return { status: "missing_cac", value: null, ltvMonths: months };
  }
  if (ltv === undefined || ltv.valueMinor === null) {
    return { status: "missing_ltv", value: null, ltvMonths: months };
  }
  return { status: "ok", value: (ltv.valueMinor * marginRate) / cacMinor, ltvMonths: months };
}

/** Payback on an LTV curve (index 0 = 1 month), or what is missing. */
export function paybackOf(
  curve: Float64Array,
  cacMinor: number | null,
  marginRate: number | null,
): Payback {
  let observed = 0;
  while (observed < curve.length && !Number.isNaN(curve[observed])) observed++;
  if (marginRate === null)
    return { status: "missing_margin", months: null, observedMonths: observed };
  if (cacMinor === null || !(cacMinor >= 0)) {
    return { status: "missing_cac", months: null, observedMonths: observed };
  }
  for (let k = 0; k < observed; k++) {
    if (curve[k] * marginRate >= cacMinor) {
      return { status: "ok", months: k + 1, observedMonths: observed };
    }
  }
  return { status: "not_reached", months: null, observedMonths: observed };
}

const SEP = "\u001f";

/**
 * Dense ids of (a, b) pairs in first-seen order: add(a, b) gives the pair's id (a new one
 * for a new pair), idOf(a, b) the id or −1. A lookup table when aCount × bCount is small (the
 * usual case), a hash map beyond.
 */
interface PairIndex {
  readonly a: number[];
  readonly b: number[];
  add(a: number, b: number): number;
  idOf(a: number, b: number): number;
}

function pairIndex(aCount: number, bCount: number): PairIndex {
  const table = aCount * bCount <= 1 << 22 ? new Int32Array(aCount * bCount).fill(-1) : null;
  const index = new Map<number, number>();
  const pa: number[] = [];
  const pb: number[] = [];
  return {
    a: pa,
    b: pb,
    add(x: number, y: number): number {
      const key = x * bCount + y;
      let k = table === null ? (index.get(key) ?? -1) : table[key];
      if (k < 0) {
        k = pa.length;
        if (table === null) index.set(key, k);
        else table[key] = k;
        pa.push(x);
        pb.push(y);
      }
      return k;
    },
    idOf(x: number, y: number): number {
      if (x < 0 || y < 0 || x >= aCount || y >= bCount) return -1;
      return table === null ? (index.get(x * bCount + y) ?? -1) : table[x * bCount + y];
    },
  };
}

/** A campaign row's identity: channel key and campaign. */
export const campaignKey = (r: Pick<AcquisitionRow, "channel" | "campaign">): string =>
  `${r.channel}\u0000${r.campaign}`;

/** The first `limit` campaign rows by new customers (ties: channel, then campaign). */
export function topCampaigns(
  campaigns: readonly AcquisitionRow[],
  limit: number,
): AcquisitionRow[] {
  return [...campaigns]
    .sort(
      (a, b) =>
        b.newCustomers - a.newCustomers ||
        a.channel.localeCompare(b.channel) ||
        (a.campaign ?? "").localeCompare(b.campaign ?? ""),
    )
    .slice(0, limit);
}

/**
 * The acquisition report. Linear in purchases; the groupings (channel, channel × month,
 * campaign, campaign × month) each add one pass over the customers.
 */
export function acquisitionReport(
  history: PurchaseHistory,
  attribution: CustomerAttribution,
  spend: readonly MarketingSpend[],
  options: AcquisitionOptions,
  facts?: CustomerFacts,
): AcquisitionReport {
  const windowDays = options.windowDays ?? 90;
  const ltvMonths = [...(options.ltvMonths ?? [3, 6, 12, 24])];
  const ltvCacMonths = options.ltvCacMonths ?? 12;
  const horizon = options.paybackHorizonMonths ?? 24;
  const { marginRate } = options;
  if (marginRate !== null && !(marginRate > 0 && marginRate <= 1)) {
    throw new RangeError("marginRate must be in (0, 1] or null");
  }
  if (!ltvMonths.includes(ltvCacMonths)) throw new RangeError("ltvCacMonths must be in ltvMonths");
  if (attribution.channel.length !== history.customerCount) {
    throw new RangeError("attribution must have one entry per customer");
  }
  const maxMonths = Math.max(horizon, ...ltvMonths);
  const f = facts ?? customerFacts(history, { asOfDay: options.asOfDay, windowDays, maxMonths });
  if (f.options.maxMonths < maxMonths || f.options.windowDays !== windowDays) {
    throw new RangeError("facts were derived with other windowDays or fewer months");
  }
  const asOfMonth = history.monthOf(options.asOfDay);
  const fromMonth = options.fromMonth ?? -Infinity;
  const toMonth = Math.min(options.toMonth ?? Infinity, asOfMonth);

  // Acquisition month of each customer in range; others leave every grouping.
  const n = history.customerCount;
  const { purchaseStart, purchaseDay, monthByDay } = history;
  // Included customers' first purchases are purchase days: in the history's day → month table.
  const minDay = history.minDay;
  let firstMonth = Infinity;
  let lastMonth = -Infinity;
  // Per customer: the acquisition month, then (below) the channel × month group.
  const channelMonthOf = new Int32Array(n);
  for (let c = 0; c < n; c++) {
    let m = -1;
    if (f.included[c]) {
      m = monthByDay[purchaseDay[purchaseStart[c]] - minDay];
      if (m < fromMonth || m > toMonth) m = -1;
      else {
        if (m < firstMonth) firstMonth = m;
        if (m > lastMonth) lastMonth = m;
      }
    }
    channelMonthOf[c] = m;
  }
  const months = lastMonth >= firstMonth ? lastMonth - firstMonth + 1 : 0;
  // The groups in first-seen customer order: (channel, campaign) pairs, channel × month and
  // (channel, campaign) × month, in one pass.
  const channelCount = attribution.channels.length;
  const campaignPairs = pairIndex(channelCount, Math.max(1, attribution.campaigns.length));
  const channelMonth = pairIndex(channelCount, Math.max(1, months));
  const campaignMonth = pairIndex(
    channelCount * Math.max(1, attribution.campaigns.length),
    Math.max(1, months),
  );
  const campaignMonthOf = new Int32Array(n);
  for (let c = 0; c < n; c++) {
    const m = channelMonthOf[c];
    const ch = m < 0 ? -1 : attribution.channel[c];
    if (ch < 0) {
      channelMonthOf[c] = -1;
      campaignMonthOf[c] = -1;
      continue;
    }
    const slot = m - firstMonth;
    channelMonthOf[c] = channelMonth.add(ch, slot);
    const campaign = attribution.campaign[c];
    campaignMonthOf[c] =
      campaign < 0 ? -1 : campaignMonth.add(campaignPairs.add(ch, campaign), slot);
  }

  // Spend: channel names → keys, campaigns normalised; months outside the range dropped.
  const keyOf = new Map<string, string>();
  for (const ch of attribution.channels) {
    keyOf.set(normaliseAttribution(ch.key), ch.key);
    if (ch.label !== null) keyOf.set(normaliseAttribution(ch.label), ch.key);
  }
  for (const [alias, key] of options.channelAliases ?? []) {
    const name = normaliseAttribution(alias);
    if (!keyOf.has(name)) keyOf.set(name, key);
  }
  // Spend per (channel, month) and (channel, campaign, month). CAC follows cac.ts: spend ÷
  // the new customers of the months that have spend, counted from the groupings below
  // (no extra pass over the customers).
  const unmatched = new Map<string, number>();
  const campaignIndex = new Map<string, number>();
  attribution.campaigns.forEach((name, k) => campaignIndex.set(name, k));
  const channelSpend = new Map<number, Map<number, number>>();
  const campaignSpend = new Map<
    string,
    { channel: number; campaign: string; months: Map<number, number> }
  >();
  const channelCodeOf = new Map<string, number>();
  attribution.channels.forEach((ch, k) => channelCodeOf.set(ch.key, k));
  const addTo = (months: Map<number, number>, m: number, amount: number) =>
    months.set(m, (months.get(m) ?? 0) + amount);
  for (const s of spend) {
    const m = parseMonth(s.month);
    if (m < fromMonth || m > toMonth) continue;
    const key = keyOf.get(normaliseAttribution(s.channel));
    const code = key === undefined ? undefined : channelCodeOf.get(key);
    if (code === undefined) {
      unmatched.set(s.channel, (unmatched.get(s.channel) ?? 0) + s.amountMinor);
      continue;
    }
    let months = channelSpend.get(code);
    if (months === undefined) channelSpend.set(code, (months = new Map()));
    addTo(months, m, s.amountMinor);
    const camp = normaliseAttribution(s.campaign ?? "");
    if (camp !== "") {
      const id = `${code}${SEP}${camp}`;
      let entry = campaignSpend.get(id);
      if (entry === undefined) {
        campaignSpend.set(id, (entry = { channel: code, campaign: camp, months: new Map() }));
      }
      addTo(entry.months, m, s.amountMinor);
    }
  }

  // One pass for the month groupings; the totals per channel and campaign are their sums.
  const [channelMonthStats, campaignMonthStats] = groupStatsByCodes(f, [
    { code: channelMonthOf, groupCount: channelMonth.a.length },
    { code: campaignMonthOf, groupCount: campaignMonth.a.length },
  ]);
  const channelStats = mergeGroups(channelMonthStats, channelMonth.a, channelCount);
  const campaignStats = mergeGroups(campaignMonthStats, campaignMonth.a, campaignPairs.a.length);
  const stats = {
    channels: channelStats,
    channelMonths: channelMonthStats,
    campaigns: campaignStats,
    campaignMonths: campaignMonthStats,
  };

  type CacCell = { spend: number; cac: Metric };
  /** Overall cell of a spend series; customersIn(m) = the row's new customers of month m. */
  const overallCell = (
    name: string,
    months: Map<number, number> | undefined,
    customersIn: (m: number) => number,
  ): CacCell | undefined => {
    if (months === undefined) return undefined;
    let total = 0;
    let base = 0;
    for (const [m, amount] of months) {
      total += amount;
      base += customersIn(m);
    }
    return { spend: total, cac: channelCac(name, total, base, null) };
  };
  const monthCell = (
    name: string,
    months: Map<number, number> | undefined,
    m: number,
    customers: number,
  ): CacCell | undefined => {
    const amount = months?.get(m);
    return amount === undefined
      ? undefined
      : { spend: amount, cac: channelCac(name, amount, customers, m) };
  };
  const customersOf = (s: GroupStats, id: number) => (id < 0 ? 0 : s.customers[id]);

  // Stats of a campaign that has spend but no customer.
  const none: GroupStats = {
    groupCount: 1,
    maxMonths: f.options.maxMonths,
    customers: new Int32Array(1),
    repeaters: new Int32Array(1),
    f2Base: new Int32Array(1),
    f2Converted: new Int32Array(1),
    subscriptionBase: new Int32Array(1),
    subscriptionConverted: new Int32Array(1),
    ltvNet: new Float64Array(f.options.maxMonths + 1),
    ltvCustomers: new Int32Array(f.options.maxMonths + 1),
  };
  const row = (
    s: GroupStats,
    g: number,
    channelKey: string,
    campaignName: string | null,
    month: string | null,
    cell: CacCell | undefined,
  ): AcquisitionRow => {
    const ltv = ltvMonths.map((k) => ltvAt(s, g, k));
    const cacValue = cell?.cac.value ?? null;
    return {
      channel: channelKey,
      campaign: campaignName,
      month,
      newCustomers: s.customers[g],
      spendMinor: cell?.spend ?? 0,
      cac: cell?.cac ?? null,
      f2: share(s.f2Converted[g], s.f2Base[g]),
      repeat: share(s.repeaters[g], s.customers[g]),
      ltv,
      ltvToCac: ltvCacRatio(
        ltv[ltvMonths.indexOf(ltvCacMonths)],
        cacValue,
        marginRate,
        ltvCacMonths,
      ),
      payback: paybackOf(ltvCurve(s, g).subarray(0, horizon), cacValue, marginRate),
    };
  };

  const channels: AcquisitionRow[] = [];
  attribution.channels.forEach((ch, g) => {
    const months = channelSpend.get(g);
    if (stats.channels.customers[g] === 0 && months === undefined) return;
    const cell = overallCell(ch.key, months, (m) =>
      customersOf(stats.channelMonths, channelMonth.idOf(g, m - firstMonth)),
    );
    channels.push(row(stats.channels, g, ch.key, null, null, cell));
  });
  const channelMonths = channelMonth.a.map((ch, g) => {
    const key = attribution.channels[ch].key;
    const m = firstMonth + channelMonth.b[g];
    const cell = monthCell(key, channelSpend.get(ch), m, stats.channelMonths.customers[g]);
    return row(stats.channelMonths, g, key, null, formatMonth(m), cell);
  });
  const campaignSpendOf = (pair: number) =>
    campaignSpend.get(
      `${campaignPairs.a[pair]}${SEP}${attribution.campaigns[campaignPairs.b[pair]]}`,
    )?.months;
  const campaigns = campaignPairs.a.map((ch, g) => {
    const key = attribution.channels[ch].key;
    const name = attribution.campaigns[campaignPairs.b[g]];
    const cell = overallCell(`${key} / ${name}`, campaignSpendOf(g), (m) =>
      customersOf(stats.campaignMonths, campaignMonth.idOf(g, m - firstMonth)),
    );
    return row(stats.campaigns, g, key, name, null, cell);
  });
  // Campaigns with spend but no new customer: a row of their own (CAC has no base).
  for (const entry of campaignSpend.values()) {
    const code = campaignIndex.get(entry.campaign);
    if (code !== undefined && campaignPairs.idOf(entry.channel, code) >= 0) continue;
    const key = attribution.channels[entry.channel].key;
    const cell = overallCell(`${key} / ${entry.campaign}`, entry.months, () => 0);
    campaigns.push(row(none, 0, key, entry.campaign, null, cell));
  }
  const limit = options.campaignMonthCampaigns;
  const kept =
    limit === undefined ? null : new Set(topCampaigns(campaigns, limit).map(campaignKey));
  const campaignMonths: AcquisitionRow[] = [];
  campaignMonth.a.forEach((pair, g) => {
    const m = firstMonth + campaignMonth.b[g];
    const key = attribution.channels[campaignPairs.a[pair]].key;
    const name = attribution.campaigns[campaignPairs.b[pair]];
    if (kept !== null && !kept.has(campaignKey({ channel: key, campaign: name }))) return;
    const cell = monthCell(
      `${key} / ${name}`,
      campaignSpendOf(pair),
      m,
      stats.campaignMonths.customers[g],
    );
    campaignMonths.push(row(stats.campaignMonths, g, key, name, formatMonth(m), cell));
  });
  const byMonth = (a: AcquisitionRow, b: AcquisitionRow) =>
    (a.month ?? "").localeCompare(b.month ?? "");
  return {
    channels,
    channelMonths: channelMonths.sort(byMonth),
    campaigns,
    campaignMonths: campaignMonths.sort(byMonth),
    unmatchedSpend: [...unmatched].map(([ch, amountMinor]) => ({ channel: ch, amountMinor })),
    params: { windowDays, ltvMonths, ltvCacMonths, marginRate },
  };
}
