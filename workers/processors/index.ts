/**
 * Job processors by queue and job name: the workers' side of the job map (`Jobs` in
 * app/jobs/queues.server.ts). Every job there has a processor here taking its data, and
 * nothing else does (checked by the compiler). Processors stay thin: they read the job's
 * data, call a service in app/, and turn "not yet" into a BullMQ delay.
 */
import type { Job } from "bullmq";
import type { JobName, Jobs, QueueName } from "../../app/jobs/queues.server";
import { WEBHOOK_TOPICS } from "../../app/sync/webhook-processing.server";
import { compute } from "./compute";
import { nightly, prune, recover } from "./housekeeping";
import { periodRange } from "./periods";
import { backfill, reconcileShop } from "./sync";
import { syncTags } from "./tags";
import { applyWebhook } from "./webhooks";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each processor types its own job data
export type Processor = (job: Job<any>, token?: string) => Promise<unknown>;

/** For each queue, a processor for each of its jobs, taking that job's data. */
export type Processors = {
  [Q in QueueName]: {
    [N in JobName<Q>]: (job: Job<Jobs[Q][N]>, token?: string) => Promise<unknown>;
  };
};

export const processors = {
  sync: { backfill, reconcile: reconcileShop },
  // Webhook jobs are named after their topic: every topic Kizuna processes, one processor.
  webhooks: Object.fromEntries(WEBHOOK_TOPICS.map((topic) => [topic, applyWebhook])),
  compute: { compute },
  tags: { "sync-tags": syncTags },
  housekeeping: { nightly, prune, recover },
  periods: { "period-range": periodRange },
} satisfies Processors;
