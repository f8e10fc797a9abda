/** The housekeeping queue: each shop's nightly run, and pruning. */
import type { Job } from "bullmq";
import prisma from "../../app/db.server";
import { requestRecompute } from "../../app/jobs/compute.server";
import { resumeInterruptedWork } from "../../app/jobs/recovery.server";
import type { NightlyJob } from "../../app/jobs/schedules.server";
import { enqueueReconcile } from "../../app/jobs/sync.server";

/** Webhook ids are kept this long for idempotency (Shopify retries for 48 hours). */
const WEBHOOK_ID_RETENTION_MS = 7 * 24 * 3600_000;

/** Catch up with Shopify first (missed webhooks), then recompute everything. */
export async function nightly(job: Job<NightlyJob>): Promise<string> {
  const shop = await prisma.shop.findUnique({ where: { domain: job.data.shop } });
  if (!shop || shop.status !== "installed") return "skipped: not installed";
  await enqueueReconcile(shop.domain);
  await requestRecompute(shop.domain, true);
  return "queued";
}

export async function prune(): Promise<string> {
  const { count } = await prisma.webhookEvent.deleteMany({
    where: { processedAt: { lt: new Date(Date.now() - WEBHOOK_ID_RETENTION_MS) } },
  });
  return `pruned ${count} webhook ids`;
}

export async function recover(): Promise<string> {
  const { backfills, computes, schedules } = await resumeInterruptedWork();
  return `resumed ${backfills} backfills, ${computes} computes, ${schedules} schedules`;
}
