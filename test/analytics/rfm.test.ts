import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildPurchaseHistory } from "../../app/analytics/history";
import type { SegmentRule } from "../../app/analytics/rfm";
import {
  computeRfm,
  DEFAULT_SEGMENT_RULES,
  GRID_CELLS,
  NO_SEGMENT,
  quintileCuts,
  rfmGrid,
  segmentTable,
  summarizeSegments,
  validateSegmentRules,
} from "../../app/analytics/rfm";
import { createCalendar } from "../../app/analytics/time";
import { FIXTURE_AS_OF, fixtureShop } from "./fixture";
import { d, RANDOM_SPAN_DAYS, randomShop, shop, tableFromRaw } from "./shop";

const segmentId = (rfm: ReturnType<typeof computeRfm>, c: number) =>
  rfm.segment[c] === NO_SEGMENT ? null : rfm.rules[rfm.segment[c]].id;

describe("computeRfm on the hand-computed shop", () => {
  const rfm = computeRfm(fixtureShop(), { asOfDay: FIXTURE_AS_OF });

  it("computes R, F and M with the documented conventions", () => {
    expect(rfm.scoredCount).toBe(5);
    expect(Array.from(rfm.recencyDays)).toEqual([1, 356, 0, 60, -1, 244]);
    expect(Array.from(rfm.frequency)).toEqual([2, 1, 1, 1, 0, 3]);
    expect(Array.from(rfm.orders)).toEqual([3, 1, 1, 1, 0, 3]);
    expect(Array.from(rfm.monetaryMinor)).toEqual([10000, 1000, 4000, 0, 0, 6000]);
  });

  it("scores quintiles by the number of strictly worse customers", () => {
    expect(Array.from(rfm.r)).toEqual([4, 1, 5, 3, 0, 2]);
    // F = 1 is shared by 3 of 5 customers: all get 1; F = 2 has 3 worse → 1 + ⌊15/5⌋ = 4.
    expect(Array.from(rfm.f)).toEqual([4, 1, 1, 1, 0, 5]);
    expect(Array.from(rfm.m)).toEqual([5, 2, 3, 1, 0, 4]);
    expect(rfm.thresholds.recency).toEqual([244, 60, 1, 0]);
    expect(rfm.thresholds.frequency).toEqual([2, 2, 2, 3]);
    expect(rfm.thresholds.monetary).toEqual([1000, 4000, 6000, 10000]);
  });

  it("assigns the named segments", () => {
    expect([0, 1, 2, 3, 4, 5].map((c) => segmentId(rfm, c))).toEqual([
      "loyal", // R4, FM 4.5
      "lost", // R1, FM 1.5
      "potential_loyalist", // R5, FM 2
      "about_to_sleep", // R3, FM 1
      null, // only a test order
      "at_risk", // R2, FM 4.5
    ]);
  });

  it("summarises segments with revenue share, AOV and model averages", () => {
    const clv = Float64Array.of(50000, 100, 7000, 0, Number.NaN, 20000);
    const pAlive = Float64Array.of(0.9, 0.1, Number.NaN, 0.5, 0.5, 0.3);
    const s = summarizeSegments(rfm, { predictedClvMinor: clv, pAlive });
    expect(s.revenueMinor).toBe(21000);
    expect(s.orders).toBe(9);
    expect(s.segments.map((g) => g.id)).toEqual(DEFAULT_SEGMENT_RULES.map((r) => r.id));
    const loyal = s.segments.find((g) => g.id === "loyal");
    expect(loyal).toMatchObject({
      customers: 1,
      customerShare: 0.2,
      revenueMinor: 10000,
      orders: 3,
      purchases: 2,
      averageRecencyDays: 1,
      averagePredictedClvMinor: 50000,
      averagePAlive: 0.9,
    });
    expect(loyal?.revenueShare).toBeCloseTo(10000 / 21000, 12);
    expect(loyal?.averageOrderValueMinor).toBeCloseTo(10000 / 3, 9);
    const potential = s.segments.find((g) => g.id === "potential_loyalist");
    expect(potential?.averagePAlive).toBeNull(); // its only P(alive) is NaN
    const champions = s.segments.find((g) => g.id === "champions");
    expect(champions).toMatchObject({
      customers: 0,
      revenueMinor: 0,
      averageOrderValueMinor: null,
    });
    expect(() => summarizeSegments(rfm, { pAlive: new Float64Array(2) })).toThrow(
      /one value per customer/,
    );
  });

  it("fills the R × FM grid", () => {
    const grid = rfmGrid(rfm);
    expect(grid.customers.reduce((a, b) => a + b, 0)).toBe(5);
    // c0: R4, F+M = 9 → cell 3·9 + 7.
    expect(grid.customers[3 * 9 + 7]).toBe(1);
    expect(grid.revenueMinor[3 * 9 + 7]).toBe(10000);
    expect(grid.segment[3 * 9 + 7]).toBe(DEFAULT_SEGMENT_RULES.findIndex((r) => r.id === "loyal"));
  });

  it("restricts F and M to a lookback window", () => {
    const windowed = computeRfm(fixtureShop(), {
      asOfDay: FIXTURE_AS_OF,
      fromDay: FIXTURE_AS_OF - 89,
    });
    // Only c0 (12-30), c2 (12-31) and c3 (11-01) bought in the last 90 days.
    expect(windowed.scoredCount).toBe(3);
    expect(Array.from(windowed.frequency)).toEqual([1, 0, 1, 1, 0, 0]);
    expect(Array.from(windowed.monetaryMinor)).toEqual([8000, 0, 4000, 0, 0, 0]);
    expect(windowed.window.startDay).toBe(FIXTURE_AS_OF - 89);
  });

  it("uses merchant thresholds instead of quintiles when given", () => {
    const fixed = computeRfm(fixtureShop(), {
      asOfDay: FIXTURE_AS_OF,
      recencyScale: { kind: "thresholds", thresholds: [365, 180, 90, 30] },
      frequencyScale: { kind: "thresholds", thresholds: [2, 3, 5, 10] },
      monetaryScale: { kind: "thresholds", thresholds: [1000, 5000, 10000, 50000] },
    });
    expect(Array.from(fixed.r)).toEqual([5, 2, 5, 4, 0, 2]);
    expect(Array.from(fixed.f)).toEqual([2, 1, 1, 1, 0, 3]);
    expect(Array.from(fixed.m)).toEqual([4, 2, 2, 1, 0, 3]);
    expect(() =>
      computeRfm(fixtureShop(), {
        asOfDay: FIXTURE_AS_OF,
        frequencyScale: { kind: "thresholds", thresholds: [5, 3, 2, 1] },
      }),
    ).toThrow(/ascending/);
  });

  it("scores nobody before the first order", () => {
    const early = computeRfm(fixtureShop(), { asOfDay: FIXTURE_AS_OF - 400 });
    expect(early.scoredCount).toBe(0);
    expect(Array.from(early.segment).every((s) => s === NO_SEGMENT)).toBe(true);
    expect(summarizeSegments(early).segments.every((g) => g.customers === 0)).toBe(true);
  });
});

