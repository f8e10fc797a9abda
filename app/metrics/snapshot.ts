/**
 * The shop snapshot: every number the pages show, computed once per recompute from a shop's
 * loaded tables and stored as JSON (MetricSnapshot.data), so loaders only read. Pure: plain
 * data in, plain data out; the database side is in results.server.ts and compute.server.ts.
 *
 * Periods (shop-local days, asOfDay = the local day of `asOf`, included):
 * - "last 12 months": the 12 calendar months ending with asOfDay — repeat rate, NPS, Pareto,
 *   YoY retention (against the 12 months before).
 * - F2 / second-delivery survival: first purchases in the 12 months that ended `window` days
 *   before asOfDay, so every customer in the base has had the full window.
 * - Monthly churn: the last 12 complete calendar months, pooled.
 * - RFM, cohorts, continuation, historical LTV: all history up to asOfDay.
 * - CAC card: spend of the 12 calendar months up to asOf's month; the CAC table: every month.
 * Money is minor units of `currency`: sums are whole numbers, averages are left unrounded.
 */
import {
  addMonthsToDay,
  buildPurchaseHistory,
  cacByMonth,
  cohortRetention,
  compareWithTargets,
  computeRfm,
  continuationByCohort,
  createCalendar,
  DEFAULT_SEGMENT_RULES,
  f2Conversion,
  FM_VALUES,
  formatDay,
  formatMonth,
  historicalLtvCurve,
  lifetimeRange,
  ltvToCac,
  makeMetric,
  metricPeriod,
  modelChurnShare,
  monthlyChurn,
  monthOfDay,
  NO_SEGMENT,
  nps,
  npsByCohort,
  npsBySegment,
  pareto,
  parseMonth,
  paybackMonths,
  repeatRate,
  rfmGrid,
  secondPurchaseSurvival,
  segmentMigration,
  summarizeSegments,
  yoyMigration,
  type CacChannel,
  type CacMonth,
  type CacResult,
  type Calendar,
  type CohortTable,
  type ContinuationRow,
  type ContinuationTable,
  type CustomerChannels,
  type CustomerTable,
  type DayRange,
  type LtvCurve,
  type MarketingSpend,
  type Metric,
  type MetricDefinition,
  type MetricPeriod,
  type MetricTarget,
  type MonthlyChurn,
  type NpsGroup,
  type NpsResponse,
  type OrderTable,
  type ParetoResult,
  type PurchaseHistory,
  type RfmGrid,
  type RfmResult,
  type SegmentMigration,
  type SegmentRule,
  type SegmentSummary,
  type TargetStatus,
  type YoyMigration,
} from "../analytics";
import {
  DEFAULT_MIN_REPEAT_CUSTOMERS,
  fitClvModels,
  fitShiftedBetaGeometric,
  validateHoldout,
  type AovSource,
  type BgNbdParams,
  type ClvModels,
  type ConvergenceInfo,
  type GammaGammaParams,
  type HoldoutBucket,
  type HoldoutValidation,
  type InsufficientData,
  type PredictionTotals,
  type SbgParams,
  type TimeUnit,
} from "../analytics/clv";
import type { ShopSettings } from "../settings";
import { segmentAction } from "./segment-actions";

export const SNAPSHOT_VERSION = 1;

/** The KPI cards, in dashboard order. */
export const KPI_IDS = [
  "repeat_rate",
  "second_purchase_survival",
  "f2_conversion",
  "monthly_churn_rate",
  "model_churn_share",
  "yoy_retention",
  "nps",
  "average_historical_ltv",
  "average_predicted_clv",
  "cac",
  "ltv_cac_ratio",
  "payback_months",
] as const;
export type KpiId = (typeof KPI_IDS)[number];

/** "No segment": no purchase up to the date. Such customers get no CustomerMetric row. */
export const NO_SEGMENT_ID = "none";
/** Churn reductions of the retention scenario, percentage points of drop-out probability. */
export const SCENARIO_POINTS = [1, 2, 5] as const;
/** Newest cohorts kept in the heatmap and continuation tables (older ones still feed totals). */
export const MAX_COHORT_ROWS = 36;
/** Columns of the cohort table (months since the first purchase). */
export const MAX_COHORT_MONTHS = 60;
/** Subscribers needed before the sBG fit is shown. */
export const MIN_SBG_SUBSCRIBERS = 30;
/** Shortest holdout window worth reporting, days. */
export const MIN_HOLDOUT_DAYS = 28;
const MAX_HOLDOUT_DAYS = 182;
/**
 * Above this many customers the holdout check runs on every k-th customer: its refit and
 * per-customer forecasts would otherwise cost more than the model itself, and 200,000
 * customers measure the error as well as a million.
 */
export const HOLDOUT_SAMPLE_CUSTOMERS = 200_000;

// ---------------------------------------------------------------------------------------------
// The snapshot type. Only numbers, strings, booleans, null, arrays and objects: it is stored
// as JSON and read back by the pages, and JSON.parse(JSON.stringify(s)) equals s.

export interface SnapshotTarget {
  readonly min: number | null;
  readonly max: number | null;
  /** English fallback, e.g. "≥ 60 %". */
  readonly label: string;
}

export interface KpiCard {
  readonly id: KpiId;
  /** Value, base and definition (id, text, base, unit, params) and period. */
  readonly metric: Metric;
  /** Null for KPIs the settings have no target for. */
  readonly target: SnapshotTarget | null;
  readonly status: TargetStatus | null;
  /** The value in the previous snapshot (null when there was none or it had no value). */
  readonly previousValue: number | null;
}

export interface SnapshotCounts {
  /** Customers known to the shop (customer rows plus customers only seen on orders). */
  readonly customers: number;
  readonly customersWithPurchases: number;
  /** Customers with at least one subscription purchase. */
  readonly subscriptionCustomers: number;
  /** Orders loaded, cancelled and test orders included. */
  readonly ordersLoaded: number;
  /** Orders counted (not cancelled, not test), customers' and guests'. */
  readonly orders: number;
  readonly customerOrders: number;
  readonly guestOrders: number;
  readonly guestNetMinor: number;
  readonly excludedCancelled: number;
  readonly excludedTest: number;
  /** Net revenue (after refunds) of the counted orders, guests included. */
  readonly netRevenueMinor: number;
  readonly firstPurchaseDate: string | null;
  readonly lastPurchaseDate: string | null;
}

