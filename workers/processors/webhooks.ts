/** The webhooks queue: apply one webhook, then wake or schedule what follows. */
import { UnrecoverableError, type Job } from "bullmq";
import { requestRecompute } from "../../app/jobs/compute.server";
import { wakeBackfill } from "../../app/jobs/sync.server";
import type { WebhookJob } from "../../app/jobs/queues.server";
import { logger } from "../../app/logger.server";
import { webhookContext } from "../../app/sync/shop-context.server";
import { processWebhook, WebhookPayloadError } from "../../app/sync/webhook-processing.server";

export async function applyWebhook(job: Job<WebhookJob>): Promise<string> {
  const log = logger.child({ shop: job.data.shop, jobId: job.id, topic: job.data.topic });
  const outcome = await processWebhook(webhookContext(job.data.shop, log), job.data).catch(
    (error: unknown) => {
      // Signed by Shopify yet unusable: a retry would fail the same way. Failed for good,
      // and the log says why (the job's payload holds only the fields processing reads).
      if (error instanceof WebhookPayloadError) {
        log.error({ reason: error.message }, "webhook rejected for good: nothing was written");
        throw new UnrecoverableError(error.message);
      }
      throw error;
    },
  );
  if (outcome.bulkOperationFinished) await wakeBackfill(job.data.shop);
  if (outcome.ordersChanged) await requestRecompute(job.data.shop);
  return outcome.ordersChanged ? "orders changed" : "applied";
}
