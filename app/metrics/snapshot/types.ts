/**
 * The stored snapshot's shape: every number the pages show, as JSON (MetricSnapshot.data and,
 * for the dashboard, MetricSnapshot.summary). The pipeline (pipeline.ts) builds it once per
 * recompute, one module per page block fills its part (*-block.ts), codec.ts reads it back.
 * One module: it is the document's schema, and the pages read it as one.
 */
import {
  NO_SEGMENT,
  type CacChannel,
  type CacMonth,
  type CohortTable,
  type Metric,
  type MetricDefinition,
  type MetricPeriod,
  type SegmentSummary,
  type TargetStatus,
  type YoyCounts,
  type YoyMigration,
} from "../../analytics";
import type {
  AovFallback,
  AovSource,
  BgNbdParams,
  GammaGammaParams,
  HoldoutBucket,
  PredictionTotals,
  PurchaseModelName,
  SbgParams,
  TimeUnit,
  Unidentified,
} from "../../analytics/clv";
import type { AcquisitionReport } from "../../analytics/acquisition";
import type {
  EntryCollectionReport,
  EntryCollectionRow,
  EntryProductReport,
  EntryTypeReport,
} from "../../analytics/entry-products";
import type { TrendsBlock, TrendsSummary } from "./trends-block";

/**
 * 2: the LTV block gained `modelChoice` and `purchaseModel` (the purchase model compared on
 * the holdout and the one behind the predictions). Version 1 documents are upgraded when read
 * (codec.ts); older ones are not read. Fields added since without a version change are optional
 * (`trends`, the LTV block's `intervals`): documents stored before them still read.
 */
export const SNAPSHOT_VERSION = 2;

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

/** "No segment": no purchase up to the date. Such customers have no per-customer result. */
export const NO_SEGMENT_ID = "none";
/** Newest cohorts kept in the heatmap and continuation tables (older ones still feed totals). */
export const MAX_COHORT_ROWS = 36;

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
  /** Customers with a purchase up to the as-of date. */
  readonly scoredCustomers: number;
  /**
   * False below `minCustomers` (settings.minSegmentCustomers): nobody is scored, segmented
   * or tagged, every row counts 0 customers.
   */
  readonly segmented: boolean;
  readonly minCustomers: number;
  /** How the scores are defined (rfmDefinition). */
  readonly definition: MetricDefinition;
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

/** A fit whose parameters are not identified (analytics/clv/status.ts): shown as such, never drawn. */
export interface NotIdentified extends Omit<Unidentified, "estimate" | "standardError"> {
  readonly status: "not-identified";
  readonly estimate: number | null;
  readonly standardError: number | null;
}

