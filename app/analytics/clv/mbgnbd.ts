/**
 * Modified BG/NBD (MBG/NBD; Batislam, Denizel & Filiztekin 2007, "Empirical validation and
 * comparison of models for customer base analysis", IJRM 24(3)): BG/NBD whose customers may
 * also drop out right after their first purchase. While alive a customer buys at Poisson rate
 * λ ~ Gamma(r, α); after every purchase, the first included, they drop out with probability
 * p ~ Beta(a, b). A customer without a repeat purchase is therefore not surely alive, which
 * BG/NBD assumes (its P(alive) is 1 by construction for x = 0).
 *
 * The model is BG/NBD with one more drop-out opportunity, so the likelihood, its derivatives
 * and the fit are bgnbd.ts's with shift = 1, and an alive customer's future is BG/NBD's with
 * b + 1 (one more survived drop-out: p | alive, x ~ Beta(a, b + x + 1)). Same API shape as
 * bgnbd.ts, so callers can swap the models.
 */

import {
  bgnbdExpectedPerAlive,
  dropoutModelLogLikelihood,
  fitDropoutModel,
  type BgNbdFit,
  type BgNbdFitOptions,
  type BgNbdParams,
} from "./bgnbd";
import { logistic, logLogistic } from "./special";
import type { FrequencyData } from "./summary";

export type MbgNbdParams = BgNbdParams;
export type MbgNbdFit = BgNbdFit;
export type MbgNbdFitOptions = BgNbdFitOptions;

/**
 * Maximum-likelihood MBG/NBD (Batislam et al. 2007, eq. 5), fitted like fitBgNbd (analytic
 * gradient and Hessian, BFGS / subsample + Newton, standard errors from the Hessian). Rows
 * with x = 0 are read with t_x = 0 (their last purchase is the first). Needs repeat buyers:
 * without them the likelihood rises forever towards "everyone left after one purchase".
 */
export function fitMbgNbd(data: FrequencyData, options: MbgNbdFitOptions = {}): MbgNbdFit {
  return fitDropoutModel(data, options, 1);
}

/** Σ weight × ln L_i of MBG/NBD at `params`. */
export function mbgnbdLogLikelihood(params: MbgNbdParams, data: FrequencyData): number {
  return dropoutModelLogLikelihood(params, data, 1);
}

/** Gradient of Σ weight × ln L_i in (r, α, a, b). */
export function mbgnbdLogLikelihoodGradient(
  params: MbgNbdParams,
  data: FrequencyData,
): Float64Array {
  const grad = new Float64Array(4);
  dropoutModelLogLikelihood(params, data, 1, grad);
  return grad;
}

/** Hessian (row-major 4×4) of Σ weight × ln L_i in (r, α, a, b). */
export function mbgnbdLogLikelihoodHessian(
  params: MbgNbdParams,
  data: FrequencyData,
): Float64Array {
  const hess = new Float64Array(16);
  dropoutModelLogLikelihood(params, data, 1, null, hess);
  return hess;
}

/** Log-odds of having dropped out at the last purchase against being alive at T. */
function deadLogOdds(p: MbgNbdParams, x: number, tx: number, T: number): number {
  const last = x > 0 ? tx : 0;
  return Math.log(p.a) - Math.log(p.b + x) + (p.r + x) * Math.log((p.alpha + T) / (p.alpha + last));
}

/**
 * P(alive | x, t_x, T) = 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)) (Batislam et al. 2007,
 * eq. 6). Below 1 for every customer, one-time buyers included: for x = 0 it is
 * 1 / (1 + a/b · ((α+T)/α)^r), which falls as T grows.
 */
export function mbgnbdPAlive(p: MbgNbdParams, x: number, tx: number, T: number): number {
  return logistic(-deadLogOdds(p, x, tx, T));
}

/** ln P(alive), accurate when P(alive) is tiny. */
export function mbgnbdLogPAlive(p: MbgNbdParams, x: number, tx: number, T: number): number {
  return logLogistic(-deadLogOdds(p, x, tx, T));
}

/** The alive customer's future is BG/NBD's with one more survived drop-out: b → b + 1. */
function survivedOneMore(p: MbgNbdParams): BgNbdParams {
  return { r: p.r, alpha: p.alpha, a: p.a, b: p.b + 1 };
}

/**
 * E[Y(t) | alive, x, T]: expected purchases in (T, T+t] of a customer alive at T, i.e.
 * Batislam et al. eq. 7 divided by P(alive): (a+b+x)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x)
 * 2F1(r+x, b+x+1; a+b+x; t/(α+T+t))], evaluated by bgnbdExpectedPerAlive's positive series
 * (BG/NBD's expression with b + 1).
 */
export function mbgnbdExpectedPerAlive(p: MbgNbdParams, t: number, x: number, T: number): number {
  return bgnbdExpectedPerAlive(survivedOneMore(p), t, x, T);
}

/** E[Y(t) | x, t_x, T] (Batislam et al. eq. 7): expected repeat purchases in the next t. */
export function mbgnbdConditionalExpected(
  p: MbgNbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  return mbgnbdPAlive(p, x, tx, T) * mbgnbdExpectedPerAlive(p, t, x, T);
}

/**
 * E[X(t)] for a customer who has just made a first purchase: alive after it with probability
 * b/(a+b), then purchasing like an alive x = 0, T = 0 customer; equals Batislam et al.'s
 * b/(a−1) · [1 − (α/(α+t))^r 2F1(r, b+1; a+b; t/(α+t))].
 */
export function mbgnbdUnconditionalExpected(p: MbgNbdParams, t: number): number {
  return (p.b / (p.a + p.b)) * mbgnbdExpectedPerAlive(p, t, 0, 0);
}
