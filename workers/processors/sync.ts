/** The sync queue: backfill (a self-delaying state machine) and reconciliation. */
import { DelayedError, type Job } from "bullmq";
import prisma from "../../app/db.server";
import { requestRecompute } from "../../app/jobs/compute.server";
import { scheduleNightly } from "../../app/jobs/schedules.server";
import { enqueueBackfill, type ShopJob } from "../../app/jobs/sync.server";
import { logger } from "../../app/logger.server";
import { advanceBackfill, failBackfill } from "../../app/sync/backfill.server";
import { syncContext } from "../../app/sync/context.server";
import { reconcile } from "../../app/sync/reconcile.server";
import { parseSettings } from "../../app/settings";

export async function backfill(job: Job<ShopJob>, token?: string): Promise<string> {
  const log = logger.child({ shop: job.data.shop, jobId: job.id });
  try {
    const step = await advanceBackfill(syncContext(job.data.shop, log), job.data.shop);
    if (!step.done) {
      await job.moveToDelayed(Date.now() + step.checkAgainInMs, token);
      throw new DelayedError();
    }
    // The backfill learnt the shop's time zone: the nightly run moves to its hour.
    const shop = await prisma.shop.findUnique({ where: { domain: job.data.shop } });
    if (shop?.status === "installed") {
      await scheduleNightly(shop.domain, shop.timezone, parseSettings(shop.settings).nightlyHour);
      await requestRecompute(shop.domain, true);
    }
    return "done";
  } catch (error) {
    if (error instanceof DelayedError) throw error;
    // The merchant sees the reason once retries are exhausted; until then, "backfilling".
    const attempts = job.opts.attempts ?? 1;
    if (job.attemptsMade + 1 >= attempts) {
      await failBackfill(
        prisma,
        job.data.shop,
        error instanceof Error ? error.message : String(error),
      );
    }
    throw error;
  }
}

export async function reconcileShop(job: Job<ShopJob>): Promise<string> {
  const log = logger.child({ shop: job.data.shop, jobId: job.id });
  const result = await reconcile(syncContext(job.data.shop, log), job.data.shop);
  if (result.mode === "bulk") await enqueueBackfill(job.data.shop);
  if (result.mode === "paged" && result.orders + result.deleted > 0) {
    await requestRecompute(job.data.shop);
  }
  return result.mode;
}