export interface ContinuationBlock {
  readonly all: ContinuationJson;
  /** Null when the shop has no subscription purchases. */
  readonly subscription: ContinuationJson | null;
  /** Null when the shop has no subscription purchases. */
  readonly sbg:
    | SbgOk
    | (NotEnoughData & { readonly subscribers: number })
    | (NotIdentified & { readonly subscribers: number; readonly cohorts: number })
    | null;
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
  /**
   * The purchase model checked: the one the predictions use. Absent in snapshots stored
   * before the card followed the chosen model (they checked BG/NBD).
   */
  readonly model?: PurchaseModelName;
  readonly label?: string;
  /** 1 when every customer was checked, k when every k-th (by dense index) was. */
  readonly sampleEvery: number;
  readonly holdoutDays: number;
  readonly calibrationEndDate: string;
  readonly observationEndDate: string;
  readonly customers: number;
  /** The checked model's parameters on the calibration period. */
  readonly params: Record<string, number>;
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

/** Why the holdout card has no check: the stored reason, and a code the page words. */
export interface HoldoutUnavailable extends NotEnoughData {
  /**
   * "short-history": too few days for a holdout window; "too-few-repeat-buyers": too few
   * customers bought again before it (with the counts); "no-fit": the model could not be
   * fitted on it. Absent in snapshots stored before the code (the page shows the reason).
   */
  readonly code?: "short-history" | "too-few-repeat-buyers" | "no-fit";
  readonly repeatCustomers?: number;
  readonly requiredRepeatCustomers?: number;
}

export interface ScenarioJson {
  /**
   * The purchase model whose drop-out the scenario lowers (analytics/clv/scenario.ts): the
   * one the predictions use. Absent in snapshots stored before scenarios followed the chosen
   * model (they were BG/NBD's).
   */
  readonly model?: PurchaseModelName;
  readonly points: number;
  /** The average chance of being lost before the next purchase, before and after. */
  readonly baselineDropout: number;
  readonly scenarioDropout: number;
  readonly clamped: boolean;
  /** The modified model's parameters. */
  readonly params: Record<string, number>;
  /** Pareto/NBD: the factor every drop-out rate is multiplied by. */
  readonly rateScale?: number;
  readonly baseline: PredictionTotals;
  readonly scenario: PredictionTotals;
  readonly clvGain: number;
  readonly clvGainShare: number;
  readonly revenueGain: number;
  readonly revenueGainShare: number;
}

/** One purchase model's row of the LTV page's comparison table. */
export interface PurchaseModelRow {
  readonly model: PurchaseModelName;
  readonly label: string;
  /** "not-compared": no holdout comparison ran (short history, or an older snapshot). */
  readonly status: "converged" | "not-identified" | "too-little-data" | "not-compared";
  /** Why not identified (status.ts codes, "fit-failed"); null otherwise. */
  readonly code: string | null;
  /** The parameter on the boundary, when there is one. */
  readonly parameter: string | null;
  /** English sentence stored by the compute. */
  readonly reason: string;
  /** Per-customer holdout errors (purchases); null without a fit. */
  readonly rmse: number | null;
  readonly mae: number | null;
  readonly oneTimeBuyersSurelyAlive: boolean;
}

/** How the purchase model behind the predictions was chosen. */
export interface ModelChoiceJson {
  /** "compared": the three models were fitted on the holdout sample; else why not in reason. */
  readonly status: "compared" | "not-compared";
  /** The model with the lowest holdout RMSE among converged fits; null when none converged. */
  readonly chosen: PurchaseModelName | null;
  /** The model the predictions use (the chosen one, or BG/NBD as the fallback). */
  readonly used: PurchaseModelName;
  /** English sentence: why `used` (the choice's reason, or the fallback's). */
  readonly reason: string;
  /** True when `used` is not a chosen model (no comparison, none converged, refit failed). */
  readonly fallback: boolean;
  readonly criterion: "rmse";
  readonly holdoutDays: number | null;
  readonly sampleEvery: number | null;
  /** Calibration customers compared. */
  readonly customers: number | null;
  readonly naiveRmse: number | null;
  /** BG/NBD, MBG/NBD, Pareto/NBD. */
  readonly models: PurchaseModelRow[];
}

/** The purchase model's fit on all customers. */
export interface PurchaseModelJson {
  readonly model: PurchaseModelName;
  readonly label: string;
  readonly oneTimeBuyersSurelyAlive: boolean;
  readonly params: Record<string, number>;
  readonly standardErrors: Record<string, number> | null;
  readonly logLikelihood: number;
  readonly customers: number;
  readonly convergence: ConvergenceJson;
  /**
   * Its fit-quality verdict on all customers (BG/NBD's is stored even when it is the fallback
   * and not identified). Absent in snapshots stored before it.
   */
  readonly quality?: {
    readonly status: "converged" | "not-identified";
    readonly code: string | null;
    readonly parameter: string | null;
    readonly reason: string;
  };
}

/** A prediction and its interval from the parameters' uncertainty (analytics/clv/intervals.ts). */
export interface IntervalJson {
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
}

/** Intervals of one group of customers' predictions: totals, and averages per customer. */
export interface ClvGroupIntervalsJson {
  readonly customers: number;
  readonly clvMinor: IntervalJson;
  readonly averageClvMinor: IntervalJson;
  readonly expectedPurchases90: IntervalJson;
  readonly averageExpectedPurchases90: IntervalJson;
}

export interface ClvSegmentIntervalsJson extends ClvGroupIntervalsJson {
  /** Rule id, or "none" for customers without a segment. */
  readonly segment: string;
  /** The rule's name (English or the merchant's). */
  readonly name: string;
}

/**
 * The predictions' intervals. Absent from snapshots stored before they existed (the page then
 * says the next recompute adds them); "unavailable" when the purchase model has no standard
 * errors or is not identified, with the reason.
 */
export type ClvIntervalsJson =
  | {
      readonly status: "ok";
      /** 0.95: the central share of the draws. */
      readonly level: number;
      readonly draws: number;
      readonly seed: number;
      /** Customers each draw was evaluated on (analytics/clv/intervals.ts). */
      readonly sampledCustomers: number;
      readonly shop: ClvGroupIntervalsJson;
      /** Segments with customers in the model, in rule order ("none" last). */
      readonly segments: ClvSegmentIntervalsJson[];
      /** Per scenario, in the order of `scenarios`; null when there are none. */
      readonly scenarios:
        | {
            readonly points: number;
            readonly clvGain: IntervalJson;
            readonly revenueGain: IntervalJson;
          }[]
        | null;
    }
  | {
      readonly status: "unavailable";
      readonly code: "not-identified" | "no-standard-errors";
      readonly reason: string;
    };

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
  /** How the purchase model was chosen, with every model's holdout error and status. */
  readonly modelChoice: ModelChoiceJson;
  /** The model behind P(alive), expected purchases and predicted CLV. */
  readonly purchaseModel: PurchaseModelJson;
  /** Null when Gamma-Gamma is not used (aovFallback says why): AOV is then the shop mean. */
  readonly gammaGamma: {
    readonly params: GammaGammaParams;
    readonly standardErrors: GammaGammaParams | null;
    readonly logLikelihood: number;
    readonly customers: number;
    readonly convergence: ConvergenceJson;
  } | null;
  readonly aovSource: AovSource;
  /** Why the order value is the shop's mean (meanAovMinor); null when Gamma-Gamma is used. */
  readonly aovFallback:
    | (Omit<AovFallback, "estimate" | "standardError"> & {
        readonly estimate: number | null;
        readonly standardError: number | null;
      })
    | null;
  readonly meanAovMinor: number;
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
  readonly holdout: HoldoutOk | HoldoutUnavailable;
  readonly scenarios: ScenarioJson[];
  /** Ranges of the predictions (absent in snapshots stored before them). */
  readonly intervals?: ClvIntervalsJson;
}

