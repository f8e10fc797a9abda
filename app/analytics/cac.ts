/**
 * Customer acquisition cost and what it buys: CAC per month and channel, LTV:CAC and the
 * payback period.
 *
 * A new customer of month m is a customer whose first purchase (not cancelled, not test)
 * was in shop-local month m. Spend is the merchant-entered marketing spend of that month.
 */
import type { LtvCurve } from "./cohorts";
import type { PurchaseHistory } from "./history";
import type { Metric, MetricDefinition } from "./metric";
import { makeMetric } from "./metric";
import { formatMonth, monthRange, parseMonth } from "./time";
import type { CustomerChannels, MarketingSpend } from "./types";

export interface CacChannel {
  readonly channel: string;
  readonly spendMinor: number;
  /** New customers attributed to the channel; null without channel attribution. */
  readonly newCustomers: number | null;
  /** id "cac_channel"; value null without attribution or without new customers. */
  readonly cac: Metric;
}

export interface CacMonth {
  /** "YYYY-MM". */
  readonly month: string;
  readonly spendMinor: number;
  readonly newCustomers: number;
  /** id "cac": all spend of the month ÷ all new customers of the month. */
  readonly cac: Metric;
  readonly channels: readonly CacChannel[];
}

export interface CacResult {
  /** Months that have spend entries, oldest first. */
  readonly months: readonly CacMonth[];
  /** Over all those months: Σ spend ÷ Σ new customers. */
  readonly total: Metric;
  /** Per channel over all months. */
  readonly channels: readonly CacChannel[];
}

const cacDefinition = (channel: string | null, attributed: boolean): MetricDefinition =>
  channel === null
    ? {
        id: "cac",
        name: "Customer acquisition cost",
        text: "Marketing spend of the period divided by the number of customers whose first purchase was in the period.",
        base: "Customers whose first purchase (not cancelled, not test) was in the period",
        unit: "minor",
        params: {},
      }
    : {
        id: "cac_channel",
        name: "Customer acquisition cost by channel",
        text: attributed
          ? `Marketing spend on ${channel} in the period divided by the customers acquired through ${channel} whose first purchase was in the period.`
          : `Marketing spend on ${channel} in the period; no per-channel CAC without customer channel attribution.`,
        base: `Customers attributed to ${channel} whose first purchase was in the period`,
        unit: "minor",
        params: { channel, attributed },
      };

/**
 * CAC of one channel (or channel and campaign) from its spend and the new customers it
 * brought in the months that have spend; month null = over all those months.
 */
export function channelCac(
  channel: string,
  spendMinor: number,
  newCustomers: number,
  month: number | null,
): Metric {
  return makeMetric(
    cacDefinition(channel, true),
    spendMinor,
    newCustomers,
    month === null ? null : monthRange(month),
  );
}

function validateSpend(spend: readonly MarketingSpend[]): void {
  spend.forEach((s, i) => {
    parseMonth(s.month);
    if (typeof s.channel !== "string" || s.channel.trim() === "") {
      throw new RangeError(`Marketing spend row ${i}: channel must be a non-empty string`);
    }
    if (!Number.isFinite(s.amountMinor) || s.amountMinor < 0) {
      throw new RangeError(`Marketing spend row ${i}: amountMinor must be a finite number ≥ 0`);
    }
  });
}

/**
 * CAC per month (and per channel when customer channels are given) for the months that have
 * spend. Linear in customers plus spend rows.
 */
