/**
 * BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while
 * alive a customer buys at Poisson rate λ ~ Gamma(r, α); after each repeat purchase they drop
 * out with probability p ~ Beta(a, b).
 *
 * Fitted by maximum likelihood on (compressed) rows of (x, t_x, T): log-space likelihood
 * (FHL eq. 6), analytic gradient, BFGS on log-parameters, standard errors from the Hessian.
 *
 * The modified BG/NBD (MBG/NBD, Batislam, Denizel & Filiztekin 2007), whose customers may
 * also drop out right after their first purchase, differs only by that one extra drop-out
 * opportunity: every x-dependent Beta term has b + x + 1 where BG/NBD has b + x, and the
 * "dropped out after the last purchase" branch exists for x = 0 too. The likelihood and fit
 * below therefore take a `shift` (0: BG/NBD, 1: MBG/NBD); mbgnbd.ts is its public face.
 *
 * One module (about 930 lines) on purpose, like the model's paper: the likelihood, its
 * gradient and Hessian, the fit and the predictions (P(alive), expected purchases) share the
 * parameterisation and the per-row terms, and are checked against each other in
 * test/clv/bgnbd.test.ts. The optimiser and special functions are modules of their own.
 */

import {
  boundaryPenalty,
  logParamUncertainty,
  logParameterObjective,
  minimizeBfgs,
  newtonPolish,
  objectiveAt,
  subsampleThenPolish,
  type KnownPoint,
  type MinimizeResult,
} from "./optimize";
import {
  digamma,
  lnBeta,
  lnGamma,
  lnGammaIncrement,
  logistic,
  logLogistic,
  trigamma,
} from "./special";
import { TupleIndex, type FrequencyData } from "./summary";

export interface BgNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

export interface ConvergenceInfo {
  readonly converged: boolean;
  readonly iterations: number;
  readonly evaluations: number;
  /** max |∂ objective / ∂ log-parameter| at the optimum (objective = −LL / customers). */
  readonly gradientMaxAbs: number;
  readonly message: string;
}

export interface BgNbdFit {
  readonly params: BgNbdParams;
  /** From the inverse Hessian of the (penalised) log-likelihood; null if it is not definite. */
  readonly standardErrors: BgNbdParams | null;
  /**
   * Cov(ln θ), row-major, parameters in the order of `params`: the inverse Hessian the
   * standard errors come from; null with them. Intervals sample it (intervals.ts).
   */
  readonly logCovariance: readonly number[] | null;
  /** Σ weight × ln L_i at the estimate (without the penalty). */
  readonly logLikelihood: number;
  /** Number of customers (total weight). */
  readonly customers: number;
  readonly penalizer: number;
  readonly convergence: ConvergenceInfo;
}

export interface BgNbdFitOptions {
  /** L2 penalty λ·Σ(ln θ)² on the four log-parameters, per customer; default 0. */
  readonly penalizer?: number;
  /** Start here (e.g. the previous fit of the same shop) with Newton steps; see fitBgNbd. */
  readonly initial?: BgNbdParams;
  readonly maxIterations?: number;
  /**
   * Fit a 1/16 subsample of the rows first and start the full fit from its optimum and
   * inverse Hessian (default: when there are more than 50,000 rows). Same optimum, fewer
   * passes over the data.
   */
  readonly warmStart?: boolean;
}

/**
 * 0: BG/NBD (drop-out after repeat purchases); 1: MBG/NBD (also right after the first one).
 * The number of drop-out opportunities survived by a customer alive after x repeat purchases
 * is x + shift.
 */
export type DropoutShift = 0 | 1;

/**
 * Rows prepared for fast likelihood passes: distinct x, T and t_x values are tabulated so a
 * pass computes ln(α+T), ln(α+t_x) and the x-dependent gamma functions once per distinct value;
 * x = 0 rows collapse to one weight per T. Under BG/NBD their likelihood is
 * (α/(α+T))^r · B(a,b)/B(a,b) and they stay out of the row list; under MBG/NBD they may have
 * dropped out at t = 0, so each T becomes one row of the list with t_x = 0.
 */
interface PreparedRows {
  readonly totalWeight: number;
  readonly xs: Float64Array;
  readonly weightByX: Float64Array;
  readonly Ts: Float64Array;
  /** Weight of x = 0 rows per distinct T. */
  readonly zeroWeightByT: Float64Array;
  readonly txs: Float64Array;
  /** Rows with x > 0. */
  readonly count: number;
  readonly xIdx: Int32Array;
  readonly TIdx: Int32Array;
  readonly txIdx: Int32Array;
  readonly weight: Float64Array;
}

/** Distinct values and, per input, the index of its value (hashing: O(n), no sort). */
function distinctIndex(values: Float64Array): { values: Float64Array; index: Int32Array } {
  const table = new TupleIndex(1, 1024);
  const index = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) index[i] = table.indexOf(values[i]);
  return { values: Float64Array.from(table.values()), index };
}

function checkRow(x: number, tx: number, T: number, w: number): void {
  const ok =
    Number.isFinite(x) &&
    x >= 0 &&
    Number.isFinite(T) &&
    T >= 0 &&
    Number.isFinite(tx) &&
    tx >= 0 &&
    tx <= T &&
    Number.isFinite(w) &&
    w >= 0;
  if (!ok) throw new RangeError(`invalid BG/NBD row x=${x} t_x=${tx} T=${T} weight=${w}`);
}

