/**
 * The Pareto / decile page (デシル分析): customers ranked by net revenue over a period ending
 * on the latest compute's as-of day, from the stored orders through the pure analytics
 * module, in the shop's time zone, for the session's shop only. Customers are shown by their
 * Shopify id with their segment (no names are stored).
 *
 * Loading a shop's orders costs about a second per 150,000 customers: the purchase history is
 * kept per shop and latest compute (a couple of entries), so switching periods is cheap.
 */
import {
  buildPurchaseHistory,
  createCalendar,
  formatDay,
  monthsBeforeDay,
  decileAnalysis,
  pareto,
  parseDay,
  type DecileResult,
  type PurchaseHistory,
} from "../analytics";
import { env } from "../env.server";
import { loadShopOrders } from "../metrics/load.server";
import type { ShopContext } from "./page-base.server";
import { PARETO_PERIODS, type ParetoPeriod } from "./pareto-params";
import { loadPage } from "./page-base.server";
import { resultStore } from "../metrics/result-store.server";
import { segmentsOf } from "../metrics/result-set.server";

export const DEFAULT_PARETO_PERIOD: ParetoPeriod = "12m";
const TOP_CUSTOMERS = 50;

const MONTHS: Record<Exclude<ParetoPeriod, "all">, number> = { "3m": 3, "12m": 12, "24m": 24 };

interface Loaded {
  readonly history: PurchaseHistory;
  readonly customerIds: BigInt64Array;
}

const CACHE_SIZE = 2;
const loaded = new Map<string, Promise<Loaded>>();

async function loadHistory(shop: Pick<ShopContext, "id" | "timezone">): Promise<Loaded> {
  const data = await loadShopOrders(env().DATABASE_URL, shop.id);
  const history = buildPurchaseHistory(data.orders, data.customers, createCalendar(shop.timezone));
  return { history, customerIds: data.customerIds };
}

/** The shop's purchase history, remembered until its next compute (by its time). */
function cachedHistory(shop: ShopContext, computedAt: number): Promise<Loaded> {
  const key = `${shop.id}:${computedAt}`;
  let entry = loaded.get(key);
  if (!entry) {
    entry = loadHistory(shop);
    entry.catch(() => loaded.delete(key));
  }
  loaded.delete(key);
  loaded.set(key, entry);
  while (loaded.size > CACHE_SIZE) loaded.delete(loaded.keys().next().value!);
  return entry;
}

/** Reads `?period=`; null when it names no period the page offers. */
export function parseParetoPeriod(url: URL): ParetoPeriod | null {
  const raw = url.searchParams.get("period");
  if (raw === null || raw === "") return DEFAULT_PARETO_PERIOD;
  return (PARETO_PERIODS as readonly string[]).includes(raw) ? (raw as ParetoPeriod) : null;
}

/** Local days [first, last] of a period ending on asOfDay. */
export function paretoDays(
  period: ParetoPeriod,
  asOfDay: number,
  minDay: number,
): { firstDay: number; lastDay: number } {
  if (period === "all")
    return { firstDay: Number.isFinite(minDay) ? minDay : asOfDay, lastDay: asOfDay };
  return { firstDay: monthsBeforeDay(asOfDay, MONTHS[period]) + 1, lastDay: asOfDay };
}

export interface ParetoTopCustomer {
  readonly id: string;
  readonly rank: number;
  readonly revenueMinor: number;
  readonly orders: number;
  readonly share: number | null;
  readonly segment: string | null;
}

export async function paretoData(domain: string, url: URL) {
  const { base, snapshot, shop } = await loadPage(domain);
  const requested = parseParetoPeriod(url);
  const period = requested ?? DEFAULT_PARETO_PERIOD;
  const common = { ...base, period, invalidPeriod: requested === null };
  if (!snapshot || !shop)
    return {
      ...common,
      pareto: null,
      top: [] as ParetoTopCustomer[],
      segmentNames: {} as Record<string, string>,
    };
  const { history, customerIds } = await cachedHistory(shop, snapshot.computedAt);
  const days = paretoDays(period, parseDay(snapshot.asOfDate), history.minDay);
  const result: DecileResult = decileAnalysis(history, days, TOP_CUSTOMERS);
  // The Gini coefficient (and the top-20 % share's definition) as the dashboard computes them.
  const concentration = pareto(history, {
    period: { startDay: days.firstDay, endDay: days.lastDay + 1 },
  });
  const ids = result.top.map((t) => customerIds[t.index]);
  const segments = await segmentsOf(resultStore(env().DATABASE_URL), shop.id, ids);
  const top: ParetoTopCustomer[] = result.top.map((t, i) => ({
    id: ids[i].toString(),
    rank: t.rank,
    revenueMinor: t.revenueMinor,
    orders: t.orders,
    share: t.share,
    segment: segments.get(ids[i]) ?? null,
  }));
  return {
    ...common,
    pareto: {
      customers: result.customers,
      revenueMinor: result.revenueMinor,
      orders: result.orders,
      deciles: result.deciles,
      topShare: result.topShare,
      curve: result.curve,
      gini: concentration.gini,
      topShareMetric: concentration.topShare,
      firstDate: formatDay(result.firstDay),
      lastDate: formatDay(result.lastDay),
    },
    top,
    segmentNames: Object.fromEntries(snapshot.segments.rows.map((r) => [r.id, r.name])) as Record<
      string,
      string
    >,
  };
}
