/**
 * Worker entry point: `npm run workers` runs every queue; `npm run workers -- --queues
 * compute,tags` runs a subset so operators can scale each queue on its own machines.
 * SIGTERM/SIGINT stop it within SHUTDOWN_TIMEOUT_MS whatever state Redis and the database
 * are in (app/shutdown.server.ts).
 */
import "../app/load-env.server"; // first: .env before anything reads the environment
import { env } from "../app/env.server";
import { logger } from "../app/logger.server";
import {
  assertRedisReachable,
  checkDurability,
  createRedis,
  recordRedisEpoch,
  redisEpoch,
  RedisUnavailableError,
} from "../app/redis.server";
import type { Server } from "node:http";
import type { Redis } from "ioredis";
import prisma from "../app/db.server";
import { closeQueues, getQueue, QUEUE_NAMES } from "../app/jobs/queues.server";
import { reconcileEveryShop, resumeInterruptedWork } from "../app/jobs/recovery.server";
import { closeSnapshotThread } from "../app/metrics/snapshot-thread.server";
import { closeRowStore } from "../app/sync/context.server";
import { scheduleHousekeeping } from "../app/jobs/schedules.server";
import { installShutdown, startedByHarness, within, type Deadline } from "../app/shutdown.server";
import { startQueueDashboard } from "./dashboard";
import { lowerPriority } from "./priority";
import { parseQueues } from "./queues-arg";
import { startWorkers, type RunningWorkers } from "./runtime";

/** What is running so far: a signal may come while main() still sets things up. */
const state: {
  stopping: boolean;
  watcher?: Redis;
  running?: RunningWorkers;
  dashboard?: Server | null;
} = { stopping: false };

async function stop(deadline: Deadline): Promise<void> {
  state.stopping = true;
  state.dashboard?.close();
  state.dashboard?.closeAllConnections();
  state.watcher?.disconnect();
  // What is left once the jobs had their time goes to closing connections (each bounded).
  const reserve = Math.min(2_000, deadline.remaining() / 4);
  if (state.running) {
    const jobs = await deadline.step("jobs in hand", () =>
      state.running!.close(deadline.remaining() - reserve),
    );
    logger.info({ jobs }, "workers closed");
  }
  const share = () => Math.max(0, deadline.remaining() - 100) / 2;
  // A compute handed back stops on its thread too (it holds nothing to flush).
  await deadline.step(
    "queues",
    within(share(), Promise.all([closeQueues(), closeSnapshotThread()]), undefined),
  );
  // The SQLite writing thread closes its database cleanly; PostgreSQL pools end.
  await deadline.step(
    "database",
    within(share(), Promise.all([closeRowStore(), prisma.$disconnect()]), undefined),
  );
}

async function main(): Promise<void> {
  const queues = parseQueues(process.argv.slice(2));
  const config = env();
  // First, before the queues' threads and connections exist: they inherit it.
  if (config.WORKER_NICE > 0) lowerPriority(config.WORKER_NICE);
  installShutdown({
    what: "workers",
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    log: logger,
    stop,
    withParent: startedByHarness(),
  });
  await assertRedisReachable(config.REDIS_URL);
  if (state.stopping) return;
  const watcher = createRedis(config.REDIS_URL, "worker");
  state.watcher = watcher;
  watcher.on("error", () => {}); // the workers log connection errors
  const problems = await checkDurability(watcher);
  if (problems.length > 0) {
    logger.warn(
      { problems, see: "README.md, Deploying: Redis" },
      `Redis may lose accepted webhooks and queued jobs: ${problems.join("; ")}`,
    );
  }
  if (state.stopping) return;
  state.running = startWorkers({ queues, redisUrl: config.REDIS_URL });
  logger.info({ queues }, "workers started");
  // After a Redis restart the queues are empty: queue again what the database says was
  // under way, at start and whenever the connection comes back. Webhooks the app had
  // acknowledged and queued are in no database: when Redis is not the server last seen,
  // every shop is reconciled now rather than at its nightly run.
  const epochKey = `${config.QUEUE_PREFIX}:redis-epoch`;
  const recover = async () => {
    await scheduleHousekeeping();
    logger.info(await resumeInterruptedWork(), "interrupted work resumed");
    const epoch = await redisEpoch(watcher, epochKey);
    if (epoch.state !== "same") {
      const shops = await reconcileEveryShop();
      logger.warn(
        { redis: epoch.state, shops },
        "Redis is not the server last seen: every shop's reconciliation queued",
      );
      await recordRedisEpoch(watcher, epochKey, epoch.runId);
    }
  };
  await recover();
  // After a reconnect the queues' own (fail-fast) connections may still be reconnecting, and
  // the housekeeping schedule that would retry every 5 minutes went with Redis's data: keep
  // trying, with backoff, until one recovery has gone through.
  let recovering = false;
  const recoverUntilDone = async () => {
    if (recovering) return;
    recovering = true;
    for (let attempt = 0; !state.stopping; attempt++) {
      try {
        await recover();
        break;
      } catch (e: unknown) {
        const delay = Math.min(30_000, 500 * 2 ** attempt);
        logger.warn({ err: String(e), retryInMs: delay }, "recovery after reconnect failed");
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    recovering = false;
  };
  // The watcher was ready before its first command answered: each "ready" from now on is a
  // reconnect.
  watcher.on("ready", () => void recoverUntilDone());
  if (state.stopping) return;
  const dashboard = config.ADMIN_SECRET
    ? await startQueueDashboard({
        queues: QUEUE_NAMES.map(getQueue),
        secret: config.ADMIN_SECRET,
        port: config.OPS_DASHBOARD_PORT,
        host: config.OPS_DASHBOARD_HOST,
      })
    : null;
  state.dashboard = dashboard;
  if (state.stopping) dashboard?.close();
  else if (dashboard) {
    logger.info(
      { url: `http://${config.OPS_DASHBOARD_HOST}:${config.OPS_DASHBOARD_PORT}/ops/queues` },
      "queue dashboard",
    );
  }
}

main().catch((error: unknown) => {
  // Stopping closes what main() may still be using: the shutdown's own lines say the rest.
  if (state.stopping) return;
  if (error instanceof RedisUnavailableError) {
    console.error(error.message);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
