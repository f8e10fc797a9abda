/**
 * Redis without persistence loses what it holds when it restarts, webhooks the app had
 * already acknowledged among them. Worker processes (`workers/main.ts`) say so at start, and
 * when they find Redis restarted they queue a reconciliation of every shop at once, so a
 * webhook lost in the outage is in the database within seconds, not at the nightly run.
 * Redis servers are private to this file (restarting them disturbs no one else); so is the
 * database (workers queue work for every installed shop in it).
 */
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isolatedFile } from "../helpers/isolated-file";
import { fakeWorkerArgs, startProcess, type TestProcess } from "../helpers/processes";
import { PrivateRedis } from "../reliability/infra";

const ROOT = join(import.meta.dirname, "..", "..");
const { database, redis } = await isolatedFile("redis_restart", { redis: true });
const { startSyncHarness } = await import("../sync/harness");
const { startAppEndpoint } = await import("../sync/app-endpoint");
const { closeQueues, getQueue } = await import("../../app/jobs/queues.server");
const { checkDurability, durabilityProblems, redisEpoch, recordRedisEpoch } =
  await import("../../app/redis.server");
const { Redis } = await import("ioredis");

type Harness = Awaited<ReturnType<typeof startSyncHarness>>;
let h: Harness;
let app: Awaited<ReturnType<typeof startAppEndpoint>>;
const processes: TestProcess[] = [];
const servers: PrivateRedis[] = [redis];

beforeAll(async () => {
  // Redis goes away on purpose: the connections reconnect, their errors are expected.
  getQueue("webhooks").on("error", () => {});
  app = await startAppEndpoint();
  h = await startSyncHarness(
    "restart",
    { customers: 120, seed: 11, currency: "JPY", horizonDays: 30 },
    { appUrl: app.url, webhooks: { retryBaseMs: 20 } },
  );
  await h.runBackfill();
}, 120_000);

afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.stop()));
});

afterAll(async () => {
  await Promise.all(processes.splice(0).map((p) => p.stop()));
  await closeQueues();
  await h?.close();
  await app?.close();
  await Promise.all(servers.map((s) => s.close()));
  await database.drop();
});

/** `npm run workers -- --queues <queues>` against `redisUrl`, Shopify being the fake. */
function startWorkers(redisUrl: string, queues: string): TestProcess {
  const workers = startProcess(process.execPath, fakeWorkerArgs(queues), {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: redisUrl, FAKE_SHOPIFY_URL: h.fake.url, LOG_LEVEL: "info" },
  });
  processes.push(workers);
  return workers;
}

interface LogLine {
  time: number;
  msg: string;
  [field: string]: unknown;
}

const logLines = (workers: TestProcess): LogLine[] =>
  workers
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogLine);

const WARNING = "Redis may lose accepted webhooks and queued jobs";
const RECONCILING = "Redis is not the server last seen: every shop's reconciliation queued";

describe("Redis durability at worker start", () => {
  it("warns when Redis keeps no append-only file or may evict keys, and not when it is durable", async () => {
    const durable = await PrivateRedis.start({ appendOnly: true });
    const evicting = await PrivateRedis.start({
      appendOnly: true,
      args: ["--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru"],
    });
    servers.push(durable, evicting);
    // No sync consumer: the reconciliations these workers queue stay in their own Redis.
    const [volatile, ok, lru] = [redis, durable, evicting].map((r) =>
      startWorkers(r.url, "compute"),
    );
    await Promise.all([volatile, ok, lru].map((w) => w!.waitFor('"msg":"workers started"')));

    const warnings = (workers: TestProcess) =>
      logLines(workers).filter((l) => l.msg.startsWith(WARNING));
    expect(warnings(volatile!)).toHaveLength(1);
    expect(warnings(volatile!)[0]!.msg).toContain("appendonly no");
    expect(warnings(volatile!)[0]!.msg).not.toContain("maxmemory-policy");
    expect(warnings(ok!)).toEqual([]);
    expect(warnings(lru!)).toHaveLength(1);
    expect(warnings(lru!)[0]!.msg).toContain("maxmemory-policy allkeys-lru");
    expect(warnings(lru!)[0]!.msg).not.toContain("appendonly no");
  }, 90_000);

  it("says when it cannot tell, rather than guessing", async () => {
    // A Redis-compatible server whose INFO has no such fields, and one that refuses INFO.
    expect(durabilityProblems("# Server\r\nredis_version:7.2.0\r\n")).toEqual([
      expect.stringContaining("could not be checked"),
    ]);
    const refusing = { info: () => Promise.reject(new Error("NOPERM this user has no INFO")) };
    expect(await checkDurability(refusing as never)).toEqual([
      expect.stringContaining("could not be checked (NOPERM this user has no INFO)"),
    ]);
  });
});

