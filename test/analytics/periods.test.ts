/**
 * Comparison periods of the KPI history: quarters, calendar and fiscal years, the last 12
 * complete months and custom ranges, on hand-computed shops (zone boundaries, a leap year)
 * and, on random shops, against the single-period functions and the sum of their months.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildPurchaseHistory,
  checkMonthRange,
  cohortRetention,
  createCalendar,
  formatDay,
  last12Layout,
  monthLayout,
  parseMonth,
  periodStartMonth,
  periodTrends,
  quarterLayout,
  rangeLayout,
  rangeMonthsLayout,
  repeatRate,
  shiftLayout,
  yearLayout,
  yoyMigration,
  type BucketLayout,
  type KpiSeries,
  type MarketingSpend,
  type NpsResponse,
  type PurchaseHistory,
  type TrendPoint,
} from "../../app/analytics";
import { d, RANDOM_SPAN_DAYS, RANDOM_START_MS, randomShop, shop, tableFromRaw } from "./shop";

const TOKYO = "Asia/Tokyo";

function run(
  h: PurchaseHistory,
  asOf: string,
  layouts: BucketLayout[],
  extra: { nps?: NpsResponse[]; spend?: MarketingSpend[]; churn?: number } = {},
): Map<string, KpiSeries>[] {
  const asOfDay = d(asOf);
  return periodTrends(
    h,
    {
      asOfDay,
      f2WindowDays: 30,
      subscriptionWindowDays: 30,
      churnInactivityDays: extra.churn ?? 60,
      grossMarginRatio: 1,
      cohorts: cohortRetention(h, { asOfDay, maxMonths: 60 }),
      npsResponses: extra.nps ?? [],
      marketingSpend: extra.spend ?? [],
      calendar: h.calendar,
    },
    layouts,
  ).map((list) => new Map(list.map((s) => [s.id, s])));
}

const at = (s: KpiSeries | undefined, month: string): TrendPoint => {
  const p = s?.points.find((x) => x.month === month);
  if (!p) throw new Error(`no point ${month}`);
  return p;
};

describe("bucket layouts", () => {
  it("fiscal quarters and years start in the fiscal month", () => {
    const m = parseMonth;
    expect(periodStartMonth(m("2024-03"), 3)).toBe(m("2024-01"));
    expect(periodStartMonth(m("2024-03"), 3, 4)).toBe(m("2024-01"));
    expect(periodStartMonth(m("2024-04"), 12, 4)).toBe(m("2024-04"));
    expect(periodStartMonth(m("2024-03"), 12, 4)).toBe(m("2023-04"));
    expect(periodStartMonth(m("2024-01"), 3, 2)).toBe(m("2023-11"));
    expect(() => periodStartMonth(0, 12, 13)).toThrow(/fiscalStartMonth/);
  });

  it("counts complete buckets before the one in progress", () => {
    const asOf = d("2026-03-08");
    expect(quarterLayout(asOf, 8).startMonths).toHaveLength(9);
    expect(quarterLayout(asOf, 8).startMonths.at(-1)).toBe(parseMonth("2026-01"));
    expect(quarterLayout(asOf, 8).startMonths[0]).toBe(parseMonth("2024-01"));
    const fy = yearLayout(asOf, 2, 4);
    expect(fy.startMonths).toEqual(["2023-04", "2024-04", "2025-04"].map(parseMonth));
    expect(fy.lastMonth).toBe(parseMonth("2026-03"));
    // Last 12 complete months: March 2026 is in progress, so March 2025 – February 2026.
    const l12 = last12Layout(asOf, 1);
    expect(l12.startMonths).toEqual(["2024-03", "2025-03"].map(parseMonth));
    expect(l12.lastMonth).toBe(parseMonth("2026-02"));
    // On the last day of a month the month is complete and counts.
    expect(last12Layout(d("2024-02-29"), 0).lastMonth).toBe(parseMonth("2024-02"));
    expect(shiftLayout(rangeLayout(10, 21), 12)).toMatchObject({ startMonths: [-2], lastMonth: 9 });
  });

  it("checks a custom range against the data", () => {
    const bounds: { asOfDay: number; firstDay: number | null } = {
      asOfDay: d("2026-03-08"),
      firstDay: d("2023-05-20"),
    };
    expect(checkMonthRange("2025-04", "2026-03", bounds)).toEqual({
      ok: true,
      fromMonth: parseMonth("2025-04"),
      toMonth: parseMonth("2026-03"),
    });
    const problem = (from: string, to: string, b = bounds) => {
      const r = checkMonthRange(from, to, b);
      return r.ok ? null : r.problem;
    };
    expect(problem("2025-13", "2026-01")).toBe("format");
    expect(problem("", "2026-01")).toBe("format");
    expect(problem("2026-01", "2025-12")).toBe("end_before_start");
    expect(problem("2026-01", "2026-04")).toBe("future");
    expect(problem("2023-04", "2024-03")).toBe("before_first_order");
    expect(problem("2023-05", "2024-03")).toBeNull();
    expect(problem("2025-01", "2025-02", { ...bounds, firstDay: null })).toBe("before_first_order");
  });
});

describe("quarters and years on a hand-computed Tokyo shop (leap February)", () => {
  const h = shop(
    [
      // c0: 31 Jan 23:30 JST, two orders on 29 Feb (one purchase), 5 Mar.
      { c: 0, at: "2024-01-31T23:30:00+09:00", net: 1000 },
      { c: 0, at: "2024-02-29T10:00:00+09:00", net: 1500 },
      { c: 0, at: "2024-02-29T18:00:00+09:00", net: 500 },
      { c: 0, at: "2024-03-05T12:00:00+09:00", net: 1000 },
      // c1: 1 Feb 00:10 JST (still 31 Jan in UTC).
      { c: 1, at: "2024-02-01T00:10:00+09:00", net: 1000 },
      // c2: December 2023, then February.
      { c: 2, at: "2023-12-15T12:00:00+09:00", net: 2000 },
      { c: 2, at: "2024-02-10T12:00:00+09:00", net: 400 },
    ],
    3,
    TOKYO,
  );
  const asOf = d("2024-03-10");
  const [months, quarters, years, fiscal] = run(h, "2024-03-10", [
    monthLayout(asOf, 3),
    quarterLayout(asOf, 1),
    yearLayout(asOf, 1),
    yearLayout(asOf, 1, 4),
  ]);

  it("a quarter's repeat rate is over its own buyers, not a sum of months", () => {
    const q1 = at(quarters.get("repeat_rate"), "2024-01");
    // Buyers Jan–Mar: c0 (repeat by 29 Feb), c1 (one purchase), c2 (2nd purchase in Feb).
    expect(q1).toMatchObject({ numerator: 2, denominator: 3, partial: true });
    expect(q1).toMatchObject({ start: "2024-01-01", end: "2024-03-10" });
    const monthlyBuyers = ["2024-01", "2024-02", "2024-03"].map(
      (m) => at(months.get("repeat_rate"), m).denominator,
    );
    expect(monthlyBuyers).toEqual([1, 3, 1]);
    expect(at(quarters.get("repeat_rate"), "2023-10")).toMatchObject({
      numerator: 0,
      denominator: 1,
      start: "2023-10-01",
      end: "2023-12-31",
      partial: false,
    });
  });

  it("definitions name the bucket", () => {
    for (const s of quarters.values()) {
      expect(s.definition.text, s.id).not.toMatch(/\$\{/);
      expect(s.definition.base, s.id).not.toMatch(/\$\{/);
    }
    expect(quarters.get("repeat_rate")!.definition.text).toMatch(/bought in the quarter who/);
    expect(months.get("repeat_rate")!.definition.text).toMatch(/bought in the month who/);
    expect(quarters.get("monthly_churn_rate")!.definition.text).toMatch(/customer-months/);
  });

  it("new customers' revenue covers the whole quarter of their first purchase", () => {
    // c0 first bought in January: all of its Q1 purchases (1000 + 2000 + 1000), c1 1000.
    expect(at(quarters.get("new_customer_revenue"), "2024-01").value).toBe(5000);
    // By month, c0's February purchase is returning revenue.
    expect(at(months.get("new_customer_revenue"), "2024-02").value).toBe(1000);
    expect(at(quarters.get("returning_customer_revenue"), "2024-01").value).toBe(400);
    expect(at(quarters.get("new_customers"), "2024-01").value).toBe(2);
    expect(at(quarters.get("returning_customers"), "2024-01").value).toBe(1);
  });

  it("calendar year 2024 so far against fiscal year 2023 (April to March)", () => {
    expect(at(years.get("repeat_rate"), "2024-01")).toMatchObject({
      numerator: 2,
      denominator: 3,
      start: "2024-01-01",
      end: "2024-03-10",
    });
    expect(at(years.get("repeat_rate"), "2023-01")).toMatchObject({ numerator: 0, denominator: 1 });
    // FY2023 = April 2023 – March 2024: c2's December purchase is in it.
    expect(at(fiscal.get("repeat_rate"), "2023-04")).toMatchObject({
      numerator: 2,
      denominator: 3,
      start: "2023-04-01",
      end: "2024-03-10",
      partial: true,
    });
    expect(at(fiscal.get("new_customers"), "2023-04").value).toBe(3);
    expect(at(fiscal.get("new_customers"), "2022-04").value).toBe(0);
    // The year's YoY retention is the year itself against the one before.
    expect(at(years.get("yoy_retention"), "2023-01")).toMatchObject({
      start: "2023-01-01",
      end: "2023-12-31",
    });
  });

  it("a quarter that ends on a leap day's month is still in progress", () => {
    const [q] = run(h, "2024-02-29", [quarterLayout(d("2024-02-29"), 0)]);
    expect(q.get("purchases_per_customer")!.points).toEqual([
      expect.objectContaining({ month: "2024-01", end: "2024-02-29", partial: true }),
    ]);
    // c0 (31 Jan, 29 Feb), c1, c2: 4 purchases by 3 customers.
    expect(q.get("purchases_per_customer")!.points[0]).toMatchObject({
      numerator: 4,
      denominator: 3,
    });
  });
});

describe("quarter boundaries follow the shop's zone", () => {
  // 23:30 and 00:30 JST around 1 April are both 31 March in UTC.
  const specs = [
    { c: 0, at: "2024-03-31T23:30:00+09:00", net: 1000 },
    { c: 0, at: "2024-04-01T00:30:00+09:00", net: 3000 },
  ];
  const asOf = d("2024-06-30");

  it("Tokyo: two purchases in two quarters; UTC: one purchase in Q1", () => {
    const [tokyo] = run(shop(specs, 1, TOKYO), "2024-06-30", [quarterLayout(asOf, 1)]);
    const [utc] = run(shop(specs, 1, "UTC"), "2024-06-30", [quarterLayout(asOf, 1)]);
    expect(at(tokyo.get("repeat_rate"), "2024-04")).toMatchObject({
      numerator: 1,
      denominator: 1,
      partial: false,
    });
    expect(at(tokyo.get("new_customers"), "2024-01").value).toBe(1);
    expect(at(tokyo.get("average_order_value"), "2024-04").value).toBe(3000);
    expect(at(utc.get("repeat_rate"), "2024-04").denominator).toBe(0);
    expect(at(utc.get("average_order_value"), "2024-01")).toMatchObject({
      numerator: 4000,
      denominator: 2,
    });
    expect(at(utc.get("purchases_per_customer"), "2024-01").value).toBe(1);
  });
});

/** Series whose numerator and denominator add up over the months of a bucket. */
const ADDITIVE = [
  "f2_conversion",
  "second_purchase_survival",
  "monthly_churn_rate",
  "nps",
  "average_order_value",
  "cac",
] as const;

