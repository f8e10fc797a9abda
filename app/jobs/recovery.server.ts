/**
 * Redis keeps no data on disk in many deployments: after a Redis restart the queues are
 * empty while the database still says what was under way. Workers call this at start and
 * every few minutes (housekeeping "recover") to queue that work again; job ids keep it
 * from doubling anything still queued. What the database cannot say — webhooks Shopify
 * delivered and the app acknowledged, still queued when Redis lost them — a reconciliation
 * of every shop fetches again (reconcileEveryShop, when workers find Redis restarted).
 */
import prisma from "../db.server";
import { currentResultSet } from "../metrics/result-set.server";
import { parseSettings } from "../settings";
import { requestRecompute } from "./compute.server";
import { nextNightlyRun, scheduleNightly } from "./schedules.server";
import { enqueueBackfill, enqueueReconcile } from "./sync.server";

export interface Recovered {
  backfills: number;
  computes: number;
  schedules: number;
}

export async function resumeInterruptedWork(): Promise<Recovered> {
  const shops = await prisma.shop.findMany({
    where: { status: "installed" },
    select: {
      id: true,
      domain: true,
      timezone: true,
      settings: true,
      syncStatus: true,
      backfilledAt: true,
      computedAt: true,
      computeRequestedAt: true,
    },
  });
  const recovered: Recovered = { backfills: 0, computes: 0, schedules: 0 };
  for (const shop of shops) {
    if (shop.syncStatus === "backfilling") {
      await enqueueBackfill(shop.domain);
      recovered.backfills++;
    } else if (
      shop.backfilledAt &&
      (!shop.computedAt ||
        (shop.computeRequestedAt && shop.computeRequestedAt > shop.computedAt) ||
        // Computed before per-customer results were result sets (migration
        // customer_result_set): drill-downs and tag sync wait for the next compute, so run
        // it now rather than at the nightly hour. Last, so only a shop not already due is read.
        (await currentResultSet(prisma, shop.id)) === null)
    ) {
      await requestRecompute(shop.domain, true);
      recovered.computes++;
    }
    if ((await nextNightlyRun(shop.domain)) === null) {
      await scheduleNightly(shop.domain, shop.timezone, parseSettings(shop.settings).nightlyHour);
      recovered.schedules++;
    }
  }
  return recovered;
}

/**
 * A reconciliation for every installed shop, now: each pages through what changed in Shopify
 * since its last one, so it finds what lost webhooks carried. The deduplication id of
 * enqueueReconcile absorbs a shop's second request while one waits.
 */
export async function reconcileEveryShop(): Promise<number> {
  const shops = await prisma.shop.findMany({
    where: { status: "installed" },
    select: { domain: true },
  });
  for (const shop of shops) await enqueueReconcile(shop.domain);
  return shops.length;
}
