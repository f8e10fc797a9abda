/**
 * The snapshot pipeline: from a shop's loaded tables to the stored snapshot and the
 * per-customer results, in stages (history → descriptive → clv → holdout → assemble). Pure:
 * plain data in, plain data out; the database side is in ../results.server.ts and
 * ../compute.server.ts. The JSON shape is types.ts; each page's block is built in *-block.ts.
 *
 * Periods (shop-local days, asOfDay = the local day of `asOf`, included):
 * - "last 12 months": the 12 calendar months ending with asOfDay (trailingMonths in
 *   analytics/time.ts: from the day after the same date a year earlier) — repeat rate, NPS,
 *   Pareto, YoY retention (against the 12 months before); segment migration from the as-of
 *   day a year earlier (monthsBeforeDay).
 * - F2 / second-delivery survival: first purchases in the 12 months that ended `window` days
 *   before asOfDay, so every customer in the base has had the full window.
 * - Monthly churn: the last 12 complete calendar months, pooled.
 * - RFM, cohorts, continuation, historical LTV: all history up to asOfDay.
 * - CAC card: spend of the 12 calendar months up to asOf's month; the CAC table: every month.
 * - Acquisition and entry products: every acquisition month up to asOfDay, F2 window
 *   f2WindowDays (acquisition-block.ts).
 * Money is minor units of `currency`: sums are whole numbers, averages are left unrounded.
 */
import {
  buildPurchaseHistory,
  cacByMonth,
  cohortRetention,
  computeRfm,
  continuationByCohort,
  createCalendar,
  DEFAULT_SEGMENT_RULES,
  f2Conversion,
  historicalLtvCurve,
  monthlyChurn,
  monthlyChurnFromSeries,
  monthOfDay,
  monthsBeforeDay,
  nps,
  npsByCohort,
  npsBySegment,
  pareto,
  parseMonth,
  repeatRate,
  rfmGrid,
  secondPurchaseSurvival,
  segmentMigration,
  trailingMonths,
  yoyMigration,
  NO_SEGMENT,
  type DayRange,
  type OrderTable,
  type RfmResult,
} from "../../analytics";
import {
  chooseClvModel,
  DEFAULT_MIN_REPEAT_CUSTOMERS,
  fitClvModels,
  PURCHASE_MODELS,
  summarizeCustomers,
  validateHoldoutSummary,
  type ClvModels,
  type InsufficientData,
} from "../../analytics/clv";
import { acquisitionStage } from "./acquisition-block";
import { cohortCutsStage } from "./cohort-cuts-block";
import { assemble } from "./assemble";
import type {
  ChoiceOutcome,
  ClvStage,
  Context,
  Descriptive,
  HoldoutOutcome,
  SnapshotBuild,
  SnapshotInput,
  SnapshotStage,
} from "./stages";
import { trendsBlock } from "./trends-block";

/** Churn reductions of the retention scenario, percentage points of drop-out probability. */
export const SCENARIO_POINTS = [1, 2, 5] as const;
/** Columns of the cohort table (months since the first purchase). */
export const MAX_COHORT_MONTHS = 60;
/** Shortest holdout window worth reporting, days. */
export const MIN_HOLDOUT_DAYS = 28;
const MAX_HOLDOUT_DAYS = 182;
/**
 * Above this many customers the holdout check runs on every k-th customer: its refit and
 * per-customer forecasts would otherwise cost more than the model itself, and 200,000
 * customers measure the error as well as a million.
 */
export const HOLDOUT_SAMPLE_CUSTOMERS = 200_000;

function prepare(input: SnapshotInput): Context {
  const calendar = createCalendar(input.timeZone);
  const history = buildPurchaseHistory(input.orders, input.customers, calendar);
  const asOfDay = calendar.dayOf(input.asOf);
  const rules = input.settings.segmentRules ?? DEFAULT_SEGMENT_RULES;
  return {
    input,
    calendar,
    history,
    asOfDay,
    last12: trailingMonths(asOfDay, 12),
    rules,
  };
}

/** First purchases in the 12 months that ended `windowDays` before asOfDay (all mature). */
function matureCohort(asOfDay: number, windowDays: number): DayRange {
  return trailingMonths(asOfDay - windowDays, 12);
}