describe("periodTrends on random shops", () => {
  it("quarters and years: additive series are their months' sums, the rest the period's", () => {
    fc.assert(
      fc.property(
        randomShop(30, 120),
        fc.integer({ min: 400, max: RANDOM_SPAN_DAYS + 40 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(30, 90),
        fc.array(
          fc.record({
            score: fc.integer({ min: 0, max: 10 }),
            h: fc.integer({ min: 0, max: RANDOM_SPAN_DAYS * 24 }),
          }),
          { maxLength: 30 },
        ),
        ({ customers, orders }, asOfOffset, fiscalStart, churnDays, answers) => {
          const calendar = createCalendar(TOKYO);
          const h = buildPurchaseHistory(tableFromRaw(orders), customers, calendar);
          const asOfDay = calendar.dayOf(RANDOM_START_MS) + asOfOffset;
          const responses: NpsResponse[] = answers.map((a) => ({
            score: a.score,
            respondedAt: RANDOM_START_MS + a.h * 3_600_000,
            customer: 0,
          }));
          const spend: MarketingSpend[] = [
            { month: "2023-06", channel: "ads", amountMinor: 12_000 },
            { month: "2024-02", channel: "ads", amountMinor: 7_000 },
          ];
          const options = {
            asOfDay,
            f2WindowDays: 45,
            subscriptionWindowDays: 30,
            churnInactivityDays: churnDays,
            grossMarginRatio: 1,
            cohorts: cohortRetention(h, { asOfDay, maxMonths: 60 }),
            npsResponses: responses,
            marketingSpend: spend,
            calendar,
          };
          const layouts = [
            monthLayout(asOfDay, 30),
            quarterLayout(asOfDay, 8, fiscalStart),
            yearLayout(asOfDay, 2, fiscalStart),
            last12Layout(asOfDay, 1),
          ];
          const [months, ...others] = periodTrends(h, options, layouts).map(
            (list) => new Map(list.map((s) => [s.id as string, s])),
          );
          // The months alone come out the same as with the other layouts.
          const alone = periodTrends(h, options, [layouts[0]])[0];
          for (const s of alone) expect(months.get(s.id)!.points).toEqual(s.points);
          const monthPoints = (id: string) => months.get(id)!.points;
          for (const layout of others) {
            const byId = layout;
            const points = byId.get("repeat_rate")!.points;
            points.forEach((p, k) => {
              // The months of the bucket (buckets older than the monthly grid are skipped).
              const inside = monthPoints("repeat_rate")
                .map((m, i) => ({ m, i }))
                .filter(({ m }) => m.start >= p.start && m.end <= p.end);
              const span = parseMonth(p.end.slice(0, 7)) - parseMonth(p.month) + 1;
              const period = { startDay: d(p.start), endDay: d(p.end) + 1 };
              const pick = (id: string) => byId.get(id)!.points[k];
              expect(pick("repeat_rate"), `repeat ${p.month}`).toMatchObject({
                numerator: repeatRate(h, period).numerator,
                denominator: repeatRate(h, period).denominator,
              });
              const y = pick("yoy_retention");
              expect(y.end).toBe(p.end);
              const yoy = yoyMigration(h, { startDay: d(y.start), endDay: d(y.end) + 1 });
              expect(y.denominator).toBe(yoy.previousBuyers);
              if (inside.length !== span) return;
              // New customers add up (their base, the buyers, does not).
              expect(pick("new_customers").value).toBe(
                inside.reduce((s, { i }) => s + monthPoints("new_customers")[i].numerator, 0),
              );
              for (const id of ADDITIVE) {
                const sum = (f: (q: TrendPoint) => number) =>
                  inside.reduce((s, { i }) => s + f(monthPoints(id)[i]), 0);
                const got = pick(id);
                expect(got.denominator, `${id} ${p.month} base`).toBe(sum((q) => q.denominator));
                expect(got.numerator, `${id} ${p.month}`).toBeCloseTo(
                  sum((q) => q.numerator),
                  6,
                );
              }
            });
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("a range's months, one by one, are the monthly series' points for those months", () => {
    fc.assert(
      fc.property(
        randomShop(30, 120),
        fc.integer({ min: 400, max: RANDOM_SPAN_DAYS + 40 }),
        // Inside the 31 months of the monthly layout below.
        fc.integer({ min: 0, max: 16 }),
        fc.integer({ min: 1, max: 14 }),
        ({ customers, orders }, asOfOffset, back, length) => {
          const calendar = createCalendar(TOKYO);
          const h = buildPurchaseHistory(tableFromRaw(orders), customers, calendar);
          const asOfDay = calendar.dayOf(RANDOM_START_MS) + asOfOffset;
          const asOf = formatDay(asOfDay);
          const months = monthLayout(asOfDay, 30);
          const to = months.lastMonth - back;
          const from = to - length + 1;
          const inRange = rangeMonthsLayout(from, to);
          expect(inRange.startMonths).toHaveLength(length);
          const [all, mine, whole] = run(h, asOf, [months, inRange, rangeLayout(from, to)]);
          for (const [id, s] of mine) {
            const expected = all.get(id)!.points.filter((p) => p.month >= s.points[0].month);
            expect(s.points, id).toEqual(expected.slice(0, length));
            // The range as one bucket ends where its last month ends.
            expect(whole.get(id)!.points[0].end, id).toBe(s.points.at(-1)!.end);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it("refuses a layout that ends after the as-of month or is not ascending", () => {
    const h = shop([], 0);
    const asOf = d("2024-05-10");
    expect(() =>
      run(h, "2024-05-10", [rangeLayout(parseMonth("2024-05"), parseMonth("2024-06"))]),
    ).toThrow(/as-of month/);
    expect(() =>
      run(h, "2024-05-10", [{ ...monthLayout(asOf, 2), startMonths: [5, 4, 6] }]),
    ).toThrow(/ascending/);
  });
});
