/**
 * Cohort filters (issue 17): the cohort and continuation tables restricted to each acquisition
 * channel, the top campaigns and entry products, subscription vs one-time first purchase, and
 * a discount code on the first purchase or not — as integer counts per cut
 * (docs/decisions/0059-cohort-filters.md).
 */
import {
  cohortCuts,
  combineCuts,
  concatMemberships,
  membershipOfCodes,
  type CohortCut,
  type CutMembership,
} from "../../analytics/cohort-cuts";
import { formatMonth } from "../../analytics/time";
import { ORDER_DISCOUNT, ORDER_DISCOUNT_UNKNOWN, ORDER_SUBSCRIPTION } from "../../analytics/types";
import { list } from "./json";
import type { AcquisitionStage, Context } from "./stages";
import {
  MAX_COHORT_ROWS,
  type CohortCutDimension,
  type CohortCutJson,
  type CohortCutsBlock,
} from "./types";

/** Columns per cohort row (the cohort page shows at most 36 months). */
export const CUT_MONTHS = 36;
/** Purchase numbers of the continuation table (as continuationByCohort's default). */
export const CUT_PURCHASES = 10;
export const TOP_CAMPAIGNS = 10;
export const TOP_PRODUCTS = 10;

interface CutLabel {
  readonly dimension: CohortCutDimension;
  readonly value: string;
  readonly label: string | null;
}

/** Codes 0..count − 1 ordered by customers (most first, then code), the first `top` kept. */
function topCodes(counts: Int32Array, top: number): number[] {
  const codes: number[] = [];
  for (let k = 0; k < counts.length; k++) if (counts[k] > 0) codes.push(k);
  return codes.sort((a, b) => counts[b] - counts[a] || a - b).slice(0, top);
}

/** One code per customer, recoded to the kept codes' positions (−1 elsewhere). */
function recode(codes: Int32Array, kept: readonly number[], size: number): Int32Array {
  const position = new Int32Array(size).fill(-1);
  kept.forEach((k, i) => (position[k] = i));
  const out = new Int32Array(codes.length);
  for (let c = 0; c < codes.length; c++) out[c] = codes[c] >= 0 ? position[codes[c]] : -1;
  return out;
}