describe("ties and small shops", () => {
  const TODAY = "2026-12-05";
  const at = (day: string) => `${day}T10:00:00+09:00`;

  it("a brand-new shop (everyone bought today, once) is neutral, not Lost", () => {
    // 60 customers, one order each today, amounts all different.
    const specs = Array.from({ length: 60 }, (_, c) => ({ c, at: at(TODAY), net: 1000 + 37 * c }));
    const rfm = computeRfm(shop(specs, 60), { asOfDay: d(TODAY) });
    const segments = new Set(Array.from({ length: 60 }, (_, c) => segmentId(rfm, c)));
    expect(segments.has("lost")).toBe(false);
    expect(segments.has("at_risk")).toBe(false);
    // R3 with FM 2 … 4: About to Sleep, Need Attention or Loyal — never the R 1–2 segments.
    for (const id of segments) expect(["about_to_sleep", "need_attention", "loyal"]).toContain(id);
    // R and F have no spread: 3 for all; M still ranks the customers.
    expect(new Set(rfm.r)).toEqual(new Set([3]));
    expect(new Set(rfm.f)).toEqual(new Set([3]));
    expect(new Set(rfm.m)).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(rfm.thresholds.recency).toEqual([0, 0, null, null]);
    expect(rfm.thresholds.frequency).toEqual([1, 1, null, null]);
    expect(rfm.segmented).toBe(true);
  });

  it("90 % tied at the best value: they score 5, the others are ranked below them", () => {
    // 54 bought today, 6 on the six days before: R for today's buyers is 5, not 1.
    const specs = Array.from({ length: 60 }, (_, c) => ({
      c,
      at: at(c < 54 ? TODAY : `2026-11-${String(23 + c - 54).padStart(2, "0")}`),
    }));
    const rfm = computeRfm(shop(specs, 60), { asOfDay: d(TODAY) });
    for (let c = 0; c < 54; c++) expect(rfm.r[c]).toBe(5);
    for (let c = 54; c < 60; c++) expect(rfm.r[c]).toBe(1);
  });

  it("90 % tied at the worst value: they score 1, the others 5 (unchanged)", () => {
    // 54 one-time buyers, 6 with 2–7 purchases.
    const specs = Array.from({ length: 60 }, (_, c) =>
      Array.from({ length: c < 54 ? 1 : c - 52 }, (_, k) => ({
        c,
        at: at(`2026-${String(11 - k).padStart(2, "0")}-01`),
      })),
    ).flat();
    const rfm = computeRfm(shop(specs, 60), { asOfDay: d(TODAY) });
    for (let c = 0; c < 54; c++) expect(rfm.f[c]).toBe(1);
    for (let c = 54; c < 60; c++) expect(rfm.f[c]).toBe(5);
  });

  it("90 % tied in the middle: the formula (the lowest rank they occupy)", () => {
    // Monetary: 3 refunded to ¥500, 54 at ¥3,000, 3 at ¥6,000.
    const specs = Array.from({ length: 60 }, (_, c) => ({
      c,
      at: at(TODAY),
      net: c < 3 ? 500 : c < 57 ? 3000 : 6000,
    }));
    const rfm = computeRfm(shop(specs, 60), { asOfDay: d(TODAY) });
    expect([rfm.m[0], rfm.m[3], rfm.m[59]]).toEqual([1, 1, 5]);
  });

  it("below the minimum number of customers nobody is scored or segmented", () => {
    const specs = Array.from({ length: 30 }, (_, c) => ({ c, at: at(TODAY), net: 1000 + c }));
    const history = shop(specs, 31);
    const small = computeRfm(history, { asOfDay: d(TODAY), minCustomers: 50 });
    expect(small).toMatchObject({ segmented: false, minCustomers: 50, scoredCount: 30 });
    expect(Array.from(small.segment).every((g) => g === NO_SEGMENT)).toBe(true);
    expect(Array.from(small.r).every((x) => x === 0)).toBe(true);
    expect(small.recencyDays[0]).toBe(0); // still measured
    expect(small.monetaryMinor[29]).toBe(1029);
    expect(small.thresholds.monetary).toEqual([null, null, null, null]);
    expect(summarizeSegments(small).segments.every((g) => g.customers === 0)).toBe(true);
    expect(rfmGrid(small).customers.every((x) => x === 0)).toBe(true);
    // At the minimum they are.
    const enough = computeRfm(history, { asOfDay: d(TODAY), minCustomers: 30 });
    expect(enough.segmented).toBe(true);
    expect(Array.from(enough.segment).filter((g) => g !== NO_SEGMENT)).toHaveLength(30);
    expect(() => computeRfm(history, { asOfDay: d(TODAY), minCustomers: 0 })).toThrow(
      /minCustomers/,
    );
  });
});

