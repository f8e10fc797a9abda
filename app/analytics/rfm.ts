/**
 * RFM: recency, frequency and monetary value per customer as of a local day, 1–5 scores
 * and the named segments.
 *
 * Definitions (as of day D, over purchases in [fromDay, D], see history.ts for "purchase"):
 * - R = D − day of the last purchase, in days (0 = bought on D).
 * - F = number of purchases (same-local-day orders count once).
 * - M = net revenue (after refunds) of those purchases, in minor units.
 * Only customers with at least one purchase in the window are scored; the others have
 * R = −1, F = 0, M = 0, scores 0 and segment NO_SEGMENT.
 *
 * Quintile scores, with ties: score = 1 + ⌊5 · w / N⌋, where N is the number of scored
 * customers and w the number of them with a strictly worse value (larger R, smaller F or
 * M). Equal values therefore always get equal scores, the worst value always scores 1,
 * and a value shared by many customers takes the score of the lowest rank it occupies
 * (e.g. if 60 % bought once, all of them get F = 1 and the next value gets F = 4). Two
 * rules keep a tie from posing as a bad score (docs/decisions/0012):
 * - the best value always scores 5, however many customers share it (where 90 % bought
 *   today they get R = 5 and the rest R = 1; by the formula alone everyone would get 1);
 * - a dimension without spread — every scored customer with the same value, as when
 *   everyone has bought once — scores everyone the neutral middle score 3: the values say
 *   nothing about anyone, so they must not push everyone into the worst score.
 * Where the best value is held by at most a fifth of the customers and values differ, the
 * scores are exactly the formula's (the form 1 + ⌊5 · (RANK − 1) / N⌋ of SQL engines).
 *
 * Below a minimum number of scored customers (`minCustomers`) nobody is scored or segmented:
 * quintiles of a handful of customers compare too few people to mean anything.
 *
 * One module (about 600 lines) on purpose: the segment rules, their validation, the scoring
 * and the segment summaries share the score grid (FM_VALUES, GRID_CELLS) and one definition
 * of "scored"; split apart, each piece would need the others to be read.
 */
import type { PurchaseHistory } from "./history";
import { purchasesEnd } from "./history";
import type { MetricDefinition } from "./metric";
import type { DayRange } from "./time";

export const NO_SEGMENT = 255;
/** FM = (F + M) / 2 takes the 9 values 1, 1.5, …, 5. */
export const FM_VALUES: readonly number[] = [1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5];
/** Cells of the R × FM grid: cell = (R − 1) · 9 + (F + M − 2). */
export const GRID_CELLS = 45;

/** How raw values become 1..5 scores. */
export type ScoreScale =
  | { readonly kind: "quintile" }
  /**
   * Fixed cut-offs [t2, t3, t4, t5]: score = 1 + the number of cut-offs reached.
   * Frequency and monetary reach t when value ≥ t (ascending cut-offs); recency reaches t
   * when days ≤ t (descending cut-offs, e.g. [365, 180, 90, 30]).
   */
  | { readonly kind: "thresholds"; readonly thresholds: readonly number[] };

/** A segment rule: inclusive ranges of the R score and of FM. Rules are checked in order. */
export interface SegmentRule {
  /** Stable id (lowercase letters, digits, "_" or "-"), used by the UI for translation. */
  readonly id: string;
  readonly name: string;
  /** Inclusive R score range within 1..5. */
  readonly recency: readonly [number, number];
  /** Inclusive FM range within 1..5 (FM moves in steps of 0.5). */
  readonly fm: readonly [number, number];
}

/**
 * The 11 classic segments. The published table gives ranges such as "R 0–1, FM 4–5"; read
 * as (low, high] on integer scores that is R = 1, FM 4.5–5. Published order checks
 * "At Risk" (R 1–2, FM 2.5–5) before "Can't Lose Them", which can then never match; here
 * "Can't Lose Them" comes first. Every one of the 45 R × FM cells matches exactly one of
 * the ranges except those two and Champions ⊂ Loyal, where the order decides.
 */