/** A segment's summary (app/analytics/rfm.ts) with its rule and recommended action. */
export interface SegmentRow extends SegmentSummary {
  /** The rule's inclusive R score and FM ranges. */
  readonly recency: [number, number];
  readonly fm: [number, number];
  /** Recommended action: the merchant's text (custom) or the default. */
  readonly action: string;
  readonly actionIsCustom: boolean;
}

export interface SegmentsBlock {
  /** The purchases scored: all history up to the as-of date. */
  readonly window: MetricPeriod;
  readonly scoredCustomers: number;
  readonly revenueMinor: number;
  readonly orders: number;
  /** Score cut-offs: score ≥ k iff the value reaches entry k − 2 (null: unreachable). */
  readonly thresholds: {
    readonly recencyDays: (number | null)[];
    readonly frequency: (number | null)[];
    readonly monetaryMinor: (number | null)[];
  };
  /** True when the merchant's own rules are in force. */
  readonly customRules: boolean;
  /** One row per rule, in rule order (empty segments included). */
  readonly rows: SegmentRow[];
}

export interface GridBlock {
  /** Rows: R score 1..5; columns: FM = (F + M) / 2 in FM_VALUES order. */
  readonly recencyScores: number[];
  readonly fmValues: number[];
  readonly customers: number[][];
  readonly revenueMinor: number[][];
  /** Segment id of each cell under the rules in force. */
  readonly segment: string[][];
}

export interface CohortRowJson {
  /** "YYYY-MM" of the first purchases. */
  readonly month: string;
  readonly size: number;
  readonly observedMonths: number;
  readonly completeMonths: number;
  /** Per month since the first purchase (k = 0 is the first-purchase month). */
  readonly activeCustomers: number[];
  readonly activeShare: number[];
  readonly orders: number[];
  readonly netMinor: number[];
  readonly cumulativeNetPerCustomer: number[];
}

export interface CohortsBlock {
  readonly asOfMonth: string;
  readonly totalCohorts: number;
  /** The newest MAX_COHORT_ROWS cohorts, oldest first. */
  readonly rows: CohortRowJson[];
  /** Pooled over all cohorts: historical LTV by months since the first purchase. */
  readonly ltvCurve: {
    readonly cumulativeNetPerCustomer: number[];
    readonly customers: number[];
    readonly definition: MetricDefinition;
  };
  readonly definitions: CohortTable["definitions"];
}

export interface SegmentMigrationJson {
  readonly fromDate: string;
  readonly toDate: string;
  /** Rule ids then "none" (not a scored customer at that date). */
  readonly labels: string[];
  readonly names: string[];
  /** counts[from][to]. */
  readonly counts: number[][];
  /** Net revenue of those customers' purchases between the two dates. */
  readonly revenueMinor: number[][];
}

export interface MigrationBlock {
  /** Last 12 months against the 12 months before. */
  readonly yoy: YoyMigration;
  /** Segments one year ago → segments now. */
  readonly segments: SegmentMigrationJson;
}

export interface ContinuationRowJson {
  /** "YYYY-MM", or "all" for the pooled row. */
  readonly label: string;
  readonly size: number;
  readonly ageMonths: number;
  /** reached[n − 1]: customers with at least n purchases. */
  readonly reached: number[];
  readonly share: number[];
}

export interface ContinuationJson {
  readonly maxPurchases: number;
  readonly definition: MetricDefinition;
  readonly total: ContinuationRowJson | null;
  readonly totalCohorts: number;
  /** The newest MAX_COHORT_ROWS cohorts, oldest first. */
  readonly rows: ContinuationRowJson[];
}

export interface SbgOk {
  readonly status: "ok";
  /** Cohorts and subscribers the fit used. */
  readonly cohorts: number;
  readonly subscribers: number;
  readonly params: SbgParams;
  readonly standardErrors: SbgParams | null;
  readonly logLikelihood: number;
  readonly convergence: ConvergenceJson;
  /** Mean lifetime in deliveries; null when infinite (α ≤ 1). */
  readonly expectedLifetime: number | null;
  readonly discountedExpectedLifetime: number | null;
  readonly horizonLifetime: number;
  /** S(0) = 1, S(1), … S(24): share still subscribed after t renewals. */
  readonly survival: number[];
  readonly retentionRates: number[];
}

export interface NotEnoughData {
  readonly status: "insufficient-data";
  readonly reason: string;
}

export interface ContinuationBlock {
  readonly all: ContinuationJson;
  /** Null when the shop has no subscription purchases. */
  readonly subscription: ContinuationJson | null;
  /** Null when the shop has no subscription purchases. */
  readonly sbg: SbgOk | (NotEnoughData & { readonly subscribers: number }) | null;
}

export interface ParetoBlock {
  readonly topShare: Metric;
  readonly gini: Metric;
  readonly lorenz: { readonly customerShare: number[]; readonly revenueShare: number[] };
  readonly customers: number;
  readonly revenueMinor: number;
}

export interface NpsGroupJson {
  /** Segment id, cohort "YYYY-MM" or "none". */
  readonly key: string;
  readonly name: string;
  readonly metric: Metric;
}

export interface NpsBlock {
  readonly period: MetricPeriod;
  /** Last 12 months (the KPI). */
  readonly overall: Metric;
  readonly allTime: Metric;
  readonly bySegment: NpsGroupJson[];
  readonly byCohort: NpsGroupJson[];
}

export interface CacBlock {
  /** Every month with spend entries, oldest first. */
  readonly months: CacMonth[];
  readonly total: Metric;
  readonly channels: CacChannel[];
  /** Whether new customers are attributed to channels (per-channel CAC). */
  readonly attributed: boolean;
}

