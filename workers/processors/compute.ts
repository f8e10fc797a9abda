/**
 * The compute queue: one job per shop (see app/jobs/compute.server.ts). It waits for a
 * running backfill, computes, hands segments to tag sync, and runs again if a change
 * arrived while it computed.
 */
import { DelayedError, type Job } from "bullmq";
import prisma from "../../app/db.server";
import { computeTiming, recomputeAt, type ComputeJob } from "../../app/jobs/compute.server";
import { enqueueTagSync } from "../../app/jobs/tags.server";
import { logger } from "../../app/logger.server";
import { computeShop } from "../../app/metrics/compute.server";
import { parseSettings } from "../../app/settings";

const BACKFILL_WAIT_MS = 30_000;

export async function compute(job: Job<ComputeJob>, token?: string): Promise<string> {
  const log = logger.child({ shop: job.data.shop, jobId: job.id });
  const shop = await prisma.shop.findUnique({ where: { domain: job.data.shop } });
  if (!shop || shop.status !== "installed") return "skipped: not installed";
  if (shop.syncStatus === "backfilling") {
    await job.moveToDelayed(Date.now() + BACKFILL_WAIT_MS, token);
    throw new DelayedError();
  }

  const startedAt = new Date();
  await prisma.shop.update({ where: { id: shop.id }, data: { computeStartedAt: startedAt } });
  // Start and end lines bracket each run: operators (and the exclusivity test) read them.
  log.info("compute started");
  await computeShop(shop.domain, {
    onProgress: (percent) => job.updateProgress(percent),
    // The merchant sees "failed" only when BullMQ will not try again.
    willRetry: job.attemptsMade + 1 < (job.opts.attempts ?? 1),
  });
  log.info({ ms: Date.now() - startedAt.getTime() }, "computed");

  if (parseSettings(shop.settings).tagSync.enabled) await enqueueTagSync(shop.domain);

  const after = await prisma.shop.findUnique({
    where: { id: shop.id },
    select: { computeRequestedAt: true },
  });
  if (after?.computeRequestedAt && after.computeRequestedAt > startedAt) {
    const now = Date.now();
    await job.moveToDelayed(
      recomputeAt(now, startedAt.getTime(), now, false, computeTiming()),
      token,
    );
    throw new DelayedError();
  }
  return "computed";
}
