/**
 * Job processors by queue and job name. Processors stay thin: they parse the job data
 * and call a service in app/ (sync, analytics, tags).
 */
import type { Job } from "bullmq";
import type { QueueName } from "../../app/jobs/queues.server";
import { compute } from "./compute";
import { nightly, prune, recover } from "./housekeeping";
import { backfill, reconcileShop } from "./sync";
import { syncTags } from "./tags";
import { applyWebhook } from "./webhooks";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each processor types its own job data
export type Processor = (job: Job<any>, token?: string) => Promise<unknown>;

/** Webhook jobs are named after their topic; every topic has the same processor. */
const WEBHOOK_TOPICS = [
  "ORDERS_CREATE",
  "ORDERS_UPDATED",
  "ORDERS_CANCELLED",
  "ORDERS_DELETE",
  "REFUNDS_CREATE",
  "CUSTOMERS_CREATE",
  "CUSTOMERS_UPDATE",
  "CUSTOMERS_DELETE",
  "BULK_OPERATIONS_FINISH",
  "CUSTOMERS_DATA_REQUEST",
  "CUSTOMERS_REDACT",
  "SHOP_REDACT",
] as const;

export const processors: Record<QueueName, Record<string, Processor>> = {
  sync: { backfill, reconcile: reconcileShop },
  webhooks: Object.fromEntries(WEBHOOK_TOPICS.map((topic) => [topic, applyWebhook])),
  compute: { compute },
  tags: { "sync-tags": syncTags },
  housekeeping: { nightly, prune, recover },
};
