import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bgnbdConditionalExpected,
  bgnbdExpectedPerAlive,
  bgnbdLogLikelihood,
  bgnbdLogLikelihoodGradient,
  bgnbdLogLikelihoodHessian,
  bgnbdPAlive,
  bgnbdUnconditionalExpected,
  compressFrequencyData,
  compressSummary,
  conditionalRateQuadrature,
  fitBgNbd,
  summarizeCustomers,
  type BgNbdParams,
} from "../../app/analytics/clv";
import { simulateBgNbd, simulateOrders } from "../../app/analytics/clv/simulate";
import { cdnowFrequencySummary } from "./cdnow";

const rel = (got: number, want: number): number => Math.abs(got - want) / Math.abs(want);
const PUBLISHED: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
/** The fit of the "random small shops" counterexample in clv.test.ts. */
const DEGENERATE: BgNbdParams = {
  r: 0.30423553085442095,
  alpha: 298.4678821793375,
  a: 8600.69107871474,
  b: 0.00005813486328395951,
};

describe("BG/NBD reproduces Fader, Hardie & Lee (2005) on CDNOW", () => {
  const data = cdnowFrequencySummary();
  const fit = fitBgNbd(data);

  it("estimates r = 0.243, α = 4.414, a = 0.793, b = 2.426 with log-likelihood −9582.4", () => {
    expect(fit.convergence.converged).toBe(true);
    expect(fit.params.r).toBeCloseTo(0.243, 3);
    expect(fit.params.alpha).toBeCloseTo(4.414, 3);
    expect(fit.params.a).toBeCloseTo(0.793, 3);
    expect(fit.params.b).toBeCloseTo(2.426, 3);
    expect(fit.logLikelihood).toBeCloseTo(-9582.4, 1);
    expect(fit.customers).toBe(2357);
  });

  it("gives the standard errors of the published implementations (lifetimes: 0.0126, 0.378, 0.186, 0.705)", () => {
    const se = fit.standardErrors;
    expect(se).not.toBeNull();
    expect(se?.r).toBeCloseTo(0.012557, 5);
    expect(se?.alpha).toBeCloseTo(0.378221, 4);
    expect(se?.a).toBeCloseTo(0.185719, 4);
    expect(se?.b).toBeCloseTo(0.705345, 4);
  });

  it("fits the compressed rows to the same optimum", () => {
    const rows = compressFrequencyData(data);
    expect(rows.length).toBeLessThan(data.length / 2);
    const compressed = fitBgNbd(rows);
    expect(rel(compressed.params.r, fit.params.r)).toBeLessThan(1e-6);
    expect(rel(compressed.params.b, fit.params.b)).toBeLessThan(1e-6);
    expect(compressed.logLikelihood).toBeCloseTo(fit.logLikelihood, 8);
  });

  it("does not depend on the time unit: in days α scales by 7 and LL shifts by −Σx·ln 7", () => {
    const days = { ...data, tx: data.tx.map((v) => v * 7), T: data.T.map((v) => v * 7) };
    const f = fitBgNbd(days);
    const sumX = data.x.reduce((s, v) => s + v, 0);
    expect(rel(f.params.alpha, fit.params.alpha * 7)).toBeLessThan(1e-5);
    expect(rel(f.params.a, fit.params.a)).toBeLessThan(1e-5);
    expect(f.logLikelihood).toBeCloseTo(fit.logLikelihood - sumX * Math.log(7), 5);
  });

  it("predicts E[Y(39) | x=2, t_x=30.43, T=38.86] = 1.226 (FHL 2005, section 5)", () => {
    expect(bgnbdConditionalExpected(fit.params, 39, 2, 30.43, 38.86)).toBeCloseTo(1.226, 3);
  });

  it("has an analytic gradient and Hessian that match finite differences", () => {
    const points: BgNbdParams[] = [
      PUBLISHED,
      { r: 0.9, alpha: 12, a: 1.7, b: 0.6 },
      { r: 0.05, alpha: 0.8, a: 0.2, b: 9 },
    ];
    for (const p of points) {
      const g = bgnbdLogLikelihoodGradient(p, data);
      const H = bgnbdLogLikelihoodHessian(p, data);
      const keys = ["r", "alpha", "a", "b"] as const;
      keys.forEach((k, i) => {
        const h = 1e-5 * p[k];
        const up = { ...p, [k]: p[k] + h };
        const down = { ...p, [k]: p[k] - h };
        const numeric = (bgnbdLogLikelihood(up, data) - bgnbdLogLikelihood(down, data)) / (2 * h);
        // Central differences of a sum of 2357 terms: ~1e-11 rounding / h, plus O(h²).
        expect(Math.abs(g[i] - numeric)).toBeLessThan(1e-3 + 1e-6 * Math.abs(numeric));
        const gUp = bgnbdLogLikelihoodGradient(up, data);
        const gDown = bgnbdLogLikelihoodGradient(down, data);
        for (let j = 0; j < 4; j++) {
          const numericH = (gUp[j] - gDown[j]) / (2 * h);
          expect(Math.abs(H[j * 4 + i] - numericH)).toBeLessThan(1e-3 + 1e-6 * Math.abs(numericH));
        }
      });
    }
  });
});

