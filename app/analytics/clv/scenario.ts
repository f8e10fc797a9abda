/**
 * Retention scenarios: "what if churn were k points lower?" from the shop's purchase model
 * (BG/NBD, MBG/NBD or Pareto/NBD, whichever the holdout chose; docs/decisions:
 * scenarios-with-the-chosen-model).
 *
 * What "drop-out probability" means, the same in all three models: the average chance that a
 * customer is lost before their next purchase. The scenario lowers it by k percentage points
 * and keeps the heterogeneity of drop-out between customers.
 *
 * BG/NBD. A customer drops out after each repeat purchase with probability p ~ Beta(a, b),
 * whose mean a/(a+b) is that chance. The scenario lowers the mean and keeps a + b (the
 * prior's concentration, i.e. how heterogeneous customers are) fixed:
 *   μ' = a/(a+b) − k/100,  a' = μ'(a+b),  b' = (1 − μ')(a+b).
 * The purchase-rate part (r, α) is unchanged. History is not rewritten: each customer keeps
 * today's P(alive) from the fitted model; from now on an alive customer's drop-out probability
 * follows the scenario's prior updated by the x repeat purchases they survived, Beta(a', b'+x).
 * Because a' + b' = a + b, only the ε = a − 1 term of the expectation changes.
 * If k points would make μ' ≤ 0, μ' is clamped to 1 % of the baseline mean (flagged).
 *
 * MBG/NBD. The same p ~ Beta(a, b), also after the first purchase: the same change of (a, b);
 * an alive customer's future follows Beta(a', b'+x+1) (the first purchase survived too).
 *
 * Pareto/NBD. Drop-out is a lifetime of rate μ ~ Gamma(s, β) in continuous time, so a
 * customer buying at rate λ is lost before their next purchase with probability μ/(λ+μ);
 * the shop's average over λ ~ Gamma(r, α) and μ ~ Gamma(s, β) is (paretoNbdDropoutPerPurchase)
 *   D(κ) = E[B / (B + κ(1−B))], B ~ Beta(s, r), κ = β/α,
 * since μ/(λ+μ) = G_s / (G_s + κ G_r) for independent unit gammas. The scenario multiplies
 * every customer's drop-out rate by the same factor c ≤ 1 (β' = β/c, s fixed: the rates'
 * coefficient of variation 1/√s, i.e. their heterogeneity, is unchanged) with c chosen so
 * that D falls by k points; as in BG/NBD, today's P(alive) is kept and an alive customer's
 * rate then follows the scenario's prior updated by the time T they survived, Gamma(s, β'+T).
 * The same clamp applies when k points would take D to 0 or below.
 */

import type { BgNbdParams } from "./bgnbd";
import type { GammaGammaParams } from "./gammagamma";
import { hyp2f1 } from "./hyp2f1";
import { PURCHASE_MODELS, type PurchaseModel, type PurchaseModelName } from "./models";
import type { ParetoNbdParams } from "./paretonbd";
import type { TimeUnit } from "./summary";
import {
  clvHorizon,
  expectedAovPerCustomer,
  pairExpectations,
  pairExpectationsOf,
  rowPAlive,
  type ClvHorizonOptions,
  type PairExpectations,
  type PairValues,
  type PredictContext,
  type PredictionTotals,
} from "./predict";

/** A fitted purchase model the scenarios can modify: which one, and its parameters. */
export type ScenarioModel =
  | { readonly model: "bgnbd" | "mbgnbd"; readonly params: BgNbdParams }
  | { readonly model: "pareto-nbd"; readonly params: ParetoNbdParams };

export interface ChurnScenarioParams<P = BgNbdParams> {
  readonly params: P;
  /** The chance of being lost before the next purchase, before and after (a/(a+b) in BG/NBD). */
  readonly baselineDropout: number;
  readonly scenarioDropout: number;
  /** True when the drop-out chance − k/100 ≤ 0 and the scenario's was clamped. */
  readonly clamped: boolean;
}

