/**
 * bgnbdExpectedPerAlive skips its tail test while a cheap lower bound of the tail is clearly
 * above the stopping level, and bgnbdExpectedPerAliveFrom reads d_n and ρ_n from a table
 * shared by every T and t of one x: the series must still stop at the same term with the same
 * sum, so every value is bit for bit that of testing every term and dividing in place (the
 * reference below, the series as it was).
 */
import { describe, expect, it } from "vitest";
import {
  bgnbdExpectedPerAlive,
  bgnbdExpectedPerAliveFrom,
  conditionalRateQuadrature,
  DropoutSeriesTable,
  pairExpectations,
  type BgNbdParams,
} from "../../app/analytics/clv";

const RESCALE = 1e250;

const PARAMS: BgNbdParams[] = [
  { r: 0.9504122280670693, alpha: 97.82431573633434, a: 0.7721173857285365, b: 4.612427983 },
  { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, // CDNOW, weeks
  { r: 0.05, alpha: 0.3, a: 3.5, b: 0.2 }, // r + x < 1, fast purchases
  { r: 40, alpha: 2, a: 8600, b: 12 }, // degenerate a ≫ 1
  { r: 1.3653436, alpha: 128.048, a: 2.4873368, b: 11.82043 }, // MBG/NBD's b + 1
];
const XS = [0, 1, 2, 3, 5, 8, 13, 30, 120];
const TS = [0, 0.5, 3, 17, 38.86, 90, 250, 640, 1100];
const TIMES = [0.5, 1, 7, 30, 90, 365, 730.5, 3650];

function reference(p: BgNbdParams, t: number, x: number, T: number): number {
  if (!(t > 0)) return 0;
  const u = t / (p.alpha + T);
  const A = p.r + x;
  if (A * u + 40 * (1 + u) > 5000) return conditionalRateQuadrature(p, u, x);
  const z = u / (1 + u);
  const beta = p.b + x;
  const aBeta = p.a + beta;
  let logScale = -A * Math.log1p(u);
  let w = 1;
  let d = 0;
  let rho = 1;
  let sum = 0;
  for (let n = 1; n <= 5000; n++) {
    d += rho;
    rho *= (beta + n - 1) / (aBeta + n - 1);
    w *= ((A + n - 1) * z) / n;
    sum += w * d;
    if (w > RESCALE) {
      w /= RESCALE;
      sum /= RESCALE;
      logScale += Math.log(RESCALE);
    }
    const q = A >= 1 ? ((A + n) * z) / (n + 1) : z;
    if (q < 1) {
      const tail = ((w * q) / (1 - q)) * (d + rho / (1 - q));
      if (tail <= 1e-17 * sum) {
        return logScale > -700 ? Math.exp(logScale) * sum : Math.exp(logScale + Math.log(sum));
      }
    }
  }
  return conditionalRateQuadrature(p, u, x);
}

describe("bgnbdExpectedPerAlive's series", () => {
  it("equals testing the tail at every term, bit for bit", () => {
    let compared = 0;
    for (const p of PARAMS) {
      for (const x of XS) {
        for (const T of TS) {
          for (const t of TIMES) {
            const got = bgnbdExpectedPerAlive(p, t, x, T);
            const want = reference(p, t, x, T);
            expect(Object.is(got, want), `${JSON.stringify(p)} t=${t} x=${x} T=${T}`).toBe(true);
            compared++;
          }
        }
      }
    }
    expect(compared).toBe(5 * 9 * 9 * 8);
  });

  it("equals it with d_n and ρ_n read from a table shared across T and t", () => {
    let compared = 0;
    for (const p of PARAMS) {
      const tables = new Map(XS.map((x) => [x, new DropoutSeriesTable(p, x)]));
      // T outermost, so each table is extended by many series in turn, as in a pass.
      for (const T of TS) {
        for (const x of XS) {
          for (const t of TIMES) {
            const got = bgnbdExpectedPerAliveFrom(p, t, x, T, tables.get(x)!);
            const want = reference(p, t, x, T);
            expect(Object.is(got, want), `${JSON.stringify(p)} t=${t} x=${x} T=${T}`).toBe(true);
            compared++;
          }
        }
      }
    }
    expect(compared).toBe(5 * 9 * 9 * 8);
  });

  it("gives pairExpectations equal to evaluating each horizon on its own", () => {
    const p = PARAMS[0];
    const pairs = {
      length: 6,
      x: Float64Array.from([0, 3, 3, 1, 30, 3]),
      T: Float64Array.from([10, 200, 900, 45, 700, 0]),
      pairOfRow: new Int32Array(0),
    };
    const got = pairExpectations(p, pairs, "day", 36, 0.1);
    const monthly = Math.pow(1.1, 1 / 12) - 1;
    for (let k = 0; k < pairs.length; k++) {
      const [x, T] = [pairs.x[k], pairs.T[k]];
      expect(got.next30[k]).toBe(reference(p, 30, x, T));
      expect(got.next365[k]).toBe(reference(p, 365, x, T));
      let previous = 0;
      let sum = 0;
      let factor = 1;
      for (let m = 1; m <= 36; m++) {
        const cumulative = reference(p, m * (365.25 / 12), x, T);
        factor /= 1 + monthly;
        sum += Math.max(0, cumulative - previous) * factor;
        previous = Math.max(previous, cumulative);
      }
      expect(got.horizon[k]).toBe(previous);
      expect(got.discounted[k]).toBe(sum);
    }
  });
});
