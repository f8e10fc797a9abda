/**
 * Intervals for the predictions from the parameters' uncertainty: the fits give Cov(ln θ)
 * (the inverse Hessian behind the standard errors); the log-parameters are drawn from their
 * asymptotic normal N(ln θ̂, Cov), the predictions are recomputed under each draw, and the
 * interval is the central `level` share of the draws (percentile interval). Purchase model
 * and Gamma-Gamma are drawn independently: under the models the purchase process and the
 * spend are independent, so the joint likelihood factorises and so does the estimators'
 * asymptotic covariance. Without Gamma-Gamma the order value is the shop's mean, a constant
 * here: the intervals then carry the purchase model's uncertainty only.
 *
 * What is covered: the parameter uncertainty of the model's expected values for these
 * customers — the prediction under the true parameters, given the customers' histories —
 * not the Poisson noise of what they will actually buy.
 *
 * Cost. Re-predicting every customer per draw is draws × customers work (200 × 1M), and the
 * expensive part, E[Y(t) | alive, x, T] at the horizon's months, costs about 1.5 µs per
 * (x, T) pair and month. So the draws are evaluated on a sample of customers: per group, when
 * it has more customers than its share of the budget (96 in all, at least 8 per group), a
 * systematic sample with probability proportional to the customer's share of the group's
 * expected purchases plus their share of its CLV, after ordering by repeat purchases x (an
 * implicit stratification on what drives how a prediction responds to the parameters); a
 * smaller group is evaluated on every customer (exact). Each draw's group total is the point
 * total times the ratio of the sample's Horvitz-Thompson totals under the draw and under the
 * estimate, so the sample only has to get the relative change right, which is smooth across
 * customers. A shop total is the sum of its groups' totals in the same draw. Apart from one
 * O(customers) counting sort, the cost does not grow with the shop. The sample's error is
 * checked against the exhaustive evaluation in test/clv/intervals.test.ts.
 *
 * The horizon: a draw evaluates the cumulative expectation at 6 months of it (1, 4, 9, 16, 25,
 * 36 of 36), linear in between, not at every month (a third to a sixth of the calls for the
 * default 36 months); the ends move by under 2 % of the half-width (tested).
 *
 * Draws that cannot be evaluated: only identified fits are drawn from (the purchase model's
 * status, and BG/NBD's for the scenarios), and a draw farther than |z|² = 36 from the
 * estimate is drawn again. A BG/NBD on the boundary (a, b → ∞, SE of ln a ≈ 240) once gave
 * draws of a = b = 1e200, where E[Y(t)] takes up to a millisecond per call and is NaN: 135 s
 * for one 400-customer shop's ranges (docs/decisions/0050-ltv-intervals.md).
 *
 * Over 600 lines: the draws, the sample, the horizon's nodes and the scenarios share the
 * sub-problem and its Horvitz-Thompson weights; split apart they would pass them all around.
 */

import { Rng } from "../random";
import type { BgNbdParams } from "./bgnbd";
import { gammaGammaExpectedSpend, type GammaGammaParams } from "./gammagamma";
import type { AnyPurchaseModel } from "./models";
import type { ParetoNbdParams } from "./paretonbd";
import {
  clvHorizon,
  DAYS_PER_MONTH,
  monthlyDiscountRate,
  type ClvHorizonOptions,
  type ClvPredictions,
  type PairIndex,
  type PredictContext,
} from "./predict";
import { cholesky } from "./optimize";
import { churnReduction, type ScenarioModel } from "./scenario";
import { daysPerUnit, type TimeUnit } from "./summary";

/** Default draws of the parameters: the 2.5 % quantile is then the 5th of 200. */
export const DEFAULT_INTERVAL_DRAWS = 200;
/** Default customers evaluated per draw, shared among the groups. */
export const DEFAULT_INTERVAL_SAMPLE = 96;
/** Fewest customers a group with more customers than that is evaluated on. */
const MIN_CUSTOMERS_PER_GROUP = 8;
/**
 * Months of the CLV horizon at which the draws evaluate E[Y(t) | alive] (the point predictions
 * evaluate every month); in between, the cumulative expectation is interpolated linearly.
 */
export const DEFAULT_HORIZON_NODES = 6;

export interface Interval {
  /** The point prediction (under the estimates). */
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
}

