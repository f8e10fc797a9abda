/** The webhooks queue: apply one webhook, then wake or schedule what follows. */
import { UnrecoverableError, type Job } from "bullmq";
import { requestRecompute } from "../../app/jobs/compute.server";
import { wakeBackfill } from "../../app/jobs/sync.server";
import type { WebhookJob } from "../../app/jobs/webhooks.server";
import { logger } from "../../app/logger.server";
import { webhookContext } from "../../app/sync/context.server";
import { processWebhook, WebhookPayloadError } from "../../app/sync/webhook-processing.server";

export async function applyWebhook(job: Job<WebhookJob>): Promise<string> {
  const log = logger.child({ shop: job.data.shop, jobId: job.id, topic: job.data.topic });
  const outcome = await processWebhook(webhookContext(job.data.shop, log), job.data).catch(
    (error: unknown) => {
      // Signed by Shopify yet unreadable: a retry would fail the same way.
      if (error instanceof WebhookPayloadError) throw new UnrecoverableError(error.message);
      throw error;
    },
  );
  if (outcome.bulkOperationFinished) await wakeBackfill(job.data.shop);
  if (outcome.ordersChanged) await requestRecompute(job.data.shop);
  return outcome.ordersChanged ? "orders changed" : "applied";
}
