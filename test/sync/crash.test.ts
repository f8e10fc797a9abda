/**
 * A backfill that survives its worker being SIGKILLed at random points and Redis being
 * restarted (losing every queue): the database still equals Shopify, with no duplicates.
 * Workers run as real processes (`workers/main.ts`) reaching the fake through the fetch
 * redirect; Redis is a private server of this test so restarting it disturbs no one else.
 */
import { type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedFile } from "../helpers/isolated-file";
import { fakeWorkerArgs, killGroup, spawnInGroup, hasExited } from "../helpers/processes";

const { database, redis } = await isolatedFile("crash", { redis: true });
const { startSyncHarness } = await import("./harness");
const { enqueueBackfill } = await import("../../app/jobs/sync.server");
const { beginBackfill } = await import("../../app/sync/backfill.server");
const { closeQueues, getQueue } = await import("../../app/jobs/queues.server");

type Harness = Awaited<ReturnType<typeof startSyncHarness>>;
let h: Harness;
const workers = new Set<ChildProcess>();

function startWorker(fakeUrl: string): ChildProcess {
  const child = spawnInGroup(process.execPath, fakeWorkerArgs("sync"), {
    env: {
      ...process.env,
      FAKE_SHOPIFY_URL: fakeUrl,
      WORKER_LOCK_MS: "2000",
      LOG_LEVEL: "silent",
    },
    stdio: "ignore",
  });
  workers.add(child);
  child.once("exit", () => workers.delete(child));
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  killGroup(child, "SIGKILL");
  await exited;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function backfillStatus(): Promise<string> {
  const shop = await h.ctx.db.shop.findUniqueOrThrow({ where: { id: h.shopId } });
  if (shop.syncStatus === "failed") throw new Error(`backfill failed: ${shop.syncError}`);
  return shop.syncStatus;
}

beforeAll(async () => {
  h = await startSyncHarness("crash", { customers: 6_000, seed: 9, currency: "JPY" });
}, 120_000);

afterAll(async () => {
  for (const child of workers) await kill(child);
  await closeQueues();
  await h?.close();
  await redis.stop();
  await database.drop();
});

describe("a backfill under crashes", () => {
  it("finishes exactly after its worker is SIGKILLed at random points and Redis restarts", async () => {
    await beginBackfill(h.ctx.db, h.domain);
    await enqueueBackfill(h.domain);
    // A seeded sequence of kill times keeps the run reproducible.
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    let kills = 0;
    for (let round = 0; round < 4 && (await backfillStatus()) === "backfilling"; round++) {
      const worker = startWorker(h.fake.url);
      await sleep(1_500 + random() * 2_500);
      await kill(worker);
      kills++;
      if (round === 1) {
        // Redis goes away with every queue in it; a new worker finds the work in the database.
        await redis.restart();
      }
    }
    startWorker(h.fake.url);
    for (let i = 0; i < 600 && (await backfillStatus()) !== "idle"; i++) await sleep(200);
    // A backfill still running after 120 s says how far it got and what was queued.
    const shop = await h.ctx.db.shop.findUniqueOrThrow({ where: { id: h.shopId } });
    const queued = await getQueue("sync")
      .getJobCounts("waiting", "active", "delayed", "failed")
      .catch((error: unknown) => String(error));
    expect(
      shop.syncStatus,
      `backfill ${shop.syncStatus} at ${shop.syncDone}/${shop.syncTotal}; sync queue ${JSON.stringify(queued)}`,
    ).toBe("idle");
    expect(kills).toBeGreaterThan(0);
    expect(await h.differences()).toEqual([]);
    const operations = await h.ctx.db.bulkOperation.findMany({ where: { shopId: h.shopId } });
    // One file each of customers, orders and variant costs.
    expect(operations.filter((o) => o.status === "COMPLETED" && o.ingestedAt)).toHaveLength(3);
  }, 240_000);
});