export interface GroupIntervals {
  readonly customers: number;
  /** Σ expected purchases in the next 90 days. */
  readonly expectedPurchases90: Interval;
  /** Σ discounted CLV over the horizon (minor units). */
  readonly clv: Interval;
}

export interface ScenarioIntervals {
  readonly points: number;
  readonly clvGain: Interval;
  readonly revenueGain: Interval;
}

export interface PredictionIntervals {
  readonly status: "ok";
  readonly level: number;
  readonly draws: number;
  readonly seed: number;
  /** Customers the draws were evaluated on (the groups' customers are in `customers`). */
  readonly sampledCustomers: number;
  /** Per group index (0 … groupCount − 1); customers 0 for empty groups. */
  readonly groups: readonly GroupIntervals[];
  readonly shop: GroupIntervals;
  /** Per churn scenario, in the order given; null when no scenario was asked. */
  readonly scenarios: readonly ScenarioIntervals[] | null;
}

/** Why a model's predictions have no intervals. */
export interface IntervalsUnavailable {
  readonly status: "unavailable";
  /** "not-identified": the fit is not trustworthy; "no-standard-errors": no covariance. */
  readonly code: "not-identified" | "no-standard-errors";
  /** English sentence for logs and definitions. */
  readonly reason: string;
}

/** A fitted model's estimate and Cov(ln θ) (row-major, in `params`' key order). */
export interface ParameterUncertainty<P> {
  readonly params: P;
  readonly logCovariance: readonly number[] | null;
}

export interface IntervalInput {
  readonly ctx: PredictContext;
  /** The point predictions the intervals are around (predictWithContext's). */
  readonly predictions: ClvPredictions;
  /** Group of each customer (index space of the summary); customers ≥ groupCount are left out. */
  readonly groupOf: ArrayLike<number>;
  readonly groupCount: number;
  readonly purchase: {
    readonly model: AnyPurchaseModel;
  } & ParameterUncertainty<BgNbdParams | ParetoNbdParams>;
  /** Null when the order value is the shop's mean (predictions.meanAovMinor). */
  readonly spend: ParameterUncertainty<GammaGammaParams> | null;
  /** Churn scenarios of the purchase model (scenario.ts's churnReduction), with their point gains. */
  readonly scenarios?: {
    readonly points: readonly number[];
    readonly clvGain: readonly number[];
    readonly revenueGain: readonly number[];
  };
}

export interface IntervalOptions extends ClvHorizonOptions {
  readonly level?: number;
  readonly draws?: number;
  readonly seed?: number;
  /** Customers per draw, shared among groups; Infinity evaluates every customer. */
  readonly sampleSize?: number;
  /** Months of the horizon evaluated per draw (horizonNodes); Infinity evaluates every month. */
  readonly horizonNodes?: number;
}

/**
 * Largest squared Mahalanobis distance |z|² of a draw from the estimate; farther draws are
 * drawn again. The normal's mass beyond it is below 3e-7 for up to 4 parameters (χ²₄ tail at
 * 36), so the percentiles do not move, but no draw lands where the special functions take
 * milliseconds per call and return NaN (a = b = 1e200).
 */
const MAX_DRAW_RADIUS2 = 36;

/**
 * `draws` parameter vectors θ = exp(ln θ̂ + L z), z ~ N(0, I) from `rng` (|z|² ≤ 36), in
 * `keys` order of `params`. Null when the covariance is missing or not positive definite.
 */
export function drawParameters<P extends object>(
  params: P,
  logCovariance: readonly number[] | null,
  draws: number,
  rng: Rng,
): P[] | null {
  if (logCovariance === null) return null;
  const keys = Object.keys(params) as (keyof P & string)[];
  const n = keys.length;
  if (logCovariance.length !== n * n) return null;
  const L = cholesky(logCovariance, n);
  if (L === null) return null;
  const center = keys.map((k) => Math.log(params[k] as number));
  const out: P[] = [];
  const z = new Float64Array(n);
  for (let d = 0; d < draws; d++) {
    let radius2 = Infinity;
    while (radius2 > MAX_DRAW_RADIUS2) {
      radius2 = 0;
      for (let i = 0; i < n; i++) {
        z[i] = rng.normal();
        radius2 += z[i] * z[i];
      }
    }
    const p = {} as Record<string, number>;
    for (let i = 0; i < n; i++) {
      let v = center[i];
      for (let j = 0; j <= i; j++) v += L[i * n + j] * z[j];
      p[keys[i]] = Math.exp(v);
    }
    out.push(p as P);
  }
  return out;
}

