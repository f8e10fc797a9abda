/**
 * Worker entry point: `npm run workers` runs every queue; `npm run workers -- --queues
 * compute,tags` runs a subset so operators can scale each queue on its own machines.
 */
import { env } from "../app/env.server";
import { logger } from "../app/logger.server";
import { assertRedisReachable, RedisUnavailableError } from "../app/redis.server";
import { parseQueues } from "./queues-arg";
import { startWorkers } from "./runtime";

async function main(): Promise<void> {
  const queues = parseQueues(process.argv.slice(2));
  const { REDIS_URL } = env();
  await assertRedisReachable(REDIS_URL);
  const running = startWorkers({ queues, redisUrl: REDIS_URL });
  logger.info({ queues }, "workers started");

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping workers: finishing jobs in hand");
    await running.close();
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
