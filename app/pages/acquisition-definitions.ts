/**
 * Definitions of the acquisition and entry-product figures (docs/decisions/0051), in the
 * engine's MetricDefinition shape so MetricInfo shows them like every other metric: English
 * text here with the parameters filled in, Japanese by id in app/messages/ja.ts.
 */
import type { MetricDefinition, MetricParams, MetricUnit } from "../analytics/metric";

const def = (
  id: string,
  name: string,
  text: string,
  base: string,
  unit: MetricUnit,
  params: MetricParams = {},
): MetricDefinition => ({ id, name, text, base, unit, params });

export interface AcquisitionParams {
  readonly windowDays: number;
  readonly ltvCacMonths: number;
  /** "costs" | "setting" | "none" (MarginBasis.basis). */
  readonly marginBasis: string;
  /** The CLV model's horizon (AcquisitionBlock.predictedLtv), 0 when it was not fitted. */
  readonly predictedMonths: number;
}

export function acquisitionDefinitions(p: AcquisitionParams) {
  const params = { ...p };
  return {
    newCustomers: def(
      "acq_new_customers",
      "New customers",
      "Customers whose first purchase (the first order that is neither cancelled nor a test, with the other orders of that day) falls in the period, by the first touch of that first order.",
      "Customers acquired in the period",
      "count",
      params,
    ),
    spend: def(
      "acq_spend",
      "Spend",
      "Marketing spend entered for the channel (or the campaign) for the months of the period; spend whose channel matches no channel is listed separately and never attributed.",
      "Spend entries of the period",
      "minor",
      params,
    ),
    cac: def(
      "acq_cac",
      "CAC",
      "Spend ÷ the new customers of the months that have spend.",
      "New customers of the months with spend",
      "minor",
      params,
    ),
    f2: def(
      "acq_f2",
      "F2 rate",
      `Share of new customers who made a second purchase within ${p.windowDays} days of the first.`,
      `New customers whose first purchase is at least ${p.windowDays} days old`,
      "ratio",
      params,
    ),
    repeat: def(
      "acq_repeat",
      "Repeat rate",
      "Share of new customers with two or more purchases by the as-of date.",
      "New customers",
      "ratio",
      params,
    ),
    ltv: def(
      "acq_ltv",
      "Historical LTV",
      "Net revenue after refunds per customer of the purchases made within N months of the first purchase (the margin basis below says whether it is revenue or gross profit).",
      "Customers observed for the whole N months (shown under each value)",
      "minor",
      params,
    ),
    predictedLtv: def(
      "acq_predicted_ltv",
      "Predicted LTV",
      `The CLV model's prediction (BG/NBD with Gamma-Gamma), not observed purchases: net revenue a customer is expected to bring over the next ${p.predictedMonths} months, averaged over the channel's customers the model covers. Always revenue, whatever the margin basis.`,
      "The channel's customers the model covers (shown under each value)",
      "minor",
      params,
    ),
    ltvToCac: def(
      "acq_ltv_to_cac",
      "LTV:CAC",
      `${p.ltvCacMonths}-month LTV × gross margin ÷ CAC. Without a gross margin, spend or an observed customer it says what is missing instead of a number.`,
      `Customers observed for ${p.ltvCacMonths} months, and the CAC's new customers`,
      "multiple",
      params,
    ),
    payback: def(
      "acq_payback",
      "Payback",
      "The first month after the first purchase by which LTV × gross margin covers the CAC, searched over the months observed (up to 24).",
      "Customers observed for each month of the curve",
      "months",
      params,
    ),
  };
}

export interface EntryParams {
  readonly windowDays: number;
}