/** Quantile q of ascending values, linear between order statistics. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function intervalOf(estimate: number, values: Float64Array, level: number): Interval {
  const sorted = Float64Array.from(values).sort();
  return {
    estimate,
    lower: quantileSorted(sorted, (1 - level) / 2),
    upper: quantileSorted(sorted, (1 + level) / 2),
  };
}

/** The groups' customers ordered by group, then x; per group its slice and point totals. */
interface GroupedCustomers {
  readonly order: Int32Array;
  /** Group g's customers are order[start[g] … start[g + 1]). */
  readonly start: Int32Array;
  readonly expected90: Float64Array;
  readonly clv: Float64Array;
}

/** Buckets of x in the ordering (x ≥ 63 share the last). */
const X_BUCKETS = 64;

/**
 * One counting sort on (group, min(x, 63)): O(customers) on typed arrays. Ordering by x
 * spreads a systematic sample over frequencies (an implicit stratification).
 */
function groupCustomers(input: Omit<IntervalInput, "scenarios">): GroupedCustomers {
  const { ctx, groupOf, groupCount, predictions } = input;
  const { rowOf } = ctx.rows;
  const { x } = ctx.summary;
  const n = ctx.summary.customerCount;
  const p = predictions.perCustomer;
  const keyOf = (i: number): number => {
    const g = groupOf[i];
    if (rowOf[i] < 0 || !(g >= 0 && g < groupCount)) return -1;
    return g * X_BUCKETS + Math.min(X_BUCKETS - 1, Math.max(0, Math.floor(x[i])));
  };
  const slot = new Int32Array(groupCount * X_BUCKETS + 1);
  const expected90 = new Float64Array(groupCount);
  const clv = new Float64Array(groupCount);
  for (let i = 0; i < n; i++) {
    const k = keyOf(i);
    if (k < 0) continue;
    slot[k + 1]++;
    const g = groupOf[i];
    expected90[g] += p.expectedPurchases90[i];
    clv[g] += p.clv[i];
  }
  for (let k = 0; k < groupCount * X_BUCKETS; k++) slot[k + 1] += slot[k];
  const start = Int32Array.from({ length: groupCount + 1 }, (_, g) => slot[g * X_BUCKETS]);
  const order = new Int32Array(slot[groupCount * X_BUCKETS]);
  for (let i = 0; i < n; i++) {
    const k = keyOf(i);
    if (k >= 0) order[slot[k]++] = i;
  }
  return { order, start, expected90, clv };
}

/**
 * Per group, the customers the draws are evaluated on and their Horvitz-Thompson weights:
 * all of them (weight 1) when the group has at most its share of the budget, else a
 * systematic sample with probability proportional to size = the customer's share of the
 * group's expected purchases + their share of its CLV. Grouped: group g's sample is
 * [start[g], start[g + 1]).
 */
function sampleCustomers(
  grouped: GroupedCustomers,
  predictions: ClvPredictions,
  groupCount: number,
  budgetTotal: number,
  rng: Rng,
): { customer: Int32Array; weight: Float64Array; start: Int32Array } {
  const { order, expected90, clv } = grouped;
  const p = predictions.perCustomer;
  let nonEmpty = 0;
  for (let g = 0; g < groupCount; g++) if (grouped.start[g + 1] > grouped.start[g]) nonEmpty++;
  const budget = Number.isFinite(budgetTotal)
    ? Math.max(MIN_CUSTOMERS_PER_GROUP, Math.floor(budgetTotal / Math.max(1, nonEmpty)))
    : Infinity;
  const chosen: number[] = [];
  const weights: number[] = [];
  const start = new Int32Array(groupCount + 1);
  for (let g = 0; g < groupCount; g++) {
    const from = grouped.start[g];
    const to = grouped.start[g + 1];
    const e = expected90[g];
    const c = clv[g];
    // Sizes sum to 2 (1 or 0 when the group expects no purchases or no value).
    const total = (e > 0 ? 1 : 0) + (c > 0 ? 1 : 0);
    if (to - from <= budget || total === 0) {
      for (let j = from; j < to; j++) {
        chosen.push(order[j]);
        weights.push(1);
      }
    } else {
      const step = total / budget;
      let next = rng.float() * step;
      let cumulative = 0;
      for (let j = from; j < to; j++) {
        const i = order[j];
        const size = (e > 0 ? p.expectedPurchases90[i] / e : 0) + (c > 0 ? p.clv[i] / c : 0);
        cumulative += size;
        let hits = 0;
        while (next < cumulative) {
          hits++;
          next += step;
        }
        if (hits > 0) {
          chosen.push(i);
          weights.push((hits * step) / size);
        }
      }
    }
    start[g + 1] = chosen.length;
  }
  return { customer: Int32Array.from(chosen), weight: Float64Array.from(weights), start };
}

