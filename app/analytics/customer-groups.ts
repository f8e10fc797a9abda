/**
 * Per-group customer value for acquisition cuts (channel, campaign, entry product, month):
 * customers, repeat rate, F2 within N days, historical LTV at N months and the LTV curve,
 * conversion to subscription. One pass over the purchases derives each customer's facts;
 * each grouping then costs one pass over its members (a customer may belong to several
 * groups, e.g. every product of their first purchase).
 *
 * LTV at N months: net revenue (after refunds) of the purchases made before the same day of
 * the N-th calendar month after the first purchase (time.ts shiftDayBoundary), per customer,
 * over the customers whose N months have fully elapsed by asOfDay (younger customers are not
 * in the base, so they do not drag the value down).
 */
import type { PurchaseHistory } from "./history";
import { civilFromDay } from "./time";
import { ORDER_SUBSCRIPTION } from "./types";

export interface CustomerFactsOptions {
  /** Last local day with data; purchases after it are ignored. */
  readonly asOfDay: number;
  /** F2: the second purchase must come at most this many days after the first. */
  readonly windowDays: number;
  /** Longest LTV horizon, months. */
  readonly maxMonths: number;
}

export interface CustomerFacts {
  readonly history: PurchaseHistory;
  readonly options: CustomerFactsOptions;
  /** First purchase ≤ asOfDay (1) or not (0): only included customers are counted anywhere. */
  readonly included: Uint8Array;
  /** Whole months observed after the first purchase, capped at maxMonths. */
  readonly observedMonths: Int32Array;
  /** Per purchase: the LTV month it falls in (1 = within a month of the first purchase);
   *  maxMonths + 1 when later than maxMonths or after asOfDay. */
  readonly purchaseMonth: Int32Array;
  /** ≥ 2 purchases by asOfDay. */
  readonly repeat: Uint8Array;
  /** −1: first purchase less than windowDays before asOfDay (not judged); 0 / 1: converted. */
  readonly f2: Int8Array;
  /** −1: first purchase was already a subscription; 0 / 1: a later subscription purchase. */
  readonly toSubscription: Int8Array;
  /** Days 1st → 2nd and 2nd → 3rd purchase (by asOfDay), −1 when there is none. */
  readonly gap12: Int32Array;
  readonly gap23: Int32Array;
}

