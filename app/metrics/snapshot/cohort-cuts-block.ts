/**
 * Cohort filters (issue 17): the cohort and continuation tables restricted to each acquisition
 * channel, the top campaigns and entry products, subscription vs one-time first purchase, and
 * a discount code on the first purchase or not — as integer counts per cut
 * (docs/decisions/00XX-cohort-filters.md).
 */
import {
  cohortCuts,
  concatMemberships,
  membershipOfCodes,
  type CohortCut,
  type CutMembership,
} from "../../analytics/cohort-cuts";
import { purchaseProducts } from "../../analytics/entry-products";
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
function recode(codes: Int32Array, kept: readonly number[]): Int32Array {
  const position = new Map(kept.map((k, i) => [k, i]));
  return codes.map((k) => position.get(k) ?? -1);
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
  const labels: CutLabel[] = [];
  const add = (membership: CutMembership, cut: (k: number) => CutLabel) => {
    parts.push(membership);
    for (let k = 0; k < membership.cutCount; k++) labels.push(cut(k));
  };
  const countOf = (codes: Int32Array, size: number) => {
    const counts = new Int32Array(size);
    for (let c = 0; c < n; c++) if (included[c] && codes[c] >= 0) counts[codes[c]]++;
    return counts;
  };

  if (stage !== null) {
    const channels = stage.acquisition.channels;
    add(membershipOfCodes(stage.channelOf, channels.length), (k) => ({
      dimension: "channel",
      value: channels[k].key,
      label: channels[k].label,
    }));
    const campaigns = topCodes(countOf(stage.campaignOf, stage.campaigns.length), TOP_CAMPAIGNS);
    add(membershipOfCodes(recode(stage.campaignOf, campaigns), campaigns.length), (k) => ({
      dimension: "campaign",
      value: stage.campaigns[campaigns[k]],
      label: null,
    }));
    const acq = input.acquisition;
    if (acq !== undefined) {
      const P = acq.products.length;
      const { entry } = purchaseProducts(
        history,
        input.orders,
        acq.lineItems,
        P,
        asOfDay,
        included,
      );
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
        value: acq.products[kept[k]],
        label: null,
      }));
    }
  }

  // First purchase (the first purchase day's orders): subscription or one-time; discount.
  const firstOrder = new Int32Array(n).fill(-1);
  const discount = new Int32Array(n).fill(-1);
  let discountUnknown = 0;
  let customers = 0;
  for (let c = 0; c < n; c++) {
    if (!included[c]) continue;
    customers++;
    const flags = purchaseFlags[purchaseStart[c]];
    firstOrder[c] = flags & ORDER_SUBSCRIPTION ? 0 : 1;
    if (flags & ORDER_DISCOUNT) discount[c] = 0;
    else if (flags & ORDER_DISCOUNT_UNKNOWN) discountUnknown++;
    else discount[c] = 1;
  }
  const FIRST = ["subscription", "one_time"];
  const DISCOUNT = ["yes", "no"];
  add(membershipOfCodes(firstOrder, 2), (k) => ({
    dimension: "first_order",
    value: FIRST[k],
    label: null,
  }));
  add(membershipOfCodes(discount, 2), (k) => ({
    dimension: "discount",
    value: DISCOUNT[k],
    label: null,
  }));

  const asOfMonth = history.monthOf(asOfDay);
  const cuts = cohortCuts(history, concatMemberships(parts), {
    asOfDay,
    fromMonth: asOfMonth - MAX_COHORT_ROWS + 1,
    maxMonths: CUT_MONTHS,
    maxPurchases: CUT_PURCHASES,
  });
  return {
    asOfMonth: formatMonth(asOfMonth),
    maxMonths: CUT_MONTHS,
    maxPurchases: CUT_PURCHASES,
    customers,
    discountUnknown,
    topCampaigns: TOP_CAMPAIGNS,
    topProducts: TOP_PRODUCTS,
    // Cuts without customers (a default channel nobody came from) are left out.
    cuts: cuts.flatMap((cut, g) => (cut.customers > 0 ? [cutJson(cut, labels[g])] : [])),
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
  };
}