function checkPoints(points: number): void {
  if (!(Number.isFinite(points) && points >= 0)) {
    throw new RangeError(`churn reduction must be ≥ 0 points, got ${points}`);
  }
}

/** The BG/NBD (or MBG/NBD) parameters of the scenario "drop-out probability k points lower". */
export function churnReductionParams(params: BgNbdParams, points: number): ChurnScenarioParams {
  checkPoints(points);
  const concentration = params.a + params.b;
  const mean = params.a / concentration;
  // 0 points: the fitted parameters themselves, not a rounding of them.
  if (points === 0) return { params, baselineDropout: mean, scenarioDropout: mean, clamped: false };
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

/**
 * Pareto/NBD's average chance of being lost before the next purchase, E[μ/(λ+μ)] over
 * λ ~ Gamma(r, α), μ ~ Gamma(s, β): with κ = β/α and B ~ Beta(s, r),
 *   κ ≥ 1: D = s/((r+s)κ) · 2F1(1, s+1; r+s+1; 1 − 1/κ)   (E[B (1 − zB)^−1] / κ),
 *   κ < 1: D = s/(r+s) · 2F1(1, r; r+s+1; 1 − κ)          (the same in 1 − B),
 * both with an argument in [0, 1). At κ = 1 it is s/(r+s); it falls from 1 to 0 as κ grows.
 */
export function paretoNbdDropoutPerPurchase(params: ParetoNbdParams): number {
  const { r, s } = params;
  const kappa = params.beta / params.alpha;
  const share = s / (r + s);
  if (kappa >= 1) return (share / kappa) * hyp2f1(1, s + 1, r + s + 1, 1 - 1 / kappa);
  return share * hyp2f1(1, r, r + s + 1, 1 - kappa);
}

export interface ParetoScenarioParams extends ChurnScenarioParams<ParetoNbdParams> {
  /** c: every customer's drop-out rate μ multiplied by it (β' = β/c); 1 for 0 points. */
  readonly rateScale: number;
}

/**
 * The Pareto/NBD parameters of the scenario "drop-out probability k points lower": β' = β/c
 * with s fixed, c ≤ 1 such that paretoNbdDropoutPerPurchase falls by k points (bisection in
 * ln c to double precision; D is continuous and increasing in c).
 */
export function paretoChurnReductionParams(
  params: ParetoNbdParams,
  points: number,
): ParetoScenarioParams {
  checkPoints(points);
  const baseline = paretoNbdDropoutPerPurchase(params);
  if (points === 0) {
    return {
      params,
      baselineDropout: baseline,
      scenarioDropout: baseline,
      clamped: false,
      rateScale: 1,
    };
  }
  let target = baseline - points / 100;
  let clamped = false;
  if (!(target > 0)) {
    target = baseline / 100;
    clamped = true;
  }
  const at = (lnC: number): number =>
    paretoNbdDropoutPerPurchase({ ...params, beta: params.beta / Math.exp(lnC) });
  // D → 0 as c → 0: lower ln c until D is at or below the target, then bisect.
  let hi = 0;
  let lo = -1;
  while (at(lo) > target && lo > -700) lo *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo)); i++) {
    const mid = (lo + hi) / 2;
    if (at(mid) > target) hi = mid;
    else lo = mid;
  }
  const rateScale = Math.exp((lo + hi) / 2);
  const changed = { ...params, beta: params.beta / rateScale };
  return {
    params: changed,
    baselineDropout: baseline,
    scenarioDropout: paretoNbdDropoutPerPurchase(changed),
    clamped,
    rateScale,
  };
}

/** The scenario's version of a fitted purchase model, with its drop-out chance before and after. */
export type ScenarioChange =
  | ({ readonly model: "bgnbd" | "mbgnbd" } & ChurnScenarioParams<BgNbdParams>)
  | ({ readonly model: "pareto-nbd" } & ParetoScenarioParams);

