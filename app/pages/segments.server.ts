/**
 * The segments page's data: the R × FM grid and one row per segment from the latest
 * snapshot, with the recommended action in force now (the merchant may have edited it
 * since the compute), and saving an edited action into settings.segmentActions.
 */
import type { MetricDefinition } from "../analytics/metric";
import { DEFAULT_SEGMENT_RULES, rfmDefinition, type SegmentRule } from "../analytics/rfm";
import {
  DEFAULT_SEGMENT_ACTIONS,
  defaultSegmentAction,
  segmentAction,
} from "../metrics/segment-actions";
import type { GridBlock, SegmentRow } from "../metrics/snapshot/types";
import type { ShopSettings } from "../settings";
import { updateSettings } from "./settings.server";
import { latestSnapshot, loadShop } from "./page-base.server";
import { MAX_ACTION_LENGTH } from "./segment-params";
import type { ShopStatus } from "./shop-status";

export interface SegmentAction {
  readonly text: string;
  readonly custom: boolean;
  /** Default segment whose action text this is (for translation); null for the merchant's. */
  readonly archetype: string | null;
  /** The default text, shown when the merchant resets the action. */
  readonly defaultText: string;
  readonly defaultArchetype: string | null;
}

export interface SegmentView extends Pick<
  SegmentRow,
  | "id"
  | "name"
  | "recency"
  | "fm"
  | "customers"
  | "customerShare"
  | "revenueMinor"
  | "revenueShare"
  | "orders"
  | "averageOrderValueMinor"
  | "averageRecencyDays"
  | "averageFrequency"
  | "averagePredictedClvMinor"
  | "averagePAlive"
> {
  readonly action: SegmentAction;
  /** NPS of the segment's answers in the last 12 months; null without answers. */
  readonly nps: number | null;
  readonly npsResponses: number;
}

export interface SegmentsData {
  readonly found: boolean;
  readonly currency: string;
  readonly timeZone: string;
  readonly status: ShopStatus | null;
  readonly snapshot: {
    readonly asOfDate: string;
    readonly computedAt: number;
    readonly scoredCustomers: number;
    /** False below the minimum of customers: no segments and no tags yet. */
    readonly segmented: boolean;
    readonly minCustomers: number;
    /** How the RFM scores are defined. */
    readonly definition: MetricDefinition;
    readonly revenueMinor: number;
    readonly customRules: boolean;
    readonly clvOk: boolean;
    readonly grid: GridBlock;
    readonly rows: SegmentView[];
  } | null;
}

const archetypeOf = (text: string): string | null =>
  Object.entries(DEFAULT_SEGMENT_ACTIONS).find(([, t]) => t === text)?.[0] ?? null;

export function actionInForce(
  rule: SegmentRule,
  overrides: ShopSettings["segmentActions"],
): SegmentAction {
  const current = segmentAction(rule, overrides);
  const defaultText = defaultSegmentAction(rule);
  const defaultArchetype = archetypeOf(defaultText);
  return {
    text: current.text,
    custom: current.custom,
    archetype: current.custom ? null : defaultArchetype,
    defaultText,
    defaultArchetype,
  };
}

export async function segmentsData(domain: string): Promise<SegmentsData> {
  const shop = await loadShop(domain);
  if (!shop) {
    return { found: false, currency: "USD", timeZone: "UTC", status: null, snapshot: null };
  }
  const snapshot = await latestSnapshot(shop.id);
  const base = {
    found: true,
    currency: snapshot?.currency ?? shop.currency,
    timeZone: snapshot?.timeZone ?? shop.timezone,
    status: shop.status,
  };
  if (!snapshot) return { ...base, snapshot: null };
  const nps = new Map(snapshot.nps.bySegment.map((g) => [g.key, g.metric]));
  // Snapshots stored before the minimum existed were always segmented.
  const minCustomers = snapshot.segments.minCustomers ?? 1;
  return {
    ...base,
    snapshot: {
      asOfDate: snapshot.asOfDate,
      computedAt: snapshot.computedAt,
      scoredCustomers: snapshot.segments.scoredCustomers,
      segmented: snapshot.segments.segmented ?? true,
      minCustomers,
      definition: snapshot.segments.definition ?? rfmDefinition(minCustomers),
      revenueMinor: snapshot.segments.revenueMinor,
      customRules: snapshot.segments.customRules,
      clvOk: snapshot.clv.status === "ok",
      grid: snapshot.grid,
      rows: snapshot.segments.rows.map((row) => ({
        id: row.id,
        name: row.name,
        recency: row.recency,
        fm: row.fm,
        customers: row.customers,
        customerShare: row.customerShare,
        revenueMinor: row.revenueMinor,
        revenueShare: row.revenueShare,
        orders: row.orders,
        averageOrderValueMinor: row.averageOrderValueMinor,
        averageRecencyDays: row.averageRecencyDays,
        averageFrequency: row.averageFrequency,
        averagePredictedClvMinor: row.averagePredictedClvMinor,
        averagePAlive: row.averagePAlive,
        action: actionInForce(row, shop.settings.segmentActions),
        nps: nps.get(row.id)?.value ?? null,
        npsResponses: nps.get(row.id)?.denominator ?? 0,
      })),
    },
  };
}

export type SaveActionResult =
  | { readonly ok: true; readonly segment: string }
  | { readonly ok: false; readonly segment: string | null; readonly error: string };

/**
 * Saves the merchant's action text for one segment of the rules in force; a blank text
 * goes back to the default. Takes effect on the page at once (no recompute needed).
 */
export async function saveSegmentAction(domain: string, form: FormData): Promise<SaveActionResult> {
  const segment = String(form.get("segment") ?? "");
  const text = String(form.get("text") ?? "").trim();
  if (text.length > MAX_ACTION_LENGTH) {
    return { ok: false, segment, error: "errors.actionTooLong" };
  }
  const result = await updateSettings(domain, (settings) => {
    const rules = settings.segmentRules ?? DEFAULT_SEGMENT_RULES;
    if (!rules.some((r) => r.id === segment)) return null;
    const segmentActions = { ...settings.segmentActions };
    if (text === "") delete segmentActions[segment];
    else segmentActions[segment] = text;
    return { ...settings, segmentActions };
  });
  if (result.status === "not-found") return { ok: false, segment: null, error: "errors.noShop" };
  if (result.status !== "ok") return { ok: false, segment, error: "errors.unknownSegment" };
  return { ok: true, segment };
}
