/**
 * The compute queue: one job per shop (see app/jobs/compute.server.ts). The run itself is
 * app/metrics/run-compute.server.ts; a run that must wait (a backfill running, a change that
 * came in meanwhile) delays this job instead of finishing it.
 */
import { DelayedError, type Job } from "bullmq";
import type { ComputeJob } from "../../app/jobs/queues.server";
import { logger } from "../../app/logger.server";
import { runCompute } from "../../app/metrics/run-compute.server";

export async function compute(job: Job<ComputeJob>, token?: string): Promise<string> {
  const run = await runCompute(job.data.shop, {
    log: logger.child({ shop: job.data.shop, jobId: job.id }),
    onProgress: (percent) => job.updateProgress(percent),
    // The merchant sees "failed" only when BullMQ will not try again.
    willRetry: job.attemptsMade + 1 < (job.opts.attempts ?? 1),
  });
  if ("at" in run) {
    await job.moveToDelayed(run.at, token);
    throw new DelayedError();
  }
  return run.outcome;
}