export interface ClvInsufficient extends NotEnoughData {
  readonly horizonMonths: number;
  readonly annualDiscountRate: number;
  readonly customers: number;
  readonly repeatCustomers: number;
  readonly requiredRepeatCustomers: number;
}

/**
 * What LTV:CAC and payback are computed on: "costs" = gross profit from the variants' unit
 * costs (lines without a cost at the margin setting, counted below); "setting" = net revenue
 * × the merchant's gross margin; "none" = neither is known, so ratios say so (never 100 %).
 */
export interface MarginBasis {
  readonly basis: "costs" | "setting" | "none";
  /** The merchant's gross margin setting (0, 1], null when not set. */
  readonly rate: number | null;
  /** Line items of the orders behind the LTV values with and without a unit cost. */
  readonly linesWithCost: number;
  readonly linesWithoutCost: number;
  /**
   * Basis "costs" only: the rate lines without a cost (and orders without line items) count
   * their revenue at: the merchant's margin ("setting"), or with none set the margin of the
   * lines that have a cost ("costed_lines").
   */
  readonly uncostedRate?: number;
  readonly uncostedRateSource?: "setting" | "costed_lines";
}

/** Acquisition by first-touch channel and campaign (issue 17, decision 0051). */
export interface AcquisitionBlock {
  /**
   * The channels of the merchant's rules in rule order, the fallback last. label: the
   * merchant's own name, or null: the UI names a default key (ja/en) or shows the key.
   */
  readonly channels: readonly { readonly key: string; readonly label: string | null }[];
  /** As computed (analytics/acquisition.ts); LTV values are profit when margin.basis is
   *  "costs", otherwise net revenue. campaignMonths keeps only the rows of the first
   *  MAX_CAMPAIGN_MONTH_CAMPAIGNS campaigns by new customers (no page shows them; they were
   *  most of the snapshot): see campaignMonthCampaigns. */
  readonly report: AcquisitionReport;
  /** Campaigns whose month rows report.campaignMonths keeps, of how many campaigns; absent
   *  in snapshots stored before the cut (all rows kept). */
  readonly campaignMonthCampaigns?: { readonly kept: number; readonly total: number };
  readonly margin: MarginBasis;
  /** The merchant's LTV:CAC target (default 3). */
  readonly ltvCacTarget: number;
  /** Acquired customers by what their first order's first touch is: a recorded visit,
   *  Shopify attributed none, or not known (summary not ready or never read). */
  readonly touches: { readonly visit: number; readonly none: number; readonly unknown: number };
  /**
   * Mean predicted CLV (net revenue over the next horizonMonths, the CLV model's) of each
   * channel's customers that the model covers; absent when the model was not fitted (and in
   * snapshots stored before it). Channels without a modelled customer are left out.
   */
  readonly predictedLtv?: {
    readonly horizonMonths: number;
    readonly channels: readonly {
      readonly channel: string;
      readonly customers: number;
      readonly meanClvMinor: number;
    }[];
  };
}

