import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { paybackMonths } from "../../app/analytics/cac";
import { cohortRetention, historicalLtvCurve } from "../../app/analytics/cohorts";
import { continuationByCohort } from "../../app/analytics/continuation";
import { buildPurchaseHistory } from "../../app/analytics/history";
import { createCalendar, monthOfDay, parseMonth } from "../../app/analytics/time";
import { ORDER_SUBSCRIPTION } from "../../app/analytics/types";
import { FIXTURE_AS_OF, fixtureShop } from "./fixture";
import { d, RANDOM_SPAN_DAYS, randomShop, shop, tableFromRaw } from "./shop";

const arr = (a: ArrayLike<number>) => Array.from(a);

describe("cohortRetention", () => {
  const table = cohortRetention(fixtureShop(), { asOfDay: FIXTURE_AS_OF });

  it("builds one row per first-purchase month with observed columns", () => {
    expect(table.asOfMonth).toBe(parseMonth("2024-12"));
    expect(table.rows.map((r) => [r.label, r.size, r.observedMonths, r.completeMonths])).toEqual([
      ["2024-01", 1, 12, 12],
      ["2024-03", 1, 10, 10],
      ["2024-06", 1, 7, 7],
      ["2024-11", 1, 2, 2],
      ["2024-12", 1, 1, 1],
    ]);
  });

  it("counts active customers, orders and cumulative net revenue per month since first", () => {
    const june = table.rows[2];
    expect(arr(june.activeCustomers)).toEqual([1, 0, 0, 0, 0, 0, 1]);
    expect(arr(june.activeShare)).toEqual([1, 0, 0, 0, 0, 0, 1]);
    // Two same-day orders in December: one active customer, two orders.
    expect(arr(june.orders)).toEqual([1, 0, 0, 0, 0, 0, 2]);
    expect(arr(june.cumulativeNetPerCustomer)).toEqual([2000, 2000, 2000, 2000, 2000, 2000, 10000]);
    const march = table.rows[1];
    expect(arr(march.cumulativeNetPerCustomer).slice(0, 4)).toEqual([2000, 4000, 6000, 6000]);
    // The fully refunded customer is active with 0 revenue.
    const november = table.rows[3];
    expect(arr(november.activeShare)).toEqual([1, 0]);
    expect(arr(november.cumulativeNetPerCustomer)).toEqual([0, 0]);
  });

  it("excludes purchases after the as-of day and marks the partial month", () => {
    const earlier = cohortRetention(fixtureShop(), { asOfDay: d("2024-12-30") });
    expect(earlier.rows.map((r) => r.label)).toEqual(["2024-01", "2024-03", "2024-06", "2024-11"]);
    expect(earlier.rows[2].completeMonths).toBe(6);
    expect(earlier.rows[2].observedMonths).toBe(7);
  });

  it("filters cohorts and caps columns", () => {
    const t = cohortRetention(fixtureShop(), {
      asOfDay: FIXTURE_AS_OF,
      fromMonth: parseMonth("2024-03"),
      toMonth: parseMonth("2024-06"),
      maxMonths: 3,
    });
    expect(t.rows.map((r) => [r.label, r.observedMonths])).toEqual([
      ["2024-03", 3],
      ["2024-06", 3],
    ]);
  });

  it("assigns cohorts by shop-local month (Tokyo: 31 Jan 15:30 UTC is 1 Feb)", () => {
    const h = shop([{ c: 0, at: "2024-01-31T15:30:00Z" }], 1);
    expect(cohortRetention(h, { asOfDay: d("2024-03-01") }).rows[0].label).toBe("2024-02");
    const utc = shop([{ c: 0, at: "2024-01-31T15:30:00Z" }], 1, "UTC");
    expect(cohortRetention(utc, { asOfDay: d("2024-03-01") }).rows[0].label).toBe("2024-01");
  });

  it("pools a historical LTV curve over complete months and derives payback", () => {
    const curve = historicalLtvCurve(table);
    expect(curve.cumulativeNetPerCustomer.length).toBe(12);
    expect(curve.cumulativeNetPerCustomer[0]).toBe(9000 / 5);
    expect(curve.cumulativeNetPerCustomer[1]).toBe(7000 / 4);
    expect(curve.cumulativeNetPerCustomer[6]).toBeCloseTo(17000 / 3, 9);
    expect(arr(curve.customers).slice(0, 3)).toEqual([5, 4, 3]);
    expect(paybackMonths(curve, 1500).value).toBe(0);
    expect(paybackMonths(curve, 5000).value).toBe(6);
    const never = paybackMonths(curve, 5000, { grossMarginRatio: 0.5 });
    expect(never.value).toBeNull();
    expect(never.definition.params).toMatchObject({ grossMarginRatio: 0.5, observedMonths: 12 });
  });

  it("keeps shares in [0, 1] and revenue curves consistent (property)", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer({ min: 0, max: RANDOM_SPAN_DAYS }),
        ({ customers, orders }, asOf) => {
          const cal = createCalendar("Asia/Tokyo");
          const history = buildPurchaseHistory(tableFromRaw(orders), customers, cal);
          const asOfDay = d("2023-01-01") + asOf;
          const t = cohortRetention(history, { asOfDay });
          let sizes = 0;
          for (const row of t.rows) {
            sizes += row.size;
            expect(row.activeShare[0]).toBe(1);
            for (let k = 0; k < row.observedMonths; k++) {
              expect(row.activeShare[k]).toBeGreaterThanOrEqual(0);
              expect(row.activeShare[k]).toBeLessThanOrEqual(1);
              expect(row.ordersPerCustomer[k]).toBeGreaterThanOrEqual(row.activeShare[k]);
              if (k > 0) {
                expect(row.cumulativeNetPerCustomer[k]).toBeGreaterThanOrEqual(
                  row.cumulativeNetPerCustomer[k - 1],
                );
              }
            }
          }
          const firstBuyers = arr(history.purchaseStart).filter(
            (start, c) =>
              c < customers &&
              start < history.purchaseStart[c + 1] &&
              history.purchaseDay[start] <= asOfDay,
          ).length;
          expect(sizes).toBe(firstBuyers);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("continuationByCohort", () => {
  it("counts customers reaching the n-th purchase per cohort", () => {
    const t = continuationByCohort(fixtureShop(), { asOfDay: FIXTURE_AS_OF, maxPurchases: 4 });
    expect(t.rows.map((r) => [r.label, r.size, arr(r.reached)])).toEqual([
      ["2024-01", 1, [1, 0, 0, 0]],
      ["2024-03", 1, [1, 1, 1, 0]],
      ["2024-06", 1, [1, 1, 0, 0]],
      ["2024-11", 1, [1, 0, 0, 0]],
      ["2024-12", 1, [1, 0, 0, 0]],
    ]);
    expect(arr(t.total?.reached ?? [])).toEqual([5, 2, 1, 0]);
    expect(arr(t.total?.share ?? [])).toEqual([1, 0.4, 0.2, 0]);
    expect(t.rows[0].ageMonths).toBe(11);
    expect(t.definition.id).toBe("continuation");
  });

  it("tracks subscription deliveries from the first subscription order", () => {
    const S = ORDER_SUBSCRIPTION;
    const h = shop(
      [
        // c0: one-off order in January, then subscribes in February for 3 deliveries.
        { c: 0, at: "2024-01-05T10:00:00+09:00" },
        { c: 0, at: "2024-02-05T10:00:00+09:00", flags: S },
        { c: 0, at: "2024-03-05T10:00:00+09:00", flags: S },
        { c: 0, at: "2024-04-05T10:00:00+09:00", flags: S },
        // c1: subscribes in February, cancels after the first delivery.
        { c: 1, at: "2024-02-10T10:00:00+09:00", flags: S },
        { c: 1, at: "2024-02-20T10:00:00+09:00" },
        // c2: never subscribes.
        { c: 2, at: "2024-02-10T10:00:00+09:00" },
      ],
      3,
    );
    const t = continuationByCohort(h, {
      asOfDay: d("2024-06-30"),
      subscriptionOnly: true,
      maxPurchases: 3,
    });
    expect(t.rows.map((r) => [r.label, arr(r.reached)])).toEqual([["2024-02", [2, 1, 1]]]);
    expect(t.definition.id).toBe("continuation_subscription");
    const all = continuationByCohort(h, { asOfDay: d("2024-06-30"), maxPurchases: 3 });
    expect(all.rows.map((r) => [r.label, arr(r.reached)])).toEqual([
      ["2024-01", [1, 1, 1]],
      ["2024-02", [2, 1, 0]],
    ]);
  });

  it("subscription continuation equals counting each customer's subscription purchases (property)", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer({ min: 0, max: 800 }),
        fc.integer({ min: 1, max: 5 }),
        ({ customers, orders }, asOfOffset, maxPurchases) => {
          const h = buildPurchaseHistory(
            tableFromRaw(orders),
            customers,
            createCalendar("Asia/Tokyo"),
          );
          const asOfDay = d("2023-01-01") + asOfOffset;
          const t = continuationByCohort(h, { asOfDay, subscriptionOnly: true, maxPurchases });
          // Oracle: per customer, the subscription purchases by asOfDay, capped; cohort = the
          // month of the first of them.
          const byMonth = new Map<number, number[]>();
          for (let c = 0; c < customers; c++) {
            const days: number[] = [];
            for (let p = h.purchaseStart[c]; p < h.purchaseStart[c + 1]; p++) {
              if (h.purchaseDay[p] <= asOfDay && h.purchaseFlags[p] & ORDER_SUBSCRIPTION) {
                days.push(h.purchaseDay[p]);
              }
            }
            if (days.length === 0) continue;
            const month = monthOfDay(days[0]);
            const reached = byMonth.get(month) ?? new Array<number>(maxPurchases).fill(0);
            for (let k = 0; k < Math.min(days.length, maxPurchases); k++) reached[k]++;
            byMonth.set(month, reached);
          }
          expect(t.rows.map((r) => [r.month, Array.from(r.reached)])).toEqual(
            [...byMonth].sort((a, b) => a[0] - b[0]),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it("has non-increasing survival counts (property)", () => {
    fc.assert(
      fc.property(randomShop(), fc.boolean(), ({ customers, orders }, subscriptionOnly) => {
        const history = buildPurchaseHistory(
          tableFromRaw(orders),
          customers,
          createCalendar("Asia/Tokyo"),
        );
        const t = continuationByCohort(history, {
          asOfDay: d("2025-01-31"),
          subscriptionOnly,
          maxPurchases: 6,
        });
        for (const row of t.rows) {
          expect(row.reached[0]).toBe(row.size);
          for (let k = 1; k < 6; k++)
            expect(row.reached[k]).toBeLessThanOrEqual(row.reached[k - 1]);
          for (const s of row.share) {
            expect(s).toBeGreaterThanOrEqual(0);
            expect(s).toBeLessThanOrEqual(1);
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