/** The rows and (x, T) pairs of the sampled customers, re-indexed. */
function subProblem(ctx: PredictContext, rowsOfCells: Int32Array) {
  const rowIndex = new Map<number, number>();
  const pairIndex = new Map<number, number>();
  const localRow = new Int32Array(rowsOfCells.length);
  const rowList: number[] = [];
  const pairList: number[] = [];
  const pairOfLocalRow: number[] = [];
  for (let s = 0; s < rowsOfCells.length; s++) {
    const r = rowsOfCells[s];
    let lr = rowIndex.get(r);
    if (lr === undefined) {
      lr = rowList.length;
      rowIndex.set(r, lr);
      rowList.push(r);
      const k = ctx.pairs.pairOfRow[r];
      let lk = pairIndex.get(k);
      if (lk === undefined) {
        lk = pairList.length;
        pairIndex.set(k, lk);
        pairList.push(k);
      }
      pairOfLocalRow.push(lk);
    }
    localRow[s] = lr;
  }
  const { rows, pairs } = ctx;
  const sub = {
    length: rowList.length,
    x: Float64Array.from(rowList, (r) => rows.x[r]),
    tx: Float64Array.from(rowList, (r) => rows.tx[r]),
    T: Float64Array.from(rowList, (r) => rows.T[r]),
  };
  const subPairs: PairIndex = {
    length: pairList.length,
    x: Float64Array.from(pairList, (k) => pairs.x[k]),
    T: Float64Array.from(pairList, (k) => pairs.T[k]),
    pairOfRow: Int32Array.from(pairOfLocalRow),
  };
  return { localRow, rows: sub, pairs: subPairs };
}

/**
 * The months of a horizon of `months` at which the draws evaluate the cumulative expectation:
 * every month when there are at most `nodes`, else `nodes` months spaced quadratically (denser
 * early, where discounting weighs most and E[Y(t)] bends most), ending at the horizon: for 36
 * months and 6 nodes 1, 4, 9, 16, 25, 36.
 */
export function horizonNodes(months: number, nodes: number): Int32Array {
  const count = Math.max(1, Math.min(months, Math.floor(nodes)));
  const out = new Int32Array(count);
  for (let j = 1; j <= count; j++) {
    const m = count === months ? j : Math.ceil((months * j * j) / (count * count));
    out[j - 1] = Math.min(months - (count - j), Math.max(j === 1 ? 1 : out[j - 2] + 1, m));
  }
  return out;
}

/** What a draw needs per (x, T) pair: E[Y(90 days)], and over the horizon discounted and not. */
interface NodeExpectations {
  readonly next90: Float64Array | null;
  readonly discounted: Float64Array;
  readonly horizon: Float64Array;
}

/**
 * predict.ts's pairExpectationsOf restricted to what the intervals use, with the horizon's
 * cumulative expectation evaluated at `months` only and linear in between: Σ_m ΔE(m) v^m is
 * then Σ_j ΔE_j · (mean of v^m over segment j). Exact when `months` is every month. The draws
 * and the estimate go through the same approximation, and only their ratio is used, so its
 * error largely cancels (checked against every month in test/clv/intervals.test.ts).
 */