/** Entry products (入口商品, issue 17). Product values are Shopify product ids (decimal
 *  strings): the pages fetch titles live, nothing stores names. */
export interface EntryProductsBlock {
  /** products: the first MAX_ENTRY_PRODUCTS rows by customers. */
  readonly report: EntryProductReport;
  /** Distinct entry products before the cut. */
  readonly totalProducts: number;
  /**
   * By product type of the entry products (types: the first MAX_ENTRY_TYPES rows by
   * customers); "" is the merchant's "no type". Absent in snapshots stored before it.
   */
  readonly byType?: EntryTypeReport & {
    /** Distinct types before the cut, and products with a synced type. */
    readonly totalTypes: number;
    readonly productsTyped: number;
  };
  /**
   * By collection of the entry products (docs/decisions/0069-collections.md; the first
   * MAX_ENTRY_COLLECTIONS rows by customers): a customer counts in each collection of the
   * products of the first purchase. Titles are the merchant's catalogue names. Absent in
   * snapshots stored before it.
   */
  readonly byCollection?: Omit<EntryCollectionReport, "collections"> & {
    readonly collections: readonly (EntryCollectionRow & { readonly collectionId: string })[];
    /** Distinct collections before the cut, and products in a synced collection. */
    readonly totalCollections: number;
    readonly productsInCollections: number;
  };
}
export const MAX_ENTRY_PRODUCTS = 200;
export const MAX_ENTRY_TYPES = 100;
export const MAX_ENTRY_COLLECTIONS = 100;
/** Campaigns whose campaign × month rows the acquisition block keeps. */
export const MAX_CAMPAIGN_MONTH_CAMPAIGNS = 10;

/** What a cohort cut filters on (docs/decisions/0059-cohort-filters.md). */
export type CohortCutDimension = "channel" | "campaign" | "product" | "first_order" | "discount";

/** One cohort of a cut: counts only (the pages derive shares and per-customer values). */
export interface CohortCutRowJson {
  readonly month: string;
  readonly size: number;
  readonly completeMonths: number;
  /** Per month since the first purchase: customers with a purchase, net revenue (minor). */
  readonly activeCustomers: number[];
  readonly netMinor: number[];
  /** reached[n − 1]: customers with ≥ n purchases up to the as-of date. */
  readonly reached: number[];
}

