/** Reading stored snapshots back, and the parts of one the next build and the dashboard need. */
import { trendsSummary } from "./trends-block";
import {
  KPI_IDS,
  SNAPSHOT_VERSION,
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
