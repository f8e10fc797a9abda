/**
 * Predictive CLV: the entry points workers call. Pure: OrderTable in, plain data out
 * (parameters, standard errors, log-likelihoods, convergence, per-customer Float64Arrays).
 *
 * Pipeline: orders → per-customer (x, t_x, T, zbar) → weighted rows of identical (x, t_x, T)
 * → BG/NBD fit (purchase/drop-out; and the chosen purchase model's, when another) and
 * Gamma-Gamma fit (spend, on repeat buyers) → per customer P(alive), expected purchases,
 * expected order value, discounted CLV → churn scenarios of the purchase model used.
 */

import { fitBgNbd, type BgNbdFit, type BgNbdParams } from "./bgnbd";
import { fitQuality, type FitQuality } from "./choice";
import {
  countSpendCustomers,
  fitGammaGamma,
  gammaGammaProblem,
  type GammaGammaFit,
} from "./gammagamma";
import {
  PURCHASE_MODELS,
  type AnyPurchaseModel,
  type PurchaseModel,
  type PurchaseModelFit,
  type PurchaseModelName,
} from "./models";
import type { ParetoNbdParams } from "./paretonbd";
import {
  clvHorizon,
  predictContext,
  predictWithContext,
  rowPAlive,
  type ClvHorizonOptions,
  type ClvPredictions,
  type PairExpectations,
} from "./predict";
import {
  answerScenarioJobs,
  churnReduction,
  modelScenarioExpectations,
  modelScenarioTotals,
  purchaseModelScenario,
  scenarioBasisOf,
  scenarioExpectations,
  type PurchaseScenarioResult,
  type ScenarioJob,
  type ScenarioJobResult,
  type ScenarioModel,
} from "./scenario";
import {
  predictionIntervalDraws,
  withScenarioGains,
  type IntervalDraws,
  type IntervalOptions,
  type IntervalsUnavailable,
  type PredictionIntervals,
} from "./intervals";
import { DEFAULT_MIN_REPEAT_CUSTOMERS, type InsufficientData, type Unidentified } from "./status";
import {
  compressSummary,
  summarizeCustomers,
  type DayOf,
  type SummaryOrders,
  type TimeUnit,
} from "./summary";

export * from "./bgnbd";
export * from "./choice";
export * from "./forecast";
export * from "./gammagamma";
export * from "./hyp2f1";
export * from "./intervals";
export * from "./holdout";
export * from "./mbgnbd";
export * from "./models";
export * from "./paretonbd";
export * from "./predict";
export * from "./sbg";
export * from "./scenario";
export * from "./status";
export * from "./summary";

export interface ClvOptions extends ClvHorizonOptions {
  /** Calibration end (epoch ms; its whole shop-local day included). */
  readonly asOf: number;
  /** Shop-local day numbers (the shop calendar); default UTC days. */
  readonly dayOf?: DayOf;
  /** Model time unit; default "day" (α is then in days). Predictions do not depend on it. */
  readonly unit?: TimeUnit;
  readonly customerCount?: number;
  /** L2 penalizer of the BG/NBD fit (see fitBgNbd); default 0. */
  readonly penalizer?: number;
  /** L2 penalizer of the Gamma-Gamma fit; default 0. */
  readonly spendPenalizer?: number;
  /** Fewer repeat buyers than this → insufficient-data; default 30. */
  readonly minRepeatCustomers?: number;
  /** Fewer repeat buyers with positive spend than this → no Gamma-Gamma (empirical AOV); default 30. */
  readonly minSpendCustomers?: number;
  /** Churn reductions to evaluate, in percentage points of drop-out probability, e.g. [1, 5]. */
  readonly scenarios?: readonly number[];
  /**
   * The purchase model the predictions and the churn scenarios use (e.g. the one
   * chooseClvModel picked); default BG/NBD. BG/NBD is fitted anyway: when this model's fit on
   * the full data is not identified the predictions fall back to it.
   */
  readonly purchaseModel?: PurchaseModelName;
  /**
   * Intervals of the predictions per group of customers and for the shop (intervals.ts):
   * `groupOf` gives each customer's group (values ≥ groupCount leave them out). Not computed
   * when absent.
   */
  readonly intervals?: Omit<IntervalOptions, keyof ClvHorizonOptions> & {
    readonly groupOf: ArrayLike<number>;
    readonly groupCount: number;
  };
}

