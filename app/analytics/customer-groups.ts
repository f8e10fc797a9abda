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
  /** Whole months observed after the first purchase, capped at maxMonths (≤ 600: two bytes). */
  readonly observedMonths: Uint16Array;
  /** Per purchase: the LTV month it falls in (1 = within a month of the first purchase);
   *  maxMonths + 1 when later than maxMonths or after asOfDay (≤ 601: two bytes do). */
  readonly purchaseMonth: Uint16Array;
  /** ≥ 2 purchases by asOfDay. */
  readonly repeat: Uint8Array;
  /** −1: first purchase less than windowDays before asOfDay (not judged); 0 / 1: converted. */
  readonly f2: Int8Array;
  /** −1: first purchase was already a subscription; 0 / 1: a later subscription purchase. */
  readonly toSubscription: Int8Array;
  /** Days 1st → 2nd and 2nd → 3rd purchase (by asOfDay), −1 when there is none: two bytes
   *  each while the history spans fewer than 32,768 days (89 years), four beyond. */
  readonly gap12: Int16Array | Int32Array;
  readonly gap23: Int16Array | Int32Array;
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
  const { purchaseStart, purchaseDay, firstSubscription } = history;
  const included = new Uint8Array(n);
  const observedMonths = new Uint16Array(n);
  // Every entry below is written once by the pass (no fill first).
  const purchaseMonth = new Uint16Array(purchaseDay.length);
  const beyond = maxMonths + 1;
  const repeat = new Uint8Array(n);
  const f2 = new Int8Array(n);
  const toSubscription = new Int8Array(n);
  // A gap is at most the span of the purchase days.
  const span16 = !(history.maxDay - history.minDay >= 0x8000);
  const gap12 = span16 ? new Int16Array(n) : new Int32Array(n);
  const gap23 = span16 ? new Int16Array(n) : new Int32Array(n);

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

  for (let c = 0; c < n; c++) {
    const start = purchaseStart[c];
    const end = purchaseStart[c + 1];
    if (start === end || purchaseDay[start] > asOfDay) {
      for (let p = start; p < end; p++) purchaseMonth[p] = beyond;
      gap12[c] = -1;
      gap23[c] = -1;
      continue;
    }
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
      if (day > asOfDay) {
        for (let q = p; q < end; q++) purchaseMonth[q] = beyond;
        break;
      }
      count++;
      const k = monthAt[day - lo] - m0 + (domAt[day - lo] >= d0 ? 1 : 0);
      purchaseMonth[p] = k <= maxMonths ? k : beyond;
    }
    repeat[c] = count >= 2 ? 1 : 0;
    gap12[c] = count >= 2 ? purchaseDay[start + 1] - first : -1;
    gap23[c] = count >= 3 ? purchaseDay[start + 2] - purchaseDay[start + 1] : -1;
    f2[c] =
      first + windowDays > asOfDay
        ? -1
        : count >= 2 && purchaseDay[start + 1] - first <= windowDays
          ? 1
          : 0;
    // The first subscription purchase: the first one (−1), a later one by asOfDay (1), none.
    const sub = firstSubscription[c];
    toSubscription[c] = sub === start ? -1 : sub > start && sub < start + count ? 1 : 0;
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

interface Accumulator {
  readonly groupCount: number;
  readonly customers: Int32Array;
  readonly repeaters: Int32Array;
  readonly f2Base: Int32Array;
  readonly f2Converted: Int32Array;
  readonly subscriptionBase: Int32Array;
  readonly subscriptionConverted: Int32Array;
  /** Difference arrays over k (row width maxMonths + 2): a purchase in month j adds to
   *  every k in j..observed, a customer observed m months counts for k in 1..m. */
  readonly netDiff: Float64Array;
  readonly countDiff: Int32Array;
  /** Row g × FACT_CODES: members per factCodes code (the passes that tally; finish expands
   *  it into the counts above). */
  readonly tally: Int32Array;
}

/**
 * What addCustomer adds for a customer, as one code per customer: observed ≥ 1 month,
 * repeat, F2 (−1, 0, 1) and conversion to subscription (−1, 0, 1). A pass then counts a
 * member with one increment of its group's code instead of six counters and their tests;
 * finish turns the codes' counts back into the same integer counts.
 */
const FACT_CODES = 36;
const factCodeCache = new WeakMap<CustomerFacts, Uint8Array>();

function factCodes(facts: CustomerFacts): Uint8Array {
  let codes = factCodeCache.get(facts);
  if (codes !== undefined) return codes;
  const { included, observedMonths, repeat, f2, toSubscription } = facts;
  codes = new Uint8Array(included.length);
  for (let c = 0; c < codes.length; c++) {
    if (!included[c]) continue;
    codes[c] =
      (((observedMonths[c] >= 1 ? 2 : 0) + repeat[c]) * 3 + f2[c] + 1) * 3 + toSubscription[c] + 1;
  }
  factCodeCache.set(facts, codes);
  return codes;
}

