import { describe, expect, it } from "vitest";
import {
  bgnbdPAlive,
  compressFrequencyData,
  fitBgNbd,
  fitMbgNbd,
  hyp2f1,
  mbgnbdConditionalExpected,
  mbgnbdLogLikelihood,
  mbgnbdLogLikelihoodGradient,
  mbgnbdLogLikelihoodHessian,
  mbgnbdPAlive,
  mbgnbdUnconditionalExpected,
  type MbgNbdParams,
} from "../../app/analytics/clv";
import { simulateMbgNbd } from "../../app/analytics/clv/simulate";
import { lnBeta, lnGamma } from "../../app/analytics/clv/special";
import { cdnowFrequencySummary } from "./cdnow";

const rel = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);
const KEYS = ["r", "alpha", "a", "b"] as const;

/** Batislam et al. (2007) eq. 5, one customer at a time, straight from the paper. */
function paperLogLikelihood(p: MbgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = p;
  const common =
    lnGamma(r + x) - lnGamma(r) + r * Math.log(alpha) + lnBeta(a, b + x + 1) - lnBeta(a, b);
  const alive = Math.pow(alpha + T, -(r + x));
  const dead = (a / (b + x)) * Math.pow(alpha + tx, -(r + x));
  return common + Math.log(alive + dead);
}

/** Batislam et al. eq. 7 in its closed form, through the general 2F1 (hyp2f1.ts). */
function paperConditionalExpected(p: MbgNbdParams, t: number, x: number, tx: number, T: number) {
  const { r, alpha, a, b } = p;
  const z = t / (alpha + T + t);
  const bracket =
    1 - Math.pow((alpha + T) / (alpha + T + t), r + x) * hyp2f1(r + x, b + x + 1, a + b + x, z);
  const alive = 1 + (a / (b + x)) * Math.pow((alpha + T) / (alpha + tx), r + x);
  return (((a + b + x) / (a - 1)) * bracket) / alive;
}

describe("MBG/NBD on CDNOW (calibration: 39 weeks, 2357 customers)", () => {
  const data = cdnowFrequencySummary();
  const fit = fitMbgNbd(data);

  // BTYDplus's MBG/NBD estimates on the same data, as lifetimes pins them in
  // tests/test_estimation.py (TestModifiedBetaGammaFitter.test_params_out_is_close_to_BTYDplus):
  // r = 0.525, α = 6.183, a = 0.891, b = 1.614.
  it("estimates r = 0.525, α = 6.183, a = 0.891, b = 1.614 (BTYDplus, lifetimes' test values)", () => {
    expect(fit.convergence.converged).toBe(true);
    expect(fit.params.r).toBeCloseTo(0.525, 3);
    expect(fit.params.alpha).toBeCloseTo(6.183, 3);
    expect(fit.params.a).toBeCloseTo(0.891, 3);
    expect(fit.params.b).toBeCloseTo(1.614, 3);
    expect(fit.customers).toBe(2357);
  });

  it("reports the paper's log-likelihood, summed customer by customer", () => {
    let ll = 0;
    for (let i = 0; i < data.length; i++) {
      ll += paperLogLikelihood(fit.params, data.x[i], data.tx[i], data.T[i]);
    }
    expect(fit.logLikelihood).toBeCloseTo(ll, 6);
    // BG/NBD's is −9582.43 (FHL 2005): the extra drop-out barely changes the fit on CDNOW.
    expect(fit.logLikelihood).toBeCloseTo(-9582.13, 2);
  });

  it("has finite standard errors, all well below their parameters", () => {
    const se = fit.standardErrors;
    expect(se).not.toBeNull();
    for (const k of KEYS) {
      expect(Number.isFinite(se![k])).toBe(true);
      expect(se![k] / fit.params[k]).toBeLessThan(0.4);
    }
  });

  it("fits the compressed rows to the same optimum", () => {
    const rows = compressFrequencyData(data);
    const compressed = fitMbgNbd(rows);
    for (const k of KEYS) expect(rel(compressed.params[k], fit.params[k])).toBeLessThan(1e-6);
    expect(compressed.logLikelihood).toBeCloseTo(fit.logLikelihood, 8);
  });

  it("has an analytic gradient and Hessian that match finite differences", () => {
    const points: MbgNbdParams[] = [
      { r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 },
      { r: 0.9, alpha: 12, a: 1.7, b: 0.6 },
      { r: 0.05, alpha: 0.8, a: 0.2, b: 9 },
    ];
    for (const p of points) {
      const g = mbgnbdLogLikelihoodGradient(p, data);
      const H = mbgnbdLogLikelihoodHessian(p, data);
      KEYS.forEach((k, i) => {
        const h = 1e-5 * p[k];
        const up = { ...p, [k]: p[k] + h };
        const down = { ...p, [k]: p[k] - h };
        const numeric = (mbgnbdLogLikelihood(up, data) - mbgnbdLogLikelihood(down, data)) / (2 * h);
        expect(Math.abs(g[i] - numeric)).toBeLessThan(1e-3 + 1e-6 * Math.abs(numeric));
        const gUp = mbgnbdLogLikelihoodGradient(up, data);
        const gDown = mbgnbdLogLikelihoodGradient(down, data);
        for (let j = 0; j < 4; j++) {
          const numericH = (gUp[j] - gDown[j]) / (2 * h);
          expect(Math.abs(H[j * 4 + i] - numericH)).toBeLessThan(1e-3 + 1e-6 * Math.abs(numericH));
        }
      });
    }
  });

  it("gives one-time buyers a P(alive) below 1 that falls with time since the purchase", () => {
    const p = fit.params;
    const bg = fitBgNbd(data).params;
    let previous = 1;
    for (const T of [0, 1, 10, 39, 78]) {
      const pa = mbgnbdPAlive(p, 0, 0, T);
      // 1 / (1 + a/b · ((α+T)/α)^r): alive after the first purchase with odds b : a at T = 0.
      const closed = 1 / (1 + (p.a / p.b) * Math.pow((p.alpha + T) / p.alpha, p.r));
      expect(rel(pa, closed)).toBeLessThan(1e-14);
      expect(pa).toBeLessThan(previous);
      previous = pa;
      // BG/NBD fixes the same customer's P(alive) at 1.
      expect(bgnbdPAlive(bg, 0, 0, T)).toBe(1);
    }
    // A CDNOW customer who bought once 39 weeks ago is more likely gone than alive.
    expect(mbgnbdPAlive(p, 0, 0, 39)).toBeLessThan(0.5);
    // lifetimes: conditional_probability_alive(0, 1, 1) < 1 for the MBG/NBD fit.
    expect(mbgnbdPAlive(p, 0, 1, 1)).toBeLessThan(1);
  });

  it("conditional and unconditional expectations agree with the paper's 2F1 closed forms", () => {
    const p = fit.params;
    const customers: [number, number, number, number][] = [
      [39, 2, 30.43, 38.86],
      [39, 0, 0, 38.86],
      [52, 0, 0, 5],
      [52, 7, 35, 39],
      [10, 1, 2, 30],
    ];
    for (const [t, x, tx, T] of customers) {
      const want = paperConditionalExpected(p, t, x, tx, T);
      expect(rel(mbgnbdConditionalExpected(p, t, x, tx, T), want)).toBeLessThan(1e-10);
    }
    // lifetimes checks the FHL customer (x = 2, t_x = 30.43, T = 38.86) within 0.05 of 1.226.
    expect(Math.abs(mbgnbdConditionalExpected(p, 39, 2, 30.43, 38.86) - 1.226)).toBeLessThan(0.05);
    for (const t of [0.1429, 1, 3, 31.8571, 78]) {
      const closed =
        (p.b / (p.a - 1)) *
        (1 -
          Math.pow(p.alpha / (p.alpha + t), p.r) *
            hyp2f1(p.r, p.b + 1, p.a + p.b, t / (p.alpha + t)));
      expect(rel(mbgnbdUnconditionalExpected(p, t), closed)).toBeLessThan(1e-10);
    }
  });
});

