/**
 * Pareto/NBD (Schmittlein, Morrison & Colombo 1987): while alive a customer buys at Poisson
 * rate λ ~ Gamma(r, α) and stays alive for an exponential lifetime of rate μ ~ Gamma(s, β),
 * so, unlike BG/NBD, drop-out happens in continuous time, one-time buyers included.
 *
 * Likelihood (Fader, Hardie & Lee 2005, "A note on deriving the Pareto/NBD model and related
 * expressions", eq. 22), rewritten as a sum of two positive terms. Given λ and μ,
 *   L = λ^x [ λ/(λ+μ) e^−(λ+μ)T + μ/(λ+μ) e^−(λ+μ)t_x ]
 *     = λ^(x+1) ∫_T^∞ e^−(λ+μ)τ dτ + λ^x μ ∫_{t_x}^∞ e^−(λ+μ)τ dτ,
 * and integrating over the two gammas,
 *   L = Γ(r+x) α^r β^s / Γ(r) · [ (r+x) J(r+x+1, s; T) + s J(r+x, s+1; t_x) ],
 *   J(A, B; τ₀) = ∫_{τ₀}^∞ (α+τ)^−A (β+τ)^−B dτ.
 * FHL's A₀ is the difference of two such tails; as a sum no term cancels another (FHL's form
 * subtracts nearly equal numbers for recent buyers), and the same J give P(alive).
 *
 * J in closed form (A+B = n+1, n = r+s+x; substitute y = 1/(α+τ) and apply Euler's
 * transformation, DLMF 15.8.1, to the incomplete beta function that results): for α ≥ β
 *   n·J = (α+τ₀)^−A (β+τ₀)^(1−B) · H(A, n+1; (α−β)/(α+τ₀)),
 * and for α < β the same with (α, A) and (β, B) swapped, where
 *   H(q, c; z) = 2F1(1, q; c; z) = Σ_k (q)_k / (c)_k · z^k,   0 ≤ z < 1, q < c.
 * Every term is positive and the term ratio (q+k)z/(c+k) rises towards z, so the tail after a
 * term is at most term·z/(1−z): a sharp stopping rule, and H ≤ 1/(1−z) cannot overflow. Above
 * z = 0.9 (young customers when α and β differ by an order of magnitude) the series slows
 * down like z^k, and H comes from its Euler integral by a fixed tanh-sinh rule instead.
 *
 * Why hand-written and not the general hyp2f1 (hyp2f1.ts) or an npm package: the fit needs
 * the derivatives of 2F1 in its parameters q and c, not only its value, and no maintained npm
 * package provides those (the numeric ones — mathjs, @stdlib/math-base-special — give values
 * of 2F1 at best). Term-by-term derivatives of this positive series (∂(q)_k/∂q =
 * (q)_k Σ_{j<k} 1/(q+j)), and derivatives under the integral sign, are exact and cost a few
 * flops a term or node. The tests compare both paths with FHL's formula through hyp2f1.
 *
 * Speed: J(·; T) depends on (x, T) and J(·; t_x) on (x, t_x) only, so a likelihood pass sums
 * the series once per distinct pair and then does one log-sum-exp per row, like BG/NBD.
 * Within a pass the series' q- and c-only parts are shared by all pairs of one x
 * (SeriesTable), and quadrature nodes that underflow are skipped — bit for bit the same sums
 * (test/clv/paretonbd-series.test.ts); at 1M customers the model choice's fit spends most of
 * the CLV stage's time here.
 *
 * One module (about 1,000 lines) on purpose, like bgnbd.ts: H, the likelihood and its
 * gradient, the fit (with its stop at the s, β → ∞ edge, which needs the likelihood pass)
 * and the per-customer quantities share the J terms and are checked against each other in
 * test/clv/paretonbd.test.ts.
 */

import type { ConvergenceInfo } from "./bgnbd";
import {
  boundaryPenalty,
  logParamUncertainty,
  logParameterObjective,
  minimizeBfgs,
  numericalHessian,
  type MinimizeResult,
} from "./optimize";
import { digamma, lnGamma, log1pExp, logLogistic } from "./special";
import type { Unidentified } from "./status";
import { TupleIndex, type FrequencyData } from "./summary";

export interface ParetoNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly s: number;
  readonly beta: number;
}

export interface ParetoNbdFit {
  readonly params: ParetoNbdParams;
  /** From the inverse Hessian of the (penalised) log-likelihood; null if it is not definite. */
  readonly standardErrors: ParetoNbdParams | null;
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
  /**
   * Set when the fit was stopped at a limit of the model instead of an interior maximum
   * (s, β → ∞ together, or the evaluation budget spent on the way): why the estimates are
   * not identified. Null for an ordinary fit (which status.ts still checks).
   */
  readonly limit: Unidentified | null;
}

/**
 * Drop-out heterogeneity is measured by s (the coefficient of variation of the customers'
 * drop-out rates μ ~ Gamma(s, β) is 1/√s). Past this s the rates differ by less than 10 %
 * between customers, and the fit checks at each BFGS iterate whether the likelihood still
 * rises along the ray (s, β) → (2s, 2β), which keeps the mean rate s/β: if it does, its
 * supremum is the limit s, β → ∞ — one drop-out rate μ = s/β for every customer, the NBD
 * without drop-out when μ → 0 — and the fit stops there as "not identified".
 */
export const PARETO_NBD_RUNAWAY_S = 100;

