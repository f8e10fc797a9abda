/**
 * The LTV page's block: the purchase model comparison, the BG/NBD, chosen-model and
 * Gamma-Gamma fits, predicted CLV and P(alive) distributions, and the holdout check and the
 * churn scenarios of the model the predictions use.
 */
import { formatDay } from "../../analytics";
import {
  PURCHASE_MODELS,
  type ClvModels,
  type GroupIntervals,
  type Interval,
  type ModelAssessment,
} from "../../analytics/clv";
import { cleanConvergence, finiteOr0, finiteOrNull, plain } from "./json";
import type { ChoiceOutcome, ClvStage, Context, HoldoutOutcome } from "./stages";
import {
  NO_SEGMENT_ID,
  type ClvGroupIntervalsJson,
  type ClvIntervalsJson,
  type IntervalJson,
  type ClvInsufficient,
  type ClvOk,
  type HistogramBin,
  type ModelChoiceJson,
  type PurchaseModelJson,
  type PurchaseModelRow,
} from "./types";

/** Value at quantile q of ascending values (nearest rank). */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Smallest 1, 2, 2.5 or 5 × 10^k that is ≥ x (x > 0). */
function niceCeil(x: number): number {
  const power = 10 ** Math.floor(Math.log10(x));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= x) return step * power;
  return 10 * power;
}

/**
 * Counts of ascending values in bins [edges[k], edges[k + 1]); values below edges[0] count in
 * the first bin. `open`: one more bin [last edge, ∞); otherwise the last bin also takes values
 * equal to (or above) the last edge.
 */
function histogram(sorted: Float64Array, edges: readonly number[], open: boolean): HistogramBin[] {
  const bins = open ? edges.length : edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  let b = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (b < bins - 1 && sorted[i] >= edges[b + 1]) b++;
    counts[b]++;
  }
  return counts.map((customers, k) => ({
    from: plain(edges[k]),
    to: k + 1 < edges.length ? plain(edges[k + 1]) : null,
    customers,
  }));
}

function assessmentRow(a: ModelAssessment): PurchaseModelRow {
  const q = a.quality;
  const model = PURCHASE_MODELS.find((m) => m.name === a.model)!;
  return {
    model: a.model,
    label: a.label,
    status: q.status,
    code: q.status === "not-identified" ? q.code : null,
    parameter: q.status === "not-identified" ? q.parameter : null,
    reason: q.reason,
    rmse: a.holdout === null ? null : finiteOrNull(a.holdout.rmse),
    mae: a.holdout === null ? null : finiteOrNull(a.holdout.mae),
    oneTimeBuyersSurelyAlive: model.oneTimeBuyersSurelyAlive,
  };
}

/** The comparison table and the reason for the model the predictions use. */
export function modelChoiceJson(choice: ChoiceOutcome, models: ClvModels): ModelChoiceJson {
  const { purchase } = models;
  const used = purchase.model;
  if (choice.status !== "ok") {
    return {
      status: "not-compared",
      chosen: null,
      used,
      reason: `${purchase.label} is used without a holdout comparison: ${choice.reason}`,
      fallback: true,
      criterion: "rmse",
      holdoutDays: null,
      sampleEvery: null,
      customers: null,
      naiveRmse: null,
      models: PURCHASE_MODELS.map((m) => ({
        model: m.name,
        label: m.label,
        status: "not-compared",
        code: null,
        parameter: null,
        reason: choice.reason,
        rmse: null,
        mae: null,
        oneTimeBuyersSurelyAlive: m.oneTimeBuyersSurelyAlive,
      })),
    };
  }
  const c = choice.choice;
  const reason =
    purchase.fallbackReason !== null
      ? `${c.reason}. ${purchase.fallbackReason}`
      : c.chosen === null
        ? `${c.reason}. BG/NBD is used as the fallback`
        : c.reason;
  return {
    status: "compared",
    chosen: c.chosen,
    used,
    reason,
    fallback: c.chosen === null || c.chosen !== used,
    criterion: c.criterion,
    holdoutDays: c.holdoutDays,
    sampleEvery: choice.sampleEvery,
    customers: c.customers,
    naiveRmse: finiteOrNull(c.naive.rmse),
    models: c.models.map(assessmentRow),
  };
}