describe("segment rules", () => {
  it("default rules: every cell has a segment and every segment is reachable", () => {
    expect(validateSegmentRules(DEFAULT_SEGMENT_RULES)).toEqual([]);
    const table = segmentTable(DEFAULT_SEGMENT_RULES);
    expect(table.length).toBe(GRID_CELLS);
    expect(new Set(table).size).toBe(11);
    expect(Array.from(table).includes(NO_SEGMENT)).toBe(false);
    const cantLose = DEFAULT_SEGMENT_RULES.findIndex((r) => r.id === "cant_lose_them");
    // R = 1 and FM = 4.5, 5 (F + M = 9, 10).
    expect(table[0 * 9 + 7]).toBe(cantLose);
    expect(table[0 * 9 + 8]).toBe(cantLose);
  });

  it("the commonly published order (At Risk before Can't Lose Them) is rejected", () => {
    const published = [...DEFAULT_SEGMENT_RULES];
    const i = published.findIndex((r) => r.id === "cant_lose_them");
    const [cantLose] = published.splice(i, 1);
    published.splice(published.findIndex((r) => r.id === "at_risk") + 1, 0, cantLose);
    const problems = validateSegmentRules(published);
    expect(problems).toEqual([
      expect.objectContaining({ code: "unreachable_rule", ruleId: "cant_lose_them" }),
    ]);
    expect(() => computeRfm(fixtureShop(), { asOfDay: FIXTURE_AS_OF, rules: published })).toThrow(
      /cant_lose_them/,
    );
  });

  it("reports gaps, duplicates and bad ranges", () => {
    const rules: SegmentRule[] = [
      { id: "top", name: "Top", recency: [4, 5], fm: [1, 5] },
      { id: "top", name: "Again", recency: [3, 3], fm: [1, 5] },
      { id: "Bad Id", name: "", recency: [0, 9], fm: [1, 5] },
    ];
    const codes = validateSegmentRules(rules).map((p) => p.code);
    expect(codes).toEqual(["duplicate_id", "bad_id", "bad_name", "bad_range"]);
    const gap = validateSegmentRules([{ id: "a", name: "A", recency: [2, 5], fm: [1, 5] }]);
    expect(gap.filter((p) => p.code === "uncovered_cell")).toHaveLength(9);
    expect(validateSegmentRules([])).toEqual([expect.objectContaining({ code: "empty" })]);
  });

  it("applies a merchant's own rule list", () => {
    const rules: SegmentRule[] = [
      { id: "vip", name: "VIP", recency: [3, 5], fm: [4, 5] },
      { id: "active", name: "Active", recency: [3, 5], fm: [1, 5] },
      { id: "dormant", name: "Dormant", recency: [1, 2], fm: [1, 5] },
    ];
    const rfm = computeRfm(fixtureShop(), { asOfDay: FIXTURE_AS_OF, rules });
    expect([0, 1, 2, 3, 5].map((c) => rules[rfm.segment[c]].id)).toEqual([
      "vip",
      "dormant",
      "active",
      "active",
      "dormant",
    ]);
  });
});