/**
 * The other way to the same limit: β past this many times the longest observation T (mean
 * lifetimes far beyond the data, (1 + T/β)^−s ≈ e^(−sT/β)) with the likelihood still rising
 * along (s, β) → (s, 2β), i.e. towards a drop-out rate of 0: the NBD without drop-out.
 */
export const PARETO_NBD_RUNAWAY_BETA_SPANS = 100;

/**
 * Most likelihood evaluations (passes over the rows) one fit may spend, standard errors
 * included; evaluations on the warm start's 1/16 subsample count 1/16. A shop whose fit has
 * not converged within it is reported as not converged rather than fitted for longer (one
 * evaluation costs about 1 s on 250,000 customers when β is large).
 */
export const PARETO_NBD_MAX_EVALUATIONS = 150;

/** Evaluations kept back for the standard errors (forward-difference Hessian + the value). */
const STANDARD_ERROR_EVALUATIONS = 6;

export interface ParetoNbdFitOptions {
  /** L2 penalty λ·Σ(ln θ)² on the four log-parameters, per customer; default 0. */
  readonly penalizer?: number;
  /** Start here (e.g. the previous fit of the same shop). */
  readonly initial?: ParetoNbdParams;
  readonly maxIterations?: number;
  /**
   * Fit a 1/16 subsample of the rows first and start the full fit from its optimum and
   * inverse Hessian (default: when there are more than 50,000 rows).
   */
  readonly warmStart?: boolean;
  /** Evaluation budget (see PARETO_NBD_MAX_EVALUATIONS, the default). */
  readonly maxEvaluations?: number;
}

/**
 * Above this z the series is slow (its terms fall like z^k·k^(q−c), and c − q can be as
 * small as s) and H comes from its Euler integral by quadrature instead.
 */
const SERIES_MAX_Z = 0.9;
const MAX_SERIES_TERMS = 20_000;

/** ln H and its derivatives in q, c and z. */
interface SeriesValue {
  lnH: number;
  dq: number;
  dc: number;
  dz: number;
}

/**
 * The parts of H(q, c; ·)'s terms that depend on q and c only, for k = 0, 1, …: the ratio
 * (q+k)/(c+k) and the running sums Σ_{j≤k} 1/(q+j) and Σ_{j≤k} 1/(c+j). Within a likelihood
 * pass every (x, τ) pair with the same x has the same q and c, so the ~300 terms of each of
 * its ~20,000 series read these instead of dividing three times a term — the same numbers
 * in the same order, so the series' values are bit for bit those of dividing in place.
 */
export class SeriesTable {
  private q = NaN;
  private c = NaN;
  length = 0;
  ratio = new Float64Array(256);
  sumQ = new Float64Array(256);
  sumC = new Float64Array(256);

  /** Ready for H(q, c; ·): kept when q and c are the ones it holds, else emptied. */
  use(q: number, c: number): this {
    if (q !== this.q || c !== this.c) {
      this.q = q;
      this.c = c;
      this.length = 0;
    }
    return this;
  }

  /** Entries up to index k at least (k < MAX_SERIES_TERMS). */
  extend(k: number): void {
    const to = Math.min(MAX_SERIES_TERMS, Math.max(k + 1, 2 * this.length, 64));
    if (to > this.ratio.length) {
      const size = Math.min(MAX_SERIES_TERMS, Math.max(to, 2 * this.ratio.length));
      const grow = (a: Float64Array): Float64Array<ArrayBuffer> => {
        const b = new Float64Array(size);
        b.set(a.subarray(0, this.length));
        return b;
      };
      this.ratio = grow(this.ratio);
      this.sumQ = grow(this.sumQ);
      this.sumC = grow(this.sumC);
    }
    const { q, c, ratio, sumQ, sumC } = this;
    let sq = this.length > 0 ? sumQ[this.length - 1] : 0;
    let sc = this.length > 0 ? sumC[this.length - 1] : 0;
    for (let j = this.length; j < to; j++) {
      sq += 1 / (q + j);
      sc += 1 / (c + j);
      sumQ[j] = sq;
      sumC[j] = sc;
      ratio[j] = (q + j) / (c + j);
    }
    this.length = to;
  }
}

/**
 * H(q, c; z) = Σ_k (q)_k/(c)_k z^k for 0 ≤ z < 1, 0 < q < c, with ∂ln H/∂q, ∂c, ∂z from the
 * term-by-term derivatives (∂(q)_k/∂q = (q)_k Σ_{j<k} 1/(q+j)); `table` holds (q, c)'s
 * ratios and sums. NaN when more than MAX_SERIES_TERMS terms would be needed.
 */
function seriesH(q: number, c: number, z: number, out: SeriesValue, table: SeriesTable): void {
  if (z === 0) {
    out.lnH = 0;
    out.dq = 0;
    out.dc = 0;
    out.dz = q / c;
    return;
  }
  const t = table.use(q, c);
  let term = 1;
  let sum = 1;
  let dq = 0;
  let dc = 0;
  let dz = 0; // Σ k·term_k (÷ z at the end)
  const tailFactor = z / (1 - z);
  for (let k = 0; k < MAX_SERIES_TERMS; k++) {
    if (k >= t.length) t.extend(k);
    term *= t.ratio[k] * z;
    sum += term;
    dq += term * t.sumQ[k];
    dc -= term * t.sumC[k];
    dz += (k + 1) * term;
    // The derivative tails carry an extra factor of at most ~ln k: 1e-17 covers them.
    if (term * tailFactor <= 1e-17 * sum) {
      out.lnH = Math.log(sum);
      out.dq = dq / sum;
      out.dc = dc / sum;
      out.dz = dz / (z * sum);
      return;
    }
  }
  out.lnH = NaN;
  out.dq = NaN;
  out.dc = NaN;
  out.dz = NaN;
}