function nodeExpectations(
  perAlive: (t: number, x: number, T: number) => number,
  pairs: PairIndex,
  unit: TimeUnit,
  months: Int32Array,
  annualDiscountRate: number,
  with90: boolean,
): NodeExpectations {
  const perUnit = 1 / daysPerUnit(unit);
  const v = 1 / (1 + monthlyDiscountRate(annualDiscountRate));
  // Mean discount factor of the months in (months[j−1], months[j]].
  const segmentDiscount = new Float64Array(months.length);
  let factor = 1;
  for (let j = 0, m = 0; j < months.length; j++) {
    let sum = 0;
    const from = m;
    for (; m < months[j]; m++) {
      factor *= v;
      sum += factor;
    }
    segmentDiscount[j] = sum / (m - from);
  }
  const n = pairs.length;
  const next90 = with90 ? new Float64Array(n) : null;
  const discounted = new Float64Array(n);
  const horizon = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const x = pairs.x[k];
    const T = pairs.T[k];
    if (next90 !== null) next90[k] = perAlive(90 * perUnit, x, T);
    let previous = 0;
    let sum = 0;
    for (let j = 0; j < months.length; j++) {
      const cumulative = perAlive(months[j] * DAYS_PER_MONTH * perUnit, x, T);
      // Cumulative expectations are increasing in t; guard rounding as predict.ts does.
      sum += Math.max(0, cumulative - previous) * segmentDiscount[j];
      previous = Math.max(previous, cumulative);
    }
    horizon[k] = previous;
    discounted[k] = sum;
  }
  return { next90, discounted, horizon };
}

const finite = (v: number): number => (Number.isFinite(v) ? v : 0);

/**
 * Percentile intervals of the groups' and the shop's expected purchases (90 days) and CLV,
 * and of the churn scenarios' gains. Null when the purchase model has no covariance (no
 * standard errors): the caller says why.
 */
export function predictionIntervals(
  input: IntervalInput,
  options: IntervalOptions = {},
): PredictionIntervals | null {
  const drawn = predictionIntervalDraws(input, options);
  return drawn && withScenarioGains(drawn, input.scenarios);
}

/**
 * The scenarios' draws before their point gains are known: per scenario, the gain at the
 * estimate and under each draw, over the sampled customers (withScenarioGains scales them).
 */
export interface ScenarioDraws {
  readonly points: readonly number[];
  readonly atClv: readonly number[];
  readonly atRevenue: readonly number[];
  readonly clv: readonly Float64Array[];
  readonly revenue: readonly Float64Array[];
}

/** predictionIntervals but the scenarios' intervals, which wait for their point gains. */
export interface IntervalDraws extends Omit<PredictionIntervals, "scenarios"> {
  /** Null when no scenario was asked. */
  readonly scenarioDraws: ScenarioDraws | null;
}

/**
 * The scenarios' intervals from their draws and point gains (the gains of
 * purchaseModelScenario, in the draws' order): predictionIntervals in two parts, so that the
 * draws need not wait for the scenarios.
 */
export function withScenarioGains(
  drawn: IntervalDraws,
  gains: Pick<NonNullable<IntervalInput["scenarios"]>, "clvGain" | "revenueGain"> | undefined,
): PredictionIntervals {
  const { scenarioDraws: sd, ...rest } = drawn;
  let scenarios: ScenarioIntervals[] | null = null;
  if (sd !== null) {
    if (gains === undefined) throw new Error("the scenarios' intervals need their point gains");
    const { draws, level } = drawn;
    const ratio = (total: number, drawnValue: number, at: number): number =>
      at > 0 ? total * (drawnValue / at) : total;
    scenarios = sd.points.map((points, j) => {
      const clvDraws = new Float64Array(draws);
      const revenueDraws = new Float64Array(draws);
      for (let d = 0; d < draws; d++) {
        clvDraws[d] = ratio(gains.clvGain[j], sd.clv[j][d], sd.atClv[j]);
        revenueDraws[d] = ratio(gains.revenueGain[j], sd.revenue[j][d], sd.atRevenue[j]);
      }
      return {
        points,
        clvGain: intervalOf(gains.clvGain[j], clvDraws, level),
        revenueGain: intervalOf(gains.revenueGain[j], revenueDraws, level),
      };
    });
  }
  return { ...rest, scenarios };
}

/**
 * predictionIntervals up to the scenarios' point gains: input.scenarios' points only are read
 * (its gains may be absent).
 */