export const DEFAULT_SEGMENT_RULES: readonly SegmentRule[] = [
  { id: "champions", name: "Champions", recency: [5, 5], fm: [4.5, 5] },
  { id: "loyal", name: "Loyal", recency: [3, 5], fm: [3.5, 5] },
  { id: "potential_loyalist", name: "Potential Loyalist", recency: [4, 5], fm: [1.5, 3] },
  { id: "new", name: "New", recency: [5, 5], fm: [1, 1] },
  { id: "promising", name: "Promising", recency: [4, 4], fm: [1, 1] },
  { id: "need_attention", name: "Need Attention", recency: [3, 3], fm: [2.5, 3] },
  { id: "about_to_sleep", name: "About to Sleep", recency: [3, 3], fm: [1, 2] },
  { id: "cant_lose_them", name: "Can't Lose Them", recency: [1, 1], fm: [4.5, 5] },
  { id: "at_risk", name: "At Risk", recency: [1, 2], fm: [2.5, 5] },
  { id: "hibernating", name: "Hibernating", recency: [2, 2], fm: [1.5, 2] },
  { id: "lost", name: "Lost", recency: [1, 2], fm: [1, 2] },
];

export interface RfmOptions {
  /** Last local day included (purchases on asOfDay count, R = 0 for them). */
  readonly asOfDay: number;
  /** First local day included; omitted = all history. */
  readonly fromDay?: number;
  readonly recencyScale?: ScoreScale;
  readonly frequencyScale?: ScoreScale;
  readonly monetaryScale?: ScoreScale;
  /** Segment rules, validated; default DEFAULT_SEGMENT_RULES. */
  readonly rules?: readonly SegmentRule[];
  /**
   * Fewer scored customers than this → nobody is scored or segmented (R, F, M are still
   * measured); default 1 (always score).
   */
  readonly minCustomers?: number;
}

/** Cut-offs actually used: score ≥ k iff the value reaches entry k − 2; null = no customer can. */
export interface ScoreThresholds {
  readonly recency: readonly (number | null)[];
  readonly frequency: readonly (number | null)[];
  readonly monetary: readonly (number | null)[];
}

export interface RfmResult {
  readonly asOfDay: number;
  /** The purchases considered: [fromDay or history start, asOfDay]. */
  readonly window: DayRange;
  readonly customerCount: number;
  /** Customers with ≥ 1 purchase in the window. */
  readonly scoredCount: number;
  /** False when scoredCount < minCustomers: scores 0 and no segment for everyone. */
  readonly segmented: boolean;
  readonly minCustomers: number;
  /** Days since the last purchase; −1 when not scored. */
  readonly recencyDays: Int32Array;
  /** Purchases in the window. */
  readonly frequency: Int32Array;
  /** Orders in the window (same-day orders counted separately, for average order value). */
  readonly orders: Int32Array;
  /** Net revenue in the window, minor units. */
  readonly monetaryMinor: Float64Array;
  /** Scores 1..5, 0 when not scored. */
  readonly r: Uint8Array;
  readonly f: Uint8Array;
  readonly m: Uint8Array;
  /** Index into `rules`, NO_SEGMENT when not scored. */
  readonly segment: Uint8Array;
  readonly rules: readonly SegmentRule[];
  readonly thresholds: ScoreThresholds;
}

// ---------------------------------------------------------------------------------------------
// Rules.

export interface RuleProblem {
  readonly code:
    | "empty"
    | "too_many"
    | "bad_id"
    | "duplicate_id"
    | "bad_name"
    | "bad_range"
    | "uncovered_cell"
    | "unreachable_rule";
  readonly message: string;
  readonly ruleId?: string;
}

const RULE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const isRange = (value: unknown): value is readonly [number, number] =>
  Array.isArray(value) &&
  value.length === 2 &&
  typeof value[0] === "number" &&
  typeof value[1] === "number" &&
  Number.isFinite(value[0]) &&
  Number.isFinite(value[1]);

