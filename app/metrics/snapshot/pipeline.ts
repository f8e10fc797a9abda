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
  type RfmResult,
} from "../../analytics";
import { acquisitionStage } from "./acquisition-block";
import { cohortCutsStage } from "./cohort-cuts-block";
import { assemble } from "./assemble";
import {
  runChoice,
  runClv,
  runHoldout,
  type ClvContext,
  type ClvDone,
  type SegmentGroups,
} from "./clv-stage";
import type { Context, Descriptive, SnapshotBuild, SnapshotInput, SnapshotStage } from "./stages";
import { trendsBlock } from "./trends-block";

export {
  everyKthCustomer,
  HOLDOUT_SAMPLE_CUSTOMERS,
  INTERVAL_SEED,
  MIN_HOLDOUT_DAYS,
  SCENARIO_POINTS,
} from "./clv-stage";

/** Columns of the cohort table (months since the first purchase). */
export const MAX_COHORT_MONTHS = 60;

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

/** The RFM scores and segments: the descriptive stage's first result, the CLV stage's groups. */
function runRfm(ctx: Context): RfmResult {
  const { history, asOfDay, input, rules } = ctx;
  return computeRfm(history, { asOfDay, rules, minCustomers: input.settings.minSegmentCustomers });
}

function runDescriptive(ctx: Context, rfm: RfmResult): Descriptive {
  const { history, asOfDay, last12, input, rules } = ctx;
  const { settings } = input;
  const minCustomers = settings.minSegmentCustomers;
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

/** Intervals per segment: group k is rule k, customers without a segment the last group. */
function segmentGroups(ctx: Context, rfm: RfmResult): SegmentGroups {
  const none = ctx.rules.length;
  const groupOf = new Uint8Array(rfm.segment.length);
  for (let c = 0; c < groupOf.length; c++) {
    const s = rfm.segment[c];
    groupOf[c] = s === NO_SEGMENT || s >= none ? none : s;
  }
  return { groupOf, groupCount: none + 1 };
}

/** The CLV stage's view of the build (the history's first day; the orders as loaded). */
function clvContext(ctx: Context): ClvContext {
  const { input } = ctx;
  return {
    orders: input.orders,
    customerCount: input.customers.count,
    asOf: input.asOf,
    asOfDay: ctx.asOfDay,
    dayOf: ctx.calendar.dayOf,
    minDay: ctx.history.minDay,
    settings: input.settings,
    holdoutSampleCustomers: input.holdoutSampleCustomers,
    purchaseModels: input.purchaseModels,
  };
}

/** Keeps the CPU busy for `ms` (SnapshotInput.stageBusyMs). */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

function stopwatch(): {
  timings: Record<SnapshotStage, number>;
  lap(stage: SnapshotStage): void;
  restart(): void;
} {
  const timings: Record<SnapshotStage, number> = {
    history: 0,
    descriptive: 0,
    clv: 0,
    holdout: 0,
    assemble: 0,
  };
  let t = performance.now();
  return {
    timings,
    lap(stage) {
      const now = performance.now();
      timings[stage] = now - t;
      t = now;
    },
    restart() {
      t = performance.now();
    },
  };
}

/**
 * The build as steps: yields after each stage so an async caller can report progress (and
 * let its event loop breathe) between them; buildShopSnapshot runs them all.
 */
export function* snapshotSteps(input: SnapshotInput): Generator<SnapshotStage, SnapshotBuild> {
  const { timings, lap } = stopwatch();
  const ctx = prepare(input);
  if (input.stageBusyMs) busy(input.stageBusyMs);
  lap("history");
  yield "history";
  const rfm = runRfm(ctx);
  const descriptive = runDescriptive(ctx, rfm);
  lap("descriptive");
  yield "descriptive";
  const clvCtx = clvContext(ctx);
  const clv = runClv(clvCtx, runChoice(clvCtx), segmentGroups(ctx, rfm));
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

/**
 * What the build without its CLV stage yields (descriptiveSteps): a stage done, the segment
 * groups the CLV stage waits for (as soon as the RFM segments exist), or "clv" when it needs
 * the CLV stage's result to go on (pass it to the generator's next()).
 */
export type DescriptiveStep =
  "history" | "descriptive" | { readonly groups: SegmentGroups } | "clv";

/**
 * The build with its CLV stage run elsewhere (the CLV thread, ./clv-thread.ts, from
 * clvInputOf(input)): history and descriptive stages, then, given the CLV and holdout stages'
 * result, the snapshot. The same stages as snapshotSteps in the same order on this side, so
 * the same snapshot and per-customer results.
 */
export function* descriptiveSteps(
  input: SnapshotInput,
): Generator<DescriptiveStep, SnapshotBuild, ClvDone | undefined> {
  const { timings, lap, restart } = stopwatch();
  const ctx = prepare(input);
  if (input.stageBusyMs) busy(input.stageBusyMs);
  lap("history");
  yield "history";
  const rfm = runRfm(ctx);
  yield { groups: segmentGroups(ctx, rfm) };
  const descriptive = runDescriptive(ctx, rfm);
  lap("descriptive");
  yield "descriptive";
  const done = yield "clv";
  if (done === undefined) throw new Error("the build goes on only with the CLV stage's result");
  restart();
  timings.clv = done.clvMs;
  timings.holdout = done.holdoutMs;
  const built = assemble(ctx, descriptive, done.clv, done.holdout);
  lap("assemble");
  const scenariosMs = done.clv.models.status === "ok" ? done.clv.models.timingsMs.scenarios : 0;
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
