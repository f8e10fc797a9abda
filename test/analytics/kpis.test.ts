import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildPurchaseHistory } from "../../app/analytics/history";
import {
  churnRates,
  f2Conversion,
  lifetimeRange,
  modelChurnShare,
  monthlyChurn,
  pareto,
  repeatRate,
  secondPurchaseSurvival,
} from "../../app/analytics/kpis";
import { createCalendar, parseMonth } from "../../app/analytics/time";
import { ORDER_SUBSCRIPTION } from "../../app/analytics/types";
import { FIXTURE_AS_OF, fixtureShop } from "./fixture";
import { d, range, RANDOM_SPAN_DAYS, randomShop, shop, tableFromRaw } from "./shop";

describe("repeatRate", () => {
  const h = fixtureShop();

  it("lifetime scope: buyers of the period with ≥ 2 purchases by its end", () => {
    const year = repeatRate(h, range("2024-01-01", "2024-12-31"));
    expect(year).toMatchObject({ id: "repeat_rate", value: 0.4, numerator: 2, denominator: 5 });
    expect(year.period).toMatchObject({ start: "2024-01-01", end: "2024-12-31" });
    expect(year.definition.base).toMatch(/at least one purchase in the period/);
    const december = repeatRate(h, range("2024-12-01", "2024-12-31"));
    // c0 (2 purchases in total) and c2 (first purchase) bought in December.
    expect(december).toMatchObject({ value: 0.5, numerator: 1, denominator: 2 });
  });

  it("within-period scope and same-day orders", () => {
    const december = repeatRate(h, range("2024-12-01", "2024-12-31"), { scope: "within_period" });
    // c0's two December orders were on one day: one purchase.
    expect(december).toMatchObject({ id: "repeat_rate_within_period", value: 0, denominator: 2 });
  });

  it("has no value for an empty period", () => {
    const empty = repeatRate(h, range("2020-01-01", "2020-12-31"));
    expect(empty.value).toBeNull();
    expect(empty.denominator).toBe(0);
    expect(() => repeatRate(h, { startDay: 5, endDay: 5 })).toThrow(RangeError);
  });
});

describe("f2Conversion and secondPurchaseSurvival", () => {
  it("judges only first-time buyers whose N-day window has elapsed", () => {
    const m = f2Conversion(fixtureShop(), {
      cohort: range("2024-01-01", "2024-12-31"),
      asOfDay: FIXTURE_AS_OF,
      windowDays: 90,
    });
    // c1 (no 2nd), c5 (2nd after 31 days), c0 (2nd after 212 days); c3 and c2 too recent.
    expect(m).toMatchObject({ id: "f2_conversion", numerator: 1, denominator: 3 });
    expect(m.value).toBeCloseTo(1 / 3, 12);
    expect(m.details).toEqual({ excludedTooRecent: 2 });
    expect(m.definition.params).toEqual({ windowDays: 90 });
    expect(m.definition.text).toContain("90 days");
    const longer = f2Conversion(fixtureShop(), {
      cohort: range("2024-01-01", "2024-06-30"),
      asOfDay: d("2025-12-31"),
      windowDays: 365,
    });
    expect(longer).toMatchObject({ numerator: 2, denominator: 3 });
  });

  it("second-delivery survival counts subscription orders only", () => {
    const S = ORDER_SUBSCRIPTION;
    const h = shop(
      [
        { c: 0, at: "2024-03-01T10:00:00+09:00", flags: S },
        { c: 0, at: "2024-03-31T10:00:00+09:00", flags: S },
        // c1 stops after one delivery but buys a one-off item.
        { c: 1, at: "2024-03-05T10:00:00+09:00", flags: S },
        { c: 1, at: "2024-04-05T10:00:00+09:00" },
        // c2's second delivery comes after the 60-day window.
        { c: 2, at: "2024-03-10T10:00:00+09:00", flags: S },
        { c: 2, at: "2024-05-20T10:00:00+09:00", flags: S },
        // c3 subscribes after a one-off first order; its first subscription order counts.
        { c: 3, at: "2024-01-10T10:00:00+09:00" },
        { c: 3, at: "2024-03-15T10:00:00+09:00", flags: S },
        { c: 3, at: "2024-04-15T10:00:00+09:00", flags: S },
        // c4 subscribed too recently to judge.
        { c: 4, at: "2024-03-30T10:00:00+09:00", flags: S },
      ],
      5,
    );
    const m = secondPurchaseSurvival(h, {
      cohort: range("2024-03-01", "2024-03-31"),
      asOfDay: d("2024-05-25"),
    });
    expect(m).toMatchObject({
      id: "second_purchase_survival",
      numerator: 2,
      denominator: 4,
      value: 0.5,
    });
    expect(m.details).toEqual({ excludedTooRecent: 1 });
  });
});