/** Segment index of an R score and F + M sum, or NO_SEGMENT when no rule matches. */
function matchRule(rules: readonly SegmentRule[], r: number, fmSum: number): number {
  const fm = fmSum / 2;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    if (r >= rule.recency[0] && r <= rule.recency[1] && fm >= rule.fm[0] && fm <= rule.fm[1]) {
      return i;
    }
  }
  return NO_SEGMENT;
}

/**
 * Problems with a (merchant-edited) rule list; empty when valid. A valid list has 1..254
 * rules with unique ids, ranges inside 1..5, covers all 45 R × FM cells and every rule
 * matches at least one cell under first-match order.
 */
export function validateSegmentRules(rules: readonly SegmentRule[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (!Array.isArray(rules) || rules.length === 0) {
    return [{ code: "empty", message: "At least one segment rule is needed" }];
  }
  if (rules.length >= NO_SEGMENT) {
    problems.push({ code: "too_many", message: `At most ${NO_SEGMENT - 1} segment rules` });
  }
  const seen = new Set<string>();
  let rangesOk = true;
  for (const rule of rules) {
    const id = typeof rule?.id === "string" ? rule.id : "";
    if (!RULE_ID.test(id)) {
      problems.push({ code: "bad_id", message: `Invalid rule id "${id}"`, ruleId: id });
    } else if (seen.has(id)) {
      problems.push({ code: "duplicate_id", message: `Duplicate rule id "${id}"`, ruleId: id });
    }
    seen.add(id);
    if (typeof rule?.name !== "string" || rule.name.trim() === "") {
      problems.push({ code: "bad_name", message: `Rule "${id}" needs a name`, ruleId: id });
    }
    for (const [label, range] of [
      ["recency", rule?.recency],
      ["fm", rule?.fm],
    ] as const) {
      if (!isRange(range) || range[0] < 1 || range[1] > 5 || range[0] > range[1]) {
        rangesOk = false;
        problems.push({
          code: "bad_range",
          message: `Rule "${id}": ${label} must be [min, max] with 1 ≤ min ≤ max ≤ 5`,
          ruleId: id,
        });
      }
    }
  }
  if (!rangesOk) return problems;

  const reached = new Uint8Array(rules.length);
  for (let r = 1; r <= 5; r++) {
    for (let fmSum = 2; fmSum <= 10; fmSum++) {
      const hit = matchRule(rules, r, fmSum);
      if (hit === NO_SEGMENT) {
        problems.push({
          code: "uncovered_cell",
          message: `No rule matches R = ${r}, FM = ${fmSum / 2}`,
        });
      } else {
        reached[hit] = 1;
      }
    }
  }
  rules.forEach((rule, i) => {
    if (!reached[i]) {
      problems.push({
        code: "unreachable_rule",
        message: `Rule "${rule.id}" never matches: earlier rules take all its cells`,
        ruleId: rule.id,
      });
    }
  });
  return problems;
}

/** Throws a RangeError listing every problem of an invalid rule list. */
export function assertValidSegmentRules(rules: readonly SegmentRule[]): void {
  const problems = validateSegmentRules(rules);
  if (problems.length > 0) {
    throw new RangeError(`Invalid segment rules: ${problems.map((p) => p.message).join("; ")}`);
  }
}

/** Segment index for each of the 45 grid cells (rules assumed valid). */
export function segmentTable(rules: readonly SegmentRule[]): Uint8Array {
  const table = new Uint8Array(GRID_CELLS);
  for (let r = 1; r <= 5; r++) {
    for (let fmSum = 2; fmSum <= 10; fmSum++) {
      table[(r - 1) * 9 + fmSum - 2] = matchRule(rules, r, fmSum);
    }
  }
  return table;
}

// ---------------------------------------------------------------------------------------------
// Scores.

function validateScale(scale: ScoreScale, descending: boolean, what: string): void {
  if (scale.kind === "quintile") return;
  const t = scale.thresholds;
  const ok =
    Array.isArray(t) &&
    t.length === 4 &&
    t.every((x) => typeof x === "number" && Number.isFinite(x)) &&
    t.every((x, i) => i === 0 || (descending ? x <= t[i - 1] : x >= t[i - 1]));
  if (!ok) {
    throw new RangeError(
      `Invalid ${what} thresholds: need 4 finite numbers in ${descending ? "descending" : "ascending"} order`,
    );
  }
}

/**
 * Quintile cut-offs of values where larger is better: score ≥ k iff value ≥ cut[k − 2]
 * (null: unreachable). Scores 1 + ⌊5 · (#smaller) / N⌋, except that the largest value
 * always scores 5 and, when all values are equal, they score 3 (see the module comment).
 * May reorder the array.
 */
export function quintileCuts(values: Float64Array): (number | null)[] {
  const n = values.length;
  if (n === 0) return [null, null, null, null];
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // No spread: the neutral score 3 for all.
  if (min === max) return [max, max, null, null];
  // The best value reaches every cut-off the formula leaves unreachable.
  return rankCuts(values, min, max).map((cut) => cut ?? max);
}

/** Ranks m_k of the cut-offs: score ≥ k iff at least m_k values are strictly smaller. */
const cutRanks = (n: number): number[] => [2, 3, 4, 5].map((k) => Math.ceil(((k - 1) * n) / 5));

/** Whether rankCuts takes its histogram path for integral values in [min, max]. */
const histogramFits = (n: number, min: number, max: number): boolean => max - min <= 4 * n + 1024;

/**
 * rankCuts of values given as a histogram: hist[u] values equal min + u, n in all. Each
 * cut-off is the smallest value above the m_k-th smallest.
 */
function histogramCuts(hist: Int32Array, n: number, min: number): (number | null)[] {
  return cutRanks(n).map((m) => {
    let seen = 0;
    let u = 0;
    while (seen + hist[u] < m) seen += hist[u++];
    let next = u + 1;
    while (next < hist.length && hist[next] === 0) next++;
    return next < hist.length ? next + min : null;
  });
}

/** Cut-offs of 1 + ⌊5 · (#smaller) / N⌋ alone (null: no value reaches them). */
function rankCuts(values: Float64Array, min: number, max: number): (number | null)[] {
  const n = values.length;
  let integral = true;
  let nan = false;
  for (let i = 0; i < n && integral; i++) integral = Number.isInteger(values[i]);
  if (integral && histogramFits(n, min, max)) {
    // Small integer range (recency, frequency): a histogram instead of a sort.
    const hist = new Int32Array(max - min + 1);
    for (let i = 0; i < n; i++) hist[values[i] - min]++;
    return histogramCuts(hist, n, min);
  }
  for (let i = 0; i < n && !nan; i++) nan = Number.isNaN(values[i]);
  if (nan) return sortedRankCuts(values);
  // Order statistics by selection, linear instead of a sort: the m-th smallest value, then
  // the smallest value above it among the larger part (the same values a sort finds).
  const cuts: (number | null)[] = [];
  let from = 0;
  for (const m of cutRanks(n)) {
    selectNth(values, from, n, m - 1);
    from = m - 1;
    const below = values[m - 1];
    let best = Infinity;
    let found = false;
    for (let i = m; i < n; i++) {
      const v = values[i];
      // A sort puts −0 before +0: keep −0 when the cut-off is zero.
      if (v > below && (v < best || (v === best && v === 0 && Object.is(v, -0)) || !found)) {
        best = v;
        found = true;
      }
    }
    cuts.push(found ? best : null);
  }
  return cuts;
}

/** rankCuts by a full sort (values with NaN: sorted last, as Float64Array.sort puts them). */
function sortedRankCuts(values: Float64Array): (number | null)[] {
  const n = values.length;
  values.sort();
  return cutRanks(n).map((m) => {
    const below = values[m - 1];
    let lo = m;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (values[mid] > below) hi = mid;
      else lo = mid + 1;
    }
    return lo < n ? values[lo] : null;
  });
}

