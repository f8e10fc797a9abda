import { describe, expect, it } from "vitest";
import {
  BGNBD_MODEL,
  drawParameters,
  fitBgNbd,
  fitClvModels,
  horizonNodes,
  predictionIntervals,
  predictContext,
  predictWithContext,
  quantileSorted,
  summarizeCustomers,
  type ClvModels,
  type PredictionIntervals,
} from "../../app/analytics/clv";
import { cholesky } from "../../app/analytics/clv/optimize";
import { Rng } from "../../app/analytics/random";
import { simulateOrders } from "../../app/analytics/clv/simulate";

const DAY = 86_400_000;
const START = Date.UTC(2023, 0, 1);
const END = Date.UTC(2025, 0, 1);
const TRUTH = {
  bgnbd: { r: 0.8, alpha: 60, a: 0.7, b: 4 },
  gammaGamma: { p: 4, q: 5, gamma: 5000 },
};

function ok(result: ReturnType<typeof fitClvModels>): ClvModels {
  if (result.status !== "ok") throw new Error(`expected a fit, got ${result.reason}`);
  return result;
}

function okIntervals(models: ClvModels): PredictionIntervals {
  const iv = models.intervals;
  if (iv === null || iv.status !== "ok") throw new Error(`no intervals: ${JSON.stringify(iv)}`);
  return iv;
}

describe("interval math", () => {
  it("factors a covariance: L Lᵀ = A, and refuses a matrix that is not positive definite", () => {
    const A = [4, 2, 0.4, 2, 3, 0.2, 0.4, 0.2, 1];
    const L = cholesky(A, 3)!;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let sum = 0;
        for (let k = 0; k < 3; k++) sum += L[i * 3 + k] * L[j * 3 + k];
        expect(sum).toBeCloseTo(A[i * 3 + j], 12);
      }
    }
    expect(cholesky([1, 2, 2, 1], 2)).toBeNull();
  });

  it("draws log-parameters whose mean and covariance are the estimate's", () => {
    const params = { r: 0.5, alpha: 10 };
    const cov = [0.04, 0.018, 0.018, 0.09];
    const n = 20_000;
    const draws = drawParameters(params, cov, n, new Rng(11))!;
    const logs = draws.map((d) => [Math.log(d.r), Math.log(d.alpha)]);
    const mean = [0, 1].map((i) => logs.reduce((s, l) => s + l[i], 0) / n);
    expect(mean[0]).toBeCloseTo(Math.log(0.5), 2);
    expect(mean[1]).toBeCloseTo(Math.log(10), 2);
    const c = (i: number, j: number) =>
      logs.reduce((s, l) => s + (l[i] - mean[i]) * (l[j] - mean[j]), 0) / (n - 1);
    expect(c(0, 0)).toBeCloseTo(0.04, 2);
    expect(c(0, 1)).toBeCloseTo(0.018, 2);
    expect(c(1, 1)).toBeCloseTo(0.09, 2);
    // Seeded: the same draws again.
    expect(drawParameters(params, cov, 3, new Rng(11))).toEqual(draws.slice(0, 3));
    expect(drawParameters(params, null, 3, new Rng(11))).toBeNull();
    expect(drawParameters(params, [1, 0, 0, -1], 3, new Rng(11))).toBeNull();
  });

  it("never draws farther than 6 standard deviations (Mahalanobis) from the estimate", () => {
    // A wide, strongly correlated covariance (SE of ln θ = 20), as near a fit's boundary.
    const params = { a: 8e4, b: 1e6 };
    const cov = [20 ** 2, 0.99 * 20 ** 2, 0.99 * 20 ** 2, 20 ** 2];
    const draws = drawParameters(params, cov, 2000, new Rng(3))!;
    const L = cholesky(cov, 2)!;
    for (const d of draws) {
      const u0 = Math.log(d.a / params.a);
      const u1 = Math.log(d.b / params.b);
      const z0 = u0 / L[0];
      const z1 = (u1 - L[2] * z0) / L[3];
      expect(z0 * z0 + z1 * z1).toBeLessThanOrEqual(36 + 1e-9);
    }
  });

  it("evaluates the horizon at every month up to six, then at six months denser early", () => {
    expect(Array.from(horizonNodes(4, 6))).toEqual([1, 2, 3, 4]);
    expect(Array.from(horizonNodes(12, 6))).toEqual([1, 2, 3, 6, 9, 12]);
    expect(Array.from(horizonNodes(36, 6))).toEqual([1, 4, 9, 16, 25, 36]);
    expect(Array.from(horizonNodes(7, 6))).toEqual([1, 2, 3, 4, 5, 7]);
    expect(Array.from(horizonNodes(36, Infinity))).toEqual(
      Array.from({ length: 36 }, (_, i) => i + 1),
    );
  });

  it("interpolates quantiles between order statistics", () => {
    const sorted = Float64Array.from([1, 2, 3, 4, 5]);
    expect(quantileSorted(sorted, 0)).toBe(1);
    expect(quantileSorted(sorted, 1)).toBe(5);
    expect(quantileSorted(sorted, 0.5)).toBe(3);
    expect(quantileSorted(sorted, 0.125)).toBe(1.5);
  });
});