/**
 * Tanh-sinh nodes on (0, 1), u = σ(π sinh t), t from −3.5 (u ≈ e^−52: the integrand is
 * regular at 0) to 7 (1−u ≈ e^−1700: (1−u)^(c−2) may be singular at 1 and decays only like
 * (1−u)^(c−1) in t), step 1/32. Per node: ln(h · du/dt), u, 1−u and ln(1−u), in logs so
 * nothing underflows.
 */
const NODES = (() => {
  const h = 1 / 32;
  const ts: number[] = [];
  for (let t = -3.5; t <= 7; t += h) ts.push(t);
  const lnWeight = new Float64Array(ts.length);
  const u = new Float64Array(ts.length);
  const om = new Float64Array(ts.length);
  const lnOm = new Float64Array(ts.length);
  ts.forEach((t, i) => {
    const v = Math.PI * Math.sinh(t);
    const lnU = -log1pExp(-v);
    lnOm[i] = -log1pExp(v);
    u[i] = Math.exp(lnU);
    om[i] = Math.exp(lnOm[i]);
    // du/dt = π cosh t · u (1−u)
    lnWeight[i] = Math.log(h * Math.PI * Math.cosh(t)) + lnU + lnOm[i];
  });
  const n = ts.length;
  return { lnWeight, u, om, lnOm, logTerms: new Float64Array(n), lnD: new Float64Array(n) };
})();

/**
 * A node whose log-term is this far below the largest contributes exactly 0 (e^−745.2
 * underflows to 0 in double precision): quadratureH skips its logarithm. The margin over
 * 745.2 covers the rounding of the bound many times over, so the sums are bit for bit those
 * of evaluating every node.
 */
const NEGLIGIBLE_LOG_TERM = 800;

/**
 * H for z near 1 from its Euler integral (DLMF 15.6.1 with a = 1),
 *   H(q, c; z) = (c−1) ∫₀¹ (1−u)^(c−2) (1−zu)^−q du,   c > 1,
 * by the fixed tanh-sinh rule NODES, whose nodes crowd towards u = 1 where (1−zu)^−q peaks
 * (width (1−z)/z) and (1−u)^(c−2) may be singular. 1 − zu = w + z(1−u) with w = 1 − z given
 * exactly by the caller. Derivatives under the integral: ∂q ln H = E[−ln(1−zu)],
 * ∂c ln H = 1/(c−1) + E[ln(1−u)], ∂z ln H = q·E[u/(1−zu)].
 */
function quadratureH(q: number, c: number, z: number, w: number, out: SeriesValue): void {
  const { lnWeight, u, om, lnOm, logTerms, lnD } = NODES;
  // (1 − zu) ≥ w, so each log-term is at most lnWeight + (c−2)·ln(1−u) − q·ln w (q > 0):
  // nodes whose bound is already NEGLIGIBLE_LOG_TERM below the running maximum are skipped
  // (their term is 0 after exp) — on the right, where (1−u)^(c−2) vanishes, most of them.
  const lnW = Math.log(w);
  let max = -Infinity;
  for (let i = 0; i < lnWeight.length; i++) {
    const bound = lnWeight[i] + (c - 2) * lnOm[i];
    if (bound - q * lnW < max - NEGLIGIBLE_LOG_TERM) {
      logTerms[i] = -Infinity;
      continue;
    }
    const lnd = Math.log(w + z * om[i]);
    lnD[i] = lnd;
    const v = bound - q * lnd;
    logTerms[i] = v;
    if (v > max) max = v;
  }
  let sum = 0;
  let dq = 0;
  let dc = 0;
  let dz = 0;
  for (let i = 0; i < lnWeight.length; i++) {
    const x = logTerms[i] - max;
    // Below −745.2 exp is exactly 0: skip the call (and the skipped nodes, −∞).
    if (x < -746) continue;
    const e = Math.exp(x);
    if (e === 0) continue;
    const d = w + z * om[i];
    sum += e;
    dq -= e * lnD[i];
    dc += e * lnOm[i];
    dz += (e * u[i]) / d;
  }
  out.lnH = Math.log(c - 1) + max + Math.log(sum);
  out.dq = dq / sum;
  out.dc = 1 / (c - 1) + dc / sum;
  out.dz = (q * dz) / sum;
}

/** H and its log-derivatives: the series for small z, the quadrature near 1. */
function hypergeometricH(
  q: number,
  c: number,
  z: number,
  w: number,
  out: SeriesValue,
  table: SeriesTable,
): void {
  if (z <= SERIES_MAX_Z) seriesH(q, c, z, out, table);
  else quadratureH(q, c, z, w, out);
}

/**
 * H(q, c; z) and its log-derivatives as a likelihood pass computes them (w = 1 − z given
 * exactly); `table` may be shared between calls as a pass shares it. For the tests, which
 * check that it equals dividing in place and summing every quadrature node, bit for bit.
 */
export function paretoNbdH(
  q: number,
  c: number,
  z: number,
  w: number,
  table: SeriesTable = new SeriesTable(),
): { lnH: number; dq: number; dc: number; dz: number } {
  const out: SeriesValue = { lnH: 0, dq: 0, dc: 0, dz: 0 };
  hypergeometricH(q, c, z, w, out, table);
  return out;
}