/**
 * Rearranges values[from..to) so that values[k] holds the value an ascending sort would put
 * there, with no larger value before it and no smaller one after (numeric order, no NaN).
 * Hand-written three-way quickselect (Float64Array has no nth_element): linear on average,
 * duplicates cost nothing; a range that stops shrinking is sorted instead.
 */
function selectNth(values: Float64Array, from: number, to: number, k: number): void {
  let lo = from;
  let hi = to;
  let rounds = 0;
  while (hi - lo > 16) {
    if (++rounds > 64) {
      values.subarray(lo, hi).sort();
      return;
    }
    const a = values[lo];
    const b = values[(lo + hi) >>> 1];
    const c = values[hi - 1];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let lt = lo;
    let i = lo;
    let gt = hi;
    while (i < gt) {
      const v = values[i];
      if (v < pivot) {
        values[i++] = values[lt];
        values[lt++] = v;
      } else if (v > pivot) {
        values[i] = values[--gt];
        values[gt] = v;
      } else {
        i++;
      }
    }
    if (k < lt) hi = lt;
    else if (k >= gt) lo = gt;
    else return;
  }
  for (let i = lo + 1; i < hi; i++) {
    const v = values[i];
    let j = i - 1;
    while (j >= lo && values[j] > v) {
      values[j + 1] = values[j];
      j--;
    }
    values[j + 1] = v;
  }
}

