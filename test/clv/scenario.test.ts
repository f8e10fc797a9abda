/**
 * Churn scenarios with each purchase model (analytics/clv/scenario.ts): "drop-out probability
 * k points lower" for BG/NBD, MBG/NBD and Pareto/NBD, on the CDNOW sample's customers with
 * the published CDNOW estimates (no fit needed: the scenarios only take parameters).
 */
import { describe, expect, it } from "vitest";
import {
  churnReduction,
  churnReductionParams,
  churnReductionScenario,
  expectedAovPerCustomer,
  mbgnbdExpectedPerAlive,
  modelScenarioExpectations,
  paretoChurnReductionParams,
  paretoNbdDropoutPerPurchase,
  paretoNbdExpectedPerAlive,
  PURCHASE_MODELS,
  predictContext,
  predictWithContext,
  purchaseModelScenario,
  summarizeCustomers,
  type ParetoNbdParams,
  type ScenarioModel,
} from "../../app/analytics/clv";
import { CDNOW_CALIBRATION_END, cdnowSampleOrders } from "./cdnow";

/** Published CDNOW estimates (weeks): FHL 2005, Batislam et al. 2007, SMC / FHL. */
const FITTED: readonly ScenarioModel[] = [
  { model: "bgnbd", params: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 } },
  { model: "mbgnbd", params: { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 } },
  { model: "pareto-nbd", params: { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 } },
];
const SPEND = { p: 6.25, q: 3.74, gamma: 1544 };

const summary = summarizeCustomers(cdnowSampleOrders(), {
  asOf: CDNOW_CALIBRATION_END,
  unit: "week",
});
const ctx = predictContext(summary);

/** The model's plain predictions (predictWithContext with its P(alive) and expectations). */
function plainTotals(fitted: ScenarioModel) {
  const model = PURCHASE_MODELS.find((m) => m.name === fitted.model)!;
  const alive = (model.pAliveRows as (p: typeof fitted.params, d: typeof ctx.rows) => Float64Array)(
    fitted.params,
    ctx.rows,
  );
  return predictWithContext(ctx, null, SPEND, {}, alive, modelScenarioExpectations(ctx, fitted, {}))
    .totals;
}

/**
 * r = s = 1: B ~ Uniform(0, 1), so E[B / (B + κ(1−B))] = ∫₀¹ b / (κ + (1−κ)b) db
 * = 1/(1−κ) + κ ln κ / (1−κ)², worked by hand.
 */
const uniformDropout = (kappa: number): number =>
  1 / (1 - kappa) + (kappa * Math.log(kappa)) / (1 - kappa) ** 2;

describe("churn scenarios with each purchase model", () => {
  for (const fitted of FITTED) {
    describe(fitted.model, () => {
      it("0 points is the model's plain prediction", () => {
        const zero = purchaseModelScenario(ctx, fitted, SPEND, 0);
        expect(zero.model).toBe(fitted.model);
        expect(zero.params).toEqual(fitted.params);
        expect(zero.scenarioDropout).toBe(zero.baselineDropout);
        expect(zero.clamped).toBe(false);
        expect(zero.scenario).toEqual(zero.baseline);
        expect(zero.clvGain).toBe(0);
        expect(zero.revenueGain).toBe(0);
        const plain = plainTotals(fitted);
        expect(zero.baseline.customers).toBe(plain.customers);
        expect(zero.baseline.clv).toBeCloseTo(plain.clv, 4);
        expect(zero.baseline.expectedPurchases90).toBeCloseTo(plain.expectedPurchases90, 8);
      });

      it("lowers the drop-out chance by exactly k points, and gains grow with k", () => {
        let previous = purchaseModelScenario(ctx, fitted, SPEND, 0);
        for (const k of [1, 2, 5, 10]) {
          const s = purchaseModelScenario(ctx, fitted, SPEND, k);
          expect(s.clamped).toBe(false);
          expect(s.baselineDropout).toBe(previous.baselineDropout);
          expect(s.scenarioDropout).toBeCloseTo(s.baselineDropout - k / 100, 10);
          expect(s.baseline).toEqual(previous.baseline);
          expect(s.clvGain).toBeGreaterThan(previous.clvGain);
          expect(s.revenueGain).toBeGreaterThan(previous.revenueGain);
          expect(s.scenario.expectedPurchases365).toBeGreaterThan(
            previous.scenario.expectedPurchases365,
          );
          // History is not rewritten: the same customers, only their future changes.
          expect(s.scenario.customers).toBe(s.baseline.customers);
          expect(s.clvGainShare).toBeCloseTo(s.clvGain / s.baseline.clv, 12);
          previous = s;
        }
      });

      it("clamps at 1 % of the baseline drop-out when k points would take it to 0", () => {
        const s = purchaseModelScenario(ctx, fitted, SPEND, 90);
        expect(s.clamped).toBe(true);
        expect(s.scenarioDropout).toBeCloseTo(s.baselineDropout / 100, 10);
        expect(s.clvGain).toBeGreaterThan(purchaseModelScenario(ctx, fitted, SPEND, 10).clvGain);
      });
    });
  }

  it("BG/NBD: the same numbers as churnReductionScenario", () => {
    const bg = FITTED[0];
    if (bg.model !== "bgnbd") throw new Error("BG/NBD first");
    for (const k of [1, 5]) {
      const { model, ...generic } = purchaseModelScenario(ctx, bg, SPEND, k);
      expect(model).toBe("bgnbd");
      expect(generic).toEqual(churnReductionScenario(ctx, bg.params, SPEND, k));
    }
  });

  it("MBG/NBD: the Beta mean falls by k points with a + b fixed; the future follows b + 1", () => {
    const mbg = FITTED[1];
    if (mbg.model !== "mbgnbd") throw new Error("MBG/NBD second");
    const change = churnReduction(mbg, 5);
    const { a, b } = mbg.params;
    expect(change.baselineDropout).toBe(a / (a + b));
    expect(change.params).toEqual(churnReductionParams(mbg.params, 5).params);
    const p = change.params as typeof mbg.params;
    expect(p.a / (p.a + p.b)).toBeCloseTo(a / (a + b) - 0.05, 12);
    expect(p.a + p.b).toBeCloseTo(a + b, 12);
    expect([p.r, p.alpha]).toEqual([mbg.params.r, mbg.params.alpha]);
    // An alive one-time buyer (x = 0, T = 20 weeks) buys more over a year in the scenario.
    expect(mbgnbdExpectedPerAlive(p, 52, 0, 20)).toBeGreaterThan(
      mbgnbdExpectedPerAlive(mbg.params, 52, 0, 20),
    );
  });
});