/**
 * ln(n·J(A, B; τ₀)) with n = A+B−1, and its gradient in (r, α, s, β) written to g at offset
 * o, where A = r + x + dA and B = s + dB (dA, dB ∈ {0, 1}). See the module comment.
 */
function lnScaledTail(
  r: number,
  alpha: number,
  s: number,
  beta: number,
  x: number,
  dA: number,
  dB: number,
  tau: number,
  g: Float64Array | null,
  o: number,
  h: SeriesValue,
  table: SeriesTable,
): number {
  const A = r + x + dA;
  const B = s + dB;
  const c = A + B;
  const la = Math.log(alpha + tau);
  const lb = Math.log(beta + tau);
  if (alpha >= beta) {
    const z = (alpha - beta) / (alpha + tau);
    hypergeometricH(A, c, z, (beta + tau) / (alpha + tau), h, table);
    if (g !== null) {
      const ia = 1 / (alpha + tau);
      g[o] = -la + h.dq + h.dc;
      g[o + 1] = -A * ia + h.dz * (beta + tau) * ia * ia;
      g[o + 2] = -lb + h.dc;
      g[o + 3] = (1 - B) / (beta + tau) - h.dz * ia;
    }
    return -A * la + (1 - B) * lb + h.lnH;
  }
  const z = (beta - alpha) / (beta + tau);
  hypergeometricH(B, c, z, (alpha + tau) / (beta + tau), h, table);
  if (g !== null) {
    const ib = 1 / (beta + tau);
    g[o] = -la + h.dc;
    g[o + 1] = (1 - A) / (alpha + tau) - h.dz * ib;
    g[o + 2] = -lb + h.dq + h.dc;
    g[o + 3] = -B * ib + h.dz * (alpha + tau) * ib * ib;
  }
  return -B * lb + (1 - A) * la + h.lnH;
}

/**
 * Rows prepared for likelihood passes: distinct x values, distinct (x, T) pairs (the "alive at
 * T" term) and distinct (x, t_x) pairs (the "died after t_x" term); x = 0 rows have t_x = 0.
 */
interface PreparedRows {
  readonly totalWeight: number;
  readonly repeatWeight: number;
  readonly xs: Float64Array;
  readonly weightByX: Float64Array;
  /** Per pair: index into xs and τ. */
  readonly aliveX: Int32Array;
  readonly aliveTau: Float64Array;
  readonly deadX: Int32Array;
  readonly deadTau: Float64Array;
  readonly count: number;
  readonly alivePair: Int32Array;
  readonly deadPair: Int32Array;
  readonly weight: Float64Array;
}

function pairsOf(index: TupleIndex): { x: Int32Array; tau: Float64Array } {
  const keys = index.values();
  const x = new Int32Array(index.size);
  const tau = new Float64Array(index.size);
  for (let k = 0; k < index.size; k++) {
    x[k] = keys[2 * k];
    tau[k] = keys[2 * k + 1];
  }
  return { x, tau };
}

function prepare(data: FrequencyData, rows?: ArrayLike<number>): PreparedRows {
  const n = rows === undefined ? data.length : rows.length;
  const xIndex = new TupleIndex(1, 256);
  const alive = new TupleIndex(2, Math.max(16, Math.min(n, 1 << 16)));
  const dead = new TupleIndex(2, Math.max(16, Math.min(n, 1 << 16)));
  const alivePair = new Int32Array(n);
  const deadPair = new Int32Array(n);
  const weight = new Float64Array(n);
  let weightByX = new Float64Array(256);
  let totalWeight = 0;
  let repeatWeight = 0;
  for (let k = 0; k < n; k++) {
    const i = rows === undefined ? k : rows[k];
    const x = data.x[i];
    const tx = data.tx[i];
    const T = data.T[i];
    const w = data.weight === undefined ? 1 : data.weight[i];
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
    if (!ok) throw new RangeError(`invalid Pareto/NBD row x=${x} t_x=${tx} T=${T} weight=${w}`);
    const xi = xIndex.indexOf(x);
    if (xi >= weightByX.length) {
      const grown = new Float64Array(weightByX.length * 2);
      grown.set(weightByX);
      weightByX = grown;
    }
    weightByX[xi] += w;
    totalWeight += w;
    if (x > 0) repeatWeight += w;
    alivePair[k] = alive.indexOf(xi, T);
    deadPair[k] = dead.indexOf(xi, x > 0 ? tx : 0);
    weight[k] = w;
  }
  const a = pairsOf(alive);
  const d = pairsOf(dead);
  return {
    totalWeight,
    repeatWeight,
    xs: Float64Array.from(xIndex.values()),
    weightByX: weightByX.slice(0, xIndex.size),
    aliveX: a.x,
    aliveTau: a.tau,
    deadX: d.x,
    deadTau: d.tau,
    count: n,
    alivePair,
    deadPair,
    weight,
  };
}

interface Scratch {
  aliveValue: Float64Array;
  deadValue: Float64Array;
  aliveGrad: Float64Array;
  deadGrad: Float64Array;
  aliveShare: Float64Array;
  deadShare: Float64Array;
  series: SeriesValue;
  /** Per distinct x: the series tables of its "alive at T" term (2j) and "died" term (2j+1). */
  tables: SeriesTable[];
}

