import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compressFrequencyData,
  fitParetoNbd,
  fitQuality,
  PARETO_NBD_MAX_EVALUATIONS,
  PARETO_NBD_MODEL,
  PARETO_NBD_RUNAWAY_BETA_SPANS,
  PARETO_NBD_RUNAWAY_S,
  hyp2f1,
  paretoNbdConditionalExpected,
  paretoNbdExpectedPerAlive,
  paretoNbdLogLikelihood,
  paretoNbdLogLikelihoodGradient,
  paretoNbdPAlive,
  paretoNbdUnconditionalExpected,
  type ParetoNbdParams,
} from "../../app/analytics/clv";
import { simulateParetoNbd } from "../../app/analytics/clv/simulate";
import { lnGamma } from "../../app/analytics/clv/special";
import { cdnowFrequencySummary } from "./cdnow";

const rel = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);
const KEYS = ["r", "alpha", "s", "beta"] as const;

/**
 * Fader, Hardie & Lee (2005), "A note on deriving the Pareto/NBD model and related
 * expressions", eq. 22 as printed: the A₀ difference of two 2F1 tails, through the general
 * hyp2f1 (an independent path from the model's positive-sum form). Returns ln L and the
 * (α+T)^(r+x)(β+T)^s·A₀ factor of P(alive).
 */
function paperTerms(p: ParetoNbdParams, x: number, tx: number, T: number) {
  const { r, alpha, s, beta } = p;
  const n = r + s + x;
  const [big, b2] = alpha >= beta ? [alpha, s + 1] : [beta, r + x];
  const diff = Math.abs(alpha - beta);
  const tail = (tau: number) => hyp2f1(n, b2, n + 1, diff / (big + tau)) / Math.pow(big + tau, n);
  const a0 = tail(tx) - tail(T);
  const alive = 1 / (Math.pow(alpha + T, r + x) * Math.pow(beta + T, s));
  const ll =
    lnGamma(r + x) -
    lnGamma(r) +
    r * Math.log(alpha) +
    s * Math.log(beta) +
    Math.log(alive + (s / n) * a0);
  const pAlive = 1 / (1 + (s / n) * a0 * Math.pow(alpha + T, r + x) * Math.pow(beta + T, s));
  return { ll, pAlive };
}

describe("Pareto/NBD reproduces Fader, Hardie & Lee (2005) on CDNOW (39 weeks, 2357 customers)", () => {
  const data = cdnowFrequencySummary();
  const fit = fitParetoNbd(data);

  // FHL 2005 ("RFM and CLV: using iso-value curves", and the Pareto/NBD note): r = 0.55,
  // α = 10.58, s = 0.61, β = 11.67, LL = −9595.0. lifetimes pins 0.553, 10.578, 0.606, 11.669.
  it("estimates r = 0.55, α = 10.58, s = 0.61, β = 11.67 with log-likelihood −9595.0", () => {
    expect(fit.convergence.converged).toBe(true);
    expect(fit.params.r).toBeCloseTo(0.553, 3);
    expect(fit.params.alpha).toBeCloseTo(10.58, 2);
    expect(fit.params.s).toBeCloseTo(0.606, 3);
    // β is the loosest estimate (SE ≈ 6): optimisers stop within ±0.002 of each other.
    expect(fit.params.beta).toBeCloseTo(11.67, 2);
    expect(fit.logLikelihood).toBeCloseTo(-9595.0, 1);
    expect(fit.customers).toBe(2357);
  });

  it("equals the paper's likelihood summed customer by customer, on both sides of α = β", () => {
    const points: ParetoNbdParams[] = [
      fit.params,
      { r: 0.8, alpha: 20, s: 1.3, beta: 5 },
      { r: 0.3, alpha: 2, s: 0.4, beta: 60 },
    ];
    for (const p of points) {
      let ll = 0;
      for (let i = 0; i < data.length; i++)
        ll += paperTerms(p, data.x[i], data.tx[i], data.T[i]).ll;
      expect(rel(paretoNbdLogLikelihood(p, data), ll)).toBeLessThan(1e-10);
    }
  });

  it("has finite standard errors; compressed rows give the same optimum", () => {
    const se = fit.standardErrors;
    expect(se).not.toBeNull();
    for (const k of KEYS) expect(Number.isFinite(se![k])).toBe(true);
    expect(se!.r / fit.params.r).toBeLessThan(0.2);
    const compressed = fitParetoNbd(compressFrequencyData(data));
    for (const k of KEYS) expect(rel(compressed.params[k], fit.params[k])).toBeLessThan(1e-4);
    expect(compressed.logLikelihood).toBeCloseTo(fit.logLikelihood, 6);
  });

  it("has an analytic gradient that matches finite differences (α > β, α < β, α = β, z → 1)", () => {
    const points: ParetoNbdParams[] = [
      { r: 0.55, alpha: 10.58, s: 0.61, beta: 11.67 },
      { r: 0.9, alpha: 30, s: 2.5, beta: 4 },
      { r: 0.2, alpha: 0.5, s: 0.3, beta: 50 },
      { r: 1.5, alpha: 7, s: 1, beta: 7 },
      { r: 0.4, alpha: 200, s: 0.8, beta: 0.3 },
    ];
    for (const p of points) {
      const g = paretoNbdLogLikelihoodGradient(p, data);
      KEYS.forEach((k, i) => {
        const h = 1e-6 * p[k];
        const up = { ...p, [k]: p[k] + h };
        const down = { ...p, [k]: p[k] - h };
        const numeric =
          (paretoNbdLogLikelihood(up, data) - paretoNbdLogLikelihood(down, data)) / (2 * h);
        expect(Math.abs(g[i] - numeric)).toBeLessThan(2e-3 + 1e-6 * Math.abs(numeric));
      });
    }
  });
});