function prepare(
  data: FrequencyData,
  rows?: ArrayLike<number>,
  shift: DropoutShift = 0,
): PreparedRows {
  const n = rows === undefined ? data.length : rows.length;
  const all = new Float64Array(n);
  let positive = 0;
  let totalWeight = 0;
  for (let k = 0; k < n; k++) {
    const i = rows === undefined ? k : rows[k];
    const w = data.weight === undefined ? 1 : data.weight[i];
    checkRow(data.x[i], data.tx[i], data.T[i], w);
    totalWeight += w;
    if (data.x[i] > 0) positive++;
  }
  for (let k = 0; k < n; k++) all[k] = data.x[rows === undefined ? k : rows[k]];
  const xd = distinctIndex(all);
  for (let k = 0; k < n; k++) all[k] = data.T[rows === undefined ? k : rows[k]];
  const Td = distinctIndex(all);
  // MBG/NBD: t_x = 0 (the first purchase) is the last purchase of every x = 0 row.
  const zeroRows = shift === 1 && positive < n;
  // Last entry 0 (MBG/NBD): the t_x of the x = 0 rows.
  const txAll = new Float64Array(positive + (zeroRows ? 1 : 0));
  for (let k = 0, j = 0; k < n; k++) {
    const i = rows === undefined ? k : rows[k];
    if (data.x[i] > 0) txAll[j++] = data.tx[i];
  }
  const txd = distinctIndex(txAll);
  const weightByX = new Float64Array(xd.values.length);
  const zeroWeightByT = new Float64Array(Td.values.length);
  const capacity = positive + (zeroRows ? Td.values.length : 0);
  const xIdx = new Int32Array(capacity);
  const TIdx = new Int32Array(capacity);
  const weight = new Float64Array(capacity);
  const txIdx = new Int32Array(capacity);
  txIdx.set(txd.index.subarray(0, positive));
  for (let k = 0, j = 0; k < n; k++) {
    const i = rows === undefined ? k : rows[k];
    const w = data.weight === undefined ? 1 : data.weight[i];
    weightByX[xd.index[k]] += w;
    if (data.x[i] > 0) {
      xIdx[j] = xd.index[k];
      TIdx[j] = Td.index[k];
      weight[j] = w;
      j++;
    } else zeroWeightByT[Td.index[k]] += w;
  }
  let count = positive;
  if (zeroRows) {
    const x0 = xd.values.indexOf(0);
    const tx0 = txd.index[positive];
    for (let k = 0; k < Td.values.length; k++) {
      if (!(zeroWeightByT[k] > 0)) continue;
      xIdx[count] = x0;
      TIdx[count] = k;
      txIdx[count] = tx0;
      weight[count] = zeroWeightByT[k];
      zeroWeightByT[k] = 0;
      count++;
    }
  }
  return {
    totalWeight,
    xs: xd.values,
    weightByX,
    Ts: Td.values,
    zeroWeightByT,
    txs: txd.values,
    count,
    xIdx,
    TIdx,
    txIdx,
    weight,
  };
}

/** Scratch tables reused across likelihood passes. */
interface Scratch {
  lnAT: Float64Array;
  invAT: Float64Array;
  lnAtx: Float64Array;
  invAtx: Float64Array;
  lnA4: Float64Array;
  s4ByX: Float64Array;
}

function scratchFor(p: PreparedRows): Scratch {
  return {
    lnAT: new Float64Array(p.Ts.length),
    invAT: new Float64Array(p.Ts.length),
    lnAtx: new Float64Array(p.txs.length),
    invAtx: new Float64Array(p.txs.length),
    lnA4: new Float64Array(p.xs.length),
    s4ByX: new Float64Array(p.xs.length),
  };
}

/**
 * Σ w ln L, optionally its gradient and Hessian in θ = (r, α, a, b) (Hessian row-major 4×4),
 * in one pass over the rows. FHL eq. 6 in log space (written for shift = 0; MBG/NBD, shift 1,
 * has b+x+1 for b+x throughout, and A4 for x = 0 too, with t_x = 0: Batislam et al. eq. 5):
 *   ln L = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b) + lse(A3, A4),
 *   A3 = −(r+x) ln(α+T),  A4 = ln a − ln(b+x−1) − (r+x) ln(α+t_x)  (A4 only when x > 0).
 * The lse's gradient is s3∇A3 + s4∇A4 and its Hessian s3∇²A3 + s4∇²A4 + s3·s4·ΔΔᵀ, with
 * s3, s4 the softmax weights and Δ = ∇A3 − ∇A4, where, with A = r + x,
 *   ∇A3 = (−ln(α+T), −A/(α+T), 0, 0),   ∇A4 = (−ln(α+t_x), −A/(α+t_x), 1/a, −1/(b+x−1)).
 * Terms that depend on x only are computed once per distinct x (digamma, trigamma).
 */