/**
 * Scorer of a value against cut-offs: 1 + the number reached. Cut-offs are unpacked into
 * four numbers (null → never reached) because this runs once per customer and dimension.
 */
function scorer(cuts: readonly (number | null)[], smallerIsBetter: boolean): (v: number) => number {
  const never = smallerIsBetter ? -Infinity : Infinity;
  const [c2, c3, c4, c5] = cuts.map((c) => c ?? never);
  return smallerIsBetter
    ? (v) => 1 + +(v <= c2) + +(v <= c3) + +(v <= c4) + +(v <= c5)
    : (v) => 1 + +(v >= c2) + +(v >= c3) + +(v >= c4) + +(v >= c5);
}

// ---------------------------------------------------------------------------------------------
// RFM.

/** R, F, M, scores and segments of every customer as of a local day. Linear + 3 sorts. */
export function computeRfm(history: PurchaseHistory, options: RfmOptions): RfmResult {
  return rfmOf(history, options, true);
}

/**
 * The segment of every customer as of a local day (NO_SEGMENT when not scored): computeRfm's
 * segment, without the order counts and R, F, M scores it also keeps (7 bytes a customer
 * less), for callers that only need the segments (segment migration's earlier date).
 */
export function rfmSegments(history: PurchaseHistory, options: RfmOptions): Uint8Array {
  return rfmOf(history, options, false).segment;
}

const EMPTY_BYTES = new Uint8Array(0);
const EMPTY_INTS = new Int32Array(0);

