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
  predictWithContext,
  rowPAlive,
  type ClvHorizonOptions,
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

/** Baseline vs "k points less churn" totals over the same customers and horizon. */
export function churnReductionScenario(
  ctx: PredictContext,
  params: BgNbdParams,
  spend: GammaGammaParams | null,
  points: number,
  options: ClvHorizonOptions = {},
  baseline?: PredictionTotals,
): ChurnScenarioResult {
  const changed = churnReductionParams(params, points);
  const alive = rowPAlive(params, ctx.rows);
  const base = baseline ?? predictWithContext(ctx, params, spend, options, alive).totals;
  const scenario = predictWithContext(ctx, changed.params, spend, options, alive).totals;
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
