/**
 * Starts BullMQ workers for a set of queues and stops them gracefully. Used by the
 * `npm run workers` entry point and by tests that run workers in-process.
 */
import { UnrecoverableError, Worker, type Job } from "bullmq";
import { env } from "../app/env.server";
import type { QueueName } from "../app/jobs/queues.server";
import { logger } from "../app/logger.server";
import { createRedis } from "../app/redis.server";
import { processors, type Processor } from "./processors/index";

/** How many jobs of one queue a process works on at once. */
const CONCURRENCY: Record<QueueName, number> = {
  sync: 2,
  webhooks: 20,
  compute: 1,
  tags: 2,
  housekeeping: 1,
};

export interface RunningWorkers {
  workers: Worker[];
  close(): Promise<void>;
}

function dispatch(queue: QueueName, table: Record<string, Processor>): Processor {
  return async (job: Job, token?: string) => {
    const processor = table[job.name];
    // A job nobody can process would retry forever: fail it for good, with its reason.
    if (!processor)
      throw new UnrecoverableError(`No processor for job "${job.name}" on queue "${queue}"`);
    return processor(job, token);
  };
}

export interface WorkerOptions {
  queues: readonly QueueName[];
  redisUrl: string;
  /** Defaults to the production table; tests pass their own. */
  processors?: Record<QueueName, Record<string, Processor>>;
  /** Redis key prefix; tests use their own so they never touch real queues. */
  prefix?: string;
}

export function startWorkers(options: WorkerOptions): RunningWorkers {
  const table = options.processors ?? processors;
  const workers = options.queues.map((queue) => {
    const worker = new Worker(queue, dispatch(queue, table[queue]), {
      connection: createRedis(options.redisUrl, "worker"),
      prefix: options.prefix ?? env().QUEUE_PREFIX,
      lockDuration: env().WORKER_LOCK_MS,
      stalledInterval: env().WORKER_LOCK_MS,
      // Every job is idempotent: a job whose worker was killed (deploys, OOM) twice is still
      // worth a third try before it counts as failed.
      maxStalledCount: 3,
      concurrency: CONCURRENCY[queue],
    });
    worker.on("failed", (job, error) =>
      logger.warn({ queue, jobId: job?.id, job: job?.name, err: error.message }, "job failed"),
    );
    worker.on("error", (error) => logger.error({ queue, err: error.message }, "worker error"));
    return worker;
  });
  return {
    workers,
    // Worker.close() waits for the jobs in hand to finish; stalled-job recovery
    // (BullMQ's own) picks up anything a killed process left behind.
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