/** The purchase model behind the predictions, fitted on all the shop's customers. */
export interface PurchaseModelUsed {
  readonly model: PurchaseModelName;
  readonly label: string;
  /** True when the model fixes P(alive) = 1 for customers without a repeat purchase. */
  readonly oneTimeBuyersSurelyAlive: boolean;
  readonly fit: PurchaseModelFit<BgNbdParams> | PurchaseModelFit<ParetoNbdParams>;
  /** Its verdict on the full data. */
  readonly quality: FitQuality;
  /** The model asked for. */
  readonly requested: PurchaseModelName;
  /** Why the requested model is not the one used (its full-data fit not identified); else null. */
  readonly fallbackReason: string | null;
}

/** Why the expected order value is the shop's mean rather than Gamma-Gamma's. */
export interface AovFallback extends Omit<Unidentified, "code"> {
  /** "too-few-spend-customers", or why the Gamma-Gamma fit is not identified. */
  readonly code: "too-few-spend-customers" | Unidentified["code"];
}

export interface ClvModels {
  readonly status: "ok";
  readonly unit: TimeUnit;
  readonly calibrationEndDay: number;
  readonly customers: {
    /** Customers with a purchase by the calibration end. */
    readonly included: number;
    readonly repeat: number;
    /** Distinct (x, t_x, T) rows the likelihood was evaluated on. */
    readonly compressedRows: number;
  };
  /** Always fitted: the fallback when the requested model is not identified on all customers. */
  readonly bgnbd: BgNbdFit;
  /** The model the predictions come from (BG/NBD unless another was asked for and identified). */
  readonly purchase: PurchaseModelUsed;
  /**
   * Null when too few repeat buyers have positive spend or the fit is not identified (on the
   * boundary, no finite standard errors, not converged): AOV is then the shop mean.
   */
  readonly gammaGamma: GammaGammaFit | null;
  /** Why Gamma-Gamma is not used; null when it is. */
  readonly aovFallback: AovFallback | null;
  readonly predictions: ClvPredictions;
  /** The churn scenarios of the purchase model used (`purchase`). */
  readonly scenarios: readonly PurchaseScenarioResult[];
  /** Null when not asked for (options.intervals); "unavailable" with the reason. */
  readonly intervals: PredictionIntervals | IntervalsUnavailable | null;
  /** Wall-clock milliseconds per stage (for logs and the benchmark). */
  readonly timingsMs: {
    readonly summary: number;
    readonly compression: number;
    readonly bgnbdFit: number;
    /** The requested model's fit when it is not BG/NBD (else 0). */
    readonly purchaseFit: number;
    readonly gammaGammaFit: number;
    readonly predictions: number;
    readonly scenarios: number;
    readonly intervals: number;
  };
}

/**
 * Fit the purchase model (BG/NBD, or the one asked for) + Gamma-Gamma on a shop's orders,
 * predict every customer's CLV and run the churn scenarios with the purchase model used.
 */
export function fitClvModels(
  orders: SummaryOrders,
  options: ClvOptions,
): ClvModels | InsufficientData {
  return answerScenarioJobs(fitClvModelSteps(orders, options));
}

/**
 * fitClvModels as steps, so that the churn scenarios' pair expectations (most of their cost)
 * can be computed elsewhere while the fit goes on (the snapshot's CLV thread hands them to
 * the compute thread, docs/decisions/0073-clv-thread.md): once the purchase model is fitted
 * it yields the scenarios' job (scenarioJobExpectations; go on with next()), and once the
 * predictions and the intervals' draws are done it yields "scenarios" and waits for the job's
 * expectations (pass them to next()). No scenario asked, no job.
 */
export function* fitClvModelSteps(
  orders: SummaryOrders,
  options: ClvOptions,
): Generator<
  ScenarioJob | "scenarios",
  ClvModels | InsufficientData,
  ScenarioJobResult | undefined
