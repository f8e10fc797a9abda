/**
 * The queues, every job they carry, and the producer side of BullMQ. Every enqueue in the
 * app goes through the helpers of app/jobs/ and `addJob`; workers/processors/index.ts maps
 * the same names to their processors.
 */
import { Queue, type JobsOptions, type QueueOptions } from "bullmq";
import type { Redis } from "ioredis";
import { env } from "../env.server";
import { createRedis } from "../redis.server";

/** Most jobs are about one shop. */
export interface ShopJob {
  shop: string;
}
export type ComputeJob = ShopJob;
export type TagSyncJob = ShopJob;
export type NightlyJob = ShopJob;
/** A custom comparison range to compute: its PeriodResult row. */
export interface PeriodRangeJob extends ShopJob {
  resultId: number;
}
/** Housekeeping that is not per shop carries nothing. */
export type NoData = Record<string, never>;

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
 * Every job Kizuna queues: queue → job name → the data it carries. `addJob` accepts only
 * these pairs, and workers/processors/index.ts must have a processor for each taking that
 * data (a compile error otherwise). A webhook to a tag write, by job:
 * webhooks/<TOPIC> → compute/compute → tags/sync-tags.
 */
export interface Jobs {
  sync: { backfill: ShopJob; reconcile: ShopJob };
  /** Named after the webhook's topic ("ORDERS_CREATE"); one processor takes them all. */
  webhooks: Record<string, WebhookJob>;
  compute: { compute: ComputeJob };
  tags: { "sync-tags": TagSyncJob };
  housekeeping: { nightly: NightlyJob; prune: NoData; recover: NoData };
  /** A merchant waits on the dashboard for these: a queue of their own, not behind computes. */
  periods: { "period-range": PeriodRangeJob };
}

export type QueueName = keyof Jobs;
export type JobName<Q extends QueueName> = keyof Jobs[Q] & string;

export const QUEUE_NAMES = [
  "sync",
  "webhooks",
  "compute",
  "tags",
  "housekeeping",
  "periods",
] as const satisfies readonly QueueName[];

export function isQueueName(name: string): name is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(name);
}

/** Retries with exponential backoff; finished jobs are trimmed, failed ones kept to read. */
export const DEFAULT_JOB_OPTIONS: QueueOptions["defaultJobOptions"] = {
  attempts: 5,
  backoff: { type: "exponential", delay: 5_000 },
  removeOnComplete: { age: 24 * 3600, count: 1_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};

let connection: Redis | undefined;
const queues = new Map<QueueName, Queue>();

export function getQueue(name: QueueName): Queue {
  let queue = queues.get(name);
  if (!queue) {
    connection ??= createRedis(env().REDIS_URL, "producer");
    queue = new Queue(name, {
      connection,
      prefix: env().QUEUE_PREFIX,
      defaultJobOptions: DEFAULT_JOB_OPTIONS,
    });
    queues.set(name, queue);
  }
  return queue;
}

/** A job scheduler's template: a job of the queue, trimmed once done. */
export function scheduledJob<Q extends QueueName, N extends JobName<Q>>(
  _queue: Q,
  name: N,
  data: Jobs[Q][N],
) {
  return { name, data, opts: { removeOnComplete: true } };
}

/** Adds a job: the name must be one of the queue's, the data what that job carries. */
export async function addJob<Q extends QueueName, N extends JobName<Q>>(
  queue: Q,
  name: N,
  data: Jobs[Q][N],
  opts?: JobsOptions,
): Promise<void> {
  await getQueue(queue).add(name, data, opts);
}

export async function closeQueues(): Promise<void> {
  await Promise.all([...queues.values()].map((q) => q.close()));
  queues.clear();
  connection?.disconnect();
  connection = undefined;
}