describe("prediction intervals of a simulated shop", () => {
  const customers = 3_000;
  const orders = simulateOrders({ customers, seed: 5, ...TRUTH, start: START, end: END });
  const groupCount = 4;
  const groupOf = new Uint8Array(customers);
  for (let i = 0; i < customers; i++) groupOf[i] = i % 5; // group 4 is left out
  const run = (sampleSize: number) =>
    ok(
      fitClvModels(orders, {
        asOf: END - DAY,
        scenarios: [1, 5],
        intervals: { groupOf, groupCount, sampleSize },
      }),
    );
  const sampled = run(64);
  const exact = run(Infinity);

  it("is around the point predictions, per group and for the shop", () => {
    const iv = okIntervals(sampled);
    expect(iv.level).toBe(0.95);
    expect(iv.sampledCustomers).toBeLessThan(iv.shop.customers);
    let e90 = 0;
    let clv = 0;
    let counted = 0;
    for (const g of iv.groups) {
      for (const v of [g.expectedPurchases90, g.clv]) {
        expect(v.lower).toBeLessThan(v.estimate);
        expect(v.upper).toBeGreaterThan(v.estimate);
      }
      e90 += g.expectedPurchases90.estimate;
      clv += g.clv.estimate;
      counted += g.customers;
    }
    // Customers of group 4 are not in any group, so the groups' sums are 4/5 of the shop's.
    const p = sampled.predictions.perCustomer;
    let e90Kept = 0;
    let clvKept = 0;
    for (let i = 0; i < customers; i++) {
      if (p.included[i] === 0 || groupOf[i] >= groupCount) continue;
      e90Kept += p.expectedPurchases90[i];
      clvKept += p.clv[i];
    }
    expect(e90).toBeCloseTo(e90Kept, 6);
    expect(clv / clvKept).toBeCloseTo(1, 12);
    expect(iv.shop.customers).toBe(counted);
    expect(iv.shop.expectedPurchases90.estimate).toBeCloseTo(e90, 6);
    expect(iv.shop.expectedPurchases90.lower).toBeLessThan(e90);
    expect(iv.shop.expectedPurchases90.upper).toBeGreaterThan(e90);
  });

  it("gives the scenarios' gains intervals around their point gains", () => {
    const iv = okIntervals(sampled);
    expect(iv.scenarios).toHaveLength(2);
    iv.scenarios!.forEach((s, j) => {
      const point = sampled.scenarios[j];
      expect(s.points).toBe(point.points);
      expect(s.clvGain.estimate).toBe(point.clvGain);
      expect(s.clvGain.lower).toBeLessThan(point.clvGain);
      expect(s.clvGain.upper).toBeGreaterThan(point.clvGain);
      expect(s.revenueGain.lower).toBeLessThan(point.revenueGain);
      expect(s.revenueGain.upper).toBeGreaterThan(point.revenueGain);
    });
  });

  it.each(["mbgnbd", "pareto-nbd"] as const)(
    "gives the scenarios of %s, the model used, ranges from its own draws",
    (purchaseModel) => {
      const m = ok(
        fitClvModels(orders, {
          asOf: END - DAY,
          purchaseModel,
          scenarios: [1, 5],
          intervals: { groupOf, groupCount, sampleSize: 64 },
        }),
      );
      expect(m.purchase.model).toBe(purchaseModel);
      const iv = okIntervals(m);
      expect(iv.scenarios).toHaveLength(2);
      iv.scenarios!.forEach((s, j) => {
        const point = m.scenarios[j];
        expect(point.model).toBe(purchaseModel);
        expect(s.clvGain.estimate).toBe(point.clvGain);
        expect(s.clvGain.lower).toBeLessThan(point.clvGain);
        expect(s.clvGain.upper).toBeGreaterThan(point.clvGain);
        expect(s.revenueGain.lower).toBeLessThan(point.revenueGain);
        expect(s.revenueGain.upper).toBeGreaterThan(point.revenueGain);
      });
    },
  );

  it("a sample of customers puts the ends near where all customers do", () => {
    const a = okIntervals(sampled);
    const b = okIntervals(exact);
    expect(b.sampledCustomers).toBe(b.shop.customers);
    // Share of the exhaustive half-width: a tenth for the shop (64 customers), 0.4 for a
    // group (16 of about 600).
    const close = (
      x: { estimate: number; lower: number; upper: number },
      y: typeof x,
      share: number,
    ) => {
      expect(x.estimate / y.estimate).toBeCloseTo(1, 9);
      const half = (y.upper - y.lower) / 2;
      expect(Math.abs(x.lower - y.lower)).toBeLessThan(share * half);
      expect(Math.abs(x.upper - y.upper)).toBeLessThan(share * half);
    };
    close(a.shop.expectedPurchases90, b.shop.expectedPurchases90, 0.1);
    close(a.shop.clv, b.shop.clv, 0.1);
    a.groups.forEach((g, k) => {
      close(g.expectedPurchases90, b.groups[k].expectedPurchases90, 0.4);
      close(g.clv, b.groups[k].clv, 0.4);
    });
    a.scenarios!.forEach((s, j) => close(s.clvGain, b.scenarios![j].clvGain, 0.1));
  });

  it("evaluating six months of a 36-month horizon puts the ends where every month does", () => {
    const at = (horizonNodes: number) =>
      okIntervals(
        ok(
          fitClvModels(orders, {
            asOf: END - DAY,
            horizonMonths: 36,
            scenarios: [5],
            intervals: { groupOf, groupCount, sampleSize: 64, horizonNodes },
          }),
        ),
      );
    const nodes = at(6);
    const months = at(Infinity);
    const close = (x: { estimate: number; lower: number; upper: number }, y: typeof x) => {
      expect(x.estimate).toBe(y.estimate);
      const half = (y.upper - y.lower) / 2;
      expect(Math.abs(x.lower - y.lower)).toBeLessThan(0.02 * half);
      expect(Math.abs(x.upper - y.upper)).toBeLessThan(0.02 * half);
    };
    close(nodes.shop.clv, months.shop.clv);
    nodes.groups.forEach((g, k) => close(g.clv, months.groups[k].clv));
    close(nodes.scenarios![0].clvGain, months.scenarios![0].clvGain);
    close(nodes.scenarios![0].revenueGain, months.scenarios![0].revenueGain);
    // 90-day purchases are evaluated at 90 days either way.
    expect(nodes.shop.expectedPurchases90).toEqual(months.shop.expectedPurchases90);
  });

  it("is deterministic for a seed and narrows as the shop grows", () => {
    expect(okIntervals(run(64))).toEqual(okIntervals(sampled));
    const small = ok(
      fitClvModels(simulateOrders({ customers: 600, seed: 5, ...TRUTH, start: START, end: END }), {
        asOf: END - DAY,
        intervals: { groupOf, groupCount, sampleSize: 64 },
      }),
    );
    const width = (m: ClvModels) => {
      const v = okIntervals(m).shop.expectedPurchases90;
      return (v.upper - v.lower) / v.estimate;
    };
    expect(width(small)).toBeGreaterThan(1.5 * width(sampled));
  });

  it("has no intervals without a covariance, and says why", () => {
    const summary = summarizeCustomers(orders, { asOf: END - DAY });
    const ctx = predictContext(summary);
    const predictions = predictWithContext(ctx, sampled.bgnbd.params, null);
    const input = {
      ctx,
      predictions,
      groupOf,
      groupCount,
      purchase: { model: BGNBD_MODEL, params: sampled.bgnbd.params, logCovariance: null },
      spend: null,
    };
    expect(predictionIntervals(input)).toBeNull();
    expect(() => predictionIntervals(input, { level: 1 })).toThrow(RangeError);
  });
});

