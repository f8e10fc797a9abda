/**
 * Enqueue helpers of the tags queue: one tag sync job per shop at a time. The job reads
 * the shop's settings when it runs: tag sync on → write changed segments; off → take
 * Kizuna's tags off again. So a request can never run with a stale mode.
 */
import { addJob, getQueue } from "./queues.server";

export const tagSyncJobId = (shop: string) => `tags-${shop}`;

export async function enqueueTagSync(shop: string): Promise<void> {
  const queue = getQueue("tags");
  const existing = await queue.getJob(tagSyncJobId(shop));
  if (existing && (await existing.isFailed())) await existing.remove();
  await addJob(
    "tags",
    "sync-tags",
    { shop },
    {
      jobId: tagSyncJobId(shop),
      attempts: 5,
      backoff: { type: "exponential", delay: 30_000 },
      removeOnComplete: true,
    },
  );
}

/** The shop's tag sync job now: waiting, delayed (a retry, with its time) or running; else null. */
export async function tagSyncJobState(
  shop: string,
): Promise<{ state: "queued" | "running"; at: number | null } | null> {
  const job = await getQueue("tags").getJob(tagSyncJobId(shop));
  if (!job) return null;
  const state = await job.getState();
  if (state === "active") return { state: "running", at: null };
  if (state === "waiting" || state === "prioritized" || state === "waiting-children")
    return { state: "queued", at: null };
  if (state === "delayed") return { state: "queued", at: job.timestamp + (job.delay ?? 0) };
  return null;
}
