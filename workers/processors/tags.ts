/** The tags queue: write segments to Shopify as customer tags. */
import type { Job } from "bullmq";
import prisma from "../../app/db.server";
import type { TagSyncJob } from "../../app/jobs/queues.server";
import { logger } from "../../app/logger.server";
import { syncContext } from "../../app/sync/shop-context.server";
import { recordTagSyncFailure, syncShopTags } from "../../app/sync/tags.server";

export async function syncTags(job: Job<TagSyncJob>): Promise<string> {
  const log = logger.child({ shop: job.data.shop, jobId: job.id });
  try {
    const result = await syncShopTags(syncContext(job.data.shop, log), job.data.shop);
    return `${result.mode}: ${result.written} written, ${result.failed} failed`;
  } catch (error) {
    // Shown on the settings and segments pages until a run succeeds; BullMQ retries the job.
    await recordTagSyncFailure(prisma, job.data.shop, error);
    throw error;
  }
}