function runDescriptive(ctx: Context): Descriptive {
  const { history, asOfDay, last12, input, rules } = ctx;
  const { settings } = input;
  const minCustomers = settings.minSegmentCustomers;
  const rfm = computeRfm(history, { asOfDay, rules, minCustomers });
  const cohorts = cohortRetention(history, { asOfDay, maxMonths: MAX_COHORT_MONTHS });
  const asOfMonth = monthOfDay(asOfDay);
  const last12Spend = input.marketingSpend.filter((s) => {
    const month = parseMonth(s.month);
    return month > asOfMonth - 12 && month <= asOfMonth;
  });
  const channels = input.channels === undefined ? {} : { channels: input.channels };
  const yoy = yoyMigration(history, last12);
  const acquisition = acquisitionStage(ctx);
  const moves = segmentMigration(history, {
    fromAsOfDay: monthsBeforeDay(asOfDay, 12),
    toAsOfDay: asOfDay,
    rules,
    minCustomers,
    toRfm: rfm,
  });
  const trends = trendsBlock(history, { ...input, asOfDay, cohorts, currentYoy: yoy });
  // The churn card's 12 complete months are months of the KPI history: read from its series
  // (the same counts), else counted here.
  const churnOptions = {
    fromMonth: asOfMonth - 12,
    toMonth: asOfMonth - 1,
    asOfDay,
    inactivityDays: settings.churnInactivityDays,
  };
  const churnSeries = trends.series.find((s) => s.id === "monthly_churn_rate");
  const churn =
    (churnSeries && monthlyChurnFromSeries(churnSeries, churnOptions)) ??
    monthlyChurn(history, churnOptions);
  return {
    rfm,
    grid: rfmGrid(rfm),
    cohorts,
    ltvCurve: historicalLtvCurve(cohorts),
    repeat: repeatRate(history, last12),
    f2: f2Conversion(history, {
      cohort: matureCohort(asOfDay, settings.f2WindowDays),
      asOfDay,
      windowDays: settings.f2WindowDays,
    }),
    secondDelivery: secondPurchaseSurvival(history, {
      cohort: matureCohort(asOfDay, settings.subscriptionWindowDays),
      asOfDay,
      windowDays: settings.subscriptionWindowDays,
    }),
    churn,
    yoy,
    segmentMigration: moves,
    continuation: continuationByCohort(history, { asOfDay }),
    subscription: continuationByCohort(history, {
      asOfDay,
      subscriptionOnly: true,
      maxPurchases: 24,
    }),
    pareto: pareto(history, { period: last12 }),
    npsLast12: nps(input.npsResponses, ctx.calendar, last12),
    npsAllTime: nps(input.npsResponses, ctx.calendar),
    npsBySegment: npsBySegment(input.npsResponses, ctx.calendar, rfm, last12),
    npsByCohort: npsByCohort(input.npsResponses, history, last12),
    cacAll: cacByMonth(history, input.marketingSpend, channels),
    cacLast12: cacByMonth(history, last12Spend, channels),
    trends,
    acquisition,
    cohortCuts: cohortCutsStage(ctx, acquisition, { current: last12, segments: moves }),
  };
}

const nanArray = (n: number): Float64Array => new Float64Array(n).fill(NaN);

/** Holdout length: a third of the history, at most 26 weeks; or why there is none. */
function holdoutWindow(ctx: Context): { days: number } | { reason: string } {
  const { history, asOfDay } = ctx;
  const span = Number.isFinite(history.minDay) ? asOfDay - history.minDay : 0;
  // A third of the history, at most 26 weeks: calibration keeps at least two thirds.
  const days = Math.min(MAX_HOLDOUT_DAYS, Math.floor(span / 3));
  if (days < MIN_HOLDOUT_DAYS) {
    return {
      reason: `${span} days of orders; the holdout check needs at least ${3 * MIN_HOLDOUT_DAYS}`,
    };
  }
  return { days };
}

/** Every k-th customer for the holdout checks: at most `holdoutSampleCustomers`. */
function holdoutSample(ctx: Context): { orders: OrderTable; every: number; customers: number } {
  const { input } = ctx;
  const count = input.customers.count;
  const cap = input.holdoutSampleCustomers ?? HOLDOUT_SAMPLE_CUSTOMERS;
  const every = Math.max(1, Math.ceil(count / cap));
  return {
    orders: every === 1 ? input.orders : everyKthCustomer(input.orders, every),
    every,
    customers: Math.ceil(count / every),
  };
}

/**
 * The purchase model's choice (analytics/clv/choice.ts): BG/NBD, MBG/NBD and Pareto/NBD
 * fitted on the calibration part of the holdout sample, chosen by holdout RMSE among the
 * converged fits (docs/decisions: clv-model-in-compute).
 */
