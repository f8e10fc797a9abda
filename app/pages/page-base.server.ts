/**
 * What every page loader starts from: the session's shop row (status, currency, zone,
 * settings), its latest stored snapshot, and the page base (loadPage) the analysis pages
 * share. Loaders only read what the workers computed; nothing here recomputes. Every query is
 * scoped to the shop of the authenticated session.
 */
import prisma from "../db.server";
import { parseSnapshot, parseSummary, summaryOf } from "../metrics/snapshot/codec";
import type { ShopSnapshot, SnapshotSummary } from "../metrics/snapshot/types";
import { parseSettings, type ShopSettings } from "../settings";
import type { ShopStatus } from "./shop-status";

export type { ShopStatus };

export interface ShopContext {
  readonly id: number;
  readonly domain: string;
  readonly currency: string;
  readonly timezone: string;
  readonly settings: ShopSettings;
  readonly status: ShopStatus;
}

/** The session's shop, or null before the install hook has created its row. */
export async function loadShop(domain: string): Promise<ShopContext | null> {
  const shop = await prisma.shop.findUnique({
    where: { domain },
    select: {
      id: true,
      domain: true,
      currency: true,
      timezone: true,
      settings: true,
      syncStatus: true,
      syncDone: true,
      syncTotal: true,
      syncError: true,
      computeStatus: true,
      computeProgress: true,
      computeError: true,
      computedAt: true,
      backfilledAt: true,
    },
  });
  if (!shop) return null;
  return {
    id: shop.id,
    domain: shop.domain,
    currency: shop.currency,
    timezone: shop.timezone,
    settings: parseSettings(shop.settings),
    status: {
      syncStatus: shop.syncStatus,
      syncDone: shop.syncDone,
      syncTotal: shop.syncTotal,
      syncError: shop.syncError,
      computeStatus: shop.computeStatus,
      computeProgress: shop.computeProgress,
      computeError: shop.computeError,
      computedAt: shop.computedAt?.getTime() ?? null,
      backfilledAt: shop.backfilledAt?.getTime() ?? null,
    },
  };
}

// Snapshot rows are written once and never updated, so a parsed one can be kept by id.
const CACHE_SIZE = 16;
const parsed = new Map<number, ShopSnapshot>();

function remember(id: number, snapshot: ShopSnapshot): void {
  parsed.delete(id);
  parsed.set(id, snapshot);
  while (parsed.size > CACHE_SIZE) parsed.delete(parsed.keys().next().value!);
}

/** The newest snapshot of the shop, or null when none is stored (or its version is old). */
export async function latestSnapshot(shopId: number): Promise<ShopSnapshot | null> {
  const head = await prisma.metricSnapshot.findFirst({
    where: { shopId },
    orderBy: [{ computedAt: "desc" }, { id: "desc" }],
    select: { id: true },
  });
  if (!head) return null;
  const cached = parsed.get(head.id);
  if (cached) {
    remember(head.id, cached);
    return cached;
  }
  const row = await prisma.metricSnapshot.findFirst({
    where: { id: head.id, shopId },
    select: { data: true },
  });
  const snapshot = row ? parseSnapshot(row.data) : null;
  if (snapshot) remember(head.id, snapshot);
  return snapshot;
}

const summaries = new Map<number, SnapshotSummary>();

/**
 * The dashboard's part of the newest snapshot, from its small summary column: a cold process
 * parses a few KB, not the whole document. Snapshots written before the column existed fall
 * back to the document (and are remembered like any other).
 */
export async function latestSummary(shopId: number): Promise<SnapshotSummary | null> {
  const head = await prisma.metricSnapshot.findFirst({
    where: { shopId },
    orderBy: [{ computedAt: "desc" }, { id: "desc" }],
    select: { id: true },
  });
  if (!head) return null;
  let summary = summaries.get(head.id) ?? null;
  if (!summary) {
    const row = await prisma.metricSnapshot.findFirst({
      where: { id: head.id, shopId },
      select: { summary: true },
    });
    summary = parseSummary(row?.summary ?? null);
    if (!summary) {
      const snapshot = await latestSnapshot(shopId);
      summary = snapshot ? summaryOf(snapshot) : null;
    }
  }
  summaries.delete(head.id);
  if (summary) summaries.set(head.id, summary);
  while (summaries.size > CACHE_SIZE) summaries.delete(summaries.keys().next().value!);
  return summary;
}

/** Forgets cached snapshots (tests and benchmarks measure cold loads). */
export function clearSnapshotCache(): void {
  parsed.clear();
  summaries.clear();
}

export interface PageBase {
  readonly found: boolean;
  readonly currency: string;
  readonly timeZone: string;
  readonly status: ShopStatus | null;
  readonly asOfDate: string | null;
  readonly computedAt: number | null;
}

/** The page base and latest snapshot of the session's shop (and the shop, when found). */
export async function loadPage(
  domain: string,
): Promise<{ base: PageBase; snapshot: ShopSnapshot | null; shop: ShopContext | null }> {
  const shop = await loadShop(domain);
  if (!shop) {
    return {
      base: {
        found: false,
        currency: "USD",
        timeZone: "UTC",
        status: null,
        asOfDate: null,
        computedAt: null,
      },
      snapshot: null,
      shop: null,
    };
  }
  const snapshot = await latestSnapshot(shop.id);
  return {
    base: {
      found: true,
      currency: snapshot?.currency ?? shop.currency,
      timeZone: snapshot?.timeZone ?? shop.timezone,
      status: shop.status,
      asOfDate: snapshot?.asOfDate ?? null,
      computedAt: snapshot?.computedAt ?? null,
    },
    snapshot,
    shop,
  };
}