> {
  const clock = (): number => performance.now();
  let t = clock();
  const summary = summarizeCustomers(orders, {
    asOf: options.asOf,
    dayOf: options.dayOf,
    unit: options.unit,
    customerCount: options.customerCount,
  });
  const tSummary = clock() - t;
  const required = options.minRepeatCustomers ?? DEFAULT_MIN_REPEAT_CUSTOMERS;
  if (summary.repeatCustomerCount < Math.max(1, required)) {
    return {
      status: "insufficient-data",
      reason: `${summary.repeatCustomerCount} customers with a repeat purchase; at least ${required} are needed to fit BG/NBD`,
      customers: summary.includedCount,
      repeatCustomers: summary.repeatCustomerCount,
      requiredRepeatCustomers: required,
    };
  }
  t = clock();
  const rows = compressSummary(summary);
  const tCompression = clock() - t;

  t = clock();
  const bgnbd = fitBgNbd(rows, { penalizer: options.penalizer });
  const tBgNbd = clock() - t;

  t = clock();
  const purchase = purchaseModelUsed(rows, bgnbd, options);
  const tPurchase = clock() - t;

  t = clock();
  const ctx = predictContext(summary, rows);
  const fitted = { model: purchase.model, params: purchase.fit.params } as ScenarioModel;
  const points = options.scenarios ?? [];
  const tPairs = clock() - t;
  if (points.length > 0) {
    const { length, x, T } = ctx.pairs;
    yield {
      pairs: { length, x, T },
      unit: summary.unit,
      horizon: clvHorizon(options),
      models: points.map((k) => churnReduction(fitted, k) as ScenarioModel),
    };
  }

  t = clock();
  const spendData = { length: summary.customerCount, x: summary.x, zbar: summary.zbar };
  const minSpend = options.minSpendCustomers ?? DEFAULT_MIN_REPEAT_CUSTOMERS;
  let gammaGamma: GammaGammaFit | null = null;
  let aovFallback: AovFallback | null = null;
  const spendCustomers = countSpendCustomers(spendData);
  if (spendCustomers >= Math.max(2, minSpend)) {
    const fit = fitGammaGamma(spendData, { penalizer: options.spendPenalizer });
    aovFallback = gammaGammaProblem(fit);
    if (aovFallback === null) gammaGamma = fit;
  } else {
    aovFallback = {
      code: "too-few-spend-customers",
      parameter: null,
      estimate: null,
      standardError: null,
      reason: `${spendCustomers} repeat buyers with positive spend; Gamma-Gamma needs at least ${Math.max(2, minSpend)}`,
    };
  }
  const tGammaGamma = clock() - t;

  t = clock();
  const spend = gammaGamma === null ? null : gammaGamma.params;
  // P(alive) per row and the pairs' expectations of the model used: shared by the
  // predictions and the scenarios' baseline (they are most of the cost).
  const { alive, expectations } =
    fitted.model === "bgnbd"
      ? { alive: undefined, expectations: scenarioExpectations(ctx, fitted.params, options) }
      : modelRowsAndPairs(ctx, fitted, options);
  const predictions = predictWithContext(
    ctx,
    fitted.model === "bgnbd" ? fitted.params : null,
    spend,
    options,
    alive,
    expectations,
  );
  const tPredictions = tPairs + clock() - t;

  // The intervals' draws first: they need the scenarios' points, not their gains.
  t = clock();
  const drawn =
    options.intervals === undefined
      ? null
      : intervalDrawsOf(ctx, predictions, purchase, gammaGamma, points, options);
  let tIntervals = clock() - t;

  const job = points.length > 0 ? yield "scenarios" : undefined;
  t = clock();
  const changed = job?.expectations;
  if (points.length > 0 && changed?.length !== points.length) {
    throw new Error("the churn scenarios go on only with their job's expectations");
  }
  const basis =
    points.length > 0
      ? scenarioBasisOf(
          ctx,
          alive ?? rowPAlive(bgnbd.params, rows),
          predictions.perCustomer.expectedAov,
        )
      : null;
  const baseline = basis && modelScenarioTotals(ctx, fitted, basis, options, expectations);
  const scenarios = points.map((k, j) =>
    purchaseModelScenario(ctx, fitted, spend, k, options, {
      basis: basis!,
      baseline: baseline!,
      expectations: changed![j],
    }),
  );
  const tScenarios = (job?.ms ?? 0) + clock() - t;

  t = clock();
  const intervals =
    drawn === null || drawn.status !== "ok"
      ? drawn
      : withScenarioGains(
          drawn,
          scenarios.length === 0
            ? undefined
            : {
                clvGain: scenarios.map((s) => s.clvGain),
                revenueGain: scenarios.map((s) => s.revenueGain),
              },
        );
  tIntervals += clock() - t;

  return {
    status: "ok",
    unit: summary.unit,
    calibrationEndDay: summary.calibrationEndDay,
    customers: {
      included: summary.includedCount,
      repeat: summary.repeatCustomerCount,
      compressedRows: rows.length,
    },
    bgnbd,
    purchase,
    gammaGamma,
    aovFallback,
    predictions,
    scenarios,
    intervals,
    timingsMs: {
      summary: tSummary,
      compression: tCompression,
      bgnbdFit: tBgNbd,
      purchaseFit: tPurchase,
      gammaGammaFit: tGammaGamma,
      predictions: tPredictions,
      scenarios: tScenarios,
      intervals: tIntervals,
    },
  };
}

