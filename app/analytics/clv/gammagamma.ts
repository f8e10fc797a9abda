/**
 * Gamma-Gamma spend model (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value";
 * Fader, Hardie & Lee 2005, "RFM and CLV"): a customer's transaction values are
 * Gamma(p, ν) around their mean p/ν, with ν ~ Gamma(q, γ) across customers. Fitted on the
 * customers with repeat purchases, from x (number of repeat purchases) and zbar (their mean).
 */

import {
  logParamUncertainty,
  logParameterObjective,
  minimizeBfgs,
  objectiveAt,
  subsampleThenPolish,
  type KnownPoint,
} from "./optimize";
import { digamma, lnGamma, lnGammaIncrement, trigamma } from "./special";
import type { ConvergenceInfo } from "./bgnbd";
import { identificationProblem, type Unidentified } from "./status";
import { TupleIndex } from "./summary";

export interface GammaGammaParams {
  readonly p: number;
  readonly q: number;
  readonly gamma: number;
}

export interface GammaGammaFit {
  readonly params: GammaGammaParams;
  readonly standardErrors: GammaGammaParams | null;
  /**
   * Cov(ln θ), row-major, parameters in the order of `params` (ln γ's variance is ln γ_scaled's: a constant shift): the inverse Hessian the
   * standard errors come from; null with them. Intervals sample it (intervals.ts).
   */
  readonly logCovariance: readonly number[] | null;
  /** Σ weight × ln f(zbar | x) at the estimate, zbar in the units it was given in. */
  readonly logLikelihood: number;
  /** Customers used (x > 0 and zbar > 0). */
  readonly customers: number;
  readonly penalizer: number;
  readonly convergence: ConvergenceInfo;
}

export interface SpendData {
  readonly length: number;
  /** Repeat purchases; rows with x ≤ 0 are ignored. */
  readonly x: ArrayLike<number>;
  /** Mean value of the repeat purchases; rows with zbar ≤ 0 (fully refunded) are ignored. */
  readonly zbar: ArrayLike<number>;
  readonly weight?: ArrayLike<number>;
}

export interface GammaGammaFitOptions {
  /** L2 penalty λ·Σ(ln θ)² on the log-parameters (γ measured relative to mean spend). */
  readonly penalizer?: number;
  readonly initial?: GammaGammaParams;
  /** Subsample fit + Newton steps (default: more than 50,000 rows). Same optimum. */
  readonly warmStart?: boolean;
}

interface PreparedSpend {
  readonly totalWeight: number;
  /** zbar is divided by this (the weighted mean) so that γ is O(1) during the fit. */
  readonly scale: number;
  readonly xs: Float64Array;
  readonly weightByX: Float64Array;
  readonly count: number;
  readonly xIdx: Int32Array;
  /** x · zbar / scale and ln(zbar / scale) per row. */
  readonly xz: Float64Array;
  readonly lnZ: Float64Array;
  readonly weight: Float64Array;
  /** Σ w x ln(zbar/scale), Σ w ln(zbar/scale), Σ w x ln x. */
  readonly sumXLnZ: number;
  readonly sumLnZ: number;
  readonly sumXLnX: number;
}

