import { describe, expect, it } from "vitest";
import {
  buildPurchaseHistory,
  cacByMonth,
  cohortRetention,
  computeRfm,
  continuationByCohort,
  createCalendar,
  f2Conversion,
  historicalLtvCurve,
  modelChurnShare,
  monthlyChurn,
  monthOfDay,
  monthsBeforeDay,
  NO_SEGMENT,
  nps,
  npsBySegment,
  ORDER_CANCELLED,
  ORDER_SUBSCRIPTION,
  ORDER_TEST,
  pareto,
  repeatRate,
  rfmGrid,
  secondPurchaseSurvival,
  segmentMigration,
  summarizeSegments,
  trailingMonths,
  yoyMigration,
  type MarketingSpend,
  type NpsResponse,
  type OrderTable,
  type SegmentRule,
} from "../../app/analytics";
import { fitClvModels, validateHoldout } from "../../app/analytics/clv";
import { Rng, simulateOrders, simulateSbgCohort } from "../../app/analytics/clv/simulate";
import { DEFAULT_SEGMENT_ACTIONS, defaultSegmentAction } from "../../app/metrics/segment-actions";
import { parseSnapshot, previousOf, summaryOf } from "../../app/metrics/snapshot/codec";
import { assertJsonSafe } from "../../app/metrics/snapshot/json";
import { buildShopSnapshot, SCENARIO_POINTS } from "../../app/metrics/snapshot/pipeline";
import type { SnapshotInput } from "../../app/metrics/snapshot/stages";
import { KPI_IDS } from "../../app/metrics/snapshot/types";
import { DEFAULT_SETTINGS, settingsSchema, type ShopSettings } from "../../app/settings";
import { orderTable } from "../analytics/shop";

const ZONE = "Asia/Tokyo";
const AS_OF = Date.parse("2025-06-30T12:00:00+09:00");
const calendar = createCalendar(ZONE);
const asOfDay = calendar.dayOf(AS_OF);
const last12 = trailingMonths(asOfDay, 12);

/**
 * c0 three purchases (one a year ago); c1 one recent; c2 lapsed since 2023; c3 a monthly
 * subscriber; c4 two same-day orders and one more; c5 only a cancelled order; c6 never
 * ordered; c7 a fully refunded order; a guest order and a test order.
 */
const SMALL_ORDERS = orderTable([
  { c: 0, at: "2024-07-10T10:00:00+09:00", net: 5000 },
  { c: 0, at: "2025-01-05T10:00:00+09:00", net: 5000 },
  { c: 0, at: "2025-06-01T10:00:00+09:00", net: 6000 },
  { c: 1, at: "2025-06-20T10:00:00+09:00", net: 3000 },
  { c: 1, at: "2025-06-21T10:00:00+09:00", net: 3000, flags: ORDER_TEST },
  { c: 2, at: "2023-05-01T10:00:00+09:00", net: 2000 },
  { c: 2, at: "2023-06-01T10:00:00+09:00", net: 2000 },
  { c: 3, at: "2025-01-10T10:00:00+09:00", net: 4000, flags: ORDER_SUBSCRIPTION },
  { c: 3, at: "2025-02-10T10:00:00+09:00", net: 4000, flags: ORDER_SUBSCRIPTION },
  { c: 3, at: "2025-03-10T10:00:00+09:00", net: 4000, flags: ORDER_SUBSCRIPTION },
  { c: 4, at: "2024-12-01T09:00:00+09:00", net: 1500 },
  { c: 4, at: "2024-12-01T19:00:00+09:00", net: 2500 },
  { c: 4, at: "2025-03-01T10:00:00+09:00", net: 1000 },
  { c: 5, at: "2025-05-01T10:00:00+09:00", net: 9000, flags: ORDER_CANCELLED },
  { c: 7, at: "2024-08-15T10:00:00+09:00", net: 0, gross: 7000 },
  { c: -1, at: "2025-04-01T10:00:00+09:00", net: 2000 },
]);
const SMALL_CUSTOMERS = { count: 8, createdAt: new Float64Array(8) };
const at = (iso: string) => Date.parse(iso);
const SMALL_NPS: NpsResponse[] = [
  { score: 10, respondedAt: at("2025-06-02T10:00:00+09:00"), customer: 0 },
  { score: 6, respondedAt: at("2025-06-21T10:00:00+09:00"), customer: 1 },
  { score: 9, respondedAt: at("2025-03-11T10:00:00+09:00"), customer: 3 },
  { score: 8, respondedAt: at("2025-04-02T10:00:00+09:00"), customer: -1 },
  { score: 3, respondedAt: at("2023-06-02T10:00:00+09:00"), customer: 2 },
];
const SMALL_SPEND: MarketingSpend[] = [
  { month: "2025-06", channel: "instagram", amountMinor: 10_000 },
  { month: "2025-01", channel: "google", amountMinor: 5_000 },
  { month: "2023-05", channel: "google", amountMinor: 3_000 },
];

