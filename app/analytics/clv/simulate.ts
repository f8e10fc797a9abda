/**
 * Seeded simulation from the CLV models' own generative stories, for parameter-recovery tests,
 * benchmarks and demo shops. Deterministic for a given seed on every platform.
 */

import { Rng as SharedRng } from "../random";
import type { OrderTable } from "../types";
import type { BgNbdParams } from "./bgnbd";
import type { GammaGammaParams } from "./gammagamma";
import type { ParetoNbdParams } from "./paretonbd";
import type { SbgParams } from "./sbg";

/**
 * The shared generator (../random.ts) with the rate parametrisation the models are written in.
 * All sampling is delegated, so there is one algorithm for every seeded draw.
 */
export class Rng {
  private readonly core: SharedRng;

  constructor(seed: number) {
    this.core = new SharedRng(seed);
  }

  /** Uniform in (0, 1]: never 0, so logs are safe. */
  uniform(): number {
    return 1 - this.core.float();
  }

  exponential(rate: number): number {
    return this.core.exponential(rate);
  }

  normal(): number {
    return this.core.normal();
  }

  /** Gamma(shape, rate): mean shape / rate. */
  gamma(shape: number, rate: number): number {
    return this.core.gamma(shape, 1 / rate);
  }

  beta(a: number, b: number): number {
    return this.core.beta(a, b);
  }
}

export interface SimulatedCustomers {
  readonly length: number;
  readonly x: Float64Array;
  readonly tx: Float64Array;
  readonly T: Float64Array;
  /** Repeat purchases in (T, T + holdout], when a holdout length was given. */
  readonly holdoutX: Float64Array;
  /**
   * Each customer's true purchase rate and drop-out probability per purchase (BG/NBD,
   * MBG/NBD) or drop-out rate (Pareto/NBD).
   */
  readonly lambda: Float64Array;
  readonly p: Float64Array;
}

export interface SimulateBgNbdOptions {
  readonly customers: number;
  readonly seed: number;
  /** Calibration length T of each customer: uniform in [minT, maxT] (model time units). */
  readonly minT: number;
  readonly maxT: number;
  /** Length of a holdout period after T (default 0). */
  readonly holdout?: number;
}

/**
 * BG/NBD's story (FHL 2005, section 3): λ ~ Gamma(r, α), p ~ Beta(a, b); exponential
 * inter-purchase times at rate λ from the first purchase at 0; after each repeat purchase the
 * customer drops out with probability p.
 */
export function simulateBgNbd(
  params: BgNbdParams,
  options: SimulateBgNbdOptions,
): SimulatedCustomers {
  return simulateDropout(params, options, false);
}

/**
 * MBG/NBD's story (Batislam et al. 2007): BG/NBD's, except that the customer may also drop
 * out right after the first purchase (at 0), with the same probability p.
 */
export function simulateMbgNbd(
  params: BgNbdParams,
  options: SimulateBgNbdOptions,
): SimulatedCustomers {
  return simulateDropout(params, options, true);
}

function simulateDropout(
  params: BgNbdParams,
  options: SimulateBgNbdOptions,
  afterFirst: boolean,
): SimulatedCustomers {
  const n = options.customers;
  const rng = new Rng(options.seed);
  const holdout = options.holdout ?? 0;
  const x = new Float64Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  const holdoutX = new Float64Array(n);
  const lambda = new Float64Array(n);
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lam = rng.gamma(params.r, params.alpha);
    const drop = rng.beta(params.a, params.b);
    const Ti = options.minT + (options.maxT - options.minT) * rng.uniform();
    lambda[i] = lam;
    p[i] = drop;
    T[i] = Ti;
    let t = 0;
    let count = 0;
    let last = 0;
    let later = 0;
    // MBG/NBD: an extra drop-out opportunity right after the first purchase.
    const goneAtOnce = afterFirst && rng.uniform() < drop;
    while (!goneAtOnce) {
      t += rng.exponential(lam);
      if (t > Ti + holdout) break;
      if (t <= Ti) {
        count++;
        last = t;
      } else later++;
      if (rng.uniform() < drop) break;
    }
    x[i] = count;
    tx[i] = last;
    holdoutX[i] = later;
  }
  return { length: n, x, tx, T, holdoutX, lambda, p };
}

/**
 * Pareto/NBD's story (Schmittlein et al. 1987): λ ~ Gamma(r, α), μ ~ Gamma(s, β); an
 * exponential lifetime of rate μ from the first purchase at 0, Poisson purchases at rate λ
 * while alive. `p` holds μ.
 */
export function simulateParetoNbd(
  params: ParetoNbdParams,
  options: SimulateBgNbdOptions,
): SimulatedCustomers {
  const n = options.customers;
  const rng = new Rng(options.seed);
  const holdout = options.holdout ?? 0;
  const x = new Float64Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  const holdoutX = new Float64Array(n);
  const lambda = new Float64Array(n);
  const mu = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lam = rng.gamma(params.r, params.alpha);
    const m = rng.gamma(params.s, params.beta);
    const Ti = options.minT + (options.maxT - options.minT) * rng.uniform();
    const end = Math.min(rng.exponential(m), Ti + holdout);
    lambda[i] = lam;
    mu[i] = m;
    T[i] = Ti;
    let t = 0;
    let count = 0;
    let last = 0;
    let later = 0;
    for (;;) {
      t += rng.exponential(lam);
      if (t > end) break;
      if (t <= Ti) {
        count++;
        last = t;
      } else later++;
    }
    x[i] = count;
    tx[i] = last;
    holdoutX[i] = later;
  }
  return { length: n, x, tx, T, holdoutX, lambda, p: mu };
}

