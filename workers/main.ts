/**
 * Worker entry point: `npm run workers` runs every queue; `npm run workers -- --queues
 * compute,tags` runs a subset so operators can scale each queue on its own machines.
 */
import { env } from "../app/env.server";
import { logger } from "../app/logger.server";
import { assertRedisReachable, createRedis, RedisUnavailableError } from "../app/redis.server";
import { closeQueues, getQueue, QUEUE_NAMES } from "../app/jobs/queues.server";
import { resumeInterruptedWork } from "../app/jobs/recovery.server";
import { closeRowStore } from "../app/sync/context.server";
import { scheduleHousekeeping } from "../app/jobs/schedules.server";
import { startQueueDashboard } from "./dashboard";
import { parseQueues } from "./queues-arg";
import { startWorkers } from "./runtime";

async function main(): Promise<void> {
  const queues = parseQueues(process.argv.slice(2));
  const config = env();
  await assertRedisReachable(config.REDIS_URL);
  const running = startWorkers({ queues, redisUrl: config.REDIS_URL });
  let stopping = false;
  logger.info({ queues }, "workers started");
  // After a Redis restart the queues are empty: queue again what the database says was
  // under way, at start and whenever the connection comes back.
  const recover = async () => {
    await scheduleHousekeeping();
    logger.info(await resumeInterruptedWork(), "interrupted work resumed");
  };
  await recover();
  // After a reconnect the queues' own (fail-fast) connections may still be reconnecting, and
  // the housekeeping schedule that would retry every 5 minutes went with Redis's data: keep
  // trying, with backoff, until one recovery has gone through.
  let recovering = false;
  const recoverUntilDone = async () => {
    if (recovering) return;
    recovering = true;
    for (let attempt = 0; !stopping; attempt++) {
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
  const watcher = createRedis(config.REDIS_URL, "worker");
  let connectedOnce = false;
  watcher.on("error", () => {}); // the workers log connection errors
  watcher.on("ready", () => {
    if (connectedOnce) void recoverUntilDone();
    connectedOnce = true;
  });
  const dashboard = config.ADMIN_SECRET
    ? await startQueueDashboard({
        queues: QUEUE_NAMES.map(getQueue),
        secret: config.ADMIN_SECRET,
        port: config.OPS_DASHBOARD_PORT,
        host: config.OPS_DASHBOARD_HOST,
      })
    : null;
  if (dashboard) {
    logger.info(
      { url: `http://${config.OPS_DASHBOARD_HOST}:${config.OPS_DASHBOARD_PORT}/ops/queues` },
      "queue dashboard",
    );
  }

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping workers: finishing jobs in hand");
    dashboard?.close();
    watcher.disconnect();
    await running.close();
    await closeQueues();
    await closeRowStore(); // the SQLite writing thread closes its database cleanly
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof RedisUnavailableError) {
    console.error(error.message);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