describe("churn", () => {
  const h = shop(
    [
      { c: 0, at: "2024-01-15T12:00:00+09:00" },
      { c: 1, at: "2024-01-20T12:00:00+09:00" },
      { c: 1, at: "2024-02-25T12:00:00+09:00" },
      { c: 2, at: "2024-02-10T12:00:00+09:00" },
    ],
    3,
  );

  it("churn per period over customers active at its start", () => {
    const [feb, mar] = churnRates(h, [d("2024-02-01"), d("2024-03-01"), d("2024-04-01")], {
      inactivityDays: 30,
    });
    // Feb 1: c0, c1 active; Mar 1 (window Jan 31–Feb 29): c1, c2 active → c0 churned.
    expect(feb).toMatchObject({ id: "churn_rate", numerator: 1, denominator: 2, value: 0.5 });
    expect(feb.period).toMatchObject({ start: "2024-02-01", end: "2024-02-29" });
    expect(mar).toMatchObject({ numerator: 2, denominator: 2, value: 1 });
    expect(feb.definition.params).toEqual({ inactivityDays: 30 });
  });

  it("monthly churn keeps complete months and pools them", () => {
    const all = monthlyChurn(h, {
      fromMonth: parseMonth("2024-02"),
      toMonth: parseMonth("2024-12"),
      asOfDay: d("2024-03-31"),
      inactivityDays: 30,
    });
    expect(all.months.map((m) => [m.period?.start, m.value])).toEqual([
      ["2024-02-01", 0.5],
      ["2024-03-01", 1],
    ]);
    expect(all.average).toMatchObject({
      id: "monthly_churn_rate",
      numerator: 3,
      denominator: 4,
      value: 0.75,
    });
    const partial = monthlyChurn(h, {
      fromMonth: parseMonth("2024-02"),
      toMonth: parseMonth("2024-03"),
      asOfDay: d("2024-03-30"),
      inactivityDays: 30,
    });
    expect(partial.months).toHaveLength(1);
  });

  it("a customer who lapses and returns within the period has not churned", () => {
    const back = shop(
      [
        { c: 0, at: "2024-01-25T12:00:00+09:00" },
        { c: 0, at: "2024-03-20T12:00:00+09:00" },
      ],
      1,
    );
    // Active Feb 1 and Apr 1; inactive on Mar 1 → churned in February, not in the quarter.
    const monthly = churnRates(back, [d("2024-02-01"), d("2024-03-01"), d("2024-04-01")], {
      inactivityDays: 30,
    });
    expect(monthly.map((m) => [m.numerator, m.denominator])).toEqual([
      [1, 1],
      [0, 0],
    ]);
    const quarter = churnRates(back, [d("2024-02-01"), d("2024-04-01")], { inactivityDays: 30 });
    expect(quarter[0]).toMatchObject({ numerator: 0, denominator: 1 });
  });

  it("matches a brute-force definition (property)", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer({ min: 1, max: 200 }),
        fc.uniqueArray(fc.integer({ min: -30, max: RANDOM_SPAN_DAYS + 30 }), {
          minLength: 2,
          maxLength: 8,
        }),
        ({ customers, orders }, w, offsets) => {
          const history = buildPurchaseHistory(
            tableFromRaw(orders),
            customers,
            createCalendar("Asia/Tokyo"),
          );
          const b = offsets.sort((x, y) => x - y).map((o) => d("2023-01-01") + o);
          const rates = churnRates(history, b, { inactivityDays: w });
          const active = (c: number, t: number) => {
            for (let p = history.purchaseStart[c]; p < history.purchaseStart[c + 1]; p++) {
              const day = history.purchaseDay[p];
              if (day >= t - w && day < t) return true;
            }
            return false;
          };
          rates.forEach((r, j) => {
            let base = 0;
            let churned = 0;
            for (let c = 0; c < customers; c++) {
              if (!active(c, b[j])) continue;
              base++;
              if (!active(c, b[j + 1])) churned++;
            }
            expect([r.numerator, r.denominator]).toEqual([churned, base]);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("model-based churn share from P(alive)", () => {
    const m = modelChurnShare(Float64Array.of(0.9, 0.2, Number.NaN, 0.5, 0.49), 0.5);
    expect(m).toMatchObject({ id: "model_churn_share", numerator: 2, denominator: 4, value: 0.5 });
    expect(m.definition.params).toEqual({ threshold: 0.5 });
    expect(() => modelChurnShare(new Float64Array(1), 0)).toThrow(RangeError);
  });
});

describe("pareto", () => {
  it("top 20 % share, Gini and Lorenz points on the hand-computed shop", () => {
    const h = fixtureShop();
    const r = pareto(h, { period: lifetimeRange(h, FIXTURE_AS_OF), lorenzPoints: 5 });
    // Net revenue per customer: 0, 1000, 4000, 6000, 10000 (guest excluded).
    expect(r.customers).toBe(5);
    expect(r.revenueMinor).toBe(21000);
    expect(r.topShare).toMatchObject({
      id: "pareto_top_share",
      numerator: 10000,
      denominator: 21000,
    });
    expect(r.topShare.value).toBeCloseTo(10000 / 21000, 12);
    expect(r.topShare.details).toEqual({ customers: 5, topCustomers: 1 });
    expect(r.gini.value).toBeCloseTo((2 * 88000) / (5 * 21000) - 6 / 5, 12);
    expect(Array.from(r.lorenz.customerShare)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    const expected = [0, 0, 1000, 5000, 11000, 21000].map((x) => x / 21000);
    r.lorenz.revenueShare.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
  });

  it("empty or zero revenue gives null values", () => {
    const zero = shop([{ c: 0, at: "2024-01-01T12:00:00+09:00", net: 0 }], 1);
    const r = pareto(zero, { period: range("2024-01-01", "2024-12-31") });
    expect(r.topShare.value).toBeNull();
    expect(r.gini.value).toBeNull();
    expect(r.lorenz.customerShare.length).toBe(0);
  });

  it("top share ≥ 20 %, Lorenz non-decreasing, Gini in [0, 1) (property)", () => {
    fc.assert(
      fc.property(randomShop(), ({ customers, orders }) => {
        const history = buildPurchaseHistory(
          tableFromRaw(orders),
          customers,
          createCalendar("Asia/Tokyo"),
        );
        const r = pareto(history, { period: range("2023-01-01", "2024-12-31") });
        if (r.revenueMinor <= 0) {
          expect(r.topShare.value).toBeNull();
          return;
        }
        expect(r.topShare.value ?? 0).toBeGreaterThanOrEqual(0.2 - 1e-12);
        expect(r.topShare.value ?? 2).toBeLessThanOrEqual(1 + 1e-12);
        expect(r.gini.value ?? -1).toBeGreaterThanOrEqual(-1e-12);
        expect(r.gini.value ?? 1).toBeLessThan(1);
        const ls = r.lorenz.revenueShare;
        expect(ls[0]).toBe(0);
        expect(ls[ls.length - 1]).toBe(1);
        for (let i = 1; i < ls.length; i++) expect(ls[i]).toBeGreaterThanOrEqual(ls[i - 1] - 1e-12);
      }),
      { numRuns: 200 },
    );
  });
});
