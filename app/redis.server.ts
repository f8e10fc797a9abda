/**
 * The Redis connection owner (BullMQ). Producers fail fast when Redis is down (no
 * offline queue), workers wait and reconnect (BullMQ needs maxRetriesPerRequest: null
 * for its blocking commands). assertRedisReachable turns "unreachable" into one clear
 * error instead of a hang.
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
