/**
 * The LTV page's cohort filter (issue 17): the average LTV to date of one cut, from the cut's
 * stored net revenue to date and customers. On a generated shop with first touches and four
 * years of orders (more cohort months than the cuts' 36 rows, and months beyond their 36
 * columns), computed and stored on the suite's database: every channel — the channels
 * partition the customers — and subscription vs one-time each add up exactly to the page's
 * unfiltered number; the cohort rows alone would not. An unknown cut and snapshots stored
 * before the filter show all customers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
import { ratio } from "../../app/analytics/metric";
import type { ShopSnapshot } from "../../app/metrics/snapshot/types";
import { cutPredictedLtv, ltvCuts, ltvData } from "../../app/pages/ltv.server";
import { clearSnapshotCache } from "../../app/pages/page-base.server";
import { removeShops, seedShop, storeName, type SeededShop } from "../e2e/harness";

let shop: SeededShop;
let snapshot: ShopSnapshot;

beforeAll(async () => {
  shop = await seedShop({
    store: storeName("pages-ltv-cuts"),
    customers: 1200,
    seed: 9,
    years: 4,
    acquisition: {},
  });
  snapshot = await shop.snapshot();
}, 180_000);

afterAll(async () => {
  await removeShops([shop].filter(Boolean).map((s) => s.domain));
});

/** The page's average LTV to date for each key; the parts' sums and their ratio. */
async function partsOf(keys: readonly string[]) {
  let numerator = 0;
  let denominator = 0;
  for (const key of keys) {
    const data = await ltvData(shop.domain, { cut: key });
    expect(data.filter?.selected?.key).toBe(key);
    const cut = snapshot.cohortCuts!.cuts.find((c) => c.key === key)!;
    const h = data.historical!;
    expect(h.numerator).toBe(cut.netToDateMinor);
    expect(h.denominator).toBe(cut.customers);
    expect(h.value).toBe(cut.netToDateMinor! / cut.customers);
    numerator += h.numerator;
    denominator += h.denominator;
  }
  return { numerator, denominator, value: ratio(numerator, denominator) };
}