function runChoice(ctx: Context): ChoiceOutcome {
  const window = holdoutWindow(ctx);
  if ("reason" in window) {
    return { status: "insufficient-data", code: "short-history", reason: window.reason };
  }
  const sample = holdoutSample(ctx);
  try {
    const summary = summarizeCustomers(sample.orders, {
      asOf: ctx.input.asOf,
      dayOf: ctx.calendar.dayOf,
      customerCount: sample.customers,
      holdoutDays: window.days,
    });
    const choice = chooseClvModel(summary, window.days, { models: ctx.input.purchaseModels });
    return { status: "ok", choice, sampleEvery: sample.every, summary };
  } catch (error) {
    return {
      status: "insufficient-data",
      code: "no-fit",
      reason: `The model comparison failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** Parameter draws behind the predictions' intervals; fixed so a recompute gives the same ranges. */
export const INTERVAL_SEED = 2026;

/** Intervals per segment: group k is rule k, customers without a segment the last group. */
function segmentGroups(ctx: Context, rfm: RfmResult): { groupOf: Uint8Array; groupCount: number } {
  const none = ctx.rules.length;
  const groupOf = new Uint8Array(rfm.segment.length);
  for (let c = 0; c < groupOf.length; c++) {
    const s = rfm.segment[c];
    groupOf[c] = s === NO_SEGMENT || s >= none ? none : s;
  }
  return { groupOf, groupCount: none + 1 };
}

function runClv(ctx: Context, rfm: RfmResult): ClvStage {
  const { input, calendar } = ctx;
  const n = input.customers.count;
  const pAlive = nanArray(n);
  const expected90 = nanArray(n);
  const clv = nanArray(n);
  const choice = runChoice(ctx);
  const purchaseModel =
    choice.status === "ok" && choice.choice.chosen !== null ? choice.choice.chosen : "bgnbd";
  let models: ClvModels | InsufficientData;
  try {
    models = fitClvModels(input.orders, {
      purchaseModel,
      asOf: input.asOf,
      dayOf: calendar.dayOf,
      customerCount: n,
      horizonMonths: input.settings.clvHorizonMonths,
      annualDiscountRate: input.settings.annualDiscountRate,
      scenarios: SCENARIO_POINTS,
      intervals: { ...segmentGroups(ctx, rfm), seed: INTERVAL_SEED },
    });
  } catch (error) {
    // A numerical failure must not cost the shop its descriptive numbers.
    models = {
      status: "insufficient-data",
      reason: `The model could not be fitted: ${error instanceof Error ? error.message : String(error)}`,
      customers: ctx.history.customerCount,
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

/** The orders of every k-th customer (guests dropped), re-indexed 0, 1, 2, … */
export function everyKthCustomer(orders: OrderTable, k: number): OrderTable {
  let n = 0;
  for (let i = 0; i < orders.length; i++) {
    if (orders.customer[i] >= 0 && orders.customer[i] % k === 0) n++;
  }
  const out = {
    length: n,
    customer: new Int32Array(n),
    processedAt: new Float64Array(n),
    grossMinor: new Float64Array(n),
    netMinor: new Float64Array(n),
    flags: new Uint8Array(n),
  };
  for (let i = 0, j = 0; i < orders.length; i++) {
    const c = orders.customer[i];
    if (c < 0 || c % k !== 0) continue;
    out.customer[j] = c / k;
    out.processedAt[j] = orders.processedAt[i];
    out.grossMinor[j] = orders.grossMinor[i];
    out.netMinor[j] = orders.netMinor[i];
    out.flags[j] = orders.flags[i];
    j++;
  }
  return out;
}

/**
 * The holdout card: the model the predictions use, checked on the choice's sample with the
 * choice's calibration fit (no second fit), or why there is no check (short history, too few
 * repeat buyers before the holdout, or no fit), with a code the page words.
 */
function runHoldout(clv: ClvStage): HoldoutOutcome {
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

/** Keeps the CPU busy for `ms` (SnapshotInput.stageBusyMs). */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/**
 * The build as steps: yields after each stage so an async caller can report progress (and
 * let its event loop breathe) between them; buildShopSnapshot runs them all.
 */
export function* snapshotSteps(input: SnapshotInput): Generator<SnapshotStage, SnapshotBuild> {
  const timings: Record<SnapshotStage, number> = {
    history: 0,
    descriptive: 0,
    clv: 0,
    holdout: 0,
    assemble: 0,
  };
  let t = performance.now();
  const lap = (stage: SnapshotStage): void => {
    const now = performance.now();
    timings[stage] = now - t;
    t = now;
  };
  const ctx = prepare(input);
  if (input.stageBusyMs) busy(input.stageBusyMs);
  lap("history");
  yield "history";
  const descriptive = runDescriptive(ctx);
  lap("descriptive");
  yield "descriptive";
  const clv = runClv(ctx, descriptive.rfm);
  lap("clv");
  yield "clv";
  const holdout = runHoldout(clv);
  lap("holdout");
  yield "holdout";
  const built = assemble(ctx, descriptive, clv, holdout);
  lap("assemble");
  const scenariosMs = clv.models.status === "ok" ? clv.models.timingsMs.scenarios : 0;
  return { ...built, timingsMs: timings, scenariosMs };
}

/** Builds the snapshot and the per-customer results in one synchronous call. */
export function buildShopSnapshot(input: SnapshotInput): SnapshotBuild {
  const steps = snapshotSteps(input);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