export function cohortCutsBlock(ctx: Context, stage: AcquisitionStage | null): CohortCutsBlock {
  const { history, asOfDay, input } = ctx;
  const n = history.customerCount;
  const { purchaseStart, purchaseDay, purchaseFlags } = history;
  const included = new Uint8Array(n);
  for (let c = 0; c < n; c++) {
    const p = purchaseStart[c];
    if (p < purchaseStart[c + 1] && purchaseDay[p] <= asOfDay) included[c] = 1;
  }

  const parts: CutMembership[] = [];
  // null: a helper cut (everyone, discount not known) the pages never show.
  const labels: (CutLabel | null)[] = [];
  /** Adds a part; returns the index of its first cut. */
  const add = (membership: CutMembership, cut: (k: number) => CutLabel | null) => {
    const first = labels.length;
    parts.push(membership);
    for (let k = 0; k < membership.cutCount; k++) labels.push(cut(k));
    return first;
  };
  const countOf = (codes: Int32Array, size: number) => {
    const counts = new Int32Array(size);
    for (let c = 0; c < n; c++) if (included[c] && codes[c] >= 0) counts[codes[c]]++;
    return counts;
  };

  // Every customer is in exactly one channel: the channels together are the whole shop, so
  // the complements below need no pass of their own. Without channels, one "all" cut.
  let channelsCoverAll = false;
  let channelCuts = 0;
  let firstChannel = 0;
  if (stage !== null) {
    const channels = stage.acquisition.channels;
    channelsCoverAll = true;
    for (let c = 0; c < n; c++) if (included[c] && stage.channelOf[c] < 0) channelsCoverAll = false;
    channelCuts = channels.length;
    firstChannel = add(membershipOfCodes(stage.channelOf, channels.length), (k) => ({
      dimension: "channel",
      value: channels[k].key,
      label: channels[k].label,
    }));
    const campaigns = topCodes(countOf(stage.campaignOf, stage.campaigns.length), TOP_CAMPAIGNS);
    add(
      membershipOfCodes(
        recode(stage.campaignOf, campaigns, stage.campaigns.length),
        campaigns.length,
      ),
      (k) => ({ dimension: "campaign", value: stage.campaigns[campaigns[k]], label: null }),
    );
    const products = input.acquisition?.products ?? [];
    const entry = stage.entryOf;
    const P = products.length;
    const counts = new Int32Array(P);
    for (let i = 0; i < entry.values.length; i++) counts[entry.values[i]]++;
    const kept = topCodes(counts, TOP_PRODUCTS);
    const position = new Int32Array(P).fill(-1);
    kept.forEach((k, i) => (position[k] = i));
    // Several entry products per customer: CSR of the kept ones.
    const start = new Int32Array(n + 1);
    for (let c = 0; c < n; c++) {
      let m = 0;
      for (let i = entry.start[c]; i < entry.start[c + 1]; i++)
        if (position[entry.values[i]] >= 0) m++;
      start[c + 1] = start[c] + m;
    }
    const group = new Int32Array(start[n]);
    for (let c = 0, w = 0; c < n; c++) {
      for (let i = entry.start[c]; i < entry.start[c + 1]; i++) {
        const g = position[entry.values[i]];
        if (g >= 0) group[w++] = g;
      }
    }
    add({ cutCount: kept.length, start, group }, (k) => ({
      dimension: "product",
      value: products[kept[k]],
      label: null,
    }));
  }
  let allCut = -1;
  if (!channelsCoverAll) {
    const everyone = new Int32Array(n);
    for (let c = 0; c < n; c++) everyone[c] = included[c] ? 0 : -1;
    allCut = add(membershipOfCodes(everyone, 1), () => null);
  }

  // First purchase (the first purchase day's orders): subscription; discount used / unknown.
  const subscription = new Int32Array(n).fill(-1);
  const discount = new Int32Array(n).fill(-1);
  let discountUnknown = 0;
  let customers = 0;
  for (let c = 0; c < n; c++) {
    if (!included[c]) continue;
    customers++;
    const flags = purchaseFlags[purchaseStart[c]];
    if (flags & ORDER_SUBSCRIPTION) subscription[c] = 0;
    if (flags & ORDER_DISCOUNT) discount[c] = 0;
    else if (flags & ORDER_DISCOUNT_UNKNOWN) {
      discount[c] = 1;
      discountUnknown++;
    }
  }
  const subscriptionCut = add(membershipOfCodes(subscription, 1), () => ({
    dimension: "first_order",
    value: "subscription",
    label: null,
  }));
  const discountCut = add(membershipOfCodes(discount, 2), (k) =>
    k === 0 ? { dimension: "discount", value: "yes", label: null } : null,
  );

  const asOfMonth = history.monthOf(asOfDay);
  const cuts = cohortCuts(history, concatMemberships(parts), {
    asOfDay,
    fromMonth: asOfMonth - MAX_COHORT_ROWS + 1,
    maxMonths: CUT_MONTHS,
    maxPurchases: CUT_PURCHASES,
  });
  const whole = channelsCoverAll
    ? cuts.slice(firstChannel, firstChannel + channelCuts)
    : [cuts[allCut]];
  const derived: [CohortCut, CutLabel][] = [
    [
      combineCuts(whole, [cuts[subscriptionCut]]),
      { dimension: "first_order", value: "one_time", label: null },
    ],
    [
      combineCuts(whole, [cuts[discountCut], cuts[discountCut + 1]]),
      { dimension: "discount", value: "no", label: null },
    ],
  ];
  const named: [CohortCut, CutLabel][] = [];
  cuts.forEach((cut, g) => {
    const label = labels[g];
    if (label !== null) named.push([cut, label]);
  });
  // First-order and discount choices in a fixed order: subscription, one-time, yes, no.
  const ordered = [
    ...named.filter(([, l]) => l.dimension !== "first_order" && l.dimension !== "discount"),
    ...named.filter(([, l]) => l.dimension === "first_order"),
    derived[0],
    ...named.filter(([, l]) => l.dimension === "discount"),
    derived[1],
  ];
  return {
    asOfMonth: formatMonth(asOfMonth),
    maxMonths: CUT_MONTHS,
    maxPurchases: CUT_PURCHASES,
    customers,
    discountUnknown,
    topCampaigns: TOP_CAMPAIGNS,
    topProducts: TOP_PRODUCTS,
    // Cuts without customers (a default channel nobody came from) are left out.
    cuts: ordered.flatMap(([cut, label]) => (cut.customers > 0 ? [cutJson(cut, label)] : [])),
  };
}

function cutJson(cut: CohortCut, label: CutLabel): CohortCutJson {
  return {
    key: `${label.dimension}:${label.value}`,
    dimension: label.dimension,
    value: label.value,
    label: label.label,
    customers: cut.customers,
    rows: cut.rows.map((row) => ({
      month: row.label,
      size: row.size,
      completeMonths: row.completeMonths,
      activeCustomers: list(row.activeCustomers),
      netMinor: list(row.netMinor),
      reached: list(row.reached),
    })),
    totalReached: list(cut.totalReached),
    netToDateMinor: cut.netToDateMinor,
  };
}