const intervalJson = (v: Interval, per = 1): IntervalJson => ({
  estimate: finiteOr0(v.estimate / per),
  lower: finiteOr0(v.lower / per),
  upper: finiteOr0(v.upper / per),
});

function groupJson(g: GroupIntervals): ClvGroupIntervalsJson {
  const per = Math.max(1, g.customers);
  return {
    customers: g.customers,
    clvMinor: intervalJson(g.clv),
    averageClvMinor: intervalJson(g.clv, per),
    expectedPurchases90: intervalJson(g.expectedPurchases90),
    averageExpectedPurchases90: intervalJson(g.expectedPurchases90, per),
  };
}

/** The intervals per segment (groups: the rules in order, then customers without one). */
function intervalsJson(ctx: Context, models: ClvModels): ClvIntervalsJson | undefined {
  const iv = models.intervals;
  if (iv === null) return undefined;
  if (iv.status !== "ok") return { status: "unavailable", code: iv.code, reason: iv.reason };
  const { rules } = ctx;
  return {
    status: "ok",
    level: iv.level,
    draws: iv.draws,
    seed: iv.seed,
    sampledCustomers: iv.sampledCustomers,
    shop: groupJson(iv.shop),
    segments: iv.groups.flatMap((g, k) =>
      g.customers > 0
        ? [
            {
              segment: k < rules.length ? rules[k].id : NO_SEGMENT_ID,
              name: k < rules.length ? rules[k].name : NO_SEGMENT_ID,
              ...groupJson(g),
            },
          ]
        : [],
    ),
    scenarios:
      iv.scenarios === null
        ? null
        : iv.scenarios.map((s) => ({
            points: s.points,
            clvGain: intervalJson(s.clvGain),
            revenueGain: intervalJson(s.revenueGain),
          })),
  };
}

function purchaseModelJson(models: ClvModels): PurchaseModelJson {
  const { purchase } = models;
  const fit = purchase.fit;
  return {
    model: purchase.model,
    label: purchase.label,
    oneTimeBuyersSurelyAlive: purchase.oneTimeBuyersSurelyAlive,
    params: { ...fit.params },
    standardErrors: fit.standardErrors === null ? null : { ...fit.standardErrors },
    logLikelihood: fit.logLikelihood,
    customers: fit.customers,
    convergence: cleanConvergence(fit.convergence),
    quality: {
      status: purchase.quality.status === "converged" ? "converged" : "not-identified",
      code: purchase.quality.status === "not-identified" ? purchase.quality.code : null,
      parameter: purchase.quality.status === "not-identified" ? purchase.quality.parameter : null,
      reason: purchase.quality.reason,
    },
  };
}

