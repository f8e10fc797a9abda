/**
 * Per-customer predictions from fitted BG/NBD and Gamma-Gamma parameters: P(alive), expected
 * purchases in the next 30/90/365 days, expected average order value and discounted CLV.
 *
 * Work is shared: P(alive) depends on (x, t_x, T) — one value per compressed row — and the
 * expected purchases of an alive customer only on (x, T), so the 2F1 series run once per
 * distinct (x, T) pair, not once per customer.
 */

import {
  bgnbdExpectedPerAliveFrom,
  bgnbdPAlive,
  DropoutSeriesTable,
  type BgNbdParams,
} from "./bgnbd";
import { gammaGammaExpectedSpend, type GammaGammaParams } from "./gammagamma";
import {
  compressSummary,
  daysPerUnit,
  TupleIndex,
  type CompressedSummary,
  type CustomerSummary,
  type TimeUnit,
} from "./summary";

/** Days in an average month: CLV is discounted monthly. */
export const DAYS_PER_MONTH = 365.25 / 12;

export interface ClvHorizonOptions {
  /** Months of future purchases in CLV; default 12. */
  readonly horizonMonths?: number;
  /** Annual discount rate, converted to monthly as (1 + annual)^(1/12) − 1; default 0.10. */
  readonly annualDiscountRate?: number;
}

export interface PerCustomerPredictions {
  /** 1 for customers in the model (a purchase by the calibration end), else 0 and zeros below. */
  readonly included: Uint8Array;
  readonly pAlive: Float64Array;
  readonly expectedPurchases30: Float64Array;
  readonly expectedPurchases90: Float64Array;
  readonly expectedPurchases365: Float64Array;
  /** Expected net value per future purchase (minor units). */
  readonly expectedAov: Float64Array;
  /** Σ_{m=1..H} AOV · E[purchases in month m] / (1 + d)^m (minor units). */
  readonly clv: Float64Array;
}

export interface PredictionTotals {
  readonly customers: number;
  readonly expectedPurchases30: number;
  readonly expectedPurchases90: number;
  readonly expectedPurchases365: number;
  /** Expected purchases over the CLV horizon (undiscounted). */
  readonly expectedPurchasesHorizon: number;
  /** Expected net revenue over the CLV horizon, undiscounted (minor units). */
  readonly revenueHorizon: number;
  /** Σ CLV (minor units). */
  readonly clv: number;
}

export type AovSource = "gamma-gamma" | "empirical-mean";

export interface ClvPredictions {
  readonly perCustomer: PerCustomerPredictions;
  readonly totals: PredictionTotals;
  readonly aovSource: AovSource;
  /** The shop's mean net value per purchase-day: the order value without Gamma-Gamma. */
  readonly meanAovMinor: number;
  readonly horizonMonths: number;
  readonly annualDiscountRate: number;
  /** Values that were not finite and were written as 0 (should always be 0). */
  readonly nonFiniteValues: number;
}

/** Distinct (x, T) pairs of a compressed summary. */
export interface PairIndex {
  readonly length: number;
  readonly x: Float64Array;
  readonly T: Float64Array;
  readonly pairOfRow: Int32Array;
}

/** The pairs' values, what their expectations read. */
export type PairValues = Pick<PairIndex, "length" | "x" | "T">;

export function buildPairs(rows: CompressedSummary): PairIndex {
  const index = new TupleIndex(2, Math.max(16, rows.length));
  const pairOfRow = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) pairOfRow[r] = index.indexOf(rows.x[r], rows.T[r]);
  const keys = index.values();
  const n = index.size;
  const x = new Float64Array(n);
  const T = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    x[k] = keys[2 * k];
    T[k] = keys[2 * k + 1];
  }
  return { length: n, x, T, pairOfRow };
}

/** Per (x, T) pair, expectations of an alive customer (multiply by P(alive)). */
export interface PairExpectations {
  readonly next30: Float64Array;
  readonly next90: Float64Array;
  readonly next365: Float64Array;
  /** Expected purchases over the horizon. */
  readonly horizon: Float64Array;
  /** Σ_m (E[Y(m)] − E[Y(m−1)]) / (1+d)^m: discounted purchases over the horizon. */
  readonly discounted: Float64Array;
}

export function monthlyDiscountRate(annualDiscountRate: number): number {
  return Math.pow(1 + annualDiscountRate, 1 / 12) - 1;
}