describe("MBG/NBD recovers the parameters of data simulated from it", () => {
  it("100k customers: every estimate within 3 standard errors; BG/NBD fits the data worse", () => {
    const truth: MbgNbdParams = { r: 0.5, alpha: 6, a: 0.9, b: 1.6 };
    const sim = simulateMbgNbd(truth, { customers: 100_000, seed: 20250611, minT: 1, maxT: 78 });
    const fit = fitMbgNbd(sim);
    expect(fit.convergence.converged).toBe(true);
    const se = fit.standardErrors;
    if (se === null) throw new Error("no standard errors");
    for (const k of KEYS) {
      expect(Math.abs(fit.params[k] - truth[k]) / se[k]).toBeLessThan(3);
      expect(se[k] / truth[k]).toBeLessThan(0.15);
    }
    // A third of these customers leave right after their first purchase, which BG/NBD cannot say.
    expect(fitBgNbd(sim).logLikelihood).toBeLessThan(fit.logLikelihood - 10);
  });

  it("predicts holdout purchases of simulated customers without bias", () => {
    const truth: MbgNbdParams = { r: 0.5, alpha: 6, a: 0.9, b: 1.6 };
    const sim = simulateMbgNbd(truth, {
      customers: 50_000,
      seed: 77,
      minT: 1,
      maxT: 39,
      holdout: 39,
    });
    let predicted = 0;
    let actual = 0;
    for (let i = 0; i < sim.length; i++) {
      predicted += mbgnbdConditionalExpected(truth, 39, sim.x[i], sim.tx[i], sim.T[i]);
      actual += sim.holdoutX[i];
    }
    expect(Math.abs(predicted / actual - 1)).toBeLessThan(0.03);
  });

  it("refuses shops where nobody bought twice (no maximum)", () => {
    const zeros = { length: 3, x: [0, 0, 0], tx: [0, 0, 0], T: [5, 10, 20] };
    expect(() => fitMbgNbd(zeros)).toThrow(/MBG\/NBD needs repeat purchases/);
  });
});
