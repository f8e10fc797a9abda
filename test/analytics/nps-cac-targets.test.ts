import { describe, expect, it } from "vitest";
import { cacByMonth, ltvToCac, paybackMonths } from "../../app/analytics/cac";
import { makeMetric } from "../../app/analytics/metric";
import { nps, npsByCohort, npsBySegment } from "../../app/analytics/nps";
import { computeRfm } from "../../app/analytics/rfm";
import type { MetricTarget } from "../../app/analytics/targets";
import { compareWithTargets, DEFAULT_TARGETS, validateTargets } from "../../app/analytics/targets";
import type { MarketingSpend, NpsResponse } from "../../app/analytics/types";
import { FIXTURE_AS_OF, fixtureShop } from "./fixture";
import { range } from "./shop";

const at = (iso: string) => Date.parse(iso);

describe("nps", () => {
  const h = fixtureShop();
  const responses: NpsResponse[] = [
    { score: 10, respondedAt: at("2024-12-05T10:00:00+09:00"), customer: 0 },
    { score: 9, respondedAt: at("2024-12-06T10:00:00+09:00"), customer: 5 },
    { score: 8, respondedAt: at("2024-12-07T10:00:00+09:00"), customer: 1 },
    { score: 7, respondedAt: at("2024-12-08T10:00:00+09:00"), customer: -1 },
    { score: 6, respondedAt: at("2024-12-09T10:00:00+09:00"), customer: 1 },
    { score: 0, respondedAt: at("2024-12-10T10:00:00+09:00"), customer: 3 },
    // 2024-11-30 15:30 UTC is 1 December in Tokyo.
    { score: 10, respondedAt: at("2024-11-30T15:30:00Z"), customer: 0 },
    { score: 11, respondedAt: at("2024-12-11T10:00:00+09:00"), customer: 0 },
    { score: 5.5, respondedAt: at("2024-12-11T10:00:00+09:00"), customer: 0 },
    // 2024-11-30 14:30 UTC is still November in Tokyo: outside the December period.
    { score: 0, respondedAt: at("2024-11-30T14:30:00Z"), customer: 0 },
  ];
  const december = range("2024-12-01", "2024-12-31");

  it("% promoters − % detractors over valid responses in the period", () => {
    const m = nps(responses, h.calendar, december);
    expect(m).toMatchObject({ id: "nps", numerator: 1, denominator: 7 });
    expect(m.value).toBeCloseTo((100 * 1) / 7, 12);
    expect(m.details).toEqual({ promoters: 3, passives: 2, detractors: 2, invalid: 2 });
    expect(m.definition.unit).toBe("points");
    expect(nps(responses, h.calendar).denominator).toBe(8);
    expect(nps([], h.calendar).value).toBeNull();
  });

  it("by RFM segment and by first-purchase cohort", () => {
    const rfm = computeRfm(h, { asOfDay: FIXTURE_AS_OF });
    const bySegment = new Map(
      npsBySegment(responses, h.calendar, rfm, december).map((g) => [g.key, g.metric]),
    );
    // loyal = c0 (10, 10) → 100; lost = c1 (8, 6) → −50; at_risk = c5 (9) → 100;
    // about_to_sleep = c3 (0) → −100; the guest → "none".
    expect(bySegment.get("loyal")?.value).toBe(100);
    expect(bySegment.get("lost")?.value).toBe(-50);
    expect(bySegment.get("at_risk")?.value).toBe(100);
    expect(bySegment.get("about_to_sleep")?.value).toBe(-100);
    expect(bySegment.get("champions")?.value).toBeNull();
    expect(bySegment.get("none")).toMatchObject({ value: 0, denominator: 1 });
    const byCohort = npsByCohort(responses, h, december).map((g) => [g.key, g.metric.value]);
    expect(byCohort).toEqual([
      ["2024-01", -50],
      ["2024-03", 100],
      ["2024-06", 100],
      ["2024-11", -100],
      ["none", 0],
    ]);
  });
});

