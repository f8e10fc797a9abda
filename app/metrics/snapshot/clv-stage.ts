/**
 * The pipeline's CLV stage (model choice on the holdout sample, the fits on every customer,
 * predictions, churn scenarios, intervals) and the holdout card. Kept apart from
 * pipeline.ts so that the CLV thread (./clv-thread.ts) loads only the CLV engine: it reads
 * nothing of the purchase history but its first day and the RFM segments (for the intervals
 * per segment), so it can run beside the descriptive stage (docs/decisions/0073-clv-thread.md).
 * The sequential build (pipeline.ts) calls the same functions: one definition of the stage.
 */
import { ORDER_CANCELLED, ORDER_TEST } from "../../analytics/types";
import {
  answerScenarioJobs,
  chooseClvModel,
  DEFAULT_MIN_REPEAT_CUSTOMERS,
  fitClvModelSteps,
  PURCHASE_MODELS,
  summarizeCustomers,
  validateHoldoutSummary,
  type ClvModels,
  type DayOf,
  type InsufficientData,
  type ScenarioJob,
  type ScenarioJobResult,
  type SummaryOrders,
} from "../../analytics/clv";
import { createCalendar } from "../../analytics/time";
import type { ClvInput } from "./clv-input";
import type { ChoiceOutcome, ClvStage, HoldoutOutcome } from "./stages";

/** Churn reductions of the retention scenario, percentage points of drop-out probability. */
export const SCENARIO_POINTS = [1, 2, 5] as const;
/** Shortest holdout window worth reporting, days. */
export const MIN_HOLDOUT_DAYS = 28;
const MAX_HOLDOUT_DAYS = 182;
/**
 * Above this many customers the holdout check runs on every k-th customer: its refit and
 * per-customer forecasts would otherwise cost more than the model itself, and 200,000
 * customers measure the error as well as a million.
 */
export const HOLDOUT_SAMPLE_CUSTOMERS = 200_000;
/** Parameter draws behind the predictions' intervals; fixed so a recompute gives the same ranges. */
export const INTERVAL_SEED = 2026;

/**
 * What the CLV stage reads: the CLV thread's input (the orders' summary columns and a few of
 * the shop's figures) with the shop's calendar in place of its zone.
 */
export interface ClvContext extends Omit<ClvInput, "timeZone"> {
  /** The data cut-off's shop-local day (asOf is epoch ms). */
  readonly asOfDay: number;
  readonly dayOf: DayOf;
  /** The purchase history's first day (PurchaseHistory.minDay; NaN without orders). */
  readonly minDay: number;
}

/** Each customer's group of the predictions' intervals: group k is segment rule k. */
export interface SegmentGroups {
  readonly groupOf: Uint8Array;
  readonly groupCount: number;
}

const DAY_MS = 86_400_000;
/** Three days: more than a day plus the widest swing between two UTC offsets (±15 h). */
const MIN_DAY_WINDOW_MS = 3 * DAY_MS;

/**
 * The first local day of any order the purchase history reads (buildPurchaseHistory's
 * minDay: every order neither cancelled nor test, guests included), NaN without one — without
 * building the history. Only orders within three days of the earliest instant are converted:
 * a local day is floor((t + offset) / 1 day) with offsets within ±15 h, so an order three or
 * more days later falls on a later local day than the earliest order does.
 */
export function ordersMinDay(orders: SummaryOrders, dayOf: DayOf): number {
  const { processedAt, flags } = orders;
  const skip = ORDER_CANCELLED | ORDER_TEST;
  let first = Infinity;
  for (let i = 0; i < orders.length; i++) {
    const at = processedAt[i];
    if ((flags[i] & skip) === 0 && at < first) first = at;
  }
  if (first === Infinity) return NaN;
  let minDay = Infinity;
  const until = first + MIN_DAY_WINDOW_MS;
  for (let i = 0; i < orders.length; i++) {
    const at = processedAt[i];
    if ((flags[i] & skip) !== 0 || !(at < until)) continue;
    const day = dayOf(at);
    if (day < minDay) minDay = day;
  }
  return minDay;
}

/** Holdout length: a third of the history, at most 26 weeks; or why there is none. */
function holdoutWindow(ctx: ClvContext): { days: number } | { reason: string } {
  const { minDay, asOfDay } = ctx;
  const span = Number.isFinite(minDay) ? asOfDay - minDay : 0;
  // A third of the history, at most 26 weeks: calibration keeps at least two thirds.
  const days = Math.min(MAX_HOLDOUT_DAYS, Math.floor(span / 3));
  if (days < MIN_HOLDOUT_DAYS) {
    return {
      reason: `${span} days of orders; the holdout check needs at least ${3 * MIN_HOLDOUT_DAYS}`,
    };
  }
  return { days };
}