describe("Pareto/NBD per-customer quantities", () => {
  const logUniform = (lo: number, hi: number): fc.Arbitrary<number> =>
    fc.double({ min: Math.log(lo), max: Math.log(hi), noNaN: true }).map(Math.exp);
  const paramsArb = fc.record({
    r: logUniform(0.05, 20),
    alpha: logUniform(0.1, 2000),
    s: logUniform(0.05, 20),
    beta: logUniform(0.1, 2000),
  });
  const customerArb = fc
    .record({
      x: fc.integer({ min: 0, max: 60 }),
      T: fc.double({ min: 0.5, max: 1000, noNaN: true }),
      share: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map(({ x, T, share }) => ({ x, tx: x === 0 ? 0 : T * share, T }));

  it("P(alive) and the likelihood agree with the paper's formulas over a wide parameter range", () => {
    fc.assert(
      fc.property(paramsArb, customerArb, (p, c) => {
        const paper = paperTerms(p, c.x, c.tx, c.T);
        const pa = paretoNbdPAlive(p, c.x, c.tx, c.T);
        expect(pa).toBeGreaterThanOrEqual(0);
        expect(pa).toBeLessThanOrEqual(1);
        // The paper's A₀ is a difference of two tails: its own rounding is ~1e-16 of the
        // larger tail, so compare absolutely where P(alive) is small.
        if (Number.isFinite(paper.pAlive)) expect(Math.abs(pa - paper.pAlive)).toBeLessThan(1e-9);
        const ll = paretoNbdLogLikelihood(p, { length: 1, x: [c.x], tx: [c.tx], T: [c.T] });
        if (Number.isFinite(paper.ll))
          expect(Math.abs(ll - paper.ll)).toBeLessThan(1e-9 * Math.max(1, Math.abs(ll)));
      }),
      { numRuns: 300 },
    );
  });

  it("a one-time buyer's P(alive) is below 1 and falls with T; a buyer seen at T is alive", () => {
    const p = { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };
    let previous = 1;
    for (const T of [0.5, 5, 39, 78]) {
      const pa = paretoNbdPAlive(p, 0, 0, T);
      expect(pa).toBeLessThan(previous);
      previous = pa;
    }
    expect(paretoNbdPAlive(p, 4, 30, 30)).toBeCloseTo(1, 12);
  });

  it("expectations: the closed forms, their s = 1 limit, and E[Y(t)] rising with t", () => {
    const p = { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };
    const [t, x, tx, T] = [39, 2, 30.43, 38.86];
    const perAlive =
      (((p.r + x) * (p.beta + T)) / ((p.alpha + T) * (p.s - 1))) *
      (1 - Math.pow((p.beta + T) / (p.beta + T + t), p.s - 1));
    expect(rel(paretoNbdExpectedPerAlive(p, t, x, T), perAlive)).toBeLessThan(1e-12);
    expect(
      rel(paretoNbdConditionalExpected(p, t, x, tx, T), perAlive * paretoNbdPAlive(p, x, tx, T)),
    ).toBeLessThan(1e-12);
    const unconditional =
      ((p.r * p.beta) / (p.alpha * (p.s - 1))) * (1 - Math.pow(p.beta / (p.beta + 52), p.s - 1));
    expect(rel(paretoNbdUnconditionalExpected(p, 52), unconditional)).toBeLessThan(1e-12);
    // s → 1: (r+x)(β+T)/(α+T) · ln(1 + t/(β+T)), continuous from both sides.
    const limit = ((p.r + x) * (p.beta + T) * Math.log1p(t / (p.beta + T))) / (p.alpha + T);
    for (const s of [1, 1 + 1e-10, 1 - 1e-10]) {
      expect(rel(paretoNbdExpectedPerAlive({ ...p, s }, t, x, T), limit)).toBeLessThan(1e-8);
    }
    let previous = 0;
    for (const h of [1, 5, 20, 52, 104]) {
      const e = paretoNbdConditionalExpected(p, h, x, tx, T);
      expect(e).toBeGreaterThan(previous);
      previous = e;
    }
  });
});

describe("Pareto/NBD recovers the parameters of data simulated from it", () => {
  it("60k customers (weekly grid): every estimate within 3 standard errors", () => {
    const truth: ParetoNbdParams = { r: 0.55, alpha: 10.5, s: 0.6, beta: 12 };
    const sim = simulateParetoNbd(truth, { customers: 60_000, seed: 4242, minT: 1, maxT: 78 });
    // Weeks to two decimals, as the CDNOW summary: rows share (x, T) and (x, t_x) values.
    const round = (v: Float64Array) => v.map((u) => Math.round(u * 100) / 100);
    const rows = compressFrequencyData({ ...sim, tx: round(sim.tx), T: round(sim.T) });
    const fit = fitParetoNbd(rows);
    expect(fit.convergence.converged).toBe(true);
    const se = fit.standardErrors;
    if (se === null) throw new Error("no standard errors");
    for (const k of KEYS) expect(Math.abs(fit.params[k] - truth[k]) / se[k]).toBeLessThan(3);
  });

  it("predicts holdout purchases of simulated customers without bias", () => {
    const truth: ParetoNbdParams = { r: 0.55, alpha: 10.5, s: 0.6, beta: 12 };
    const sim = simulateParetoNbd(truth, {
      customers: 50_000,
      seed: 5,
      minT: 1,
      maxT: 39,
      holdout: 39,
    });
    let predicted = 0;
    let actual = 0;
    for (let i = 0; i < sim.length; i++) {
      predicted += paretoNbdConditionalExpected(truth, 39, sim.x[i], sim.tx[i], sim.T[i]);
      actual += sim.holdoutX[i];
    }
    expect(Math.abs(predicted / actual - 1)).toBeLessThan(0.03);
  });

  it("refuses shops where nobody bought twice, and invalid rows", () => {
    expect(() => fitParetoNbd({ length: 2, x: [0, 0], tx: [0, 0], T: [5, 9] })).toThrow(
      /Pareto\/NBD needs repeat purchases/,
    );
    expect(() => fitParetoNbd({ length: 1, x: [1], tx: [5], T: [3] })).toThrow(RangeError);
  });
});

describe("Pareto/NBD at the s, β → ∞ edge (nobody drops out)", () => {
  // Drop-out rates μ ~ Gamma(1, 1e12): nobody drops out within the observation. The
  // likelihood's supremum is the limit s, β → ∞ (one rate μ = s/β → 0: the NBD without
  // drop-out); before the runaway check the fit crawled there for ~160 passes to β = 1e6
  // (s ≈ 165, 18 s); now it stops after ~40 passes.
  const sim = simulateParetoNbd(
    { r: 0.8, alpha: 20, s: 1, beta: 1e12 },
    { customers: 5_000, seed: 7, minT: 10, maxT: 78 },
  );

  it("stops within its evaluation bound and is flagged not identified with the reason", () => {
    const fit = fitParetoNbd(sim);
    expect(fit.convergence.evaluations).toBeLessThanOrEqual(PARETO_NBD_MAX_EVALUATIONS);
    expect(fit.convergence.converged).toBe(false);
    expect(fit.limit).not.toBeNull();
    expect(fit.limit?.code).toBe("boundary");
    expect(fit.limit?.parameter).toBe("s");
    // Stopped past one of the stated bounds (the longest T is 78).
    const past =
      fit.params.s > PARETO_NBD_RUNAWAY_S || fit.params.beta > PARETO_NBD_RUNAWAY_BETA_SPANS * 78;
    expect(past).toBe(true);
    expect(fit.limit?.reason).toMatch(/s and β run to infinity together/);
    expect(fit.standardErrors).toBeNull();
    // The purchase part is still estimated (it is the NBD's), the drop-out rate near 0.
    expect(fit.params.r).toBeGreaterThan(0.6);
    expect(fit.params.r).toBeLessThan(1);
    expect(fit.params.s / fit.params.beta).toBeLessThan(1e-3);
    const quality = fitQuality(PARETO_NBD_MODEL, fit);
    expect(quality.status).toBe("not-identified");
    if (quality.status === "not-identified") expect(quality.reason).toBe(fit.limit?.reason);
  });

  it("a smaller evaluation budget is respected and reported as not converged", () => {
    const fit = fitParetoNbd(sim, { maxEvaluations: 20 });
    expect(fit.convergence.evaluations).toBeLessThanOrEqual(20);
    expect(fit.limit?.code).toBe("not-converged");
    expect(fit.limit?.reason).toMatch(/within 20 likelihood evaluations/);
    expect(fitQuality(PARETO_NBD_MODEL, fit).status).toBe("not-identified");
  });
});