function prepareSpend(data: SpendData): PreparedSpend {
  // One row per usable customer: zbar is continuous, so merging equal (x, zbar) saves little
  // and a 2-D hash over a million customers costs more than the fit's passes.
  let count = 0;
  let totalWeight = 0;
  let sumZ = 0;
  const usable = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const z = data.zbar[i];
    const w = data.weight === undefined ? 1 : data.weight[i];
    if (!(data.x[i] > 0 && z > 0 && w > 0 && Number.isFinite(z))) continue;
    usable[i] = 1;
    count++;
    totalWeight += w;
    sumZ += w * z;
  }
  const scale = totalWeight > 0 ? sumZ / totalWeight : 1;
  const xValues = new TupleIndex(1, 64);
  const xIdx = new Int32Array(count);
  const xz = new Float64Array(count);
  const lnZ = new Float64Array(count);
  const weight = new Float64Array(count);
  let sumXLnZ = 0;
  let sumLnZ = 0;
  let sumXLnX = 0;
  for (let i = 0, r = 0; i < data.length; i++) {
    if (usable[i] === 0) continue;
    const x = data.x[i];
    const z = data.zbar[i] / scale;
    const w = data.weight === undefined ? 1 : data.weight[i];
    const lz = Math.log(z);
    xIdx[r] = xValues.indexOf(x);
    xz[r] = x * z;
    lnZ[r] = lz;
    weight[r] = w;
    sumXLnZ += w * x * lz;
    sumLnZ += w * lz;
    sumXLnX += w * x * Math.log(x);
    r++;
  }
  const xs = Float64Array.from(xValues.values());
  const weightByX = new Float64Array(xs.length);
  for (let r = 0; r < count; r++) weightByX[xIdx[r]] += weight[r];
  return {
    totalWeight,
    scale,
    xs,
    weightByX,
    count,
    xIdx,
    xz,
    lnZ,
    weight,
    sumXLnZ,
    sumLnZ,
    sumXLnX,
  };
}

/** Every `stride`-th row (weights unchanged), for the warm start of large fits. */
function subsetSpend(prep: PreparedSpend, stride: number): PreparedSpend {
  const count = Math.ceil(prep.count / stride);
  const xIdx = new Int32Array(count);
  const xz = new Float64Array(count);
  const lnZ = new Float64Array(count);
  const weight = new Float64Array(count);
  const weightByX = new Float64Array(prep.xs.length);
  let totalWeight = 0;
  let sumXLnZ = 0;
  let sumLnZ = 0;
  let sumXLnX = 0;
  for (let k = 0, i = 0; i < prep.count; i += stride, k++) {
    const x = prep.xs[prep.xIdx[i]];
    const w = prep.weight[i];
    xIdx[k] = prep.xIdx[i];
    xz[k] = prep.xz[i];
    lnZ[k] = prep.lnZ[i];
    weight[k] = w;
    weightByX[xIdx[k]] += w;
    totalWeight += w;
    sumXLnZ += w * x * lnZ[k];
    sumLnZ += w * lnZ[k];
    sumXLnX += w * x * Math.log(x);
  }
  return {
    ...prep,
    totalWeight,
    weightByX,
    count,
    xIdx,
    xz,
    lnZ,
    weight,
    sumXLnZ,
    sumLnZ,
    sumXLnX,
  };
}

/**
 * Σ w ln f(zbar | x; p, q, γ) on scaled zbar, with its gradient and optionally its Hessian in
 * (p, q, γ) (Fader & Hardie 2013, eq. 4):
 * ln f = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln zbar + px ln x − (px+q) ln(γ + x zbar).
 * The terms linear in p are pre-summed; each row costs one logarithm.
 */