/** computeRfm; without `full`, the orders and r, f, m arrays are left empty. */
function rfmOf(history: PurchaseHistory, options: RfmOptions, full: boolean): RfmResult {
  const { asOfDay } = options;
  // An integer sentinel keeps the day comparisons on small integers.
  const fromDay = options.fromDay ?? -2_147_483_648;
  if (!Number.isInteger(asOfDay)) throw new RangeError("asOfDay must be an integer local day");
  if (options.fromDay !== undefined && !(Number.isInteger(fromDay) && fromDay <= asOfDay)) {
    throw new RangeError("fromDay must be an integer local day ≤ asOfDay");
  }
  const rules = options.rules ?? DEFAULT_SEGMENT_RULES;
  if (rules !== DEFAULT_SEGMENT_RULES) assertValidSegmentRules(rules);
  const minCustomers = options.minCustomers ?? 1;
  if (!(Number.isInteger(minCustomers) && minCustomers >= 1)) {
    throw new RangeError("minCustomers must be a positive integer");
  }
  const recencyScale = options.recencyScale ?? { kind: "quintile" };
  const frequencyScale = options.frequencyScale ?? { kind: "quintile" };
  const monetaryScale = options.monetaryScale ?? { kind: "quintile" };
  validateScale(recencyScale, true, "recency");
  validateScale(frequencyScale, false, "frequency");
  validateScale(monetaryScale, false, "monetary");

  const n = history.customerCount;
  const { purchaseStart, purchaseDay, purchaseNet, purchaseOrders } = history;
  const recencyDays = new Int32Array(n).fill(-1);
  const frequency = new Int32Array(n);
  const orders = full ? new Int32Array(n) : EMPTY_INTS;
  const monetaryMinor = new Float64Array(n);
  let scored = 0;
  // Ranges of the scored values, for the quintile histograms below.
  let minR = Infinity;
  let maxR = -Infinity;
  let minF = Infinity;
  let maxF = -Infinity;
  let minM = Infinity;
  let maxM = -Infinity;
  let integralM = true;
  for (let c = 0; c < n; c++) {
    const end = purchasesEnd(history, c, asOfDay);
    const begin = purchaseStart[c];
    let count = 0;
    let orderCount = 0;
    let net = 0;
    for (let p = end - 1; p >= begin && purchaseDay[p] >= fromDay; p--) {
      count++;
      if (full) orderCount += purchaseOrders[p];
      net += purchaseNet[p];
    }
    if (count === 0) continue;
    const recency = asOfDay - purchaseDay[end - 1];
    recencyDays[c] = recency;
    frequency[c] = count;
    if (full) orders[c] = orderCount;
    monetaryMinor[c] = net;
    scored++;
    if (recency < minR) minR = recency;
    if (recency > maxR) maxR = recency;
    if (count < minF) minF = count;
    if (count > maxF) maxF = count;
    if (net < minM) minM = net;
    if (net > maxM) maxM = net;
    if (integralM && !Number.isInteger(net)) integralM = false;
  }

  const segmented = scored >= minCustomers;
  // Cut-offs: recency is negated so that "larger is better" holds for all three
  // (0 - x rather than -x to avoid -0). Not segmented: no cut-offs, nobody scored.
  const unreachable = [null, null, null, null];
  // Quintile cut-offs from histograms of the scored values, read in place, where rankCuts
  // would count rather than sort (values spread over a small integer range): one pass
  // fills them all. Other dimensions take quintileCuts of a copy, as before.
  const counted = (kind: ScoreScale["kind"], min: number, max: number, integral = true) =>
    segmented && kind === "quintile" && min !== max && integral && histogramFits(scored, min, max);
  const rHist = counted(recencyScale.kind, -maxR, -minR) ? new Int32Array(maxR - minR + 1) : null;
  const fHist = counted(frequencyScale.kind, minF, maxF) ? new Int32Array(maxF - minF + 1) : null;
  const mHist = counted(monetaryScale.kind, minM, maxM, integralM)
    ? new Int32Array(maxM - minM + 1)
    : null;
  if (rHist !== null || fHist !== null || mHist !== null) {
    for (let c = 0; c < n; c++) {
      const recency = recencyDays[c];
      if (recency < 0) continue;
      if (rHist !== null) rHist[maxR - recency]++;
      if (fHist !== null) fHist[frequency[c] - minF]++;
      if (mHist !== null) mHist[monetaryMinor[c] - minM]++;
    }
  }
  /** quintileCuts of the scored customers' values (sign −1: negated), from a copy. */
  const copied = (values: Int32Array | Float64Array, sign: number): (number | null)[] => {
    const copy = new Float64Array(scored);
    for (let c = 0, j = 0; c < n; c++) {
      if (recencyDays[c] >= 0) copy[j++] = sign === 1 ? values[c] : -values[c];
    }
    return quintileCuts(copy);
  };
  const rCuts = !segmented
    ? unreachable
    : recencyScale.kind === "quintile"
      ? (rHist !== null
          ? histogramCuts(rHist, scored, -maxR).map((cut) => cut ?? -minR)
          : copied(recencyDays, -1)
        ).map((x) => (x === null ? null : 0 - x))
      : [...recencyScale.thresholds];
  const fCuts = !segmented
    ? unreachable
    : frequencyScale.kind === "quintile"
      ? fHist !== null
        ? histogramCuts(fHist, scored, minF).map((cut) => cut ?? maxF)
        : copied(frequency, 1)
      : [...frequencyScale.thresholds];
  const mCuts = !segmented
    ? unreachable
    : monetaryScale.kind === "quintile"
      ? mHist !== null
        ? histogramCuts(mHist, scored, minM).map((cut) => cut ?? maxM)
        : copied(monetaryMinor, 1)
      : [...monetaryScale.thresholds];

  const table = segmentTable(rules);
  const scoreR = scorer(rCuts, true);
  const scoreF = scorer(fCuts, false);
  const scoreM = scorer(mCuts, false);
  const r = full ? new Uint8Array(n) : EMPTY_BYTES;
  const f = full ? new Uint8Array(n) : EMPTY_BYTES;
  const m = full ? new Uint8Array(n) : EMPTY_BYTES;
  const segment = new Uint8Array(n).fill(NO_SEGMENT);
  for (let c = 0; c < n && segmented; c++) {
    if (recencyDays[c] < 0) continue;
    const rs = scoreR(recencyDays[c]);
    const fs = scoreF(frequency[c]);
    const ms = scoreM(monetaryMinor[c]);
    if (full) {
      r[c] = rs;
      f[c] = fs;
      m[c] = ms;
    }
    segment[c] = table[(rs - 1) * 9 + fs + ms - 2];
  }

  const windowStart =
    options.fromDay !== undefined
      ? options.fromDay
      : Number.isFinite(history.minDay)
        ? Math.min(history.minDay, asOfDay)
        : asOfDay;
  return {
    asOfDay,
    window: { startDay: windowStart, endDay: asOfDay + 1 },
    customerCount: n,
    scoredCount: scored,
    segmented,
    minCustomers,
    recencyDays,
    frequency,
    orders,
    monetaryMinor,
    r,
    f,
    m,
    segment,
    rules,
    thresholds: { recency: rCuts, frequency: fCuts, monetary: mCuts },
  };
}

