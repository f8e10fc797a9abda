/**
 * The monthly history inside the computed snapshot: where a series point and a dashboard
 * number describe the same period, they are the same number.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createCalendar, formatDay, type MarketingSpend } from "../../app/analytics";
import { parseSummary, summaryOf } from "../../app/metrics/snapshot/codec";
import { buildShopSnapshot } from "../../app/metrics/snapshot/pipeline";
import { settingsSchema } from "../../app/settings";
import { RANDOM_SPAN_DAYS, RANDOM_START_MS, randomShop, tableFromRaw } from "../analytics/shop";

const ZONE = "Asia/Tokyo";
const SPEND: MarketingSpend[] = [
  { month: "2023-09", channel: "ads", amountMinor: 30_000 },
  { month: "2024-05", channel: "ads", amountMinor: 20_000 },
];

describe("snapshot.trends", () => {
  it("last points equal the dashboard's values for the same periods", () => {
    const calendar = createCalendar(ZONE);
    fc.assert(
      fc.property(
        randomShop(30, 120),
        fc.integer({ min: 60, max: RANDOM_SPAN_DAYS + 30 }),
        ({ customers, orders }, asOfOffset) => {
          const asOf = RANDOM_START_MS + asOfOffset * 86_400_000 + 3_600_000;
          // A computed shop has no orders after its as-of day (CAC reads all months).
          const endMs = calendar.dayStartMs(calendar.dayOf(asOf) + 1);
          const { snapshot } = buildShopSnapshot({
            orders: tableFromRaw(orders.filter((o) => o.ms < endMs)),
            customers: { count: customers, createdAt: new Float64Array(customers) },
            timeZone: ZONE,
            currency: "JPY",
            asOf,
            settings: settingsSchema.parse({ minSegmentCustomers: 1 }),
            npsResponses: [],
            marketingSpend: SPEND,
          });
          const trends = snapshot.trends!;
          const series = new Map(trends.series.map((s) => [s.id, s]));
          expect(trends.months).toHaveLength(25);
          expect(trends.months.at(-1)).toBe(snapshot.asOfDate.slice(0, 7));
          // YoY retention: the card's last 12 months are the last point's trailing year.
          const yoy = series.get("yoy_retention")!.points.at(-1)!;
          const card = snapshot.kpis.yoy_retention.metric;
          expect(yoy).toMatchObject({
            start: card.period!.start,
            end: card.period!.end,
            value: card.value,
            numerator: card.numerator,
            denominator: card.denominator,
          });
          expect(yoy.end).toBe(formatDay(calendar.dayOf(asOf)));
          // Monthly churn: the churn card's 12 months are the series' complete months.
          const churn = new Map(series.get("monthly_churn_rate")!.points.map((p) => [p.month, p]));
          for (const m of snapshot.churnByMonth) {
            expect(churn.get(m.month)).toMatchObject({
              value: m.value,
              numerator: m.churned,
              denominator: m.active,
              partial: false,
            });
          }
          // CAC per month as on the CAC page.
          const cac = new Map(series.get("cac")!.points.map((p) => [p.month, p]));
          for (const m of snapshot.cac.months) {
            if (cac.has(m.month)) expect(cac.get(m.month)!.value).toBe(m.cac.value);
          }
          // Historical LTV by cohort as in the cohort table.
          const ltv = new Map(series.get("historical_ltv_6")!.points.map((p) => [p.month, p]));
          for (const row of snapshot.cohorts.rows) {
            const p = ltv.get(row.month);
            if (p === undefined) continue;
            expect(p.value).toBe(row.completeMonths >= 6 ? row.cumulativeNetPerCustomer[5] : null);
          }
          // The summary carries the same values.
          const summary = parseSummary(JSON.stringify(summaryOf(snapshot)))!;
          for (const s of summary.trends!.series) {
            expect(s.values).toEqual(series.get(s.id)!.points.map((p) => p.value));
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