export function entryDefinitions(p: EntryParams) {
  const params = { ...p };
  return {
    customers: def(
      "entry_customers",
      "Customers",
      "Customers whose first purchase held the product. A first purchase with several products counts once for each, so the rows add up to more than the customers.",
      "Customers acquired by the as-of date",
      "count",
      params,
    ),
    f2: def(
      "entry_f2",
      "F2 rate",
      `Share of the product's customers who made a second purchase within ${p.windowDays} days of the first.`,
      `The product's customers whose first purchase is at least ${p.windowDays} days old`,
      "ratio",
      params,
    ),
    repeat: def(
      "entry_repeat",
      "Repeat rate",
      "Share of the product's customers with two or more purchases by the as-of date.",
      "The product's customers",
      "ratio",
      params,
    ),
    ltv: def(
      "entry_ltv",
      "Historical LTV",
      "Net revenue after refunds per customer of the purchases made within N months of the first purchase.",
      "The product's customers observed for the whole N months (shown under each value)",
      "minor",
      params,
    ),
    toSubscription: def(
      "entry_to_subscription",
      "To subscription",
      "Share of the customers whose first purchase was not a subscription who bought a subscription later, by the as-of date.",
      "The product's customers whose first purchase was not a subscription",
      "ratio",
      params,
    ),
    gaps: def(
      "entry_gaps",
      "Days between purchases",
      "Days from the first to the second purchase (and from the second to the third), with quartiles and the day by which 50 % and 80 % of those purchases had happened.",
      "Repeaters only: customers who made the second (third) purchase by the as-of date",
      "days",
      params,
    ),
  };
}

/** How a grouped entry table (by product type, by collection) names its group. */
interface EntryGroup {
  /** Metric id part: entry_<id>_customers, … */
  readonly id: string;
  /** "type": "the type's customers". */
  readonly noun: string;
  readonly customersText: string;
  readonly customersBase: string;
}

/** The grouped tables' figures: the entry-product ones, per group of the entry products. */
function entryGroupDefinitions(group: EntryGroup, p: EntryParams) {
  const params = { ...p };
  const whose = `The ${group.noun}'s customers`;
  return {
    customers: def(
      `entry_${group.id}_customers`,
      "Customers",
      group.customersText,
      group.customersBase,
      "count",
      params,
    ),
    f2: def(
      `entry_${group.id}_f2`,
      "F2 rate",
      `Share of the ${group.noun}'s customers who made a second purchase within ${p.windowDays} days of the first.`,
      `${whose} whose first purchase is at least ${p.windowDays} days old`,
      "ratio",
      params,
    ),
    repeat: def(
      `entry_${group.id}_repeat`,
      "Repeat rate",
      `Share of the ${group.noun}'s customers with two or more purchases by the as-of date.`,
      whose,
      "ratio",
      params,
    ),
    ltv: def(
      `entry_${group.id}_ltv`,
      "Historical LTV",
      "Net revenue after refunds per customer of the purchases made within N months of the first purchase.",
      `${whose} observed for the whole N months (shown under each value)`,
      "minor",
      params,
    ),
    toSubscription: def(
      `entry_${group.id}_to_subscription`,
      "To subscription",
      "Share of the customers whose first purchase was not a subscription who bought a subscription later, by the as-of date.",
      `${whose} whose first purchase was not a subscription`,
      "ratio",
      params,
    ),
    median: def(
      `entry_${group.id}_median`,
      "Median days to 2nd",
      "Days from the first to the second purchase, median (nearest rank).",
      `${whose} who made a second purchase by the as-of date`,
      "days",
      params,
    ),
  };
}

/** The product-type table's figures: the entry-product ones, per type of the entry products. */
export function entryTypeDefinitions(p: EntryParams) {
  return entryGroupDefinitions(
    {
      id: "type",
      noun: "type",
      customersText:
        "Customers whose first purchase held a product of the type. A customer counts once per type: two products of one type count once, products of two types count in each row, so the rows add up to more than the customers.",
      customersBase:
        "Customers acquired by the as-of date whose first purchase holds a product with a synced type",
    },
    p,
  );
}

/** The collection table's figures (docs/decisions/0069-collections.md). */
export function entryCollectionDefinitions(p: EntryParams) {
  return entryGroupDefinitions(
    {
      id: "collection",
      noun: "collection",
      customersText:
        "Customers whose first purchase held a product of the collection. A product in several collections counts in each of them, and a customer counts once per collection, so the rows add up to more than the customers.",
      customersBase:
        "Customers acquired by the as-of date whose first purchase holds a product in a synced collection",
    },
    p,
  );
}