describe("Pareto/NBD: drop-out per purchase and the lower drop-out rate μ", () => {
  it("E[μ/(λ+μ)] matches the hand-worked uniform case and s/(r+s) at β = α", () => {
    const p = (alpha: number, beta: number): ParetoNbdParams => ({ r: 1, alpha, s: 1, beta });
    expect(paretoNbdDropoutPerPurchase(p(1, 2))).toBeCloseTo(uniformDropout(2), 12); // 0.386294
    expect(paretoNbdDropoutPerPurchase(p(2, 1))).toBeCloseTo(uniformDropout(0.5), 12); // 0.613706
    expect(uniformDropout(2)).toBeCloseTo(-1 + 2 * Math.LN2, 12);
    expect(paretoNbdDropoutPerPurchase(p(5, 5))).toBeCloseTo(0.5, 12);
    expect(paretoNbdDropoutPerPurchase({ r: 0.553, alpha: 7, s: 0.606, beta: 7 })).toBeCloseTo(
      0.606 / (0.553 + 0.606),
      12,
    );
    // Far from κ = 1 on both sides (the series near z = 1): still in (0, 1) and decreasing.
    let last = 1;
    for (const kappa of [1e-4, 0.01, 0.5, 1, 2, 100, 1e4]) {
      const d = paretoNbdDropoutPerPurchase({ r: 0.553, alpha: 1, s: 0.606, beta: kappa });
      expect(d).toBeGreaterThan(0);
      expect(d).toBeLessThan(last);
      last = d;
    }
  });

  it("multiplies every drop-out rate by one factor c < 1 (β/c, s kept) to lose k points", () => {
    const base: ParetoNbdParams = { r: 1, alpha: 1, s: 1, beta: 2 };
    const s = paretoChurnReductionParams(base, 10);
    expect(s.clamped).toBe(false);
    expect(s.rateScale).toBeGreaterThan(0);
    expect(s.rateScale).toBeLessThan(1);
    expect(s.params).toEqual({ r: 1, alpha: 1, s: 1, beta: 2 / s.rateScale });
    // The hand-worked formula at the new κ = β'/α gives the target.
    expect(uniformDropout(s.params.beta)).toBeCloseTo(uniformDropout(2) - 0.1, 12);
    expect(s.scenarioDropout).toBeCloseTo(s.baselineDropout - 0.1, 12);
    // Mean lifetime 1/μ is longer, so an alive customer buys more.
    expect(paretoNbdExpectedPerAlive(s.params, 10, 3, 5)).toBeGreaterThan(
      paretoNbdExpectedPerAlive(base, 10, 3, 5),
    );
    // More points, a smaller factor; 0 points, no change at all.
    expect(paretoChurnReductionParams(base, 20).rateScale).toBeLessThan(s.rateScale);
    const zero = paretoChurnReductionParams(base, 0);
    expect(zero.rateScale).toBe(1);
    expect(zero.params).toBe(base);
    expect(() => paretoChurnReductionParams(base, -1)).toThrow(RangeError);
  });

  it("the shop-level scenario keeps today's P(alive) and Pareto/NBD's own expectations", () => {
    const pnbd = FITTED[2];
    const s = purchaseModelScenario(ctx, pnbd, SPEND, 5);
    if (s.model !== "pareto-nbd") throw new Error("expected Pareto/NBD");
    const changed: ScenarioModel = { model: "pareto-nbd", params: s.params };
    const aov = expectedAovPerCustomer(summary, SPEND).aov;
    const model = PURCHASE_MODELS.find((m) => m.name === "pareto-nbd")!;
    const alive = (model.pAliveRows as (p: ParetoNbdParams, d: typeof ctx.rows) => Float64Array)(
      pnbd.params as ParetoNbdParams,
      ctx.rows,
    );
    // Per customer: today's P(alive) × the changed model's discounted purchases × AOV.
    const pe = modelScenarioExpectations(ctx, changed, {});
    let clv = 0;
    for (let i = 0; i < summary.customerCount; i++) {
      const row = ctx.rows.rowOf[i];
      if (row < 0) continue;
      clv += alive[row] * pe.discounted[ctx.pairs.pairOfRow[row]] * aov[i];
    }
    expect(s.scenario.clv).toBeCloseTo(clv, 3);
    expect(s.params.s).toBe((pnbd.params as ParetoNbdParams).s);
    expect(s.params.beta).toBeCloseTo((pnbd.params as ParetoNbdParams).beta / s.rateScale, 9);
  });
});
