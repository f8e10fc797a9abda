/** Reading stored snapshots back, and the parts of one the next build and the dashboard need. */
import { trendsSummary } from "./trends-block";
import type { PurchaseModelName } from "../../analytics/clv";
import {
  KPI_IDS,
  SNAPSHOT_VERSION,
  type ClvOk,
  type ModelChoiceJson,
  type PurchaseModelJson,
  type PurchaseModelRow,
  type KpiId,
  type PreviousSnapshot,
  type ShopSnapshot,
  type SnapshotSummary,
} from "./types";

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
    segmented: snapshot.segments.segmented,
    minSegmentCustomers: snapshot.segments.minCustomers,
    ...(snapshot.trends ? { trends: trendsSummary(snapshot.trends) } : {}),
  };
}

/** The bits of a stored snapshot the next build needs. */
export function previousOf(snapshot: ShopSnapshot): PreviousSnapshot {
  const kpis: Partial<Record<KpiId, number | null>> = {};
  for (const id of KPI_IDS) kpis[id] = snapshot.kpis[id]?.metric.value ?? null;
  return { computedAt: snapshot.computedAt, kpis };
}

/** Version 1 → 2: the LTV block had BG/NBD only and no model comparison. */
function upgradeClvFromV1(clv: Record<string, unknown>): Record<string, unknown> {
  if (clv.status !== "ok" || clv.modelChoice !== undefined) return clv;
  const bgnbd = clv.bgnbd as ClvOk["bgnbd"];
  const reason =
    "Computed before the purchase models were compared (snapshot version 1): BG/NBD only";
  const row = (model: PurchaseModelName, label: string, oneTime: boolean): PurchaseModelRow => ({
    model,
    label,
    status: "not-compared",
    code: null,
    parameter: null,
    reason,
    rmse: null,
    mae: null,
    oneTimeBuyersSurelyAlive: oneTime,
  });
  const modelChoice: ModelChoiceJson = {
    status: "not-compared",
    chosen: null,
    used: "bgnbd",
    reason,
    fallback: true,
    criterion: "rmse",
    holdoutDays: null,
    sampleEvery: null,
    customers: null,
    naiveRmse: null,
    models: [
      row("bgnbd", "BG/NBD", true),
      row("mbgnbd", "MBG/NBD", false),
      row("pareto-nbd", "Pareto/NBD", false),
    ],
  };
  const purchaseModel: PurchaseModelJson = {
    model: "bgnbd",
    label: "BG/NBD",
    oneTimeBuyersSurelyAlive: true,
    params: { ...bgnbd.params },
    standardErrors: bgnbd.standardErrors === null ? null : { ...bgnbd.standardErrors },
    logLikelihood: bgnbd.logLikelihood,
    customers: bgnbd.customers,
    convergence: bgnbd.convergence,
  };
  return { ...clv, modelChoice, purchaseModel };
}

/**
 * Brings a stored document of an older readable version to this one: version 1 snapshots
 * (before the model choice) get the LTV block's `modelChoice`/`purchaseModel` from their
 * BG/NBD fit; version 1 summaries have this version's shape already. Null for any other.
 */
function upgrade(value: Record<string, unknown>, kind: "snapshot" | "summary"): unknown {
  if (value.version === SNAPSHOT_VERSION) return value;
  if (value.version !== 1) return null;
  if (kind === "summary") return { ...value, version: SNAPSHOT_VERSION };
  const clv = value.clv;
  if (typeof clv !== "object" || clv === null) return null;
  return {
    ...value,
    version: SNAPSHOT_VERSION,
    clv: upgradeClvFromV1(clv as Record<string, unknown>),
  };
}

/** Stored JSON of this (or an upgradable) version; null for another version or bad text. */
function parseVersioned<T>(json: string | null, kind: "snapshot" | "summary"): T | null {
  if (json === null) return null;
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value === "object" && value !== null) {
      return upgrade(value as Record<string, unknown>, kind) as T | null;
    }
  } catch {
    // fall through
  }
  return null;
}

/** Parses stored snapshot JSON (version 1 upgraded); null for another version or bad text. */
export const parseSnapshot = (json: string): ShopSnapshot | null =>
  parseVersioned<ShopSnapshot>(json, "snapshot");

/** Parses a stored summary (version 1 upgraded); null for another version, bad text or null. */
export const parseSummary = (json: string | null): SnapshotSummary | null =>
  parseVersioned<SnapshotSummary>(json, "summary");
