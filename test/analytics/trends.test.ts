import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildPurchaseHistory,
  cacByMonth,
  churnRates,
  cohortRetention,
  createCalendar,
  f2Conversion,
  monthlyTrends,
  monthRange,
  nps,
  ORDER_CANCELLED,
  ORDER_SUBSCRIPTION,
  ORDER_TEST,
  parseMonth,
  repeatRate,
  secondPurchaseSurvival,
  TREND_IDS,
  yoyMigration,
  type KpiSeries,
  type MarketingSpend,
  type NpsResponse,
  type PurchaseHistory,
  type TrendPoint,
} from "../../app/analytics";
import { d, RANDOM_SPAN_DAYS, RANDOM_START_MS, randomShop, shop, tableFromRaw } from "./shop";

const TOKYO = "Asia/Tokyo";

function trends(
  h: PurchaseHistory,
  asOf: string,
  extra: {
    months?: number;
    nps?: NpsResponse[];
    spend?: MarketingSpend[];
    f2?: number;
    sub?: number;
    churn?: number;
  } = {},
): Map<string, KpiSeries> {
  const asOfDay = d(asOf);
  const list = monthlyTrends(h, {
    asOfDay,
    months: extra.months ?? 3,
    f2WindowDays: extra.f2 ?? 30,
    subscriptionWindowDays: extra.sub ?? 30,
    churnInactivityDays: extra.churn ?? 60,
    grossMarginRatio: 0.5,
    cohorts: cohortRetention(h, { asOfDay, maxMonths: 60 }),
    npsResponses: extra.nps ?? [],
    marketingSpend: extra.spend ?? [],
    calendar: h.calendar,
  });
  return new Map(list.map((s) => [s.id, s]));
}

const byMonth = (s: KpiSeries | undefined): Record<string, TrendPoint> =>
  Object.fromEntries((s?.points ?? []).map((p) => [p.month, p]));