function evaluateLikelihood(
  prep: PreparedRows,
  scratch: Scratch,
  r: number,
  alpha: number,
  a: number,
  b: number,
  grad: Float64Array | null,
  hess: Float64Array | null = null,
  shift: DropoutShift = 0,
): number {
  const { xs, weightByX, Ts, zeroWeightByT, txs } = prep;
  const { lnAT, invAT, lnAtx, invAtx, lnA4, s4ByX } = scratch;
  const lnAlpha = Math.log(alpha);
  const lgR = lnGamma(r);
  const lgB = lnGamma(b);
  const lgAB = lnGamma(a + b);
  const psiR = digamma(r);
  const psiB = digamma(b);
  const psiAB = digamma(a + b);
  const lnA = Math.log(a);
  let ll = 0;
  let gr = 0;
  let gAlpha = 0;
  let ga = 0;
  let gb = 0;
  // Hessian entries rr, rα, αα, aa, ab, bb, ra, rb, αa, αb.
  let hrr = 0;
  let hrA = 0;
  let hAA = 0;
  let haa = 0;
  let hab = 0;
  let hbb = 0;
  let hra = 0;
  let hrb = 0;
  let hAa = 0;
  let hAb = 0;
  const tgR = hess === null ? 0 : trigamma(r);
  const tgB = hess === null ? 0 : trigamma(b);
  const tgAB = hess === null ? 0 : trigamma(a + b);
  // Terms depending on x only, weighted by the customers having that x.
  for (let j = 0; j < xs.length; j++) {
    const x = xs[j];
    const bx = b + x + shift; // b + drop-out opportunities survived
    const w = weightByX[j];
    // ln B(a, b+x) − ln B(a, b) = ln Γ(b+x) − ln Γ(a+b+x) + ln Γ(a+b) − ln Γ(b).
    ll += w * (lnGamma(r + x) - lgR + r * lnAlpha + lgAB - lgB - lnGammaIncrement(bx, a));
    if (grad !== null) {
      const psiABX = digamma(a + bx);
      gr += w * (digamma(r + x) - psiR + lnAlpha);
      gAlpha += (w * r) / alpha;
      ga += w * (psiAB - psiABX);
      gb += w * (psiAB + digamma(bx) - psiB - psiABX);
    }
    if (hess !== null) {
      const tgABX = trigamma(a + bx);
      hrr += w * (trigamma(r + x) - tgR);
      hrA += w / alpha;
      hAA -= (w * r) / (alpha * alpha);
      haa += w * (tgAB - tgABX);
      hab += w * (tgAB - tgABX);
      hbb += w * (tgAB + trigamma(bx) - tgB - tgABX);
    }
    lnA4[j] = x > 0 || shift > 0 ? lnA - Math.log(bx - 1) : 0;
    s4ByX[j] = 0;
  }
  // Customers without repeat purchases: ln L − c(0) = −r ln(α+T).
  for (let k = 0; k < Ts.length; k++) {
    lnAT[k] = Math.log(alpha + Ts[k]);
    invAT[k] = 1 / (alpha + Ts[k]);
    const w0 = zeroWeightByT[k];
    if (w0 > 0) {
      ll -= w0 * r * lnAT[k];
      gr -= w0 * lnAT[k];
      gAlpha -= w0 * r * invAT[k];
      hrA -= w0 * invAT[k];
      hAA += w0 * r * invAT[k] * invAT[k];
    }
  }
  for (let k = 0; k < txs.length; k++) {
    lnAtx[k] = Math.log(alpha + txs[k]);
    invAtx[k] = 1 / (alpha + txs[k]);
  }
  const { count, xIdx, TIdx, txIdx, weight } = prep;
  let sumLse = 0;
  let sumR = 0;
  let sumAlpha = 0;
  let sumS4 = 0;
  if (hess === null) {
    // The hot loop (every optimiser step): one exp and one log1p per row.
    for (let i = 0; i < count; i++) {
      const j = xIdx[i];
      const kT = TIdx[i];
      const kt = txIdx[i];
      const A = r + xs[j];
      const lT = lnAT[kT];
      const lt = lnAtx[kt];
      const d = lnA4[j] - A * (lt - lT); // A4 − A3
      const e = Math.exp(-Math.abs(d));
      const w = weight[i];
      // lse = max(A3, A4) + ln(1 + e^−|d|), A3 = −A·lT.
      sumLse += w * (Math.max(d, 0) - A * lT + Math.log1p(e));
      if (grad !== null) {
        const small = e / (1 + e);
        const ws4 = w * (d > 0 ? 1 - small : small);
        sumR += w * lT + ws4 * (lt - lT);
        sumAlpha += w * A * invAT[kT] + ws4 * A * (invAtx[kt] - invAT[kT]);
        sumS4 += ws4;
        s4ByX[j] += ws4;
      }
    }
  } else {
    const invA = 1 / a;
    for (let i = 0; i < count; i++) {
      const j = xIdx[i];
      const kT = TIdx[i];
      const kt = txIdx[i];
      const A = r + xs[j];
      const lT = lnAT[kT];
      const lt = lnAtx[kt];
      const iT = invAT[kT];
      const it = invAtx[kt];
      const ib = 1 / (b + xs[j] + shift - 1);
      const d = lnA4[j] - A * (lt - lT);
      const e = Math.exp(-Math.abs(d));
      const w = weight[i];
      sumLse += w * (Math.max(d, 0) - A * lT + Math.log1p(e));
      const small = e / (1 + e);
      const s4 = d > 0 ? 1 - small : small;
      const s3 = 1 - s4;
      const ws4 = w * s4;
      sumR += w * lT + ws4 * (lt - lT);
      sumAlpha += w * A * iT + ws4 * A * (it - iT);
      sumS4 += ws4;
      s4ByX[j] += ws4;
      // Softmax-weighted second derivatives of A3 and A4 …
      hrA -= w * (s3 * iT + s4 * it);
      hAA += w * A * (s3 * iT * iT + s4 * it * it);
      haa -= ws4 * invA * invA;
      hbb += ws4 * ib * ib;
      // … plus the covariance term s3·s4·ΔΔᵀ, Δ = (lt − lT, A(it − iT), −1/a, 1/(b+x−1)).
      const c = w * s3 * s4;
      const dr = lt - lT;
      const dA = A * (it - iT);
      hrr += c * dr * dr;
      hrA += c * dr * dA;
      hAA += c * dA * dA;
      haa += c * invA * invA;
      hab -= c * invA * ib;
      hbb += c * ib * ib;
      hra -= c * dr * invA;
      hrb += c * dr * ib;
      hAa -= c * dA * invA;
      hAb += c * dA * ib;
    }
  }
  ll += sumLse;
  if (grad !== null || hess !== null) {
    gr -= sumR;
    gAlpha -= sumAlpha;
    ga += sumS4 / a;
    for (let j = 0; j < xs.length; j++) {
      if (xs[j] > 0 || shift > 0) gb -= s4ByX[j] / (b + xs[j] + shift - 1);
    }
    if (grad !== null) {
      grad[0] = gr;
      grad[1] = gAlpha;
      grad[2] = ga;
      grad[3] = gb;
    }
  }
  if (hess !== null) {
    const H = [hrr, hrA, hra, hrb, hrA, hAA, hAa, hAb, hra, hAa, haa, hab, hrb, hAb, hab, hbb];
    hess.set(H);
  }
  return ll;
}