function accumulator(groupCount: number, maxMonths: number, tallied = false): Accumulator {
  return {
    groupCount,
    customers: new Int32Array(groupCount),
    repeaters: new Int32Array(groupCount),
    f2Base: new Int32Array(groupCount),
    f2Converted: new Int32Array(groupCount),
    subscriptionBase: new Int32Array(groupCount),
    subscriptionConverted: new Int32Array(groupCount),
    netDiff: new Float64Array(groupCount * (maxMonths + 2)),
    countDiff: new Int32Array(groupCount * (maxMonths + 2)),
    tally: new Int32Array(tallied ? groupCount * FACT_CODES : 0),
  };
}

/** The counts of the tallied codes, into the counters addCustomer fills. */
function expandTally(a: Accumulator, W: number): void {
  const { tally } = a;
  if (tally.length === 0) return;
  for (let g = 0; g < a.groupCount; g++) {
    for (let x = 0; x < FACT_CODES; x++) {
      const count = tally[g * FACT_CODES + x];
      if (count === 0) continue;
      const sub = (x % 3) - 1;
      const f2 = (Math.floor(x / 3) % 3) - 1;
      const repeat = Math.floor(x / 9) % 2;
      const observed = Math.floor(x / 18);
      a.customers[g] += count;
      a.repeaters[g] += repeat * count;
      if (f2 >= 0) {
        a.f2Base[g] += count;
        a.f2Converted[g] += f2 * count;
      }
      if (sub >= 0) {
        a.subscriptionBase[g] += count;
        a.subscriptionConverted[g] += sub * count;
      }
      if (observed) a.countDiff[g * W + 1] += count;
    }
  }
}

/** Counts customer c in group g, except the net revenue (added per purchase by callers). */
function addCustomer(a: Accumulator, facts: CustomerFacts, c: number, g: number): void {
  if (g >= a.groupCount) throw new RangeError(`group ${g} outside 0..${a.groupCount - 1}`);
  a.customers[g]++;
  a.repeaters[g] += facts.repeat[c];
  const f2 = facts.f2[c];
  if (f2 >= 0) {
    a.f2Base[g]++;
    a.f2Converted[g] += f2;
  }
  const sub = facts.toSubscription[c];
  if (sub >= 0) {
    a.subscriptionBase[g]++;
    a.subscriptionConverted[g] += sub;
  }
  const observed = facts.observedMonths[c];
  if (observed >= 1) {
    const base = g * (facts.options.maxMonths + 2);
    a.countDiff[base + 1]++;
    a.countDiff[base + observed + 1]--;
  }
}

function finish(a: Accumulator, K: number): GroupStats {
  const W = K + 2;
  expandTally(a, W);
  const ltvNet = new Float64Array(a.groupCount * (K + 1));
  const ltvCustomers = new Int32Array(a.groupCount * (K + 1));
  for (let g = 0; g < a.groupCount; g++) {
    let net = 0;
    let count = 0;
    for (let k = 1; k <= K; k++) {
      net += a.netDiff[g * W + k];
      count += a.countDiff[g * W + k];
      ltvNet[g * (K + 1) + k] = net;
      ltvCustomers[g * (K + 1) + k] = count;
    }
  }
  return {
    groupCount: a.groupCount,
    maxMonths: K,
    customers: a.customers,
    repeaters: a.repeaters,
    f2Base: a.f2Base,
    f2Converted: a.f2Converted,
    subscriptionBase: a.subscriptionBase,
    subscriptionConverted: a.subscriptionConverted,
    ltvNet,
    ltvCustomers,
  };
}

/** Sums the facts of each group's members. Linear in members plus their purchases. */
export function groupStats(facts: CustomerFacts, members: GroupMembers): GroupStats {
  const K = facts.options.maxMonths;
  const W = K + 2;
  const a = accumulator(members.groupCount, K);
  const { purchaseStart, purchaseNet } = facts.history;
  const { included, observedMonths, purchaseMonth } = facts;
  for (let i = 0; i < members.customer.length; i++) {
    const c = members.customer[i];
    const g = members.group[i];
    if (!included[c]) continue;
    if (g < 0) throw new RangeError(`group ${g} outside 0..${members.groupCount - 1}`);
    addCustomer(a, facts, c, g);
    const observed = observedMonths[c];
    if (observed < 1) continue;
    const base = g * W;
    let total = 0;
    for (let p = purchaseStart[c]; p < purchaseStart[c + 1]; p++) {
      const k = purchaseMonth[p];
      if (k > observed) break;
      a.netDiff[base + k] += purchaseNet[p];
      total += purchaseNet[p];
    }
    a.netDiff[base + observed + 1] -= total;
  }
  return finish(a, K);
}

/**
 * groupStats of set-valued memberships, CSR by customer (customer c is in groups
 * values[start[c] .. start[c + 1] − 1], each once): the same sums, each customer's purchases
 * read once for all of their groups (in the same order per group as member by member).
 */
