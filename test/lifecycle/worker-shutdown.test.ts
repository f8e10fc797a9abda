/**
 * Issue 21: `npm run workers` processes (workers/main.ts, real child processes) stopped by
 * SIGTERM exit within SHUTDOWN_TIMEOUT_MS whatever state Redis and the database are in, and
 * lose no job: one in hand either finishes before the exit or is handed back to BullMQ's
 * stalled-job recovery and finished by another worker.
 *
 * The job in hand is a reconciliation of a small shop against the fake Shopify, whose Admin
 * API answers are slowed (faults "slow") so that the signal lands mid-job. Redis is private
 * to this file (stopped on purpose); so is the database, and for the unreachable-database
 * case a private PostgreSQL behind a TCP proxy that stops passing bytes.
 *
 * Assertions are "within the deadline plus a margin" (a loaded machine delays the signal's
 * delivery and the exit): the margin is 4 s, the deadlines 3–6 s. The measured exit times
 * are printed.
 */
import { join } from "node:path";
import { Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isolatedFile } from "../helpers/isolated-file";
import { fakeWorkerArgs, startProcess, type TestProcess } from "../helpers/processes";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy";
import { migrate, PrivatePostgres, PrivateRedis } from "../reliability/infra";
import { threadNiceValues } from "../../workers/priority";

const ROOT = join(import.meta.dirname, "..", "..");
const MARGIN_MS = 4_000;
const { database, redis } = await isolatedFile("shutdown", { redis: true });
const { startSyncHarness } = await import("../sync/harness");
const { enqueueReconcile } = await import("../../app/jobs/sync.server");
const { closeQueues, getQueue } = await import("../../app/jobs/queues.server");
const { createRedis } = await import("../../app/redis.server");

type Harness = Awaited<ReturnType<typeof startSyncHarness>>;
let h: Harness;
const processes: TestProcess[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  getQueue("sync").on("error", () => {});
  h = await startSyncHarness("shutdown", {
    customers: 40,
    seed: 21,
    currency: "JPY",
    horizonDays: 20,
  });
  await h.runBackfill();
}, 120_000);

afterEach(async () => {
  h.fake.faults.clear();
  await Promise.all(processes.splice(0).map((p) => p.stop(1_000)));
});

afterAll(async () => {
  await Promise.all(processes.splice(0).map((p) => p.stop(1_000)));
  for (const fn of cleanups.reverse()) await fn().catch(() => {});
  await closeQueues();
  await h?.close();
  await redis.close();
  await database.drop();
});

function startWorkers(env: Record<string, string>, queues = "sync"): TestProcess {
  const worker = startProcess(process.execPath, fakeWorkerArgs(queues), {
    cwd: ROOT,
    env: {
      ...process.env,
      FAKE_SHOPIFY_URL: h.fake.url,
      LOG_LEVEL: "info",
      WORKER_LOCK_MS: "3000",
      ...env,
    },
  });
  processes.push(worker);
  return worker;
}