export interface ConvergenceJson {
  readonly converged: boolean;
  readonly iterations: number;
  readonly evaluations: number;
  readonly gradientMaxAbs: number | null;
  readonly message: string;
}

export interface HistogramBin {
  readonly from: number;
  /** Exclusive upper edge; null for the open last bin. */
  readonly to: number | null;
  readonly customers: number;
}

export interface HoldoutOk {
  readonly status: "ok";
  /** 1 when every customer was checked, k when every k-th (by dense index) was. */
  readonly sampleEvery: number;
  readonly holdoutDays: number;
  readonly calibrationEndDate: string;
  readonly observationEndDate: string;
  readonly customers: number;
  readonly params: BgNbdParams;
  readonly converged: boolean;
  readonly mae: number;
  readonly rmse: number;
  readonly naiveMae: number;
  readonly naiveRmse: number;
  readonly predictedTotal: number;
  readonly actualTotal: number;
  readonly totalRelativeError: number | null;
  readonly byFrequency: HoldoutBucket[];
}

export interface ScenarioJson {
  readonly points: number;
  readonly baselineDropout: number;
  readonly scenarioDropout: number;
  readonly clamped: boolean;
  readonly params: BgNbdParams;
  readonly baseline: PredictionTotals;
  readonly scenario: PredictionTotals;
  readonly clvGain: number;
  readonly clvGainShare: number;
  readonly revenueGain: number;
  readonly revenueGainShare: number;
}

export interface ClvOk {
  readonly status: "ok";
  readonly horizonMonths: number;
  readonly annualDiscountRate: number;
  readonly unit: TimeUnit;
  readonly calibrationEndDate: string;
  readonly customers: {
    readonly included: number;
    readonly repeat: number;
    readonly compressedRows: number;
  };
  readonly bgnbd: {
    readonly params: BgNbdParams;
    readonly standardErrors: BgNbdParams | null;
    readonly logLikelihood: number;
    readonly customers: number;
    readonly convergence: ConvergenceJson;
  };
  /** Null when too few repeat buyers with positive spend: AOV is then the shop mean. */
  readonly gammaGamma: {
    readonly params: GammaGammaParams;
    readonly standardErrors: GammaGammaParams | null;
    readonly logLikelihood: number;
    readonly customers: number;
    readonly convergence: ConvergenceJson;
  } | null;
  readonly aovSource: AovSource;
  readonly totals: PredictionTotals;
  readonly averages: {
    readonly clvMinor: number | null;
    readonly pAlive: number | null;
    readonly expectedPurchases90: number | null;
  };
  readonly distributions: {
    /** 20 equal bins up to about the 99th percentile, then an open bin. */
    readonly clvMinor: HistogramBin[];
    readonly clvQuantiles: { readonly q: number; readonly valueMinor: number }[];
    /** 20 bins of 0.05; the last includes 1. */
    readonly pAlive: HistogramBin[];
  };
  readonly holdout: HoldoutOk | NotEnoughData;
  readonly scenarios: ScenarioJson[];
}

export interface ClvInsufficient extends NotEnoughData {
  readonly horizonMonths: number;
  readonly annualDiscountRate: number;
  readonly customers: number;
  readonly repeatCustomers: number;
  readonly requiredRepeatCustomers: number;
}

export interface ShopSnapshot {
  readonly version: typeof SNAPSHOT_VERSION;
  readonly currency: string;
  readonly timeZone: string;
  /** Epoch ms of the data cut-off; asOfDate is its shop-local day. */
  readonly asOf: number;
  readonly asOfDate: string;
  readonly computedAt: number;
  /** computedAt of the snapshot the previous values come from. */
  readonly previousComputedAt: number | null;
  readonly last12Months: MetricPeriod;
  /** The settings the numbers depend on. */
  readonly parameters: {
    readonly churnInactivityDays: number;
    readonly f2WindowDays: number;
    readonly subscriptionWindowDays: number;
    readonly grossMarginRatio: number;
    readonly clvHorizonMonths: number;
    readonly annualDiscountRate: number;
  };
  readonly counts: SnapshotCounts;
  readonly kpis: { readonly [K in KpiId]: KpiCard };
  /** Monthly churn of the last 12 complete months (the churn card pools them). */
  readonly churnByMonth: {
    readonly month: string;
    readonly value: number | null;
    readonly churned: number;
    readonly active: number;
  }[];
  readonly segments: SegmentsBlock;
  readonly grid: GridBlock;
  readonly cohorts: CohortsBlock;
  readonly migration: MigrationBlock;
  readonly continuation: ContinuationBlock;
  readonly pareto: ParetoBlock;
  readonly nps: NpsBlock;
  readonly cac: CacBlock;
  readonly clv: ClvOk | ClvInsufficient;
}

/**
 * The dashboard's part of a snapshot, stored beside it (MetricSnapshot.summary): the KPI cards
 * and counts, a tenth of the document or less, so the dashboard and its trend lines never
 * parse the whole snapshot. Derived from the snapshot alone (`summaryOf`).
 */
export interface SnapshotSummary {
  readonly version: typeof SNAPSHOT_VERSION;
  readonly currency: string;
  readonly timeZone: string;
  readonly asOf: number;
  readonly asOfDate: string;
  readonly computedAt: number;
  readonly counts: SnapshotCounts;
  readonly kpis: { readonly [K in KpiId]: KpiCard };
  readonly clvStatus: "ok" | "insufficient-data";
}

export function summaryOf(snapshot: ShopSnapshot): SnapshotSummary {
  return {
    version: snapshot.version,
    currency: snapshot.currency,
    timeZone: snapshot.timeZone,
    asOf: snapshot.asOf,
    asOfDate: snapshot.asOfDate,
    computedAt: snapshot.computedAt,
    counts: snapshot.counts,
    kpis: snapshot.kpis,
    clvStatus: snapshot.clv.status,
  };
}