/**
 * Gamma-Gamma's story (Fader & Hardie 2013): ν ~ Gamma(q, γ), each transaction ~ Gamma(p, ν);
 * the mean of x transactions is Gamma(px, xν). Returns zbar per customer (0 when x = 0).
 */
export function simulateGammaGamma(
  params: GammaGammaParams,
  x: ArrayLike<number>,
  seed: number,
): Float64Array {
  const rng = new Rng(seed);
  const zbar = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const nu = rng.gamma(params.q, params.gamma);
    if (x[i] > 0) zbar[i] = rng.gamma(params.p * x[i], x[i] * nu);
  }
  return zbar;
}

/**
 * sBG's story (Fader & Hardie 2007): each subscriber churns at every renewal with probability
 * θ ~ Beta(α, β). Survivor counts of one cohort: alive[t] subscribers still subscribed after
 * t renewals, t = 0 … periods − 1 (alive[0] = size).
 */
export function simulateSbgCohort(
  params: SbgParams,
  size: number,
  periods: number,
  rng: Rng,
): Int32Array {
  const alive = new Int32Array(periods);
  for (let i = 0; i < size; i++) {
    const churn = rng.beta(params.alpha, params.beta);
    alive[0]++;
    for (let t = 1; t < periods && rng.uniform() > churn; t++) alive[t]++;
  }
  return alive;
}

export interface SimulateOrdersOptions {
  readonly customers: number;
  readonly seed: number;
  readonly bgnbd: BgNbdParams;
  readonly gammaGamma: GammaGammaParams;
  /** First purchases are spread uniformly over [start, end) (epoch ms); purchases stop at end. */
  readonly start: number;
  readonly end: number;
  /** Model time unit in days (BG/NBD's α is per unit); default 1. */
  readonly unitDays?: number;
  /** Share of orders flagged cancelled (default 0.01) and of guest orders (default 0.02). */
  readonly cancelledShare?: number;
  readonly guestShare?: number;
  /**
   * True: customers may also drop out right after their first purchase (MBG/NBD, with the
   * same p ~ Beta(a, b)); default false (BG/NBD).
   */
  readonly dropAfterFirst?: boolean;
}

/**
 * A synthetic shop: each customer's purchase times follow BG/NBD (or MBG/NBD), each order's value Gamma-Gamma
 * (in minor units, rounded), a few cancelled orders and guest orders. Sorted as OrderTable
 * requires (guests first, then by customer and time).
 */
export function simulateOrders(options: SimulateOrdersOptions): OrderTable {
  const rng = new Rng(options.seed);
  const unitMs = (options.unitDays ?? 1) * 86_400_000;
  const { bgnbd, gammaGamma } = options;
  const cancelledShare = options.cancelledShare ?? 0.01;
  const guestShare = options.guestShare ?? 0.02;
  let capacity = options.customers * 6 + 1024;
  let customer = new Int32Array(capacity);
  let processedAt = new Float64Array(capacity);
  let grossMinor = new Float64Array(capacity);
  let flags = new Uint8Array(capacity);
  let length = 0;
  const push = (c: number, t: number, v: number, f: number): void => {
    if (length === capacity) {
      capacity *= 2;
      const c2 = new Int32Array(capacity);
      c2.set(customer);
      customer = c2;
      const t2 = new Float64Array(capacity);
      t2.set(processedAt);
      processedAt = t2;
      const v2 = new Float64Array(capacity);
      v2.set(grossMinor);
      grossMinor = v2;
      const f2 = new Uint8Array(capacity);
      f2.set(flags);
      flags = f2;
    }
    customer[length] = c;
    processedAt[length] = t;
    grossMinor[length] = v;
    flags[length] = f;
    length++;
  };
  const guests = Math.round(options.customers * guestShare);
  const guestTimes = new Float64Array(guests);
  for (let g = 0; g < guests; g++)
    guestTimes[g] = options.start + (options.end - options.start) * rng.uniform();
  guestTimes.sort();
  for (let g = 0; g < guests; g++)
    push(-1, Math.floor(guestTimes[g]), Math.round(rng.gamma(2, 1 / 2000)), 0);
  for (let c = 0; c < options.customers; c++) {
    const lam = rng.gamma(bgnbd.r, bgnbd.alpha) / unitMs;
    const drop = rng.beta(bgnbd.a, bgnbd.b);
    const nu = rng.gamma(gammaGamma.q, gammaGamma.gamma);
    let t = options.start + (options.end - options.start) * rng.uniform();
    for (let k = 0; ; k++) {
      if (k > 0) {
        t += rng.exponential(lam);
        if (t >= options.end) break;
      }
      const value = Math.max(1, Math.round(rng.gamma(gammaGamma.p, nu)));
      push(c, Math.floor(t), value, rng.uniform() < cancelledShare ? 1 : 0);
      // BG/NBD: drop-out happens after repeat purchases only (FHL 2005, assumption iii);
      // MBG/NBD: after the first purchase too.
      if ((k > 0 || options.dropAfterFirst === true) && rng.uniform() < drop) break;
    }
  }
  // A few partial refunds so that net differs from gross.
  const net = grossMinor.slice(0, length);
  for (let i = 0; i < length; i++) if (rng.uniform() < 0.03) net[i] = Math.round(net[i] / 2);
  return {
    length,
    customer: customer.slice(0, length),
    processedAt: processedAt.slice(0, length),
    grossMinor: grossMinor.slice(0, length),
    netMinor: net,
    flags: flags.slice(0, length),
  };
}
