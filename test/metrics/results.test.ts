import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NO_SEGMENT } from "../../app/analytics/rfm";
import { createDatabase } from "../../app/db.server";
import {
  snapshotsToPrune,
  writeComputeResults,
  type ComputeResultsInput,
} from "../../app/metrics/results.server";
import type { PerCustomerResults } from "../../app/metrics/snapshot";

const url = process.env.DATABASE_URL!;
const db = createDatabase(url);
const stamp = `${process.pid}-${Date.now()}`;
let shopId = 0;
let otherShopId = 0;

const IDS = [101n, 102n, 103n, 104n, 9_007_199_254_740_993n];
const SEGMENTS = ["champions", "loyal", "lost"];

/** Per-customer results: segment index per customer (NO_SEGMENT = none), other columns derived. */
function results(segment: number[], clvBase = 1000): PerCustomerResults {
  const n = segment.length;
  return {
    count: n,
    segmentIds: SEGMENTS,
    segment: Uint8Array.from(segment),
    r: Uint8Array.from(segment, (g, c) => (g === NO_SEGMENT ? 0 : 1 + (c % 5))),
    f: Uint8Array.from(segment, (g) => (g === NO_SEGMENT ? 0 : 2)),
    m: Uint8Array.from(segment, (g) => (g === NO_SEGMENT ? 0 : 3)),
    recencyDays: Int32Array.from(segment, (g, c) => (g === NO_SEGMENT ? -1 : 10 * c)),
    frequency: Int32Array.from(segment, (g, c) => (g === NO_SEGMENT ? 0 : c + 1)),
    monetaryMinor: Float64Array.from(segment, (_, c) => 12_345_678_901 + c),
    pAlive: Float64Array.from(segment, (_, c) => (c === 1 ? NaN : 0.25 * c)),
    expected90: Float64Array.from(segment, (_, c) => (c === 1 ? NaN : 0.5)),
    clvMinor: Float64Array.from(segment, (_, c) => (c === 1 ? NaN : clvBase + c + 0.4)),
  };
}

function input(
  id: number,
  perCustomer: PerCustomerResults,
  computedAt: Date,
  extra: Partial<ComputeResultsInput> = {},
): ComputeResultsInput {
  return {
    shopId: id,
    customerIds: BigInt64Array.from(IDS.slice(0, perCustomer.count)),
    perCustomer,
    computedAt,
    asOf: new Date(computedAt.getTime() - 1000),
    snapshotJson: JSON.stringify({ version: 1, at: computedAt.toISOString() }),
    timeZone: "Asia/Tokyo",
    ...extra,
  };
}

const rowsOf = (id: number) =>
  db.customerMetric.findMany({ where: { shopId: id }, orderBy: { customerId: "asc" } });

beforeAll(async () => {
  shopId = (await db.shop.create({ data: { domain: `results-${stamp}.myshopify.com` } })).id;
  otherShopId = (await db.shop.create({ data: { domain: `results-other-${stamp}.myshopify.com` } }))
    .id;
});

afterAll(async () => {
  await db.shop.deleteMany({ where: { id: { in: [shopId, otherShopId] } } });
  await db.$disconnect();
});