describe("monthlyTrends on a hand-computed Tokyo shop (leap February)", () => {
  // As of 2024-03-10 (JST), 3 complete months: Dec 2023, Jan, Feb 2024, Mar 2024 partial.
  const h = shop(
    [
      // c0: 31 Jan 23:30 JST (14:30 UTC), two orders on 29 Feb (one purchase), 5 Mar.
      { c: 0, at: "2024-01-31T23:30:00+09:00", net: 1000 },
      { c: 0, at: "2024-02-29T10:00:00+09:00", net: 1500 },
      { c: 0, at: "2024-02-29T18:00:00+09:00", net: 500 },
      { c: 0, at: "2024-03-05T12:00:00+09:00", net: 1000 },
      // c1: 1 Feb 00:10 JST is still 31 Jan in UTC; a cancelled and a test order don't count.
      { c: 1, at: "2024-02-01T00:10:00+09:00", net: 1000 },
      { c: 1, at: "2024-02-10T12:00:00+09:00", net: 9000, flags: ORDER_CANCELLED },
      { c: 1, at: "2024-03-01T12:00:00+09:00", net: 9000, flags: ORDER_TEST },
      // c2: December, then a fully refunded February order (still a purchase, 0 kept).
      { c: 2, at: "2023-12-15T12:00:00+09:00", net: 2000 },
      { c: 2, at: "2024-02-10T12:00:00+09:00", net: 0, gross: 3000 },
      // A guest order: not a customer.
      { c: -1, at: "2024-02-05T12:00:00+09:00", net: 7000 },
      // c3: after the as-of date (never counted).
      { c: 3, at: "2024-03-11T12:00:00+09:00", net: 1000 },
    ],
    4,
    TOKYO,
  );
  const t = trends(h, "2024-03-10");

  it("lists every series with 3 complete months and the partial as-of month", () => {
    expect([...t.keys()]).toEqual([...TREND_IDS]);
    for (const s of t.values()) {
      expect(s.points.map((p) => p.month)).toEqual(["2023-12", "2024-01", "2024-02", "2024-03"]);
      expect(s.points.map((p) => p.partial)).toEqual([false, false, false, true]);
    }
    const feb = byMonth(t.get("repeat_rate"))["2024-02"];
    expect(feb).toMatchObject({ start: "2024-02-01", end: "2024-02-29" });
    expect(byMonth(t.get("repeat_rate"))["2024-03"]).toMatchObject({
      start: "2024-03-01",
      end: "2024-03-10",
    });
  });

  it("repeat rate, new and returning customers per month", () => {
    const r = byMonth(t.get("repeat_rate"));
    expect(r["2023-12"]).toMatchObject({ numerator: 0, denominator: 1, value: 0 });
    expect(r["2024-01"]).toMatchObject({ numerator: 0, denominator: 1 });
    // Feb: c0 (2nd purchase), c1 (first), c2 (2nd) bought.
    expect(r["2024-02"]).toMatchObject({ numerator: 2, denominator: 3 });
    expect(r["2024-03"]).toMatchObject({ numerator: 1, denominator: 1, value: 1 });
    const n = byMonth(t.get("new_customers"));
    expect([
      n["2023-12"].value,
      n["2024-01"].value,
      n["2024-02"].value,
      n["2024-03"].value,
    ]).toEqual([1, 1, 1, 0]);
    expect(byMonth(t.get("returning_customers"))["2024-02"].value).toBe(2);
    expect(byMonth(t.get("new_customer_revenue"))["2024-02"].value).toBe(1000);
    expect(byMonth(t.get("returning_customer_revenue"))["2024-02"].value).toBe(2000);
  });

  it("AOV counts orders, purchases per customer counts local days", () => {
    // Feb: c0's 2 orders (2000), c1's 1 (1000), c2's refunded 1 (0); guest excluded.
    expect(byMonth(t.get("average_order_value"))["2024-02"]).toMatchObject({
      numerator: 3000,
      denominator: 4,
      value: 750,
    });
    expect(byMonth(t.get("purchases_per_customer"))["2024-02"]).toMatchObject({
      numerator: 3,
      denominator: 3,
      value: 1,
    });
  });

  it("F2 by first-purchase month, immature cohorts marked", () => {
    const f2 = byMonth(t.get("f2_conversion"));
    // Dec cohort (c2): second purchase 57 days later > 30: not converted; mature.
    expect(f2["2023-12"]).toMatchObject({ numerator: 0, denominator: 1, immature: false });
    // Jan cohort (c0, 31 Jan): 29 Feb is 29 days later (leap year): converted.
    expect(f2["2024-01"]).toMatchObject({ numerator: 1, denominator: 1, immature: false });
    // Feb cohort (c1, 1 Feb + 30 = 2 Mar ≤ 10 Mar): mature customer, but the month end is not.
    expect(f2["2024-02"]).toMatchObject({ numerator: 0, denominator: 1, immature: true });
    expect(f2["2024-03"]).toMatchObject({ denominator: 0, value: null, immature: true });
  });

  it("YoY retention over trailing years", () => {
    const y = byMonth(t.get("yoy_retention"));
    expect(y["2024-02"]).toMatchObject({ start: "2023-03-01", end: "2024-02-29", denominator: 0 });
    expect(y["2024-03"]).toMatchObject({ start: "2023-03-11", end: "2024-03-10" });
  });
});

describe("monthlyTrends: zone month boundaries and DST", () => {
  it("puts an order in the shop-local month, across the US DST change", () => {
    const specs = [
      // 23:30 EDT on 31 Oct = 03:30 UTC on 1 Nov: October in New York.
      { c: 0, at: "2024-10-31T23:30:00-04:00" },
      // 00:30 on 3 Nov EDT, then 01:30 EST on 3 Nov after fall-back: same local day.
      { c: 1, at: "2024-11-03T00:30:00-04:00" },
      { c: 1, at: "2024-11-03T01:30:00-05:00" },
      // 00:30 EST on 1 Dec.
      { c: 1, at: "2024-12-01T00:30:00-05:00" },
    ];
    const ny = trends(shop(specs, 2, "America/New_York"), "2024-12-05");
    const utc = trends(shop(specs, 2, "UTC"), "2024-12-05");
    const nyNew = byMonth(ny.get("new_customers"));
    expect(nyNew["2024-10"].value).toBe(1);
    expect(nyNew["2024-11"].value).toBe(1);
    expect(byMonth(utc.get("new_customers"))["2024-10"].value).toBe(0);
    // c1's two 3 Nov orders are one purchase in New York: no repeat in November.
    expect(byMonth(ny.get("repeat_rate"))["2024-11"]).toMatchObject({
      numerator: 0,
      denominator: 1,
    });
    expect(byMonth(ny.get("average_order_value"))["2024-11"].denominator).toBe(2);
    expect(byMonth(ny.get("purchases_per_customer"))["2024-11"].value).toBe(1);
    expect(byMonth(ny.get("repeat_rate"))["2024-12"]).toMatchObject({
      numerator: 1,
      partial: true,
    });
  });

  it("a month that ends on the as-of date is complete", () => {
    const t = trends(shop([{ c: 0, at: "2024-02-29T12:00:00+09:00" }], 1, TOKYO), "2024-02-29");
    const last = t.get("repeat_rate")!.points.at(-1)!;
    expect(last).toMatchObject({ month: "2024-02", partial: false, end: "2024-02-29" });
  });
});

