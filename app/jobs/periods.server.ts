/**
 * Custom comparison ranges: one job per PeriodResult row (its id is the job id, so asking
 * twice while it waits queues it once).
 */
import { addJob, getQueue } from "./queues.server";

export const periodRangeJobId = (resultId: number) => `period-range-${resultId}`;

export async function enqueuePeriodRange(shop: string, resultId: number): Promise<void> {
  await addJob(
    "periods",
    "period-range",
    { shop, resultId },
    { jobId: periodRangeJobId(resultId), attempts: 3 },
  );
}

/**
 * Before a row's job is queued again (Retry): a finished job keeps its id in Redis for a
 * while (failed ones for days), and BullMQ ignores an add under an id it still holds, so the
 * finished one goes. A job still waiting or running is left alone: one job per row.
 */
export async function clearFinishedPeriodRange(resultId: number): Promise<void> {
  const job = await getQueue("periods").getJob(periodRangeJobId(resultId));
  if (!job) return;
  const state = await job.getState();
  if (state === "failed" || state === "completed") await job.remove();
}

/**
 * Whether a row's job is gone for good: it failed after its last attempt (e.g. a worker killed
 * mid-run too often to count as a stall) without the row saying so. Its reason, else null.
 */
export async function periodRangeJobFailure(resultId: number): Promise<string | null> {
  const job = await getQueue("periods").getJob(periodRangeJobId(resultId));
  if (!job || (await job.getState()) !== "failed") return null;
  return job.failedReason || "failed";
}