/** The orders of every k-th customer (guests dropped), re-indexed 0, 1, 2, … */
export function everyKthCustomer(orders: SummaryOrders, k: number): SummaryOrders {
  let n = 0;
  for (let i = 0; i < orders.length; i++) {
    if (orders.customer[i] >= 0 && orders.customer[i] % k === 0) n++;
  }
  const out = {
    length: n,
    customer: new Int32Array(n),
    processedAt: new Float64Array(n),
    netMinor: new Float64Array(n),
    flags: new Uint8Array(n),
  };
  for (let i = 0, j = 0; i < orders.length; i++) {
    const c = orders.customer[i];
    if (c < 0 || c % k !== 0) continue;
    out.customer[j] = c / k;
    out.processedAt[j] = orders.processedAt[i];
    out.netMinor[j] = orders.netMinor[i];
    out.flags[j] = orders.flags[i];
    j++;
  }
  return out;
}

/** Every k-th customer for the holdout checks: at most `holdoutSampleCustomers`. */
function holdoutSample(ctx: ClvContext): {
  orders: SummaryOrders;
  every: number;
  customers: number;
} {
  const count = ctx.customerCount;
  const cap = ctx.holdoutSampleCustomers ?? HOLDOUT_SAMPLE_CUSTOMERS;
  const every = Math.max(1, Math.ceil(count / cap));
  return {
    orders: every === 1 ? ctx.orders : everyKthCustomer(ctx.orders, every),
    every,
    customers: Math.ceil(count / every),
  };
}

/**
 * The purchase model's choice (analytics/clv/choice.ts): BG/NBD, MBG/NBD and Pareto/NBD
 * fitted on the calibration part of the holdout sample, chosen by holdout RMSE among the
 * converged fits (docs/decisions: clv-model-in-compute).
 */
