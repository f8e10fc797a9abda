/** Enqueue helpers of the sync queue (backfill, reconciliation). */
import { addJob, getQueue } from "./queues.server";

/** One backfill job per shop at a time: the job id is derived from the shop. */
export const backfillJobId = (shop: string) => `backfill-${shop}`;

export async function enqueueBackfill(shop: string): Promise<void> {
  // A failed run keeps its id for a while; a new request must not be swallowed by it.
  const previous = await getQueue("sync").getJob(backfillJobId(shop));
  if (previous && (await previous.isFailed())) await previous.remove();
  await addJob(
    "sync",
    "backfill",
    { shop },
    {
      jobId: backfillJobId(shop),
      // The backfill waits on Shopify by delaying itself; its attempts are for errors.
      attempts: 5,
      backoff: { type: "exponential", delay: 30_000 },
      removeOnComplete: true,
    },
  );
}

/** The bulk_operations/finish webhook: let a waiting backfill go on now. */
export async function wakeBackfill(shop: string): Promise<void> {
  const job = await getQueue("sync").getJob(backfillJobId(shop));
  if (job && (await job.isDelayed())) await job.promote();
}

export async function enqueueReconcile(shop: string): Promise<void> {
  await addJob(
    "sync",
    "reconcile",
    { shop },
    {
      deduplication: { id: `reconcile-${shop}` },
    },
  );
}

/** app/uninstalled: drop the shop's waiting sync work (a running job sees the status). */
export async function cancelShopJobs(shop: string): Promise<void> {
  const job = await getQueue("sync").getJob(backfillJobId(shop));
  if (job && ((await job.isDelayed()) || (await job.isWaiting()))) await job.remove();
}
