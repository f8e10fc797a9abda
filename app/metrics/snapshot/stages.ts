/** What the pipeline's stages (pipeline.ts) take and hand on to the block builders. */
import type {
  CacResult,
  Calendar,
  CohortTable,
  ContinuationTable,
  CustomerChannels,
  CustomerTable,
  DayRange,
  LtvCurve,
  MarketingSpend,
  Metric,
  MonthlyChurn,
  NpsGroup,
  NpsResponse,
  OrderTable,
  ParetoResult,
  PurchaseHistory,
  RfmGrid,
  RfmResult,
  SegmentMigration,
  SegmentRule,
  YoyMigration,
} from "../../analytics";
import type {
  ClvModels,
  CustomerSummary,
  HoldoutValidation,
  InsufficientData,
  ModelChoice,
  PurchaseModelName,
} from "../../analytics/clv";
import type { AttributionColumns } from "../../analytics/channels";
import type { Csr, LineItemTable } from "../../analytics/entry-products";
import type { ShopSettings } from "../../settings";
import type { CutMembership } from "../../analytics/cohort-cuts";
import type { TrendsBlock } from "./trends-block";
import type {
  AcquisitionBlock,
  CohortCutsBlock,
  EntryProductsBlock,
  HoldoutUnavailable,
  NotEnoughData,
  PerCustomerResults,
  PreviousSnapshot,
  ShopSnapshot,
} from "./types";

/** What an order's first touch is (AcquisitionInput.journey). */
export const JOURNEY_UNKNOWN = 0;
export const JOURNEY_NONE = 1;
export const JOURNEY_VISIT = 2;

/** Line items with what profit needs: row i belongs to OrderTable row order[i]. */
export interface OrderLineItems extends LineItemTable {
  /** Variant code (index into AcquisitionInput.variants), −1 without a variant. */
  readonly variant: Int32Array;
  /** Units ordered (incl. refunded), and without the refunded/removed ones. */
  readonly quantity: Int32Array;
  readonly currentQuantity: Int32Array;
  /** Net of discounts for `quantity` units, minor units. */
  readonly netMinor: Float64Array;
}

/** Per-order first touches and line items, for the acquisition and entry-product blocks. */
export interface AcquisitionInput {
  /** Dictionary-coded per OrderTable row; filled at the orders that can open a customer's
   *  first purchase (−1 elsewhere). Visit fields are −1 unless the journey is a visit. */
  readonly attribution: AttributionColumns;
  /** Per OrderTable row: JOURNEY_* (filled like attribution). */
  readonly journey: Uint8Array;
  /** Line items of customers' remaining orders (no gift cards). */
  readonly lineItems: OrderLineItems;
  /** Product and variant dictionaries: Shopify ids as decimal strings. */
  readonly products: readonly string[];
  readonly variants: readonly string[];
  /** Unit cost per variant code in minor units of the shop currency, NaN without one;
   *  null when the shop has no cost at all. */
  readonly variantCost: Float64Array | null;
  /** Product type per product code (index into `types`, −1 not synced); absent: none. */
  readonly productTypes?: {
    readonly typeOf: Int32Array;
    readonly types: readonly string[];
  };
  /** Collection codes per product code (CSR) and the collections' ids and titles; absent: none. */
  readonly productCollections?: {
    readonly collectionsOf: { readonly start: Int32Array; readonly values: Int32Array };
    readonly ids: readonly string[];
    readonly titles: readonly string[];
  };
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
  /** First touches and line items; absent: no acquisition or entry-product block. */
  readonly acquisition?: AcquisitionInput;
  readonly previous?: PreviousSnapshot | null;
  /** Holdout check sample cap; default HOLDOUT_SAMPLE_CUSTOMERS. */
  readonly holdoutSampleCustomers?: number;
  /** Purchase models the holdout compares; default all three (tests narrow it). */
  readonly purchaseModels?: readonly PurchaseModelName[];
  /** Tests only: the history stage also keeps the CPU busy this long, as a large shop's does. */
  readonly stageBusyMs?: number;
}

export type SnapshotStage = "history" | "descriptive" | "clv" | "holdout" | "assemble";

export interface SnapshotBuild {
  readonly snapshot: ShopSnapshot;
  readonly perCustomer: PerCustomerResults;
  /** Milliseconds per stage. */
  readonly timingsMs: Readonly<Record<SnapshotStage, number>>;
  /** Of the clv stage, the churn scenarios' milliseconds (0 when the model was not fitted). */
  readonly scenariosMs: number;
}

/** What every stage reads: the input and the purchase history built from it. */
export interface Context {
  readonly input: SnapshotInput;
  readonly calendar: Calendar;
  readonly history: PurchaseHistory;
  readonly asOfDay: number;
  readonly last12: DayRange;
  readonly rules: readonly SegmentRule[];
}

/** The acquisition and entry-product blocks (acquisition-block.ts), before the CLV stage. */
export interface AcquisitionStage {
  readonly acquisition: AcquisitionBlock;
  readonly entryProducts: EntryProductsBlock;
  /** Per customer: index into acquisition.channels, −1 without a first purchase. */
  readonly channelOf: Int32Array;
  /** Per customer: index into campaigns (first touch's normalised utm_campaign), or −1. */
  readonly campaignOf: Int32Array;
  readonly campaigns: readonly string[];
  /** Per customer, CSR: the distinct products of the first purchase (product codes). */
  readonly entryOf: Csr;
  /** Per customer: a first purchase by the as-of day (1) or not (customer facts). */
  readonly included: Uint8Array;
}

/** The descriptive stage's results (analytics/ engines, before any JSON shaping). */
export interface Descriptive {
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
  readonly trends: TrendsBlock;
  /** Null when the input has no first touches and line items. */
  readonly acquisition: AcquisitionStage | null;
  /** Cohort tables per filter value and their memberships (cohort-cuts-block.ts). */
  readonly cohortCuts: CohortCutsStage;
}

/** The clv stage's models and per-customer predictions. */
export interface ClvStage {
  readonly models: ClvModels | InsufficientData;
  /** The purchase models compared on the holdout sample, or why they were not. */
  readonly choice: ChoiceOutcome;
  /** Per customer, NaN where the model has no value. */
  readonly pAlive: Float64Array;
  readonly expected90: Float64Array;
  readonly clv: Float64Array;
}

/** The holdout card: the used model's check on the choice's sample, or why there is none. */
export type HoldoutOutcome =
  (HoldoutValidation & { readonly sampleEvery: number }) | HoldoutUnavailable;

/**
 * The model choice on the holdout sample (every `sampleEvery`-th customer), with that
 * sample's summary (the holdout card reuses it and the choice's fits).
 */
export type ChoiceOutcome =
  | {
      readonly status: "ok";
      readonly choice: ModelChoice;
      readonly sampleEvery: number;
      readonly summary: CustomerSummary;
    }
  | (NotEnoughData & { readonly code: "short-history" | "no-fit" });

/** The block and what later stages need to sum per cut (the predicted LTV by cut). */
export interface CohortCutsStage {
  readonly block: CohortCutsBlock;
  /** Each customer's cuts (those with a first purchase by the as-of day only). */
  readonly membership: CutMembership;
  /** Key of each membership cut; null for the helper cuts the pages never show. */
  readonly keys: readonly (string | null)[];
  /** Per customer: a first purchase by the as-of day (1) or not. */
  readonly included: Uint8Array;
}