export function runChoice(ctx: ClvContext): ChoiceOutcome {
  const window = holdoutWindow(ctx);
  if ("reason" in window) {
    return { status: "insufficient-data", code: "short-history", reason: window.reason };
  }
  const sample = holdoutSample(ctx);
  try {
    const summary = summarizeCustomers(sample.orders, {
      asOf: ctx.asOf,
      dayOf: ctx.dayOf,
      customerCount: sample.customers,
      holdoutDays: window.days,
    });
    const choice = chooseClvModel(summary, window.days, { models: ctx.purchaseModels });
    return { status: "ok", choice, sampleEvery: sample.every, summary };
  } catch (error) {
    return {
      status: "insufficient-data",
      code: "no-fit",
      reason: `The model comparison failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

const nanArray = (n: number): Float64Array => new Float64Array(n).fill(NaN);

/**
 * The fits on every customer with the chosen purchase model, their per-customer predictions
 * (NaN where the model has no value), the churn scenarios and the intervals per segment group.
 */
export function runClv(ctx: ClvContext, choice: ChoiceOutcome, groups: SegmentGroups): ClvStage {
  return answerScenarioJobs(clvSteps(ctx, choice, groups));
}

/**
 * runClv as steps (fitClvModelSteps): yields the churn scenarios' job once the purchase model
 * is fitted (go on with next()), then "scenarios" when it needs the job's result (pass it to
 * next()), so that another thread can compute it meanwhile (the CLV thread hands it to the
 * compute thread, docs/decisions/0073-clv-thread.md, Balance).
 */
export function* clvSteps(
  ctx: ClvContext,
  choice: ChoiceOutcome,
  groups: SegmentGroups,
): Generator<ScenarioJob | "scenarios", ClvStage, ScenarioJobResult | undefined> {
  const n = ctx.customerCount;
  const pAlive = nanArray(n);
  const expected90 = nanArray(n);
  const clv = nanArray(n);
  const purchaseModel =
    choice.status === "ok" && choice.choice.chosen !== null ? choice.choice.chosen : "bgnbd";
  let models: ClvModels | InsufficientData;
  try {
    models = yield* fitClvModelSteps(ctx.orders, {
      purchaseModel,
      asOf: ctx.asOf,
      dayOf: ctx.dayOf,
      customerCount: n,
      horizonMonths: ctx.settings.clvHorizonMonths,
      annualDiscountRate: ctx.settings.annualDiscountRate,
      scenarios: SCENARIO_POINTS,
      intervals: { ...groups, seed: INTERVAL_SEED },
    });
  } catch (error) {
    // A numerical failure must not cost the shop its descriptive numbers.
    models = {
      status: "insufficient-data",
      reason: `The model could not be fitted: ${error instanceof Error ? error.message : String(error)}`,
      customers: n,
      repeatCustomers: 0,
      requiredRepeatCustomers: DEFAULT_MIN_REPEAT_CUSTOMERS,
    };
  }
  if (models.status === "ok") {
    const p = models.predictions.perCustomer;
    for (let c = 0; c < n; c++) {
      if (p.included[c] === 0) continue;
      pAlive[c] = p.pAlive[c];
      expected90[c] = p.expectedPurchases90[c];
      clv[c] = p.clv[c];
    }
  }
  return { models, choice, pAlive, expected90, clv };
}

/**
 * The holdout card: the model the predictions use, checked on the choice's sample with the
 * choice's calibration fit (no second fit), or why there is no check (short history, too few
 * repeat buyers before the holdout, or no fit), with a code the page words.
 */
export function runHoldout(clv: ClvStage): HoldoutOutcome {
  if (clv.models.status !== "ok") {
    return { status: "insufficient-data", reason: clv.models.reason };
  }
  const choice = clv.choice;
  if (choice.status !== "ok") {
    return { status: "insufficient-data", code: choice.code, reason: choice.reason };
  }
  const used = clv.models.purchase.model;
  const assessed = choice.choice.models.find((m) => m.model === used);
  const quality = assessed?.quality;
  if (quality?.status === "too-little-data") {
    return {
      status: "insufficient-data",
      code: "too-few-repeat-buyers",
      reason: quality.reason,
      repeatCustomers: quality.repeatCustomers,
      requiredRepeatCustomers: quality.requiredRepeatCustomers,
    };
  }
  if (assessed === undefined || assessed.fit === null) {
    return {
      status: "insufficient-data",
      code: "no-fit",
      reason: quality?.reason ?? `${clv.models.purchase.label} was not fitted on the holdout`,
    };
  }
  try {
    const result = validateHoldoutSummary(choice.summary, choice.choice.holdoutDays, {
      model: PURCHASE_MODELS.find((m) => m.name === used),
      fit: assessed.fit,
    });
    if (result.status === "ok") return { ...result, sampleEvery: choice.sampleEvery };
    return {
      status: "insufficient-data",
      code: "too-few-repeat-buyers",
      reason: result.reason,
      repeatCustomers: result.repeatCustomers,
      requiredRepeatCustomers: result.requiredRepeatCustomers,
    };
  } catch (error) {
    return {
      status: "insufficient-data",
      code: "no-fit",
      reason: `The holdout check failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** The stage's context on its own thread: the shop's calendar and the history's first day. */
export function clvContextOf({ timeZone, ...input }: ClvInput): ClvContext {
  const { dayOf } = createCalendar(timeZone);
  return { ...input, asOfDay: dayOf(input.asOf), dayOf, minDay: ordersMinDay(input.orders, dayOf) };
}

/** The CLV and holdout stages' results, as the build's assembly reads them. */
export interface ClvDone {
  readonly clv: ClvStage;
  readonly holdout: HoldoutOutcome;
  /** Milliseconds of the two stages (the clv stage's wait for the segment groups excluded). */
  readonly clvMs: number;
  readonly holdoutMs: number;
}

const NO_PREDICTIONS = {
  included: new Uint8Array(0),
  pAlive: new Float64Array(0),
  expectedPurchases30: new Float64Array(0),
  expectedPurchases90: new Float64Array(0),
  expectedPurchases365: new Float64Array(0),
  expectedAov: new Float64Array(0),
  clv: new Float64Array(0),
};

/**
 * The result without what the assembly never reads and would cost a copy: the fits'
 * per-customer predictions (runClv has already taken P(alive), the 90-day expectation and CLV
 * out of them) and the holdout sample's summary (read by runHoldout only).
 */
export function clvDoneToSend(done: ClvDone): ClvDone {
  const { clv } = done;
  const models =
    clv.models.status === "ok"
      ? {
          ...clv.models,
          predictions: { ...clv.models.predictions, perCustomer: NO_PREDICTIONS },
        }
      : clv.models;
  return { ...done, clv: { ...clv, models } };
}