describe("BG/NBD per-customer expectations against 50-digit references (mpmath, FHL eq. 10 and 13)", () => {
  // [label, params, t, x, t_x, T, E[Y(t) | x, t_x, T], P(alive)]
  const cases: [string, BgNbdParams, number, number, number, number, number, number][] = [
    [
      "cdnow customer 1, 39 weeks",
      { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425752 },
      39,
      2,
      30.43,
      38.86,
      1.225910385693894,
      0.7266091024562508,
    ],
    [
      "cdnow x=0",
      { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425752 },
      39,
      0,
      0,
      38.86,
      0.19478091229356076,
      1.0,
    ],
    [
      "cdnow x=0 T=0 1 year",
      { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425752 },
      52,
      0,
      0,
      0,
      1.444021108884692,
      1.0,
    ],
    [
      "cdnow heavy buyer",
      { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425752 },
      52,
      30,
      38,
      39,
      24.987745296029047,
      0.9514289974243476,
    ],
    [
      "large x=1000",
      { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425752 },
      52,
      1000,
      38.5,
      39,
      9.924325337379141,
      0.011594792552970266,
    ],
    [
      "large x=5000, lapsed",
      { r: 0.8, alpha: 60, a: 0.7, b: 4 },
      365,
      5000,
      700,
      730,
      1.1934803535416202e-77,
      5.931801580720356e-81,
    ],
    [
      "huge x alive",
      { r: 0.8, alpha: 60, a: 0.7, b: 4 },
      365,
      5000,
      729.9,
      730,
      2011.4731163659176,
      0.9997365583630243,
    ],
    [
      "a = 1 + 1e-9",
      { r: 0.5, alpha: 10, a: 1.000000001, b: 3 },
      20,
      3,
      15,
      25,
      1.0346976542796669,
      0.6062998491728694,
    ],
    [
      "a = 1 - 1e-7",
      { r: 0.5, alpha: 10, a: 0.9999999, b: 3 },
      20,
      3,
      15,
      25,
      1.0346977093752816,
      0.606299873281605,
    ],
    [
      "a = 1 + 1e-4, x = 0",
      { r: 0.5, alpha: 10, a: 1.0001, b: 3 },
      20,
      0,
      0,
      25,
      0.2597977554060716,
      1.0,
    ],
    [
      "z near 1: alpha tiny, T = 0",
      { r: 0.3, alpha: 0.01, a: 0.8, b: 2.5 },
      365,
      0,
      0,
      0,
      37.73201159715992,
      1.0,
    ],
    [
      "z = 0.9999: alpha small",
      { r: 0.3, alpha: 0.05, a: 0.8, b: 2.5 },
      500,
      1,
      0.01,
      0.02,
      43.93749791056871,
      0.7189053776616151,
    ],
    [
      "z near 1 with a = 1 + 1e-6",
      { r: 0.3, alpha: 0.01, a: 1.000001, b: 2.5 },
      365,
      2,
      0.005,
      0.01,
      26.13363233342369,
      0.643615937632318,
    ],
    [
      "a + b < 1, x = 0 (c < 0)",
      { r: 0.4, alpha: 5, a: 0.3, b: 0.5 },
      30,
      0,
      0,
      10,
      0.5906723313893282,
      1.0,
    ],
    [
      "a large",
      { r: 2, alpha: 20, a: 30, b: 40 },
      100,
      4,
      50,
      80,
      0.3126892175763023,
      0.14429733933234143,
    ],
    [
      "r tiny",
      { r: 0.001, alpha: 3, a: 0.6, b: 1.4 },
      52,
      1,
      3,
      40,
      0.2468989471466063,
      0.24524930464794112,
    ],
    // The degenerate fit of a 10-customer shop (clv.test.ts): (1−z)^(a−1) underflowed in the
    // Euler-transformed series and E[Y(90)] came out 0, below E[Y(30)] = 0.0087.
    ...([30, 90, 365] as const).map(
      (t, k): [string, BgNbdParams, number, number, number, number, number, number] => [
        `degenerate fit a ≈ 8600, b ≈ 6e-5, x = 0, ${t} days`,
        DEGENERATE,
        t,
        0,
        0,
        730,
        [0.008709313358939182, 0.025199254374591903, 0.08826329690753106][k],
        1.0,
      ],
    ),
    [
      "degenerate fit, x = 1",
      DEGENERATE,
      90,
      1,
      183,
      727,
      2.6201711683849645e-10,
      2.5214559487286404e-9,
    ],
    [
      "a = 1e6, b tiny",
      { r: 0.5, alpha: 20, a: 1e6, b: 0.01 },
      90,
      2,
      100,
      100,
      7.606979428343869e-7,
      1.0099989799010303e-6,
    ],
  ];
  it.each(cases)("%s", (_label, p, t, x, tx, T, expected, pAlive) => {
    expect(rel(bgnbdPAlive(p, x, tx, T), pAlive)).toBeLessThan(1e-12);
    expect(rel(bgnbdConditionalExpected(p, t, x, tx, T), expected)).toBeLessThan(1e-12);
    // The quadrature fallback agrees everywhere, not only where it is used.
    const perAlive = conditionalRateQuadrature(p, t / (p.alpha + T), x);
    expect(rel(perAlive * bgnbdPAlive(p, x, tx, T), expected)).toBeLessThan(1e-10);
  });

  it("E[X(t)] of a new customer is the x = 0, T = 0 case", () => {
    const p = { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425752 };
    expect(rel(bgnbdUnconditionalExpected(p, 52), 1.444021108884692)).toBeLessThan(1e-12);
  });
});

