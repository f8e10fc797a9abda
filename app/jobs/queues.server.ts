/**
 * Queue names and the producer side of BullMQ. Every enqueue in the app goes through
 * the helpers of app/jobs/; workers/ consumes the same names.
 */
import { Queue, type QueueOptions } from "bullmq";
import type { Redis } from "ioredis";
import { env } from "../env.server";
import { createRedis } from "../redis.server";

export const QUEUE_NAMES = ["sync", "webhooks", "compute", "tags", "housekeeping"] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

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

export async function closeQueues(): Promise<void> {
  await Promise.all([...queues.values()].map((q) => q.close()));
  queues.clear();
  connection?.disconnect();
  connection = undefined;
}