/**
 * Σ weight × ln L_i at `params` with, when given, its gradient (4) and Hessian (4×4) in
 * (r, α, a, b) written into `grad` and `hess`; shift 0 is BG/NBD, 1 MBG/NBD.
 */
export function dropoutModelLogLikelihood(
  params: BgNbdParams,
  data: FrequencyData,
  shift: DropoutShift,
  grad: Float64Array | null = null,
  hess: Float64Array | null = null,
): number {
  const prep = prepare(data, undefined, shift);
  const g = grad ?? (hess === null ? null : new Float64Array(4));
  const { r, alpha, a, b } = params;
  return evaluateLikelihood(prep, scratchFor(prep), r, alpha, a, b, g, hess, shift);
}

/** Σ weight × ln L_i of BG/NBD at `params` (FHL eq. 6). */
export function bgnbdLogLikelihood(params: BgNbdParams, data: FrequencyData): number {
  return dropoutModelLogLikelihood(params, data, 0);
}

/** Gradient of Σ weight × ln L_i in (r, α, a, b) (for tests of the analytic gradient). */
export function bgnbdLogLikelihoodGradient(params: BgNbdParams, data: FrequencyData): Float64Array {
  const grad = new Float64Array(4);
  dropoutModelLogLikelihood(params, data, 0, grad);
  return grad;
}

/** Gradient and Hessian of Σ weight × ln L_i in (r, α, a, b) (tests check them numerically). */
export function bgnbdLogLikelihoodHessian(params: BgNbdParams, data: FrequencyData): Float64Array {
  const hess = new Float64Array(16);
  dropoutModelLogLikelihood(params, data, 0, null, hess);
  return hess;
}

/**
 * The objective minimised, on φ = ln θ: −LL/W + λ Σ φ² plus the boundary wall, with its
 * gradient and optionally its Hessian (see logParameterObjective).
 */
function objectiveFor(prep: PreparedRows, penalizer: number, shift: DropoutShift) {
  const scratch = scratchFor(prep);
  const gTheta = new Float64Array(4);
  const hTheta = new Float64Array(16);
  const theta = new Float64Array(4);
  const W = prep.totalWeight;
  return (phi: Float64Array, grad: Float64Array, hess: Float64Array | null = null): number => {
    for (let i = 0; i < 4; i++) theta[i] = Math.exp(phi[i]);
    const h = hess === null ? null : hTheta;
    const [r, alpha, a, b] = theta;
    const ll = evaluateLikelihood(prep, scratch, r, alpha, a, b, gTheta, h, shift);
    const value = logParameterObjective(phi, theta, ll, gTheta, h, W, penalizer, grad, hess);
    return value + boundaryPenalty(phi, grad, hess);
  };
}

function defaultStart(prep: PreparedRows): BgNbdParams {
  // Rate r/α near the observed repeat rate Σx / ΣT; a, b a mild drop-out prior.
  let sumX = 0;
  let sumT = 0;
  for (let j = 0; j < prep.xs.length; j++) sumX += prep.xs[j] * prep.weightByX[j];
  for (let k = 0; k < prep.Ts.length; k++) sumT += prep.Ts[k] * prep.zeroWeightByT[k];
  for (let i = 0; i < prep.count; i++) sumT += prep.Ts[prep.TIdx[i]] * prep.weight[i];
  const rate = sumX > 0 && sumT > 0 ? sumX / sumT : 1;
  return { r: 1, alpha: 1 / rate, a: 1, b: 2 };
}

