/** Enqueue helpers of the webhooks queue. */
import { getQueue } from "./queues.server";

export interface WebhookJob {
  shop: string;
  /** Shopify's topic as authenticate.webhook reports it, e.g. "ORDERS_CREATE". */
  topic: string;
  webhookId: string;
  /** X-Shopify-Triggered-At, or when Kizuna received it. */
  receivedAt: string;
  payload: unknown;
}

/**
 * The job id is the X-Shopify-Webhook-Id, so a redelivery of the same webhook is not
 * queued twice while the first is still known to BullMQ.
 */
export async function enqueueWebhook(job: WebhookJob): Promise<void> {
  await getQueue("webhooks").add(job.topic, job, {
    jobId: `wh-${job.webhookId}`,
    // A compliance job names the customer it is about: once done, nothing of it stays in
    // Redis (the WebhookEvent and DataRequest rows are the record).
    ...(COMPLIANCE_TOPICS.has(job.topic) ? { removeOnComplete: true } : {}),
  });
}

const COMPLIANCE_TOPICS = new Set(["CUSTOMERS_REDACT", "CUSTOMERS_DATA_REQUEST", "SHOP_REDACT"]);
