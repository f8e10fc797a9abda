import { Queue, QueueEvents } from "bullmq";
import { afterAll, describe, expect, it } from "vitest";
import { assertRedisReachable, createRedis, RedisUnavailableError } from "../../app/redis.server";
import { startWorkers } from "../../workers/runtime";
import { freePort } from "../helpers/ports";

const redisUrl = process.env.REDIS_URL!;

/** A port nobody listens on. */
const closedPort = freePort;

describe("Redis connection", () => {
  it("answers with a clear error, not a hang, when Redis is unreachable", async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    const error = await assertRedisReachable(url, 1_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toContain(`Redis is not reachable at ${url}`);
    expect((error as Error).message).toContain("ECONNREFUSED");
  });

  it("does not print the password of the URL", async () => {
    const url = `redis://user:hunter2@127.0.0.1:${await closedPort()}`;
    const error = (await assertRedisReachable(url, 1_000).catch((e: unknown) => e)) as Error;
    expect(error.message).not.toContain("hunter2");
  });

  it("accepts the running Redis", async () => {
    await expect(assertRedisReachable(redisUrl)).resolves.toBeUndefined();
  });

  it("fails a producer fast when Redis goes away instead of queueing commands", async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    const producer = createRedis(url, "producer");
    producer.on("error", () => {});
    await expect(producer.ping()).rejects.toThrow();
    producer.disconnect();
  });
});

describe("workers", () => {
  const prefix = `${process.env.QUEUE_PREFIX}-redis-${process.pid}`;
  const connection = createRedis(redisUrl, "worker");
  const queue = new Queue("housekeeping", { connection, prefix });
  const events = new QueueEvents("housekeeping", {
    connection: createRedis(redisUrl, "worker"),
    prefix,
  });

  afterAll(async () => {
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  });

  it("runs a job through its processor and fails an unknown job for good with its reason", async () => {
    const seen: unknown[] = [];
    const running = startWorkers({
      queues: ["housekeeping"],
      redisUrl,
      prefix,
      processors: {
        sync: {},
        webhooks: {},
        compute: {},
        tags: {},
        periods: {},
        housekeeping: {
          echo: async (job) => {
            seen.push(job.data);
            return "done";
          },
        },
      },
    });
    await events.waitUntilReady();
    try {
      const ok = await queue.add("echo", { n: 1 });
      expect(await ok.waitUntilFinished(events, 10_000)).toBe("done");
      expect(seen).toEqual([{ n: 1 }]);

      // attempts: 5, yet UnrecoverableError ends it after the first.
      const bad = await queue.add("nope", {}, { attempts: 5 });
      await expect(bad.waitUntilFinished(events, 10_000)).rejects.toThrow(
        'No processor for job "nope" on queue "housekeeping"',
      );
      const failed = await queue.getJob(bad.id!);
      expect(failed?.attemptsMade).toBe(1);
    } finally {
      await running.close();
    }
  });
});