/** SIGTERM to the worker process; its exit code and the time it took to exit. */
async function terminate(worker: TestProcess): Promise<{ code: number | null; ms: number }> {
  const started = performance.now();
  process.kill(worker.child.pid!, "SIGTERM");
  const code = await worker.exited;
  return { code, ms: Math.round(performance.now() - started) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `probe` holds, for up to `timeoutMs`; the error says what was awaited. */
async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) {
      const logs = processes.map((p) => p.output().slice(-2_000)).join("\n---\n");
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${logs}`);
    }
    await sleep(50);
  }
}

const reconciledAt = async () =>
  (
    await h.ctx.db.shop.findUniqueOrThrow({ where: { id: h.shopId } })
  ).lastReconciledAt?.getTime() ?? 0;

/** Resolves once a worker holds a job of `queue` (and has had a moment to start on it). */
async function inHand(queue: Queue): Promise<void> {
  await until(`an active job on ${queue.name}`, async () => (await queue.getActiveCount()) > 0);
  await sleep(300);
}

/** Queues a reconciliation and resolves once a worker is in it. */
async function reconcileInHand(): Promise<void> {
  await enqueueReconcile(h.domain);
  await inHand(getQueue("sync"));
}

const figures: string[] = [];
afterAll(() => console.log(`worker exit times after SIGTERM:\n  ${figures.join("\n  ")}`));

describe("a worker stopped by SIGTERM", () => {
  it("with Redis up, finishes the job in hand and exits 0", async () => {
    const worker = startWorkers({ SHUTDOWN_TIMEOUT_MS: "10000" });
    await worker.waitFor('"msg":"workers started"');
    // Every thread of the worker, its queues' and the database's included, runs below the
    // web process's priority (WORKER_NICE, 10 by default).
    expect(new Set(threadNiceValues(worker.child.pid!))).toEqual(new Set([10]));
    await worker.waitFor('"msg":"reconciled"'); // the one a never-seen Redis asks for
    // Its job completes just after that line; a reconciliation queued before then would be
    // merged into it (the queue deduplicates a shop's reconciliations) and never run.
    const sync = getQueue("sync");
    await until(
      "the first reconciliation's job completed",
      async () => (await sync.getActiveCount()) + (await sync.count()) === 0,
    );
    h.fake.faults.set({ slow: 1, slowMs: 700 });
    const before = await reconciledAt();
    await reconcileInHand();
    const { code, ms } = await terminate(worker);
    figures.push(`Redis up, job finished in the grace time: ${ms} ms (deadline 10000)`);
    expect(code, worker.output()).toBe(0);
    expect(ms).toBeLessThan(10_000 + MARGIN_MS);
    expect(worker.output()).toContain('"jobs":"finished"');
    expect(worker.output()).toContain('"msg":"workers: stopped"');
    expect(await reconciledAt()).toBeGreaterThan(before);
  }, 60_000);

  it("with Redis up, hands back a job longer than the deadline; another worker finishes it", async () => {
    const first = startWorkers({ SHUTDOWN_TIMEOUT_MS: "3000" });
    await first.waitFor('"msg":"workers started"');
    await until("no reconciliation waiting", async () => (await getQueue("sync").count()) === 0);
    await sleep(500);
    h.fake.faults.set({ slow: 1, slowMs: 60_000 });
    const before = await reconciledAt();
    await reconcileInHand();
    const { code, ms } = await terminate(first);
    figures.push(`Redis up, job longer than the deadline handed back: ${ms} ms (deadline 3000)`);
    expect(code, first.output()).toBe(0);
    expect(ms).toBeLessThan(3_000 + MARGIN_MS);
    expect(first.output()).toContain('"jobs":"handed back"');

    // Not lost: once its lock expires (WORKER_LOCK_MS 3 s) another worker takes it up again.
    h.fake.faults.clear();
    const second = startWorkers({});
    await until(
      "the handed-back reconciliation finished",
      async () => (await reconciledAt()) > before,
      45_000,
    );
    const failed = await getQueue("sync").getFailed();
    expect(failed.filter((job) => job.data?.shop === h.domain)).toEqual([]);
    expect(await h.differences()).toEqual([]);
    await second.stop();
  }, 90_000);

  it("exits within the deadline when Redis was stopped before the signal", async () => {
    const own = await PrivateRedis.start();
    cleanups.push(() => own.close());
    const worker = startWorkers({ SHUTDOWN_TIMEOUT_MS: "5000", REDIS_URL: own.url });
    await worker.waitFor('"msg":"workers started"');
    await worker.waitFor('"msg":"reconciled"');
    await own.stop();
    await sleep(500); // its connections notice and start reconnecting
    const { ms } = await terminate(worker);
    figures.push(`Redis stopped before the signal: ${ms} ms (deadline 5000)`);
    expect(ms).toBeLessThan(5_000 + MARGIN_MS);
    expect(worker.output()).toMatch(/"msg":"workers: (stopped|shutdown deadline passed)/);
  }, 60_000);

  it("exits within the deadline when Redis goes away during the shutdown, mid-job", async () => {
    const own = await PrivateRedis.start();
    cleanups.push(() => own.close());
    const worker = startWorkers({ SHUTDOWN_TIMEOUT_MS: "5000", REDIS_URL: own.url });
    await worker.waitFor('"msg":"workers started"');
    await worker.waitFor('"msg":"reconciled"');
    h.fake.faults.set({ slow: 1, slowMs: 60_000 });
    // Its own Redis: the job goes there.
    const connection = createRedis(own.url, "producer");
    connection.on("error", () => {}); // it is stopped on purpose
    const queue = new Queue("sync", {
      connection,
      prefix: process.env.QUEUE_PREFIX,
    });
    queue.on("error", () => {});
    await queue.add("reconcile", { shop: h.domain });
    await inHand(queue);
    const exit = terminate(worker);
    await worker.waitFor("workers: stopping");
    await own.stop();
    await queue.close().catch(() => {});
    const { ms } = await exit;
    figures.push(`Redis gone during the shutdown, job in hand: ${ms} ms (deadline 5000)`);
    expect(ms).toBeLessThan(5_000 + MARGIN_MS);
  }, 60_000);
});

describe("a worker whose PostgreSQL stops answering", () => {
  let pg: PrivatePostgres;
  let proxy: TcpProxy;
  let url: string;

  beforeAll(async () => {
    pg = await PrivatePostgres.start();
    cleanups.push(() => pg.destroy());
    migrate(await pg.createDatabase("kizuna_shutdown"));
    proxy = await startTcpProxy(pg.port);
    cleanups.push(() => proxy.close());
    url = `postgresql://postgres@127.0.0.1:${proxy.port}/kizuna_shutdown`;
  }, 120_000);

  it("exits within the deadline with a job waiting on the database", async () => {
    const prefix = `${process.env.QUEUE_PREFIX}-pg`;
    const worker = startWorkers(
      { SHUTDOWN_TIMEOUT_MS: "5000", DATABASE_URL: url, QUEUE_PREFIX: prefix },
      "housekeeping",
    );
    await worker.waitFor('"msg":"workers started"');
    await worker.waitFor("every shop's reconciliation queued"); // its database was reached
    proxy.hold();
    const queue = new Queue("housekeeping", {
      connection: createRedis(redis.url, "producer"),
      prefix,
    });
    cleanups.push(() => queue.close());
    // A job that needs the database: this one, or a scheduled housekeeping job the worker
    // took first (concurrency 1), which waits on the database just the same.
    await queue.add("nightly", { shop: h.domain });
    await inHand(queue);
    const { ms } = await terminate(worker);
    figures.push(`PostgreSQL unreachable, job waiting on it: ${ms} ms (deadline 5000)`);
    expect(ms).toBeLessThan(5_000 + MARGIN_MS);
    expect(worker.output()).toContain('"jobs":"handed back"');
    proxy.release();
  }, 60_000);
});