const paramsArb = fc.record({
  r: fc.double({ min: 0.01, max: 20, noNaN: true }),
  alpha: fc.double({ min: 0.01, max: 500, noNaN: true }),
  a: fc.double({ min: 0.02, max: 20, noNaN: true }),
  b: fc.double({ min: 0.02, max: 50, noNaN: true }),
});
const customerArb = fc
  .record({
    x: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 1_000_000 })),
    T: fc.double({ min: 0, max: 5000, noNaN: true }),
    share: fc.double({ min: 0, max: 1, noNaN: true }),
    t: fc.double({ min: 1e-3, max: 3000, noNaN: true }),
  })
  .map(({ x, T, share, t }) => ({ x, tx: x === 0 ? 0 : T * share, T, t }));

describe("BG/NBD per-customer properties", () => {
  it("series and quadrature agree, values are finite, P(alive) in [0, 1], E[Y(t)] increases with t", () => {
    fc.assert(
      fc.property(paramsArb, customerArb, (p, c) => {
        const pa = bgnbdPAlive(p, c.x, c.tx, c.T);
        expect(pa).toBeGreaterThanOrEqual(0);
        expect(pa).toBeLessThanOrEqual(1);
        const e = bgnbdExpectedPerAlive(p, c.t, c.x, c.T);
        const e2 = bgnbdExpectedPerAlive(p, 2 * c.t, c.x, c.T);
        expect(Number.isFinite(e)).toBe(true);
        expect(e).toBeGreaterThanOrEqual(0);
        expect(e2).toBeGreaterThanOrEqual(e * (1 - 1e-12));
        // Alive customers cannot out-buy their expected rate: E ≤ (r+x)/(α+T)·t.
        expect(e).toBeLessThanOrEqual(((p.r + c.x) / (p.alpha + c.T)) * c.t * (1 + 1e-9));
        const q = conditionalRateQuadrature(p, c.t / (p.alpha + c.T), c.x);
        expect(Math.abs(q - e)).toBeLessThanOrEqual(1e-9 * e + 1e-300);
      }),
      { numRuns: 500 },
    );
  });
});