function toPhi(p: BgNbdParams): Float64Array {
  return Float64Array.from([Math.log(p.r), Math.log(p.alpha), Math.log(p.a), Math.log(p.b)]);
}

function fromPhi(phi: ArrayLike<number>): BgNbdParams {
  return { r: Math.exp(phi[0]), alpha: Math.exp(phi[1]), a: Math.exp(phi[2]), b: Math.exp(phi[3]) };
}

/** Customers with a repeat purchase (the fits have no maximum without them). */
function repeatWeight(prep: PreparedRows): number {
  let sum = 0;
  for (let j = 0; j < prep.xs.length; j++) if (prep.xs[j] > 0) sum += prep.weightByX[j];
  return sum;
}

/** Every 16th row (weights unchanged): a cheap, representative warm start for big inputs. */
function subsampleRows(n: number): Int32Array {
  const rows = new Int32Array(Math.ceil(n / 16));
  for (let i = 0, k = 0; i < n; i += 16) rows[k++] = i;
  return rows;
}

/**
 * Maximum-likelihood BG/NBD. Rows with x = 0 only (no repeat purchase at all) have no
 * finite optimum: callers check for enough repeat buyers first (see fitClvModels).
 *
 * Small inputs: BFGS on the log-parameters. Large inputs (warm start): BFGS on a 1/16
 * subsample of the rows, then Newton steps with the analytic Hessian on all rows. With
 * `initial` (e.g. the previous night's parameters): Newton steps from there. BFGS on all rows
 * from the start, then from default starts, if those fail. Standard errors from the analytic
 * Hessian at the optimum.
 */
export function fitBgNbd(data: FrequencyData, options: BgNbdFitOptions = {}): BgNbdFit {
  return fitDropoutModel(data, options, 0);
}

/** fitBgNbd for either drop-out timing: shift 0 is BG/NBD, 1 MBG/NBD (see fitMbgNbd). */
export function fitDropoutModel(
  data: FrequencyData,
  options: BgNbdFitOptions,
  shift: DropoutShift,
): BgNbdFit {
  const model = shift === 0 ? "BG/NBD" : "MBG/NBD";
  const penalizer = options.penalizer ?? 0;
  const prep = prepare(data, undefined, shift);
  if (prep.totalWeight <= 0) throw new RangeError(`${model} needs at least one customer`);
  if (!(repeatWeight(prep) > 0) && penalizer === 0) {
    // Without repeat purchases the likelihood increases forever as r/α → 0 (MBG/NBD: or as
    // everyone drops out at once): no estimate.
    throw new RangeError(`${model} needs repeat purchases (or a penalizer) to have a maximum`);
  }
  const objective = objectiveFor(prep, penalizer, shift);
  const maxIterations = options.maxIterations ?? 300;
  let phi = toPhi(options.initial ?? defaultStart(prep));
  let evaluations = 0;
  let iterations = 0;
  let converged = false;
  let message = "";
  const warm = (options.warmStart ?? data.length > 50_000) && options.initial === undefined;
  // Set when the fit ends on a Newton polish, whose last pass was at the optimum.
  let optimum: KnownPoint | null = null;
  if (options.initial !== undefined) {
    // Given parameters (last night's fit) are within a few standard errors of today's optimum:
    // Newton's quadratic convergence there takes 2–3 passes. BFGS from an identity matrix would
    // take a dozen, and its first steps, scaled for a far start, can fail the line search.
    const polished = newtonPolish(objective, phi, 10);
    evaluations += polished.evaluations;
    iterations += polished.iterations;
    if (polished.converged) {
      phi = polished.x;
      optimum = polished;
      converged = true;
      message = "Newton steps from the initial parameters converged";
    }
  } else if (warm) {
    const sub = prepare(data, subsampleRows(data.length), shift);
    if (repeatWeight(sub) > 0) {
      const fit = subsampleThenPolish(objectiveFor(sub, penalizer, shift), objective, phi);
      evaluations += fit.evaluations;
      iterations = fit.iterations;
      if (fit.x) {
        phi = fit.x;
        optimum = fit.optimum;
        converged = true;
        message = "Newton steps from a subsample fit converged";
      } else if (fit.rough !== null) {
        // Newton failed from the subsample's optimum (far from the full one on a flat
        // surface, as MBG/NBD's a and b can be): BFGS from there. Not with the subsample's
        // inverse Hessian: on a 1M-customer shop that curvature, wrong here, cost 150 passes
        // where a fresh one took 24.
        const res = minimizeBfgs(objective, fit.rough.x, { maxIterations });
        evaluations += res.evaluations;
        iterations += res.iterations;
        if (res.converged) {
          phi = res.x;
          converged = true;
          message = `BFGS from a subsample fit: ${res.message}`;
        }
      }
    }
  }
  if (!converged) {
    const starts = [
      phi,
      toPhi(defaultStart(prep)),
      toPhi({ r: 0.5, alpha: defaultStart(prep).alpha / 2, a: 0.5, b: 1 }),
    ];
    let best: MinimizeResult | null = null;
    for (const start of starts) {
      const res = minimizeBfgs(objective, start, { maxIterations });
      evaluations += res.evaluations;
      iterations += res.iterations;
      if (
        best === null ||
        (res.converged && !best.converged) ||
        (res.converged === best.converged && res.value < best.value)
      ) {
        best = res;
      }
      if (best.converged) break;
    }
    if (best === null) throw new Error("unreachable");
    phi = best.x;
    converged = best.converged;
    message = best.message;
  }
  // One Hessian pass at the optimum (the polish's last one when it ended there, not redone):
  // log-likelihood, gradient and standard errors. Counted as a pass either way.
  const params = fromPhi(phi);
  const gPhi = new Float64Array(4);
  const hPhi = new Float64Array(16);
  const value = objectiveAt(objective, phi, optimum, gPhi, hPhi);
  evaluations++;
  let penalty = boundaryPenalty(phi, null, null);
  for (let i = 0; i < 4; i++) penalty += penalizer * phi[i] * phi[i];
  const logLikelihood = -(value - penalty) * prep.totalWeight;
  return {
    params,
    ...uncertaintyFromHessian(params, hPhi, prep.totalWeight),
    logLikelihood,
    customers: prep.totalWeight,
    penalizer,
    convergence: {
      converged,
      iterations,
      evaluations: Math.round(evaluations * 10) / 10,
      gradientMaxAbs: Math.max(...Array.from(gPhi, Math.abs)),
      message,
    },
  };
}

