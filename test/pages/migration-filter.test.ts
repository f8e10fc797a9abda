/**
 * The migration page's cohort filter (issue 17): year-over-year migration and the segment
 * matrix of one cut, from the cut's stored counts. On a generated shop with first touches and
 * four years of orders, computed and stored on the suite's database: the channels partition
 * the customers, as do subscription and one-time first purchases, so each partition's pages
 * add up exactly to the unfiltered page. Chosen dates, an unknown cut and snapshots stored
 * before the filter show all customers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
import { ratio } from "../../app/analytics/metric";
import type { ShopSnapshot } from "../../app/metrics/snapshot/types";
import { migrationData, migrationFilterCuts } from "../../app/pages/migration.server";
import { clearSnapshotCache } from "../../app/pages/page-base.server";
import { removeShops, seedShop, storeName, type SeededShop } from "../e2e/harness";

let shop: SeededShop;
let snapshot: ShopSnapshot;

beforeAll(async () => {
  shop = await seedShop({
    store: storeName("pages-migration-cuts"),
    customers: 1200,
    seed: 11,
    years: 4,
    acquisition: {},
  });
  snapshot = await shop.snapshot();
}, 180_000);

afterAll(async () => {
  await removeShops([shop].filter(Boolean).map((s) => s.domain));
});

const page = (search = "") =>
  migrationData(shop.domain, new URL(`https://kizuna.test/app/migration${search}`));

type Migration = NonNullable<Awaited<ReturnType<typeof page>>["migration"]>;

/** The counts the page shows (numbers and nested arrays of numbers). */
function counts(m: Migration) {
  const { yoy, segments } = m;
  return {
    previous: [yoy.previousNew, yoy.previousExisting, yoy.previousBuyers],
    retained: [yoy.retainedNew, yoy.retainedExisting],
    current: [yoy.currentNew, yoy.currentRetained, yoy.currentReactivated],
    revenue: [
      yoy.currentRevenueMinor.new,
      yoy.currentRevenueMinor.retained,
      yoy.currentRevenueMinor.reactivated,
    ],
    metrics: [yoy.retention, yoy.newMigration, yoy.existingMigration].map((x) => [
      x.numerator,
      x.denominator,
    ]),
    matrix: segments.counts,
    matrixRevenue: segments.revenueMinor,
  };
}

type Tree = number | Tree[];
const add = (a: Tree, b: Tree): Tree =>
  Array.isArray(a) ? a.map((x, i) => add(x, (b as Tree[])[i])) : a + (b as number);

/** The page's counts for each of `keys`, summed. */
async function sumOf(keys: readonly string[]) {
  let total: Record<string, Tree> | null = null;
  for (const key of keys) {
    const data = await page(`?cut=${encodeURIComponent(key)}`);
    expect(data.filter?.selected?.key).toBe(key);
    const m = data.migration!;
    // Periods, definitions and segment labels stay the shop's.
    expect(m.yoy.current).toEqual(snapshot.migration.yoy.current);
    expect(m.yoy.retention.definition).toEqual(snapshot.migration.yoy.retention.definition);
    expect(m.segments.labels).toEqual(snapshot.migration.segments.labels);
    expect(m.yoy.retention.value).toBe(
      ratio(m.yoy.retention.numerator, m.yoy.retention.denominator),
    );
    const c: Record<string, Tree> = counts(m);
    const prev: Record<string, Tree> | null = total;
    total =
      prev === null
        ? c
        : Object.fromEntries(Object.entries(c).map(([k, v]) => [k, add(prev[k], v)]));
  }
  return total;
}

describe("the migration page's cohort filter", () => {
  it("gives each channel's migration; together exactly the unfiltered page", async () => {
    clearSnapshotCache();
    const unfiltered = await page();
    expect(unfiltered.filter?.available).toBe(true);
    expect(unfiltered.filter?.selected).toBeNull();
    const all = unfiltered.migration!;
    expect(all.yoy).toEqual(snapshot.migration.yoy);
    expect(all.segments).toEqual(snapshot.migration.segments);
    // A shop with last year's buyers, some retained, and segments that moved.
    expect(all.yoy.previousBuyers).toBeGreaterThan(100);
    expect(all.yoy.retainedNew + all.yoy.retainedExisting).toBeGreaterThan(0);
    expect(all.segments.counts.flat().filter((n) => n > 0).length).toBeGreaterThan(5);
    const block = snapshot.cohortCuts!;
    const channels = block.cuts.filter((c) => c.dimension === "channel").map((c) => c.key);
    expect(channels.length).toBeGreaterThan(3);
    expect(await sumOf(channels)).toEqual(counts(all));
    expect(await sumOf(["first_order:subscription", "first_order:one_time"])).toEqual(counts(all));
    // A cut is smaller than the shop.
    const one = await page(`?cut=${encodeURIComponent(channels[0])}`);
    expect(one.migration!.yoy.previousBuyers).toBeLessThan(all.yoy.previousBuyers);
  });

  it("shows all customers for chosen dates, a cut it does not have, and old snapshots", async () => {
    const key = snapshot.cohortCuts!.cuts[0]!.key;
    const dated = await page(`?from=2025-01-01&to=2025-06-30&cut=${encodeURIComponent(key)}`);
    expect(dated.custom).toBe(true);
    expect(dated.filter).toBeNull();
    const unknown = await page("?cut=channel%3Atv");
    expect(unknown.filter?.unknownKey).toBe("channel:tv");
    expect(unknown.migration!.yoy).toEqual(snapshot.migration.yoy);

    const block = snapshot.cohortCuts!;
    const before = { ...block, cuts: block.cuts.map(({ migration: _m, ...c }) => c) };
    expect(migrationFilterCuts(before)).toBeUndefined();
    expect(migrationFilterCuts(block)).toBe(block);
    const row = await prisma.metricSnapshot.findFirstOrThrow({
      where: { shopId: shop.shopId },
      orderBy: [{ computedAt: "desc" }, { id: "desc" }],
    });
    try {
      for (const cohortCuts of [before, undefined]) {
        await prisma.metricSnapshot.update({
          where: { id: row.id },
          data: { data: JSON.stringify({ ...snapshot, cohortCuts }) },
        });
        clearSnapshotCache();
        const data = await page(`?cut=${encodeURIComponent(key)}`);
        expect(data.filter?.available).toBe(false);
        expect(data.filter?.selected).toBeNull();
        expect(data.migration!.yoy).toEqual(snapshot.migration.yoy);
      }
    } finally {
      await prisma.metricSnapshot.update({ where: { id: row.id }, data: { data: row.data } });
      clearSnapshotCache();
    }
  });
});
