/**
 * The pipeline's last stage: the KPIs that combine stages (historical and predicted LTV,
 * LTV:CAC, payback), then each page's block (*-block.ts) into the snapshot, checked JSON-safe.
 */
import {
  formatDay,
  lifetimeRange,
  ltvToCac,
  makeMetric,
  metricPeriod,
  modelChurnShare,
  paybackMonths,
} from "../../analytics";
import { predictedLtvByChannel } from "./acquisition-block";
import { predictedLtvByCut } from "./cohort-cuts-block";
import { cacBlock } from "./cac-block";
import { clvBlock } from "./clv-block";
import { cohortsBlock } from "./cohorts-block";
import { continuationBlock } from "./continuation-block";
import { counts, kpiCards } from "./dashboard-block";
import { assertJsonSafe, finiteOrNull } from "./json";
import { migrationBlock } from "./migration-block";
import { npsBlock } from "./nps-block";
import { paretoBlock } from "./pareto-block";
import { gridBlock, segmentsBlock } from "./segments-block";
import type { ClvStage, Context, Descriptive, HoldoutOutcome, SnapshotBuild } from "./stages";
import { SNAPSHOT_VERSION, type ShopSnapshot } from "./types";

export function assemble(
  ctx: Context,
  d: Descriptive,
  clv: ClvStage,
  holdout: HoldoutOutcome,
): Omit<SnapshotBuild, "timingsMs" | "scenariosMs"> {
  const { input, history, asOfDay, rules } = ctx;
  const { settings } = input;
  const margin = settings.grossMarginRatio;
  const lifetime = lifetimeRange(history, asOfDay);

  // Average historical LTV: everything customers have spent so far, per customer.
  let spent = 0;
  for (let c = 0; c < d.rfm.customerCount; c++) spent += d.rfm.monetaryMinor[c];
  const historicalLtv = makeMetric(
    {
      id: "average_historical_ltv",
      name: "Average historical LTV",
      text: "Net revenue after refunds of all purchases (not cancelled, not test) up to the as-of date, divided by the customers who made them.",
      base: "Customers with at least one purchase up to the as-of date",
      unit: "minor",
      params: {},
    },
    spent,
    d.rfm.scoredCount,
    lifetime,
  );
  const models = clv.models;
  const predicted =
    models.status === "ok"
      ? makeMetric(
          {
            id: "average_predicted_clv",
            name: "Average predicted CLV",
            text: `Expected net revenue of each customer's purchases in the next ${models.predictions.horizonMonths} months (${models.purchase.label} for purchases, ${models.predictions.aovSource === "gamma-gamma" ? "Gamma-Gamma" : "the shop's mean"} for order value), discounted at ${+(models.predictions.annualDiscountRate * 100).toFixed(2)} % a year, averaged over customers.`,
            base: "Customers with at least one purchase up to the as-of date",
            unit: "minor",
            params: {
              horizonMonths: models.predictions.horizonMonths,
              annualDiscountRate: models.predictions.annualDiscountRate,
            },
          },
          models.predictions.totals.clv,
          models.predictions.totals.customers,
          null,
        )
      : makeMetric(
          {
            id: "average_predicted_clv",
            name: "Average predicted CLV",
            text: `Expected net revenue of each customer's purchases in the next ${settings.clvHorizonMonths} months from the BG/NBD and Gamma-Gamma models. Not available: ${models.reason}.`,
            base: "Customers with at least one purchase up to the as-of date",
            unit: "minor",
            params: { horizonMonths: settings.clvHorizonMonths },
          },
          0,
          0,
          null,
          null,
        );

  // LTV:CAC and payback use the historical curve: 12 months after the first purchase when
  // the shop has them, else as many complete months as it has.
  const curve = d.ltvCurve.cumulativeNetPerCustomer;
  const ltvMonths = Math.min(12, curve.length);
  const ltv = ltvMonths > 0 ? curve[ltvMonths - 1] : null;
  const cac = d.cacLast12.total.value;
  const ltvCac = ltvToCac(ltv ?? 0, ltv === null || cac === null ? NaN : cac, {
    ltvSource: `historical net revenue per customer in the first ${ltvMonths || 12} months from the first-purchase month`,
    grossMarginRatio: margin,
  });
  const payback = paybackMonths(d.ltvCurve, cac ?? NaN, { grossMarginRatio: margin });

  const kpis = kpiCards(
    {
      repeat_rate: d.repeat,
      second_purchase_survival: d.secondDelivery,
      f2_conversion: d.f2,
      monthly_churn_rate: d.churn.average,
      model_churn_share: modelChurnShare(clv.pAlive),
      yoy_retention: d.yoy.retention,
      nps: d.npsLast12,
      average_historical_ltv: historicalLtv,
      average_predicted_clv: predicted,
      cac: d.cacLast12.total,
      ltv_cac_ratio: ltvCac,
      payback_months: payback,
    },
    settings,
    input.previous ?? null,
  );

  const { block: segments, names } = segmentsBlock(ctx, d.rfm, clv);
  const subscriptionCustomers = d.subscription.total?.size ?? 0;
  const snapshot: ShopSnapshot = {
    version: SNAPSHOT_VERSION,
    currency: input.currency,
    timeZone: ctx.calendar.timeZone,
    asOf: input.asOf,
    asOfDate: formatDay(asOfDay),
    computedAt: input.computedAt ?? input.asOf,
    previousComputedAt: input.previous?.computedAt ?? null,
    last12Months: metricPeriod(ctx.last12),
    parameters: {
      churnInactivityDays: settings.churnInactivityDays,
      f2WindowDays: settings.f2WindowDays,
      subscriptionWindowDays: settings.subscriptionWindowDays,
      grossMarginRatio: margin,
      clvHorizonMonths: settings.clvHorizonMonths,
      annualDiscountRate: settings.annualDiscountRate,
    },
    counts: counts(ctx, subscriptionCustomers),
    kpis,
    churnByMonth: d.churn.months.map((m) => ({
      month: m.period === null ? "" : m.period.start.slice(0, 7),
      value: finiteOrNull(m.value),
      churned: m.numerator,
      active: m.denominator,
    })),
    segments,
    grid: gridBlock(d.grid, rules),
    cohorts: cohortsBlock(d.cohorts, d.ltvCurve),
    migration: migrationBlock(d.yoy, d.segmentMigration),
    continuation: continuationBlock(d, subscriptionCustomers),
    pareto: paretoBlock(d.pareto),
    nps: npsBlock(ctx, d, names),
    cac: cacBlock(d.cacAll, input.channels !== undefined),
    clv: clvBlock(ctx, clv, holdout),
    trends: d.trends,
    ...(d.acquisition === null
      ? {}
      : {
          acquisition: {
            ...d.acquisition.acquisition,
            ...(models.status === "ok"
              ? {
                  predictedLtv: predictedLtvByChannel(
                    d.acquisition,
                    clv.clv,
                    models.predictions.horizonMonths,
                  ),
                }
              : {}),
          },
          entryProducts: d.acquisition.entryProducts,
        }),
    cohortCuts:
      models.status === "ok"
        ? {
            ...d.cohortCuts.block,
            predictedLtv: predictedLtvByCut(
              d.cohortCuts,
              history,
              clv.clv,
              models.predictions.horizonMonths,
            ),
          }
        : d.cohortCuts.block,
  };
  assertJsonSafe(snapshot);

  return {
    snapshot,
    perCustomer: {
      count: d.rfm.customerCount,
      segmentIds: rules.map((r) => r.id),
      segment: d.rfm.segment,
      r: d.rfm.r,
      f: d.rfm.f,
      m: d.rfm.m,
      recencyDays: d.rfm.recencyDays,
      frequency: d.rfm.frequency,
      monetaryMinor: d.rfm.monetaryMinor,
      pAlive: clv.pAlive,
      expected90: clv.expected90,
      clvMinor: clv.clv,
    },
  };
}
