/**
 * Segment tags never double (issue 14). Since Admin API 2025-01 customers/create and
 * customers/update carry no `tags`: tag changes come as customer.tags_added and
 * customer.tags_removed. Kizuna's own tag writes, and a merchant's edits, come back as such
 * webhooks through the app's routes and the webhooks worker (real Redis, the fake Shopify's
 * 2026-10 payloads). When the customer later moves to another segment, the tag sync must
 * still see their old segment tag and swap it: one segment tag in Shopify, the merchant's
 * tags untouched, and the stored tags equal to Shopify's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppEndpoint, type AppEndpoint } from "../sync/app-endpoint";
import { webhooksQueueDrained } from "../helpers/queues";

// Queues of their own, so no other test file's workers take these jobs.
process.env.QUEUE_PREFIX = `${process.env.QUEUE_PREFIX}-segment-tags`;
const { startSyncHarness } = await import("../sync/harness");
const { closeQueues, getQueue } = await import("../../app/jobs/queues.server");
const { startWorkers } = await import("../../workers/runtime");
const { closeRowStore } = await import("../../app/sync/context.server");
const { computeShop } = await import("../../app/metrics/compute.server");
const { syncShopTags } = await import("../../app/sync/tags.server");
const { DEFAULT_SETTINGS } = await import("../../app/settings");
const { allCustomerResults, customerResult } = await import("../../app/metrics/result-set.server");
const { segmentsById } = await import("../helpers/result-set");

type Harness = Awaited<ReturnType<typeof startSyncHarness>>;
let h: Harness;
let app: AppEndpoint;
let workers: ReturnType<typeof startWorkers>;
const PREFIX = "rfm:";

/** Every webhook delivered and processed; none of the shop's webhook jobs failed. */
async function settled(): Promise<void> {
  await h.fake.webhooks.flush();
  await webhooksQueueDrained();
  const failed = await getQueue("webhooks").getJobs(["failed"], 0, -1);
  expect(failed.map((j) => `${j.name}: ${j.failedReason}`)).toEqual([]);
}

const tagsInShopify = (customerId: bigint) => h.shop.customer(customerId)?.tags ?? [];
const segmentTags = (tags: readonly string[]) =>
  tags.filter((t) => t.toLowerCase().startsWith(PREFIX));

async function segmentOf(customerId: bigint): Promise<string | null> {
  const row = await customerResult(h.ctx.db, h.shopId, customerId);
  return row?.segment ?? null;
}

/** Recompute (as of the fake's clock) and write the tags, as the workers do after webhooks. */
async function recomputeAndTag(): Promise<number> {
  await computeShop(h.domain, { db: h.ctx.db, asOf: h.fake.clock.nowMs() });
  const { written, failed } = await syncShopTags(h.ctx, h.domain, async () => {});
  expect(failed).toBe(0);
  await settled();
  return written;
}

beforeAll(async () => {
  app = await startAppEndpoint();
  h = await startSyncHarness(
    "segment-tags",
    { customers: 300, seed: 29, currency: "JPY" },
    { appUrl: app.url, webhooks: { retryBaseMs: 20, retries: 3 } },
  );
  await h.runBackfill();
  await h.ctx.db.shop.update({
    where: { id: h.shopId },
    data: {
      settings: JSON.stringify({ ...DEFAULT_SETTINGS, tagSync: { enabled: true, prefix: PREFIX } }),
    },
  });
  workers = startWorkers({ queues: ["webhooks"], redisUrl: process.env.REDIS_URL! });
  // After install: computed, every segmented customer tagged, and the webhooks those tag
  // writes cause (customers/update without tags, customer.tags_added) processed.
  await recomputeAndTag();
}, 180_000);

afterAll(async () => {
  await workers?.close();
  await closeQueues();
  await closeRowStore();
  await h?.close();
  await app?.close();
});

describe("segment tags after the 2025-01 customer webhooks", () => {
  it("a customer who moves to another segment carries exactly one segment tag", async () => {
    const lost = (await allCustomerResults(h.ctx.db, h.shopId)).find((r) => r.segment === "lost");
    const customerId = lost!.customerId;
    expect(segmentTags(tagsInShopify(customerId))).toEqual([`${PREFIX}lost`]);

    // The merchant adds a tag in the admin (customers/update + customer.tags_added) …
    h.shop.setCustomerTags(customerId, [...tagsInShopify(customerId), "vip"]);
    await settled();
    const merchantTags = tagsInShopify(customerId).filter((t) => !t.startsWith(PREFIX));
    expect(merchantTags).toContain("vip");

    // … and the customer buys again: five large orders move them out of "lost".
    for (let i = 0; i < 5; i++)
      h.shop.createOrder({ customerId, lines: [{ quantity: 3, unitMinor: 40_000 }] });
    await settled();
    await recomputeAndTag();

    const segment = await segmentOf(customerId);
    expect(segment).not.toBe("lost");
    expect(segmentTags(tagsInShopify(customerId))).toEqual([`${PREFIX}${segment}`]);
    expect(tagsInShopify(customerId).filter((t) => !t.startsWith(PREFIX))).toEqual(merchantTags);
  }, 120_000);

  it("no customer in Shopify carries two segment tags, and the stored tags are Shopify's", async () => {
    // Forty tagged customers of every segment buy again, some a lot: segments move (theirs
    // and, the scores being quantiles, others'), and the tag sync swaps every changed tag.
    const tagged = await h.ctx.db.customer.findMany({
      where: { shopId: h.shopId, taggedSegment: { not: null } },
      orderBy: { id: "asc" },
      select: { id: true },
    });
    for (const [i, { id: customerId }] of tagged
      .filter((_, i) => i % 3 === 0)
      .slice(0, 40)
      .entries())
      for (let n = 0; n <= i % 4; n++)
        h.shop.createOrder({
          customerId,
          lines: [{ quantity: 1 + (i % 3), unitMinor: 9_000 }],
        });
    await settled();
    expect(await recomputeAndTag()).toBeGreaterThan(10);

    const segments = await segmentsById(h.ctx.db, h.shopId);
    const wrong: string[] = [];
    for (const customer of h.shop.customers()) {
      const ours = segmentTags(customer.tags);
      const segment = segments.get(customer.id);
      const expected = segment === undefined ? [] : [`${PREFIX}${segment}`];
      if (ours.join() !== expected.join()) wrong.push(`${customer.id}: ${ours.join()}`);
    }
    expect(wrong).toEqual([]);
    expect(await h.differences()).toEqual([]);
  }, 180_000);
});