function modelNamed(name: PurchaseModelName): PurchaseModel<BgNbdParams | ParetoNbdParams> {
  const model = PURCHASE_MODELS.find((m) => m.name === name);
  if (model === undefined) throw new RangeError(`unknown purchase model ${name}`);
  return model as PurchaseModel<BgNbdParams | ParetoNbdParams>;
}

/** Fit the requested model on all rows; BG/NBD (already fitted) when it is not identified. */
function purchaseModelUsed(
  rows: ReturnType<typeof compressSummary>,
  bgnbd: BgNbdFit,
  options: ClvOptions,
): PurchaseModelUsed {
  const requested = options.purchaseModel ?? "bgnbd";
  const bg = modelNamed("bgnbd");
  const bgUsed = (fallbackReason: string | null): PurchaseModelUsed => ({
    model: "bgnbd",
    label: bg.label,
    oneTimeBuyersSurelyAlive: bg.oneTimeBuyersSurelyAlive,
    fit: bgnbd,
    quality: fitQuality(bg, bgnbd),
    requested,
    fallbackReason,
  });
  if (requested === "bgnbd") return bgUsed(null);
  const model = modelNamed(requested);
  let fit: PurchaseModelFit<BgNbdParams | ParetoNbdParams>;
  try {
    fit = model.fit(rows, { penalizer: options.penalizer });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return bgUsed(`The ${model.label} fit on all customers failed (${message}); BG/NBD is used`);
  }
  const quality = fitQuality(model, fit);
  if (quality.status !== "converged") {
    return bgUsed(`${quality.reason}; on all customers, so BG/NBD is used`);
  }
  return {
    model: model.name,
    label: model.label,
    oneTimeBuyersSurelyAlive: model.oneTimeBuyersSurelyAlive,
    fit: fit as PurchaseModelUsed["fit"],
    quality,
    requested,
    fallbackReason: null,
  };
}

/** P(alive) per row and the pairs' expectations of a purchase model other than BG/NBD. */
function modelRowsAndPairs(
  ctx: ReturnType<typeof predictContext>,
  fitted: ScenarioModel,
  options: ClvOptions,
): { alive: Float64Array; expectations: PairExpectations } {
  const model = modelNamed(fitted.model);
  const alive = model.pAliveRows(fitted.params, ctx.rows);
  return { alive, expectations: modelScenarioExpectations(ctx, fitted, options) };
}

/**
 * The predictions' intervals up to the scenarios' point gains (withScenarioGains), or why
 * there are none (the model has no standard errors).
 */
function intervalDrawsOf(
  ctx: ReturnType<typeof predictContext>,
  predictions: ClvPredictions,
  purchase: PurchaseModelUsed,
  gammaGamma: GammaGammaFit | null,
  points: readonly number[],
  options: ClvOptions,
): IntervalDraws | IntervalsUnavailable {
  const asked = options.intervals!;
  if (purchase.quality.status !== "converged") {
    return { status: "unavailable", code: "not-identified", reason: purchase.quality.reason };
  }
  const result = predictionIntervalDraws(
    {
      ctx,
      predictions,
      groupOf: asked.groupOf,
      groupCount: asked.groupCount,
      purchase: {
        model: modelNamed(purchase.model) as AnyPurchaseModel,
        params: purchase.fit.params,
        logCovariance: purchase.fit.logCovariance,
      },
      spend: gammaGamma,
      scenarios: points.length === 0 ? undefined : { points },
    },
    { ...asked, ...clvHorizon(options) },
  );
  return (
    result ?? {
      status: "unavailable",
      code: "no-standard-errors",
      reason: `${purchase.label} has no standard errors at its estimate (its likelihood is not curved there), so its predictions have no intervals`,
    }
  );
}