/**
 * Coverage. "True value": the shop's expected purchases in the next 90 days under the true
 * parameters, for the simulated customers' own histories (Σ_i E[Y_i(90) | x_i, t_x,i, T_i;
 * θ_true]) — what the intervals claim to cover (parameter uncertainty, not the Poisson noise of
 * future purchases). Each seed is a new shop of 1,500 customers simulated from θ_true, fitted,
 * and its intervals checked. 200 shops: the count inside a 95 % interval is Binomial(200, 0.95)
 * if the intervals are right — mean 190, sd 3.1 — so 181…199 holds with 99.6 %; an 80 %
 * interval, Binomial(200, 0.8), mean 160, sd 5.7: 145…175 holds with 99.4 %. The second
 * band also fails intervals that are too wide.
 */
describe("interval coverage on simulated shops", () => {
  it("covers the true expected purchases about as often as the level says", () => {
    const shops = 200;
    let inside95 = 0;
    let inside80 = 0;
    const customers = 1500;
    const groupOf = new Uint8Array(customers);
    const asOf = END - DAY;
    for (let seed = 1; seed <= shops; seed++) {
      const orders = simulateOrders({
        customers,
        seed: 1000 + seed,
        ...TRUTH,
        start: START,
        end: END,
        cancelledShare: 0,
        guestShare: 0,
      });
      const summary = summarizeCustomers(orders, { asOf });
      const ctx = predictContext(summary);
      const fit = fitBgNbd(ctx.rows);
      // E[Y(90 days)] does not depend on the CLV horizon: one month keeps the draws cheap.
      const horizon = { horizonMonths: 1 };
      const predictions = predictWithContext(ctx, fit.params, null, horizon);
      const truth = predictWithContext(ctx, TRUTH.bgnbd, null, horizon).totals.expectedPurchases90;
      const input = {
        ctx,
        predictions,
        groupOf,
        groupCount: 1,
        purchase: { model: BGNBD_MODEL, params: fit.params, logCovariance: fit.logCovariance },
        spend: null,
      };
      const shop = (level: number) =>
        predictionIntervals(input, { ...horizon, level, seed, sampleSize: 32 })!.shop
          .expectedPurchases90;
      const v95 = shop(0.95);
      expect(v95.estimate / predictions.totals.expectedPurchases90).toBeCloseTo(1, 12);
      if (v95.lower <= truth && truth <= v95.upper) inside95++;
      const v80 = shop(0.8);
      if (v80.lower <= truth && truth <= v80.upper) inside80++;
    }
    expect(inside95).toBeGreaterThanOrEqual(181);
    expect(inside95).toBeLessThanOrEqual(199);
    expect(inside80).toBeGreaterThanOrEqual(145);
    expect(inside80).toBeLessThanOrEqual(175);
  }, 60_000);
});