/** Per customer (dense index), for CustomerMetric. NaN = no model value. */
export interface PerCustomerResults {
  readonly count: number;
  /** Segment id of each segment index; NO_SEGMENT (255) means NO_SEGMENT_ID. */
  readonly segmentIds: readonly string[];
  readonly segment: Uint8Array;
  readonly r: Uint8Array;
  readonly f: Uint8Array;
  readonly m: Uint8Array;
  /** −1 when the customer has no purchase. */
  readonly recencyDays: Int32Array;
  readonly frequency: Int32Array;
  readonly monetaryMinor: Float64Array;
  readonly pAlive: Float64Array;
  readonly expected90: Float64Array;
  readonly clvMinor: Float64Array;
}

/** What a snapshot needs from the one before it. */
export interface PreviousSnapshot {
  readonly computedAt: number;
  readonly kpis: Partial<Record<KpiId, number | null>>;
}

export interface SnapshotInput {
  readonly orders: OrderTable;
  readonly customers: CustomerTable;
  /** IANA zone of the shop. */
  readonly timeZone: string;
  /** ISO 4217 code; money is in its minor units. */
  readonly currency: string;
  /** Data cut-off, epoch ms (its whole shop-local day is included). */
  readonly asOf: number;
  /** Stamped on the snapshot; default asOf. */
  readonly computedAt?: number;
  readonly settings: ShopSettings;
  readonly npsResponses: readonly NpsResponse[];
  readonly marketingSpend: readonly MarketingSpend[];
  /** Acquisition channel per customer, for CAC by channel; absent = not attributed. */
  readonly channels?: CustomerChannels;
  readonly previous?: PreviousSnapshot | null;
  /** Holdout check sample cap; default HOLDOUT_SAMPLE_CUSTOMERS. */
  readonly holdoutSampleCustomers?: number;
}

export type SnapshotStage = "history" | "descriptive" | "clv" | "holdout" | "assemble";

export interface SnapshotBuild {
  readonly snapshot: ShopSnapshot;
  readonly perCustomer: PerCustomerResults;
  /** Milliseconds per stage. */
  readonly timingsMs: Readonly<Record<SnapshotStage, number>>;
}

// ---------------------------------------------------------------------------------------------
// Stages.

interface Context {
  readonly input: SnapshotInput;
  readonly calendar: Calendar;
  readonly history: PurchaseHistory;
  readonly asOfDay: number;
  readonly last12: DayRange;
  readonly rules: readonly SegmentRule[];
}

interface Descriptive {
  readonly rfm: RfmResult;
  readonly grid: RfmGrid;
  readonly cohorts: CohortTable;
  readonly ltvCurve: LtvCurve;
  readonly repeat: Metric;
  readonly f2: Metric;
  readonly secondDelivery: Metric;
  readonly churn: MonthlyChurn;
  readonly yoy: YoyMigration;
  readonly segmentMigration: SegmentMigration;
  readonly continuation: ContinuationTable;
  readonly subscription: ContinuationTable;
  readonly pareto: ParetoResult;
  readonly npsLast12: Metric;
  readonly npsAllTime: Metric;
  readonly npsBySegment: NpsGroup[];
  readonly npsByCohort: NpsGroup[];
  readonly cacAll: CacResult;
  readonly cacLast12: CacResult;
}

interface ClvStage {
  readonly models: ClvModels | InsufficientData;
  /** Per customer, NaN where the model has no value. */
  readonly pAlive: Float64Array;
  readonly expected90: Float64Array;
  readonly clv: Float64Array;
}

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
    last12: { startDay: addMonthsToDay(asOfDay + 1, -12), endDay: asOfDay + 1 },
    rules,
  };
}

/** First purchases in the 12 months that ended `windowDays` before asOfDay (all mature). */
function matureCohort(asOfDay: number, windowDays: number): DayRange {
  const endDay = asOfDay - windowDays + 1;
  return { startDay: addMonthsToDay(endDay, -12), endDay };
}

function runDescriptive(ctx: Context): Descriptive {
  const { history, asOfDay, last12, input, rules } = ctx;
  const { settings } = input;
  const rfm = computeRfm(history, { asOfDay, rules });
  const cohorts = cohortRetention(history, { asOfDay, maxMonths: MAX_COHORT_MONTHS });
  const asOfMonth = monthOfDay(asOfDay);
  const last12Spend = input.marketingSpend.filter((s) => {
    const month = parseMonth(s.month);
    return month > asOfMonth - 12 && month <= asOfMonth;
  });
  const channels = input.channels === undefined ? {} : { channels: input.channels };
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
    churn: monthlyChurn(history, {
      fromMonth: asOfMonth - 12,
      toMonth: asOfMonth - 1,
      asOfDay,
      inactivityDays: settings.churnInactivityDays,
    }),
    yoy: yoyMigration(history, last12),
    segmentMigration: segmentMigration(history, {
      fromAsOfDay: addMonthsToDay(asOfDay, -12),
      toAsOfDay: asOfDay,
      rules,
    }),
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
  };
}

const nanArray = (n: number): Float64Array => new Float64Array(n).fill(NaN);

