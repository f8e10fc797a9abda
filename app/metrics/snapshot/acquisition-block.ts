/**
 * The acquisition and entry-product blocks (issue 17): first-touch channels through the
 * merchant's rules, acquisition by channel and campaign against the marketing spend, entry
 * products; LTV as gross profit when the shop has unit costs
 * (docs/decisions/0054-acquisition-compute.md).
 */
import {
  acquisitionReport,
  campaignKey,
  topCampaigns,
  type AcquisitionReport,
  type AcquisitionRow,
} from "../../analytics/acquisition";
import { attributeCustomers } from "../../analytics/channels";
import { customerFacts } from "../../analytics/customer-groups";
import {
  entryCollectionReport,
  entryProductReport,
  entryTypeReport,
  purchaseProducts,
} from "../../analytics/entry-products";
import { withPurchaseNet } from "../../analytics/history";
import type { OrderTable } from "../../analytics/types";
import { defaultChannelAliases } from "../../channel-names";
import { cleanMetric } from "./json";
import {
  JOURNEY_NONE,
  JOURNEY_VISIT,
  type AcquisitionInput,
  type AcquisitionStage,
  type Context,
  type OrderLineItems,
} from "./stages";
import {
  MAX_CAMPAIGN_MONTH_CAMPAIGNS,
  MAX_ENTRY_COLLECTIONS,
  MAX_ENTRY_PRODUCTS,
  MAX_ENTRY_TYPES,
  type AcquisitionBlock,
  type MarginBasis,
} from "./types";

/** Longest LTV horizon the acquisition report reads (LTV 24 and payback ≤ 24 months). */
const MAX_LTV_MONTHS = 24;

/** Profit of each order and what it was taken from (lines with and without a cost). */
export interface OrderProfit {
  /** Per OrderTable row: gross profit, minor units (guest and dropped orders: net × rate). */
  readonly profitMinor: Float64Array;
  readonly linesWithCost: number;
  readonly linesWithoutCost: number;
  /** Rate applied to lines without a cost and to orders without line items. */
  readonly uncostedRate: number;
  readonly uncostedRateSource: "setting" | "costed_lines";
}

/**
 * Gross profit per order from unit costs: Σ over its line items of the line's net revenue
 * for the units kept (netMinor × currentQuantity ÷ quantity) minus unit cost × currentQuantity.
 * A line without a cost counts its revenue × the merchant's margin, or, with no margin set,
 * × the margin of the lines that have a cost (their Σ profit ÷ Σ revenue, at least 0); an
 * order without line items (not synced yet) counts its net × that same rate.
 */
export function orderProfit(
  orders: OrderTable,
  lines: OrderLineItems,
  variantCost: Float64Array,
  marginRate: number | null,
): OrderProfit {
  const n = lines.length;
  const revenue = new Float64Array(n);
  const cost = new Float64Array(n).fill(NaN);
  let costedRevenue = 0;
  let costedProfit = 0;
  let withCost = 0;
  for (let i = 0; i < n; i++) {
    const q = lines.quantity[i];
    const kept = lines.currentQuantity[i];
    revenue[i] = q > 0 ? (lines.netMinor[i] * kept) / q : 0;
    const v = lines.variant[i];
    const unit = v >= 0 && v < variantCost.length ? variantCost[v] : NaN;
    if (Number.isNaN(unit)) continue;
    withCost++;
    cost[i] = unit * kept;
    costedRevenue += revenue[i];
    costedProfit += revenue[i] - cost[i];
  }
  const observed = costedRevenue > 0 ? Math.max(0, costedProfit / costedRevenue) : 0;
  const rate = marginRate ?? observed;
  const hasLines = new Uint8Array(orders.length);
  const profitMinor = new Float64Array(orders.length);
  for (let i = 0; i < n; i++) {
    const o = lines.order[i];
    hasLines[o] = 1;
    profitMinor[o] += Number.isNaN(cost[i]) ? revenue[i] * rate : revenue[i] - cost[i];
  }
  for (let o = 0; o < orders.length; o++) {
    if (!hasLines[o]) profitMinor[o] = orders.netMinor[o] * rate;
  }
  return {
    profitMinor,
    linesWithCost: withCost,
    linesWithoutCost: n - withCost,
    uncostedRate: rate,
    uncostedRateSource: marginRate === null ? "costed_lines" : "setting",
  };
}