/** Settings for the tests; the hand-made shop's 6 customers are segmented (the minimum of 50 is tested on its own). */
const settingsWith = (patch: Record<string, unknown>): ShopSettings =>
  settingsSchema.parse({ minSegmentCustomers: 1, ...patch });
const SMALL_SETTINGS = settingsWith({});

function smallInput(overrides: Partial<SnapshotInput> = {}): SnapshotInput {
  return {
    orders: SMALL_ORDERS,
    customers: SMALL_CUSTOMERS,
    timeZone: ZONE,
    currency: "JPY",
    asOf: AS_OF,
    computedAt: AS_OF + 60_000,
    settings: SMALL_SETTINGS,
    npsResponses: SMALL_NPS,
    marketingSpend: SMALL_SPEND,
    ...overrides,
  };
}

const history = buildPurchaseHistory(SMALL_ORDERS, SMALL_CUSTOMERS, calendar);
const nanArray = (n: number) => new Float64Array(n).fill(NaN);
const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe("buildShopSnapshot on a small hand-made shop", () => {
  const { snapshot, perCustomer } = buildShopSnapshot(smallInput());
  const rfm = computeRfm(history, { asOfDay });

  it("survives a JSON round trip unchanged and carries currency, zone and dates", () => {
    expect(json(snapshot)).toEqual(snapshot);
    expect(parseSnapshot(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(parseSnapshot(JSON.stringify({ ...snapshot, version: 0 }))).toBeNull();
    expect(() => assertJsonSafe(snapshot)).not.toThrow();
    expect(snapshot).toMatchObject({
      version: 2,
      currency: "JPY",
      timeZone: "Asia/Tokyo",
      asOf: AS_OF,
      asOfDate: "2025-06-30",
      computedAt: AS_OF + 60_000,
      previousComputedAt: null,
      last12Months: { start: "2024-07-01", end: "2025-06-30" },
    });
    expect(Object.keys(snapshot.kpis)).toEqual([...KPI_IDS]);
  });

  it("counts customers, orders, guests and the excluded orders", () => {
    expect(snapshot.counts).toEqual({
      customers: 8,
      customersWithPurchases: 6,
      subscriptionCustomers: 1,
      ordersLoaded: 16,
      orders: 14,
      customerOrders: 13,
      guestOrders: 1,
      guestNetMinor: 2000,
      excludedCancelled: 1,
      excludedTest: 1,
      netRevenueMinor: 2000 + 16000 + 3000 + 4000 + 12000 + 5000 + 0,
      firstPurchaseDate: "2023-05-01",
      lastPurchaseDate: "2025-06-20",
    });
  });

  it("has KPI metrics equal to the analytics functions called directly", () => {
    const k = snapshot.kpis;
    expect(k.repeat_rate.metric).toEqual(repeatRate(history, last12));
    expect(k.repeat_rate.metric).toMatchObject({ value: 0.6, numerator: 3, denominator: 5 });
    const f2Window = DEFAULT_SETTINGS.f2WindowDays;
    expect(k.f2_conversion.metric).toEqual(
      f2Conversion(history, {
        cohort: trailingMonths(asOfDay - f2Window, 12),
        asOfDay,
        windowDays: f2Window,
      }),
    );
    const subWindow = DEFAULT_SETTINGS.subscriptionWindowDays;
    expect(k.second_purchase_survival.metric).toEqual(
      secondPurchaseSurvival(history, {
        cohort: trailingMonths(asOfDay - subWindow, 12),
        asOfDay,
        windowDays: subWindow,
      }),
    );
    const month = monthOfDay(asOfDay);
    const churn = monthlyChurn(history, {
      fromMonth: month - 12,
      toMonth: month - 1,
      asOfDay,
      inactivityDays: DEFAULT_SETTINGS.churnInactivityDays,
    });
    expect(k.monthly_churn_rate.metric).toEqual(churn.average);
    expect(snapshot.churnByMonth.map((m) => m.value)).toEqual(churn.months.map((m) => m.value));
    expect(k.yoy_retention.metric).toEqual(yoyMigration(history, last12).retention);
    expect(k.nps.metric).toEqual(nps(SMALL_NPS, calendar, last12));
    expect(k.nps.metric.value).toBe(25);
    expect(k.model_churn_share.metric).toEqual(modelChurnShare(nanArray(8)));
    const spent = 16000 + 3000 + 4000 + 12000 + 5000;
    expect(k.average_historical_ltv.metric).toMatchObject({
      value: spent / 6,
      numerator: spent,
      denominator: 6,
    });
    // CAC of the last 12 months: 15000 of spend, new customers in 2025-01 (c3) and 2025-06 (c1).
    expect(k.cac.metric).toMatchObject({ value: 7500, numerator: 15000, denominator: 2 });
    expect(k.ltv_cac_ratio.metric.definition.id).toBe("ltv_cac_ratio");
    expect(k.payback_months.metric.definition.id).toBe("payback_months");
  });

  it("judges targets from the settings: pass, fail, no_data, and none for untargeted KPIs", () => {
    const k = snapshot.kpis;
    expect(k.repeat_rate).toMatchObject({ status: "pass", target: { min: 0.6, max: null } });
    expect(k.nps).toMatchObject({ status: "pass", target: { min: -10 } });
    expect(k.second_purchase_survival).toMatchObject({ status: "pass" });
    expect(k.second_purchase_survival.metric.value).toBe(1);
    const churn = k.monthly_churn_rate;
    expect(churn.target).toMatchObject({ min: null, max: 0.04 });
    expect(churn.status).toBe(
      churn.metric.value === null ? "no_data" : churn.metric.value <= 0.04 ? "pass" : "fail",
    );
    expect(k.cac.target).toBeNull();
    expect(k.cac.status).toBeNull();

    const strict = buildShopSnapshot(
      smallInput({
        settings: settingsWith({ targets: { repeatRate: 0.7, nps: 30, monthlyChurn: 1 } }),
        npsResponses: [],
      }),
    ).snapshot.kpis;
    expect(strict.repeat_rate).toMatchObject({ status: "fail", target: { label: "≥ 70 %" } });
    expect(strict.nps).toMatchObject({ status: "no_data", metric: { value: null } });
    expect(strict.monthly_churn_rate.status).toBe(
      strict.monthly_churn_rate.metric.value === null ? "no_data" : "pass",
    );
    const withNps = buildShopSnapshot(
      smallInput({ settings: settingsWith({ targets: { nps: 30 } }) }),
    );
    expect(withNps.snapshot.kpis.nps.status).toBe("fail");
  });

  it("tabulates segments, the grid, migration and NPS by segment like the engine", () => {
    const summary = summarizeSegments(rfm, { predictedClvMinor: nanArray(8), pAlive: nanArray(8) });
    expect(snapshot.segments.rows.map((r) => r.id)).toEqual(summary.segments.map((s) => s.id));
    snapshot.segments.rows.forEach((row, g) => {
      const s = summary.segments[g];
      expect(row).toMatchObject({
        customers: s.customers,
        revenueMinor: s.revenueMinor,
        revenueShare: s.revenueShare,
        averageOrderValueMinor: s.averageOrderValueMinor,
        averagePredictedClvMinor: null,
        averagePAlive: null,
        action: DEFAULT_SEGMENT_ACTIONS[row.id],
        actionIsCustom: false,
      });
    });
    expect(snapshot.segments.scoredCustomers).toBe(6);
    const grid = rfmGrid(rfm);
    expect(snapshot.grid.customers.flat()).toEqual([...grid.customers]);
    expect(snapshot.grid.revenueMinor.flat()).toEqual([...grid.revenueMinor]);
    expect(snapshot.grid.segment.flat()).toEqual([...grid.segment].map((g) => rfm.rules[g].id));

    const migration = segmentMigration(history, {
      fromAsOfDay: monthsBeforeDay(asOfDay, 12),
      toAsOfDay: asOfDay,
    });
    expect(snapshot.migration.segments.counts.flat()).toEqual([...migration.counts]);
    expect(snapshot.migration.segments.labels).toEqual(migration.labels);
    expect(snapshot.migration.yoy.retention).toEqual(yoyMigration(history, last12).retention);

    const bySegment = npsBySegment(SMALL_NPS, calendar, rfm, last12);
    expect(snapshot.nps.bySegment.map((g) => g.metric)).toEqual(bySegment.map((g) => g.metric));
    expect(snapshot.nps.allTime.denominator).toBe(5);
  });

  it("copies cohorts, continuation, Pareto and CAC tables", () => {
    const table = cohortRetention(history, { asOfDay, maxMonths: 60 });
    expect(snapshot.cohorts.rows.map((r) => r.month)).toEqual(table.rows.map((r) => r.label));
    expect(snapshot.cohorts.rows[0].activeShare).toEqual([...table.rows[0].activeShare]);
    expect(snapshot.cohorts.ltvCurve.cumulativeNetPerCustomer).toEqual([
      ...historicalLtvCurve(table).cumulativeNetPerCustomer,
    ]);
    const all = continuationByCohort(history, { asOfDay });
    expect(snapshot.continuation.all.total?.reached).toEqual([...all.total!.reached]);
    const subs = continuationByCohort(history, {
      asOfDay,
      subscriptionOnly: true,
      maxPurchases: 24,
    });
    expect(snapshot.continuation.subscription?.total?.reached).toEqual([...subs.total!.reached]);
    expect(snapshot.continuation.sbg).toMatchObject({
      status: "insufficient-data",
      subscribers: 1,
    });
    const p = pareto(history, { period: last12 });
    expect(snapshot.pareto.topShare).toEqual(p.topShare);
    expect(snapshot.pareto.lorenz.revenueShare).toEqual([...p.lorenz.revenueShare]);
    const cac = cacByMonth(history, SMALL_SPEND);
    expect(snapshot.cac.months.map((m) => [m.month, m.cac.value])).toEqual(
      cac.months.map((m) => [m.month, m.cac.value]),
    );
    expect(snapshot.cac.attributed).toBe(false);
  });

  it("reports the CLV model as insufficient-data with the reason on a tiny shop", () => {
    expect(snapshot.clv).toMatchObject({
      status: "insufficient-data",
      repeatCustomers: 4,
      requiredRepeatCustomers: 30,
      horizonMonths: DEFAULT_SETTINGS.clvHorizonMonths,
    });
    expect(snapshot.clv.status === "insufficient-data" && snapshot.clv.reason).toMatch(/repeat/);
    expect(snapshot.kpis.average_predicted_clv.metric.value).toBeNull();
    expect(snapshot.kpis.model_churn_share.metric.value).toBeNull();
    expect([...perCustomer.pAlive].every(Number.isNaN)).toBe(true);
  });

  it("returns per-customer arrays by dense index", () => {
    expect(perCustomer.count).toBe(8);
    expect([...perCustomer.segment]).toEqual([...rfm.segment]);
    expect(perCustomer.segment[5]).toBe(NO_SEGMENT);
    expect(perCustomer.segment[6]).toBe(NO_SEGMENT);
    expect([...perCustomer.recencyDays]).toEqual([...rfm.recencyDays]);
    expect([...perCustomer.frequency]).toEqual([...rfm.frequency]);
    expect(perCustomer.frequency[4]).toBe(2); // same-day orders are one purchase
    expect(perCustomer.monetaryMinor[4]).toBe(5000);
    expect(perCustomer.segmentIds).toEqual(rfm.rules.map((r) => r.id));
  });

  it("uses the merchant's actions and rules, and carries the previous values", () => {
    const rules: SegmentRule[] = [
      { id: "recent", name: "Recent", recency: [4, 5], fm: [1, 5] },
      { id: "rest", name: "Everyone else", recency: [1, 3], fm: [1, 5] },
    ];
    const next = buildShopSnapshot(
      smallInput({
        settings: settingsWith({ segmentRules: rules, segmentActions: { rest: "Call them" } }),
        previous: previousOf(snapshot),
      }),
    ).snapshot;
    expect(next.segments.customRules).toBe(true);
    expect(next.segments.rows.map((r) => [r.id, r.action, r.actionIsCustom])).toEqual([
      ["recent", defaultSegmentAction(rules[0]), false],
      ["rest", "Call them", true],
    ]);
    expect(next.grid.segment.flat().every((id) => id === "recent" || id === "rest")).toBe(true);
    expect(next.previousComputedAt).toBe(snapshot.computedAt);
    expect(next.kpis.repeat_rate.previousValue).toBe(0.6);
    expect(next.kpis.model_churn_share.previousValue).toBeNull();
  });

  it("does not segment a shop below the minimum of customers, and says so", () => {
    const { snapshot: s, perCustomer } = buildShopSnapshot(
      smallInput({ settings: DEFAULT_SETTINGS }),
    );
    expect(DEFAULT_SETTINGS.minSegmentCustomers).toBe(50);
    expect(s.segments).toMatchObject({ segmented: false, minCustomers: 50, scoredCustomers: 6 });
    expect(s.segments.definition).toMatchObject({ id: "rfm_scores", params: { minCustomers: 50 } });
    expect(s.segments.definition.text).toMatch(/fewer than 50 customers nobody is scored/);
    expect(s.segments.rows.every((r) => r.customers === 0)).toBe(true);
    expect(s.grid.customers.flat().every((n) => n === 0)).toBe(true);
    expect(Array.from(perCustomer.segment).every((g) => g === NO_SEGMENT)).toBe(true);
    expect(Array.from(perCustomer.r).every((x) => x === 0)).toBe(true);
    expect(perCustomer.recencyDays[1]).toBe(10); // R, F, M are still measured
    expect(summaryOf(s)).toMatchObject({ segmented: false, minSegmentCustomers: 50 });
    // The migration matrix has nobody in a segment at either date.
    const none = s.migration.segments.labels.indexOf("none");
    expect(s.migration.segments.counts[none][none]).toBe(
      s.migration.segments.counts.flat().reduce((a, b) => a + b, 0),
    );
    // The numbers that do not depend on segments stay.
    expect(s.kpis.average_historical_ltv.metric.denominator).toBe(6);
    expect(json(s)).toEqual(s);
    expect(snapshot.segments).toMatchObject({ segmented: true, minCustomers: 1 });
  });

  it("a brand-new shop (everyone bought today, once) is not labelled Lost", () => {
    const today = "2025-06-30T10:00:00+09:00";
    const orders = orderTable(
      Array.from({ length: 60 }, (_, c) => ({ c, at: today, net: 2000 + 50 * c })),
    );
    const { snapshot: s } = buildShopSnapshot(
      smallInput({
        orders,
        customers: { count: 60, createdAt: new Float64Array(60) },
        settings: DEFAULT_SETTINGS,
      }),
    );
    expect(s.segments.segmented).toBe(true);
    const count = (id: string) => s.segments.rows.find((r) => r.id === id)?.customers;
    expect(count("lost")).toBe(0);
    expect(count("at_risk")).toBe(0);
    expect(s.segments.thresholds.recencyDays).toEqual([0, 0, null, null]);
    // R = 3 for everyone (no spread): the third row of the grid holds all 60.
    expect(s.grid.customers[2].reduce((a, b) => a + b, 0)).toBe(60);
  });

  it("handles a shop without any order", () => {
    const empty: OrderTable = {
      length: 0,
      customer: new Int32Array(0),
      processedAt: new Float64Array(0),
      grossMinor: new Float64Array(0),
      netMinor: new Float64Array(0),
      flags: new Uint8Array(0),
    };
    const { snapshot: s } = buildShopSnapshot(
      smallInput({ orders: empty, customers: { count: 2, createdAt: new Float64Array(2) } }),
    );
    expect(json(s)).toEqual(s);
    expect(s.counts).toMatchObject({ customers: 2, orders: 0, firstPurchaseDate: null });
    expect(s.clv.status).toBe("insufficient-data");
    expect(s.kpis.repeat_rate.status).toBe("no_data");
    expect(s.continuation.subscription).toBeNull();
    expect(s.continuation.sbg).toBeNull();
  });

  it("windows exactly 12 months around 29 February (leap-year as-of dates)", () => {
    const build = (iso: string, settings = DEFAULT_SETTINGS) =>
      buildShopSnapshot(smallInput({ asOf: Date.parse(iso), settings })).snapshot;
    const period = (p: { start: string; end: string } | null) => p && [p.start, p.end];

    // 28 Feb 2024: the 12 months ending that day start on 1 Mar 2023, not 28 Feb 2023.
    const leap = build("2024-02-28T12:00:00+09:00");
    expect(period(leap.last12Months)).toEqual(["2023-03-01", "2024-02-28"]);
    expect(period(leap.kpis.repeat_rate.metric.period)).toEqual(["2023-03-01", "2024-02-28"]);
    expect(period(leap.kpis.nps.metric.period)).toEqual(["2023-03-01", "2024-02-28"]);
    expect(period(leap.pareto.topShare.period)).toEqual(["2023-03-01", "2024-02-28"]);
    // The year before ends where the 12 months start: 28 Feb 2023 belongs to it.
    expect(period(leap.migration.yoy.previous)).toEqual(["2022-03-01", "2023-02-28"]);
    expect(leap.migration.segments.fromDate).toBe("2023-02-28");

    // 28 Feb 2025 is a month end: Mar 2024–Feb 2025, and segments move from 29 Feb 2024.
    const after = build("2025-02-28T12:00:00+09:00");
    expect(period(after.last12Months)).toEqual(["2024-03-01", "2025-02-28"]);
    expect(period(after.migration.yoy.previous)).toEqual(["2023-03-01", "2024-02-29"]);
    expect(after.migration.segments.fromDate).toBe("2024-02-29");

    // Mature cohorts: the F2 base of 28 May 2024 with a 90-day window ends 28 Feb 2024.
    const mature = build(
      "2024-05-28T12:00:00+09:00",
      settingsWith({ f2WindowDays: 90, subscriptionWindowDays: 90 }),
    );
    expect(period(mature.kpis.f2_conversion.metric.period)).toEqual(["2023-03-01", "2024-02-28"]);
    expect(period(mature.kpis.second_purchase_survival.metric.period)).toEqual([
      "2023-03-01",
      "2024-02-28",
    ]);
  });
});

describe("buildShopSnapshot with a fitted CLV model", () => {
  const DAY = 86_400_000;
  const end = Date.UTC(2025, 0, 1);
  const simulated = simulateOrders({
    customers: 3000,
    seed: 7,
    bgnbd: { r: 0.8, alpha: 60, a: 0.7, b: 4 },
    gammaGamma: { p: 4, q: 5, gamma: 5000 },
    start: Date.UTC(2023, 0, 1),
    end,
  });
  // Every 10th customer a subscriber, so the subscription tables and sBG have data.
  const flags = simulated.flags.slice();
  for (let i = 0; i < simulated.length; i++) {
    if (simulated.customer[i] >= 0 && simulated.customer[i] % 10 === 0) {
      flags[i] |= ORDER_SUBSCRIPTION;
    }
  }
  const orders: OrderTable = { ...simulated, flags };
  const customers = { count: 3000, createdAt: new Float64Array(3000) };
  const asOf = end - DAY;
  const input: SnapshotInput = {
    orders,
    customers,
    timeZone: "UTC",
    currency: "USD",
    asOf,
    settings: settingsWith({ clvHorizonMonths: 24 }),
    npsResponses: [],
    marketingSpend: [],
  };
  const { snapshot, perCustomer } = buildShopSnapshot(input);
  const utc = createCalendar("UTC");
  // Whichever purchase model the holdout chose (which one wins is not this test's concern).
  const used = snapshot.clv.status === "ok" ? snapshot.clv.modelChoice.used : "bgnbd";
  const models = fitClvModels(orders, {
    purchaseModel: used,
    asOf,
    dayOf: utc.dayOf,
    customerCount: 3000,
    horizonMonths: 24,
    annualDiscountRate: 0.1,
    scenarios: SCENARIO_POINTS,
  });

  it("matches fitClvModels and validateHoldout called directly", () => {
    if (snapshot.clv.status !== "ok" || models.status !== "ok") throw new Error("expected ok");
    const clv = snapshot.clv;
    expect(clv.bgnbd.params).toEqual(models.bgnbd.params);
    expect(clv.bgnbd.standardErrors).toEqual(models.bgnbd.standardErrors);
    expect(clv.bgnbd.logLikelihood).toBe(models.bgnbd.logLikelihood);
    expect(clv.gammaGamma?.params).toEqual(models.gammaGamma?.params);
    expect(clv.totals).toEqual(models.predictions.totals);
    expect(clv.horizonMonths).toBe(24);
    expect(clv.scenarios.map((s) => s.points)).toEqual([1, 2, 5]);
    expect(clv.scenarios.map((s) => s.clvGain)).toEqual(models.scenarios.map((s) => s.clvGain));
    expect(clv.scenarios[2].clvGain).toBeGreaterThan(clv.scenarios[0].clvGain);

    const history = buildPurchaseHistory(orders, customers, utc);
    const span = utc.dayOf(asOf) - history.minDay;
    const holdout = validateHoldout(orders, {
      asOf,
      dayOf: utc.dayOf,
      customerCount: 3000,
      holdoutDays: Math.min(182, Math.floor(span / 3)),
    });
    if (holdout.status !== "ok" || clv.holdout.status !== "ok") throw new Error("expected ok");
    expect(clv.holdout).toMatchObject({
      holdoutDays: holdout.holdoutDays,
      mae: holdout.mae,
      rmse: holdout.rmse,
      actualTotal: holdout.actualTotal,
      params: holdout.fit.params,
    });
    expect(clv.holdout.byFrequency).toEqual(holdout.byFrequency);
  });

  it("has distributions over every modelled customer and per-customer predictions", () => {
    if (snapshot.clv.status !== "ok" || models.status !== "ok") throw new Error("expected ok");
    const included = models.predictions.totals.customers;
    const sum = (bins: { customers: number }[]) => bins.reduce((s, b) => s + b.customers, 0);
    expect(sum(snapshot.clv.distributions.clvMinor)).toBe(included);
    expect(sum(snapshot.clv.distributions.pAlive)).toBe(included);
    expect(snapshot.clv.distributions.pAlive).toHaveLength(20);
    expect(snapshot.clv.distributions.pAlive.at(-1)).toMatchObject({ from: 0.95, to: 1 });
    expect(snapshot.clv.distributions.clvMinor.at(-1)?.to).toBeNull();
    const p = models.predictions.perCustomer;
    for (let c = 0; c < 3000; c++) {
      if (p.included[c]) {
        expect(perCustomer.clvMinor[c]).toBe(p.clv[c]);
        expect(perCustomer.pAlive[c]).toBe(p.pAlive[c]);
        expect(perCustomer.expected90[c]).toBe(p.expectedPurchases90[c]);
      } else {
        expect(perCustomer.clvMinor[c]).toBeNaN();
      }
    }
    expect(snapshot.kpis.average_predicted_clv.metric.value).toBeCloseTo(
      models.predictions.totals.clv / included,
      6,
    );
    expect(snapshot.kpis.model_churn_share.metric).toEqual(modelChurnShare(perCustomer.pAlive));
    const rfm = computeRfm(buildPurchaseHistory(orders, customers, utc), {
      asOfDay: utc.dayOf(asOf),
    });
    const summary = summarizeSegments(rfm, {
      predictedClvMinor: perCustomer.clvMinor,
      pAlive: perCustomer.pAlive,
    });
    expect(snapshot.segments.rows.map((r) => r.averagePredictedClvMinor)).toEqual(
      summary.segments.map((s) => s.averagePredictedClvMinor),
    );
  });

  it("checks the holdout on every k-th customer of a large shop", () => {
    const sampled = buildShopSnapshot({ ...input, holdoutSampleCustomers: 1000 }).snapshot.clv;
    if (sampled.status !== "ok" || sampled.holdout.status !== "ok") throw new Error("expected ok");
    expect(sampled.holdout.sampleEvery).toBe(3);
    expect(sampled.holdout.customers).toBeLessThanOrEqual(1000);
    expect(sampled.holdout.customers).toBeGreaterThan(500); // first purchase before the holdout
    expect(sampled.bgnbd).toEqual(snapshot.clv.status === "ok" && snapshot.clv.bgnbd);
    expect(snapshot.clv.status === "ok" && snapshot.clv.holdout).toMatchObject({ sampleEvery: 1 });
  });

  it("fits sBG on the subscription cohorts, or says it is not identified, JSON-exact", () => {
    // These "subscribers" buy like everyone else (BG/NBD), so monthly renewals barely tell
    // them apart: β = 210 ± 1,100 is on the boundary (sBG on heterogeneous subscribers below).
    const sbg = snapshot.continuation.sbg;
    expect(sbg).toMatchObject({ status: "not-identified", code: "boundary", parameter: "β" });
    expect(json(snapshot)).toEqual(snapshot);
  });
});

describe("buildShopSnapshot with fits that are not identified", () => {
  it("Gamma-Gamma on the boundary: the shop's average order value, with the reason", () => {
    // 87 customers: the spend fit runs off to p ≈ 1e7, γ → 0 (test/clv/identification.test.ts).
    const end = Date.UTC(2025, 0, 1) - 1;
    const orders = simulateOrders({
      customers: 87,
      seed: 27,
      bgnbd: { r: 0.8, alpha: 60, a: 0.7, b: 4 },
      gammaGamma: { p: 4, q: 5, gamma: 5000 },
      start: Date.UTC(2023, 0, 1),
      end,
    });
    const { snapshot } = buildShopSnapshot({
      orders,
      customers: { count: 87, createdAt: new Float64Array(87) },
      timeZone: "UTC",
      currency: "USD",
      asOf: end,
      settings: DEFAULT_SETTINGS,
      npsResponses: [],
      marketingSpend: [],
    });
    const clv = snapshot.clv;
    if (clv.status !== "ok") throw new Error(`expected predictions: ${clv.reason}`);
    expect(clv.gammaGamma).toBeNull();
    expect(clv.aovSource).toBe("empirical-mean");
    expect(clv.aovFallback?.code).toMatch(/^(boundary|no-standard-errors)$/);
    expect(clv.aovFallback?.reason).toMatch(/^Gamma-Gamma is not identified/);
    expect(clv.meanAovMinor).toBeGreaterThan(0);
    expect(snapshot.kpis.average_predicted_clv.metric.definition.text).toContain(
      "the shop's mean for order value",
    );
    expect(json(snapshot)).toEqual(snapshot);
  });

  /** Monthly subscription orders (on the 10th, from 2024-01) of cohorts' survivor counts. */
  function subscriptionShop(cohorts: ArrayLike<number>[]): SnapshotInput {
    const rows: { c: number; at: string; net: number; flags: number }[] = [];
    let c = 0;
    cohorts.forEach((alive, k) => {
      for (let i = 0; i < alive[0]; i++, c++) {
        let count = 0; // subscriber i stays for the renewals where more than i are alive
        while (count < alive.length && alive[count] > i) count++;
        for (let t = 0; t < count; t++) {
          const month = String(k + t + 1).padStart(2, "0");
          rows.push({ c, at: `2024-${month}-10T10:00:00Z`, net: 3000, flags: ORDER_SUBSCRIPTION });
        }
      }
    });
    return {
      orders: orderTable(rows),
      customers: { count: c, createdAt: new Float64Array(c) },
      timeZone: "UTC",
      currency: "USD",
      asOf: Date.UTC(2024, 11, 31, 12),
      settings: DEFAULT_SETTINGS,
      npsResponses: [],
      marketingSpend: [],
    };
  }
  /** Cohort k starts in month k + 1 of 2024: 12 − k monthly deliveries up to December. */
  const deliveries = (k: number) => 12 - k;

  it("sBG of subscribers who all churn alike: flagged, no projection", () => {
    // Six monthly cohorts of 20 subscribers; each loses 20 % at every renewal.
    const cohorts = Array.from({ length: 6 }, (_, k) =>
      Array.from({ length: deliveries(k) }, (_, t) => Math.round(20 * 0.8 ** t)),
    );
    const { snapshot } = buildShopSnapshot(subscriptionShop(cohorts));
    const sbg = snapshot.continuation.sbg;
    expect(sbg?.status).toBe("not-identified");
    if (sbg?.status !== "not-identified") return;
    expect(sbg.subscribers).toBe(120);
    expect(sbg.cohorts).toBe(6);
    expect(sbg.code).toMatch(/^(boundary|no-standard-errors)$/);
    expect(sbg.reason).toMatch(/^sBG is not identified/);
    expect(sbg).not.toHaveProperty("survival");
    expect(json(snapshot)).toEqual(snapshot);
  });

  it("sBG of subscribers who churn at different rates: fitted and projected", () => {
    // Fader & Hardie's regular segment (α = 0.7, β = 1.2): six cohorts of 60.
    const rng = new Rng(3);
    const cohorts = Array.from({ length: 6 }, (_, k) =>
      simulateSbgCohort({ alpha: 0.7, beta: 1.2 }, 60, deliveries(k), rng),
    );
    const { snapshot } = buildShopSnapshot(subscriptionShop(cohorts));
    const sbg = snapshot.continuation.sbg;
    expect(sbg?.status).toBe("ok");
    if (sbg?.status !== "ok") return;
    expect(sbg.survival[0]).toBe(1);
    expect(sbg.subscribers).toBe(360);
    expect(sbg.standardErrors).not.toBeNull();
    for (const k of ["alpha", "beta"] as const) {
      expect(sbg.standardErrors![k] / sbg.params[k]).toBeLessThan(1);
    }
    expect(json(snapshot)).toEqual(snapshot);
  });
});