describe("monthlyTrends: churn, NPS, CAC, LTV", () => {
  const specs = [
    { c: 0, at: "2024-01-10T12:00:00+09:00", net: 1000 },
    { c: 0, at: "2024-04-20T12:00:00+09:00", net: 3000 },
    { c: 1, at: "2024-01-20T12:00:00+09:00", net: 2000 },
    { c: 2, at: "2024-02-05T12:00:00+09:00", net: 1000, flags: ORDER_SUBSCRIPTION },
    { c: 2, at: "2024-03-05T12:00:00+09:00", net: 1000, flags: ORDER_SUBSCRIPTION },
  ];
  const h = shop(specs, 3, TOKYO);
  const at = (s: string) => Date.parse(s);
  const responses: NpsResponse[] = [
    { score: 10, respondedAt: at("2024-03-31T23:59:00+09:00"), customer: 0 },
    { score: 3, respondedAt: at("2024-03-15T12:00:00+09:00"), customer: 1 },
    { score: 8, respondedAt: at("2024-03-16T12:00:00+09:00"), customer: 2 },
    { score: 9, respondedAt: at("2024-04-01T00:00:00+09:00"), customer: 2 },
    { score: 11, respondedAt: at("2024-03-16T12:00:00+09:00"), customer: 2 },
  ];
  const spend: MarketingSpend[] = [
    { month: "2024-01", channel: "ads", amountMinor: 5000 },
    { month: "2024-01", channel: "mail", amountMinor: 1000 },
    { month: "2024-03", channel: "ads", amountMinor: 4000 },
  ];
  const t = trends(h, "2025-02-15", { months: 13, nps: responses, spend });

  it("monthly churn with a 60-day inactivity window", () => {
    const c = byMonth(t.get("monthly_churn_rate"));
    // c1 (last bought 20 Jan) is active at 1 Mar (within 60 days) and not at 1 Apr.
    expect(c["2024-03"]).toMatchObject({ numerator: 2, denominator: 3 });
    expect(c["2024-06"]).toMatchObject({ numerator: 1, denominator: 1, value: 1 });
  });

  it("NPS per month with its response count; bad scores ignored", () => {
    const n = byMonth(t.get("nps"));
    expect(n["2024-03"]).toMatchObject({ numerator: 0, denominator: 3, value: 0 });
    expect(n["2024-04"]).toMatchObject({ numerator: 1, denominator: 1, value: 100 });
    expect(t.get("nps")!.minBase).toBe(30);
  });

  it("CAC only for months with spend; LTV by cohort once the horizon has passed", () => {
    const cac = byMonth(t.get("cac"));
    expect(cac["2024-01"]).toMatchObject({ numerator: 6000, denominator: 2, value: 3000 });
    expect(cac["2024-02"].value).toBeNull();
    // March has spend and no new customer: no value.
    expect(cac["2024-03"]).toMatchObject({ numerator: 4000, denominator: 0, value: null });
    const ltv6 = byMonth(t.get("historical_ltv_6"));
    // Jan cohort: c0 1000 + 3000 (April is its 4th month), c1 2000 → 6000 / 2.
    expect(ltv6["2024-01"]).toMatchObject({ value: 3000, denominator: 2, immature: false });
    expect(ltv6["2024-09"].value).toBeNull();
    const ltv12 = byMonth(t.get("historical_ltv_12"));
    expect(ltv12["2024-01"].value).toBe(3000);
    expect(ltv12["2024-03"]).toMatchObject({ value: null, immature: true });
    // LTV:CAC of January: 3000 × 0.5 margin / 3000.
    expect(byMonth(t.get("ltv_cac_ratio"))["2024-01"].value).toBe(0.5);
    const survival = byMonth(t.get("second_purchase_survival"));
    expect(survival["2024-02"]).toMatchObject({ numerator: 1, denominator: 1, value: 1 });
  });
});

