/**
 * Orders change in Shopify (the fake), its webhooks reach the app's routes over HTTP, and the
 * workers (in-process, real Redis) do the rest: the debounced recompute updates what the
 * dashboard reads and the tag sync rewrites the customer's segment tag in Shopify. A customer
 * whose every order is cancelled or deleted has no segment any more and loses Kizuna's tag.
 * The webhooks caused by Kizuna's own tag writes (customers/update, customer.tags_*) start no
 * recompute.
 */
import type { Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppEndpoint, type AppEndpoint } from "../sync/app-endpoint";

// Queues of their own, so no other test file's workers take these jobs; a short debounce.
process.env.QUEUE_PREFIX = `${process.env.QUEUE_PREFIX}-recompute`;
process.env.COMPUTE_DEBOUNCE_MS = "1000";
process.env.COMPUTE_MIN_INTERVAL_MS = "3000";
const { startSyncHarness } = await import("../sync/harness");
const { computeJobId } = await import("../../app/jobs/compute.server");
const { closeQueues, getQueue } = await import("../../app/jobs/queues.server");
const { startWorkers } = await import("../../workers/runtime");
const { closeRowStore } = await import("../../app/sync/context.server");
const { computeShop } = await import("../../app/metrics/compute.server");
const { syncShopTags } = await import("../../app/sync/tags.server");
const { dashboardData } = await import("../../app/pages/dashboard.server");
const { DEFAULT_SETTINGS } = await import("../../app/settings");
const { allCustomerResults, customerResult } = await import("../../app/metrics/result-set.server");

type Harness = Awaited<ReturnType<typeof startSyncHarness>>;
let h: Harness;
let app: AppEndpoint;
let workers: ReturnType<typeof startWorkers>;
const PREFIX = "rfm:";