function spendLogLikelihood(
  prep: PreparedSpend,
  p: number,
  q: number,
  gamma: number,
  grad: Float64Array | null,
  hess: Float64Array | null = null,
): number {
  const { xs, weightByX, count, xIdx, xz, weight } = prep;
  const lgQ = lnGamma(q);
  const psiQ = digamma(q);
  const tgQ = hess === null ? 0 : trigamma(q);
  const lnG = Math.log(gamma);
  let ll = p * prep.sumXLnZ - prep.sumLnZ + p * prep.sumXLnX;
  let gp = prep.sumXLnZ + prep.sumXLnX;
  let gq = 0;
  let gg = 0;
  let hpp = 0;
  let hpq = 0;
  let hqq = 0;
  let hqg = 0;
  let hgg = 0;
  for (let j = 0; j < xs.length; j++) {
    const x = xs[j];
    const w = weightByX[j];
    ll += w * (lnGammaIncrement(p * x, q) - lgQ + q * lnG);
    if (grad !== null) {
      const psiPXQ = digamma(p * x + q);
      gp += w * x * (psiPXQ - digamma(p * x));
      gq += w * (psiPXQ - psiQ + lnG);
      gg += (w * q) / gamma;
    }
    if (hess !== null) {
      const tgPXQ = trigamma(p * x + q);
      hpp += w * x * x * (tgPXQ - trigamma(p * x));
      hpq += w * x * tgPXQ;
      hqq += w * (tgPXQ - tgQ);
      hqg += w / gamma;
      hgg -= (w * q) / (gamma * gamma);
    }
  }
  let sumA = 0;
  let sumXLn = 0;
  let sumLn = 0;
  let sumInv = 0;
  let sumXInv = 0;
  let sumWInv = 0;
  let sumInv2 = 0;
  for (let i = 0; i < count; i++) {
    const x = xs[xIdx[i]];
    const w = weight[i];
    const s = gamma + xz[i];
    const l = Math.log(s);
    const wa = w * (p * x + q);
    sumA += wa * l;
    if (grad !== null) {
      sumXLn += w * x * l;
      sumLn += w * l;
      sumInv += wa / s;
    }
    if (hess !== null) {
      const inv = 1 / s;
      sumXInv += w * x * inv;
      sumWInv += w * inv;
      sumInv2 += wa * inv * inv;
    }
  }
  ll -= sumA;
  if (grad !== null) {
    grad[0] = gp - sumXLn;
    grad[1] = gq - sumLn;
    grad[2] = gg - sumInv;
  }
  if (hess !== null) {
    // ∂²/∂p∂γ = −Σ w x/(γ+xz), ∂²/∂q∂γ = Σ w/γ − Σ w/(γ+xz), ∂²/∂γ² = −Σ wq/γ² + Σ w(px+q)/(γ+xz)².
    const hpg = -sumXInv;
    hess.set([hpp, hpq, hpg, hpq, hqq, hqg - sumWInv, hpg, hqg - sumWInv, hgg + sumInv2]);
  }
  return ll;
}

/** −LL/W + λ Σ φ² on φ = ln(p, q, γ/scale), with gradient and optional Hessian. */
function spendObjective(prep: PreparedSpend, penalizer: number) {
  const g = new Float64Array(3);
  const h = new Float64Array(9);
  const theta = new Float64Array(3);
  const W = prep.totalWeight;
  return (phi: Float64Array, grad: Float64Array, hess: Float64Array | null = null): number => {
    for (let i = 0; i < 3; i++) theta[i] = Math.exp(phi[i]);
    const hTheta = hess === null ? null : h;
    const ll = spendLogLikelihood(prep, theta[0], theta[1], theta[2], g, hTheta);
    return logParameterObjective(phi, theta, ll, g, hTheta, W, penalizer, grad, hess);
  };
}

/** Σ weight × ln f(zbar | x) of the Gamma-Gamma model at `params` (zbar in its own units). */
export function gammaGammaLogLikelihood(params: GammaGammaParams, data: SpendData): number {
  const prep = prepareSpend(data);
  // Density of zbar transforms with its scale: ln f(zbar) = ln f(zbar/s) − ln s.
  return (
    spendLogLikelihood(prep, params.p, params.q, params.gamma / prep.scale, null) -
    prep.totalWeight * Math.log(prep.scale)
  );
}

/** Number of usable rows (x > 0, zbar > 0) — fit only when there are enough of them. */
export function countSpendCustomers(data: SpendData): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    if (data.x[i] > 0 && data.zbar[i] > 0) n += data.weight === undefined ? 1 : data.weight[i];
  }
  return n;
}

/**
 * Maximum-likelihood Gamma-Gamma fit on customers with x > 0 and zbar > 0: BFGS on the
 * log-parameters (several starts if needed); for more than 50,000 rows, BFGS on a 1/16
 * subsample then Newton steps on all rows. Standard errors from the analytic Hessian.
 */