describe("the LTV page's cohort filter", () => {
  it("gives each channel's average LTV to date; together exactly the unfiltered one", async () => {
    clearSnapshotCache();
    const all = snapshot.kpis.average_historical_ltv.metric;
    const page = await ltvData(shop.domain);
    expect(page.historical).toEqual(all);
    expect(page.filter?.available).toBe(true);
    expect(page.filter?.selected).toBeNull();
    const block = snapshot.cohortCuts!;
    const channels = block.cuts.filter((c) => c.dimension === "channel").map((c) => c.key);
    expect(channels.length).toBeGreaterThan(3);
    expect(await partsOf(channels)).toEqual({
      numerator: all.numerator,
      denominator: all.denominator,
      value: all.value,
    });
    expect(all.denominator).toBe(block.customers);
    // The same for the other partition: subscription and one-time first purchases.
    expect(await partsOf(["first_order:subscription", "first_order:one_time"])).toEqual({
      numerator: all.numerator,
      denominator: all.denominator,
      value: all.value,
    });
    // Rows alone would miss revenue: the oldest cohorts and months past the 36th are not in
    // the rows but are in the LTV to date.
    expect(snapshot.cohorts.totalCohorts).toBeGreaterThan(36);
    const inRows = block.cuts
      .filter((c) => c.dimension === "channel")
      .reduce(
        (s, c) => s + c.rows.reduce((r, row) => r + row.netMinor.reduce((a, b) => a + b), 0),
        0,
      );
    expect(inRows).toBeLessThan(all.numerator);
  });

  it("keeps the definition and period of the shop's metric, filtered or not", async () => {
    const key = snapshot.cohortCuts!.cuts.find((c) => c.dimension === "channel")!.key;
    const data = await ltvData(shop.domain, { cut: key });
    const all = snapshot.kpis.average_historical_ltv.metric;
    expect(data.historical!.definition).toEqual(all.definition);
    expect(data.historical!.period).toEqual(all.period);
    expect(data.historicalAll).toEqual(all);
    // The predictions are the shop's, whatever the filter.
    expect(data.clv).toEqual(snapshot.clv);
    expect(data.predicted).toEqual(snapshot.kpis.average_predicted_clv.metric);
  });

  it("shows all customers for a cut the snapshot does not have, and says so", async () => {
    const data = await ltvData(shop.domain, { cut: "channel:tv" });
    expect(data.filter?.unknownKey).toBe("channel:tv");
    expect(data.filter?.selected).toBeNull();
    expect(data.historical).toEqual(snapshot.kpis.average_historical_ltv.metric);
  });

  it("offers no filter on snapshots stored before it: the next compute brings it", async () => {
    const block = snapshot.cohortCuts!;
    const before = { ...block, cuts: block.cuts.map(({ netToDateMinor: _n, ...c }) => c) };
    expect(ltvCuts(before)).toBeUndefined();
    expect(ltvCuts(undefined)).toBeUndefined();
    expect(ltvCuts(block)).toBe(block);
    const row = await prisma.metricSnapshot.findFirstOrThrow({
      where: { shopId: shop.shopId },
      orderBy: [{ computedAt: "desc" }, { id: "desc" }],
    });
    const key = block.cuts[0]!.key;
    try {
      // Cuts without their net revenue to date (stored by the cohort filter's first version),
      // then no cuts at all (before cohort filters).
      for (const cohortCuts of [before, undefined]) {
        await prisma.metricSnapshot.update({
          where: { id: row.id },
          data: { data: JSON.stringify({ ...snapshot, cohortCuts }) },
        });
        clearSnapshotCache();
        const data = await ltvData(shop.domain, { cut: key });
        expect(data.filter?.available).toBe(false);
        expect(data.filter?.selected).toBeNull();
        expect(data.historical).toEqual(snapshot.kpis.average_historical_ltv.metric);
      }
    } finally {
      await prisma.metricSnapshot.update({ where: { id: row.id }, data: { data: row.data } });
      clearSnapshotCache();
    }
  });

  it("gives each cut's mean predicted LTV over its modelled customers, as by channel", async () => {
    const clv = snapshot.clv;
    expect(clv.status).toBe("ok");
    if (clv.status !== "ok") return;
    const block = snapshot.cohortCuts!;
    const predicted = block.predictedLtv!;
    expect(predicted.horizonMonths).toBe(clv.horizonMonths);
    const byKey = new Map(predicted.cuts.map((c) => [c.key, c]));
    // Every channel's is the acquisition block's predicted LTV by channel (computed apart).
    const channels = snapshot.acquisition!.predictedLtv!.channels;
    expect(channels.length).toBeGreaterThan(3);
    for (const ch of channels) {
      const cut = byKey.get(`channel:${ch.channel}`)!;
      expect({ customers: cut.customers, mean: cut.meanClvMinor }).toEqual({
        customers: ch.customers,
        mean: ch.meanClvMinor,
      });
    }
    // Each partition's modelled customers are the model's, their sums its total.
    const total = (keys: string[]) => {
      const parts = keys.map((k) => byKey.get(k)!);
      return {
        customers: parts.reduce((s, c) => s + c.customers, 0),
        clv: parts.reduce((s, c) => s + c.customers * c.meanClvMinor, 0),
      };
    };
    const channelKeys = block.cuts.filter((c) => c.dimension === "channel").map((c) => c.key);
    for (const keys of [channelKeys, ["first_order:subscription", "first_order:one_time"]]) {
      const t = total(keys.filter((k) => byKey.has(k)));
      expect(t.customers).toBe(clv.totals.customers);
      expect(t.clv).toBeCloseTo(clv.totals.clv, 3);
    }
    // A cut's base: its modelled customers, at most its customers.
    for (const cut of predicted.cuts) {
      const c = block.cuts.find((x) => x.key === cut.key)!;
      expect(cut.customers).toBeGreaterThan(0);
      expect(cut.customers).toBeLessThanOrEqual(c.customers);
    }

    // The page: the filtered customers' mean beside their LTV to date; none unfiltered.
    const key = channelKeys[0]!;
    const data = await ltvData(shop.domain, { cut: key });
    const cut = block.cuts.find((c) => c.key === key)!;
    expect(data.cutPredicted).toEqual({
      horizonMonths: clv.horizonMonths,
      modelled: byKey.get(key)!.customers,
      customers: cut.customers,
      meanClvMinor: byKey.get(key)!.meanClvMinor,
    });
    expect((await ltvData(shop.domain)).cutPredicted).toBeNull();
    // Absent without per-cut predictions (model not fitted, or stored before them); a cut the
    // model covers nobody of has no mean.
    const { predictedLtv: _p, ...without } = block;
    expect(cutPredictedLtv(without, cut)).toBeNull();
    const nobody = { ...block, predictedLtv: { ...predicted, cuts: [] } };
    expect(cutPredictedLtv(nobody, cut)).toEqual({
      horizonMonths: clv.horizonMonths,
      modelled: 0,
      customers: cut.customers,
      meanClvMinor: null,
    });
  });
});
