/** The periods queue: a merchant's custom comparison range (app/metrics/period-range.server.ts). */
import type { Job } from "bullmq";
import type { PeriodRangeJob } from "../../app/jobs/queues.server";
import { computePeriodRange } from "../../app/metrics/period-range.server";

export async function periodRange(job: Job<PeriodRangeJob>): Promise<string> {
  return computePeriodRange(job.data.shop, job.data.resultId, {
    willRetry: job.attemptsMade + 1 < (job.opts.attempts ?? 1),
  });
}