/**
 * SE(θ) = θ · SE(ln θ) (delta method; exact at the optimum, where the gradient vanishes):
 * Cov(ln θ) is the inverse of the Hessian of the total penalised negative log-likelihood,
 * W × the per-customer objective's Hessian.
 */
function uncertaintyFromHessian(
  params: BgNbdParams,
  hPhi: Float64Array,
  W: number,
): { standardErrors: BgNbdParams | null; logCovariance: number[] | null } {
  const u = logParamUncertainty([params.r, params.alpha, params.a, params.b], hPhi, W);
  if (u === null) return { standardErrors: null, logCovariance: null };
  const se = u.standardErrors;
  return {
    standardErrors: { r: se[0], alpha: se[1], a: se[2], b: se[3] },
    logCovariance: u.logCovariance,
  };
}

// ---------------------------------------------------------------------------------------------
// Per-customer quantities.

/**
 * P(alive | x, t_x, T) (FHL eq. 13 written as a logistic): 1 / (1 + δ_{x>0} a/(b+x−1) ·
 * ((α+T)/(α+t_x))^(r+x)). Customers without repeat purchases are alive with probability 1 in
 * BG/NBD (drop-out only happens after a repeat purchase).
 */
export function bgnbdPAlive(p: BgNbdParams, x: number, tx: number, T: number): number {
  if (x <= 0) return 1;
  const logOdds =
    Math.log(p.a) - Math.log(p.b + x - 1) + (p.r + x) * Math.log((p.alpha + T) / (p.alpha + tx));
  return logistic(-logOdds);
}

/** ln P(alive), accurate when P(alive) is tiny. */
export function bgnbdLogPAlive(p: BgNbdParams, x: number, tx: number, T: number): number {
  if (x <= 0) return 0;
  const logOdds =
    Math.log(p.a) - Math.log(p.b + x - 1) + (p.r + x) * Math.log((p.alpha + T) / (p.alpha + tx));
  return logLogistic(-logOdds);
}

const SERIES_MAX_TERMS = 5000;
/** Rescaling step of the series' running weights, so they neither overflow nor underflow. */
const RESCALE = 1e250;
const LN_RESCALE = Math.log(RESCALE);
/** The series' stopping level 1e-17, raised by a margin far above the rounding of its test. */
const TAIL_SKIP = 1e-17 * (1 + 1e-9);

/**
 * E[Y(t) | alive, x, T]: expected purchases in (T, T+t] of a customer known to be alive at T
 * (FHL eq. 10 divided by P(alive)), as a series of positive terms:
 *   E = Σ_{n≥1} P(N = n) · d_n,   d_n = Σ_{k=0}^{n−1} (b+x)_k / (a+b+x)_k,
 * N ~ NegBin(r+x, z), z = t/(α+T+t): N is how many purchases the posterior rate λ ~ Gamma(r+x,
 * α+T) would make in t, and d_n the expected number of them made before dropping out
 * ((b+x)_k/(a+b+x)_k = E[(1−p)^k], p ~ Beta(a, b+x)). It equals (C/ε)·[1 − (1−z)^(r+x)
 * 2F1(r+x, b+x; C; z)], C = a+b+x−1, ε = a−1, but no term cancels another: the closed form
 * and its Euler transform subtract nearly equal numbers — catastrophically when a ≫ 1 (a
 * degenerate fit on a tiny shop gave a ≈ 8600, where (1−z)^ε underflowed and E[Y(90)] came
 * out 0 below E[Y(30)]) — and divide 0 by 0 at a = 1. Here every term is ≥ 0, and E is
 * non-decreasing in t for any parameters (N grows stochastically with z, d_n grows with n).
 * When z is so close to 1, or (r+x)·u so large, that the series would need more than 5000
 * terms, the expectation is integrated over the drop-out probability instead
 * (conditionalRateQuadrature).
 */
