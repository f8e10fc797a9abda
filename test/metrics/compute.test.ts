import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "../../app/db.server";
import { allCustomerResults, customerResult } from "../../app/metrics/result-set.server";
import {
  computeShop,
  variantCostColumn,
  type ComputeStage,
} from "../../app/metrics/compute.server";
import { loadShopData } from "../../app/metrics/load.server";
import { parseSnapshot } from "../../app/metrics/snapshot/codec";
import { buildShopSnapshot } from "../../app/metrics/snapshot/pipeline";
import { segmentIdOf, type ShopSnapshot } from "../../app/metrics/snapshot/types";
import { parseSettings } from "../../app/settings";
import { loadVariantCosts } from "../../app/sync/costs.server";
import { createRowStore } from "../../app/sync/store.server";
import { FIRST_CUSTOMER_ID, generateShop } from "./generate";

const url = process.env.DATABASE_URL!;
const db = createDatabase(url);
const store = createRowStore(url);
const domain = `compute-${process.pid}-${Date.now()}.myshopify.com`;
const CUSTOMERS = 3000;
const AS_OF = new Date("2025-12-31T12:00:00+09:00");
let shopId = 0;

beforeAll(async () => {
  const shop = await db.shop.create({
    data: {
      domain,
      timezone: "Asia/Tokyo",
      currency: "JPY",
      settings: JSON.stringify({ segmentActions: { lost: "Leave them be" } }),
    },
  });
  shopId = shop.id;
  for (const batch of generateShop({
    customers: CUSTOMERS,
    seed: 11,
    end: new Date("2026-01-01T00:00:00+09:00"),
    batch: 1000,
  })) {
    await store.upsertCustomers(shopId, batch.customers);
    await store.upsertOrders(shopId, batch.orders);
  }
  await db.npsResponse.createMany({
    data: [
      { orderId: 1n, customerId: FIRST_CUSTOMER_ID, score: 10, createdAt: new Date("2025-11-01") },
      {
        orderId: 2n,
        customerId: FIRST_CUSTOMER_ID + 1n,
        score: 3,
        createdAt: new Date("2025-11-02"),
      },
      { orderId: 3n, customerId: null, score: 8, createdAt: new Date("2025-11-03") },
    ].map((r) => ({ ...r, shopId, source: "thank-you" })),
  });
  await db.marketingSpend.createMany({
    data: [
      { shopId, month: "2025-11", channel: "instagram", amountMinor: 500_000n },
      { shopId, month: "2025-12", channel: "google", amountMinor: 300_000n },
    ],
  });
});

afterAll(async () => {
  await db.shop.deleteMany({ where: { domain } });
  await store.close();
  await db.$disconnect();
});

/** The snapshot the builder gives for what is in the database now. */
async function expectedBuild(computedAt: number, previous: ShopSnapshot | null) {
  const data = await loadShopData(url, shopId);
  const index = new Map([...data.customerIds].map((id, c) => [id, c]));
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
  const responses = await db.npsResponse.findMany({ where: { shopId } });
  const spend = await db.marketingSpend.findMany({ where: { shopId } });
  const build = buildShopSnapshot({
    orders: data.orders,
    customers: data.customers,
    timeZone: shop.timezone,
    currency: shop.currency,
    asOf: AS_OF.getTime(),
    computedAt,
    settings: parseSettings(shop.settings),
    npsResponses: responses.map((r) => ({
      score: r.score,
      respondedAt: r.createdAt.getTime(),
      customer: r.customerId === null ? -1 : (index.get(r.customerId) ?? -1),
    })),
    marketingSpend: spend.map((s) => ({ ...s, amountMinor: Number(s.amountMinor) })),
    acquisition: {
      ...data.acquisition,
      variantCost: variantCostColumn(data.acquisition.variants, await loadVariantCosts(db, shopId)),
    },
    previous: previous && {
      computedAt: previous.computedAt,
      kpis: Object.fromEntries(
        Object.entries(previous.kpis).map(([id, card]) => [id, card.metric.value]),
      ),
    },
  });
  return { data, build };
}

async function latestSnapshot(): Promise<ShopSnapshot> {
  const row = await db.metricSnapshot.findFirstOrThrow({
    where: { shopId },
    orderBy: { computedAt: "desc" },
  });
  return parseSnapshot(row.data)!;
}

