/**
 * The descriptive metrics' faster paths against the paths they replaced: each reference below
 * is the earlier implementation (or a direct restatement of it), and the property tests check
 * that the results are exactly equal on random shops.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { customerFacts } from "../../app/analytics/customer-groups";
import { buildPurchaseHistory } from "../../app/analytics/history";
import { createCalendar } from "../../app/analytics/time";
import { randomShop, tableFromRaw } from "./shop";

const calendar = createCalendar("Asia/Tokyo");
const DAY = 86_400_000;
const historyOf = (s: { customers: number; orders: Parameters<typeof tableFromRaw>[0] }) =>
  buildPurchaseHistory(tableFromRaw(s.orders), s.customers, calendar);

describe("customer facts in two-byte arrays", () => {
  it("holds months and gaps as the purchase days give them", () => {
    fc.assert(
      fc.property(randomShop(), fc.integer({ min: 0, max: 800 }), (s, offset) => {
        const h = historyOf(s);
        const asOfDay = (Number.isFinite(h.minDay) ? h.minDay : 19_000) + offset;
        const f = customerFacts(h, { asOfDay, windowDays: 30, maxMonths: 24 });
        expect(f.observedMonths).toBeInstanceOf(Uint16Array);
        expect(f.gap12).toBeInstanceOf(Int16Array);
        for (let c = 0; c < h.customerCount; c++) {
          const days: number[] = [];
          for (let p = h.purchaseStart[c]; p < h.purchaseStart[c + 1]; p++) {
            if (h.purchaseDay[p] <= asOfDay) days.push(h.purchaseDay[p]);
          }
          expect(f.gap12[c]).toBe(days.length >= 2 ? days[1] - days[0] : -1);
          expect(f.gap23[c]).toBe(days.length >= 3 ? days[2] - days[1] : -1);
          expect(f.observedMonths[c] <= 24).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("widens the gaps to four bytes when the history spans 32,768 days or more", () => {
    const start = Date.parse("1930-01-01T00:00:00+09:00");
    const h = buildPurchaseHistory(
      tableFromRaw([
        { c: 0, ms: start, net: 100, flags: 0 },
        { c: 0, ms: start + 40_000 * DAY, net: 100, flags: 0 },
        { c: 0, ms: start + 40_010 * DAY, net: 100, flags: 0 },
      ]),
      1,
      calendar,
    );
    const f = customerFacts(h, { asOfDay: h.maxDay, windowDays: 30, maxMonths: 600 });
    expect(f.gap12).toBeInstanceOf(Int32Array);
    expect([f.gap12[0], f.gap23[0], f.observedMonths[0]]).toEqual([40_000, 10, 600]);
  });
});