export function bgnbdExpectedPerAlive(p: BgNbdParams, t: number, x: number, T: number): number {
  if (!(t > 0)) return 0;
  const u = t / (p.alpha + T);
  const A = p.r + x;
  // The series needs about mean(N) + ~40/(1−z) terms (1/(1−z) = 1 + u): go straight to the
  // quadrature when that is beyond the cap.
  if (A * u + 40 * (1 + u) > SERIES_MAX_TERMS) return conditionalRateQuadrature(p, u, x);
  const z = u / (1 + u);
  const beta = p.b + x;
  const aBeta = p.a + beta;
  // P(N = n) = e^logScale · w, w carried by the ratio recurrence from w = 1 at n = 0.
  let logScale = -A * Math.log1p(u);
  let w = 1;
  let d = 0;
  let rho = 1; // (b+x)_n / (a+b+x)_n
  let sum = 0;
  for (let n = 1; n <= SERIES_MAX_TERMS; n++) {
    d += rho;
    rho *= (beta + n - 1) / (aBeta + n - 1);
    w *= ((A + n - 1) * z) / n;
    sum += w * d;
    if (w > RESCALE) {
      w /= RESCALE;
      sum /= RESCALE;
      logScale += LN_RESCALE;
    }
    // Tail bound: every later weight ratio is ≤ q ((A+m)z/(m+1) falls with m when A ≥ 1 and
    // stays below z otherwise) and d_m ≤ d_n + (m−n)·ρ_n, so the rest is at most
    // w·(d·q/(1−q) + ρ·q/(1−q)²). That bound is ≥ w·z·d (q ≥ z): while w·z·d is clearly
    // above the stopping level the test below cannot pass, and its three divisions are
    // skipped — the series stops at the same term as testing every term (the margin covers
    // the rounding of both sides).
    if (w * z * d > TAIL_SKIP * sum) continue;
    const q = A >= 1 ? ((A + n) * z) / (n + 1) : z;
    if (q < 1) {
      const tail = ((w * q) / (1 - q)) * (d + rho / (1 - q));
      if (tail <= 1e-17 * sum) {
        // e^logScale can underflow on its own while the product is representable.
        return logScale > -700 ? Math.exp(logScale) * sum : Math.exp(logScale + Math.log(sum));
      }
    }
  }
  return conditionalRateQuadrature(p, u, x);
}

/**
 * d_n and ρ_n of bgnbdExpectedPerAlive's series for one parameter set and one x (index n),
 * extended on demand: they do not depend on T or t, so the ~40 series of every (x, T) pair
 * with that x read them instead of dividing afresh (predict.ts's pairExpectations).
 */
export class DropoutSeriesTable {
  length = 0;
  d = new Float64Array(128);
  rho = new Float64Array(128);
  private lastD = 0;
  private lastRho = 1;
  private readonly beta: number;
  private readonly aBeta: number;

  constructor(p: BgNbdParams, x: number) {
    this.beta = p.b + x;
    this.aBeta = p.a + this.beta;
  }

  /** Entries up to index n at least (n ≤ SERIES_MAX_TERMS). */
  extend(n: number): void {
    const to = Math.min(SERIES_MAX_TERMS, Math.max(n, 2 * this.length, 127));
    if (to >= this.d.length) {
      const size = Math.min(SERIES_MAX_TERMS + 1, Math.max(to + 1, 2 * this.d.length));
      const d = new Float64Array(size);
      d.set(this.d.subarray(0, this.length + 1));
      const rho = new Float64Array(size);
      rho.set(this.rho.subarray(0, this.length + 1));
      this.d = d;
      this.rho = rho;
    }
    const { beta, aBeta } = this;
    let d = this.lastD;
    let rho = this.lastRho;
    // bgnbdExpectedPerAlive's recurrence, in its order.
    for (let k = this.length + 1; k <= to; k++) {
      d += rho;
      rho *= (beta + k - 1) / (aBeta + k - 1);
      this.d[k] = d;
      this.rho[k] = rho;
    }
    this.lastD = d;
    this.lastRho = rho;
    this.length = to;
  }
}

/**
 * bgnbdExpectedPerAlive with d_n and ρ_n read from `table` (made for p and x): the same
 * terms, sums and stopping point, so the same value bit for bit
 * (test/clv/bgnbd-series.test.ts).
 */
export function bgnbdExpectedPerAliveFrom(
  p: BgNbdParams,
  t: number,
  x: number,
  T: number,
  table: DropoutSeriesTable,
): number {
  if (!(t > 0)) return 0;
  const u = t / (p.alpha + T);
  const A = p.r + x;
  if (A * u + 40 * (1 + u) > SERIES_MAX_TERMS) return conditionalRateQuadrature(p, u, x);
  const z = u / (1 + u);
  let logScale = -A * Math.log1p(u);
  let w = 1;
  let sum = 0;
  for (let n = 1; n <= SERIES_MAX_TERMS; n++) {
    if (n > table.length) table.extend(n);
    const d = table.d[n];
    w *= ((A + n - 1) * z) / n;
    sum += w * d;
    if (w > RESCALE) {
      w /= RESCALE;
      sum /= RESCALE;
      logScale += LN_RESCALE;
    }
    if (w * z * d > TAIL_SKIP * sum) continue;
    const q = A >= 1 ? ((A + n) * z) / (n + 1) : z;
    if (q < 1) {
      const tail = ((w * q) / (1 - q)) * (d + table.rho[n] / (1 - q));
      if (tail <= 1e-17 * sum) {
        return logScale > -700 ? Math.exp(logScale) * sum : Math.exp(logScale + Math.log(sum));
      }
    }
  }
  return conditionalRateQuadrature(p, u, x);
}

