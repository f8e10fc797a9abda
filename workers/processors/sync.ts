/** The sync queue: backfill (a self-delaying state machine in app/sync) and reconciliation. */
import { DelayedError, type Job } from "bullmq";
import prisma from "../../app/db.server";
import { requestRecompute } from "../../app/jobs/compute.server";
import type { ShopJob } from "../../app/jobs/queues.server";
import { enqueueBackfill } from "../../app/jobs/sync.server";
import { logger } from "../../app/logger.server";
import { onShopBackfilled } from "../../app/shop-lifecycle.server";
import { advanceBackfill, failBackfill } from "../../app/sync/backfill.server";
import { syncContext } from "../../app/sync/shop-context.server";
import { reconcile } from "../../app/sync/reconcile.server";

export async function backfill(job: Job<ShopJob>, token?: string): Promise<string> {
  const log = logger.child({ shop: job.data.shop, jobId: job.id });
  try {
    const step = await advanceBackfill(syncContext(job.data.shop, log), job.data.shop);
    if (!step.done) {
      await job.moveToDelayed(Date.now() + step.checkAgainInMs, token);
      throw new DelayedError();
    }
    await onShopBackfilled(job.data.shop);
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