function scratchFor(p: PreparedRows): Scratch {
  return {
    aliveValue: new Float64Array(p.aliveX.length),
    deadValue: new Float64Array(p.deadX.length),
    aliveGrad: new Float64Array(4 * p.aliveX.length),
    deadGrad: new Float64Array(4 * p.deadX.length),
    aliveShare: new Float64Array(p.aliveX.length),
    deadShare: new Float64Array(p.deadX.length),
    series: { lnH: 0, dq: 0, dc: 0, dz: 0 },
    tables: Array.from({ length: 2 * p.xs.length }, () => new SeriesTable()),
  };
}

/**
 * Σ w ln L and optionally its gradient in θ = (r, α, s, β), in one pass:
 *   ln L = ln Γ(r+x) − ln Γ(r) + r ln α + s ln β − ln(r+s+x) + lse(V₁, V₂),
 *   V₁ = ln(r+x) + ln(n·J(r+x+1, s; T)),   V₂ = ln s + ln(n·J(r+x, s+1; t_x)),
 * V₁ per (x, T) pair, V₂ per (x, t_x) pair; the lse's gradient is the softmax-weighted mix
 * of theirs, summed per pair before it meets the pair's gradient.
 */
function evaluateLikelihood(
  prep: PreparedRows,
  scratch: Scratch,
  r: number,
  alpha: number,
  s: number,
  beta: number,
  grad: Float64Array | null,
): number {
  const { xs, weightByX } = prep;
  const { aliveValue, deadValue, aliveGrad, deadGrad, aliveShare, deadShare, series, tables } =
    scratch;
  const lnAlpha = Math.log(alpha);
  const lnBeta = Math.log(beta);
  const lgR = lnGamma(r);
  const psiR = grad === null ? 0 : digamma(r);
  let ll = 0;
  let gr = 0;
  let gAlpha = 0;
  let gs = 0;
  let gBeta = 0;
  for (let j = 0; j < xs.length; j++) {
    const x = xs[j];
    const w = weightByX[j];
    const n = r + s + x;
    ll += w * (lnGamma(r + x) - lgR + r * lnAlpha + s * lnBeta - Math.log(n));
    if (grad !== null) {
      gr += w * (digamma(r + x) - psiR + lnAlpha - 1 / n);
      gAlpha += (w * r) / alpha;
      gs += w * (lnBeta - 1 / n);
      gBeta += (w * s) / beta;
    }
  }
  const g1 = grad === null ? null : aliveGrad;
  const g2 = grad === null ? null : deadGrad;
  for (let k = 0; k < aliveValue.length; k++) {
    const j = prep.aliveX[k];
    const x = xs[j];
    const tau = prep.aliveTau[k];
    const v = lnScaledTail(r, alpha, s, beta, x, 1, 0, tau, g1, 4 * k, series, tables[2 * j]);
    aliveValue[k] = Math.log(r + x) + v;
    if (g1 !== null) g1[4 * k] += 1 / (r + x);
    aliveShare[k] = 0;
  }
  const lnS = Math.log(s);
  for (let k = 0; k < deadValue.length; k++) {
    const j = prep.deadX[k];
    const x = xs[j];
    const tau = prep.deadTau[k];
    deadValue[k] =
      lnS + lnScaledTail(r, alpha, s, beta, x, 0, 1, tau, g2, 4 * k, series, tables[2 * j + 1]);
    if (g2 !== null) g2[4 * k + 2] += 1 / s;
    deadShare[k] = 0;
  }
  const { count, alivePair, deadPair, weight } = prep;
  let sumLse = 0;
  for (let i = 0; i < count; i++) {
    const ka = alivePair[i];
    const kd = deadPair[i];
    const v1 = aliveValue[ka];
    const d = deadValue[kd] - v1;
    const e = Math.exp(-Math.abs(d));
    const w = weight[i];
    sumLse += w * (v1 + Math.max(d, 0) + Math.log1p(e));
    if (grad !== null) {
      const small = e / (1 + e);
      const s2 = d > 0 ? 1 - small : small;
      aliveShare[ka] += w * (1 - s2);
      deadShare[kd] += w * s2;
    }
  }
  ll += sumLse;
  if (grad !== null) {
    for (let k = 0; k < aliveShare.length; k++) {
      const c = aliveShare[k];
      if (c === 0) continue;
      gr += c * aliveGrad[4 * k];
      gAlpha += c * aliveGrad[4 * k + 1];
      gs += c * aliveGrad[4 * k + 2];
      gBeta += c * aliveGrad[4 * k + 3];
    }
    for (let k = 0; k < deadShare.length; k++) {
      const c = deadShare[k];
      if (c === 0) continue;
      gr += c * deadGrad[4 * k];
      gAlpha += c * deadGrad[4 * k + 1];
      gs += c * deadGrad[4 * k + 2];
      gBeta += c * deadGrad[4 * k + 3];
    }
    grad[0] = gr;
    grad[1] = gAlpha;
    grad[2] = gs;
    grad[3] = gBeta;
  }
  return ll;
}

/** Σ weight × ln L_i of Pareto/NBD at `params` (FHL 2005 note, eq. 22). */
export function paretoNbdLogLikelihood(params: ParetoNbdParams, data: FrequencyData): number {
  const prep = prepare(data);
  const { r, alpha, s, beta } = params;
  return evaluateLikelihood(prep, scratchFor(prep), r, alpha, s, beta, null);
}

/** Gradient of Σ weight × ln L_i in (r, α, s, β) (tests check it numerically). */
export function paretoNbdLogLikelihoodGradient(
  params: ParetoNbdParams,
  data: FrequencyData,
): Float64Array {
  const prep = prepare(data);
  const grad = new Float64Array(4);
  const { r, alpha, s, beta } = params;
  evaluateLikelihood(prep, scratchFor(prep), r, alpha, s, beta, grad);
  return grad;
}