export function pairExpectations(
  params: BgNbdParams,
  pairs: PairValues,
  unit: TimeUnit,
  horizonMonths: number,
  annualDiscountRate: number,
): PairExpectations {
  // d_n and ρ_n tabled per x: shared by every pair with that x and every horizon.
  // A pair's horizons come one after another: look its table up once.
  const tables = new Map<number, DropoutSeriesTable>();
  let lastX = NaN;
  let table: DropoutSeriesTable | undefined;
  const tableOf = (x: number): DropoutSeriesTable => {
    if (x !== lastX || table === undefined) {
      table = tables.get(x);
      if (table === undefined) {
        table = new DropoutSeriesTable(params, x);
        tables.set(x, table);
      }
      lastX = x;
    }
    return table;
  };
  return pairExpectationsOf(
    (t, x, T) => bgnbdExpectedPerAliveFrom(params, t, x, T, tableOf(x)),
    pairs,
    unit,
    horizonMonths,
    annualDiscountRate,
  );
}

/** pairExpectations for any purchase model, given its E[Y(t) | alive, x, T]. */
export function pairExpectationsOf(
  expectedPerAlive: (t: number, x: number, T: number) => number,
  pairs: PairValues,
  unit: TimeUnit,
  horizonMonths: number,
  annualDiscountRate: number,
): PairExpectations {
  const perUnit = 1 / daysPerUnit(unit);
  const monthly = monthlyDiscountRate(annualDiscountRate);
  const n = pairs.length;
  const next30 = new Float64Array(n);
  const next90 = new Float64Array(n);
  const next365 = new Float64Array(n);
  const horizon = new Float64Array(n);
  const discounted = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const x = pairs.x[k];
    const T = pairs.T[k];
    next30[k] = expectedPerAlive(30 * perUnit, x, T);
    next90[k] = expectedPerAlive(90 * perUnit, x, T);
    next365[k] = expectedPerAlive(365 * perUnit, x, T);
    let previous = 0;
    let sum = 0;
    let factor = 1;
    for (let m = 1; m <= horizonMonths; m++) {
      const cumulative = expectedPerAlive(m * DAYS_PER_MONTH * perUnit, x, T);
      factor /= 1 + monthly;
      // Cumulative expectations are increasing in t; guard rounding so months never go negative.
      sum += Math.max(0, cumulative - previous) * factor;
      previous = Math.max(previous, cumulative);
    }
    horizon[k] = previous;
    discounted[k] = sum;
  }
  return { next30, next90, next365, horizon, discounted };
}

/**
 * Expected order value per customer: Gamma-Gamma's conditional mean (Fader & Hardie 2013,
 * eq. 5) when a spend model is given; otherwise — or where it is undefined (q ≤ 1 and x = 0) —
 * the shop's mean net value per purchase-day.
 */
export function expectedAovPerCustomer(
  summary: CustomerSummary,
  spend: GammaGammaParams | null,
): { aov: Float64Array; source: AovSource; mean: number } {
  const { included, x, zbar, firstNet, customerCount } = summary;
  let totalNet = 0;
  let totalDays = 0;
  for (let i = 0; i < customerCount; i++) {
    if (included[i] === 0) continue;
    totalNet += firstNet[i] + x[i] * zbar[i];
    totalDays += 1 + x[i];
  }
  const empirical = totalDays > 0 ? Math.max(0, totalNet / totalDays) : 0;
  const aov = new Float64Array(customerCount);
  for (let i = 0; i < customerCount; i++) {
    if (included[i] === 0) continue;
    const v = spend === null ? null : gammaGammaExpectedSpend(spend, x[i], zbar[i]);
    aov[i] = v !== null && Number.isFinite(v) ? v : empirical;
  }
  return { aov, source: spend === null ? "empirical-mean" : "gamma-gamma", mean: empirical };
}

export interface PredictContext {
  readonly summary: CustomerSummary;
  readonly rows: CompressedSummary;
  readonly pairs: PairIndex;
}

export function predictContext(summary: CustomerSummary, rows?: CompressedSummary): PredictContext {
  const compressed = rows ?? compressSummary(summary);
  return { summary, rows: compressed, pairs: buildPairs(compressed) };
}

/** P(alive) per compressed row. */
export function rowPAlive(params: BgNbdParams, rows: CompressedSummary): Float64Array {
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++)
    out[r] = bgnbdPAlive(params, rows.x[r], rows.tx[r], rows.T[r]);
  return out;
}

function finiteOr0(v: number, counter: { n: number }): number {
  if (Number.isFinite(v)) return v;
  counter.n++;
  return 0;
}

