/**
 * Starts BullMQ workers for a set of queues and stops them gracefully. Used by the
 * `npm run workers` entry point and by tests that run workers in-process.
 */
import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { env } from "../app/env.server";
import type { QueueName } from "../app/jobs/queues.server";
import { logger } from "../app/logger.server";
import { createRedis } from "../app/redis.server";
import { within } from "../app/shutdown.server";
import { processors, type Processor } from "./processors/index";

/** How many jobs of one queue a process works on at once. */
const CONCURRENCY: Record<QueueName, number> = {
  sync: 2,
  webhooks: 20,
  compute: 1,
  tags: 2,
  housekeeping: 1,
  periods: 1,
};

export interface RunningWorkers {
  workers: Worker[];
  /**
   * Takes no new job, waits up to `graceMs` for the jobs in hand, then closes every Redis
   * connection without waiting on a server that is gone. Resolves with how it ended:
   * "finished" (every job in hand done), "handed back" (Redis unreachable or the grace
   * over: the jobs still in hand stay active in Redis, and BullMQ's stalled-job recovery
   * gives them to another worker once their lock expires, WORKER_LOCK_MS).
   */
  close(graceMs?: number): Promise<"finished" | "handed back">;
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
  // Passed in, so BullMQ shares rather than owns them: closing them is ours to do.
  const connections: Redis[] = [];
  const workers = options.queues.map((queue) => {
    const connection = createRedis(options.redisUrl, "worker");
    connections.push(connection);
    const worker = new Worker(queue, dispatch(queue, table[queue]), {
      connection,
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
    // Worker.close() waits for the jobs in hand and has no timeout of its own; when Redis is
    // gone it never resolves (it quits connections that cannot answer): the wait is bounded
    // here, and a Redis that is not ready is disconnected rather than waited on.
    close: async (graceMs = Infinity) => {
      const ready = () => connections.every((c) => c.status === "ready");
      let outcome: "finished" | "handed back" = "handed back";
      if (ready()) {
        let onLost = () => {};
        const lost = new Promise<"lost">((resolve) => (onLost = () => resolve("lost")));
        for (const c of connections) c.once("close", onLost);
        const closed = Promise.all(workers.map((w) => w.close())).then(() => "closed" as const);
        const result = await within(graceMs, Promise.race([closed, lost]), "late" as const);
        for (const c of connections) c.off("close", onLost);
        if (result === "closed") outcome = "finished";
      } else {
        // No job in hand can be marked done without Redis: leave them to stalled-job recovery.
        for (const w of workers) void w.close(true).catch(() => {});
      }
      if (outcome === "handed back") {
        for (const w of workers) void w.disconnect().catch(() => {});
      }
      for (const c of connections) c.disconnect();
      return outcome;
    },
  };
}