/**
 * The report's campaign × month rows of its first `limit` campaigns by new customers (ties:
 * channel, then campaign) only: 20 campaigns over 3 years were 2,160 rows, 1.4 MB of a
 * 2.1 MB snapshot, and no page shows them. Campaign totals (report.campaigns) stay whole.
 */
export function topCampaignMonths(
  report: AcquisitionReport,
  limit: number,
): { report: AcquisitionReport; kept: number; total: number } {
  const top = topCampaigns(report.campaigns, limit);
  const keep = new Set(top.map(campaignKey));
  return {
    report: {
      ...report,
      campaignMonths: report.campaignMonths.filter((r) => keep.has(campaignKey(r))),
    },
    kept: top.length,
    total: report.campaigns.length,
  };
}

/** The report with its CAC metrics JSON-safe (NaN/∞ parts → null/0). */
function cleanReport(report: AcquisitionReport): AcquisitionReport {
  const row = (r: AcquisitionRow): AcquisitionRow => ({
    ...r,
    cac: r.cac === null ? null : cleanMetric(r.cac),
  });
  return {
    ...report,
    channels: report.channels.map(row),
    channelMonths: report.channelMonths.map(row),
    campaigns: report.campaigns.map(row),
    campaignMonths: report.campaignMonths.map(row),
  };
}

