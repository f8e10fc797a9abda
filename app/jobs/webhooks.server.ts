/** Enqueue helpers of the webhooks queue. */
import { addJob, type WebhookJob } from "./queues.server";

/**
 * The job id is the X-Shopify-Webhook-Id, so a redelivery of the same webhook is not
 * queued twice while the first is still known to BullMQ.
 */
export async function enqueueWebhook(job: WebhookJob): Promise<void> {
  await addJob("webhooks", job.topic, job, {
    jobId: `wh-${job.webhookId}`,
    // A compliance job names the customer it is about: once done, nothing of it stays in
    // Redis (the WebhookEvent and DataRequest rows are the record).
    ...(COMPLIANCE_TOPICS.has(job.topic) ? { removeOnComplete: true } : {}),
  });
}

const COMPLIANCE_TOPICS = new Set(["CUSTOMERS_REDACT", "CUSTOMERS_DATA_REQUEST", "SHOP_REDACT"]);