/** How the quintile scores are defined (the segments page shows it), for a minimum of customers. */
export function rfmDefinition(minCustomers: number): MetricDefinition {
  return {
    id: "rfm_scores",
    name: "RFM score",
    text: `Each customer with a purchase up to the as-of date gets a score from 1 to 5 for recency (days since the last purchase), frequency (purchases; orders on one shop-local day count once) and monetary value (net revenue after refunds), by quintile: 1 + ⌊5 × customers with a strictly worse value ÷ customers scored⌋. Equal values share the score of the lowest rank they occupy, so the worst value scores 1. The best value always scores 5, however many customers share it, and when every customer has the same value (everyone bought once, or on the same day) everyone gets the neutral score 3. Segments follow from R and FM = (F + M) / 2. With fewer than ${minCustomers} customers nobody is scored, segmented or tagged.`,
    base: "Customers with at least one purchase up to the as-of date",
    unit: "count",
    params: { minCustomers },
  };
}

// ---------------------------------------------------------------------------------------------
// Summaries.

export interface SegmentSummary {
  readonly id: string;
  readonly name: string;
  readonly customers: number;
  /** customers / scored customers. */
  readonly customerShare: number | null;
  /** Net revenue of the window. */
  readonly revenueMinor: number;
  /** revenue / revenue of all scored customers (null when that total is ≤ 0). */
  readonly revenueShare: number | null;
  readonly orders: number;
  readonly purchases: number;
  /** revenue / orders. */
  readonly averageOrderValueMinor: number | null;
  readonly averageRecencyDays: number | null;
  readonly averageFrequency: number | null;
  readonly averageMonetaryMinor: number | null;
  /** Mean of the finite predicted CLVs given for the segment's customers. */
  readonly averagePredictedClvMinor: number | null;
  /** Mean of the finite P(alive) values given for the segment's customers. */
  readonly averagePAlive: number | null;
}

export interface SegmentSummaries {
  readonly asOfDay: number;
  readonly window: DayRange;
  readonly scoredCount: number;
  readonly revenueMinor: number;
  readonly orders: number;
  /** One entry per rule, in rule order (empty segments included). */
  readonly segments: readonly SegmentSummary[];
}