/** −LL/W + λ Σ φ² plus the boundary wall on φ = ln θ, with its gradient. */
function objectiveFor(prep: PreparedRows, penalizer: number) {
  const scratch = scratchFor(prep);
  const gTheta = new Float64Array(4);
  const theta = new Float64Array(4);
  const W = prep.totalWeight;
  return (phi: Float64Array, grad: Float64Array): number => {
    for (let i = 0; i < 4; i++) theta[i] = Math.exp(phi[i]);
    const [r, alpha, s, beta] = theta;
    const ll = evaluateLikelihood(prep, scratch, r, alpha, s, beta, gTheta);
    const value = logParameterObjective(phi, theta, ll, gTheta, null, W, penalizer, grad, null);
    return value + boundaryPenalty(phi, grad, null);
  };
}

function defaultStart(prep: PreparedRows, data: FrequencyData): ParetoNbdParams {
  // Purchase rate r/α near the observed repeat rate Σx / ΣT; lifetimes of the order of the
  // observation (β ≈ mean T); r = s = 1.
  let sumX = 0;
  for (let j = 0; j < prep.xs.length; j++) sumX += prep.xs[j] * prep.weightByX[j];
  let sumT = 0;
  for (let i = 0; i < data.length; i++) {
    sumT += data.T[i] * (data.weight === undefined ? 1 : data.weight[i]);
  }
  const rate = sumX > 0 && sumT > 0 ? sumX / sumT : 1;
  const meanT = sumT > 0 ? sumT / prep.totalWeight : 1;
  return { r: 1, alpha: 1 / rate, s: 1, beta: Math.max(meanT, 1e-3) };
}

const toPhi = (p: ParetoNbdParams): Float64Array =>
  Float64Array.from([Math.log(p.r), Math.log(p.alpha), Math.log(p.s), Math.log(p.beta)]);

const fromPhi = (phi: ArrayLike<number>): ParetoNbdParams => ({
  r: Math.exp(phi[0]),
  alpha: Math.exp(phi[1]),
  s: Math.exp(phi[2]),
  beta: Math.exp(phi[3]),
});

function subsampleRows(n: number): Int32Array {
  const rows = new Int32Array(Math.ceil(n / 16));
  for (let i = 0, k = 0; i < n; i += 16) rows[k++] = i;
  return rows;
}

/**
 * Maximum-likelihood Pareto/NBD: BFGS on the log-parameters with the analytic gradient (large
 * inputs: first on a 1/16 subsample, whose optimum and inverse Hessian start the full fit).
 * Standard errors from the Hessian at the optimum, by forward differences of the analytic
 * gradient (5 passes; an analytic Hessian would need second derivatives of 2F1 in q and c
 * for a one-off cost). Needs repeat buyers, like BG/NBD.
 *
 * The cost is bounded: at most `maxEvaluations` likelihood passes (PARETO_NBD_MAX_EVALUATIONS)
 * in all, and a fit running to s, β → ∞ (PARETO_NBD_RUNAWAY_S) stops as soon as the
 * likelihood is seen to rise along that ray; both come back with `limit` saying why.
 */
