import { describe, expect, it } from "vitest";
import {
  fitShiftedBetaGeometric,
  hyp2f1,
  sbgDiscountedExpectedLifetime,
  sbgSurvival,
} from "../../app/analytics/clv";
import { lnBeta } from "../../app/analytics/clv/special";

// Fader & Hardie (2007), "How to project customer retention", Table 1: subscribers of a
// 1,000-customer cohort still active at the start of years 1..8.
const REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241];
const HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491];

describe("shifted-beta-geometric reproduces Fader & Hardie (2007)", () => {
  it("regular segment: α = 0.704, β = 1.182, LL = −1680.3", () => {
    const fit = fitShiftedBetaGeometric(REGULAR);
    expect(fit.convergence.converged).toBe(true);
    expect(fit.params.alpha).toBeCloseTo(0.704, 3);
    expect(fit.params.beta).toBeCloseTo(1.182, 3);
    expect(fit.logLikelihood).toBeCloseTo(-1680.3, 1);
    expect(fit.standardErrors?.alpha).toBeGreaterThan(0);
    // α ≤ 1: the mean lifetime is infinite, reported as null, the discounted one is finite.
    expect(fit.expectedLifetime).toBeNull();
    expect(Number.isFinite(fit.discountedExpectedLifetime)).toBe(true);
  });

  it("high-end segment: α = 0.668, β = 3.806, LL = −1611.2", () => {
    const fit = fitShiftedBetaGeometric(HIGH_END);
    expect(fit.params.alpha).toBeCloseTo(0.668, 3);
    expect(fit.params.beta).toBeCloseTo(3.806, 3);
    expect(fit.logLikelihood).toBeCloseTo(-1611.2, 1);
  });

  it("projects survival with S(t) = B(α, β+t)/B(α, β) and r_t = (β+t−1)/(α+β+t−1)", () => {
    const fit = fitShiftedBetaGeometric(REGULAR, { horizon: 12 });
    const { alpha, beta } = fit.params;
    for (let t = 0; t <= 12; t++) {
      expect(fit.survival[t]).toBeCloseTo(
        Math.exp(lnBeta(alpha, beta + t) - lnBeta(alpha, beta)),
        12,
      );
    }
    for (let t = 1; t <= 12; t++) {
      expect(fit.retentionRates[t - 1]).toBeCloseTo(fit.survival[t] / fit.survival[t - 1], 12);
    }
    // Fitted curve close to the observed 7 years (the paper's Figure 3).
    for (let t = 1; t < REGULAR.length; t++)
      expect(Math.abs(fit.survival[t] * 1000 - REGULAR[t])).toBeLessThan(15);
    // Retention rises with tenure: heterogeneity sorts out the churners first.
    for (let t = 1; t < 12; t++)
      expect(fit.retentionRates[t]).toBeGreaterThan(fit.retentionRates[t - 1]);
  });

  it("discounted expected lifetime = 2F1(1, β; α+β; 1/(1+d)) = Σ S(t)/(1+d)^t", () => {
    const params = { alpha: 0.704, beta: 1.182 };
    const d = 0.1;
    const s = sbgSurvival(params, 2000);
    let direct = 0;
    for (let t = 0; t <= 2000; t++) direct += s[t] / (1 + d) ** t;
    expect(sbgDiscountedExpectedLifetime(params, d)).toBeCloseTo(direct, 10);
  });

  it("expected lifetime (α+β−1)/(α−1) when α > 1 matches Gauss's sum 2F1(1, β; α+β; 1)", () => {
    const fit = fitShiftedBetaGeometric([1000, 300, 150, 100, 80, 70]);
    const { alpha, beta } = fit.params;
    if (alpha <= 1) throw new Error("expected a finite-mean fit for this steep churn");
    expect(fit.expectedLifetime).toBeCloseTo((alpha + beta - 1) / (alpha - 1), 12);
    expect(hyp2f1(1, beta, alpha + beta, 1)).toBeCloseTo(fit.expectedLifetime ?? NaN, 9);
  });
});

describe("shifted-beta-geometric inputs", () => {
  it("adds cohorts' likelihoods (young, shorter cohorts welcome; typed arrays accepted)", () => {
    const one = fitShiftedBetaGeometric(REGULAR);
    const twice = fitShiftedBetaGeometric([REGULAR, Int32Array.from(REGULAR)]);
    expect(twice.params.alpha).toBeCloseTo(one.params.alpha, 6);
    expect(twice.logLikelihood).toBeCloseTo(2 * one.logLikelihood, 6);
    const mixed = fitShiftedBetaGeometric([REGULAR, REGULAR.slice(0, 3)]);
    expect(Number.isFinite(mixed.params.alpha)).toBe(true);
  });

  it("rejects increasing or negative counts and cohorts where nobody churned", () => {
    expect(() => fitShiftedBetaGeometric([100, 120, 80])).toThrow(RangeError);
    expect(() => fitShiftedBetaGeometric([100, -1])).toThrow(RangeError);
    expect(() => fitShiftedBetaGeometric([100, 100, 100])).toThrow(RangeError);
  });
});