describe("after a Redis restart", () => {
  it("tells a restart that emptied Redis, one that kept its data, and none", async () => {
    const durable = await PrivateRedis.start({ appendOnly: true });
    servers.push(durable);
    const key = "kizuna-test:redis-epoch";
    for (const [server, afterRestart] of [
      [redis, "emptied"],
      [durable, "restarted"],
    ] as const) {
      const connect = () => new Redis(server.url, { maxRetriesPerRequest: null });
      let client = connect();
      const first = await redisEpoch(client, key);
      expect(first.state).toBe("emptied"); // never seen: as good as emptied
      await recordRedisEpoch(client, key, first.runId);
      expect((await redisEpoch(client, key)).state).toBe("same");
      client.disconnect();
      await server.restart();
      client = connect();
      const second = await redisEpoch(client, key);
      expect(second.state).toBe(afterRestart);
      expect(second.runId).not.toBe(first.runId);
      client.disconnect();
    }
  });

  it("the workers reconcile every shop within seconds, recovering a webhook lost in the outage", async () => {
    const workers = startWorkers(redis.url, "sync");
    await workers.waitFor('"msg":"workers started"');
    // A Redis never seen before is treated as emptied: one reconciliation now.
    await workers.waitFor(RECONCILING);
    await workers.waitFor('"msg":"reconciled"');
    expect(await h.differences()).toEqual([]);

    // A customer's first order: Shopify delivers orders/create and customers/create, the
    // app acknowledges them and queues them; no webhook worker takes them before Redis dies.
    const delivered = app.statuses.length;
    const order = h.shop.createOrder({});
    await h.fake.webhooks.flush();
    expect(app.statuses.length).toBeGreaterThan(delivered);
    expect(app.statuses.slice(delivered).every((status) => status === 200)).toBe(true);
    expect(await getQueue("webhooks").count()).toBeGreaterThanOrEqual(1);
    const stored = () =>
      h.ctx.db.order.count({ where: { shopId: h.shopId, id: BigInt(order.id) } });
    expect(await stored()).toBe(0);

    await redis.restart(500);
    const up = Date.now();
    // Lost with Redis (this process's fail-fast connection may still be reconnecting).
    for (let i = 0; ; i++) {
      try {
        expect(await getQueue("webhooks").count()).toBe(0);
        break;
      } catch (error) {
        if (i >= 100 || !String(error).includes("Stream isn't writeable")) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }

    await workers.waitFor(new RegExp(`${RECONCILING}[^\\n]*\\n(.|\\n)*${RECONCILING}`), 30_000);
    const queued = logLines(workers).filter((l) => l.msg === RECONCILING);
    expect(queued).toHaveLength(2);
    expect(queued[1]).toMatchObject({ redis: "emptied", shops: 1 });
    for (let i = 0; i < 300 && (await stored()) === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const recovered = Date.now();
    expect(await stored()).toBe(1);
    expect(await h.differences()).toEqual([]);
    console.log(
      `Redis up again → reconciliation queued ${queued[1]!.time - up} ms, ` +
        `lost order stored ${recovered - up} ms`,
    );
  }, 90_000);
});
