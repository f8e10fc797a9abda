/**
 * Install → backfill → compute → tags against the fake Shopify: customers end up carrying
 * exactly their segment tag, the merchant's own tags untouched; a second run writes
 * nothing; new orders move a customer and only that change is written; turning tag sync
 * off takes Kizuna's tags away again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSyncHarness, type SyncHarness } from "../sync/harness";

const { computeShop } = await import("../../app/metrics/compute.server");
const { syncShopTags } = await import("../../app/sync/tags.server");
const { DEFAULT_SETTINGS } = await import("../../app/settings");

let h: SyncHarness;
const PREFIX = "rfm:";

async function setTagSync(enabled: boolean): Promise<void> {
  await h.ctx.db.shop.update({
    where: { id: h.shopId },
    data: {
      settings: JSON.stringify({ ...DEFAULT_SETTINGS, tagSync: { enabled, prefix: PREFIX } }),
    },
  });
}

/** Shopify's tags (ground truth) against each customer's computed segment. */
async function tagMismatches(expectTags: boolean): Promise<string[]> {
  const metrics = await h.ctx.db.customerMetric.findMany({
    where: { shopId: h.shopId },
    select: { customerId: true, segment: true },
  });
  const segmentOf = new Map(metrics.map((m) => [Number(m.customerId), m.segment]));
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

  it("writes only the customers whose segment moved, one by one", async () => {
    // Twenty lost customers come back as "at risk" (as if they had bought again).
    const lost = await h.ctx.db.customerMetric.findMany({
      where: { shopId: h.shopId, segment: "lost" },
      select: { customerId: true },
      take: 20,
    });
    await h.ctx.db.customerMetric.updateMany({
      where: { shopId: h.shopId, customerId: { in: lost.map((m) => m.customerId) } },
      data: { segment: "at_risk" },
    });
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
