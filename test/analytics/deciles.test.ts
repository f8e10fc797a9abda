import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decileAnalysis } from "../../app/analytics/deciles";
import { pareto } from "../../app/analytics/kpis";
import { ORDER_CANCELLED, ORDER_TEST } from "../../app/analytics/types";
import { buildPurchaseHistory } from "../../app/analytics/history";
import { createCalendar } from "../../app/analytics/time";
import { d, randomShop, shop, tableFromRaw } from "./shop";

describe("decileAnalysis", () => {
  // Ten customers, c bought (c + 1) × ¥1,000 in 2025 (Tokyo days); extra rows test the edges.
  const tenCustomers = () =>
    shop(
      [
        ...Array.from({ length: 10 }, (_, c) => ({
          c,
          at: "2025-03-10T10:00:00+09:00",
          net: (c + 1) * 1000,
        })),
        // Same Tokyo day as c9's order: one purchase, two orders, money added.
        { c: 9, at: "2025-03-10T20:00:00+09:00", net: 500 },
        // 14:30Z on 31 Dec is 23:30 in Tokyo: before the period.
        { c: 0, at: "2024-12-31T14:30:00Z", net: 99_000 },
        // 1 Jan 2025 00:30 JST: inside.
        { c: 1, at: "2024-12-31T15:30:00Z", net: 100 },
        { c: 2, at: "2025-05-01T10:00:00+09:00", net: 50_000, flags: ORDER_CANCELLED },
        { c: 3, at: "2025-05-01T10:00:00+09:00", net: 50_000, flags: ORDER_TEST },
        // Guests are not customers.
        { c: -1, at: "2025-05-01T10:00:00+09:00", net: 70_000 },
      ],
      11,
    );

  it("ranks customers by net revenue in the period and cuts ten groups", () => {
    const r = decileAnalysis(tenCustomers(), {
      firstDay: d("2025-01-01"),
      lastDay: d("2025-12-31"),
    });
    // c10 never bought; c0's big order is in 2024.
    expect(r.customers).toBe(10);
    const total = 55_000 + 500 + 100;
    expect(r.revenueMinor).toBe(total);
    expect(r.orders).toBe(12);
    expect(r.deciles.map((g) => g.customers)).toEqual(Array(10).fill(1));
    expect(r.deciles[0]).toMatchObject({
      decile: 1,
      revenueMinor: 10_500,
      orders: 2,
      averageOrderMinor: 5250,
      ordersPerCustomer: 2,
    });
    expect(r.deciles[0].share).toBeCloseTo(10_500 / total, 12);
    expect(r.deciles[9].revenueMinor).toBe(1000);
    expect(r.deciles[9].cumulativeShare).toBeCloseTo(1, 12);
    expect(r.topShare.p10).toBeCloseTo(10_500 / total, 12);
    expect(r.topShare.p20).toBeCloseTo((10_500 + 9000) / total, 12);
    expect(r.curve[0]).toBe(0);
    expect(r.curve[100]).toBeCloseTo(1, 12);
    expect(r.top.map((t) => t.index)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(r.top[0]).toMatchObject({ rank: 1, revenueMinor: 10_500, orders: 2 });
    // c1 and c0: 2100 vs 1000.
    expect(r.top[8].revenueMinor).toBe(2100);
  });

  it("handles fewer customers than groups, ties and an empty period", () => {
    const h = shop(
      [
        { c: 0, at: "2025-03-10T10:00:00+09:00", net: 1000 },
        { c: 1, at: "2025-03-10T10:00:00+09:00", net: 1000 },
        { c: 2, at: "2025-03-10T10:00:00+09:00", net: 0 },
      ],
      3,
    );
    const r = decileAnalysis(h, { firstDay: d("2025-01-01"), lastDay: d("2025-12-31") });
    expect(r.deciles.reduce((s, g) => s + g.customers, 0)).toBe(3);
    expect(r.top.map((t) => t.index)).toEqual([0, 1, 2]);
    const empty = decileAnalysis(h, { firstDay: d("2026-01-01"), lastDay: d("2026-12-31") });
    expect(empty.customers).toBe(0);
    expect(empty.topShare.p10).toBeNull();
    expect(empty.deciles.every((g) => g.share === null && g.customers === 0)).toBe(true);
  });

  it("groups add up to the whole and the curve never falls", () => {
    fc.assert(
      fc.property(randomShop(), ({ customers, orders }) => {
        const history = buildPurchaseHistory(
          tableFromRaw(orders),
          customers,
          createCalendar("Asia/Tokyo"),
        );
        const r = decileAnalysis(history, { firstDay: -1e6, lastDay: 1e6 });
        expect(r.deciles.reduce((s, g) => s + g.customers, 0)).toBe(r.customers);
        expect(r.deciles.reduce((s, g) => s + g.orders, 0)).toBe(r.orders);
        const sizes = r.deciles.map((g) => g.customers);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        for (let k = 1; k <= 100; k++) {
          if (r.curve[k] !== null)
            expect(r.curve[k]!).toBeGreaterThanOrEqual(r.curve[k - 1]! - 1e-9);
        }
        for (let g = 1; g < 10; g++) {
          if (r.deciles[g].customers > 0 && r.deciles[g - 1].customers > 0) {
            // Every customer of a higher group brought at least as much as any lower one.
            expect(
              r.deciles[g - 1].revenueMinor / r.deciles[g - 1].customers,
            ).toBeGreaterThanOrEqual(r.deciles[g].revenueMinor / r.deciles[g].customers - 1e-6);
          }
        }
      }),
      { numRuns: 50 },
    );
  });

  it("takes the same top 20 % as the dashboard's Pareto share", () => {
    fc.assert(
      fc.property(randomShop(), fc.integer({ min: 0, max: 400 }), ({ customers, orders }, span) => {
        const history = buildPurchaseHistory(
          tableFromRaw(orders),
          customers,
          createCalendar("Asia/Tokyo"),
        );
        if (!Number.isFinite(history.minDay)) return;
        const firstDay = history.minDay + (span % 50);
        const lastDay = firstDay + span;
        const r = decileAnalysis(history, { firstDay, lastDay });
        const p = pareto(history, { period: { startDay: firstDay, endDay: lastDay + 1 } });
        expect(r.customers).toBe(p.customers);
        expect(r.revenueMinor).toBeCloseTo(p.revenueMinor, 6);
        if (p.topShare.value === null) expect(r.topShare.p20).toBeNull();
        else expect(r.topShare.p20).toBeCloseTo(p.topShare.value, 9);
      }),
      { numRuns: 100 },
    );
  });
});
