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
import { STORED_PERIODS, type StoredPeriod } from "../metrics/snapshot/trends-block";
import { targetDeclined, targetFor } from "../settings";
import { updateSettings } from "./settings.server";
import { latestSnapshot, loadShop } from "./page-base.server";

export interface KpiPoint extends TrendPoint {
  readonly status: TargetStatus | null;
  /** The base is below the series' minimum: shown as too few, not as a value. */
  readonly tooFew: boolean;
}

export interface KpiPageData {
  readonly found: boolean;
  readonly id: string;
  /** The granularity shown (?period=quarter|year|last12; months otherwise). */
  readonly period: StoredPeriod | "month";
  /** Quarters and years count from this month (1–12). */
  readonly fiscalStartMonth: number;
  readonly currency: string;
  readonly timeZone: string;
  readonly asOfDate: string | null;
  readonly series: (Omit<KpiSeries, "points"> & { readonly points: KpiPoint[] }) | null;
  readonly target: KpiTarget | null;
  readonly declined: boolean;
}

export const isTrendId = (id: string): boolean => (TREND_IDS as readonly string[]).includes(id);

/** A point's value as the pages read it: null when its base is too small to mean anything. */
export const readable = (p: TrendPoint, minBase: number): boolean =>
  p.value !== null && p.denominator >= minBase;

/** The KPI page's granularities besides months (a custom range stays on the dashboard). */
export function parseKpiPeriod(value: string | null): StoredPeriod | "month" {
  return (STORED_PERIODS as readonly string[]).includes(value ?? "")
    ? (value as StoredPeriod)
    : "month";
}

export async function kpiPageData(
  domain: string,
  id: string,
  period: StoredPeriod | "month" = "month",
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
  };
  if (!shop || !isTrendId(id)) return empty;
  const snapshot = await latestSnapshot(shop.id);
  const target = targetFor(shop.settings, id);
  const block = period === "month" ? snapshot?.trends : snapshot?.trends?.periods?.[period];
  const series = block?.series.find((s) => s.id === id) ?? null;
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
    series:
      series === null
        ? null
        : {
            ...series,
            points: series.points.map((p) => {
              const tooFew = !readable(p, series.minBase);
              return { ...p, tooFew, status: tooFew ? null : evaluateTarget(target, p.value) };
            }),
          },
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
