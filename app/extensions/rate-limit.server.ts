/**
 * A fixed-window counter in Redis: at most `limit` hits per key per window. Used to keep
 * one order's survey answer from being rewritten in a loop; the stored data is bounded
 * anyway (one row per order), so when Redis is unreachable the limiter lets the hit
 * through and logs, rather than losing a buyer's answer to an auxiliary check.
 */
import type { Redis } from "ioredis";
import { env } from "../env.server";
import { logger } from "../logger.server";
import { createRedis } from "../redis.server";

export interface RateLimitResult {
  allowed: boolean;
  /** Hits counted in the current window, this one included (0 when Redis failed). */
  count: number;
  /** Seconds until the window resets; 0 when allowed. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  hit(key: string): Promise<RateLimitResult>;
}

export interface RateLimitOptions {
  limit: number;
  windowSeconds: number;
  /** The keys' namespace, under the deployment's key prefix (QUEUE_PREFIX): "rate:nps". */
  name: string;
}

/** Waits for the connection: a producer connection has no offline queue. */
function whenReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      redis.off("ready", onReady);
      reject(new Error(`Redis not ready after ${timeoutMs} ms (${redis.status})`));
    }, timeoutMs);
    redis.once("ready", onReady);
  });
}

export function redisRateLimiter(
  redis: Redis,
  options: RateLimitOptions & { readyTimeoutMs?: number },
): RateLimiter {
  const { limit, windowSeconds, name, readyTimeoutMs = 1_000 } = options;
  // Under the queues' prefix, so deployments (and test runs) sharing a Redis keep their
  // counters apart, and a test run's teardown removes them with its queues.
  const prefix = `${env().QUEUE_PREFIX}:${name}`;
  return {
    async hit(key) {
      const redisKey = `${prefix}:${key}`;
      try {
        await whenReady(redis, readyTimeoutMs);
        // SET NX starts the window with its expiry; INCR then counts. One round trip.
        const results = await redis
          .multi()
          .set(redisKey, 0, "EX", windowSeconds, "NX")
          .incr(redisKey)
          .ttl(redisKey)
          .exec();
        const count = Number(results?.[1]?.[1] ?? 0);
        const ttl = Number(results?.[2]?.[1] ?? windowSeconds);
        if (count <= limit) return { allowed: true, count, retryAfterSeconds: 0 };
        return { allowed: false, count, retryAfterSeconds: Math.max(1, ttl) };
      } catch (error) {
        logger.warn({ err: error, key: redisKey }, "rate limiter unavailable; allowing");
        return { allowed: true, count: 0, retryAfterSeconds: 0 };
      }
    },
  };
}

let shared: { redis: Redis; limiters: Map<string, RateLimiter> } | undefined;

/** A limiter on one app-wide producer connection (fails fast when Redis is down). */
export function sharedRateLimiter(options: RateLimitOptions): RateLimiter {
  if (!shared) {
    const redis = createRedis(env().REDIS_URL, "producer");
    // Failures surface per command (and are logged there); keep ioredis from crashing.
    redis.on("error", () => {});
    shared = { redis, limiters: new Map() };
  }
  const id = `${options.name}|${options.limit}|${options.windowSeconds}`;
  let limiter = shared.limiters.get(id);
  if (!limiter) {
    limiter = redisRateLimiter(shared.redis, options);
    shared.limiters.set(id, limiter);
  }
  return limiter;
}

export function closeSharedRateLimiters(): void {
  shared?.redis.disconnect();
  shared = undefined;
}
