import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildPurchaseHistory } from "../../app/analytics/history";
import { segmentMigration, yoyMigration, yoyRetention } from "../../app/analytics/migration";
import { computeRfm, DEFAULT_SEGMENT_RULES } from "../../app/analytics/rfm";
import { createCalendar, yearRange } from "../../app/analytics/time";
import { FIXTURE_AS_OF, fixtureShop } from "./fixture";
import { d, range, randomShop, tableFromRaw, yoyShop } from "./shop";

describe("yoyMigration", () => {
  const h = yoyShop();

  it("splits last year's buyers into new and existing and follows them", () => {
    const m = yoyMigration(h, yearRange(2024));
    expect(m.previous).toMatchObject({ start: "2023-01-01", end: "2023-12-31" });
    expect(m).toMatchObject({
      previousBuyers: 4,
      previousNew: 2,
      previousExisting: 2,
      retainedNew: 1,
      retainedExisting: 1,
      currentNew: 1,
      currentRetained: 2,
      currentReactivated: 1,
      currentRevenueMinor: { new: 7000, retained: 2000, reactivated: 3000 },
    });
    expect(m.retention).toMatchObject({
      id: "yoy_retention",
      value: 0.5,
      numerator: 2,
      denominator: 4,
    });
    expect(m.newMigration).toMatchObject({ id: "yoy_migration_new", value: 0.5 });
    expect(m.existingMigration).toMatchObject({ id: "yoy_migration_existing", value: 0.5 });
    expect(yoyRetention(h, yearRange(2024)).value).toBe(0.5);
  });

  it("works for a month against the same month a year before and rejects > 1 year", () => {
    const march = yoyMigration(h, range("2024-03-01", "2024-03-31"));
    expect(march.previous).toMatchObject({ start: "2023-03-01", end: "2023-03-31" });
    expect(march.previousBuyers).toBe(1);
    expect(march.retention.value).toBe(0);
    expect(() => yoyMigration(h, range("2023-01-01", "2024-12-31"))).toThrow(/one year/);
  });

  it("retained ≤ previous buyers and groups partition current buyers (property)", () => {
    fc.assert(
      fc.property(randomShop(), ({ customers, orders }) => {
        const history = buildPurchaseHistory(
          tableFromRaw(orders),
          customers,
          createCalendar("Asia/Tokyo"),
        );
        const m = yoyMigration(history, yearRange(2024));
        expect(m.retainedNew).toBeLessThanOrEqual(m.previousNew);
        expect(m.retainedExisting).toBeLessThanOrEqual(m.previousExisting);
        expect(m.currentRetained).toBe(m.retainedNew + m.retainedExisting);
        let buyers = 0;
        for (let c = 0; c < customers; c++) {
          for (let p = history.purchaseStart[c]; p < history.purchaseStart[c + 1]; p++) {
            const day = history.purchaseDay[p];
            if (day >= d("2024-01-01") && day <= d("2024-12-31")) {
              buyers++;
              break;
            }
          }
        }
        expect(m.currentNew + m.currentRetained + m.currentReactivated).toBe(buyers);
      }),
      { numRuns: 100 },
    );
  });
});

describe("segmentMigration", () => {
  it("counts and revenue between two dates on the hand-computed shop", () => {
    const m = segmentMigration(fixtureShop(), {
      fromAsOfDay: d("2024-06-30"),
      toAsOfDay: FIXTURE_AS_OF,
    });
    const ids = DEFAULT_SEGMENT_RULES.map((r) => r.id);
    expect(m.labels).toEqual([...ids, "none"]);
    const cell = (from: string, to: string) =>
      m.labels.indexOf(from) * m.size + m.labels.indexOf(to);
    const nonZero: [string, string, number, number][] = [];
    for (let i = 0; i < m.size; i++) {
      for (let j = 0; j < m.size; j++) {
        const k = i * m.size + j;
        if (m.counts[k] > 0)
          nonZero.push([m.labels[i], m.labels[j], m.counts[k], m.revenueMinor[k]]);
      }
    }
    expect(nonZero).toEqual([
      ["potential_loyalist", "loyal", 1, 8000], // c0: Dec 30 purchase
      ["at_risk", "at_risk", 1, 0], // c5
      ["lost", "lost", 1, 0], // c1
      ["none", "potential_loyalist", 1, 4000], // c2, new on Dec 31
      ["none", "about_to_sleep", 1, 0], // c3, fully refunded order
    ]);
    expect(m.counts[cell("none", "none")]).toBe(0);
  });

  it("reuses the caller's RFM as of toAsOfDay with the same result, and checks it", () => {
    fc.assert(
      fc.property(randomShop(), fc.integer({ min: 30, max: 600 }), ({ customers, orders }, gap) => {
        const history = buildPurchaseHistory(
          tableFromRaw(orders),
          customers,
          createCalendar("Asia/Tokyo"),
        );
        const from = d("2023-06-01");
        const to = from + gap;
        const options = { fromAsOfDay: from, toAsOfDay: to, minCustomers: 3 };
        const toRfm = computeRfm(history, { asOfDay: to, minCustomers: 3 });
        expect(segmentMigration(history, { ...options, toRfm })).toEqual(
          segmentMigration(history, options),
        );
        const other = computeRfm(history, { asOfDay: to - 1, minCustomers: 3 });
        expect(() => segmentMigration(history, { ...options, toRfm: other })).toThrow(RangeError);
        expect(() =>
          segmentMigration(history, { ...options, lookbackDays: 10_000, toRfm }),
        ).toThrow(RangeError);
      }),
      { numRuns: 40 },
    );
  });

  it("rows and columns add up to the segment counts at each date (property)", () => {
    fc.assert(
      fc.property(randomShop(), fc.integer({ min: 30, max: 600 }), ({ customers, orders }, gap) => {
        const history = buildPurchaseHistory(
          tableFromRaw(orders),
          customers,
          createCalendar("Asia/Tokyo"),
        );
        const from = d("2023-06-01");
        const to = from + gap;
        const m = segmentMigration(history, {
          fromAsOfDay: from,
          toAsOfDay: to,
          lookbackDays: 365,
        });
        const before = computeRfm(history, { asOfDay: from, fromDay: from - 364 });
        const after = computeRfm(history, { asOfDay: to, fromDay: to - 364 });
        const s = m.size;
        for (let g = 0; g < s - 1; g++) {
          let row = 0;
          let col = 0;
          for (let j = 0; j < s; j++) {
            row += m.counts[g * s + j];
            col += m.counts[j * s + g];
          }
          expect(row).toBe(before.segment.filter((x) => x === g).length);
          expect(col).toBe(after.segment.filter((x) => x === g).length);
        }
      }),
      { numRuns: 60 },
    );
  });
});