/** The horizon options with their defaults, validated. */
export function clvHorizon(options: ClvHorizonOptions): Required<ClvHorizonOptions> {
  const horizonMonths = options.horizonMonths ?? 12;
  const annualDiscountRate = options.annualDiscountRate ?? 0.1;
  if (!(Number.isInteger(horizonMonths) && horizonMonths >= 1 && horizonMonths <= 1200)) {
    throw new RangeError(`horizonMonths must be a whole number in 1..1200, got ${horizonMonths}`);
  }
  if (!(annualDiscountRate >= 0 && annualDiscountRate < 10)) {
    throw new RangeError(`annualDiscountRate must be in [0, 10), got ${annualDiscountRate}`);
  }
  return { horizonMonths, annualDiscountRate };
}

/**
 * Per-customer predictions and totals. `pAliveByRow` lets scenarios keep today's P(alive)
 * while changing the future drop-out process; `expectations` passes the pairs' expectations
 * when the caller already has them (they are most of the cost). `bgnbd` null: another
 * purchase model's P(alive) and expectations are given in those two instead.
 */
export function predictWithContext(
  ctx: PredictContext,
  bgnbd: BgNbdParams | null,
  spend: GammaGammaParams | null,
  options: ClvHorizonOptions = {},
  pAliveByRow?: Float64Array,
  expectations?: PairExpectations,
): ClvPredictions {
  const { horizonMonths, annualDiscountRate } = clvHorizon(options);
  const { summary, rows, pairs } = ctx;
  const n = summary.customerCount;
  if (bgnbd === null && (pAliveByRow === undefined || expectations === undefined)) {
    throw new RangeError("without BG/NBD parameters, P(alive) and expectations must be given");
  }
  const alive = pAliveByRow ?? rowPAlive(bgnbd!, rows);
  const pe =
    expectations ??
    pairExpectations(bgnbd!, pairs, summary.unit, horizonMonths, annualDiscountRate);
  const { aov, source, mean } = expectedAovPerCustomer(summary, spend);
  const pAlive = new Float64Array(n);
  const e30 = new Float64Array(n);
  const e90 = new Float64Array(n);
  const e365 = new Float64Array(n);
  const clv = new Float64Array(n);
  const bad = { n: 0 };
  let t30 = 0;
  let t90 = 0;
  let t365 = 0;
  let tH = 0;
  let revenue = 0;
  let totalClv = 0;
  let customers = 0;
  for (let i = 0; i < n; i++) {
    const row = rows.rowOf[i];
    if (row < 0) continue;
    customers++;
    const k = pairs.pairOfRow[row];
    const pa = finiteOr0(alive[row], bad);
    pAlive[i] = pa;
    e30[i] = finiteOr0(pa * pe.next30[k], bad);
    e90[i] = finiteOr0(pa * pe.next90[k], bad);
    e365[i] = finiteOr0(pa * pe.next365[k], bad);
    aov[i] = finiteOr0(aov[i], bad);
    clv[i] = finiteOr0(pa * pe.discounted[k] * aov[i], bad);
    const purchasesH = finiteOr0(pa * pe.horizon[k], bad);
    t30 += e30[i];
    t90 += e90[i];
    t365 += e365[i];
    tH += purchasesH;
    revenue += purchasesH * aov[i];
    totalClv += clv[i];
  }
  return {
    perCustomer: {
      included: summary.included,
      pAlive,
      expectedPurchases30: e30,
      expectedPurchases90: e90,
      expectedPurchases365: e365,
      expectedAov: aov,
      clv,
    },
    totals: {
      customers,
      expectedPurchases30: t30,
      expectedPurchases90: t90,
      expectedPurchases365: t365,
      expectedPurchasesHorizon: tH,
      revenueHorizon: revenue,
      clv: totalClv,
    },
    aovSource: source,
    meanAovMinor: mean,
    horizonMonths,
    annualDiscountRate,
    nonFiniteValues: bad.n,
  };
}

/**
 * Predictions from stored parameters (no refit): what workers call to refresh customers'
 * numbers between fits.
 */
export function predictClv(
  summary: CustomerSummary,
  models: { readonly bgnbd: BgNbdParams; readonly gammaGamma: GammaGammaParams | null },
  options: ClvHorizonOptions = {},
): ClvPredictions {
  return predictWithContext(predictContext(summary), models.bgnbd, models.gammaGamma, options);
}
