/**
 * Custom comparison ranges: one job per PeriodResult row (its id is the job id, so asking
 * twice while it waits queues it once).
 */
import { addJob } from "./queues.server";

export const periodRangeJobId = (resultId: number) => `period-range-${resultId}`;

export async function enqueuePeriodRange(shop: string, resultId: number): Promise<void> {
  await addJob(
    "periods",
    "period-range",
    { shop, resultId },
    { jobId: periodRangeJobId(resultId), attempts: 3 },
  );
}