describe("writing per-customer results and snapshots", () => {
  it("writes one row per customer with a segment, exact money, nulls for missing model values", async () => {
    const first = new Date("2026-03-01T00:00:00.123Z");
    const summary = await writeComputeResults(
      url,
      input(shopId, results([0, 1, NO_SEGMENT, 2, 0]), first),
    );
    expect(summary).toMatchObject({
      customerRows: 4,
      changedRows: 4,
      removedRows: 0,
      prunedSnapshots: 0,
    });
    const rows = await rowsOf(shopId);
    expect(rows.map((r) => [r.customerId, r.segment])).toEqual([
      [101n, "champions"],
      [102n, "loyal"],
      [104n, "lost"],
      [9_007_199_254_740_993n, "champions"],
    ]);
    expect(rows[0]).toMatchObject({
      recencyScore: 1,
      frequencyScore: 2,
      monetaryScore: 3,
      recencyDays: 0,
      frequency: 1,
      monetaryMinor: 12_345_678_901n,
      pAlive: 0,
      expected90: 0.5,
      clvMinor: 1000n,
      taggedSegment: null,
      computedAt: first,
    });
    expect(rows[1]).toMatchObject({ pAlive: null, expected90: null, clvMinor: null });
    expect(rows[3]).toMatchObject({ clvMinor: 1004n, pAlive: 1 });
    const snapshots = await db.metricSnapshot.findMany({ where: { shopId } });
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]).toMatchObject({
      id: summary.snapshotId,
      computedAt: first,
      asOf: new Date(first.getTime() - 1000),
    });
    expect(JSON.parse(snapshots[0].data)).toEqual({ version: 1, at: first.toISOString() });
  });

  it("keeps taggedSegment of remaining customers, updates values, removes departed ones", async () => {
    await db.customerMetric.updateMany({
      where: { shopId, customerId: { in: [101n, 102n, 104n] } },
      data: { taggedSegment: "champions" },
    });
    // Another shop's rows with the same customer ids must not be touched.
    await writeComputeResults(
      url,
      input(otherShopId, results([2, 2, 2]), new Date("2026-01-01T00:00:00Z")),
    );
    await db.customerMetric.updateMany({
      where: { shopId: otherShopId },
      data: { taggedSegment: "x" },
    });

    const second = new Date("2026-03-02T00:00:00Z");
    // 102 loses its segment, 103 gains one, 104 moves, 9007… is gone from the shop.
    const summary = await writeComputeResults(
      url,
      input(shopId, results([0, NO_SEGMENT, 1, 1], 5000), second),
    );
    expect(summary).toMatchObject({ customerRows: 3, changedRows: 3, removedRows: 2 });
    const rows = await rowsOf(shopId);
    expect(rows.map((r) => [r.customerId, r.segment, r.taggedSegment])).toEqual([
      [101n, "champions", "champions"],
      [103n, "loyal", null],
      [104n, "loyal", "champions"],
    ]);
    expect(rows.every((r) => r.computedAt.getTime() === second.getTime())).toBe(true);
    expect(rows[0].clvMinor).toBe(5000n);
    const other = await rowsOf(otherShopId);
    expect(other.map((r) => [r.customerId, r.segment, r.taggedSegment])).toEqual([
      [101n, "lost", "x"],
      [102n, "lost", "x"],
      [103n, "lost", "x"],
    ]);
    expect(await db.metricSnapshot.count({ where: { shopId } })).toBe(2);
  });

  it("rewrites only rows whose values changed", async () => {
    const before = await rowsOf(shopId);
    const third = new Date("2026-03-03T00:00:00Z");
    // Same results as the last write, except customer 104 (index 3) moves to "lost".
    const summary = await writeComputeResults(
      url,
      input(shopId, results([0, NO_SEGMENT, 1, 2], 5000), third),
    );
    expect(summary).toMatchObject({ customerRows: 3, changedRows: 1, removedRows: 0 });
    const rows = await rowsOf(shopId);
    expect(rows.map((r) => [r.customerId, r.segment, r.computedAt.toISOString()])).toEqual([
      [101n, "champions", before[0].computedAt.toISOString()],
      [103n, "loyal", before[1].computedAt.toISOString()],
      [104n, "lost", third.toISOString()],
    ]);
    expect(rows[2].taggedSegment).toBe("champions");
  });

  it("thins the snapshot history: the newest kept, then one a local day up to the cap", async () => {
    const retention = { recent: 2, max: 4 };
    const base = Date.parse("2026-04-01T00:00:00Z");
    // Two computes a day for four days (Tokyo days: 09:00 and 12:00 local).
    for (let day = 0; day < 4; day++) {
      for (const hour of [0, 3]) {
        const at = new Date(base + day * 86_400_000 + hour * 3_600_000);
        await writeComputeResults(url, input(shopId, results([0, 1]), at, { retention }));
      }
    }
    const kept = await db.metricSnapshot.findMany({
      where: { shopId },
      orderBy: { computedAt: "asc" },
      select: { computedAt: true },
    });
    // The two newest (day 3 twice), then the last of day 2 and of day 1.
    expect(kept.map((k) => k.computedAt.toISOString())).toEqual([
      "2026-04-02T03:00:00.000Z",
      "2026-04-03T03:00:00.000Z",
      "2026-04-04T00:00:00.000Z",
      "2026-04-04T03:00:00.000Z",
    ]);
  });
});

describe("snapshotsToPrune", () => {
  const at = (iso: string, id: number) => ({ id, computedAt: new Date(iso) });

  it("groups by the shop's local day", () => {
    const rows = [
      at("2026-01-01T14:00:00Z", 1), // Jan 1 23:00 Tokyo
      at("2026-01-01T16:00:00Z", 2), // Jan 2 01:00 Tokyo
      at("2026-01-01T17:00:00Z", 3), // Jan 2 02:00 Tokyo
      at("2026-01-03T00:00:00Z", 4),
    ];
    expect(snapshotsToPrune(rows, "Asia/Tokyo", { recent: 1, max: 10 })).toEqual([2]);
    expect(snapshotsToPrune(rows, "UTC", { recent: 1, max: 10 }).sort()).toEqual([1, 2]);
    expect(snapshotsToPrune(rows, "UTC", { recent: 10, max: 1 })).toEqual([]);
  });
});
