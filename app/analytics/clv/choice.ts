/**
 * Which purchase model a shop's predictions should use: fit BG/NBD, MBG/NBD and Pareto/NBD on
 * the calibration period, forecast each customer's purchases in the holdout window (the
 * models' conditional expectation E[Y(h) | x, t_x, T]) and pick the model with the lowest
 * per-customer root-mean-square error among those whose fit is trustworthy. Every model gets a
 * fit-quality verdict (converged / not identified / too little data) with its reason, so a
 * page can say why a model was not used.
 *
 * RMSE, not MAE: the models forecast a conditional mean, which RMSE rewards; MAE is minimised
 * by the median, 0 for most customers of most shops, and would favour whichever model
 * under-forecasts most (docs/decisions: clv-model-choice).
 */

import type { BgNbdParams, ConvergenceInfo } from "./bgnbd";
import {
  PURCHASE_MODELS,
  type AnyPurchaseModel,
  type PurchaseModel,
  type PurchaseModelFit,
  type PurchaseModelName,
} from "./models";
import type { ParetoNbdParams } from "./paretonbd";
import { holdoutForecasts, summaryRows } from "./forecast";
import { DEFAULT_MIN_REPEAT_CUSTOMERS, identificationProblem, type Unidentified } from "./status";
import { daysPerUnit, type CustomerSummary } from "./summary";

/** Fit-quality verdict of one model on one shop. */
export type FitQuality =
  | {
      readonly status: "converged";
      /** English sentence for logs and definitions. */
      readonly reason: string;
    }
  | {
      readonly status: "not-identified";
      /** Unidentified's codes, or "fit-failed" when the fit threw (the message is the reason). */
      readonly code: Unidentified["code"] | "fit-failed";
      readonly parameter: string | null;
      readonly estimate: number | null;
      readonly standardError: number | null;
      readonly reason: string;
    }
  | {
      readonly status: "too-little-data";
      readonly reason: string;
      readonly repeatCustomers: number;
      readonly requiredRepeatCustomers: number;
    };

/** Per-customer error of holdout purchase forecasts. */
export interface HoldoutError {
  readonly mae: number;
  readonly rmse: number;
  readonly predictedTotal: number;
  readonly actualTotal: number;
  /** predictedTotal / actualTotal − 1; null when nothing was bought in the holdout. */
  readonly totalRelativeError: number | null;
}

interface AssessmentOf<N extends PurchaseModelName, P> {
  readonly model: N;
  readonly label: string;
  readonly quality: FitQuality;
  /** Null when there was too little data or the fit threw. */
  readonly fit: PurchaseModelFit<P> | null;
  /** Null without a fit; present for not-identified fits too (shown, never chosen). */
  readonly holdout: HoldoutError | null;
  /** Wall-clock milliseconds of the fit and of the holdout forecasts. */
  readonly fitMs: number;
  readonly forecastMs: number;
}

export type ModelAssessment =
  AssessmentOf<"bgnbd" | "mbgnbd", BgNbdParams> | AssessmentOf<"pareto-nbd", ParetoNbdParams>;

export interface ModelChoice {
  /** The chosen model, or null when no model has a trustworthy fit. */
  readonly chosen: PurchaseModelName | null;
  /** English sentence: why this model, or why none. */
  readonly reason: string;
  readonly criterion: "rmse";
  readonly holdoutDays: number;
  /** Customers with a first purchase in the calibration period, and those who bought again. */
  readonly customers: number;
  readonly repeatCustomers: number;
  /** The naive forecast x/T × holdout length, as a baseline for the models' errors. */
  readonly naive: HoldoutError;
  /** In PURCHASE_MODELS order. */
  readonly models: readonly ModelAssessment[];
}

export interface ModelChoiceOptions {
  readonly penalizer?: number;
  /** Fewer repeat buyers than this in the calibration period → too little data; default 30. */
  readonly minRepeatCustomers?: number;
  /** Models to compare; default all three. */
  readonly models?: readonly PurchaseModelName[];
}

/** Verdict of a fitted model: identified (converged) or why not. */
export function fitQuality<P extends object>(
  model: PurchaseModel<P>,
  fit: {
    readonly params: P;
    readonly standardErrors: P | null;
    readonly convergence: ConvergenceInfo;
    readonly limit?: Unidentified | null;
  },
): FitQuality {
  if (fit.limit) return { status: "not-identified", ...fit.limit };
  const problem = identificationProblem(
    model.label,
    fit as unknown as {
      params: Record<string, number>;
      standardErrors: Record<string, number> | null;
      convergence: ConvergenceInfo;
    },
    model.parameterNames as Record<string, string>,
  );
  if (problem !== null) return { status: "not-identified", ...problem };
  return {
    status: "converged",
    reason: `${model.label} converged (${fit.convergence.message}) with every parameter identified`,
  };
}