/** What the workers finished for the test shop. */
const done = { computes: [] as { waitedMs: number }[], ordersChanged: 0, tagSyncs: 0 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined) {
  for (let i = 0; i < 1_200; i++) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Every webhook delivered and every job of the shop finished. */
async function settled(): Promise<void> {
  await h.fake.webhooks.flush();
  await waitFor("the queues to drain", async () => {
    for (const name of ["webhooks", "compute", "tags"] as const) {
      const counts = await getQueue(name).getJobCounts("waiting", "active", "delayed");
      if (Object.values(counts).some((n) => n > 0)) return false;
    }
    return true;
  });
}

function customerTags(customerId: bigint): string[] {
  for (const c of h.shop.customers()) if (c.id === customerId) return c.tags;
  throw new Error(`customer ${customerId} not in Shopify`);
}

const kizunaTags = (customerId: bigint) =>
  customerTags(customerId).filter((t) => t.toLowerCase().startsWith(PREFIX));

async function segmentOf(customerId: bigint): Promise<string | null> {
  const row = await customerResult(h.ctx.db, h.shopId, customerId);
  return row?.segment ?? null;
}

beforeAll(async () => {
  app = await startAppEndpoint();
  h = await startSyncHarness(
    "recompute",
    { customers: 600, seed: 17, currency: "JPY" },
    { appUrl: app.url, webhooks: { retryBaseMs: 20 } },
  );
  await h.runBackfill();
  await h.ctx.db.shop.update({
    where: { id: h.shopId },
    data: {
      settings: JSON.stringify({ ...DEFAULT_SETTINGS, tagSync: { enabled: true, prefix: PREFIX } }),
    },
  });
  // The state after install: computed once, every segmented customer tagged.
  await computeShop(h.domain, { db: h.ctx.db });
  await syncShopTags(h.ctx, h.domain, async () => {});
  await h.fake.webhooks.flush(); // the webhooks of those writes, before any worker

  workers = startWorkers({
    queues: ["webhooks", "compute", "tags"],
    redisUrl: process.env.REDIS_URL!,
  });
  for (const worker of workers.workers) {
    worker.on("completed", (job: Job, result: unknown) => {
      if ((job.data as { shop?: string }).shop !== h.domain) return;
      if (worker.name === "compute" && result === "computed")
        done.computes.push({ waitedMs: (job.processedOn ?? 0) - job.timestamp });
      if (worker.name === "webhooks" && result === "orders changed") done.ordersChanged++;
      if (worker.name === "tags") done.tagSyncs++;
    });
  }
}, 180_000);

afterAll(async () => {
  await workers?.close();
  await closeQueues();
  await closeRowStore();
  await h?.close();
  await app?.close();
});

describe("webhooks → debounced recompute → dashboard and tags", () => {
  it("moves a customer who buys again to another segment, on the dashboard and in their tag", async () => {
    const lost = (await allCustomerResults(h.ctx.db, h.shopId)).find((r) => r.segment === "lost");
    const customerId = lost!.customerId;
    expect(kizunaTags(customerId)).toEqual([`${PREFIX}lost`]);
    const merchantTags = customerTags(customerId).filter((t) => !t.startsWith(PREFIX));
    const before = (await dashboardData(h.domain)).snapshot!;

    // Five large orders today, as the customer checks out in the shop.
    for (let i = 0; i < 5; i++)
      h.shop.createOrder({ customerId, lines: [{ quantity: 3, unitMinor: 40_000 }] });

    const moved = await waitFor("the new segment tag in Shopify", () => {
      const ours = kizunaTags(customerId);
      return ours.length === 1 && ours[0] !== `${PREFIX}lost` ? ours[0] : undefined;
    });
    const segment = await segmentOf(customerId);
    expect(segment).not.toBe("lost");
    expect(moved).toBe(`${PREFIX}${segment}`);
    expect(customerTags(customerId).filter((t) => !t.startsWith(PREFIX))).toEqual(merchantTags);

    const after = (await dashboardData(h.domain)).snapshot!;
    expect(after.computedAt).toBeGreaterThan(before.computedAt);
    expect(after.orders).toBe(before.orders + 5);
    expect(after.netRevenueMinor).toBeGreaterThan(before.netRevenueMinor);

    await settled();
    // Debounced: the burst of order webhooks led to fewer computes, each held back by the
    // debounce before it ran.
    expect(done.ordersChanged).toBeGreaterThanOrEqual(5);
    expect(done.computes.length).toBeGreaterThanOrEqual(1);
    expect(done.computes.length).toBeLessThan(done.ordersChanged);
    for (const run of done.computes) expect(run.waitedMs).toBeGreaterThanOrEqual(1_000);
    // Kizuna's own tag writes came back as customers/update and tag webhooks, starting nothing.
    const computes = done.computes.length;
    await settled();
    expect(done.computes.length).toBe(computes);
    expect(await getQueue("compute").getJob(computeJobId(h.domain))).toBeUndefined();
  }, 120_000);

  it("takes Kizuna's tag off a customer whose every order is cancelled or deleted", async () => {
    const orders = new Map<bigint, bigint[]>();
    for (const o of h.shop.orders()) {
      if (o.customerId === null || o.cancelledAt !== null || o.test) continue;
      orders.set(o.customerId, [...(orders.get(o.customerId) ?? []), o.id]);
    }
    const metrics = await allCustomerResults(h.ctx.db, h.shopId);
    // A tagged customer with more than one order: one is cancelled, the rest deleted.
    const target = metrics.find((m) => (orders.get(m.customerId)?.length ?? 0) >= 2)!;
    const customerId = target.customerId;
    expect(kizunaTags(customerId)).toEqual([`${PREFIX}${target.segment}`]);
    const merchantTags = customerTags(customerId).filter((t) => !t.startsWith(PREFIX));
    const [first, ...rest] = orders.get(customerId)!;
    h.shop.cancelOrder(first!);
    for (const id of rest) h.shop.deleteOrder(id);
    const computes = done.computes.length;

    await waitFor("Kizuna's tag to come off", () => kizunaTags(customerId).length === 0);
    expect(await segmentOf(customerId)).toBeNull();
    expect(customerTags(customerId).filter((t) => !t.startsWith(PREFIX))).toEqual(merchantTags);
    await settled();
    expect(done.computes.length).toBeGreaterThan(computes);
    // Nothing left to write: another tag sync changes nothing.
    const again = await syncShopTags(h.ctx, h.domain, async () => {});
    expect(again.written).toBe(0);
  }, 120_000);
});
