/**
 * Decile analysis (デシル分析): customers ranked by their net revenue over a period of
 * shop-local days, cut into ten equal groups, with the share of revenue each group brings and
 * the cumulative curve (share of customers → share of revenue). The top groups use the same
 * cut as `pareto` (kpis.ts): the top x % are the ⌈x · N⌉ highest-revenue customers, so the
 * top-20 % share here equals pareto's topShare for the same period (tested).
 *
 * Conventions as in history.ts: money is netMinor, a purchase is a customer-day, orders count
 * every order. A customer counts when they made a purchase in the period (a fully refunded
 * one included: they bought, the shop kept 0). Ties in revenue rank the lower customer index
 * first, so the result is deterministic.
 */
import type { PurchaseHistory } from "./history";
import { purchasesBegin, purchasesEnd } from "./history";

export interface DecileGroup {
  /** 1 = the top 10 % of customers by revenue. */
  readonly decile: number;
  readonly customers: number;
  readonly revenueMinor: number;
  readonly orders: number;
  /** Revenue of the group / revenue of all customers in the period; null when that is ≤ 0. */
  readonly share: number | null;
  /** Share of the groups 1..decile together. */
  readonly cumulativeShare: number | null;
  /** revenueMinor / orders; null without orders. */
  readonly averageOrderMinor: number | null;
  /** orders / customers; null without customers. */
  readonly ordersPerCustomer: number | null;
}

export interface RankedCustomer {
  /** Dense customer index (the caller maps it to the Shopify id). */
  readonly index: number;
  readonly rank: number;
  readonly revenueMinor: number;
  readonly orders: number;
  readonly share: number | null;
}

export interface DecileResult {
  readonly firstDay: number;
  readonly lastDay: number;
  readonly customers: number;
  readonly revenueMinor: number;
  readonly orders: number;
  readonly deciles: DecileGroup[];
  /** Revenue share of the top ⌈10 % · N⌉, ⌈20 % · N⌉ and ⌈50 % · N⌉ customers. */
  readonly topShare: {
    readonly p10: number | null;
    readonly p20: number | null;
    readonly p50: number | null;
  };
  /** curve[k]: revenue share of the top ⌈k % · N⌉ customers, k = 0..100. */
  readonly curve: (number | null)[];
  /** The highest-revenue customers, best first. */
  readonly top: RankedCustomer[];
}

/** Customers ranked by revenue over local days [firstDay, lastDay]. */
export function decileAnalysis(
  history: PurchaseHistory,
  period: { readonly firstDay: number; readonly lastDay: number },
  topCount = 50,
): DecileResult {
  const { firstDay, lastDay } = period;
  const revenue: number[] = [];
  const orders: number[] = [];
  const index: number[] = [];
  for (let c = 0; c < history.customerCount; c++) {
    const from = purchasesBegin(history, c, firstDay);
    const end = purchasesEnd(history, c, lastDay);
    if (end <= from) continue;
    let net = 0;
    let count = 0;
    for (let p = from; p < end; p++) {
      net += history.purchaseNet[p];
      count += history.purchaseOrders[p];
    }
    index.push(c);
    revenue.push(net);
    orders.push(count);
  }
  const n = index.length;
  const rank = Uint32Array.from({ length: n }, (_, i) => i);
  rank.sort((a, b) => revenue[b] - revenue[a] || index[a] - index[b]);

  let total = 0;
  let totalOrders = 0;
  for (let i = 0; i < n; i++) {
    total += revenue[i];
    totalOrders += orders[i];
  }
  const share = (x: number) => (total > 0 ? x / total : null);
  // prefix[r]: revenue of the top r customers.
  const prefix = new Float64Array(n + 1);
  for (let r = 0; r < n; r++) prefix[r + 1] = prefix[r] + revenue[rank[r]];
  // ⌈x · N⌉ as pareto() takes it; the rounding guard keeps 0.1 · 30 at 3, not 4.
  const cut = (fraction: number) => Math.min(n, Math.ceil(fraction * n - 1e-9));
  const topOf = (fraction: number) => share(prefix[cut(fraction)]);

  const deciles: DecileGroup[] = [];
  for (let d = 0; d < 10; d++) {
    // Ranks [⌈d·N/10⌉, ⌈(d+1)·N/10⌉): sizes differ by at most one customer.
    const lo = cut(d / 10);
    const hi = cut((d + 1) / 10);
    let groupOrders = 0;
    for (let r = lo; r < hi; r++) groupOrders += orders[rank[r]];
    const groupRevenue = prefix[hi] - prefix[lo];
    deciles.push({
      decile: d + 1,
      customers: hi - lo,
      revenueMinor: groupRevenue,
      orders: groupOrders,
      share: share(groupRevenue),
      cumulativeShare: share(prefix[hi]),
      averageOrderMinor: groupOrders > 0 ? groupRevenue / groupOrders : null,
      ordersPerCustomer: hi > lo ? groupOrders / (hi - lo) : null,
    });
  }
  const top: RankedCustomer[] = [];
  for (let r = 0; r < Math.min(topCount, n); r++) {
    const i = rank[r];
    top.push({
      index: index[i],
      rank: r + 1,
      revenueMinor: revenue[i],
      orders: orders[i],
      share: share(revenue[i]),
    });
  }
  return {
    firstDay,
    lastDay,
    customers: n,
    revenueMinor: total,
    orders: totalOrders,
    deciles,
    topShare: { p10: topOf(0.1), p20: topOf(0.2), p50: topOf(0.5) },
    curve: Array.from({ length: 101 }, (_, k) => topOf(k / 100)),
    top,
  };
}
