/**
 * Install → backfill → compute → tags against the fake Shopify: customers end up carrying
 * exactly their segment tag, the merchant's own tags untouched; a second run writes
 * nothing; new orders move a customer and only that change is written; turning tag sync
 * off takes Kizuna's tags away again. A shop with fewer customers than the minimum for
 * segments gets no segment tags, and loses Kizuna's when it falls below it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSyncHarness, type SyncHarness } from "../sync/harness";

const { computeShop } = await import("../../app/metrics/compute.server");
const { syncShopTags } = await import("../../app/sync/tags.server");
const { DEFAULT_SETTINGS } = await import("../../app/settings");
const { allCustomerResults } = await import("../../app/metrics/result-set.server");
const { segmentsById, setSegments } = await import("../helpers/result-set");

let h: SyncHarness;
const PREFIX = "rfm:";

async function setTagSync(
  enabled: boolean,
  harness = h,
  minSegmentCustomers = DEFAULT_SETTINGS.minSegmentCustomers,
): Promise<void> {
  await harness.ctx.db.shop.update({
    where: { id: harness.shopId },
    data: {
      settings: JSON.stringify({
        ...DEFAULT_SETTINGS,
        minSegmentCustomers,
        tagSync: { enabled, prefix: PREFIX },
      }),
    },
  });
}

/** Shopify's tags (ground truth) against each customer's computed segment. */
async function tagMismatches(expectTags: boolean): Promise<string[]> {
  const segmentOf = await segmentsById(h.ctx.db, h.shopId);
  const out: string[] = [];
  for (const c of h.shop.customers()) {
    const ours = c.tags.filter((t) => t.toLowerCase().startsWith(PREFIX));
    const segment = segmentOf.get(c.id);
    const expected = expectTags && segment ? [`${PREFIX}${segment}`] : [];
    if (ours.join() !== expected.join()) out.push(`${c.id}: ${ours.join()} ≠ ${expected.join()}`);
  }
  return out.slice(0, 10);
}

const merchantTags = () =>
  new Map(
    [...h.shop.customers()].map((c) => [
      c.id,
      c.tags.filter((t) => !t.toLowerCase().startsWith(PREFIX)).join(","),
    ]),
  );

beforeAll(async () => {
  h = await startSyncHarness("pipeline", { customers: 1_500, seed: 21, currency: "JPY" });
  await h.runBackfill();
  await setTagSync(true);
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe("segments written back to Shopify as customer tags", () => {
  it("tags every segmented customer with exactly their segment, in bulk, leaving other tags alone", async () => {
    const before = merchantTags();
    expect([...before.values()].some((t) => t !== "")).toBe(true); // merchants do tag
    await computeShop(h.domain, { db: h.ctx.db });
    const result = await syncShopTags(h.ctx, h.domain, async () => {});
    expect(result.viaBulk).toBe(true);
    expect(result.failed).toBe(0);
    expect(result.written).toBeGreaterThan(100);
    expect(await tagMismatches(true)).toEqual([]);
    expect(merchantTags()).toEqual(before);
  }, 120_000);

  it("writes nothing when segments did not change", async () => {
    const result = await syncShopTags(h.ctx, h.domain, async () => {});
    expect(result.written).toBe(0);
  });

  it("a shop computed before result sets existed keeps its tags until its next compute", async () => {
    // What the migration leaves: snapshots without a result set.
    await h.ctx.db.customerResultChunk.deleteMany({ where: { shopId: h.shopId } });
    await h.ctx.db.metricSnapshot.updateMany({
      where: { shopId: h.shopId },
      data: { customerResults: null },
    });
    const result = await syncShopTags(h.ctx, h.domain, async () => {});
    expect(result.written).toBe(0);
    await computeShop(h.domain, { db: h.ctx.db });
    expect(await tagMismatches(true)).toEqual([]);
  }, 120_000);

  it("writes only the customers whose segment moved, one by one", async () => {
    // Twenty lost customers come back as "at risk" (as if they had bought again).
    const lost = (await allCustomerResults(h.ctx.db, h.shopId))
      .filter((m) => m.segment === "lost")
      .slice(0, 20);
    await setSegments(
      h.ctx.db,
      h.shopId,
      lost.map((m) => m.customerId),
      "at_risk",
    );
    const moved = lost.length;
    expect(moved).toBeGreaterThan(0);
    const result = await syncShopTags(h.ctx, h.domain, async () => {});
    expect(result.viaBulk).toBe(false);
    expect(result.written).toBe(moved);
    expect(await tagMismatches(true)).toEqual([]);
  }, 120_000);

  it("takes Kizuna's tags off when tag sync is turned off", async () => {
    const before = merchantTags();
    await setTagSync(false);
    const result = await syncShopTags(h.ctx, h.domain, async () => {});
    expect(result.mode).toBe("remove");
    expect(await tagMismatches(false)).toEqual([]);
    expect(merchantTags()).toEqual(before);
  }, 120_000);
});

describe("a shop with fewer customers than the minimum for segments", () => {
  let small: SyncHarness;
  const kizunaTags = () =>
    [...small.shop.customers()].flatMap((c) =>
      c.tags.filter((t) => t.toLowerCase().startsWith(PREFIX)),
    );
  const run = async (minSegmentCustomers: number) => {
    await setTagSync(true, small, minSegmentCustomers);
    await computeShop(small.domain, { db: small.ctx.db });
    return syncShopTags(small.ctx, small.domain, async () => {});
  };

  beforeAll(async () => {
    small = await startSyncHarness("pipeline-small", { customers: 40, seed: 5, currency: "JPY" });
    await small.runBackfill();
  }, 180_000);

  afterAll(async () => {
    await small?.close();
  });

  it("gets no segment tags below the minimum, and loses Kizuna's when it falls below", async () => {
    const buyers = await small.ctx.db.order.findMany({
      where: { shopId: small.shopId, customerId: { not: null } },
      distinct: ["customerId"],
      select: { customerId: true },
    });
    expect(buyers.length).toBeGreaterThan(10);
    expect(buyers.length).toBeLessThan(50);
    const merchant = new Map([...small.shop.customers()].map((c) => [c.id, c.tags.join(",")]));

    // The default minimum (50): nobody is segmented, nothing is written.
    const none = await run(50);
    expect(none.written).toBe(0);
    expect(kizunaTags()).toEqual([]);
    expect(await allCustomerResults(small.ctx.db, small.shopId)).toEqual([]);

    // The merchant lowers the minimum: segments, and their tags, appear.
    const tagged = await run(1);
    expect(tagged.written).toBeGreaterThan(10);
    expect(kizunaTags().length).toBe(tagged.written);

    // Back above the shop's size: the tags come off again, the merchant's own stay.
    const removed = await run(50);
    expect(removed.written).toBe(tagged.written);
    expect(kizunaTags()).toEqual([]);
    expect(new Map([...small.shop.customers()].map((c) => [c.id, c.tags.join(",")]))).toEqual(
      merchant,
    );
  }, 120_000);
});