/** Derives every customer's facts once. Linear in purchases. */
export function customerFacts(
  history: PurchaseHistory,
  options: CustomerFactsOptions,
): CustomerFacts {
  const { asOfDay, windowDays, maxMonths } = options;
  if (!Number.isInteger(asOfDay)) throw new RangeError("asOfDay must be an integer local day");
  if (!(Number.isInteger(windowDays) && windowDays >= 1)) {
    throw new RangeError("windowDays must be an integer ≥ 1");
  }
  if (!(Number.isInteger(maxMonths) && maxMonths >= 1 && maxMonths <= 600)) {
    throw new RangeError("LTV months must be integers in 1..600");
  }
  const n = history.customerCount;
  const { purchaseStart, purchaseDay, purchaseFlags } = history;
  const included = new Uint8Array(n);
  const observedMonths = new Int32Array(n);
  const purchaseMonth = new Int32Array(purchaseDay.length).fill(maxMonths + 1);
  const repeat = new Uint8Array(n);
  const f2 = new Int8Array(n);
  const toSubscription = new Int8Array(n);
  const gap12 = new Int32Array(n).fill(-1);
  const gap23 = new Int32Array(n).fill(-1);

  // Month number and day of month of every local day minDay..asOfDay + 1, so the month
  // index of a purchase is two lookups (no civil arithmetic per purchase).
  const lo = Number.isFinite(history.minDay) ? Math.min(history.minDay, asOfDay) : asOfDay;
  const hi = asOfDay + 1;
  const span = Math.max(0, hi - lo + 1);
  const monthAt = new Int32Array(span);
  const domAt = new Int32Array(span);
  for (let i = 0; i < span; i++) {
    const { year, month, day } = civilFromDay(lo + i);
    monthAt[i] = year * 12 + month - 1;
    domAt[i] = day;
  }
  const SUB = ORDER_SUBSCRIPTION;

  for (let c = 0; c < n; c++) {
    const start = purchaseStart[c];
    const end = purchaseStart[c + 1];
    if (start === end || purchaseDay[start] > asOfDay) continue;
    included[c] = 1;
    const first = purchaseDay[start];
    const m0 = monthAt[first - lo];
    const d0 = domAt[first - lo];
    // Month index of a day: the smallest k with day < shiftDayBoundary(first, k), i.e. whole
    // months from the first purchase, plus one once the day of month is reached.
    const hiIndex = monthAt[hi - lo] - m0 + (domAt[hi - lo] >= d0 ? 1 : 0);
    observedMonths[c] = Math.min(hiIndex - 1, maxMonths);
    let count = 0;
    for (let p = start; p < end; p++) {
      const day = purchaseDay[p];
      if (day > asOfDay) break;
      count++;
      const k = monthAt[day - lo] - m0 + (domAt[day - lo] >= d0 ? 1 : 0);
      if (k <= maxMonths) purchaseMonth[p] = k;
    }
    repeat[c] = count >= 2 ? 1 : 0;
    if (count >= 2) gap12[c] = purchaseDay[start + 1] - first;
    if (count >= 3) gap23[c] = purchaseDay[start + 2] - purchaseDay[start + 1];
    f2[c] =
      first + windowDays > asOfDay
        ? -1
        : count >= 2 && purchaseDay[start + 1] - first <= windowDays
          ? 1
          : 0;
    if (purchaseFlags[start] & SUB) {
      toSubscription[c] = -1;
    } else {
      let converted = 0;
      for (let p = start + 1; p < start + count; p++) {
        if (purchaseFlags[p] & SUB) {
          converted = 1;
          break;
        }
      }
      toSubscription[c] = converted;
    }
  }
  return {
    history,
    options,
    included,
    observedMonths,
    purchaseMonth,
    repeat,
    f2,
    toSubscription,
    gap12,
    gap23,
  };
}

/** Group membership: pair i puts customer[i] in group[i]. */
export interface GroupMembers {
  readonly groupCount: number;
  readonly customer: Int32Array;
  readonly group: Int32Array;
}

/** One group per customer (code −1 = none). */
export function membersOf(code: Int32Array, groupCount: number): GroupMembers {
  let count = 0;
  for (let c = 0; c < code.length; c++) if (code[c] >= 0) count++;
  const customer = new Int32Array(count);
  const group = new Int32Array(count);
  let i = 0;
  for (let c = 0; c < code.length; c++) {
    if (code[c] < 0) continue;
    customer[i] = c;
    group[i++] = code[c];
  }
  return { groupCount, customer, group };
}

export interface GroupStats {
  readonly groupCount: number;
  readonly maxMonths: number;
  /** Included customers per group. */
  readonly customers: Int32Array;
  readonly repeaters: Int32Array;
  readonly f2Base: Int32Array;
  readonly f2Converted: Int32Array;
  /** Customers whose first purchase was not a subscription, and those who later subscribed. */
  readonly subscriptionBase: Int32Array;
  readonly subscriptionConverted: Int32Array;
  /** Row g × (maxMonths + 1), column k ≥ 1: Σ net within k months over customers observed
   *  ≥ k months, and their number. */
  readonly ltvNet: Float64Array;
  readonly ltvCustomers: Int32Array;
}

