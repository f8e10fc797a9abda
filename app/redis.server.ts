/**
 * The Redis connection owner (BullMQ). Producers fail fast when Redis is down (no
 * offline queue), workers wait and reconnect (BullMQ needs maxRetriesPerRequest: null
 * for its blocking commands). assertRedisReachable turns "unreachable" into one clear
 * error instead of a hang; checkDurability says what would lose queued jobs, redisEpoch
 * whether Redis restarted since the workers last saw it.
 */
import { Redis, type RedisOptions } from "ioredis";

export class RedisUnavailableError extends Error {
  override name = "RedisUnavailableError";
}

/** BullMQ needs Redis ≥ 6.2. */
const MIN_REDIS = [6, 2] as const;

export type RedisRole = "producer" | "worker";

export function createRedis(url: string, role: RedisRole): Redis {
  const options: RedisOptions =
    role === "worker"
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5_000 };
  return new Redis(url, options);
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}

/** Resolves when Redis answers PING with a supported version; throws RedisUnavailableError. */
export async function assertRedisReachable(url: string, timeoutMs = 3_000): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // ioredis rejects connect() with "Connection is closed."; the cause comes as an event.
  let cause: string | undefined;
  client.on("error", (error: Error) => (cause ??= error.message));
  try {
    await client.connect();
    const info = await client.info("server");
    const version = /redis_version:(\d+)\.(\d+)/.exec(info);
    const [major, minor] = version ? [Number(version[1]), Number(version[2])] : [0, 0];
    if (major < MIN_REDIS[0] || (major === MIN_REDIS[0] && minor < MIN_REDIS[1])) {
      throw new RedisUnavailableError(
        `Redis at ${redact(url)} is version ${major}.${minor}; Kizuna needs Redis ≥ ${MIN_REDIS.join(".")}`,
      );
    }
  } catch (error) {
    if (error instanceof RedisUnavailableError) throw error;
    const reason = cause ?? (error instanceof Error ? error.message : String(error));
    throw new RedisUnavailableError(
      `Redis is not reachable at ${redact(url)} (${reason}). Start Redis or set REDIS_URL.`,
    );
  } finally {
    client.disconnect();
  }
}

/** One field of an INFO answer ("aof_enabled:1"), or undefined. */
function infoField(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, "m").exec(info)?.[1]?.trim();
}

/**
 * Why this Redis may lose queued jobs (accepted webhooks among them), from its INFO
 * persistence and memory sections; empty when it keeps them. BullMQ's "Going to production":
 * AOF (appendonly yes) so a restart keeps the queues, and maxmemory-policy noeviction, the
 * only policy under which BullMQ works correctly. INFO, not CONFIG GET: managed Redis services
 * refuse CONFIG but answer INFO (BullMQ itself reads the policy there).
 */
export function durabilityProblems(info: string): string[] {
  const problems: string[] = [];
  const aof = infoField(info, "aof_enabled");
  const policy = infoField(info, "maxmemory_policy");
  if (aof === undefined || policy === undefined) {
    problems.push(
      "its persistence could not be checked (INFO names no aof_enabled or maxmemory_policy): " +
        "make sure it runs with appendonly yes and maxmemory-policy noeviction",
    );
    return problems;
  }
  if (aof !== "1") {
    problems.push(
      "it keeps no append-only file (appendonly no): a restart empties every queue, accepted " +
        "webhooks among them, until the reconciliation that follows the restart",
    );
  }
  if (policy !== "noeviction") {
    problems.push(
      `it evicts keys when its memory is full (maxmemory-policy ${policy}): BullMQ needs noeviction`,
    );
  }
  return problems;
}

/** durabilityProblems of a connected Redis; a refused INFO is a problem of its own. */
export async function checkDurability(redis: Redis): Promise<string[]> {
  try {
    const [persistence, memory] = await Promise.all([
      redis.info("persistence"),
      redis.info("memory"),
    ]);
    return durabilityProblems(`${persistence}\n${memory}`);
  } catch (error) {
    return [
      `its persistence could not be checked (${error instanceof Error ? error.message : String(error)}): ` +
        "make sure it runs with appendonly yes and maxmemory-policy noeviction",
    ];
  }
}

export interface RedisEpoch {
  /** "emptied": the sentinel is gone; "restarted": another server run answers. */
  state: "same" | "restarted" | "emptied";
  runId: string;
}

/**
 * Whether the Redis behind `redis` is still the one last seen, by a sentinel key holding the
 * run_id of the server that answered last: "emptied" when the key is gone (a restart without
 * persistence, a flush, an eviction; or the very first start), "restarted" when another run
 * of the server holds the data (a restart with persistence, which may still lose its last
 * second of writes). Store the new run_id with recordRedisEpoch once the restart is dealt
 * with: a worker that dies before that leaves the restart for the next one to see.
 */
export async function redisEpoch(redis: Redis, key: string): Promise<RedisEpoch> {
  const runId = infoField(await redis.info("server"), "run_id");
  if (!runId) throw new Error("Redis INFO server names no run_id");
  const previous = await redis.get(key);
  const state = previous === null ? "emptied" : previous === runId ? "same" : "restarted";
  return { state, runId };
}

export async function recordRedisEpoch(redis: Redis, key: string, runId: string): Promise<void> {
  await redis.set(key, runId);
}
