/**
 * Calibration/holdout validation, as merchants see it: fit a purchase model (BG/NBD unless
 * another is given) on all but the last h days, predict each customer's repeat purchases in
 * those h days (its conditional expectation, FHL 2005 eq. 10 for BG/NBD) and compare with
 * what they actually bought.
 */

import type { OrderTable } from "../types";
import type { BgNbdParams } from "./bgnbd";
import {
  BGNBD_MODEL,
  type AnyPurchaseModel,
  type PurchaseModel,
  type PurchaseModelFit,
  type PurchaseModelName,
} from "./models";
import type { ParetoNbdParams } from "./paretonbd";
import { holdoutForecasts, summaryRows } from "./forecast";
import { DEFAULT_MIN_REPEAT_CUSTOMERS, type InsufficientData } from "./status";
import {
  daysPerUnit,
  summarizeCustomers,
  type CustomerSummary,
  type DayOf,
  type TimeUnit,
} from "./summary";

export interface HoldoutOptions {
  /** End of observation (epoch ms; its local day included). */
  readonly asOf: number;
  readonly dayOf?: DayOf;
  readonly unit?: TimeUnit;
  readonly customerCount?: number;
  /** Holdout length in days; default 182 (26 weeks). */
  readonly holdoutDays?: number;
  readonly penalizer?: number;
  readonly minRepeatCustomers?: number;
  /** The purchase model to check; default BG/NBD. */
  readonly model?: AnyPurchaseModel;
}

/** Customers grouped by calibration repeat purchases (0, 1, …, 6, 7+). */
export interface HoldoutBucket {
  readonly label: string;
  readonly customers: number;
  readonly predictedMean: number;
  readonly actualMean: number;
}

export interface HoldoutValidation {
  readonly status: "ok";
  readonly calibrationEndDay: number;
  readonly observationEndDay: number;
  readonly holdoutDays: number;
  /** Customers whose first purchase is in the calibration period. */
  readonly customers: number;
  /** The model checked, and its fit on the calibration period. */
  readonly model: PurchaseModelName;
  readonly label: string;
  readonly fit: PurchaseModelFit<BgNbdParams> | PurchaseModelFit<ParetoNbdParams>;
  /** Mean absolute and root-mean-square error of per-customer holdout purchases. */
  readonly mae: number;
  readonly rmse: number;
  /**
   * The same errors for a naive forecast (calibration repeat rate x/T × holdout length), so
   * merchants can see whether the model beats the obvious guess.
   */
  readonly naiveMae: number;
  readonly naiveRmse: number;
  readonly predictedTotal: number;
  readonly actualTotal: number;
  /** predictedTotal / actualTotal − 1; null when nothing was bought in the holdout. */
  readonly totalRelativeError: number | null;
  readonly byFrequency: readonly HoldoutBucket[];
}

export function validateHoldout(
  orders: OrderTable,
  options: HoldoutOptions,
): HoldoutValidation | InsufficientData {
  const holdoutDays = options.holdoutDays ?? 182;
  if (!(Number.isInteger(holdoutDays) && holdoutDays > 0)) {
    throw new RangeError(`holdoutDays must be a whole number > 0, got ${holdoutDays}`);
  }
  const summary = summarizeCustomers(orders, {
    asOf: options.asOf,
    dayOf: options.dayOf,
    unit: options.unit,
    customerCount: options.customerCount,
    holdoutDays,
  });
  return validateHoldoutSummary(summary, holdoutDays, options);
}

/**
 * Holdout validation from a summary built with `holdoutDays`. `fit`: the model's fit on
 * this summary's calibration rows when the caller has it (the model choice fits every model
 * on the same sample), so it is not fitted twice.
 */
export function validateHoldoutSummary(
  summary: CustomerSummary,
  holdoutDays: number,
  options: {
    readonly penalizer?: number;
    readonly minRepeatCustomers?: number;
    readonly model?: AnyPurchaseModel;
    readonly fit?: HoldoutValidation["fit"];
  } = {},
): HoldoutValidation | InsufficientData {
  const model = (options.model ?? BGNBD_MODEL) as PurchaseModel<BgNbdParams | ParetoNbdParams>;
  const required = options.minRepeatCustomers ?? DEFAULT_MIN_REPEAT_CUSTOMERS;
  const holdoutX = summary.holdoutX;
  if (holdoutX === null) throw new RangeError("the summary has no holdout window");
  if (summary.repeatCustomerCount < Math.max(1, required)) {
    return {
      status: "insufficient-data",
      reason: `${summary.repeatCustomerCount} customers with a repeat purchase before the holdout; at least ${required} are needed`,
      customers: summary.includedCount,
      repeatCustomers: summary.repeatCustomerCount,
      requiredRepeatCustomers: required,
    };
  }
  const rows = summaryRows(summary);
  const fit = options.fit ?? model.fit(rows, { penalizer: options.penalizer });
  const horizon = holdoutDays / daysPerUnit(summary.unit);
  const buckets = Array.from({ length: 8 }, (_, k) => ({
    label: k < 7 ? String(k) : "7+",
    customers: 0,
    predicted: 0,
    actual: 0,
  }));
  let absErr = 0;
  let sqErr = 0;
  let naiveAbs = 0;
  let naiveSq = 0;
  let predictedTotal = 0;
  let actualTotal = 0;
  let customers = 0;
  // P(alive) per (x, t_x, T) row × E[Y(h) | alive] per (x, T) pair: the model's conditional
  // expectation, the model choice's own numbers when it fitted this model on this summary
  // (forecast.ts shares them).
  const perRow = holdoutForecasts(summary, model, fit.params, horizon);
  for (let i = 0; i < summary.customerCount; i++) {
    const row = rows.rowOf[i];
    if (row < 0) continue;
    const x = summary.x[i];
    const T = summary.T[i];
    const predicted = perRow[row];
    const actual = holdoutX[i];
    const naive = T > 0 ? (x / T) * horizon : 0;
    customers++;
    absErr += Math.abs(predicted - actual);
    sqErr += (predicted - actual) ** 2;
    naiveAbs += Math.abs(naive - actual);
    naiveSq += (naive - actual) ** 2;
    predictedTotal += predicted;
    actualTotal += actual;
    const b = buckets[Math.min(7, x)];
    b.customers++;
    b.predicted += predicted;
    b.actual += actual;
  }
  return {
    status: "ok",
    calibrationEndDay: summary.calibrationEndDay,
    observationEndDay: summary.observationEndDay,
    holdoutDays,
    customers,
    model: model.name,
    label: model.label,
    fit: fit as HoldoutValidation["fit"],
    mae: absErr / customers,
    rmse: Math.sqrt(sqErr / customers),
    naiveMae: naiveAbs / customers,
    naiveRmse: Math.sqrt(naiveSq / customers),
    predictedTotal,
    actualTotal,
    totalRelativeError: actualTotal > 0 ? predictedTotal / actualTotal - 1 : null,
    byFrequency: buckets.map((b) => ({
      label: b.label,
      customers: b.customers,
      predictedMean: b.customers > 0 ? b.predicted / b.customers : 0,
      actualMean: b.customers > 0 ? b.actual / b.customers : 0,
    })),
  };
}