describe("computeShop end to end", () => {
  let first: ShopSnapshot;

  it("loads, computes, writes rows and the snapshot, and reports progress", async () => {
    const progress: [number, ComputeStage][] = [];
    const result = await computeShop(domain, {
      db,
      databaseUrl: url,
      asOf: AS_OF,
      onProgress: (percent, stage) => progress.push([percent, stage]),
    });
    expect(result).toMatchObject({ shopId, customers: CUSTOMERS, clvStatus: "ok" });
    expect(result.snapshotBytes).toBeGreaterThan(10_000);
    expect(progress[0]).toEqual([0, "loading"]);
    expect(progress.at(-1)).toEqual([100, "done"]);
    const percents = progress.map(([p]) => p);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));

    const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    expect(shop).toMatchObject({
      computeStatus: "idle",
      computeProgress: 100,
      computeError: null,
      computedAt: result.computedAt,
    });

    first = await latestSnapshot();
    const { data, build } = await expectedBuild(first.computedAt, null);
    // Loading in many small chunks gives the same tables.
    expect(await loadShopData(url, shopId, { chunkCustomers: 700 })).toEqual(data);
    expect(first).toEqual(build.snapshot);
    // Stored as the sequential build writes it, byte for byte (the CLV stage ran on a thread
    // of its own beside the descriptive stage).
    const stored = await db.metricSnapshot.findFirstOrThrow({
      where: { shopId },
      orderBy: { computedAt: "desc" },
      select: { data: true },
    });
    expect(stored.data).toBe(JSON.stringify(build.snapshot));
    expect(first.counts.customers).toBe(CUSTOMERS);
    expect(first.nps.overall).toMatchObject({ denominator: 3, value: 0 });
    expect(first.cac.months.map((m) => m.month)).toEqual(["2025-11", "2025-12"]);
    expect(first.segments.rows.find((r) => r.id === "lost")).toMatchObject({
      action: "Leave them be",
      actionIsCustom: true,
    });

    const rows = await allCustomerResults(db, shopId);
    const p = build.perCustomer;
    expect(rows).toHaveLength(first.segments.scoredCustomers);
    const byId = new Map(rows.map((r) => [r.customerId, r]));
    for (let c = 0; c < p.count; c++) {
      const row = byId.get(data.customerIds[c]);
      const segment = segmentIdOf(p, p.segment[c]);
      if (segment === "none") {
        expect(row).toBeUndefined();
        continue;
      }
      expect(row).toMatchObject({
        segment,
        recencyScore: p.r[c],
        frequencyScore: p.f[c],
        monetaryScore: p.m[c],
        recencyDays: p.recencyDays[c],
        frequency: p.frequency[c],
        monetaryMinor: BigInt(p.monetaryMinor[c]),
        clvMinor: BigInt(Math.round(p.clvMinor[c])),
      });
      expect(row!.pAlive).toBe(Number.isFinite(p.pAlive[c]) ? p.pAlive[c] : null);
    }
    const one = await customerResult(db, shopId, rows[0].customerId);
    expect(one).toEqual({ ...rows[0], computedAt: result.computedAt });
  });

  it("recomputes after changes: tag state kept, departed customers gone, previous values carried", async () => {
    const rows = await allCustomerResults(db, shopId);
    for (const segment of new Set(rows.map((r) => r.segment))) {
      await db.customer.updateMany({
        where: {
          shopId,
          id: { in: rows.filter((r) => r.segment === segment).map((r) => r.customerId) },
        },
        data: { taggedSegment: segment },
      });
    }
    // One customer's every order is cancelled: no purchase left, so no segment.
    const gone = rows[0].customerId;
    const orders = await db.order.findMany({ where: { shopId, customerId: gone } });
    await store.upsertOrders(
      shopId,
      orders.map((o) => ({
        ...o,
        cancelledAt: new Date("2025-12-30T00:00:00Z"),
        shopifyUpdatedAt: new Date("2025-12-30T00:00:00Z"),
      })),
    );
    // A new customer's first order.
    const newcomer = FIRST_CUSTOMER_ID + 50_000n;
    await store.upsertOrders(shopId, [
      {
        id: 99_999_999_999n,
        customerId: newcomer,
        processedAt: new Date("2025-12-30T10:00:00+09:00"),
        cancelledAt: null,
        test: false,
        grossMinor: 4000n,
        refundedMinor: 0n,
        netMinor: 4000n,
        itemQuantity: 1,
        sourceName: "web",
        subscription: false,
        shopifyUpdatedAt: new Date("2025-12-30T10:00:00+09:00"),
      },
    ]);

    const result = await computeShop(domain, { db, databaseUrl: url, asOf: AS_OF });
    const after = await allCustomerResults(db, shopId);
    expect(result.written.customerRows).toBe(after.length);
    expect(after.find((r) => r.customerId === gone)).toBeUndefined();
    expect(after.find((r) => r.customerId === newcomer)).toBeDefined();
    const kept = after.filter((r) => r.customerId !== newcomer);
    expect(kept.length).toBe(rows.length - 1);
    // Tag sync's record lives on the customer and survives every recompute.
    const tagged = await db.customer.findMany({
      where: { shopId, id: { in: [gone, kept[0].customerId] } },
      select: { id: true, taggedSegment: true },
    });
    expect(new Map(tagged.map((t) => [t.id, t.taggedSegment]))).toEqual(
      new Map([
        [gone, rows[0].segment],
        [kept[0].customerId, rows.find((r) => r.customerId === kept[0].customerId)!.segment],
      ]),
    );

    const second = await latestSnapshot();
    expect(second.previousComputedAt).toBe(first.computedAt);
    expect(second.kpis.repeat_rate.previousValue).toBe(first.kpis.repeat_rate.metric.value);
    const { build } = await expectedBuild(second.computedAt, first);
    expect(second).toEqual(build.snapshot);
    expect(await db.metricSnapshot.count({ where: { shopId } })).toBe(2);

    // Nothing changed since: the same results again.
    const again = await computeShop(domain, { db, databaseUrl: url, asOf: AS_OF });
    expect(again.written.customerRows).toBe(after.length);
    expect(await allCustomerResults(db, shopId)).toEqual(after);
  });

  it("records a failure so the UI can say why, and keeps the last snapshot", async () => {
    await expect(
      computeShop(domain, { db, databaseUrl: "file:/nonexistent-dir/kizuna.sqlite" }),
    ).rejects.toThrow();
    const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    expect(shop.computeStatus).toBe("failed");
    expect(shop.computeError).toBeTruthy();
    expect(await db.metricSnapshot.count({ where: { shopId } })).toBe(3);

    await expect(
      computeShop(domain, {
        db,
        databaseUrl: "file:/nonexistent-dir/kizuna.sqlite",
        willRetry: true,
      }),
    ).rejects.toThrow();
    expect((await db.shop.findUniqueOrThrow({ where: { id: shopId } })).computeStatus).toBe(
      "queued",
    );
    await expect(computeShop(`missing-${domain}`, { db, databaseUrl: url })).rejects.toThrow(
      /Unknown shop/,
    );
  });
});