describe("quintile scores (properties)", () => {
  it("equal values get equal scores, better values never lower ones, formula holds", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 60 }),
        (xs) => {
          const cuts = quintileCuts(Float64Array.from(xs));
          const score = (v: number) => 1 + cuts.filter((c) => c !== null && v >= c).length;
          const n = xs.length;
          const min = Math.min(...xs);
          const max = Math.max(...xs);
          for (const v of xs) {
            const worse = xs.filter((x) => x < v).length;
            const formula = 1 + Math.floor((5 * worse) / n);
            // No spread: neutral 3. The best value: 5. Everything else: the formula.
            const expected = min === max ? 3 : v === max ? 5 : formula;
            expect(score(v)).toBe(expected);
            for (const u of xs) if (u > v) expect(score(u)).toBeGreaterThanOrEqual(score(v));
          }
          if (min < max) expect(score(min)).toBe(1);
        },
      ),
    );
  });

  it("is exactly 1 + ⌊5 · worse / N⌋ where values differ and the best is held by ≤ a fifth", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 2, maxLength: 200 }),
        (xs) => {
          const n = xs.length;
          const max = Math.max(...xs);
          fc.pre(Math.min(...xs) < max && xs.filter((x) => x === max).length * 5 <= n);
          const cuts = quintileCuts(Float64Array.from(xs));
          for (const v of xs) {
            const score = 1 + cuts.filter((c) => c !== null && v >= c).length;
            expect(score).toBe(1 + Math.floor((5 * xs.filter((x) => x < v).length) / n));
          }
        },
      ),
    );
  });

  it("selection finds the cut-offs a full sort finds, for any values (property)", () => {
    // The cut-offs as first written: sort, then the smallest value above the m-th smallest.
    const sorted = (xs: number[]): (number | null)[] => {
      const v = Float64Array.from(xs).sort();
      const n = v.length;
      let min = Infinity;
      let max = -Infinity;
      for (const x of xs) {
        if (x < min) min = x;
        if (x > max) max = x;
      }
      if (min === max) return [max, max, null, null];
      return [2, 3, 4, 5].map((k) => {
        const m = Math.ceil(((k - 1) * n) / 5);
        let lo = m;
        while (lo < n && !(v[lo] > v[m - 1])) lo++;
        return lo < n ? v[lo] : max;
      });
    };
    const value = fc.oneof(
      fc.integer({ min: -3, max: 3 }),
      fc.integer({ min: -2e9, max: 2e9 }),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.constantFrom(0, -0, 0.5, 1e12),
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 400 }), (xs) => {
        const cuts = quintileCuts(Float64Array.from(xs));
        const expected = sorted(xs);
        expect(cuts.length).toBe(4);
        cuts.forEach((c, i) => expect(Object.is(c, expected[i])).toBe(true));
      }),
      { numRuns: 400 },
    );
  });

  it("RFM of many customers with wide revenue scores as the sorted cut-offs do", () => {
    // Over 4N + 1024 between the smallest and largest revenue: the selection path.
    const orders = [];
    for (let c = 0; c < 300; c++) {
      const at = `2024-0${1 + (c % 9)}-1${c % 10}T10:00:00+09:00`;
      orders.push({ c, at, net: (c * 7919) % 1e6 });
      if (c % 3 === 0) orders.push({ c, at: "2024-10-01T10:00:00+09:00", net: c * 13 });
    }
    const history = shop(orders, 300);
    const rfm = computeRfm(history, { asOfDay: d("2024-12-31") });
    const values = Float64Array.from(rfm.monetaryMinor.filter((_, c) => rfm.recencyDays[c] >= 0));
    expect(rfm.thresholds.monetary).toEqual(quintileCuts(values.slice()));
    const cuts = quintileCuts(values);
    for (let c = 0; c < 300; c++) {
      const expected = 1 + cuts.filter((x) => x !== null && rfm.monetaryMinor[c] >= x).length;
      expect(rfm.m[c]).toBe(expected);
    }
  });

  it("segments partition the scored customers; grid and summaries add up", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer({ min: 0, max: RANDOM_SPAN_DAYS }),
        ({ customers, orders }, asOf) => {
          const cal = createCalendar("Asia/Tokyo");
          const history = buildPurchaseHistory(tableFromRaw(orders), customers, cal);
          const asOfDay = cal.dayOf(Date.parse("2023-01-01T00:00:00+09:00")) + asOf;
          const rfm = computeRfm(history, { asOfDay });
          let scored = 0;
          let revenue = 0;
          for (let c = 0; c < customers; c++) {
            const isScored = rfm.recencyDays[c] >= 0;
            expect(rfm.segment[c] !== NO_SEGMENT).toBe(isScored);
            if (!isScored) continue;
            scored++;
            revenue += rfm.monetaryMinor[c];
            for (const s of [rfm.r[c], rfm.f[c], rfm.m[c]]) {
              expect(s).toBeGreaterThanOrEqual(1);
              expect(s).toBeLessThanOrEqual(5);
            }
            for (let o = 0; o < customers; o++) {
              if (rfm.recencyDays[o] < 0) continue;
              if (rfm.recencyDays[o] === rfm.recencyDays[c]) expect(rfm.r[o]).toBe(rfm.r[c]);
              if (rfm.recencyDays[o] < rfm.recencyDays[c])
                expect(rfm.r[o]).toBeGreaterThanOrEqual(rfm.r[c]);
              if (rfm.frequency[o] === rfm.frequency[c]) expect(rfm.f[o]).toBe(rfm.f[c]);
              if (rfm.monetaryMinor[o] === rfm.monetaryMinor[c]) expect(rfm.m[o]).toBe(rfm.m[c]);
              if (rfm.monetaryMinor[o] > rfm.monetaryMinor[c])
                expect(rfm.m[o]).toBeGreaterThanOrEqual(rfm.m[c]);
            }
          }
          expect(rfm.scoredCount).toBe(scored);
          const summary = summarizeSegments(rfm);
          expect(summary.segments.reduce((s, g) => s + g.customers, 0)).toBe(scored);
          expect(summary.segments.reduce((s, g) => s + g.revenueMinor, 0)).toBe(revenue);
          const grid = rfmGrid(rfm);
          expect(grid.customers.reduce((a, b) => a + b, 0)).toBe(scored);
        },
      ),
      { numRuns: 150 },
    );
  });
});