export interface SegmentExtras {
  /** Predicted CLV per customer (dense index), minor units; NaN = unknown. */
  readonly predictedClvMinor?: Float64Array;
  /** P(alive) per customer; NaN = unknown. */
  readonly pAlive?: Float64Array;
}

/** Per-segment counts, revenue share, average order value and optional model averages. */
export function summarizeSegments(rfm: RfmResult, extras: SegmentExtras = {}): SegmentSummaries {
  const s = rfm.rules.length;
  const { predictedClvMinor: clv, pAlive } = extras;
  for (const [label, arr] of [
    ["predictedClvMinor", clv],
    ["pAlive", pAlive],
  ] as const) {
    if (arr !== undefined && arr.length !== rfm.customerCount) {
      throw new RangeError(`${label} must have one value per customer (${rfm.customerCount})`);
    }
  }
  const customers = new Float64Array(s);
  const revenue = new Float64Array(s);
  const orders = new Float64Array(s);
  const purchases = new Float64Array(s);
  const recency = new Float64Array(s);
  const clvSum = new Float64Array(s);
  const clvCount = new Float64Array(s);
  const aliveSum = new Float64Array(s);
  const aliveCount = new Float64Array(s);
  for (let c = 0; c < rfm.customerCount; c++) {
    const g = rfm.segment[c];
    if (g === NO_SEGMENT) continue;
    customers[g]++;
    revenue[g] += rfm.monetaryMinor[c];
    orders[g] += rfm.orders[c];
    purchases[g] += rfm.frequency[c];
    recency[g] += rfm.recencyDays[c];
    if (clv !== undefined && Number.isFinite(clv[c])) {
      clvSum[g] += clv[c];
      clvCount[g]++;
    }
    if (pAlive !== undefined && Number.isFinite(pAlive[c])) {
      aliveSum[g] += pAlive[c];
      aliveCount[g]++;
    }
  }
  let totalRevenue = 0;
  let totalOrders = 0;
  for (let g = 0; g < s; g++) {
    totalRevenue += revenue[g];
    totalOrders += orders[g];
  }
  const avg = (sum: number, count: number): number | null => (count > 0 ? sum / count : null);
  const segments = rfm.rules.map((rule, g): SegmentSummary => ({
    id: rule.id,
    name: rule.name,
    customers: customers[g],
    customerShare: avg(customers[g], rfm.scoredCount),
    revenueMinor: revenue[g],
    revenueShare: totalRevenue > 0 ? revenue[g] / totalRevenue : null,
    orders: orders[g],
    purchases: purchases[g],
    averageOrderValueMinor: avg(revenue[g], orders[g]),
    averageRecencyDays: avg(recency[g], customers[g]),
    averageFrequency: avg(purchases[g], customers[g]),
    averageMonetaryMinor: avg(revenue[g], customers[g]),
    averagePredictedClvMinor: avg(clvSum[g], clvCount[g]),
    averagePAlive: avg(aliveSum[g], aliveCount[g]),
  }));
  return {
    asOfDay: rfm.asOfDay,
    window: rfm.window,
    scoredCount: rfm.scoredCount,
    revenueMinor: totalRevenue,
    orders: totalOrders,
    segments,
  };
}

export interface RfmGrid {
  /** Row = R score 1..5, column = FM value (FM_VALUES); cell = (R − 1) · 9 + column. */
  readonly customers: Int32Array;
  readonly revenueMinor: Float64Array;
  /** Segment index of each cell under the rules used. */
  readonly segment: Uint8Array;
}

/** Customer counts and net revenue in each of the 45 R × FM cells. */
export function rfmGrid(rfm: RfmResult): RfmGrid {
  const customers = new Int32Array(GRID_CELLS);
  const revenueMinor = new Float64Array(GRID_CELLS);
  for (let c = 0; c < rfm.customerCount; c++) {
    const rs = rfm.r[c];
    if (rs === 0) continue;
    const cell = (rs - 1) * 9 + rfm.f[c] + rfm.m[c] - 2;
    customers[cell]++;
    revenueMinor[cell] += rfm.monetaryMinor[c];
  }
  return { customers, revenueMinor, segment: segmentTable(rfm.rules) };
}
