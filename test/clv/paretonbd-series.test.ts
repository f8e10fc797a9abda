/**
 * The Pareto/NBD likelihood's 2F1 terms (paretonbd.ts) read their q- and c-only parts from
 * tables shared across a pass and skip quadrature nodes that underflow: both must give the
 * numbers of computing every term in place, bit for bit, so fits and predictions are
 * unchanged. The reference below is that in-place computation.
 */
import { describe, expect, it } from "vitest";
import { paretoNbdH, SeriesTable } from "../../app/analytics/clv";
import { log1pExp } from "../../app/analytics/clv/special";

interface H {
  lnH: number;
  dq: number;
  dc: number;
  dz: number;
}

function referenceSeries(q: number, c: number, z: number): H {
  if (z === 0) return { lnH: 0, dq: 0, dc: 0, dz: q / c };
  let term = 1;
  let sum = 1;
  let sq = 0;
  let sc = 0;
  let dq = 0;
  let dc = 0;
  let dz = 0;
  const tailFactor = z / (1 - z);
  for (let k = 0; k < 20_000; k++) {
    sq += 1 / (q + k);
    sc += 1 / (c + k);
    term *= ((q + k) / (c + k)) * z;
    sum += term;
    dq += term * sq;
    dc -= term * sc;
    dz += (k + 1) * term;
    if (term * tailFactor <= 1e-17 * sum) {
      return { lnH: Math.log(sum), dq: dq / sum, dc: dc / sum, dz: dz / (z * sum) };
    }
  }
  return { lnH: NaN, dq: NaN, dc: NaN, dz: NaN };
}

const NODES = (() => {
  const h = 1 / 32;
  const ts: number[] = [];
  for (let t = -3.5; t <= 7; t += h) ts.push(t);
  return ts.map((t) => {
    const v = Math.PI * Math.sinh(t);
    const lnU = -log1pExp(-v);
    const lnOm = -log1pExp(v);
    return {
      u: Math.exp(lnU),
      om: Math.exp(lnOm),
      lnOm,
      lnWeight: Math.log(h * Math.PI * Math.cosh(t)) + lnU + lnOm,
    };
  });
})();

function referenceQuadrature(q: number, c: number, z: number, w: number): H {
  const terms = NODES.map((n) => n.lnWeight + (c - 2) * n.lnOm - q * Math.log(w + z * n.om));
  const max = Math.max(...terms);
  let sum = 0;
  let dq = 0;
  let dc = 0;
  let dz = 0;
  NODES.forEach((n, i) => {
    const e = Math.exp(terms[i] - max);
    if (e === 0) return;
    const d = w + z * n.om;
    sum += e;
    dq -= e * Math.log(d);
    dc += e * n.lnOm;
    dz += (e * n.u) / d;
  });
  return {
    lnH: Math.log(c - 1) + max + Math.log(sum),
    dq: dq / sum,
    dc: 1 / (c - 1) + dc / sum,
    dz: (q * dz) / sum,
  };
}

function reference(q: number, c: number, z: number, w: number): H {
  return z <= 0.9 ? referenceSeries(q, c, z) : referenceQuadrature(q, c, z, w);
}

describe("Pareto/NBD's 2F1 terms", () => {
  it("equal the in-place series and every-node quadrature bit for bit, tables shared as a pass shares them", () => {
    // Passes at several parameter sets, both orders of α and β; per pass, every x has its
    // "alive" and "died" table, visited in an interleaved order of (x, τ) pairs.
    const passes = [
      { r: 1.4773615743865356, alpha: 168.31362387389373, s: 5.700414387896856, beta: 5017.8 },
      { r: 0.55, alpha: 10.58, s: 0.61, beta: 11.67 },
      { r: 0.3, alpha: 900, s: 0.35, beta: 40 },
      { r: 12, alpha: 3, s: 40, beta: 2 },
    ];
    const taus = [0, 0.5, 1, 3, 7, 20, 38.86, 90, 180.5, 365, 700, 1100, 4000];
    let compared = 0;
    for (const { r, alpha, s, beta } of passes) {
      const tables = Array.from({ length: 2 * 31 }, () => new SeriesTable());
      for (const tau of taus) {
        for (let x = 0; x <= 30; x++) {
          for (const [dA, dB] of [
            [1, 0],
            [0, 1],
          ]) {
            const A = r + x + dA;
            const B = s + dB;
            const c = A + B;
            const [q, z, w] =
              alpha >= beta
                ? [A, (alpha - beta) / (alpha + tau), (beta + tau) / (alpha + tau)]
                : [B, (beta - alpha) / (beta + tau), (alpha + tau) / (beta + tau)];
            const table = tables[2 * x + dB];
            const got = paretoNbdH(q, c, z, w, table);
            const want = reference(q, c, z, w);
            expect(Object.is(got.lnH, want.lnH), `lnH q=${q} c=${c} z=${z}`).toBe(true);
            expect(Object.is(got.dq, want.dq), `dq q=${q} c=${c} z=${z}`).toBe(true);
            expect(Object.is(got.dc, want.dc), `dc q=${q} c=${c} z=${z}`).toBe(true);
            expect(Object.is(got.dz, want.dz), `dz q=${q} c=${c} z=${z}`).toBe(true);
            compared++;
          }
        }
      }
    }
    expect(compared).toBe(4 * 13 * 31 * 2);
  });

  it("is unchanged when one table serves different (q, c) one after another", () => {
    const table = new SeriesTable();
    for (const [q, c, z] of [
      [2, 9, 0.5],
      [5, 9, 0.85],
      [2, 9, 0.89],
      [1.5, 1.7, 0.3],
    ]) {
      const got = paretoNbdH(q, c, z, 1 - z, table);
      const want = referenceSeries(q, c, z);
      expect([got.lnH, got.dq, got.dc, got.dz]).toEqual([want.lnH, want.dq, want.dc, want.dz]);
    }
  });
});