describe("BG/NBD expectations are non-decreasing in t for any parameters", () => {
  // Log-uniform over many orders of magnitude: degenerate fits of tiny shops land far outside
  // the usual range (a in the thousands, b near 0).
  const logUniform = (lo: number, hi: number): fc.Arbitrary<number> =>
    fc.double({ min: Math.log(lo), max: Math.log(hi), noNaN: true }).map(Math.exp);
  const extremeArb = fc.record({
    r: logUniform(1e-4, 1e3),
    alpha: logUniform(1e-3, 1e5),
    a: logUniform(1e-4, 1e7),
    b: logUniform(1e-8, 1e5),
  });

  it("over the horizons predictions use (30, 90, 365 days and monthly up to 5 years)", () => {
    const horizons = [30, 90, 365, ...Array.from({ length: 60 }, (_, m) => (m + 1) * 30.4375)];
    horizons.sort((s, t) => s - t);
    fc.assert(
      fc.property(
        extremeArb,
        fc.integer({ min: 0, max: 200 }),
        fc.double({ min: 0, max: 3000, noNaN: true }),
        (p, x, T) => {
          let previous = 0;
          for (const t of horizons) {
            const e = bgnbdExpectedPerAlive(p, t, x, T);
            expect(Number.isFinite(e)).toBe(true);
            expect(e).toBeGreaterThanOrEqual(previous * (1 - 1e-12));
            previous = e;
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("BG/NBD recovers the parameters of data simulated from it", () => {
  it("100k customers: every estimate within 3 standard errors, warm start = plain BFGS", () => {
    const truth: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    const sim = simulateBgNbd(truth, { customers: 100_000, seed: 20240601, minT: 1, maxT: 78 });
    const fit = fitBgNbd(sim);
    expect(fit.convergence.converged).toBe(true);
    const se = fit.standardErrors;
    if (se === null) throw new Error("no standard errors");
    for (const k of ["r", "alpha", "a", "b"] as const) {
      expect(Math.abs(fit.params[k] - truth[k]) / se[k]).toBeLessThan(3);
      expect(se[k] / truth[k]).toBeLessThan(0.1);
    }
    const cold = fitBgNbd(sim, { warmStart: false });
    for (const k of ["r", "alpha", "a", "b"] as const) {
      expect(rel(cold.params[k], fit.params[k])).toBeLessThan(1e-4);
    }
    expect(cold.logLikelihood).toBeCloseTo(fit.logLikelihood, 4);
  });

  it("a second regime (daily unit, frequent buyers, a > 1): within 3 standard errors", () => {
    const truth: BgNbdParams = { r: 2.5, alpha: 40, a: 1.6, b: 6 };
    const sim = simulateBgNbd(truth, { customers: 100_000, seed: 7, minT: 30, maxT: 900 });
    const fit = fitBgNbd(sim);
    const se = fit.standardErrors;
    if (se === null) throw new Error("no standard errors");
    for (const k of ["r", "alpha", "a", "b"] as const) {
      expect(Math.abs(fit.params[k] - truth[k]) / se[k]).toBeLessThan(3);
    }
  });

  it("predicts holdout purchases of simulated customers without bias", () => {
    const truth: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    const sim = simulateBgNbd(truth, {
      customers: 50_000,
      seed: 99,
      minT: 1,
      maxT: 39,
      holdout: 39,
    });
    let predicted = 0;
    let actual = 0;
    for (let i = 0; i < sim.length; i++) {
      predicted += bgnbdConditionalExpected(truth, 39, sim.x[i], sim.tx[i], sim.T[i]);
      actual += sim.holdoutX[i];
    }
    expect(Math.abs(predicted / actual - 1)).toBeLessThan(0.03);
  });
});

describe("BG/NBD warm start from the previous night's parameters", () => {
  const DAY = 86_400_000;
  const end = Date.UTC(2025, 0, 1);
  const orders = simulateOrders({
    customers: 20_000,
    seed: 31,
    bgnbd: { r: 0.8, alpha: 60, a: 0.7, b: 4 },
    gammaGamma: { p: 4, q: 5, gamma: 5000 },
    start: Date.UTC(2023, 0, 1),
    end,
  });
  const rowsAt = (asOf: number) => compressSummary(summarizeCustomers(orders, { asOf }));
  const yesterday = fitBgNbd(rowsAt(end - 2 * DAY));
  const today = rowsAt(end - DAY);

  it("asOf one day later: converges to the cold optimum in fewer iterations and passes", () => {
    const cold = fitBgNbd(today);
    const warm = fitBgNbd(today, { initial: yesterday.params });
    expect(cold.convergence.converged).toBe(true);
    expect(warm.convergence.converged).toBe(true);
    expect(warm.convergence.message).toMatch(/initial parameters/);
    expect(warm.convergence.iterations).toBeLessThanOrEqual(3);
    expect(warm.convergence.iterations).toBeLessThan(cold.convergence.iterations);
    expect(warm.convergence.evaluations).toBeLessThan(cold.convergence.evaluations);
    // The subsample warm start of big shops is no better than last night's parameters.
    const subsample = fitBgNbd(today, { warmStart: true });
    expect(warm.convergence.iterations).toBeLessThanOrEqual(subsample.convergence.iterations);
    for (const k of ["r", "alpha", "a", "b"] as const) {
      expect(rel(warm.params[k], cold.params[k])).toBeLessThan(1e-5);
    }
    expect(warm.logLikelihood).toBeCloseTo(cold.logLikelihood, 5);
  });

  it("a far-off initial point still reaches the optimum", () => {
    const cold = fitBgNbd(today);
    const far = fitBgNbd(today, { initial: { r: 20, alpha: 2, a: 5, b: 0.1 } });
    expect(far.convergence.converged).toBe(true);
    expect(far.logLikelihood).toBeCloseTo(cold.logLikelihood, 4);
  });
});

describe("BG/NBD edge cases", () => {
  it("refuses shops where nobody bought twice (no maximum), unless penalised", () => {
    const zeros = { length: 3, x: [0, 0, 0], tx: [0, 0, 0], T: [5, 10, 20] };
    expect(() => fitBgNbd(zeros)).toThrow(RangeError);
    const penalised = fitBgNbd(zeros, { penalizer: 0.1 });
    for (const v of Object.values(penalised.params)) expect(Number.isFinite(v)).toBe(true);
    expect(Number.isFinite(penalised.logLikelihood)).toBe(true);
  });

  it("rejects invalid rows (t_x > T, negative x, NaN)", () => {
    expect(() => fitBgNbd({ length: 1, x: [1], tx: [5], T: [3] })).toThrow(RangeError);
    expect(() => fitBgNbd({ length: 1, x: [-1], tx: [0], T: [3] })).toThrow(RangeError);
    expect(() => fitBgNbd({ length: 1, x: [1], tx: [NaN], T: [3] })).toThrow(RangeError);
  });

  it("a penalizer shrinks the log-parameters towards 0", () => {
    const data = cdnowFrequencySummary();
    const plain = fitBgNbd(data);
    const shrunk = fitBgNbd(data, { penalizer: 0.05 });
    const norm = (p: BgNbdParams): number =>
      Math.hypot(Math.log(p.r), Math.log(p.alpha), Math.log(p.a), Math.log(p.b));
    expect(norm(shrunk.params)).toBeLessThan(norm(plain.params));
    expect(shrunk.logLikelihood).toBeLessThan(plain.logLikelihood);
  });

  it("a single customer with repeat purchases gives finite numbers, never NaN", () => {
    const one = fitBgNbd({ length: 1, x: [3], tx: [20], T: [30] });
    for (const v of Object.values(one.params)) expect(Number.isFinite(v)).toBe(true);
    expect(Number.isFinite(one.logLikelihood)).toBe(true);
    expect(Number.isFinite(bgnbdConditionalExpected(one.params, 30, 3, 20, 30))).toBe(true);
  });

  it("handles huge frequencies (x = 10⁶) in the fit and the predictions", () => {
    const data = {
      length: 4,
      x: [0, 1, 1_000_000, 3],
      tx: [0, 2, 364.9, 50],
      T: [100, 80, 365, 200],
    };
    const fit = fitBgNbd(data, { penalizer: 0.01 });
    for (const v of Object.values(fit.params)) expect(Number.isFinite(v)).toBe(true);
    const e = bgnbdConditionalExpected(fit.params, 365, 1_000_000, 364.9, 365);
    expect(Number.isFinite(e)).toBe(true);
    expect(e).toBeGreaterThan(0);
  });
});
