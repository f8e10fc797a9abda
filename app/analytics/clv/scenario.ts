/**
 * Retention scenarios: "what if churn were k points lower?" from the fitted BG/NBD.
 *
 * How the model is modified. In BG/NBD a customer drops out after each repeat purchase with
 * probability p ~ Beta(a, b), whose mean a/(a+b) is the shop's average drop-out (churn)
 * probability per purchase. The scenario lowers that mean by k percentage points and keeps
 * a + b (the prior's concentration, i.e. how heterogeneous customers are) fixed:
 *   μ' = a/(a+b) − k/100,  a' = μ'(a+b),  b' = (1 − μ')(a+b).
 * The purchase-rate part (r, α) is unchanged. History is not rewritten: each customer keeps
 * today's P(alive) from the fitted model; from now on an alive customer's drop-out probability
 * follows the scenario's prior updated by the x repeat purchases they survived, Beta(a', b'+x).
 * Because a' + b' = a + b, only the ε = a − 1 term of the expectation changes.
 * If k points would make μ' ≤ 0, μ' is clamped to 1 % of the baseline mean (flagged).
 */

import type { BgNbdParams } from "./bgnbd";
import type { GammaGammaParams } from "./gammagamma";
import {
  clvHorizon,
  expectedAovPerCustomer,
  pairExpectations,
  rowPAlive,
  type ClvHorizonOptions,
  type PairExpectations,
  type PredictContext,
  type PredictionTotals,
} from "./predict";

export interface ChurnScenarioParams {
  readonly params: BgNbdParams;
  /** a/(a+b) before and after. */
  readonly baselineDropout: number;
  readonly scenarioDropout: number;
  /** True when μ − k/100 ≤ 0 and the scenario mean was clamped. */
  readonly clamped: boolean;
}

/** The BG/NBD parameters of the scenario "drop-out probability k points lower". */
export function churnReductionParams(params: BgNbdParams, points: number): ChurnScenarioParams {
  if (!(Number.isFinite(points) && points >= 0)) {
    throw new RangeError(`churn reduction must be ≥ 0 points, got ${points}`);
  }
  const concentration = params.a + params.b;
  const mean = params.a / concentration;
  let target = mean - points / 100;
  let clamped = false;
  if (!(target > 0)) {
    target = mean / 100;
    clamped = true;
  }
  return {
    params: {
      r: params.r,
      alpha: params.alpha,
      a: target * concentration,
      b: (1 - target) * concentration,
    },
    baselineDropout: mean,
    scenarioDropout: target,
    clamped,
  };
}

export interface ChurnScenarioResult extends ChurnScenarioParams {
  readonly points: number;
  readonly baseline: PredictionTotals;
  readonly scenario: PredictionTotals;
  /** scenario − baseline, and relative to baseline (0.25 = +25 %; 0 when baseline is 0). */
  readonly clvGain: number;
  readonly clvGainShare: number;
  readonly revenueGain: number;
  readonly revenueGainShare: number;
}

/**
 * What every scenario of one fit shares. Scenarios change only the future drop-out process:
 * today's P(alive) depends on (x, t_x, T) and the expected order value on the spend model,
 * so per compressed row its customers and their summed order value are enough, and a
 * scenario costs one pass over the rows and the (x, T) pairs, not over every customer.
 */
export interface ScenarioBasis {
  /** Today's P(alive) per compressed row. */
  readonly alive: Float64Array;
  /** Customers of each row. */
  readonly customers: Float64Array;
  /** Σ expected order value (minor units) of each row's customers. */
  readonly aovSum: Float64Array;
}

export function scenarioBasis(
  ctx: PredictContext,
  params: BgNbdParams,
  expectedAov: Float64Array,
): ScenarioBasis {
  const { rows, summary } = ctx;
  const customers = new Float64Array(rows.length);
  const aovSum = new Float64Array(rows.length);
  for (let i = 0; i < summary.customerCount; i++) {
    const r = rows.rowOf[i];
    if (r < 0) continue;
    customers[r]++;
    const aov = expectedAov[i];
    aovSum[r] += Number.isFinite(aov) ? aov : 0;
  }
  return { alive: rowPAlive(params, rows), customers, aovSum };
}

const finiteOr0 = (v: number): number => (Number.isFinite(v) ? v : 0);

/** The pairs' expectations under a BG/NBD process: what a scenario mostly costs. */
export function scenarioExpectations(
  ctx: PredictContext,
  params: BgNbdParams,
  options: ClvHorizonOptions = {},
): PairExpectations {
  const { horizonMonths, annualDiscountRate } = clvHorizon(options);
  return pairExpectations(params, ctx.pairs, ctx.summary.unit, horizonMonths, annualDiscountRate);
}

/** Prediction totals of a BG/NBD process over a basis (as predictWithContext's totals). */
export function scenarioTotals(
  ctx: PredictContext,
  params: BgNbdParams,
  basis: ScenarioBasis,
  options: ClvHorizonOptions = {},
  expectations?: PairExpectations,
): PredictionTotals {
  const pe = expectations ?? scenarioExpectations(ctx, params, options);
  const { rows, pairs } = ctx;
  let customers = 0;
  let t30 = 0;
  let t90 = 0;
  let t365 = 0;
  let tH = 0;
  let revenue = 0;
  let clv = 0;
  for (let r = 0; r < rows.length; r++) {
    const c = basis.customers[r];
    if (c === 0) continue;
    const k = pairs.pairOfRow[r];
    const pa = finiteOr0(basis.alive[r]);
    const purchasesH = finiteOr0(pa * pe.horizon[k]);
    customers += c;
    t30 += c * finiteOr0(pa * pe.next30[k]);
    t90 += c * finiteOr0(pa * pe.next90[k]);
    t365 += c * finiteOr0(pa * pe.next365[k]);
    tH += c * purchasesH;
    revenue += purchasesH * basis.aovSum[r];
    clv += finiteOr0(pa * pe.discounted[k]) * basis.aovSum[r];
  }
  return {
    customers,
    expectedPurchases30: t30,
    expectedPurchases90: t90,
    expectedPurchases365: t365,
    expectedPurchasesHorizon: tH,
    revenueHorizon: revenue,
    clv,
  };
}

/**
 * Baseline vs "k points less churn" totals over the same customers and horizon. Pass the
 * fit's basis and baseline (scenarioBasis, scenarioTotals) when running several scenarios.
 */
export function churnReductionScenario(
  ctx: PredictContext,
  params: BgNbdParams,
  spend: GammaGammaParams | null,
  points: number,
  options: ClvHorizonOptions = {},
  shared?: { readonly basis: ScenarioBasis; readonly baseline: PredictionTotals },
): ChurnScenarioResult {
  const changed = churnReductionParams(params, points);
  const basis =
    shared?.basis ?? scenarioBasis(ctx, params, expectedAovPerCustomer(ctx.summary, spend).aov);
  const base = shared?.baseline ?? scenarioTotals(ctx, params, basis, options);
  const scenario = scenarioTotals(ctx, changed.params, basis, options);
  const share = (gain: number, of: number): number => (of > 0 ? gain / of : 0);
  return {
    ...changed,
    points,
    baseline: base,
    scenario,
    clvGain: scenario.clv - base.clv,
    clvGainShare: share(scenario.clv - base.clv, base.clv),
    revenueGain: scenario.revenueHorizon - base.revenueHorizon,
    revenueGainShare: share(scenario.revenueHorizon - base.revenueHorizon, base.revenueHorizon),
  };
}
