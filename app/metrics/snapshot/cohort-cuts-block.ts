/**
 * Cohort filters (issue 17): the cohort and continuation tables restricted to each acquisition
 * channel, the top campaigns and entry products, subscription vs one-time first purchase, and
 * a discount code on the first purchase or not — as integer counts per cut
 * (docs/decisions/0059-cohort-filters.md).
 */
import {
  cohortCuts,
  combineCuts,
  type CohortCut,
  type CutMembership,
} from "../../analytics/cohort-cuts";
import { yoyCounts, type SegmentMigration } from "../../analytics/migration";
import {
  combineMigrationCuts,
  migrationCuts,
  type MigrationCut,
} from "../../analytics/migration-cuts";
import type { PurchaseHistory } from "../../analytics/history";
import { formatMonth, type DayRange } from "../../analytics/time";
import { ORDER_DISCOUNT, ORDER_DISCOUNT_UNKNOWN, ORDER_SUBSCRIPTION } from "../../analytics/types";
import { list, plain } from "./json";
import type { AcquisitionStage, CohortCutsStage, Context } from "./stages";
import {
  MAX_COHORT_ROWS,
  type CohortCutDimension,
  type CohortCutJson,
  type CohortCutsBlock,
  type MigrationCutJson,
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

/** Cut index of each code: the kept codes get first + their position, the others −1. */
function positions(kept: readonly number[], size: number, first: number): Int32Array {
  const at = new Int32Array(size).fill(-1);
  kept.forEach((k, i) => (at[k] = first + i));
  return at;
}

/** The migration page's periods (the snapshot's migration block): YoY and segment dates. */
export interface CutMigrationInput {
  readonly current: DayRange;
  readonly segments: SegmentMigration;
}

export function cohortCutsBlock(
  ctx: Context,
  stage: AcquisitionStage | null,
  migration?: CutMigrationInput,
): CohortCutsBlock {
  return cohortCutsStage(ctx, stage, migration).block;
}

export function cohortCutsStage(
  ctx: Context,
  stage: AcquisitionStage | null,
  migration?: CutMigrationInput,
): CohortCutsStage {
  const { history, asOfDay, input } = ctx;
  const n = history.customerCount;
  const { purchaseStart, purchaseDay, purchaseFlags } = history;
  // First purchase ≤ asOfDay: the acquisition stage's customer facts have it.
  let included = stage?.included;
  if (included === undefined) {
    included = new Uint8Array(n);
    for (let c = 0; c < n; c++) {
      const p = purchaseStart[c];
      if (p < purchaseStart[c + 1] && purchaseDay[p] <= asOfDay) included[c] = 1;
    }
  }

  // null: a helper cut (everyone, discount not known) the pages never show.
  const labels: (CutLabel | null)[] = [];
  // Every customer is in exactly one channel: the channels together are the whole shop, so
  // the complements below need no pass of their own. Without channels, one "all" cut.
  let channelsCoverAll = false;
  let channelCuts = 0;
  const firstChannel = 0;
  let campaignAt: Int32Array | null = null;
  let productAt: Int32Array | null = null;
  // Included customers; and the memberships below, counted to size them exactly.
  let customers = 0;
  let memberships = 0;
  let firstOrderCuts = 0;
  const campaignCounts = new Int32Array(stage?.campaigns.length ?? 0);
  for (let c = 0; c < n; c++) {
    if (!included[c]) continue;
    customers++;
    const flags = purchaseFlags[purchaseStart[c]];
    if (flags & ORDER_SUBSCRIPTION) firstOrderCuts++;
    if (flags & (ORDER_DISCOUNT | ORDER_DISCOUNT_UNKNOWN)) firstOrderCuts++;
    if (stage === null) continue;
    if (stage.channelOf[c] >= 0) memberships++;
    if (stage.campaignOf[c] >= 0) campaignCounts[stage.campaignOf[c]]++;
  }
  memberships += firstOrderCuts;
  if (stage !== null) {
    const channels = stage.acquisition.channels;
    channelsCoverAll = memberships - firstOrderCuts === customers;
    channelCuts = channels.length;
    channels.forEach((ch) => labels.push({ dimension: "channel", value: ch.key, label: ch.label }));
    const campaigns = topCodes(campaignCounts, TOP_CAMPAIGNS);
    campaignAt = positions(campaigns, stage.campaigns.length, labels.length);
    for (const k of campaigns) {
      labels.push({ dimension: "campaign", value: stage.campaigns[k], label: null });
      memberships += campaignCounts[k];
    }
    const products = input.acquisition?.products ?? [];
    const entry = stage.entryOf;
    const productCounts = new Int32Array(products.length);
    for (let i = 0; i < entry.values.length; i++) productCounts[entry.values[i]]++;
    const kept = topCodes(productCounts, TOP_PRODUCTS);
    productAt = positions(kept, products.length, labels.length);
    for (const k of kept) {
      labels.push({ dimension: "product", value: products[k], label: null });
      memberships += productCounts[k];
    }
  }
  const allCut = channelsCoverAll ? -1 : labels.length;
  if (allCut >= 0) labels.push(null);
  const subscriptionCut = labels.length;
  labels.push({ dimension: "first_order", value: "subscription", label: null });
  const discountCut = labels.length;
  labels.push({ dimension: "discount", value: "yes", label: null }, null);

  // Each included customer's cuts, CSR in the order above (channel, campaign, entry products,
  // everyone, first purchase, discount), built in one pass. The first purchase is the
  // history's first shop-local day's orders: subscription; discount used / not known.
  const start = new Int32Array(n + 1);
  // Sized by the counts above (entry products are only ever those of included customers).
  const size = memberships + (allCut >= 0 ? customers : 0);
  // A byte per membership while there are at most 256 cuts (about 40 in practice).
  const group = labels.length <= 256 ? new Uint8Array(size) : new Int32Array(size);
  let w = 0;
  let discountUnknown = 0;
  for (let c = 0; c < n; c++) {
    if (included[c]) {
      if (stage !== null && campaignAt !== null && productAt !== null) {
        const channel = stage.channelOf[c];
        if (channel >= 0) group[w++] = channel;
        const campaign = stage.campaignOf[c];
        if (campaign >= 0 && campaignAt[campaign] >= 0) group[w++] = campaignAt[campaign];
        const entry = stage.entryOf;
        for (let i = entry.start[c]; i < entry.start[c + 1]; i++) {
          const g = productAt[entry.values[i]];
          if (g >= 0) group[w++] = g;
        }
      }
      if (allCut >= 0) group[w++] = allCut;
      const flags = purchaseFlags[purchaseStart[c]];
      if (flags & ORDER_SUBSCRIPTION) group[w++] = subscriptionCut;
      if (flags & ORDER_DISCOUNT) group[w++] = discountCut;
      else if (flags & ORDER_DISCOUNT_UNKNOWN) {
        group[w++] = discountCut + 1;
        discountUnknown++;
      }
    }
    start[c + 1] = w;
  }

  const asOfMonth = history.monthOf(asOfDay);
  const membership: CutMembership = { cutCount: labels.length, start, group: group.subarray(0, w) };
  const cuts = cohortCuts(history, membership, {
    asOfDay,
    fromMonth: asOfMonth - MAX_COHORT_ROWS + 1,
    maxMonths: CUT_MONTHS,
    maxPurchases: CUT_PURCHASES,
  });
  const whole = channelsCoverAll
    ? cuts.slice(firstChannel, firstChannel + channelCuts)
    : [cuts[allCut]];
  // The migration page's counts over the same memberships, complements alike.
  const moves =
    migration === undefined
      ? null
      : migrationCuts(history, membership, migration.current, migration.segments);
  const wholeMoves =
    moves === null
      ? []
      : channelsCoverAll
        ? moves.slice(firstChannel, firstChannel + channelCuts)
        : [moves[allCut]];
  const derived: [CohortCut, CutLabel, MigrationCut | null][] = [
    [
      combineCuts(whole, [cuts[subscriptionCut]]),
      { dimension: "first_order", value: "one_time", label: null },
      moves && combineMigrationCuts(wholeMoves, [moves[subscriptionCut]]),
    ],
    [
      combineCuts(whole, [cuts[discountCut], cuts[discountCut + 1]]),
      { dimension: "discount", value: "no", label: null },
      moves && combineMigrationCuts(wholeMoves, [moves[discountCut], moves[discountCut + 1]]),
    ],
  ];
  const named: [CohortCut, CutLabel, MigrationCut | null][] = [];
  cuts.forEach((cut, g) => {
    const label = labels[g];
    if (label !== null) named.push([cut, label, moves && moves[g]]);
  });
  // First-order and discount choices in a fixed order: subscription, one-time, yes, no.
  const ordered = [
    ...named.filter(([, l]) => l.dimension !== "first_order" && l.dimension !== "discount"),
    ...named.filter(([, l]) => l.dimension === "first_order"),
    derived[0],
    ...named.filter(([, l]) => l.dimension === "discount"),
    derived[1],
  ];
  const block: CohortCutsBlock = {
    asOfMonth: formatMonth(asOfMonth),
    maxMonths: CUT_MONTHS,
    maxPurchases: CUT_PURCHASES,
    customers,
    discountUnknown,
    topCampaigns: TOP_CAMPAIGNS,
    topProducts: TOP_PRODUCTS,
    // Cuts without customers (a default channel nobody came from) are left out.
    cuts: ordered.flatMap(([cut, label, moved]) =>
      cut.customers > 0 ? [cutJson(cut, label, moved)] : [],
    ),
  };
  const keys = labels.map((l) => (l === null ? null : `${l.dimension}:${l.value}`));
  return { block, membership, keys, included };
}

function migrationJson(cut: MigrationCut, size: number): MigrationCutJson {
  const square = (values: ArrayLike<number>) => {
    const flat = list(values);
    return Array.from({ length: size }, (_, r) => flat.slice(r * size, (r + 1) * size));
  };
  const { currentRevenueMinor: revenue, ...counts } = yoyCounts(cut);
  return {
    ...counts,
    currentRevenueMinor: {
      new: plain(revenue.new),
      retained: plain(revenue.retained),
      reactivated: plain(revenue.reactivated),
    },
    segmentCounts: square(cut.counts),
    segmentRevenueMinor: square(cut.revenueMinor),
  };
}

function cutJson(cut: CohortCut, label: CutLabel, moved: MigrationCut | null): CohortCutJson {
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
    ...(moved === null ? {} : { migration: migrationJson(moved, Math.sqrt(moved.counts.length)) }),
  };
}