describe("cacByMonth", () => {
  const h = fixtureShop();
  // New customers: Jan c1, Mar c5, Jun c0, Nov c3, Dec c2.
  const spend: MarketingSpend[] = [
    { month: "2024-06", channel: "ads", amountMinor: 30000 },
    { month: "2024-06", channel: "search", amountMinor: 10000 },
    { month: "2024-12", channel: "ads", amountMinor: 5000 },
    { month: "2024-02", channel: "ads", amountMinor: 1000 },
  ];

  it("spend ÷ new customers per month, blended without attribution", () => {
    const r = cacByMonth(h, spend);
    expect(r.months.map((m) => [m.month, m.spendMinor, m.newCustomers, m.cac.value])).toEqual([
      ["2024-02", 1000, 0, null],
      ["2024-06", 40000, 1, 40000],
      ["2024-12", 5000, 1, 5000],
    ]);
    expect(r.total).toMatchObject({ id: "cac", numerator: 46000, denominator: 2, value: 23000 });
    expect(r.months[1].channels.map((c) => [c.channel, c.newCustomers, c.cac.value])).toEqual([
      ["ads", null, null],
      ["search", null, null],
    ]);
  });

  it("per channel with customer attribution", () => {
    const code = Int32Array.of(0, -1, 1, 0, -1, -1); // c0 ads, c2 search, c3 ads
    const r = cacByMonth(h, spend, { channels: { names: ["ads", "search"], code } });
    expect(r.months[1].channels.map((c) => [c.channel, c.newCustomers, c.cac.value])).toEqual([
      ["ads", 1, 30000],
      ["search", 0, null],
    ]);
    expect(r.months[2].channels.map((c) => [c.channel, c.newCustomers])).toEqual([["ads", 0]]);
    expect(r.channels.map((c) => [c.channel, c.spendMinor, c.newCustomers, c.cac.value])).toEqual([
      ["ads", 36000, 1, 36000],
      ["search", 10000, 0, null],
    ]);
    expect(r.channels[0].cac.definition.params).toEqual({ channel: "ads", attributed: true });
  });

  it("sums a channel's campaigns: the same CAC as one row per channel", () => {
    const code = Int32Array.of(0, -1, 1, 0, -1, -1);
    const options = { channels: { names: ["ads", "search"], code } };
    const byCampaign: MarketingSpend[] = [
      { month: "2024-06", channel: "ads", campaign: "brand", amountMinor: 20000 },
      { month: "2024-06", channel: "ads", campaign: "retargeting", amountMinor: 10000 },
      { month: "2024-06", channel: "search", campaign: "", amountMinor: 10000 },
      { month: "2024-12", channel: "ads", campaign: "", amountMinor: 5000 },
      { month: "2024-02", channel: "ads", campaign: "brand", amountMinor: 1000 },
    ];
    expect(cacByMonth(h, byCampaign, options)).toEqual(cacByMonth(h, spend, options));
    expect(cacByMonth(h, byCampaign)).toEqual(cacByMonth(h, spend));
  });

  it("rejects malformed spend", () => {
    expect(() => cacByMonth(h, [{ month: "2024-6", channel: "ads", amountMinor: 1 }])).toThrow(
      /Invalid month/,
    );
    expect(() => cacByMonth(h, [{ month: "2024-06", channel: "", amountMinor: 1 }])).toThrow(
      /channel/,
    );
    expect(() => cacByMonth(h, [{ month: "2024-06", channel: "a", amountMinor: -1 }])).toThrow(
      /amountMinor/,
    );
  });

  it("LTV:CAC and payback", () => {
    const ratio = ltvToCac(60000, 20000, {
      ltvSource: "historical 12-month LTV",
      grossMarginRatio: 0.5,
    });
    expect(ratio).toMatchObject({ id: "ltv_cac_ratio", value: 1.5 });
    expect(ratio.definition.text).toContain("historical 12-month LTV");
    expect(ltvToCac(60000, 0, { ltvSource: "x" }).value).toBeNull();
    const payback = paybackMonths(Float64Array.of(3000, 5000, 9000, 12000), 10000, {
      grossMarginRatio: 0.9,
    });
    // 0.9 × 12000 = 10800 ≥ 10000 first at k = 3.
    expect(payback).toMatchObject({ id: "payback_months", value: 3 });
  });
});

describe("compareWithTargets", () => {
  const metric = (id: string, value: number | null) =>
    makeMetric({ id, name: id, text: id, base: "b", unit: "ratio", params: {} }, 0, 1, null, value);

  it("passes and fails against the default targets", () => {
    const checks = compareWithTargets([
      metric("nps", -10),
      metric("repeat_rate", 0.4),
      metric("monthly_churn_rate", 0.035),
      metric("second_purchase_survival", null),
      metric("f2_conversion", 0.3),
    ]);
    expect(checks.map((c) => [c.metricId, c.status])).toEqual([
      ["nps", "pass"],
      ["repeat_rate", "fail"],
      ["monthly_churn_rate", "pass"],
      ["second_purchase_survival", "no_data"],
    ]);
    expect(compareWithTargets([metric("monthly_churn_rate", 0.05)])[0].status).toBe("fail");
    expect(DEFAULT_TARGETS.map((t) => t.metricId)).toEqual([
      "nps",
      "repeat_rate",
      "monthly_churn_rate",
      "second_purchase_survival",
    ]);
  });

  it("uses merchant targets and validates them", () => {
    const targets: MetricTarget[] = [
      { metricId: "f2_conversion", min: 0.25, max: 0.9, label: "25–90 %" },
    ];
    expect(compareWithTargets([metric("f2_conversion", 0.3)], targets)[0].status).toBe("pass");
    expect(validateTargets([{ metricId: "x", label: "" }])).toEqual([
      'Target "x" needs min or max',
    ]);
    expect(validateTargets([{ metricId: "x", min: 2, max: 1, label: "" }])).toEqual([
      'Target "x": min > max',
    ]);
    expect(() => compareWithTargets([], [{ metricId: "x", min: Number.NaN, label: "" }])).toThrow(
      /finite/,
    );
  });
});