/** Per-row forecasts and their per-customer errors against the holdout counts. */
function holdoutErrors(
  summary: CustomerSummary,
  rowOf: Int32Array,
  perRow: Float64Array,
): HoldoutError {
  const holdoutX = summary.holdoutX!;
  let absErr = 0;
  let sqErr = 0;
  let predictedTotal = 0;
  let actualTotal = 0;
  let customers = 0;
  for (let i = 0; i < summary.customerCount; i++) {
    const row = rowOf[i];
    if (row < 0) continue;
    const predicted = perRow[row];
    const actual = holdoutX[i];
    customers++;
    absErr += Math.abs(predicted - actual);
    sqErr += (predicted - actual) ** 2;
    predictedTotal += predicted;
    actualTotal += actual;
  }
  return {
    mae: customers > 0 ? absErr / customers : 0,
    rmse: customers > 0 ? Math.sqrt(sqErr / customers) : 0,
    predictedTotal,
    actualTotal,
    totalRelativeError: actualTotal > 0 ? predictedTotal / actualTotal - 1 : null,
  };
}

/**
 * Fit the models on the calibration period of `summary` (built by summarizeCustomers with
 * `holdoutDays`) and choose the one whose holdout forecasts have the lowest RMSE, among
 * models whose fit converged with every parameter identified; on equal error the simpler
 * model (PURCHASE_MODELS order) wins.
 */
export function chooseClvModel(
  summary: CustomerSummary,
  holdoutDays: number,
  options: ModelChoiceOptions = {},
): ModelChoice {
  if (summary.holdoutX === null) throw new RangeError("the summary has no holdout window");
  if (!(Number.isInteger(holdoutDays) && holdoutDays > 0)) {
    throw new RangeError(`holdoutDays must be a whole number > 0, got ${holdoutDays}`);
  }
  const wanted = options.models ?? PURCHASE_MODELS.map((m) => m.name);
  const models = PURCHASE_MODELS.filter((m) => wanted.includes(m.name));
  const horizon = holdoutDays / daysPerUnit(summary.unit);
  const rows = summaryRows(summary);
  const naivePerCustomer = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    naivePerCustomer[r] = rows.T[r] > 0 ? (rows.x[r] / rows.T[r]) * horizon : 0;
  }
  const naive = holdoutErrors(summary, rows.rowOf, naivePerCustomer);
  const base = {
    criterion: "rmse" as const,
    holdoutDays,
    customers: summary.includedCount,
    repeatCustomers: summary.repeatCustomerCount,
    naive,
  };
  const required = Math.max(1, options.minRepeatCustomers ?? DEFAULT_MIN_REPEAT_CUSTOMERS);
  if (summary.repeatCustomerCount < required) {
    const reason = `${summary.repeatCustomerCount} customers with a repeat purchase before the holdout; at least ${required} are needed to fit a purchase model`;
    const quality: FitQuality = {
      status: "too-little-data",
      reason,
      repeatCustomers: summary.repeatCustomerCount,
      requiredRepeatCustomers: required,
    };
    return {
      ...base,
      chosen: null,
      reason,
      models: models.map(
        (m) =>
          ({
            model: m.name,
            label: m.label,
            quality,
            fit: null,
            holdout: null,
            fitMs: 0,
            forecastMs: 0,
          }) as ModelAssessment,
      ),
    };
  }
  const assess = <P extends object>(model: PurchaseModel<P>): ModelAssessment => {
    const t0 = performance.now();
    let fit: PurchaseModelFit<P>;
    try {
      fit = model.fit(rows, { penalizer: options.penalizer });
    } catch (error) {
      return {
        model: model.name,
        label: model.label,
        quality: {
          status: "not-identified",
          code: "fit-failed",
          parameter: null,
          estimate: null,
          standardError: null,
          reason: `The ${model.label} fit failed: ${error instanceof Error ? error.message : String(error)}`,
        },
        fit: null,
        holdout: null,
        fitMs: performance.now() - t0,
        forecastMs: 0,
      } as ModelAssessment;
    }
    const t1 = performance.now();
    // E[Y(h) | alive] depends on (x, T) only: once per pair, then × P(alive) per row (kept
    // for the holdout card, which checks the chosen model with this fit: forecast.ts).
    const perRow = holdoutForecasts(summary, model, fit.params, horizon);
    const holdout = holdoutErrors(summary, rows.rowOf, perRow);
    return {
      model: model.name,
      label: model.label,
      quality: fitQuality(model, fit),
      fit,
      holdout,
      fitMs: t1 - t0,
      forecastMs: performance.now() - t1,
    } as ModelAssessment;
  };
  const assessed = models.map((m: AnyPurchaseModel) =>
    m.name === "pareto-nbd"
      ? assess(m as PurchaseModel<ParetoNbdParams>)
      : assess(m as PurchaseModel<BgNbdParams>),
  );
  let best: ModelAssessment | null = null;
  for (const a of assessed) {
    if (a.quality.status !== "converged" || a.holdout === null) continue;
    if (!Number.isFinite(a.holdout.rmse)) continue;
    if (best === null || a.holdout.rmse < best.holdout!.rmse) best = a;
  }
  const errors = assessed
    .map((a) => `${a.label} ${a.holdout === null ? "—" : a.holdout.rmse.toPrecision(4)}`)
    .join(", ");
  const reason =
    best === null
      ? `No model has a trustworthy fit: ${assessed.map((a) => a.quality.reason).join("; ")}`
      : `${best.label} has the lowest holdout error (RMSE per customer over ${holdoutDays} days: ${errors})`;
  return { ...base, chosen: best === null ? null : best.model, reason, models: assessed };
}