/** Sums the facts of each group's members. Linear in members plus their purchases. */
export function groupStats(facts: CustomerFacts, members: GroupMembers): GroupStats {
  const { groupCount } = members;
  const K = facts.options.maxMonths;
  const W = K + 2;
  const customers = new Int32Array(groupCount);
  const repeaters = new Int32Array(groupCount);
  const f2Base = new Int32Array(groupCount);
  const f2Converted = new Int32Array(groupCount);
  const subscriptionBase = new Int32Array(groupCount);
  const subscriptionConverted = new Int32Array(groupCount);
  // Difference arrays over k: a purchase in month j adds to every k in j..observed.
  const netDiff = new Float64Array(groupCount * W);
  const countDiff = new Int32Array(groupCount * W);
  const { purchaseStart, purchaseNet } = facts.history;
  const { included, observedMonths, purchaseMonth, repeat, f2, toSubscription } = facts;

  for (let i = 0; i < members.customer.length; i++) {
    const c = members.customer[i];
    const g = members.group[i];
    if (!included[c]) continue;
    if (g < 0 || g >= groupCount) throw new RangeError(`group ${g} outside 0..${groupCount - 1}`);
    customers[g]++;
    repeaters[g] += repeat[c];
    if (f2[c] >= 0) {
      f2Base[g]++;
      f2Converted[g] += f2[c];
    }
    if (toSubscription[c] >= 0) {
      subscriptionBase[g]++;
      subscriptionConverted[g] += toSubscription[c];
    }
    const observed = observedMonths[c];
    if (observed < 1) continue;
    const base = g * W;
    countDiff[base + 1]++;
    countDiff[base + observed + 1]--;
    let total = 0;
    for (let p = purchaseStart[c]; p < purchaseStart[c + 1]; p++) {
      const k = purchaseMonth[p];
      if (k > observed) break;
      netDiff[base + k] += purchaseNet[p];
      total += purchaseNet[p];
    }
    netDiff[base + observed + 1] -= total;
  }

  const ltvNet = new Float64Array(groupCount * (K + 1));
  const ltvCustomers = new Int32Array(groupCount * (K + 1));
  for (let g = 0; g < groupCount; g++) {
    let net = 0;
    let count = 0;
    for (let k = 1; k <= K; k++) {
      net += netDiff[g * W + k];
      count += countDiff[g * W + k];
      ltvNet[g * (K + 1) + k] = net;
      ltvCustomers[g * (K + 1) + k] = count;
    }
  }
  return {
    groupCount,
    maxMonths: K,
    customers,
    repeaters,
    f2Base,
    f2Converted,
    subscriptionBase,
    subscriptionConverted,
    ltvNet,
    ltvCustomers,
  };
}

/** A share with its counts; value null when the base is empty. */
export interface Share {
  readonly value: number | null;
  readonly numerator: number;
  readonly base: number;
}

export const share = (numerator: number, base: number): Share => ({
  value: base > 0 ? numerator / base : null,
  numerator,
  base,
});

/** Historical LTV at N months of one group. */
export interface LtvPoint {
  readonly months: number;
  /** Net revenue per customer within N months; null when no customer is observed N months. */
  readonly valueMinor: number | null;
  /** Customers observed ≥ N months: the base. */
  readonly customers: number;
}

export function ltvAt(stats: GroupStats, g: number, months: number): LtvPoint {
  const K = stats.maxMonths;
  if (!(Number.isInteger(months) && months >= 1 && months <= K)) {
    throw new RangeError(`LTV months ${months} outside 1..${K}`);
  }
  const i = g * (K + 1) + months;
  const customers = stats.ltvCustomers[i];
  return { months, valueMinor: customers > 0 ? stats.ltvNet[i] / customers : null, customers };
}

/** LTV curve k = 1..maxMonths of one group (NaN where no customer is observed k months). */
export function ltvCurve(stats: GroupStats, g: number): Float64Array {
  const K = stats.maxMonths;
  const curve = new Float64Array(K);
  for (let k = 1; k <= K; k++) {
    const i = g * (K + 1) + k;
    curve[k - 1] = stats.ltvCustomers[i] > 0 ? stats.ltvNet[i] / stats.ltvCustomers[i] : NaN;
  }
  return curve;
}
