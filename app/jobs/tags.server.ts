/**
 * Enqueue helpers of the tags queue: one tag sync job per shop at a time. The job reads
 * the shop's settings when it runs: tag sync on → write changed segments; off → take
 * Kizuna's tags off again. So a request can never run with a stale mode.
 */
import { getQueue } from "./queues.server";

export const tagSyncJobId = (shop: string) => `tags-${shop}`;

export interface TagSyncJob {
  shop: string;
}

export async function enqueueTagSync(shop: string): Promise<void> {
  const queue = getQueue("tags");
  const existing = await queue.getJob(tagSyncJobId(shop));
  if (existing && (await existing.isFailed())) await existing.remove();
  await queue.add("sync-tags", { shop } satisfies TagSyncJob, {
    jobId: tagSyncJobId(shop),
    attempts: 5,
    backoff: { type: "exponential", delay: 30_000 },
    removeOnComplete: true,
  });
}
