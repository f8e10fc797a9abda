/**
 * Tag sync status for the settings and segments pages (last run, customers tagged, pending
 * changes, failures with reasons, next run), and the Shopify segments kept for the shop.
 * Read from the last run's report (app/sync/tag-sync-report.ts), the tags queue and the
 * nightly schedule; every query is scoped to the shop.
 */
import prisma from "../db.server";
import { nextNightlyRun } from "../jobs/schedules.server";
import { tagSyncJobState } from "../jobs/tags.server";
import { logger } from "../logger.server";
import { parseSettings } from "../settings";
import { shopifySegmentUrl } from "../sync/shopify-segments.server";
import { parseTagSyncReport, type TagSyncReport } from "../sync/tag-sync-report";

export interface TagSyncStatusView {
  readonly enabled: boolean;
  readonly prefix: string;
  /** The last run's report; null before the first run. */
  readonly report: TagSyncReport | null;
  /** Customers whose tag is still to be written: refused or at Shopify's limits last run. */
  readonly pending: number;
  /** Segments changed by a compute that finished after the last run (its run is still to come). */
  readonly newerCompute: boolean;
  /** Whether Shopify Flow says a workflow uses the "RFM segment changed" trigger. */
  readonly flowEnabled: boolean;
  /** What runs next: the queued job (now or at its retry time), else the nightly run. */
  readonly next: {
    readonly kind: "queued" | "running" | "nightly" | "none";
    readonly at: number | null;
  };
}

export interface ShopifySegmentView {
  readonly segmentId: string;
  readonly url: string;
  readonly error: string | null;
  readonly orphaned: boolean;
}

/** The next run, or "none" when the queue cannot be read (the page still shows the rest). */
async function nextRun(domain: string): Promise<TagSyncStatusView["next"]> {
  try {
    const job = await tagSyncJobState(domain);
    if (job) return { kind: job.state, at: job.at };
    const nightly = await nextNightlyRun(domain);
    return nightly === null ? { kind: "none", at: null } : { kind: "nightly", at: nightly };
  } catch (error) {
    logger.warn({ shop: domain, err: error }, "tag sync queue unreadable");
    return { kind: "none", at: null };
  }
}

export async function tagSyncStatus(domain: string): Promise<TagSyncStatusView | null> {
  const shop = await prisma.shop.findUnique({
    where: { domain },
    select: { settings: true, tagSyncReport: true, computedAt: true, flowTriggerEnabled: true },
  });
  if (!shop) return null;
  const { enabled, prefix } = parseSettings(shop.settings).tagSync;
  const report = parseTagSyncReport(shop.tagSyncReport);
  const lastRun = report?.finishedAt ? Date.parse(report.finishedAt) : null;
  return {
    enabled,
    prefix,
    report,
    pending: report ? report.failed + report.skippedTagLimit : 0,
    newerCompute:
      enabled &&
      shop.computedAt !== null &&
      (lastRun === null || shop.computedAt.getTime() > lastRun),
    flowEnabled: shop.flowTriggerEnabled,
    next: await nextRun(domain),
  };
}

export async function shopifySegments(domain: string): Promise<ShopifySegmentView[]> {
  const rows = await prisma.shopifySegment.findMany({
    where: { shop: { domain } },
    orderBy: { segmentId: "asc" },
  });
  return rows.map((r) => ({
    segmentId: r.segmentId,
    url: shopifySegmentUrl(r.gid),
    error: r.error,
    orphaned: r.orphanedAt !== null,
  }));
}
