/** The housekeeping queue: each shop's nightly run, pruning, and recovery. */
import type { Job } from "bullmq";
import prisma from "../../app/db.server";
import type { NightlyJob } from "../../app/jobs/queues.server";
import { resumeInterruptedWork } from "../../app/jobs/recovery.server";
import { runNightly } from "../../app/jobs/schedules.server";
import { pruneWebhookIds } from "../../app/sync/webhook-processing.server";

export const nightly = (job: Job<NightlyJob>): Promise<string> => runNightly(job.data.shop);

export async function prune(): Promise<string> {
  return `pruned ${await pruneWebhookIds(prisma)} webhook ids`;
}

export async function recover(): Promise<string> {
  const { backfills, computes, schedules } = await resumeInterruptedWork();
  return `resumed ${backfills} backfills, ${computes} computes, ${schedules} schedules`;
}