/**
 * The same expectation as an integral over the drop-out probability of a customer alive after
 * x repeat purchases, p ~ Beta(a, b+x), with λ integrated out (λ ~ Gamma(r+x, α+T)):
 *   E = ∫ Beta(p; a, b+x) · (1 − (1 + p·u)^−(r+x)) / p dp,   u = t/(α+T),
 * by tanh-sinh quadrature, p = σ(y₀ + s·π sinh v) (logistic) centred on the weight's peak y₀
 * with s its width when that is narrower than 1 (a and b+x both large: a narrow peak between
 * unit-spaced nodes lost 1e-11), trapezoid steps halved until two estimates agree to 1e-13,
 * divided by the same rule's integral of the Beta weight. The integrand is smooth and bounded
 * by (r+x)·u.
 */
export function conditionalRateQuadrature(p: BgNbdParams, u: number, x: number): number {
  const a = p.a;
  const beta = p.b + x;
  const A = p.r + x;
  const lnB = lnBeta(a, beta);
  // In y = logit(p) the weight peaks near ln(a/(b+x)), with width ~ √(1/a + 1/(b+x)).
  const yPeak = Math.log(a / beta);
  const scale = Math.min(1, Math.sqrt(1 / a + 1 / beta));
  // Each node adds its weight to `mass` (the weight's own integral, 1 up to quadrature and
  // lnB rounding — lnB of large a, b+x is a difference of huge ln Γ values) and returns
  // weight × h: the ratio cancels both errors.
  let mass = 0;
  const integrand = (v: number): number => {
    const y = yPeak + scale * Math.PI * Math.sinh(v);
    const lnP = logLogistic(y);
    const ln1mP = logLogistic(-y);
    const logWeight = a * lnP + beta * ln1mP - lnB + Math.log(scale * Math.PI * Math.cosh(v));
    if (logWeight < -745) return 0;
    const weight = Math.exp(logWeight);
    mass += weight;
    const pu = Math.exp(lnP) * u;
    // The two-term expansion needs (r+x+1)·p·u small, not only p·u (r+x can be huge).
    const h =
      (A + 1) * pu < 1e-9
        ? A * u * (1 - ((A + 1) * pu) / 2)
        : -Math.expm1(-A * Math.log1p(pu)) / Math.exp(lnP);
    return weight * h;
  };
  // Leftwards the weight decays like e^(a·y) only once h has saturated at (r+x)·u
  // (p < 1/((r+x)u)); before that h ~ 1/p slows the decay. Rightwards it decays like
  // e^(−(b+x)·y). Cut both tails where they are below e^-45.
  const ySaturated = -Math.log(Math.max(A * u, 1));
  const yLow = Math.min(yPeak, ySaturated, 0) - 45 / a - 5;
  const yHigh = Math.max(yPeak, 0) + 45 / beta + 5;
  // asinh keeps the node count modest even for extreme a or b+x (|y| ≤ 1e12 → |v| ≤ 27).
  const vLow = -Math.asinh(Math.min(yPeak - yLow, 1e12) / (scale * Math.PI));
  const vHigh = Math.asinh(Math.min(yHigh - yPeak, 1e12) / (scale * Math.PI));
  if (!(Number.isFinite(vLow) && Number.isFinite(vHigh) && Number.isFinite(lnB))) return NaN;
  let h = 1 / 8;
  let sum = 0;
  for (let v = 0; v >= vLow; v -= h) sum += integrand(v);
  for (let v = h; v <= vHigh; v += h) sum += integrand(v);
  let estimate = sum / mass;
  for (let level = 0; level < 8; level++) {
    // Halve the step: only the new midpoints are evaluated.
    let added = 0;
    for (let v = -h / 2; v >= vLow; v -= h) added += integrand(v);
    for (let v = h / 2; v <= vHigh; v += h) added += integrand(v);
    sum += added;
    h /= 2;
    const next = sum / mass;
    const done = Math.abs(next - estimate) <= 1e-13 * Math.abs(next);
    estimate = next;
    if (done && level >= 2) break;
  }
  return estimate;
}

/** E[Y(t) | x, t_x, T] (FHL eq. 10): expected repeat purchases in the next t time units. */
export function bgnbdConditionalExpected(
  p: BgNbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  return bgnbdPAlive(p, x, tx, T) * bgnbdExpectedPerAlive(p, t, x, T);
}

/**
 * E[X(t)] for a customer who just made a first purchase (FHL eq. 7): the same expression with
 * x = 0, T = 0 (alive for sure).
 */
export function bgnbdUnconditionalExpected(p: BgNbdParams, t: number): number {
  return bgnbdExpectedPerAlive(p, t, 0, 0);
}