export function clvBlock(
  ctx: Context,
  clv: ClvStage,
  holdout: HoldoutOutcome,
): ClvOk | ClvInsufficient {
  const { settings } = ctx.input;
  const models = clv.models;
  if (models.status !== "ok") {
    return {
      status: "insufficient-data",
      reason: models.reason,
      horizonMonths: settings.clvHorizonMonths,
      annualDiscountRate: settings.annualDiscountRate,
      customers: models.customers,
      repeatCustomers: models.repeatCustomers,
      requiredRepeatCustomers: models.requiredRepeatCustomers,
    };
  }
  const included = models.predictions.totals.customers;
  const clvValues = new Float64Array(included);
  const aliveValues = new Float64Array(included);
  let aliveSum = 0;
  let e90Sum = 0;
  for (let c = 0, j = 0; c < clv.clv.length; c++) {
    if (Number.isNaN(clv.clv[c])) continue;
    clvValues[j] = clv.clv[c];
    aliveValues[j] = clv.pAlive[c];
    aliveSum += clv.pAlive[c];
    e90Sum += clv.expected90[c];
    j++;
  }
  clvValues.sort();
  aliveValues.sort();
  const top = quantile(clvValues, 0.99);
  const width = top > 0 ? niceCeil(top / 20) : 1;
  const clvEdges = Array.from({ length: 21 }, (_, k) => k * width);
  const aliveEdges = Array.from({ length: 21 }, (_, k) => k / 20);
  const totals = models.predictions.totals;
  const { bgnbd, gammaGamma } = models;
  return {
    status: "ok",
    horizonMonths: models.predictions.horizonMonths,
    annualDiscountRate: models.predictions.annualDiscountRate,
    unit: models.unit,
    calibrationEndDate: formatDay(models.calibrationEndDay),
    customers: { ...models.customers },
    bgnbd: {
      params: bgnbd.params,
      standardErrors: bgnbd.standardErrors,
      logLikelihood: bgnbd.logLikelihood,
      customers: bgnbd.customers,
      convergence: cleanConvergence(bgnbd.convergence),
    },
    modelChoice: modelChoiceJson(clv.choice, models),
    purchaseModel: purchaseModelJson(models),
    gammaGamma:
      gammaGamma === null
        ? null
        : {
            params: gammaGamma.params,
            standardErrors: gammaGamma.standardErrors,
            logLikelihood: gammaGamma.logLikelihood,
            customers: gammaGamma.customers,
            convergence: cleanConvergence(gammaGamma.convergence),
          },
    aovSource: models.predictions.aovSource,
    aovFallback:
      models.aovFallback === null
        ? null
        : {
            ...models.aovFallback,
            estimate: finiteOrNull(models.aovFallback.estimate),
            standardError: finiteOrNull(models.aovFallback.standardError),
          },
    meanAovMinor: plain(models.predictions.meanAovMinor),
    totals,
    averages: {
      clvMinor: included > 0 ? totals.clv / included : null,
      pAlive: included > 0 ? aliveSum / included : null,
      expectedPurchases90: included > 0 ? e90Sum / included : null,
    },
    distributions: {
      clvMinor: histogram(clvValues, clvEdges, true),
      clvQuantiles: [0.1, 0.25, 0.5, 0.75, 0.9, 0.99].map((q) => ({
        q,
        valueMinor: plain(quantile(clvValues, q)),
      })),
      pAlive: histogram(aliveValues, aliveEdges, false),
    },
    holdout:
      holdout.status === "ok"
        ? {
            status: "ok",
            model: holdout.model,
            label: holdout.label,
            sampleEvery: holdout.sampleEvery,
            holdoutDays: holdout.holdoutDays,
            calibrationEndDate: formatDay(holdout.calibrationEndDay),
            observationEndDate: formatDay(holdout.observationEndDay),
            customers: holdout.customers,
            params: { ...holdout.fit.params },
            converged: holdout.fit.convergence.converged,
            mae: holdout.mae,
            rmse: holdout.rmse,
            naiveMae: holdout.naiveMae,
            naiveRmse: holdout.naiveRmse,
            predictedTotal: holdout.predictedTotal,
            actualTotal: holdout.actualTotal,
            totalRelativeError: finiteOrNull(holdout.totalRelativeError),
            byFrequency: holdout.byFrequency.map((b) => ({ ...b })),
          }
        : { ...holdout },
    scenarios: models.scenarios.map((s) => ({
      model: s.model,
      points: s.points,
      baselineDropout: s.baselineDropout,
      scenarioDropout: s.scenarioDropout,
      clamped: s.clamped,
      params: { ...s.params },
      ...(s.model === "pareto-nbd" ? { rateScale: s.rateScale } : {}),
      baseline: s.baseline,
      scenario: s.scenario,
      clvGain: plain(s.clvGain),
      clvGainShare: plain(s.clvGainShare),
      revenueGain: plain(s.revenueGain),
      revenueGainShare: plain(s.revenueGainShare),
    })),
    ...(models.intervals === null ? {} : { intervals: intervalsJson(ctx, models) }),
  };
}