describe("monthlyTrends: every point equals the single-period function", () => {
  it("on random shops, for every series and month", () => {
    fc.assert(
      fc.property(
        randomShop(30, 120),
        fc.integer({ min: 0, max: RANDOM_SPAN_DAYS + 40 }),
        fc.array(
          fc.record({
            score: fc.integer({ min: 0, max: 10 }),
            h: fc.integer({ min: 0, max: RANDOM_SPAN_DAYS * 24 }),
          }),
          { maxLength: 30 },
        ),
        fc.constantFrom(30, 90, 730),
        ({ customers, orders }, asOfOffset, answers, churnDays) => {
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
          const cohorts = cohortRetention(h, { asOfDay, maxMonths: 60 });
          const list = monthlyTrends(h, {
            asOfDay,
            months: 24,
            f2WindowDays: 45,
            subscriptionWindowDays: 30,
            churnInactivityDays: churnDays,
            grossMarginRatio: 1,
            cohorts,
            npsResponses: responses,
            marketingSpend: spend,
            calendar,
          });
          const s = new Map(list.map((x) => [x.id, x]));
          // cacByMonth counts every first purchase it is given; the series stop at the
          // as-of day, so its oracle gets only the orders up to then (seed 1851031946: a
          // first order the day after the as-of day).
          const known = buildPurchaseHistory(
            tableFromRaw(orders.filter((o) => calendar.dayOf(o.ms) <= asOfDay)),
            customers,
            calendar,
          );
          const cac = new Map(cacByMonth(known, spend).months.map((m) => [m.month, m.cac]));
          const rows = new Map(cohorts.rows.map((r) => [r.label, r]));
          const points = s.get("repeat_rate")!.points;
          const churn = churnRates(
            h,
            [...points.map((p) => d(p.start)), d(points.at(-1)!.end) + 1],
            { inactivityDays: churnDays },
          );
          points.forEach((p, k) => {
            const period = { startDay: d(p.start), endDay: d(p.end) + 1 };
            const pick = (id: string) => s.get(id as never)!.points[k];
            const same = (
              id: string,
              m: { value: number | null; numerator: number; denominator: number },
            ) =>
              expect(pick(id), `${id} ${p.month}`).toMatchObject({
                value: m.value,
                numerator: m.numerator,
                denominator: m.denominator,
              });
            same("repeat_rate", repeatRate(h, period));
            const cohortMonth = monthRange(parseMonth(p.month));
            same(
              "f2_conversion",
              f2Conversion(h, { cohort: cohortMonth, asOfDay, windowDays: 45 }),
            );
            same(
              "second_purchase_survival",
              secondPurchaseSurvival(h, { cohort: cohortMonth, asOfDay, windowDays: 30 }),
            );
            same("monthly_churn_rate", churn[k]);
            const y = pick("yoy_retention");
            same(
              "yoy_retention",
              yoyMigration(h, { startDay: d(y.start), endDay: d(y.end) + 1 }).retention,
            );
            const n = nps(responses, calendar, period);
            same("nps", n);
            const c = cac.get(p.month);
            expect(pick("cac").value).toBe(c?.value ?? null);
            const row = rows.get(p.month);
            const ltv = pick("historical_ltv_12").value;
            expect(ltv).toBe(
              row && row.completeMonths >= 12 ? row.cumulativeNetPerCustomer[11] : null,
            );
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("rejects a bad month count", () => {
    const h = shop([], 0);
    expect(() => trends(h, "2024-01-01", { months: 0 })).toThrow(/months/);
  });

  it("keeps working on an empty shop: 25 points of nothing", () => {
    const t = trends(shop([], 0), "2024-01-15", { months: 24 });
    for (const series of t.values()) {
      expect(series.points).toHaveLength(25);
      for (const p of series.points) expect(p.value === null || p.value === 0).toBe(true);
    }
  });
});
