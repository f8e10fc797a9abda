import { describe, expect, it } from "vitest";
import {
  fitGammaGamma,
  gammaGammaExpectedSpend,
  gammaGammaLogLikelihood,
  gammaGammaPopulationMean,
  type GammaGammaParams,
} from "../../app/analytics/clv";
import { simulateBgNbd, simulateGammaGamma } from "../../app/analytics/clv/simulate";
import { cdnowSummary } from "./cdnow";

const rel = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);

describe("Gamma-Gamma reproduces Fader, Hardie & Lee (2005, 'RFM and CLV') on CDNOW", () => {
  const data = cdnowSummary();
  const fit = fitGammaGamma(data);

  it("fits the 946 repeat buyers: p = 6.25, q = 3.74, γ = 15.44", () => {
    expect(fit.customers).toBe(946);
    expect(fit.convergence.converged).toBe(true);
    expect(Math.abs(fit.params.p - 6.25)).toBeLessThan(0.01);
    expect(Math.abs(fit.params.q - 3.74)).toBeLessThan(0.01);
    expect(Math.abs(fit.params.gamma - 15.44)).toBeLessThan(0.02);
  });

  it("is at least as likely as the published rounding and lifetimes' estimates (6.2502, 3.7444, 15.4472)", () => {
    const ours = gammaGammaLogLikelihood(fit.params, data);
    expect(ours).toBeCloseTo(fit.logLikelihood, 8);
    for (const p of [
      { p: 6.25, q: 3.74, gamma: 15.44 },
      { p: 6.2502, q: 3.7444, gamma: 15.4472 },
    ]) {
      expect(ours).toBeGreaterThanOrEqual(gammaGammaLogLikelihood(p, data) - 1e-9);
    }
  });

  it("standard errors from the analytic Hessian (numerical Hessian: 1.1897, 0.2902, 4.160)", () => {
    expect(fit.standardErrors?.p).toBeCloseTo(1.1897, 3);
    expect(fit.standardErrors?.q).toBeCloseTo(0.2902, 3);
    expect(fit.standardErrors?.gamma).toBeCloseTo(4.16, 2);
  });

  it("has a population mean pγ/(q−1) ≈ $35", () => {
    expect(gammaGammaPopulationMean(fit.params)).toBeCloseTo((6.2488 * 15.4477) / 2.7446, 1);
  });

  it("does not depend on the currency unit: cents scale γ by 100 and shift LL by −n·ln 100", () => {
    const cents = fitGammaGamma({ ...data, zbar: data.zbar.map((v) => v * 100) });
    expect(rel(cents.params.p, fit.params.p)).toBeLessThan(1e-6);
    expect(rel(cents.params.gamma, fit.params.gamma * 100)).toBeLessThan(1e-6);
    expect(cents.logLikelihood).toBeCloseTo(fit.logLikelihood - 946 * Math.log(100), 6);
  });

  it("expected spend is the credibility-weighted mean p(γ + x·zbar)/(px + q − 1)", () => {
    const p: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 };
    const e = gammaGammaExpectedSpend(p, 2, 22.35);
    expect(e).toBeCloseTo((6.25 * (15.44 + 2 * 22.35)) / (2 * 6.25 + 3.74 - 1), 12);
    // Between the population mean and the customer's own mean.
    const population = gammaGammaPopulationMean(p) ?? NaN;
    expect(e).toBeGreaterThan(Math.min(population, 22.35));
    expect(e).toBeLessThan(Math.max(population, 22.35));
    expect(gammaGammaExpectedSpend(p, 0, 0)).toBeCloseTo(population, 12);
    // Heavy buyers are trusted: the estimate approaches their own mean.
    expect(gammaGammaExpectedSpend(p, 10_000, 22.35)).toBeCloseTo(22.35, 2);
  });
});

describe("Gamma-Gamma recovers simulated parameters", () => {
  it("100k customers: p, q, γ within 3 standard errors", () => {
    const truth: GammaGammaParams = { p: 6, q: 4, gamma: 15 };
    const frequencies = simulateBgNbd(
      { r: 0.8, alpha: 4, a: 0.8, b: 2.5 },
      { customers: 100_000, seed: 3, minT: 10, maxT: 80 },
    );
    const zbar = simulateGammaGamma(truth, frequencies.x, 11);
    const data = { length: frequencies.length, x: frequencies.x, zbar };
    const fit = fitGammaGamma(data);
    const se = fit.standardErrors;
    if (se === null) throw new Error("no standard errors");
    expect(fit.customers).toBeGreaterThan(30_000);
    for (const k of ["p", "q", "gamma"] as const) {
      expect(Math.abs(fit.params[k] - truth[k]) / se[k]).toBeLessThan(3);
    }
    // The subsample + Newton path used for big shops lands on the same optimum.
    const warm = fitGammaGamma(data, { warmStart: true });
    expect(warm.convergence.message).toMatch(/Newton/);
    for (const k of ["p", "q", "gamma"] as const)
      expect(rel(warm.params[k], fit.params[k])).toBeLessThan(1e-5);
  });
});

describe("Gamma-Gamma edge cases", () => {
  it("ignores x = 0 and refunded (zbar ≤ 0) rows, and refuses data without usable rows", () => {
    const fit = fitGammaGamma({ length: 6, x: [0, 1, 2, 3, 4, 2], zbar: [0, 10, 12, 9, -5, 0] });
    expect(fit.customers).toBe(3);
    expect(() => fitGammaGamma({ length: 2, x: [0, 3], zbar: [5, 0] })).toThrow(RangeError);
  });

  it("has no population mean when q ≤ 1 (null, not Infinity or NaN)", () => {
    expect(gammaGammaPopulationMean({ p: 2, q: 0.8, gamma: 3 })).toBeNull();
    expect(gammaGammaExpectedSpend({ p: 2, q: 0.8, gamma: 3 }, 0, 0)).toBeNull();
    expect(gammaGammaExpectedSpend({ p: 2, q: 0.8, gamma: 3 }, 2, 10)).toBeGreaterThan(0);
  });
});