/**
 * Mean predicted CLV of each cut's customers that the model covers (the CLV stage's
 * per-customer values, NaN where the model has none), as predictedLtvByChannel does per
 * channel: one pass over the memberships. The complements (one-time, no code) are summed
 * directly from the first purchase's flags, not subtracted (the predictions are not
 * integers). Cuts without a modelled customer are left out.
 */
export function predictedLtvByCut(
  stage: CohortCutsStage,
  history: Pick<PurchaseHistory, "purchaseStart" | "purchaseFlags">,
  clv: Float64Array,
  horizonMonths: number,
): NonNullable<CohortCutsBlock["predictedLtv"]> {
  const { membership, keys, included } = stage;
  const { start, group, cutCount } = membership;
  const { purchaseStart, purchaseFlags } = history;
  // Membership cuts, then one-time and no code.
  const oneTime = cutCount;
  const noCode = cutCount + 1;
  const sum = new Float64Array(cutCount + 2);
  const count = new Int32Array(cutCount + 2);
  for (let c = 0; c < included.length; c++) {
    if (!included[c]) continue;
    const value = clv[c];
    if (!Number.isFinite(value)) continue;
    for (let j = start[c]; j < start[c + 1]; j++) {
      sum[group[j]] += value;
      count[group[j]]++;
    }
    const flags = purchaseFlags[purchaseStart[c]];
    if (!(flags & ORDER_SUBSCRIPTION)) {
      sum[oneTime] += value;
      count[oneTime]++;
    }
    if (!(flags & (ORDER_DISCOUNT | ORDER_DISCOUNT_UNKNOWN))) {
      sum[noCode] += value;
      count[noCode]++;
    }
  }
  const keyOf = [...keys, "first_order:one_time", "discount:no"];
  // In the block's cut order.
  const at = new Map(keyOf.map((k, g) => [k, g]));
  const cuts = [];
  for (const cut of stage.block.cuts) {
    const g = at.get(cut.key);
    if (g === undefined || count[g] === 0) continue;
    cuts.push({ key: cut.key, customers: count[g], meanClvMinor: sum[g] / count[g] });
  }
  return { horizonMonths, cuts };
}