/** Both blocks, or null when the input carries no first touches and line items. */
export function acquisitionStage(ctx: Context): AcquisitionStage | null {
  const { input, history, asOfDay } = ctx;
  const acq: AcquisitionInput | undefined = input.acquisition;
  if (acq === undefined) return null;
  const { settings } = input;
  const windowDays = settings.f2WindowDays;
  const margin = settings.grossMarginRatio;
  const customerCount = input.customers.count;
  const attribution = attributeCustomers(
    input.orders,
    customerCount,
    acq.attribution,
    settings.channelRules,
  );
  const facts = customerFacts(history, { asOfDay, windowDays, maxMonths: MAX_LTV_MONTHS });

  // LTV on gross profit when the shop has costs; else net revenue × the margin setting.
  let basis: MarginBasis;
  let ltvHistory = history;
  let ltvFacts = facts;
  if (acq.variantCost !== null) {
    const profit = orderProfit(input.orders, acq.lineItems, acq.variantCost, margin);
    // Same orders, flags and days: the same purchases, with profit for net revenue.
    ltvHistory = withPurchaseNet(history, input.orders, profit.profitMinor);
    ltvFacts = { ...facts, history: ltvHistory };
    basis = {
      basis: "costs",
      rate: margin,
      linesWithCost: profit.linesWithCost,
      linesWithoutCost: profit.linesWithoutCost,
      uncostedRate: profit.uncostedRate,
      uncostedRateSource: profit.uncostedRateSource,
    };
  } else {
    basis = {
      basis: margin === null ? "none" : "setting",
      rate: margin,
      linesWithCost: 0,
      linesWithoutCost: acq.lineItems.length,
    };
  }
  const report = acquisitionReport(
    ltvHistory,
    attribution,
    input.marketingSpend,
    {
      asOfDay,
      marginRate: basis.basis === "costs" ? 1 : margin,
      windowDays,
      channelAliases: defaultChannelAliases(),
      // The block keeps these only (topCampaignMonths): the others are not built.
      campaignMonthCampaigns: MAX_CAMPAIGN_MONTH_CAMPAIGNS,
    },
    ltvFacts,
  );

  // Acquired customers by what their first order's first touch is.
  let visit = 0;
  let none = 0;
  let unknown = 0;
  for (let c = 0; c < customerCount; c++) {
    const row = attribution.firstOrder[c];
    if (row < 0 || !facts.included[c]) continue;
    const j = acq.journey[row];
    if (j === JOURNEY_VISIT) visit++;
    else if (j === JOURNEY_NONE) none++;
    else unknown++;
  }

  // Entry products per customer: the report's, and the cohort filters' (cohort-cuts-block).
  const bought = purchaseProducts(
    history,
    input.orders,
    acq.lineItems,
    acq.products.length,
    asOfDay,
    facts.included,
  );
  const entry = entryProductReport(
    history,
    input.orders,
    acq.lineItems,
    acq.products,
    { asOfDay, windowDays },
    facts,
    bought,
  );
  // By product type (docs/decisions/0064-product-types.md): the same customers and facts.
  const typing = acq.productTypes ?? { typeOf: new Int32Array(0), types: [] };
  const byType = entryTypeReport(facts, bought.entry, typing.typeOf, typing.types, {
    ltvMonths: entry.params.ltvMonths,
    shares: entry.params.shares,
    binEdges: entry.params.binEdges,
  });
  let productsTyped = 0;
  for (const t of typing.typeOf) if (t >= 0) productsTyped++;
  // By collection (docs/decisions/0069-collections.md): the same customers and facts.
  const grouping = acq.productCollections ?? {
    collectionsOf: { start: new Int32Array(acq.products.length + 1), values: new Int32Array(0) },
    ids: [],
    titles: [],
  };
  const byCollection = entryCollectionReport(
    facts,
    bought.entry,
    grouping.collectionsOf,
    grouping.titles,
    {
      ltvMonths: entry.params.ltvMonths,
      shares: entry.params.shares,
      binEdges: entry.params.binEdges,
    },
  );
  let productsInCollections = 0;
  const { start: memberStart } = grouping.collectionsOf;
  for (let p = 0; p + 1 < memberStart.length; p++)
    if (memberStart[p + 1] > memberStart[p]) productsInCollections++;
  const cut = topCampaignMonths(report, MAX_CAMPAIGN_MONTH_CAMPAIGNS);
  return {
    acquisition: {
      channels: attribution.channels.map((c) => ({ key: c.key, label: c.label })),
      report: cleanReport(cut.report),
      campaignMonthCampaigns: { kept: cut.kept, total: cut.total },
      margin: basis,
      ltvCacTarget: settings.ltvCacTarget,
      touches: { visit, none, unknown },
    },
    entryProducts: {
      report: { ...entry, products: entry.products.slice(0, MAX_ENTRY_PRODUCTS) },
      totalProducts: entry.products.length,
      byType: {
        ...byType,
        types: byType.types.slice(0, MAX_ENTRY_TYPES),
        totalTypes: byType.types.length,
        productsTyped,
      },
      byCollection: {
        ...byCollection,
        collections: byCollection.collections
          .slice(0, MAX_ENTRY_COLLECTIONS)
          .map((row) => ({ ...row, collectionId: grouping.ids[row.code] ?? "" })),
        totalCollections: byCollection.collections.length,
        productsInCollections,
      },
    },
    channelOf: attribution.channel,
    campaignOf: attribution.campaign,
    campaigns: attribution.campaigns,
    entryOf: bought.entry,
    included: facts.included,
  };
}

/**
 * Mean predicted CLV of each channel's customers (the CLV stage's per-customer values, NaN
 * where the model has none), in block channel order; channels without a modelled customer
 * are left out.
 */
export function predictedLtvByChannel(
  stage: AcquisitionStage,
  clv: Float64Array,
  horizonMonths: number,
): NonNullable<AcquisitionBlock["predictedLtv"]> {
  const K = stage.acquisition.channels.length;
  const sum = new Float64Array(K);
  const count = new Int32Array(K);
  const { channelOf } = stage;
  for (let c = 0; c < channelOf.length; c++) {
    const k = channelOf[c];
    if (k < 0 || !Number.isFinite(clv[c])) continue;
    sum[k] += clv[c];
    count[k]++;
  }
  const channels = [];
  for (let k = 0; k < K; k++) {
    if (count[k] === 0) continue;
    channels.push({
      channel: stage.acquisition.channels[k].key,
      customers: count[k],
      meanClvMinor: sum[k] / count[k],
    });
  }
  return { horizonMonths, channels };
}