export function churnReduction(fitted: ScenarioModel, points: number): ScenarioChange {
  return fitted.model === "pareto-nbd"
    ? { model: fitted.model, ...paretoChurnReductionParams(fitted.params, points) }
    : { model: fitted.model, ...churnReductionParams(fitted.params, points) };
}

type ChurnScenarioGains = {
  readonly points: number;
  readonly baseline: PredictionTotals;
  readonly scenario: PredictionTotals;
  /** scenario − baseline, and relative to baseline (0.25 = +25 %; 0 when baseline is 0). */
  readonly clvGain: number;
  readonly clvGainShare: number;
  readonly revenueGain: number;
  readonly revenueGainShare: number;
};

/** BG/NBD's scenario (churnReductionScenario). */
export type ChurnScenarioResult = ChurnScenarioParams & ChurnScenarioGains;

/** A scenario of any purchase model (purchaseModelScenario). */
export type PurchaseScenarioResult = ScenarioChange & ChurnScenarioGains;

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

/** The basis from today's P(alive) per row (any model's) and each customer's expected AOV. */
export function scenarioBasisOf(
  ctx: PredictContext,
  alive: Float64Array,
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
  return { alive, customers, aovSum };
}

/** The basis of a BG/NBD fit. */
export function scenarioBasis(
  ctx: PredictContext,
  params: BgNbdParams,
  expectedAov: Float64Array,
): ScenarioBasis {
  return scenarioBasisOf(ctx, rowPAlive(params, ctx.rows), expectedAov);
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

function modelOf(name: PurchaseModelName): PurchaseModel<BgNbdParams | ParetoNbdParams> {
  return PURCHASE_MODELS.find((m) => m.name === name) as PurchaseModel<
    BgNbdParams | ParetoNbdParams
  >;
}

/** The pairs' expectations under any purchase model (BG/NBD's exactly as scenarioExpectations). */
export function modelScenarioExpectations(
  ctx: PredictContext,
  fitted: ScenarioModel,
  options: ClvHorizonOptions = {},
): PairExpectations {
  return modelPairExpectations(fitted, ctx.pairs, ctx.summary.unit, options);
}

/** modelScenarioExpectations given the pairs and the time unit only. */
function modelPairExpectations(
  fitted: ScenarioModel,
  pairs: PairValues,
  unit: TimeUnit,
  options: ClvHorizonOptions,
): PairExpectations {
  const { horizonMonths, annualDiscountRate } = clvHorizon(options);
  if (fitted.model === "bgnbd") {
    return pairExpectations(fitted.params, pairs, unit, horizonMonths, annualDiscountRate);
  }
  const model = modelOf(fitted.model);
  return pairExpectationsOf(
    (t, x, T) => model.expectedPerAlive(fitted.params, t, x, T),
    pairs,
    unit,
    horizonMonths,
    annualDiscountRate,
  );
}

/** Prediction totals of a BG/NBD process over a basis (as predictWithContext's totals). */
export function scenarioTotals(
  ctx: PredictContext,
  params: BgNbdParams,
  basis: ScenarioBasis,
  options: ClvHorizonOptions = {},
  expectations?: PairExpectations,
): PredictionTotals {
  return totalsOver(ctx, basis, expectations ?? scenarioExpectations(ctx, params, options));
}

/** Prediction totals of any purchase model over a basis. */
export function modelScenarioTotals(
  ctx: PredictContext,
  fitted: ScenarioModel,
  basis: ScenarioBasis,
  options: ClvHorizonOptions = {},
  expectations?: PairExpectations,
): PredictionTotals {
  return totalsOver(ctx, basis, expectations ?? modelScenarioExpectations(ctx, fitted, options));
}

function totalsOver(
  ctx: PredictContext,
  basis: ScenarioBasis,
  pe: PairExpectations,
): PredictionTotals {
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

function gains(
  points: number,
  base: PredictionTotals,
  scenario: PredictionTotals,
): ChurnScenarioGains {
  const share = (gain: number, of: number): number => (of > 0 ? gain / of : 0);
  return {
    points,
    baseline: base,
    scenario,
    clvGain: scenario.clv - base.clv,
    clvGainShare: share(scenario.clv - base.clv, base.clv),
    revenueGain: scenario.revenueHorizon - base.revenueHorizon,
    revenueGainShare: share(scenario.revenueHorizon - base.revenueHorizon, base.revenueHorizon),
  };
}

/**
 * Baseline vs "k points less churn" totals of a fitted purchase model over the same
 * customers and horizon. Pass the fit's basis and baseline (scenarioBasisOf with the model's
 * P(alive) rows, modelScenarioTotals) when running several scenarios.
 */
export function purchaseModelScenario(
  ctx: PredictContext,
  fitted: ScenarioModel,
  spend: GammaGammaParams | null,
  points: number,
  options: ClvHorizonOptions = {},
  shared?: {
    readonly basis: ScenarioBasis;
    readonly baseline: PredictionTotals;
    /** The changed model's pair expectations (scenarioJobExpectations), when already known. */
    readonly expectations?: PairExpectations;
  },
): PurchaseScenarioResult {
  const changed = churnReduction(fitted, points);
  const basis =
    shared?.basis ??
    scenarioBasisOf(
      ctx,
      modelOf(fitted.model).pAliveRows(fitted.params, ctx.rows),
      expectedAovPerCustomer(ctx.summary, spend).aov,
    );
  const base = shared?.baseline ?? modelScenarioTotals(ctx, fitted, basis, options);
  const scenario = modelScenarioTotals(
    ctx,
    changed as ScenarioModel,
    basis,
    options,
    shared?.expectations,
  );
  return { ...changed, ...gains(points, base, scenario) };
}

/**
 * What the churn scenarios mostly cost, apart from the rest of the fit: the pair expectations
 * of each scenario's changed model. Only the pairs and the horizon are needed, so another
 * thread can compute them while the fit goes on (docs/decisions/0073-clv-thread.md, Balance).
 */
export interface ScenarioJob {
  readonly pairs: PairValues;
  readonly unit: TimeUnit;
  readonly horizon: Required<ClvHorizonOptions>;
  /** The changed models (churnReduction of the fitted model), in the scenarios' order. */
  readonly models: readonly ScenarioModel[];
}

/** A scenario job's answer: its expectations and the milliseconds they took. */
export interface ScenarioJobResult {
  readonly expectations: readonly PairExpectations[];
  readonly ms: number;
}

/** The job's pair expectations, one per changed model (modelScenarioExpectations). */
export function scenarioJobExpectations(job: ScenarioJob): ScenarioJobResult {
  const t = performance.now();
  const expectations = job.models.map((model) =>
    modelPairExpectations(model, job.pairs, job.unit, job.horizon),
  );
  return { expectations, ms: performance.now() - t };
}

/**
 * Runs steps that yield scenario jobs (fitClvModelSteps) here, answering each job when its
 * result is asked for ("scenarios"); a job that throws throws into the steps, as the same
 * work inline would.
 */
export function answerScenarioJobs<T>(
  steps: Generator<ScenarioJob | "scenarios", T, ScenarioJobResult | undefined>,
): T {
  let answer: { result: ScenarioJobResult } | { error: unknown } | undefined;
  let step = steps.next();
  while (!step.done) {
    if (step.value !== "scenarios") {
      try {
        answer = { result: scenarioJobExpectations(step.value) };
      } catch (error) {
        answer = { error };
      }
      step = steps.next();
    } else if (answer !== undefined && "error" in answer) {
      step = steps.throw(answer.error);
    } else {
      step = steps.next(answer?.result);
    }
  }
  return step.value;
}

/** BG/NBD's "k points less churn" scenario (purchaseModelScenario with BG/NBD). */
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
  return { ...changed, ...gains(points, base, scenario) };
}