export function fitParetoNbd(data: FrequencyData, options: ParetoNbdFitOptions = {}): ParetoNbdFit {
  const penalizer = options.penalizer ?? 0;
  const prep = prepare(data);
  if (prep.totalWeight <= 0) throw new RangeError("Pareto/NBD needs at least one customer");
  if (!(prep.repeatWeight > 0) && penalizer === 0) {
    throw new RangeError("Pareto/NBD needs repeat purchases (or a penalizer) to have a maximum");
  }
  const maxEvaluations = Math.max(
    STANDARD_ERROR_EVALUATIONS + 1,
    options.maxEvaluations ?? PARETO_NBD_MAX_EVALUATIONS,
  );
  const budget = maxEvaluations - STANDARD_ERROR_EVALUATIONS;
  // Passes spent so far, in full-data passes (a subsample pass costs 1/16).
  let spent = 0;
  let runaway: Unidentified | null = null;
  let exhausted = false;
  /** The objective, refusing (+∞, no pass) once the budget is spent. */
  const guarded = (p: PreparedRows, cost: number) => {
    const f = objectiveFor(p, penalizer);
    return (phi: Float64Array, grad: Float64Array): number => {
      if (spent + cost > budget) {
        exhausted = true;
        grad.fill(0);
        return Infinity;
      }
      spent += cost;
      return f(phi, grad);
    };
  };
  /**
   * Stops BFGS at an iterate past PARETO_NBD_RUNAWAY_S whose likelihood is below that of
   * (2s, 2β) (one more pass, once per doubling of s), or once the budget is spent.
   */
  const stopFor = (p: PreparedRows, cost: number) => {
    const scratch = scratchFor(p);
    let maxT = 0;
    for (let k = 0; k < p.aliveTau.length; k++) maxT = Math.max(maxT, p.aliveTau[k]);
    const betaBound = PARETO_NBD_RUNAWAY_BETA_SPANS * Math.max(maxT, 1e-9);
    let checkedS = 0;
    let checkedBeta = 0;
    const spend = (): boolean => {
      if (spent + cost > budget) {
        exhausted = true;
        return false;
      }
      spent += cost;
      return true;
    };
    const spentMessage = `evaluation budget of ${maxEvaluations} likelihood passes spent`;
    return (phi: Float64Array, value: number): string | null => {
      if (exhausted) return spentMessage;
      const [r, alpha, s, beta] = Array.from(phi, Math.exp);
      const inRegion = s > PARETO_NBD_RUNAWAY_S || beta > betaBound;
      // Once per doubling of s or β (β may sit at the log-parameter wall while s grows).
      if (!inRegion || (s < 2 * checkedS && beta < 2 * checkedBeta)) return null;
      checkedS = s;
      checkedBeta = beta;
      if (!spend()) return spentMessage;
      let penalty = boundaryPenalty(phi, null, null);
      for (let i = 0; i < 4; i++) penalty += penalizer * phi[i] * phi[i];
      const here = -(value - penalty) * p.totalWeight;
      const estimates = `r = ${r.toPrecision(3)}, α = ${alpha.toPrecision(3)}, s = ${s.toPrecision(3)}, β = ${beta.toPrecision(3)}`;
      const together = evaluateLikelihood(p, scratch, r, alpha, 2 * s, 2 * beta, null);
      if (together >= here) {
        runaway = {
          code: "boundary",
          parameter: "s",
          estimate: s,
          standardError: null,
          reason:
            `Pareto/NBD is not identified: s and β run to infinity together (${estimates}; the ` +
            `likelihood still rises by ${(together - here).toPrecision(2)} when both double). Its ` +
            `limit gives every customer one drop-out rate s/β = ${(s / beta).toPrecision(3)} per ` +
            `time unit, and the NBD without drop-out as that rate goes to 0`,
        };
        return "stopped: s and β run to infinity together";
      }
      if (!(beta > betaBound)) return null;
      if (!spend()) return spentMessage;
      const further = evaluateLikelihood(p, scratch, r, alpha, s, 2 * beta, null);
      if (!(further >= here)) return null;
      runaway = {
        code: "boundary",
        parameter: "β",
        estimate: beta,
        standardError: null,
        reason:
          `Pareto/NBD is not identified: β runs to infinity (${estimates}; mean lifetimes beyond ` +
          `${PARETO_NBD_RUNAWAY_BETA_SPANS} times the longest history, the likelihood still ` +
          `rising by ${(further - here).toPrecision(2)} when β doubles). Its limit is the NBD ` +
          `without drop-out`,
      };
      return "stopped: β runs to infinity";
    };
  };
  const objective = guarded(prep, 1);
  const stop = stopFor(prep, 1);
  const maxIterations = options.maxIterations ?? 300;
  const start = options.initial ?? defaultStart(prep, data);
  let iterations = 0;
  let best: MinimizeResult | null = null;
  const consider = (res: MinimizeResult): void => {
    iterations += res.iterations;
    if (
      best === null ||
      (res.converged && !best.converged) ||
      (res.converged === best.converged && res.value < best.value)
    ) {
      best = res;
    }
  };
  const halted = (): boolean => runaway !== null || exhausted;
  const warm = (options.warmStart ?? data.length > 50_000) && options.initial === undefined;
  if (warm) {
    const rows = subsampleRows(data.length);
    const sub = prepare(data, rows);
    if (sub.repeatWeight > 0) {
      const cost = sub.count / Math.max(1, prep.count);
      const rough = minimizeBfgs(guarded(sub, cost), toPhi(start), {
        gradientTolerance: 1e-7,
        stop: stopFor(sub, cost),
      });
      // A subsample running away says nothing certain about the full data: start over there.
      runaway = null;
      if (rough.converged && !exhausted) {
        consider(
          minimizeBfgs(objective, rough.x, {
            maxIterations,
            initialInverseHessian: rough.inverseHessian,
            stop,
          }),
        );
      }
    }
  }
  const starts = [start, { r: 0.5, alpha: start.alpha / 2, s: 0.5, beta: start.beta * 4 }];
  for (const p of starts) {
    if (halted() || (best !== null && (best as MinimizeResult).converged)) break;
    consider(minimizeBfgs(objective, toPhi(p), { maxIterations, stop }));
  }
  const result = best as MinimizeResult | null;
  if (result === null) throw new Error("the Pareto/NBD fit spent its budget before any step");
  const phi = result.x;
  const params = fromPhi(phi);
  let penalty = boundaryPenalty(phi, null, null);
  for (let i = 0; i < 4; i++) penalty += penalizer * phi[i] * phi[i];
  const found = runaway as Unidentified | null;
  const limit: Unidentified | null =
    found ??
    (exhausted && !result.converged
      ? {
          code: "not-converged",
          parameter: null,
          estimate: null,
          standardError: null,
          reason: `The Pareto/NBD fit did not converge within ${maxEvaluations} likelihood evaluations (r = ${params.r.toPrecision(3)}, α = ${params.alpha.toPrecision(3)}, s = ${params.s.toPrecision(3)}, β = ${params.beta.toPrecision(3)})`,
        }
      : null);
  let value = result.value;
  let gradientMaxAbs = Math.max(...Array.from(result.gradient, Math.abs));
  let se: ParetoNbdParams | null = null;
  let logCovariance: number[] | null = null;
  if (limit === null) {
    // Standard errors only for an interior optimum (a stopped fit has none to give).
    // The optimiser's last point is the estimate, and its value and gradient are known (the
    // same pass, deterministic): neither the value here nor the Hessian's base point costs a
    // pass of its own.
    const pass = objectiveFor(prep, penalizer);
    const known = Number.isFinite(result.value) ? result : null;
    const plain = (at: Float64Array, grad: Float64Array): number => {
      if (known !== null && at.every((v, i) => v === known.x[i])) {
        grad.set(known.gradient);
        return known.value;
      }
      return pass(at, grad);
    };
    const gPhi = new Float64Array(4);
    value = plain(phi, gPhi);
    gradientMaxAbs = Math.max(...Array.from(gPhi, Math.abs));
    // Forward differences: 5 passes, O(h) = 1e-5 relative error, plenty for standard errors.
    const hPhi = numericalHessian(plain, phi, 1e-5, "forward");
    spent += STANDARD_ERROR_EVALUATIONS;
    const u = logParamUncertainty(
      [params.r, params.alpha, params.s, params.beta],
      hPhi,
      prep.totalWeight,
    );
    if (u !== null) {
      const e = u.standardErrors;
      se = { r: e[0], alpha: e[1], s: e[2], beta: e[3] };
      logCovariance = u.logCovariance;
    }
  }
  return {
    params,
    standardErrors: se,
    logCovariance,
    logLikelihood: -(value - penalty) * prep.totalWeight,
    customers: prep.totalWeight,
    penalizer,
    convergence: {
      converged: result.converged && limit === null,
      iterations,
      evaluations: Math.round(spent * 10) / 10,
      gradientMaxAbs,
      message: result.message,
    },
    limit,
  };
}