export function cacByMonth(
  history: PurchaseHistory,
  spend: readonly MarketingSpend[],
  options: { readonly channels?: CustomerChannels } = {},
): CacResult {
  validateSpend(spend);
  const attribution = options.channels;
  if (attribution !== undefined && attribution.code.length !== history.customerCount) {
    throw new RangeError("channels.code must have one entry per customer");
  }
  const channelIndex = new Map<string, number>();
  attribution?.names.forEach((name, k) => channelIndex.set(name, k));

  // New customers per month, and per (month, channel code): dense rows over the months of
  // the history's days (every first purchase is in them), read through its day → month
  // table; no Map per customer.
  const channelCount = attribution?.names.length ?? 0;
  const { purchaseStart, purchaseDay, monthByDay } = history;
  const minDay = history.minDay;
  const firstMonth = monthByDay.length > 0 ? monthByDay[0] : 0;
  const monthCount = monthByDay.length > 0 ? monthByDay[monthByDay.length - 1] - firstMonth + 1 : 0;
  const newInMonth = new Int32Array(monthCount);
  const newInMonthChannel = new Int32Array(
    attribution === undefined ? 0 : monthCount * channelCount,
  );
  const code = attribution?.code;
  for (let c = 0; c < history.customerCount; c++) {
    const start = purchaseStart[c];
    if (start === purchaseStart[c + 1]) continue;
    const i = monthByDay[purchaseDay[start] - minDay] - firstMonth;
    newInMonth[i]++;
    if (code !== undefined) {
      const k = code[c];
      if (k < 0 || k >= channelCount) continue;
      newInMonthChannel[i * channelCount + k]++;
    }
  }
  const inHistory = (month: number): boolean =>
    month >= firstMonth && month < firstMonth + monthCount;
  const newByMonth = (month: number): number =>
    inHistory(month) ? newInMonth[month - firstMonth] : 0;
  const newByMonthChannel = (month: number, k: number): number =>
    inHistory(month) ? newInMonthChannel[(month - firstMonth) * channelCount + k] : 0;

  // Spend per month and channel, in first-seen channel order.
  const spendByMonth = new Map<number, Map<string, number>>();
  for (const s of spend) {
    const month = parseMonth(s.month);
    let row = spendByMonth.get(month);
    if (row === undefined) {
      row = new Map();
      spendByMonth.set(month, row);
    }
    row.set(s.channel, (row.get(s.channel) ?? 0) + s.amountMinor);
  }

  const channelTotals = new Map<string, { spend: number; customers: number }>();
  const channelRow = (
    channel: string,
    amount: number,
    month: number | null,
    customers: number | null,
  ): CacChannel => {
    const period = month === null ? null : monthRange(month);
    return {
      channel,
      spendMinor: amount,
      newCustomers: customers,
      cac:
        customers === null
          ? makeMetric(cacDefinition(channel, false), amount, 0, period, null)
          : channelCac(channel, amount, customers, month),
    };
  };

  const months: CacMonth[] = [];
  let totalSpend = 0;
  let totalNew = 0;
  for (const month of [...spendByMonth.keys()].sort((a, b) => a - b)) {
    const row = spendByMonth.get(month) ?? new Map<string, number>();
    let monthSpend = 0;
    const channels: CacChannel[] = [];
    for (const [channel, amount] of row) {
      monthSpend += amount;
      let customers: number | null = null;
      if (attribution !== undefined) {
        const k = channelIndex.get(channel);
        customers = k === undefined ? 0 : newByMonthChannel(month, k);
      }
      channels.push(channelRow(channel, amount, month, customers));
      const t = channelTotals.get(channel) ?? { spend: 0, customers: 0 };
      t.spend += amount;
      t.customers += customers ?? 0;
      channelTotals.set(channel, t);
    }
    const newCustomers = newByMonth(month);
    totalSpend += monthSpend;
    totalNew += newCustomers;
    months.push({
      month: formatMonth(month),
      spendMinor: monthSpend,
      newCustomers,
      cac: makeMetric(cacDefinition(null, false), monthSpend, newCustomers, monthRange(month)),
      channels,
    });
  }

  const sortedMonths = [...spendByMonth.keys()].sort((a, b) => a - b);
  const overall =
    sortedMonths.length > 0
      ? {
          startDay: monthRange(sortedMonths[0]).startDay,
          endDay: monthRange(sortedMonths[sortedMonths.length - 1]).endDay,
        }
      : null;
  const channels = [...channelTotals].map(([channel, t]) => {
    const row = channelRow(channel, t.spend, null, attribution === undefined ? null : t.customers);
    return { ...row, cac: { ...row.cac, period: null } };
  });
  return {
    months,
    total: {
      ...makeMetric(cacDefinition(null, false), totalSpend, totalNew, overall),
      details: { months: months.length },
    },
    channels,
  };
}

