/**
 * A KPI's page: its monthly series from the latest snapshot (values, n/N, definition) with
 * pass/fail per month against the target in force now, and saving that target. Pass/fail is
 * evaluated here from the stored values, so a new target shows at once without a recompute.
 */
import type { MetricUnit } from "../analytics/metric";
import {
  evaluateTarget,
  kpiTargetProblem,
  type KpiTargetProblem,
  TARGET_DIRECTIONS,
  type KpiTarget,
  type TargetDirection,
  type TargetStatus,
} from "../analytics/targets";
import type { KpiSeries, TrendPoint } from "../analytics/trends";
import { TREND_IDS } from "../analytics/trends";
import type { RangeResult, RangeSeries } from "../metrics/period-range.server";
import { STORED_PERIODS, type StoredPeriod } from "../metrics/snapshot/trends-block";
import { targetDeclined, targetFor } from "../settings";
import { updateSettings } from "./settings.server";
import { latestSnapshot, loadShop } from "./page-base.server";
import { periodRangeState, retryPeriodRange, type RangeState } from "./period-range.server";

/** The KPI page's granularities: the stored ones, or a merchant's custom range. */
export type KpiPeriod = StoredPeriod | "month" | "range";

export interface KpiPoint extends TrendPoint {
  readonly status: TargetStatus | null;
  /** The base is below the series' minimum: shown as too few, not as a value. */
  readonly tooFew: boolean;
}

export interface KpiPageData {
  readonly found: boolean;
  readonly id: string;
  /** The granularity shown (?period=quarter|year|last12|range; months otherwise). */
  readonly period: KpiPeriod;
  /** Quarters and years count from this month (1–12). */
  readonly fiscalStartMonth: number;
  readonly currency: string;
  readonly timeZone: string;
  readonly asOfDate: string | null;
  readonly series: (Omit<KpiSeries, "points"> & { readonly points: KpiPoint[] }) | null;
  readonly target: KpiTarget | null;
  readonly declined: boolean;
  /**
   * A custom range (period "range"): its state, and once ready the range as a whole and the
   * same months a year earlier; `series.points` are then the range's months.
   */
  readonly range: RangeState | null;
  readonly rangeRows: { readonly range: KpiPoint; readonly lastYear: KpiPoint } | null;
}

const EMPTY_RESULT: RangeResult = {
  fiscalStartMonth: 1,
  months: [],
  ends: [],
  partial: false,
  series: [],
};

export const isTrendId = (id: string): boolean => (TREND_IDS as readonly string[]).includes(id);

/** A point's value as the pages read it: null when its base is too small to mean anything. */
export const readable = (p: TrendPoint, minBase: number): boolean =>
  p.value !== null && p.denominator >= minBase;

/** The KPI page's granularities besides months. */
export function parseKpiPeriod(value: string | null): KpiPeriod {
  if (value === "range") return "range";
  return (STORED_PERIODS as readonly string[]).includes(value ?? "")
    ? (value as StoredPeriod)
    : "month";
}

/** Point k of a stored range series (the as-of month's point is partial). */
function rangePoint(
  s: RangeSeries,
  k: number,
  month: string,
  end: string,
  partial: boolean,
): TrendPoint {
  return {
    month,
    start: `${month}-01`,
    end,
    value: s.values[k],
    // Results stored before numerators were: the ratio's count from its value.
    numerator: s.numerators?.[k] ?? Math.round((s.values[k] ?? 0) * s.bases[k]),
    denominator: s.bases[k],
    partial,
    immature: s.immature[k],
  };
}

/** The range's months (if stored) and its two whole-range rows, from its stored result. */
function rangeSeries(
  result: RangeResult,
  id: string,
): { months: TrendPoint[]; range: TrendPoint; lastYear: TrendPoint } | null {
  const s = result.series.find((x) => x.id === id);
  if (!s) return null;
  const m = result.monthly;
  const ms = m?.series.find((x) => x.id === id);
  const last = (m?.months.length ?? 0) - 1;
  return {
    months:
      m && ms
        ? m.months.map((month, k) => rangePoint(ms, k, month, m.ends[k], m.partial && k === last))
        : [],
    lastYear: rangePoint(s, 0, result.months[0], result.ends[0], false),
    range: rangePoint(s, 1, result.months[1], result.ends[1], result.partial),
  };
}

/** Retry of a failed custom range from the KPI page (null: no shop or no snapshot yet). */
export async function retryKpiRange(
  domain: string,
  from: string,
  to: string,
): Promise<RangeState | null> {
  const shop = await loadShop(domain);
  const snapshot = shop && (await latestSnapshot(shop.id));
  if (!shop || !snapshot) return null;
  return retryPeriodRange(shop, from, to, {
    asOfDate: snapshot.asOfDate,
    firstPurchaseDate: snapshot.counts.firstPurchaseDate,
  });
}