export function groupStatsOfRows(
  facts: CustomerFacts,
  rows: { readonly start: Int32Array; readonly values: Int32Array },
  groupCount: number,
): GroupStats {
  const K = facts.options.maxMonths;
  const W = K + 2;
  const n = facts.history.customerCount;
  if (rows.start.length !== n + 1) throw new RangeError("rows must have one row per customer");
  const a = accumulator(groupCount, K, true);
  const { purchaseStart, purchaseNet } = facts.history;
  const { included, observedMonths, purchaseMonth } = facts;
  const { start, values } = rows;
  const { netDiff, countDiff, tally } = a;
  const code = factCodes(facts);
  for (let c = 0; c < n; c++) {
    const r0 = start[c];
    const r1 = start[c + 1];
    if (r0 === r1 || !included[c]) continue;
    const x = code[c];
    const observed = observedMonths[c];
    for (let i = r0; i < r1; i++) {
      const g = values[i];
      if (g < 0 || g >= groupCount) throw new RangeError(`group ${g} outside 0..${groupCount - 1}`);
      tally[g * FACT_CODES + x]++;
      if (observed >= 1) countDiff[g * W + observed + 1]--;
    }
    if (observed < 1) continue;
    let total = 0;
    const end = purchaseStart[c + 1];
    for (let p = purchaseStart[c]; p < end; p++) {
      const k = purchaseMonth[p];
      if (k > observed) break;
      const net = purchaseNet[p];
      total += net;
      for (let i = r0; i < r1; i++) netDiff[values[i] * W + k] += net;
    }
    for (let i = r0; i < r1; i++) netDiff[values[i] * W + observed + 1] -= total;
  }
  return finish(a, K);
}

/**
 * Several one-group-per-customer groupings at once (code −1 = not in that grouping): each
 * customer's purchases are read once for all of them.
 */
export function groupStatsByCodes(
  facts: CustomerFacts,
  groupings: readonly { readonly code: Int32Array; readonly groupCount: number }[],
): GroupStats[] {
  const K = facts.options.maxMonths;
  const W = K + 2;
  const n = facts.history.customerCount;
  for (const g of groupings) {
    if (g.code.length !== n) throw new RangeError("code must have one entry per customer");
  }
  const acc = groupings.map((g) => accumulator(g.groupCount, K, true));
  const G = groupings.length;
  const bases = new Int32Array(G);
  const active = new Int32Array(G);
  const { purchaseStart, purchaseNet } = facts.history;
  const { included, observedMonths, purchaseMonth } = facts;
  const codes = groupings.map((g) => g.code);
  const nets = acc.map((a) => a.netDiff);
  const counted = acc.map((a) => a.countDiff);
  const tallies = acc.map((a) => a.tally);
  const groupCounts = groupings.map((g) => g.groupCount);
  const code = factCodes(facts);
  for (let c = 0; c < n; c++) {
    if (!included[c]) continue;
    let count = 0;
    const x = code[c];
    const observed = observedMonths[c];
    for (let i = 0; i < G; i++) {
      const g = codes[i][c];
      if (g < 0) continue;
      if (g >= groupCounts[i]) throw new RangeError(`group ${g} outside 0..${groupCounts[i] - 1}`);
      tallies[i][g * FACT_CODES + x]++;
      if (observed >= 1) counted[i][g * W + observed + 1]--;
      active[count] = i;
      bases[count++] = g * W;
    }
    if (count === 0 || observed < 1) continue;
    let total = 0;
    const end = purchaseStart[c + 1];
    for (let p = purchaseStart[c]; p < end; p++) {
      const k = purchaseMonth[p];
      if (k > observed) break;
      const net = purchaseNet[p];
      total += net;
      for (let j = 0; j < count; j++) nets[active[j]][bases[j] + k] += net;
    }
    for (let j = 0; j < count; j++) nets[active[j]][bases[j] + observed + 1] -= total;
  }
  return acc.map((a) => finish(a, K));
}

/**
 * Merges groups: group g of `stats` is added into group into[g] (every field is a sum, so
 * e.g. channel totals are the sum of the channel × month groups). Linear in groups × months.
 */
export function mergeGroups(stats: GroupStats, into: ArrayLike<number>, count: number): GroupStats {
  const K = stats.maxMonths;
  const out = {
    groupCount: count,
    maxMonths: K,
    customers: new Int32Array(count),
    repeaters: new Int32Array(count),
    f2Base: new Int32Array(count),
    f2Converted: new Int32Array(count),
    subscriptionBase: new Int32Array(count),
    subscriptionConverted: new Int32Array(count),
    ltvNet: new Float64Array(count * (K + 1)),
    ltvCustomers: new Int32Array(count * (K + 1)),
  };
  for (let g = 0; g < stats.groupCount; g++) {
    const t = into[g];
    out.customers[t] += stats.customers[g];
    out.repeaters[t] += stats.repeaters[g];
    out.f2Base[t] += stats.f2Base[g];
    out.f2Converted[t] += stats.f2Converted[g];
    out.subscriptionBase[t] += stats.subscriptionBase[g];
    out.subscriptionConverted[t] += stats.subscriptionConverted[g];
    for (let k = 1; k <= K; k++) {
      out.ltvNet[t * (K + 1) + k] += stats.ltvNet[g * (K + 1) + k];
      out.ltvCustomers[t * (K + 1) + k] += stats.ltvCustomers[g * (K + 1) + k];
    }
  }
  return out;
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