// ---------------------------------------------------------------------------------------------
// Per-customer quantities.

/**
 * ln P(alive | x, t_x, T) (FHL 2005 note, eq. 18): the "alive at T" share of the likelihood,
 *   (α+T)^−(r+x) (β+T)^−s / [(r+x) J(r+x+1, s; T) + s J(r+x, s+1; t_x)],
 * where the numerator equals the denominator at t_x = T. Below 1 for one-time buyers too.
 */
export function paretoNbdLogPAlive(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = p;
  const series: SeriesValue = { lnH: 0, dq: 0, dc: 0, dz: 0 };
  const table = new SeriesTable();
  const v1 = Math.log(r + x) + lnScaledTail(r, alpha, s, beta, x, 1, 0, T, null, 0, series, table);
  const last = x > 0 ? tx : 0;
  const v2 = Math.log(s) + lnScaledTail(r, alpha, s, beta, x, 0, 1, last, null, 0, series, table);
  const lnAliveTerm = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T) + Math.log(r + s + x);
  // ln P = lnAliveTerm − lse(v1, v2) = (lnAliveTerm − v1) + ln σ(v1 − v2).
  return Math.min(0, lnAliveTerm - v1 + logLogistic(v1 - v2));
}

/**
 * P(alive) of every row of `data` (x = 0 rows read with t_x = 0): the J terms once per
 * distinct (x, T) and (x, t_x) pair, as in a likelihood pass, instead of twice per row.
 */
export function paretoNbdPAliveRows(p: ParetoNbdParams, data: FrequencyData): Float64Array {
  const prep = prepare(data);
  const scratch = scratchFor(prep);
  const { r, alpha, s, beta } = p;
  evaluateLikelihood(prep, scratch, r, alpha, s, beta, null);
  const lnAliveTerm = new Float64Array(prep.aliveX.length);
  for (let k = 0; k < lnAliveTerm.length; k++) {
    const x = prep.xs[prep.aliveX[k]];
    const T = prep.aliveTau[k];
    lnAliveTerm[k] = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T) + Math.log(r + s + x);
  }
  const out = new Float64Array(prep.count);
  for (let i = 0; i < prep.count; i++) {
    const ka = prep.alivePair[i];
    const v1 = scratch.aliveValue[ka];
    const v2 = scratch.deadValue[prep.deadPair[i]];
    out[i] = Math.exp(Math.min(0, lnAliveTerm[ka] - v1 + logLogistic(v1 - v2)));
  }
  return out;
}

export function paretoNbdPAlive(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  return Math.exp(paretoNbdLogPAlive(p, x, tx, T));
}

/** (1 − (1+u)^−ε) / ε, with its limit ln(1+u) at ε = 0, accurate near there. */
function powerDifference(u: number, epsilon: number): number {
  const L = Math.log1p(u);
  if (Math.abs(epsilon * L) < 1e-8) return L * (1 - (epsilon * L) / 2);
  return -Math.expm1(-epsilon * L) / epsilon;
}

/**
 * E[Y(t) | alive, x, T] = (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)]
 * (FHL 2005 note, eq. 21 divided by P(alive)); at s = 1 the limit (r+x)(β+T)/(α+T) ·
 * ln(1 + t/(β+T)).
 */
export function paretoNbdExpectedPerAlive(
  p: ParetoNbdParams,
  t: number,
  x: number,
  T: number,
): number {
  if (!(t > 0)) return 0;
  const { r, alpha, s, beta } = p;
  return (((r + x) * (beta + T)) / (alpha + T)) * powerDifference(t / (beta + T), s - 1);
}

/** E[Y(t) | x, t_x, T]: expected repeat purchases in the next t time units. */
export function paretoNbdConditionalExpected(
  p: ParetoNbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  return paretoNbdPAlive(p, x, tx, T) * paretoNbdExpectedPerAlive(p, t, x, T);
}

/** E[X(t)] of a customer who just made a first purchase: rβ/(α(s−1)) · [1 − (β/(β+t))^(s−1)]. */
export function paretoNbdUnconditionalExpected(p: ParetoNbdParams, t: number): number {
  return paretoNbdExpectedPerAlive(p, t, 0, 0);
}