/**
 * LTV:CAC = LTV × gross margin ÷ CAC. `ltvMinor` is the merchant's chosen LTV (e.g. the
 * historical 12-month value per customer, or the mean predicted CLV of new customers),
 * named by `ltvSource` so the definition says which. A margin of null means the merchant has
 * not set one: the value is null and the definition says so (params.grossMarginSet false),
 * never a ratio on revenue as if the margin were 100 %.
 */
export function ltvToCac(
  ltvMinor: number,
  cacMinor: number,
  options: { readonly ltvSource: string; readonly grossMarginRatio?: number | null },
): Metric {
  const margin = options.grossMarginRatio === undefined ? 1 : options.grossMarginRatio;
  if (margin !== null && !(margin > 0 && margin <= 1)) {
    throw new RangeError("grossMarginRatio must be in (0, 1] or null");
  }
  if (!Number.isFinite(ltvMinor)) throw new RangeError("ltvMinor must be finite");
  if (margin === null) {
    return makeMetric(
      {
        id: "ltv_cac_ratio",
        name: "LTV:CAC",
        text: `Customer lifetime value (${options.ltvSource}) times the gross margin, divided by the customer acquisition cost. Not computed: the gross margin is not set (enter it in Settings).`,
        base: "Customer acquisition cost per new customer",
        unit: "multiple",
        params: { ltvSource: options.ltvSource, grossMarginSet: false },
      },
      0,
      Number.isFinite(cacMinor) ? cacMinor : 0,
      null,
      null,
    );
  }
  const value = Number.isFinite(cacMinor) && cacMinor > 0 ? (ltvMinor * margin) / cacMinor : null;
  return makeMetric(
    {
      id: "ltv_cac_ratio",
      name: "LTV:CAC",
      text: `Customer lifetime value (${options.ltvSource}) times a gross margin of ${margin}, divided by the customer acquisition cost.`,
      base: "Customer acquisition cost per new customer",
      unit: "multiple",
      params: { ltvSource: options.ltvSource, grossMarginRatio: margin },
    },
    ltvMinor * margin,
    cacMinor,
    null,
    value,
  );
}

/**
 * Payback months: the smallest k (months since the first-purchase month, 0 = that month)
 * at which cumulative net revenue per customer × gross margin reaches CAC; null when the
 * observed curve never gets there, or when the margin is null (not set: the definition
 * says so, params.grossMarginSet false).
 */
export function paybackMonths(
  curve: LtvCurve | Float64Array,
  cacMinor: number,
  options: { readonly grossMarginRatio?: number | null } = {},
): Metric {
  const margin = options.grossMarginRatio === undefined ? 1 : options.grossMarginRatio;
  if (margin !== null && !(margin > 0 && margin <= 1)) {
    throw new RangeError("grossMarginRatio must be in (0, 1] or null");
  }
  const values = curve instanceof Float64Array ? curve : curve.cumulativeNetPerCustomer;
  if (margin === null) {
    return makeMetric(
      {
        id: "payback_months",
        name: "Payback period",
        text: "Months after the first-purchase month until cumulative net revenue per customer times the gross margin covers the customer acquisition cost. Not computed: the gross margin is not set (enter it in Settings).",
        base: "Historical cumulative net revenue per customer of the first-purchase cohorts",
        unit: "months",
        params: { grossMarginSet: false, observedMonths: values.length },
      },
      0,
      Number.isFinite(cacMinor) ? cacMinor : 0,
      null,
      null,
    );
  }
  let months: number | null = null;
  if (Number.isFinite(cacMinor) && cacMinor >= 0) {
    for (let k = 0; k < values.length; k++) {
      if (values[k] * margin >= cacMinor) {
        months = k;
        break;
      }
    }
  }
  return makeMetric(
    {
      id: "payback_months",
      name: "Payback period",
      text: `Months after the first-purchase month until cumulative net revenue per customer times a gross margin of ${margin} covers the customer acquisition cost (0 = within the first-purchase month).`,
      base: "Historical cumulative net revenue per customer of the first-purchase cohorts",
      unit: "months",
      params: { grossMarginRatio: margin, observedMonths: values.length },
    },
    months ?? values.length,
    cacMinor,
    null,
    months,
  );
}
