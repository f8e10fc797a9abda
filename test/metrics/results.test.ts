import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NO_SEGMENT } from "../../app/analytics/rfm";
import { createDatabase } from "../../app/db.server";
import {
  allCustomerResults,
  customerResult,
  customerResultsInRange,
  redactCustomerResult,
  segmentPage,
  segmentResults,
} from "../../app/metrics/result-set.server";
import {
  snapshotsToPrune,
  writeComputeResults,
  type ComputeResultsInput,
} from "../../app/metrics/results.server";
import type { PerCustomerResults } from "../../app/metrics/snapshot/types";

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

const rowsOf = (id: number) => allCustomerResults(db, id);

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
  it("writes one entry per customer with a segment, exact money, nulls for missing model values", async () => {
    const first = new Date("2026-03-01T00:00:00.123Z");
    const summary = await writeComputeResults(
      url,
      input(shopId, results([0, 1, NO_SEGMENT, 2, 0]), first),
    );
    expect(summary).toMatchObject({ customerRows: 4, prunedSnapshots: 0 });
    expect(summary.resultBytes).toBeGreaterThan(0);
    const rows = await rowsOf(shopId);
    expect(rows.map((r) => [r.customerId, r.segment])).toEqual([
      [101n, "champions"],
      [102n, "loyal"],
      [104n, "lost"],
      [9_007_199_254_740_993n, "champions"],
    ]);
    expect(rows[0]).toEqual({
      customerId: 101n,
      segment: "champions",
      recencyScore: 1,
      frequencyScore: 2,
      monetaryScore: 3,
      recencyDays: 0,
      frequency: 1,
      monetaryMinor: 12_345_678_901n,
      pAlive: 0,
      expected90: 0.5,
      clvMinor: 1000n,
    });
    expect(rows[1]).toMatchObject({ pAlive: null, expected90: null, clvMinor: null });
    expect(rows[3]).toMatchObject({ clvMinor: 1004n, pAlive: 1 });
    const one = await customerResult(db, shopId, 9_007_199_254_740_993n);
    expect(one).toMatchObject({ segment: "champions", computedAt: first });
    expect(await customerResult(db, shopId, 103n)).toBeNull();
    const snapshots = await db.metricSnapshot.findMany({ where: { shopId } });
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]).toMatchObject({
      id: summary.snapshotId,
      computedAt: first,
      asOf: new Date(first.getTime() - 1000),
    });
    expect(JSON.parse(snapshots[0].data)).toEqual({ version: 1, at: first.toISOString() });
    expect(JSON.parse(snapshots[0].customerResults!)).toMatchObject({
      customers: 4,
      segments: [
        { id: "champions", customers: 2 },
        { id: "loyal", customers: 1 },
        { id: "lost", customers: 1 },
      ],
    });
  });

  it("replaces the shop's previous set, and no other shop's", async () => {
    await writeComputeResults(
      url,
      input(otherShopId, results([2, 2, 2]), new Date("2026-01-01T00:00:00Z")),
    );
    const second = new Date("2026-03-02T00:00:00Z");
    // 102 loses its segment, 103 gains one, 104 moves, 9007… is gone from the shop.
    const summary = await writeComputeResults(
      url,
      input(shopId, results([0, NO_SEGMENT, 1, 1], 5000), second),
    );
    expect(summary).toMatchObject({ customerRows: 3 });
    const rows = await rowsOf(shopId);
    expect(rows.map((r) => [r.customerId, r.segment])).toEqual([
      [101n, "champions"],
      [103n, "loyal"],
      [104n, "loyal"],
    ]);
    expect(rows[0].clvMinor).toBe(5000n);
    expect((await customerResult(db, shopId, 101n))?.computedAt).toEqual(second);
    // Only the newest snapshot keeps a set; older chunks are gone.
    const chunks = await db.customerResultChunk.groupBy({
      by: ["snapshotId"],
      where: { shopId },
      _count: true,
    });
    expect(chunks.map((c) => c.snapshotId)).toEqual([summary.snapshotId]);
    expect(
      await db.metricSnapshot.count({ where: { shopId, customerResults: { not: null } } }),
    ).toBe(1);
    const other = await rowsOf(otherShopId);
    expect(other.map((r) => [r.customerId, r.segment])).toEqual([
      [101n, "lost"],
      [102n, "lost"],
      [103n, "lost"],
    ]);
    expect(await db.metricSnapshot.count({ where: { shopId } })).toBe(2);
  });

  it("pages a segment in every sort order, both directions, ties by id, nulls first", async () => {
    // 600 customers (three rows parts), all "loyal" but every 7th "lost"; clv repeats so ties
    // are common; customer 5's model values are missing.
    const n = 600;
    const ids = BigInt64Array.from({ length: n }, (_, c) => 1_000n + BigInt(c) * 3n);
    const segment = Array.from({ length: n }, (_, c) => (c % 7 === 0 ? 2 : 1));
    const p = results(segment);
    const clv = Float64Array.from({ length: n }, (_, c) => (c === 5 ? NaN : (c * 37) % 50));
    const perCustomer = { ...p, clvMinor: clv, pAlive: clv.map((x) => x / 100) };
    await writeComputeResults(url, {
      ...input(otherShopId, perCustomer, new Date("2026-02-01T00:00:00Z")),
      customerIds: ids,
    });
    const loyal = [...Array(n).keys()].filter((c) => segment[c] === 1);
    const expected = [...loyal].sort(
      (a, b) =>
        (Number.isNaN(clv[a]) ? -Infinity : clv[a]) - (Number.isNaN(clv[b]) ? -Infinity : clv[b]) ||
        a - b,
    );
    const idsOf = (cs: number[]) => cs.map((c) => ids[c]);
    const asc = await segmentPage(db, otherShopId, "loyal", "clv", "asc", 0, 1000);
    expect(asc.map((r) => r.customerId)).toEqual(idsOf(expected));
    expect(asc[0]).toMatchObject({ customerId: ids[5], clvMinor: null, pAlive: null });
    const desc = await segmentPage(db, otherShopId, "loyal", "clv", "desc", 50, 50);
    expect(desc.map((r) => r.customerId)).toEqual(idsOf([...expected].reverse().slice(50, 100)));
    const pAlive = await segmentPage(db, otherShopId, "loyal", "pAlive", "asc", 490, 50);
    expect(pAlive.map((r) => r.customerId)).toEqual(idsOf(expected.slice(490, 540)));
    const recency = await segmentPage(db, otherShopId, "lost", "recency", "desc", 0, 5);
    const lost = [...Array(n).keys()].filter((c) => segment[c] === 2).reverse();
    expect(recency.map((r) => r.customerId)).toEqual(idsOf(lost.slice(0, 5)));
    expect(await segmentPage(db, otherShopId, "loyal", "clv", "asc", 1000, 50)).toEqual([]);
    expect(await segmentPage(db, otherShopId, "nobody", "clv", "asc", 0, 50)).toEqual([]);
    const all = [];
    for await (const batch of segmentResults(db, otherShopId, "lost")) all.push(...batch);
    expect(all.map((r) => r.customerId)).toEqual(idsOf(lost.reverse()));
    const range = await customerResultsInRange(db, otherShopId, ids[250], ids[260]);
    expect(range.map((r) => r.customerId)).toEqual(
      idsOf([...Array(11).keys()].map((i) => 250 + i)),
    );
  });

  it("redaction blanks a customer's slot and leaves the others readable", async () => {
    const before = await segmentPage(db, otherShopId, "loyal", "clv", "desc", 0, 1000);
    const victim = before[3].customerId;
    expect(await redactCustomerResult(db, otherShopId, victim)).toBe(true);
    expect(await customerResult(db, otherShopId, victim)).toBeNull();
    const after = await segmentPage(db, otherShopId, "loyal", "clv", "desc", 0, 1000);
    expect(after).toEqual(before.filter((r) => r.customerId !== victim));
    // No chunk holds the id any more, in any byte order a scan might look for.
    const needle = Buffer.alloc(8);
    needle.writeBigInt64LE(victim);
    const chunks = await db.customerResultChunk.findMany({ where: { shopId: otherShopId } });
    expect(chunks.some((c) => Buffer.from(c.data).includes(needle))).toBe(false);
    expect(chunks.some((c) => c.firstId === victim)).toBe(false);
    expect(await redactCustomerResult(db, otherShopId, victim)).toBe(false);
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