export async function kpiPageData(
  domain: string,
  id: string,
  period: KpiPeriod = "month",
  custom: { readonly from: string; readonly to: string } = { from: "", to: "" },
): Promise<KpiPageData> {
  const shop = await loadShop(domain);
  const empty = {
    found: false,
    id,
    period,
    fiscalStartMonth: 1,
    currency: "USD",
    timeZone: "UTC",
    asOfDate: null,
    series: null,
    target: null,
    declined: false,
    range: null,
    rangeRows: null,
  };
  if (!shop || !isTrendId(id)) return empty;
  const snapshot = await latestSnapshot(shop.id);
  const target = targetFor(shop.settings, id);
  const block =
    period === "month" || period === "range"
      ? snapshot?.trends
      : snapshot?.trends?.periods?.[period];
  let series = block?.series.find((s) => s.id === id) ?? null;
  // A range: its state (stored result, or its job queued), its months as the points.
  let range: RangeState | null = null;
  let rows: { range: TrendPoint; lastYear: TrendPoint } | null = null;
  if (period === "range" && snapshot && series) {
    range = await periodRangeState(shop, custom.from, custom.to, {
      asOfDate: snapshot.asOfDate,
      firstPurchaseDate: snapshot.counts.firstPurchaseDate,
    });
    const stored = range.status === "ready" ? rangeSeries(range.result, id) : null;
    rows = stored && { range: stored.range, lastYear: stored.lastYear };
    series = { ...series, points: stored?.months ?? [] };
  }
  const judge = (p: TrendPoint, minBase: number): KpiPoint => {
    const tooFew = !readable(p, minBase);
    return { ...p, tooFew, status: tooFew ? null : evaluateTarget(target, p.value) };
  };
  return {
    found: true,
    id,
    period,
    fiscalStartMonth: snapshot?.trends?.periods?.year.fiscalStartMonth ?? 1,
    currency: snapshot?.currency ?? shop.currency,
    timeZone: snapshot?.timeZone ?? shop.timezone,
    asOfDate: snapshot?.asOfDate ?? null,
    target,
    declined: targetDeclined(shop.settings, id),
    // The state without the stored result (the page gets it as points and rows).
    range: range?.status === "ready" ? { ...range, result: EMPTY_RESULT } : range,
    rangeRows:
      rows && series
        ? {
            range: judge(rows.range, series.minBase),
            lastYear: judge(rows.lastYear, series.minBase),
          }
        : null,
    series:
      series === null
        ? null
        : { ...series, points: series.points.map((p) => judge(p, series!.minBase)) },
  };
}

/** Ratios are entered as percentages; everything else in its own unit. */
const fromInput = (text: string, unit: MetricUnit): number | null => {
  const t = text.normalize("NFKC").trim().replace(/[,%]/g, "");
  if (t === "") return null;
  const n = Number(t);
  if (!Number.isFinite(n)) return NaN;
  return unit === "ratio" ? n / 100 : n;
};

/** Why a target was not saved: the last part of a `kpiPage.error.*` message key. */
export type SaveTargetError =
  KpiTargetProblem | "unknown_kpi" | "direction" | "numbers" | "no_shop" | "not_saved";

export type SaveTargetResult =
  { readonly ok: true } | { readonly ok: false; readonly error: SaveTargetError };

/** Saves the target of one KPI from the KPI page's form (direction, min, max). */
export async function saveKpiTarget(
  domain: string,
  id: string,
  unit: MetricUnit,
  form: FormData,
): Promise<SaveTargetResult> {
  if (!isTrendId(id)) return { ok: false, error: "unknown_kpi" };
  const direction = String(form.get("direction") ?? "") as TargetDirection;
  if (!TARGET_DIRECTIONS.includes(direction)) {
    return { ok: false, error: "direction" };
  }
  const min = fromInput(String(form.get("min") ?? ""), unit);
  const max = fromInput(String(form.get("max") ?? ""), unit);
  const target: KpiTarget = {
    direction,
    min: direction === "at_least" || direction === "range" ? min : null,
    max: direction === "at_most" || direction === "range" ? max : null,
  };
  if (Number.isNaN(target.min) || Number.isNaN(target.max)) {
    return { ok: false, error: "numbers" };
  }
  const problem = kpiTargetProblem(target);
  if (problem !== null) return { ok: false, error: problem };
  const result = await updateSettings(domain, (current) => ({
    kpiTargets: { ...current.kpiTargets, [id]: target },
  }));
  if (result.status === "ok") return { ok: true };
  if (result.status === "not-found") return { ok: false, error: "no_shop" };
  return { ok: false, error: "not_saved" };
}
