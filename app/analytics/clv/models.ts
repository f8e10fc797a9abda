/**
 * The three purchase/drop-out models behind one interface, so a caller (the model choice, and
 * later the shop's CLV compute) can swap them: BG/NBD (Fader, Hardie & Lee 2005), MBG/NBD
 * (Batislam et al. 2007) and Pareto/NBD (Schmittlein et al. 1987). Each takes the same
 * (x, t_x, T) rows and answers the same per-customer questions.
 */

import {
  bgnbdConditionalExpected,
  bgnbdExpectedPerAlive,
  bgnbdLogLikelihood,
  bgnbdPAlive,
  bgnbdUnconditionalExpected,
  fitBgNbd,
  type BgNbdParams,
  type ConvergenceInfo,
} from "./bgnbd";
import {
  fitMbgNbd,
  mbgnbdConditionalExpected,
  mbgnbdExpectedPerAlive,
  mbgnbdLogLikelihood,
  mbgnbdPAlive,
  mbgnbdUnconditionalExpected,
} from "./mbgnbd";
import {
  fitParetoNbd,
  paretoNbdConditionalExpected,
  paretoNbdExpectedPerAlive,
  paretoNbdLogLikelihood,
  paretoNbdPAlive,
  paretoNbdPAliveRows,
  paretoNbdUnconditionalExpected,
  type ParetoNbdParams,
} from "./paretonbd";
import type { Unidentified } from "./status";
import type { FrequencyData } from "./summary";

export type PurchaseModelName = "bgnbd" | "mbgnbd" | "pareto-nbd";

export interface PurchaseModelFit<P> {
  readonly params: P;
  readonly standardErrors: P | null;
  /** Cov(ln θ) row-major in the order of `params`' keys; null without standard errors. */
  readonly logCovariance: readonly number[] | null;
  readonly logLikelihood: number;
  readonly customers: number;
  readonly penalizer: number;
  readonly convergence: ConvergenceInfo;
  /** Set when the fit stopped at a limit of the model (Pareto/NBD's s, β → ∞): why. */
  readonly limit?: Unidentified | null;
}

export interface PurchaseModelFitOptions {
  readonly penalizer?: number;
  readonly warmStart?: boolean;
}

export interface PurchaseModel<P extends object> {
  readonly name: PurchaseModelName;
  /** Display name, e.g. "BG/NBD". */
  readonly label: string;
  /** Display name of each parameter, in the order the fit-quality check reads them. */
  readonly parameterNames: Readonly<Record<keyof P & string, string>>;
  /**
   * True when the model fixes P(alive) = 1 for a customer without a repeat purchase (BG/NBD:
   * drop-out only happens after a repeat purchase). Pages must say so next to such values.
   */
  readonly oneTimeBuyersSurelyAlive: boolean;
  fit(data: FrequencyData, options?: PurchaseModelFitOptions): PurchaseModelFit<P>;
  logLikelihood(params: P, data: FrequencyData): number;
  pAlive(params: P, x: number, tx: number, T: number): number;
  /** P(alive) of every row of `data`, sharing work between rows where the model allows. */
  pAliveRows(params: P, data: FrequencyData): Float64Array;
  /** E[Y(t) | alive at T, x]: multiply by P(alive) for the conditional expectation. */
  expectedPerAlive(params: P, t: number, x: number, T: number): number;
  conditionalExpected(params: P, t: number, x: number, tx: number, T: number): number;
  unconditionalExpected(params: P, t: number): number;
}

function rowsOf(
  data: FrequencyData,
  f: (x: number, tx: number, T: number) => number,
): Float64Array {
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = f(data.x[i], data.tx[i], data.T[i]);
  return out;
}

export const BGNBD_MODEL: PurchaseModel<BgNbdParams> = {
  name: "bgnbd",
  label: "BG/NBD",
  parameterNames: { r: "r", alpha: "α", a: "a", b: "b" },
  oneTimeBuyersSurelyAlive: true,
  fit: fitBgNbd,
  logLikelihood: bgnbdLogLikelihood,
  pAlive: bgnbdPAlive,
  pAliveRows: (params, data) => rowsOf(data, (x, tx, T) => bgnbdPAlive(params, x, tx, T)),
  expectedPerAlive: bgnbdExpectedPerAlive,
  conditionalExpected: bgnbdConditionalExpected,
  unconditionalExpected: bgnbdUnconditionalExpected,
};

export const MBGNBD_MODEL: PurchaseModel<BgNbdParams> = {
  name: "mbgnbd",
  label: "MBG/NBD",
  parameterNames: { r: "r", alpha: "α", a: "a", b: "b" },
  oneTimeBuyersSurelyAlive: false,
  fit: fitMbgNbd,
  logLikelihood: mbgnbdLogLikelihood,
  pAlive: mbgnbdPAlive,
  pAliveRows: (params, data) => rowsOf(data, (x, tx, T) => mbgnbdPAlive(params, x, tx, T)),
  expectedPerAlive: mbgnbdExpectedPerAlive,
  conditionalExpected: mbgnbdConditionalExpected,
  unconditionalExpected: mbgnbdUnconditionalExpected,
};

export const PARETO_NBD_MODEL: PurchaseModel<ParetoNbdParams> = {
  name: "pareto-nbd",
  label: "Pareto/NBD",
  parameterNames: { r: "r", alpha: "α", s: "s", beta: "β" },
  oneTimeBuyersSurelyAlive: false,
  fit: fitParetoNbd,
  logLikelihood: paretoNbdLogLikelihood,
  pAlive: paretoNbdPAlive,
  pAliveRows: paretoNbdPAliveRows,
  expectedPerAlive: paretoNbdExpectedPerAlive,
  conditionalExpected: paretoNbdConditionalExpected,
  unconditionalExpected: paretoNbdUnconditionalExpected,
};

/** A model of any parameterisation (use `model.name` to tell them apart). */
export type AnyPurchaseModel = PurchaseModel<BgNbdParams> | PurchaseModel<ParetoNbdParams>;

/** The models in the order the choice prefers them on equal holdout error (simplest first). */
export const PURCHASE_MODELS: readonly AnyPurchaseModel[] = [
  BGNBD_MODEL,
  MBGNBD_MODEL,
  PARETO_NBD_MODEL,
];
