/**
 * Calibration/holdout validation, as merchants see it: fit BG/NBD on all but the last h days,
 * predict each customer's repeat purchases in those h days (FHL 2005 eq. 10) and compare with
 * what they actually bought.
 */

import type { OrderTable } from "../types";
import { bgnbdConditionalExpected, fitBgNbd, type BgNbdFit } from "./bgnbd";
import { DEFAULT_MIN_REPEAT_CUSTOMERS, type InsufficientData } from "./status";
import {
  compressSummary,
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
  readonly fit: BgNbdFit;
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

/** Holdout validation from a summary built with `holdoutDays`. */
export function validateHoldoutSummary(
  summary: CustomerSummary,
  holdoutDays: number,
  options: { readonly penalizer?: number; readonly minRepeatCustomers?: number } = {},
): HoldoutValidation | InsufficientData {
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
  const fit = fitBgNbd(compressSummary(summary), { penalizer: options.penalizer });
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
  for (let i = 0; i < summary.customerCount; i++) {
    if (summary.included[i] === 0) continue;
    const x = summary.x[i];
    const T = summary.T[i];
    const predicted = bgnbdConditionalExpected(fit.params, horizon, x, summary.tx[i], T);
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
    fit,
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