export function fitGammaGamma(data: SpendData, options: GammaGammaFitOptions = {}): GammaGammaFit {
  const penalizer = options.penalizer ?? 0;
  const prep = prepareSpend(data);
  if (prep.totalWeight <= 0) {
    throw new RangeError("Gamma-Gamma needs customers with x > 0 and zbar > 0");
  }
  const objective = spendObjective(prep, penalizer);
  const toPhi = (s: GammaGammaParams): number[] => [
    Math.log(s.p),
    Math.log(s.q),
    Math.log(s.gamma / prep.scale),
  ];
  const starts: GammaGammaParams[] = [
    options.initial ?? { p: 2, q: 3, gamma: prep.scale },
    { p: 1, q: 1.5, gamma: prep.scale },
    { p: 10, q: 10, gamma: 5 * prep.scale },
  ];
  let phi: Float64Array | null = null;
  // The full objective at phi when the fit ends on a Newton polish (its last pass).
  let optimum: KnownPoint | null = null;
  let converged = false;
  let message = "";
  let iterations = 0;
  let evaluations = 0;
  if ((options.warmStart ?? prep.count > 50_000) && options.initial === undefined) {
    const fit = subsampleThenPolish(
      spendObjective(subsetSpend(prep, 16), penalizer),
      objective,
      toPhi(starts[0]),
    );
    evaluations += fit.evaluations;
    iterations = fit.iterations;
    if (fit.x) {
      phi = fit.x;
      optimum = fit.optimum;
      converged = true;
      message = "Newton steps from a subsample fit converged";
    }
  }
  if (phi === null) {
    let best: ReturnType<typeof minimizeBfgs> | null = null;
    for (const s of starts) {
      const res = minimizeBfgs(objective, toPhi(s), { maxIterations: 300 });
      evaluations += res.evaluations;
      iterations += res.iterations;
      const better =
        best === null ||
        (res.converged && !best.converged) ||
        (res.converged === best.converged && res.value < best.value);
      if (better) best = res;
      if (best !== null && best.converged) break;
    }
    if (best === null) throw new Error("unreachable");
    phi = best.x;
    converged = best.converged;
    message = best.message;
  }
  const p = Math.exp(phi[0]);
  const q = Math.exp(phi[1]);
  const gammaScaled = Math.exp(phi[2]);
  const W = prep.totalWeight;
  const gPhi = new Float64Array(3);
  const hPhi = new Float64Array(9);
  objectiveAt(objective, phi, optimum, gPhi, hPhi);
  evaluations++;
  const logLikelihood =
    spendLogLikelihood(prep, p, q, gammaScaled, null) - W * Math.log(prep.scale);
  // SE(θ) = θ · SE(ln θ) from the inverse of the total objective's Hessian (delta method).
  const u = logParamUncertainty([p, q, gammaScaled * prep.scale], hPhi, W);
  const se = u?.standardErrors ?? null;
  const standardErrors: GammaGammaParams | null = se && { p: se[0], q: se[1], gamma: se[2] };
  return {
    params: { p, q, gamma: gammaScaled * prep.scale },
    standardErrors,
    logCovariance: u?.logCovariance ?? null,
    logLikelihood,
    customers: W,
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
 * Null when the fit's parameters are identified; otherwise why not. On small shops the
 * likelihood often rises all the way to p → ∞ with γ → 0 (pγ fixed: every customer always
 * spends exactly their own mean), where BFGS stops on the plateau and reports convergence at
 * p ≈ 1e7 with no finite standard errors: such a fit is on the boundary, not an estimate.
 */
export function gammaGammaProblem(fit: GammaGammaFit): Unidentified | null {
  return identificationProblem("Gamma-Gamma", fit, { p: "p", q: "q", gamma: "γ" });
}

/**
 * Population mean transaction value E[Z] = pγ/(q−1) (Fader & Hardie 2013, eq. 2); infinite
 * for q ≤ 1, reported as null.
 */
export function gammaGammaPopulationMean(params: GammaGammaParams): number | null {
  return params.q > 1 ? (params.p * params.gamma) / (params.q - 1) : null;
}

/**
 * E[Z | x, zbar] = p(γ + x·zbar)/(px + q − 1) (Fader & Hardie 2013, eq. 5): a weighted average
 * of the population mean and the customer's own mean. zbar < 0 (net of refunds) is taken as 0.
 * For x = 0 this is the population mean; null when that is infinite (q ≤ 1).
 */
export function gammaGammaExpectedSpend(
  params: GammaGammaParams,
  x: number,
  zbar: number,
): number | null {
  const { p, q, gamma } = params;
  const denominator = p * x + q - 1;
  if (!(denominator > 0)) return null;
  return (p * (gamma + x * Math.max(zbar, 0))) / denominator;
}
