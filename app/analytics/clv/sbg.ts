/**
 * Shifted-beta-geometric retention model for subscriptions (Fader & Hardie 2007, "How to
 * project customer retention"): each subscriber churns at every renewal with probability θ,
 * θ ~ Beta(α, β) across subscribers. P(T = t) = B(α+1, β+t−1)/B(α, β) (eq. 5) and
 * S(t) = B(α, β+t)/B(α, β) (eq. 6) for renewal periods t = 1, 2, …
 */

import { hyp2f1 } from "./hyp2f1";
import { minimizeBfgs, invertSpd, numericalHessian } from "./optimize";
import { digamma, lnBeta } from "./special";
import type { ConvergenceInfo } from "./bgnbd";
import { identificationProblem, type Unidentified } from "./status";

export interface SbgParams {
  readonly alpha: number;
  readonly beta: number;
}

export interface SbgFitOptions {
  /** Periods of projected survival to return (S(0) … S(horizon)); default 24. */
  readonly horizon?: number;
  /** Discount rate per period for the discounted expected lifetime; default 0.01. */
  readonly discountRate?: number;
}

export interface SbgFit {
  readonly params: SbgParams;
  readonly standardErrors: SbgParams | null;
  readonly logLikelihood: number;
  readonly convergence: ConvergenceInfo;
  /** Mean lifetime in periods, Σ_{t≥0} S(t) = (α+β−1)/(α−1); null (infinite) when α ≤ 1. */
  readonly expectedLifetime: number | null;
  /** Σ_{t≥0} S(t)/(1+d)^t = 2F1(1, β; α+β; 1/(1+d)) (Fader & Hardie 2010, eq. 6). */
  readonly discountedExpectedLifetime: number;
  /** Σ_{t<horizon} S(t): expected periods within the projection horizon. */
  readonly horizonLifetime: number;
  /** S(0) = 1, S(1), …, S(horizon). */
  readonly survival: Float64Array;
  /** r_t = S(t)/S(t−1) = (β+t−1)/(α+β+t−1) for t = 1 … horizon (index t−1). */
  readonly retentionRates: Float64Array;
}

/**
 * Cohorts as survivor counts: alive[0] subscribers at the start, alive[t] still subscribed
 * after t renewals (e.g. continuation's `reached` with subscriptionOnly). Several cohorts of
 * different ages may be given; their likelihoods add (young cohorts are simply shorter).
 */
export type SurvivorCounts = ArrayLike<number> | readonly ArrayLike<number>[];

function isSingleCohort(counts: SurvivorCounts): counts is ArrayLike<number> {
  return counts.length === 0 || typeof counts[0] === "number";
}

function normalise(counts: SurvivorCounts): ArrayLike<number>[] {
  const cohorts = isSingleCohort(counts) ? [counts] : [...counts];
  for (const c of cohorts) {
    for (let t = 0; t < c.length; t++) {
      if (!(Number.isFinite(c[t]) && c[t] >= 0) || (t > 0 && c[t] > c[t - 1])) {
        throw new RangeError("survivor counts must be finite, non-negative and non-increasing");
      }
    }
  }
  return cohorts.filter((c) => c.length >= 2 && c[0] > 0);
}

/**
 * LL = Σ_t (n_{t−1} − n_t) ln P(T = t) + n_k ln S(k) (Fader & Hardie 2007, eq. 7), per cohort,
 * with its gradient in (α, β).
 */
function sbgLogLikelihood(
  cohorts: ArrayLike<number>[],
  alpha: number,
  beta: number,
  grad: Float64Array | null,
): number {
  const lnB0 = lnBeta(alpha, beta);
  const psiA = digamma(alpha);
  const psiA1 = digamma(alpha + 1);
  const psiB = digamma(beta);
  const psiAB = digamma(alpha + beta);
  let ll = 0;
  let ga = 0;
  let gb = 0;
  for (const n of cohorts) {
    const k = n.length - 1;
    for (let t = 1; t <= k; t++) {
      const lost = n[t - 1] - n[t];
      if (lost === 0) continue;
      ll += lost * (lnBeta(alpha + 1, beta + t - 1) - lnB0);
      if (grad !== null) {
        const psiABt = digamma(alpha + beta + t);
        ga += lost * (psiA1 - psiABt - psiA + psiAB);
        gb += lost * (digamma(beta + t - 1) - psiABt - psiB + psiAB);
      }
    }
    if (n[k] > 0) {
      ll += n[k] * (lnBeta(alpha, beta + k) - lnB0);
      if (grad !== null) {
        const psiABk = digamma(alpha + beta + k);
        ga += n[k] * (psiA - psiABk - psiA + psiAB);
        gb += n[k] * (digamma(beta + k) - psiABk - psiB + psiAB);
      }
    }
  }
  if (grad !== null) {
    grad[0] = ga;
    grad[1] = gb;
  }
  return ll;
}

