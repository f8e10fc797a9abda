/** The tags queue: write segments to Shopify as customer tags. */
import type { Job } from "bullmq";
import type { TagSyncJob } from "../../app/jobs/tags.server";
import { logger } from "../../app/logger.server";
import { syncContext } from "../../app/sync/context.server";
import { syncShopTags } from "../../app/sync/tags.server";

export async function syncTags(job: Job<TagSyncJob>): Promise<string> {
  const log = logger.child({ shop: job.data.shop, jobId: job.id });
  const result = await syncShopTags(syncContext(job.data.shop, log), job.data.shop);
  return `${result.mode}: ${result.written} written, ${result.failed} failed`;
}