function runClv(ctx: Context): ClvStage {
  const { input, calendar } = ctx;
  const n = input.customers.count;
  const pAlive = nanArray(n);
  const expected90 = nanArray(n);
  const clv = nanArray(n);
  let models: ClvModels | InsufficientData;
  try {
    models = fitClvModels(input.orders, {
      asOf: input.asOf,
      dayOf: calendar.dayOf,
      customerCount: n,
      horizonMonths: input.settings.clvHorizonMonths,
      annualDiscountRate: input.settings.annualDiscountRate,
      scenarios: SCENARIO_POINTS,
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
  return { models, pAlive, expected90, clv };
}

/** The orders of every k-th customer (guests dropped), re-indexed 0, 1, 2, … */
function everyKthCustomer(orders: OrderTable, k: number): OrderTable {
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

type HoldoutOutcome = (HoldoutValidation & { readonly sampleEvery: number }) | NotEnoughData;

function runHoldout(ctx: Context, clv: ClvStage): HoldoutOutcome {
  if (clv.models.status !== "ok") {
    return { status: "insufficient-data", reason: clv.models.reason };
  }
  const { history, asOfDay, input } = ctx;
  const span = Number.isFinite(history.minDay) ? asOfDay - history.minDay : 0;
  // A third of the history, at most 26 weeks: calibration keeps at least two thirds.
  const holdoutDays = Math.min(MAX_HOLDOUT_DAYS, Math.floor(span / 3));
  if (holdoutDays < MIN_HOLDOUT_DAYS) {
    return {
      status: "insufficient-data",
      reason: `${span} days of orders; the holdout check needs at least ${3 * MIN_HOLDOUT_DAYS}`,
    };
  }
  const count = input.customers.count;
  const cap = input.holdoutSampleCustomers ?? HOLDOUT_SAMPLE_CUSTOMERS;
  const every = Math.max(1, Math.ceil(count / cap));
  try {
    const result = validateHoldout(
      every === 1 ? input.orders : everyKthCustomer(input.orders, every),
      {
        asOf: input.asOf,
        dayOf: ctx.calendar.dayOf,
        customerCount: Math.ceil(count / every),
        holdoutDays,
      },
    );
    return result.status === "ok"
      ? { ...result, sampleEvery: every }
      : { status: result.status, reason: result.reason };
  } catch (error) {
    return {
      status: "insufficient-data",
      reason: `The holdout fit failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
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
  lap("history");
  yield "history";
  const descriptive = runDescriptive(ctx);
  lap("descriptive");
  yield "descriptive";
  const clv = runClv(ctx);
  lap("clv");
  yield "clv";
  const holdout = runHoldout(ctx, clv);
  lap("holdout");
  yield "holdout";
  const built = assemble(ctx, descriptive, clv, holdout);
  lap("assemble");
  return { ...built, timingsMs: timings };
}

/** Builds the snapshot and the per-customer results in one synchronous call. */
export function buildShopSnapshot(input: SnapshotInput): SnapshotBuild {
  const steps = snapshotSteps(input);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

// ---------------------------------------------------------------------------------------------
// Assembly: analytics results → JSON shapes.

/** −0 → 0, so a JSON round trip gives back the same value. */
const plain = (x: number): number => x + 0;
const list = (values: ArrayLike<number>): number[] => Array.from(values, plain);
const finiteOrNull = (x: number | null | undefined): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : plain(x);
const finiteOr0 = (x: number): number => (Number.isFinite(x) ? plain(x) : 0);

/** A Metric with non-finite parts replaced (value → null, counts → 0). */
function cleanMetric(metric: Metric): Metric {
  const details: Record<string, number> = {};
  for (const [k, v] of Object.entries(metric.details)) details[k] = finiteOr0(v);
  return {
    ...metric,
    value: finiteOrNull(metric.value),
    numerator: finiteOr0(metric.numerator),
    denominator: finiteOr0(metric.denominator),
    details,
  };
}

function cleanConvergence(c: ConvergenceInfo): ConvergenceJson {
  return {
    converged: c.converged,
    iterations: c.iterations,
    evaluations: c.evaluations,
    gradientMaxAbs: finiteOrNull(c.gradientMaxAbs),
    message: c.message,
  };
}

const percent = (x: number): string => `${+(x * 100).toFixed(1)} %`;

/** The merchant's targets in the engine's form. */
export function settingsTargets(settings: ShopSettings): MetricTarget[] {
  const t = settings.targets;
  return [
    { metricId: "nps", min: t.nps, label: `≥ ${t.nps}` },
    { metricId: "repeat_rate", min: t.repeatRate, label: `≥ ${percent(t.repeatRate)}` },
    {
      metricId: "monthly_churn_rate",
      max: t.monthlyChurn,
      label: `≤ ${percent(t.monthlyChurn)}/month`,
    },
    {
      metricId: "second_purchase_survival",
      min: t.secondPurchaseSurvival,
      label: `≥ ${percent(t.secondPurchaseSurvival)}`,
    },
  ];
}

function kpiCards(
  metrics: Record<KpiId, Metric>,
  settings: ShopSettings,
  previous: PreviousSnapshot | null,
): Record<KpiId, KpiCard> {
  const targets = settingsTargets(settings);
  const checks = new Map(
    compareWithTargets(
      KPI_IDS.map((id) => metrics[id]),
      targets,
    ).map((check) => [check.metricId, check]),
  );
  const cards = {} as Record<KpiId, KpiCard>;
  for (const id of KPI_IDS) {
    const check = checks.get(id);
    cards[id] = {
      id,
      metric: cleanMetric(metrics[id]),
      target:
        check === undefined
          ? null
          : {
              min: check.target.min ?? null,
              max: check.target.max ?? null,
              label: check.target.label,
            },
      status: check?.status ?? null,
      previousValue: finiteOrNull(previous?.kpis[id]),
    };
  }
  return cards;
}

function counts(ctx: Context, subscriptionCustomers: number): SnapshotCounts {
  const { history, input } = ctx;
  let customerOrders = 0;
  let customerNet = 0;
  for (let p = 0; p < history.purchaseOrders.length; p++) {
    customerOrders += history.purchaseOrders[p];
    customerNet += history.purchaseNet[p];
  }
  let withPurchases = 0;
  for (let c = 0; c < history.customerCount; c++) {
    if (history.purchaseStart[c + 1] > history.purchaseStart[c]) withPurchases++;
  }
  const hasData = Number.isFinite(history.minDay);
  return {
    customers: input.customers.count,
    customersWithPurchases: withPurchases,
    subscriptionCustomers,
    ordersLoaded: input.orders.length,
    orders: customerOrders + history.guest.orders,
    customerOrders,
    guestOrders: history.guest.orders,
    guestNetMinor: plain(history.guest.netMinor),
    excludedCancelled: history.excluded.cancelled,
    excludedTest: history.excluded.test,
    netRevenueMinor: plain(customerNet + history.guest.netMinor),
    firstPurchaseDate: hasData ? formatDay(history.minDay) : null,
    lastPurchaseDate: hasData ? formatDay(history.maxDay) : null,
  };
}

function segmentsBlock(
  ctx: Context,
  rfm: RfmResult,
  clv: ClvStage,
): { block: SegmentsBlock; names: Map<string, string> } {
  const summary = summarizeSegments(rfm, { predictedClvMinor: clv.clv, pAlive: clv.pAlive });
  const overrides = ctx.input.settings.segmentActions;
  const rows = summary.segments.map((s, g): SegmentRow => {
    const rule = rfm.rules[g];
    const action = segmentAction(rule, overrides);
    return {
      id: s.id,
      name: s.name,
      recency: [rule.recency[0], rule.recency[1]],
      fm: [rule.fm[0], rule.fm[1]],
      customers: s.customers,
      customerShare: finiteOrNull(s.customerShare),
      revenueMinor: plain(s.revenueMinor),
      revenueShare: finiteOrNull(s.revenueShare),
      orders: s.orders,
      purchases: s.purchases,
      averageOrderValueMinor: finiteOrNull(s.averageOrderValueMinor),
      averageRecencyDays: finiteOrNull(s.averageRecencyDays),
      averageFrequency: finiteOrNull(s.averageFrequency),
      averageMonetaryMinor: finiteOrNull(s.averageMonetaryMinor),
      averagePredictedClvMinor: finiteOrNull(s.averagePredictedClvMinor),
      averagePAlive: finiteOrNull(s.averagePAlive),
      action: action.text,
      actionIsCustom: action.custom,
    };
  });
  const cuts = (values: readonly (number | null)[]): (number | null)[] =>
    values.map((v) => finiteOrNull(v));
  return {
    block: {
      window: metricPeriod(summary.window),
      scoredCustomers: summary.scoredCount,
      revenueMinor: plain(summary.revenueMinor),
      orders: summary.orders,
      thresholds: {
        recencyDays: cuts(rfm.thresholds.recency),
        frequency: cuts(rfm.thresholds.frequency),
        monetaryMinor: cuts(rfm.thresholds.monetary),
      },
      customRules: ctx.input.settings.segmentRules !== null,
      rows,
    },
    names: new Map(rows.map((r) => [r.id, r.name])),
  };
}

function gridBlock(grid: RfmGrid, rules: readonly SegmentRule[]): GridBlock {
  const columns = FM_VALUES.length;
  const matrix = <T>(cell: (i: number) => T): T[][] =>
    Array.from({ length: 5 }, (_, r) =>
      Array.from({ length: columns }, (_, k) => cell(r * columns + k)),
    );
  return {
    recencyScores: [1, 2, 3, 4, 5],
    fmValues: [...FM_VALUES],
    customers: matrix((i) => grid.customers[i]),
    revenueMinor: matrix((i) => plain(grid.revenueMinor[i])),
    segment: matrix((i) => rules[grid.segment[i]]?.id ?? NO_SEGMENT_ID),
  };
}

function cohortsBlock(table: CohortTable, curve: LtvCurve): CohortsBlock {
  const rows = table.rows.slice(-MAX_COHORT_ROWS).map((row): CohortRowJson => ({
    month: row.label,
    size: row.size,
    observedMonths: row.observedMonths,
    completeMonths: row.completeMonths,
    activeCustomers: list(row.activeCustomers),
    activeShare: list(row.activeShare),
    orders: list(row.orders),
    netMinor: list(row.netMinor),
    cumulativeNetPerCustomer: list(row.cumulativeNetPerCustomer),
  }));
  return {
    asOfMonth: formatMonth(table.asOfMonth),
    totalCohorts: table.rows.length,
    rows,
    ltvCurve: {
      cumulativeNetPerCustomer: list(curve.cumulativeNetPerCustomer),
      customers: list(curve.customers),
      definition: curve.definition,
    },
    definitions: table.definitions,
  };
}

function square(values: ArrayLike<number>, size: number): number[][] {
  return Array.from({ length: size }, (_, r) =>
    Array.from({ length: size }, (_, c) => plain(values[r * size + c])),
  );
}

/** The migration page's block (also built on demand for dates the merchant picks). */
export function migrationBlock(yoy: YoyMigration, m: SegmentMigration): MigrationBlock {
  return {
    yoy: {
      ...yoy,
      currentRevenueMinor: {
        new: plain(yoy.currentRevenueMinor.new),
        retained: plain(yoy.currentRevenueMinor.retained),
        reactivated: plain(yoy.currentRevenueMinor.reactivated),
      },
      retention: cleanMetric(yoy.retention),
      newMigration: cleanMetric(yoy.newMigration),
      existingMigration: cleanMetric(yoy.existingMigration),
    },
    segments: {
      fromDate: formatDay(m.fromAsOfDay),
      toDate: formatDay(m.toAsOfDay),
      labels: [...m.labels],
      names: [...m.rules.map((r) => r.name), "Not a customer yet"],
      counts: square(m.counts, m.size),
      revenueMinor: square(m.revenueMinor, m.size),
    },
  };
}

function continuationRow(row: ContinuationRow): ContinuationRowJson {
  return {
    label: row.label,
    size: row.size,
    ageMonths: row.ageMonths,
    reached: list(row.reached),
    share: list(row.share),
  };
}

function continuationJson(table: ContinuationTable): ContinuationJson {
  return {
    maxPurchases: table.maxPurchases,
    definition: table.definition,
    total: table.total === null ? null : continuationRow(table.total),
    totalCohorts: table.rows.length,
    rows: table.rows.slice(-MAX_COHORT_ROWS).map(continuationRow),
  };
}

/**
 * sBG on subscription cohorts, reading one delivery as one renewal period (monthly cadence):
 * a cohort aged a months has its survivor counts final for t < a renewals only.
 */
function sbgBlock(table: ContinuationTable): ContinuationBlock["sbg"] {
  const subscribers = table.total?.size ?? 0;
  if (subscribers === 0) return null;
  const cohorts: Int32Array[] = [];
  let used = 0;
  for (const row of table.rows) {
    const periods = Math.min(row.ageMonths, table.maxPurchases);
    if (periods < 2) continue;
    cohorts.push(row.reached.subarray(0, periods));
    used += row.size;
  }
  if (used < MIN_SBG_SUBSCRIBERS) {
    return {
      status: "insufficient-data",
      reason: `${used} subscribers in cohorts at least two months old; at least ${MIN_SBG_SUBSCRIBERS} are needed`,
      subscribers,
    };
  }
  try {
    const fit = fitShiftedBetaGeometric(cohorts);
    return {
      status: "ok",
      cohorts: cohorts.length,
      subscribers: used,
      params: fit.params,
      standardErrors: fit.standardErrors,
      logLikelihood: fit.logLikelihood,
      convergence: cleanConvergence(fit.convergence),
      expectedLifetime: finiteOrNull(fit.expectedLifetime),
      discountedExpectedLifetime: finiteOrNull(fit.discountedExpectedLifetime),
      horizonLifetime: fit.horizonLifetime,
      survival: list(fit.survival),
      retentionRates: list(fit.retentionRates),
    };
  } catch (error) {
    return {
      status: "insufficient-data",
      reason: error instanceof Error ? error.message : String(error),
      subscribers,
    };
  }
}

function npsGroups(
  groups: readonly NpsGroup[],
  names: ReadonlyMap<string, string>,
  noneName: string,
): NpsGroupJson[] {
  return groups.map((g) => ({
    key: g.key,
    name: g.key === "none" ? noneName : (names.get(g.key) ?? g.key),
    metric: cleanMetric(g.metric),
  }));
}

function cacBlock(cac: CacResult, attributed: boolean): CacBlock {
  const channel = (c: CacChannel): CacChannel => ({ ...c, cac: cleanMetric(c.cac) });
  return {
    months: cac.months.map((m) => ({
      ...m,
      cac: cleanMetric(m.cac),
      channels: m.channels.map(channel),
    })),
    total: cleanMetric(cac.total),
    channels: cac.channels.map(channel),
    attributed,
  };
}

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

function clvBlock(ctx: Context, clv: ClvStage, holdout: HoldoutOutcome): ClvOk | ClvInsufficient {
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
            sampleEvery: holdout.sampleEvery,
            holdoutDays: holdout.holdoutDays,
            calibrationEndDate: formatDay(holdout.calibrationEndDay),
            observationEndDate: formatDay(holdout.observationEndDay),
            customers: holdout.customers,
            params: holdout.fit.params,
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
        : { status: "insufficient-data", reason: holdout.reason },
    scenarios: models.scenarios.map((s) => ({
      points: s.points,
      baselineDropout: s.baselineDropout,
      scenarioDropout: s.scenarioDropout,
      clamped: s.clamped,
      params: s.params,
      baseline: s.baseline,
      scenario: s.scenario,
      clvGain: plain(s.clvGain),
      clvGainShare: plain(s.clvGainShare),
      revenueGain: plain(s.revenueGain),
      revenueGainShare: plain(s.revenueGainShare),
    })),
  };
}

function assemble(
  ctx: Context,
  d: Descriptive,
  clv: ClvStage,
  holdout: HoldoutOutcome,
): Omit<SnapshotBuild, "timingsMs"> {
  const { input, history, asOfDay, rules } = ctx;
  const { settings } = input;
  const margin = settings.grossMarginRatio;
  const lifetime = lifetimeRange(history, asOfDay);

  // Average historical LTV: everything customers have spent so far, per customer.
  let spent = 0;
  for (let c = 0; c < d.rfm.customerCount; c++) spent += d.rfm.monetaryMinor[c];
  const historicalLtv = makeMetric(
    {
      id: "average_historical_ltv",
      name: "Average historical LTV",
      text: "Net revenue after refunds of all purchases (not cancelled, not test) up to the as-of date, divided by the customers who made them.",
      base: "Customers with at least one purchase up to the as-of date",
      unit: "minor",
      params: {},
    },
    spent,
    d.rfm.scoredCount,
    lifetime,
  );
  const models = clv.models;
  const predicted =
    models.status === "ok"
      ? makeMetric(
          {
            id: "average_predicted_clv",
            name: "Average predicted CLV",
            text: `Expected net revenue of each customer's purchases in the next ${models.predictions.horizonMonths} months (BG/NBD for purchases, ${models.predictions.aovSource === "gamma-gamma" ? "Gamma-Gamma" : "the shop's mean"} for order value), discounted at ${+(models.predictions.annualDiscountRate * 100).toFixed(2)} % a year, averaged over customers.`,
            base: "Customers with at least one purchase up to the as-of date",
            unit: "minor",
            params: {
              horizonMonths: models.predictions.horizonMonths,
              annualDiscountRate: models.predictions.annualDiscountRate,
            },
          },
          models.predictions.totals.clv,
          models.predictions.totals.customers,
          null,
        )
      : makeMetric(
          {
            id: "average_predicted_clv",
            name: "Average predicted CLV",
            text: `Expected net revenue of each customer's purchases in the next ${settings.clvHorizonMonths} months from the BG/NBD and Gamma-Gamma models. Not available: ${models.reason}.`,
            base: "Customers with at least one purchase up to the as-of date",
            unit: "minor",
            params: { horizonMonths: settings.clvHorizonMonths },
          },
          0,
          0,
          null,
          null,
        );

  // LTV:CAC and payback use the historical curve: 12 months after the first purchase when
  // the shop has them, else as many complete months as it has.
  const curve = d.ltvCurve.cumulativeNetPerCustomer;
  const ltvMonths = Math.min(12, curve.length);
  const ltv = ltvMonths > 0 ? curve[ltvMonths - 1] : null;
  const cac = d.cacLast12.total.value;
  const ltvCac = ltvToCac(ltv ?? 0, ltv === null || cac === null ? NaN : cac, {
    ltvSource: `historical net revenue per customer in the first ${ltvMonths || 12} months from the first-purchase month`,
    grossMarginRatio: margin,
  });
  const payback = paybackMonths(d.ltvCurve, cac ?? NaN, { grossMarginRatio: margin });

  const kpis = kpiCards(
    {
      repeat_rate: d.repeat,
      second_purchase_survival: d.secondDelivery,
      f2_conversion: d.f2,
      monthly_churn_rate: d.churn.average,
      model_churn_share: modelChurnShare(clv.pAlive),
      yoy_retention: d.yoy.retention,
      nps: d.npsLast12,
      average_historical_ltv: historicalLtv,
      average_predicted_clv: predicted,
      cac: d.cacLast12.total,
      ltv_cac_ratio: ltvCac,
      payback_months: payback,
    },
    settings,
    input.previous ?? null,
  );

  const { block: segments, names } = segmentsBlock(ctx, d.rfm, clv);
  const subscriptionCustomers = d.subscription.total?.size ?? 0;
  const snapshot: ShopSnapshot = {
    version: SNAPSHOT_VERSION,
    currency: input.currency,
    timeZone: ctx.calendar.timeZone,
    asOf: input.asOf,
    asOfDate: formatDay(asOfDay),
    computedAt: input.computedAt ?? input.asOf,
    previousComputedAt: input.previous?.computedAt ?? null,
    last12Months: metricPeriod(ctx.last12),
    parameters: {
      churnInactivityDays: settings.churnInactivityDays,
      f2WindowDays: settings.f2WindowDays,
      subscriptionWindowDays: settings.subscriptionWindowDays,
      grossMarginRatio: margin,
      clvHorizonMonths: settings.clvHorizonMonths,
      annualDiscountRate: settings.annualDiscountRate,
    },
    counts: counts(ctx, subscriptionCustomers),
    kpis,
    churnByMonth: d.churn.months.map((m) => ({
      month: m.period === null ? "" : m.period.start.slice(0, 7),
      value: finiteOrNull(m.value),
      churned: m.numerator,
      active: m.denominator,
    })),
    segments,
    grid: gridBlock(d.grid, rules),
    cohorts: cohortsBlock(d.cohorts, d.ltvCurve),
    migration: migrationBlock(d.yoy, d.segmentMigration),
    continuation: {
      all: continuationJson(d.continuation),
      subscription: subscriptionCustomers > 0 ? continuationJson(d.subscription) : null,
      sbg: sbgBlock(d.subscription),
    },
    pareto: {
      topShare: cleanMetric(d.pareto.topShare),
      gini: cleanMetric(d.pareto.gini),
      lorenz: {
        customerShare: list(d.pareto.lorenz.customerShare),
        revenueShare: list(d.pareto.lorenz.revenueShare),
      },
      customers: d.pareto.customers,
      revenueMinor: plain(d.pareto.revenueMinor),
    },
    nps: {
      period: metricPeriod(ctx.last12),
      overall: cleanMetric(d.npsLast12),
      allTime: cleanMetric(d.npsAllTime),
      bySegment: npsGroups(d.npsBySegment, names, "No segment or guest"),
      byCohort: npsGroups(d.npsByCohort, new Map(), "No purchase or guest"),
    },
    cac: cacBlock(d.cacAll, input.channels !== undefined),
    clv: clvBlock(ctx, clv, holdout),
  };
  assertJsonSafe(snapshot);

  return {
    snapshot,
    perCustomer: {
      count: d.rfm.customerCount,
      segmentIds: rules.map((r) => r.id),
      segment: d.rfm.segment,
      r: d.rfm.r,
      f: d.rfm.f,
      m: d.rfm.m,
      recencyDays: d.rfm.recencyDays,
      frequency: d.rfm.frequency,
      monetaryMinor: d.rfm.monetaryMinor,
      pAlive: clv.pAlive,
      expected90: clv.expected90,
      clvMinor: clv.clv,
    },
  };
}

/** Segment id of a per-customer segment index. */
export function segmentIdOf(perCustomer: PerCustomerResults, index: number): string {
  return index === NO_SEGMENT ? NO_SEGMENT_ID : (perCustomer.segmentIds[index] ?? NO_SEGMENT_ID);
}

// ---------------------------------------------------------------------------------------------
// JSON.

/**
 * Throws when the value holds anything JSON would not give back unchanged (NaN, ±Infinity,
 * undefined, bigint, typed arrays, class instances), naming the path: a compute fails loudly
 * rather than storing a snapshot the pages would misread.
 */
export function assertJsonSafe(value: unknown, path = "snapshot"): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`${path} is ${value}, not a finite number`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertJsonSafe(item, `${path}[${i}]`));
    return;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) assertJsonSafe(item, `${path}.${key}`);
    return;
  }
  throw new TypeError(`${path} is not plain JSON data (${typeof value})`);
}

/** The bits of a stored snapshot the next build needs. */
export function previousOf(snapshot: ShopSnapshot): PreviousSnapshot {
  const kpis: Partial<Record<KpiId, number | null>> = {};
  for (const id of KPI_IDS) kpis[id] = snapshot.kpis[id]?.metric.value ?? null;
  return { computedAt: snapshot.computedAt, kpis };
}

/** Stored JSON of this snapshot version; null for another version or unreadable text. */
function parseVersioned<T>(json: string | null): T | null {
  if (json === null) return null;
  try {
    const value: unknown = JSON.parse(json);
    if (
      typeof value === "object" &&
      value !== null &&
      (value as { version?: unknown }).version === SNAPSHOT_VERSION
    ) {
      return value as T;
    }
  } catch {
    // fall through
  }
  return null;
}

/** Parses stored snapshot JSON; null for another version or unreadable text. */
export const parseSnapshot = (json: string): ShopSnapshot | null =>
  parseVersioned<ShopSnapshot>(json);

/** Parses a stored summary; null for another version, unreadable text or null. */
export const parseSummary = (json: string | null): SnapshotSummary | null =>
  parseVersioned<SnapshotSummary>(json);