/** S(0..horizon) by the recursion S(t) = S(t−1)·(β+t−1)/(α+β+t−1) (Fader & Hardie 2007, eq. 4). */
export function sbgSurvival(params: SbgParams, horizon: number): Float64Array {
  const s = new Float64Array(horizon + 1);
  s[0] = 1;
  for (let t = 1; t <= horizon; t++) {
    s[t] = (s[t - 1] * (params.beta + t - 1)) / (params.alpha + params.beta + t - 1);
  }
  return s;
}

/** Discounted expected lifetime 2F1(1, β; α+β; 1/(1+d)), d > 0 per period. */
export function sbgDiscountedExpectedLifetime(params: SbgParams, discountRate: number): number {
  if (!(discountRate > 0)) {
    return params.alpha > 1 ? (params.alpha + params.beta - 1) / (params.alpha - 1) : Infinity;
  }
  return hyp2f1(1, params.beta, params.alpha + params.beta, 1 / (1 + discountRate));
}

/** Maximum-likelihood sBG from survivor counts of one or more cohorts. */
export function fitShiftedBetaGeometric(
  counts: SurvivorCounts,
  options: SbgFitOptions = {},
): SbgFit {
  const cohorts = normalise(counts);
  let churned = 0;
  let total = 0;
  for (const c of cohorts) {
    churned += c[0] - c[c.length - 1];
    total += c[0];
  }
  if (total === 0 || churned === 0) {
    throw new RangeError("sBG needs at least one cohort with a churned subscriber");
  }
  const objective = (phi: Float64Array, grad: Float64Array): number => {
    const alpha = Math.exp(phi[0]);
    const beta = Math.exp(phi[1]);
    const g = new Float64Array(2);
    const ll = sbgLogLikelihood(cohorts, alpha, beta, g);
    grad[0] = (-g[0] * alpha) / total;
    grad[1] = (-g[1] * beta) / total;
    return -ll / total;
  };
  const res = minimizeBfgs(objective, [0, 0], { maxIterations: 300 });
  const alpha = Math.exp(res.x[0]);
  const beta = Math.exp(res.x[1]);
  const totalObjective = (phi: Float64Array, g: Float64Array): number => {
    const v = objective(phi, g);
    g[0] *= total;
    g[1] *= total;
    return v * total;
  };
  const cov = invertSpd(numericalHessian(totalObjective, res.x, 1e-4), 2);
  let standardErrors: SbgParams | null = null;
  if (cov !== null) {
    const se = [alpha * Math.sqrt(cov[0]), beta * Math.sqrt(cov[3])];
    if (se.every(Number.isFinite)) standardErrors = { alpha: se[0], beta: se[1] };
  }
  const horizon = options.horizon ?? 24;
  const params = { alpha, beta };
  const survival = sbgSurvival(params, horizon);
  const retentionRates = new Float64Array(horizon);
  for (let t = 1; t <= horizon; t++)
    retentionRates[t - 1] = (beta + t - 1) / (alpha + beta + t - 1);
  let horizonLifetime = 0;
  for (let t = 0; t < horizon; t++) horizonLifetime += survival[t];
  return {
    params,
    standardErrors,
    logLikelihood: sbgLogLikelihood(cohorts, alpha, beta, null),
    convergence: {
      converged: res.converged,
      iterations: res.iterations,
      evaluations: res.evaluations,
      gradientMaxAbs: Math.max(...Array.from(res.gradient, Math.abs)),
      message: res.message,
    },
    expectedLifetime: alpha > 1 ? (alpha + beta - 1) / (alpha - 1) : null,
    discountedExpectedLifetime: sbgDiscountedExpectedLifetime(params, options.discountRate ?? 0.01),
    horizonLifetime,
    survival,
    retentionRates,
  };
}

/**
 * Null when the fit's parameters are identified; otherwise why not. When subscribers churn
 * at about the same rate, the likelihood rises towards α, β → ∞ with α/(α+β) fixed (one
 * churn probability for all), and the fit reports e.g. α ≈ 5e6 ± 3e7: on the boundary.
 */
export function sbgProblem(fit: SbgFit): Unidentified | null {
  return identificationProblem("sBG", fit, {
    alpha: "α",
    beta: "β",
  });
}