export function predictionIntervalDraws(
  input: Omit<IntervalInput, "scenarios"> & {
    readonly scenarios?: { readonly points: readonly number[] };
  },
  options: IntervalOptions = {},
): IntervalDraws | null {
  const level = options.level ?? 0.95;
  const draws = options.draws ?? DEFAULT_INTERVAL_DRAWS;
  const seed = options.seed ?? 1;
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  if (!(Number.isInteger(draws) && draws >= 2)) {
    throw new RangeError(`draws must be a whole number ≥ 2, got ${draws}`);
  }
  const { horizonMonths, annualDiscountRate } = clvHorizon(options);
  const { ctx, groupCount, purchase, spend, predictions } = input;
  const { summary } = ctx;
  const model = purchase.model as {
    pAlive(p: BgNbdParams | ParetoNbdParams, x: number, tx: number, T: number): number;
    expectedPerAlive(p: BgNbdParams | ParetoNbdParams, t: number, x: number, T: number): number;
  };
  const purchaseDraws = drawParameters(
    purchase.params,
    purchase.logCovariance,
    draws,
    new Rng(seed, 1),
  );
  if (purchaseDraws === null) return null;
  // Gamma-Gamma without covariance is not used by the compute (not identified); be safe.
  const spendDraws =
    spend === null
      ? null
      : drawParameters(spend.params, spend.logCovariance, draws, new Rng(seed, 2));

  const grouped = groupCustomers(input);
  const { expected90: e90Total, clv: clvTotal } = grouped;
  const customers = Float64Array.from(
    { length: groupCount },
    (_, g) => grouped.start[g + 1] - grouped.start[g],
  );
  const { customer, weight, start } = sampleCustomers(
    grouped,
    predictions,
    groupCount,
    options.sampleSize ?? DEFAULT_INTERVAL_SAMPLE,
    new Rng(seed, 3),
  );
  const S = customer.length;
  const sub = subProblem(
    ctx,
    Int32Array.from(customer, (i) => ctx.rows.rowOf[i]),
  );
  const unit = ctx.summary.unit;
  const mean = predictions.meanAovMinor;
  /** Expected order value of each sampled customer under spend parameters (predict.ts's rule). */
  const aovSums = (gg: GammaGammaParams | null): Float64Array => {
    const out = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      const i = customer[s];
      const v = gg === null ? null : gammaGammaExpectedSpend(gg, summary.x[i], summary.zbar[i]);
      out[s] = v !== null && Number.isFinite(v) ? v : mean;
    }
    return out;
  };
  const months = horizonNodes(horizonMonths, options.horizonNodes ?? DEFAULT_HORIZON_NODES);
  // alive null: not needed (a scenario keeps today's P(alive)); e90 null unless asked for.
  type Values = {
    alive: Float64Array | null;
    e90: Float64Array | null;
    disc: Float64Array;
    hor: Float64Array;
  };
  const evaluate = (
    alive: ((x: number, tx: number, T: number) => number) | null,
    perAlive: (t: number, x: number, T: number) => number,
    with90: boolean,
  ): Values => {
    let a: Float64Array | null = null;
    if (alive !== null) {
      a = new Float64Array(sub.rows.length);
      for (let r = 0; r < sub.rows.length; r++) {
        a[r] = finite(alive(sub.rows.x[r], sub.rows.tx[r], sub.rows.T[r]));
      }
    }
    const pe = nodeExpectations(perAlive, sub.pairs, unit, months, annualDiscountRate, with90);
    return { alive: a, e90: pe.next90, disc: pe.discounted, hor: pe.horizon };
  };
  const purchaseValues = (p: BgNbdParams | ParetoNbdParams): Values =>
    evaluate(
      (x, tx, T) => model.pAlive(p, x, tx, T),
      (t, x, T) => model.expectedPerAlive(p, t, x, T),
      true,
    );
  /** Per sampled cell: expected 90-day purchases and CLV. */
  const cellValues = (v: Values, aov: Float64Array) => {
    const e90 = new Float64Array(S);
    const clv = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      const lr = sub.localRow[s];
      const k = sub.pairs.pairOfRow[lr];
      const pa = v.alive![lr];
      e90[s] = finite(pa * v.e90![k]);
      clv[s] = finite(pa * v.disc[k] * aov[s]);
    }
    return { e90, clv };
  };
  const weighted = (values: Float64Array, from: number, to: number): number => {
    let sum = 0;
    for (let s = from; s < to; s++) sum += weight[s] * values[s];
    return sum;
  };
  const aovHat = aovSums(spend === null ? null : spend.params);
  const baseValues = purchaseValues(purchase.params);
  const base = cellValues(baseValues, aovHat);
  const baseE90 = new Float64Array(groupCount);
  const baseClv = new Float64Array(groupCount);
  for (let g = 0; g < groupCount; g++) {
    baseE90[g] = weighted(base.e90, start[g], start[g + 1]);
    baseClv[g] = weighted(base.clv, start[g], start[g + 1]);
  }
  const ratio = (total: number, drawn: number, at: number): number =>
    at > 0 ? total * (drawn / at) : total;
  const groupE90 = Array.from({ length: groupCount }, () => new Float64Array(draws));
  const groupClv = Array.from({ length: groupCount }, () => new Float64Array(draws));
  const shopE90 = new Float64Array(draws);
  const shopClv = new Float64Array(draws);
  const aovByDraw: Float64Array[] = [];
  // Kept for the scenarios, which modify the same draws.
  const valuesByDraw: Values[] = [];
  for (let d = 0; d < draws; d++) {
    const aov = spendDraws === null ? aovHat : aovSums(spendDraws[d]);
    aovByDraw.push(aov);
    const values = purchaseValues(purchaseDraws[d]);
    if (input.scenarios !== undefined) valuesByDraw.push(values);
    const v = cellValues(values, aov);
    for (let g = 0; g < groupCount; g++) {
      const e = ratio(e90Total[g], weighted(v.e90, start[g], start[g + 1]), baseE90[g]);
      const c = ratio(clvTotal[g], weighted(v.clv, start[g], start[g + 1]), baseClv[g]);
      groupE90[g][d] = e;
      groupClv[g][d] = c;
      shopE90[d] += e;
      shopClv[d] += c;
    }
  }
  let shopCustomers = 0;
  let shopE90Hat = 0;
  let shopClvHat = 0;
  const groups = Array.from({ length: groupCount }, (_, g): GroupIntervals => {
    shopCustomers += customers[g];
    shopE90Hat += e90Total[g];
    shopClvHat += clvTotal[g];
    return {
      customers: customers[g],
      expectedPurchases90: intervalOf(e90Total[g], groupE90[g], level),
      clv: intervalOf(clvTotal[g], groupClv[g], level),
    };
  });

  let scenarioDraws: ScenarioDraws | null = null;
  const sc = input.scenarios;
  if (sc !== undefined && sc.points.length > 0) {
    // The scenarios modify the purchase model the predictions use (scenario.ts), so each draw
    // of its parameters gives each scenario's gain: today's values are the draw's own.
    const name = purchase.model.name;
    const changedValues = (p: BgNbdParams | ParetoNbdParams, points: number): Values => {
      const changed = churnReduction({ model: name, params: p } as ScenarioModel, points).params;
      return evaluate(null, (t, x, T) => model.expectedPerAlive(changed, t, x, T), false);
    };
    /** Σ_s W_s × gain per sampled cell, CLV and revenue, of each scenario under `p`. */
    const gains = (
      p: BgNbdParams | ParetoNbdParams,
      aov: Float64Array,
      now: Values,
    ): { clv: number; revenue: number }[] => {
      const alive = now.alive!;
      return sc.points.map((points) => {
        const changed = changedValues(p, points);
        let clv = 0;
        let revenue = 0;
        for (let s = 0; s < S; s++) {
          const lr = sub.localRow[s];
          const k = sub.pairs.pairOfRow[lr];
          // Today's P(alive) is kept: only the future drop-out changes (scenario.ts).
          const pa = alive[lr];
          clv += weight[s] * finite(pa * (changed.disc[k] - now.disc[k]) * aov[s]);
          revenue += weight[s] * finite(pa * (changed.hor[k] - now.hor[k]) * aov[s]);
        }
        return { clv, revenue };
      });
    };
    const at = gains(purchase.params, aovHat, baseValues);
    const clvDraws = sc.points.map(() => new Float64Array(draws));
    const revenueDraws = sc.points.map(() => new Float64Array(draws));
    for (let d = 0; d < draws; d++) {
      const g = gains(purchaseDraws[d], aovByDraw[d], valuesByDraw[d]);
      for (let j = 0; j < sc.points.length; j++) {
        clvDraws[j][d] = g[j].clv;
        revenueDraws[j][d] = g[j].revenue;
      }
    }
    scenarioDraws = {
      points: sc.points,
      atClv: at.map((a) => a.clv),
      atRevenue: at.map((a) => a.revenue),
      clv: clvDraws,
      revenue: revenueDraws,
    };
  }
  return {
    status: "ok",
    level,
    draws,
    seed,
    sampledCustomers: S,
    groups,
    shop: {
      customers: shopCustomers,
      expectedPurchases90: intervalOf(shopE90Hat, shopE90, level),
      clv: intervalOf(shopClvHat, shopClv, level),
    },
    scenarioDraws,
  };
}
