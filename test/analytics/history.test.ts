import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildPurchaseHistory, withPurchaseNet } from "../../app/analytics/history";
import { createCalendar, monthOfDay } from "../../app/analytics/time";
import { ORDER_CANCELLED, ORDER_SUBSCRIPTION, ORDER_TEST } from "../../app/analytics/types";
import type { OrderTable } from "../../app/analytics/types";
import { fixtureShop, FIXTURE_ORDERS } from "./fixture";
import { d, orderTable, permuted, randomShop, shop, shuffledRows, tableFromRaw } from "./shop";

const purchasesOf = (h: ReturnType<typeof fixtureShop>, c: number) => {
  const out: { day: number; net: number; orders: number }[] = [];
  for (let p = h.purchaseStart[c]; p < h.purchaseStart[c + 1]; p++) {
    out.push({ day: h.purchaseDay[p], net: h.purchaseNet[p], orders: h.purchaseOrders[p] });
  }
  return out;
};

describe("buildPurchaseHistory", () => {
  it("merges same-local-day orders and drops cancelled and test orders", () => {
    const h = fixtureShop();
    expect(h.customerCount).toBe(6);
    expect(purchasesOf(h, 0)).toEqual([
      { day: d("2024-06-01"), net: 2000, orders: 1 },
      { day: d("2024-12-30"), net: 8000, orders: 2 },
    ]);
    expect(purchasesOf(h, 1)).toEqual([{ day: d("2024-01-10"), net: 1000, orders: 1 }]);
    // 14:30Z and 15:30Z are two Tokyo days (23:30 and 00:30 JST).
    expect(purchasesOf(h, 2).map((p) => p.day)).toEqual([d("2024-12-31"), d("2025-01-01")]);
    expect(purchasesOf(h, 3)).toEqual([{ day: d("2024-11-01"), net: 0, orders: 1 }]);
    expect(purchasesOf(h, 4)).toEqual([]);
    expect(h.purchaseGross[h.purchaseStart[3]]).toBe(3000);
    expect(h.guest).toEqual({ orders: 1, netMinor: 9999, grossMinor: 9999 });
    expect(h.excluded).toEqual({ cancelled: 1, test: 1 });
    expect(h.minDay).toBe(d("2024-01-10"));
    expect(h.maxDay).toBe(d("2025-01-01"));
    expect(h.monthOf(d("2024-12-31"))).toBe(2024 * 12 + 11);
    expect(h.monthOf(d("1999-05-05"))).toBe(monthOfDay(d("1999-05-05")));
  });

  it("splits the same UTC orders differently in another zone", () => {
    const h = shop(FIXTURE_ORDERS, 6, "UTC");
    // In UTC both of c2's orders are on 2024-12-31.
    expect(h.purchaseStart[3] - h.purchaseStart[2]).toBe(1);
    expect(h.purchaseOrders[h.purchaseStart[2]]).toBe(2);
  });

  it("keeps the subscription flag of any merged order", () => {
    const h = shop(
      [
        { c: 0, at: "2024-05-01T10:00:00+09:00" },
        { c: 0, at: "2024-05-01T11:00:00+09:00", flags: ORDER_SUBSCRIPTION },
      ],
      1,
    );
    expect(h.purchaseFlags[0] & ORDER_SUBSCRIPTION).toBe(ORDER_SUBSCRIPTION);
  });

  it("accepts unsorted rows and gives the same history", () => {
    fc.assert(
      fc.property(randomShop(), fc.integer(), ({ customers, orders }, seed) => {
        const cal = createCalendar("Asia/Tokyo");
        const sorted = tableFromRaw(orders);
        // A deterministic shuffle of the rows.
        const shuffled = permuted(sorted, shuffledRows(sorted.length, seed, 1009));
        const a = buildPurchaseHistory(sorted, customers, cal);
        const b = buildPurchaseHistory(shuffled, customers, cal);
        expect(Array.from(b.purchaseStart)).toEqual(Array.from(a.purchaseStart));
        expect(Array.from(b.purchaseDay)).toEqual(Array.from(a.purchaseDay));
        expect(Array.from(b.purchaseNet)).toEqual(Array.from(a.purchaseNet));
        expect(Array.from(b.purchaseOrders)).toEqual(Array.from(a.purchaseOrders));
      }),
      { numRuns: 100 },
    );
  });

  it("builds gross per purchase on first read, from sorted or shuffled rows (property)", () => {
    fc.assert(
      fc.property(randomShop(), fc.integer(), ({ customers, orders }, seed) => {
        const cal = createCalendar("Asia/Tokyo");
        // Gross differs from net per order so a wrong order-to-purchase match shows.
        const rows = orders.map((o, i) => ({ ...o, net: o.net + ((i * 37) % 11) }));
        const sorted = tableFromRaw(rows);
        const idx = shuffledRows(sorted.length, seed, 997);
        const shuffled: OrderTable = {
          ...permuted(sorted, idx),
          grossMinor: Float64Array.from(idx, (i) => sorted.grossMinor[i] * 3 + i),
        };
        for (const table of [sorted, shuffled]) {
          const h = buildPurchaseHistory(table, customers, cal);
          // By hand: each purchase's kept orders are those of its customer on its local day
          // (no zone change in Tokyo), summed.
          const expected = new Float64Array(h.purchaseDay.length);
          for (let i = 0; i < table.length; i++) {
            const c = table.customer[i];
            if (c < 0 || table.flags[i] & (ORDER_CANCELLED | ORDER_TEST)) continue;
            const day = cal.dayOf(table.processedAt[i]);
            for (let p = h.purchaseStart[c]; p < h.purchaseStart[c + 1]; p++) {
              if (h.purchaseDay[p] === day) expected[p] += table.grossMinor[i];
            }
          }
          expect(Array.from(h.purchaseGross)).toEqual(Array.from(expected));
          // The first subscription purchase of each customer, by hand.
          for (let c = 0; c < customers; c++) {
            let first = -1;
            for (let p = h.purchaseStart[c]; p < h.purchaseStart[c + 1] && first < 0; p++) {
              if (h.purchaseFlags[p] & ORDER_SUBSCRIPTION) first = p;
            }
            expect(h.firstSubscription[c]).toBe(first);
          }
          // The month table covers minDay..maxDay, so every purchase day.
          const span = Number.isFinite(h.minDay) ? h.maxDay - h.minDay + 1 : 0;
          expect(h.monthByDay.length).toBe(span);
          for (const day of h.purchaseDay) {
            expect(h.monthByDay[day - h.minDay]).toBe(monthOfDay(day));
          }
          expect(h.purchaseGross).toBe(h.purchaseGross);
          // The rows in the order read: null for the sorted table, else a permutation that
          // walks the shuffled one in (customer, processedAt) order.
          if (table === sorted) expect(h.rowOrder).toBeNull();
          const walk = h.rowOrder ?? Uint32Array.from({ length: table.length }, (_, i) => i);
          expect([...walk].sort((a, b) => a - b)).toEqual([...walk.keys()]);
          for (let k = 1; k < walk.length; k++) {
            const [a, b] = [walk[k - 1], walk[k]];
            expect(table.customer[b]).toBeGreaterThanOrEqual(table.customer[a]);
            if (table.customer[b] === table.customer[a]) {
              expect(table.processedAt[b]).toBeGreaterThanOrEqual(table.processedAt[a]);
            }
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it("takes another net per order as a rebuild does (withPurchaseNet, property)", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer(),
        fc.constantFrom("Asia/Tokyo", "America/New_York"),
        ({ customers, orders }, seed, zone) => {
          const cal = createCalendar(zone);
          const sorted = tableFromRaw(orders);
          const shuffled = permuted(sorted, shuffledRows(sorted.length, seed, 991));
          for (const table of [sorted, shuffled]) {
            // Profits with fractions (sums then depend on their order), −0 and big values.
            const profit = Float64Array.from({ length: table.length }, (_, i) =>
              i % 7 === 0 ? -0 : i % 5 === 0 ? 2 ** 40 + i / 3 : table.netMinor[i] * 0.37 - i / 7,
            );
            const h = buildPurchaseHistory(table, customers, cal);
            const rebuilt = buildPurchaseHistory({ ...table, netMinor: profit }, customers, cal);
            const got = withPurchaseNet(h, table, profit);
            // Bit for bit: Object.is tells −0 from 0.
            expect(Array.from(got.purchaseNet).map((x) => (Object.is(x, -0) ? "-0" : x))).toEqual(
              Array.from(rebuilt.purchaseNet).map((x) => (Object.is(x, -0) ? "-0" : x)),
            );
            expect(Object.is(got.guest.netMinor, rebuilt.guest.netMinor)).toBe(true);
            expect(got.guest).toEqual(rebuilt.guest);
            expect(got.excluded).toEqual(rebuilt.excluded);
            for (const column of [
              "purchaseStart",
              "purchaseDay",
              "purchaseOrders",
              "purchaseFlags",
              "purchaseGross",
              "firstSubscription",
              "monthByDay",
            ] as const) {
              expect(Array.from(got[column])).toEqual(Array.from(rebuilt[column]));
            }
            expect([got.minDay, got.maxDay]).toEqual([rebuilt.minDay, rebuilt.maxDay]);
            expect(got.rowOrder).toEqual(rebuilt.rowOrder);
            if (Number.isFinite(got.minDay))
              expect(got.monthOf(got.maxDay + 40)).toBe(rebuilt.monthOf(got.maxDay + 40));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it("refuses another net that is not finite or not of the history's orders", () => {
    const orders = orderTable([
      { c: 0, at: "2025-01-02T10:00:00Z", net: 100 },
      { c: 0, at: "2025-01-03T10:00:00Z", net: 200 },
    ]);
    const h = buildPurchaseHistory(orders, 1, createCalendar("UTC"));
    expect(() => withPurchaseNet(h, orders, Float64Array.of(1, NaN))).toThrow(
      /Order row 1: .*must be finite/,
    );
    expect(() => withPurchaseNet(h, orders, Float64Array.of(1))).toThrow(/built from these orders/);
  });

  it("conserves orders and net revenue (customers + guests = kept orders)", () => {
    fc.assert(
      fc.property(randomShop(), ({ customers, orders }) => {
        const h = buildPurchaseHistory(
          tableFromRaw(orders),
          customers,
          createCalendar("Asia/Tokyo"),
        );
        const kept = orders.filter((o) => (o.flags & (ORDER_CANCELLED | ORDER_TEST)) === 0);
        let ordersSum = 0;
        let netSum = 0;
        for (let p = 0; p < h.purchaseDay.length; p++) {
          ordersSum += h.purchaseOrders[p];
          netSum += h.purchaseNet[p];
        }
        expect(ordersSum + h.guest.orders).toBe(kept.length);
        expect(netSum + h.guest.netMinor).toBe(kept.reduce((s, o) => s + o.net, 0));
        for (let c = 0; c < customers; c++) {
          for (let p = h.purchaseStart[c] + 1; p < h.purchaseStart[c + 1]; p++) {
            expect(h.purchaseDay[p]).toBeGreaterThan(h.purchaseDay[p - 1]);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it("counts more orders in one purchase than two bytes hold", () => {
    const n = 70_000;
    const at = Date.parse("2024-05-01T01:00:00+09:00");
    const table: OrderTable = {
      length: n + 1,
      customer: Int32Array.from({ length: n + 1 }, (_, i) => (i < n ? 0 : 1)),
      processedAt: Float64Array.from({ length: n + 1 }, (_, i) => at + i),
      grossMinor: new Float64Array(n + 1).fill(100),
      netMinor: new Float64Array(n + 1).fill(100),
      flags: new Uint8Array(n + 1),
    };
    const h = buildPurchaseHistory(table, 2, createCalendar("Asia/Tokyo"));
    expect(Array.from(h.purchaseOrders)).toEqual([n, 1]);
    expect(Array.from(h.purchaseNet)).toEqual([100 * n, 100]);
    expect(Array.from(h.purchaseGross)).toEqual([100 * n, 100]);
  });

  it("rejects customer indices outside the table and non-finite values", () => {
    const cal = createCalendar("Asia/Tokyo");
    const table = orderTable([{ c: 3, at: "2024-01-01T00:00:00Z" }]);
    expect(() => buildPurchaseHistory(table, 3, cal)).toThrow(/customer 3 outside/);
    const bad = { ...table, netMinor: Float64Array.of(Number.NaN) };
    expect(() => buildPurchaseHistory(bad, 4, cal)).toThrow(/finite/);
  });

  it("handles an empty shop", () => {
    const h = shop([], 2);
    expect(h.purchaseDay.length).toBe(0);
    expect(Number.isNaN(h.minDay)).toBe(true);
    expect(Array.from(h.purchaseStart)).toEqual([0, 0, 0]);
  });
});