export interface CohortCutJson {
  /** "<dimension>:<value>", the pages' URL parameter. */
  readonly key: string;
  readonly dimension: CohortCutDimension;
  /** Channel key, normalised campaign, product id, "subscription" | "one_time", "yes" | "no". */
  readonly value: string;
  /** The merchant's channel label, when one is set. */
  readonly label: string | null;
  /** Customers with a first purchase up to the as-of date in the cut. */
  readonly customers: number;
  /** The cohorts of the newest MAX_COHORT_ROWS months that have customers, oldest first. */
  readonly rows: CohortCutRowJson[];
  /** reached over all cohorts of the cut (the continuation page's "all" row). */
  readonly totalReached: number[];
  /**
   * Net revenue after refunds of every purchase up to the as-of date of the cut's customers,
   * all cohorts and months (the LTV page's average LTV to date: ÷ customers). Absent in
   * snapshots stored before the LTV page's filter.
   */
  readonly netToDateMinor?: number;
  /**
   * The migration page's counts over the cut's customers, for the snapshot's periods (its
   * migration block's). Absent in snapshots stored before the migration page's filter.
   */
  readonly migration?: MigrationCutJson;
}

/** A cut's year-over-year counts and segment × segment matrix (as MigrationBlock's). */
export interface MigrationCutJson extends YoyCounts {
  /** Rows and columns: MigrationBlock.segments.labels. */
  readonly segmentCounts: number[][];
  readonly segmentRevenueMinor: number[][];
}

/** Cohort tables restricted to one filter value each (absent in snapshots stored before). */
export interface CohortCutsBlock {
  readonly asOfMonth: string;
  readonly maxMonths: number;
  readonly maxPurchases: number;
  /** Customers with a first purchase up to the as-of date. */
  readonly customers: number;
  /** Of those, customers whose first purchase's discount codes were never read. */
  readonly discountUnknown: number;
  /** Cut sizes: campaigns and entry products beyond these are not cut. */
  readonly topCampaigns: number;
  readonly topProducts: number;
  readonly cuts: CohortCutJson[];
  /**
   * Mean predicted CLV (net revenue over the next horizonMonths, the CLV model's, fitted to
   * the whole shop) of each cut's customers the model covers, in cut order; absent when the
   * model was not fitted (and in snapshots stored before it). Cuts without a modelled
   * customer are left out.
   */
  readonly predictedLtv?: {
    readonly horizonMonths: number;
    readonly cuts: readonly {
      readonly key: string;
      readonly customers: number;
      readonly meanClvMinor: number;
    }[];
  };
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
    /** Null: not set (snapshots stored before it always hold a number). */
    readonly grossMarginRatio: number | null;
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
  /** Every KPI month by month from the orders (absent in snapshots stored before it). */
  readonly trends?: TrendsBlock;
  /** Acquisition and entry products (absent in snapshots stored before them). */
  readonly acquisition?: AcquisitionBlock;
  readonly entryProducts?: EntryProductsBlock;
  /** Cohort and continuation tables per filter value (absent in snapshots stored before). */
  readonly cohortCuts?: CohortCutsBlock;
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
  /** Whether customers are segmented (SegmentsBlock.segmented) and the minimum in force. */
  readonly segmented: boolean;
  readonly minSegmentCustomers: number;
  /** The monthly series' values for the sparklines (absent before the history existed). */
  readonly trends?: TrendsSummary;
}

/** Per customer (dense index), for the per-customer result set. NaN = no model value. */
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

/** Segment id of a per-customer segment index. */
export function segmentIdOf(perCustomer: PerCustomerResults, index: number): string {
  return index === NO_SEGMENT ? NO_SEGMENT_ID : (perCustomer.segmentIds[index] ?? NO_SEGMENT_ID);
}
