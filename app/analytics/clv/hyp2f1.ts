/**
 * Gauss hypergeometric function 2F1(a, b; c; z) for real parameters and real z ≤ 1.
 *
 * - 0 ≤ z ≤ 0.9 (and above, while the series converges within 20,000 terms): the power series, summed
 *   with a running power-of-two scale so that huge parameters (a customer with x ≥ 1000
 *   purchases) neither overflow nor underflow: the result is carried as sign and logarithm.
 * - z < 0: Pfaff's transformation 2F1(a,b;c;z) = (1−z)^(−a) 2F1(a, c−b; c; z/(z−1))
 *   (DLMF 15.8.1) maps to a positive argument. When both a and b are much larger than c the
 *   result is a tiny difference of large terms and loses relative accuracy (not met by the
 *   CLV models, whose arguments are in [0, 1)).
 * - z near 1: the 1−z connection formula (DLMF 15.8.4); when c−a−b is an integer m the
 *   limiting logarithmic form (A&S 15.3.10–15.3.12, here 15.3.11 after Euler's
 *   transformation for m < 0); within 3e-4 of an integer, where both terms of 15.8.4 blow
 *   up and cancel, a quartic interpolation in a (2F1 is entire in a) through the integer
 *   point and four points ±3e-4, ±6e-4 away.
 * - z = 1: Gauss's sum Γ(c)Γ(c−a−b)/(Γ(c−a)Γ(c−b)) when c−a−b > 0, else +∞.
 *
 * c a non-positive integer (a pole, unless a terminating numerator comes first) gives NaN.
 */

import { digamma, lnGammaSigned, rGammaSigned, type SignedLog } from "./special";

const EPS = 1e-16;
const MAX_TERMS = 200_000;
const NEAR_INTEGER = 3e-4;
const LN2_SCALE = 600; // rescale partial sums by 2^-600 when they pass 2^600

function isNonPositiveInteger(v: number): boolean {
  return v <= 0 && Number.isInteger(v);
}

/** Result of a summed series: sign·exp(log), plus whether it converged. */
interface SeriesResult extends SignedLog {
  converged: boolean;
}

function addSigned(p: SignedLog, q: SignedLog): SignedLog {
  if (p.sign === 0) return q;
  if (q.sign === 0) return p;
  const m = Math.max(p.log, q.log);
  if (m === -Infinity) return { sign: 0, log: -Infinity };
  const v = p.sign * Math.exp(p.log - m) + q.sign * Math.exp(q.log - m);
  if (v === 0) return { sign: 0, log: -Infinity };
  return { sign: Math.sign(v), log: m + Math.log(Math.abs(v)) };
}

function mulSigned(...factors: SignedLog[]): SignedLog {
  let sign = 1;
  let log = 0;
  for (const f of factors) {
    sign *= f.sign;
    log += f.log;
  }
  return sign === 0 ? { sign: 0, log: -Infinity } : { sign, log };
}

function fromNumber(v: number): SignedLog {
  return v === 0 ? { sign: 0, log: -Infinity } : { sign: Math.sign(v), log: Math.log(Math.abs(v)) };
}

/**
 * Σ_n (a)_n (b)_n / ((c)_n n!) z^n with scaled partial sums. Stops once the terms are below
 * EPS relative to the sum while shrinking, past the region where a+n, b+n, c+n change sign.
 */
function powerSeries(a: number, b: number, c: number, z: number, maxTerms: number): SeriesResult {
  if (z === 0 || a === 0 || b === 0) return { sign: 1, log: 0, converged: true };
  const scaleDown = Math.pow(2, -LN2_SCALE);
  const scaleUp = Math.pow(2, LN2_SCALE);
  let term = 1;
  let sum = 1;
  let logScale = 0;
  const signSettled = Math.max(0, -a, -b, -c) + 1;
  for (let n = 0; n < maxTerms; n++) {
    const ratio = (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    term *= ratio;
    sum += term;
    if (term === 0) return finishSeries(sum, logScale, true);
    const absSum = Math.abs(sum);
    if (absSum > scaleUp || Math.abs(term) > scaleUp) {
      sum *= scaleDown;
      term *= scaleDown;
      logScale += LN2_SCALE * Math.LN2;
    }
    if (n >= signSettled && Math.abs(ratio) < 1 && Math.abs(term) <= EPS * Math.abs(sum)) {
      return finishSeries(sum, logScale, true);
    }
  }
  return finishSeries(sum, logScale, false);
}

function finishSeries(sum: number, logScale: number, converged: boolean): SeriesResult {
  if (sum === 0) return { sign: 0, log: -Infinity, converged };
  return { sign: Math.sign(sum), log: logScale + Math.log(Math.abs(sum)), converged };
}

/** 2F1 for z in [0, 1), any real a, b, c with c not a non-positive integer. */
function hyp2f1Unit(a: number, b: number, c: number, z: number): SignedLog {
  // Near z = 1 the series decays like n^(a+b−c−1) z^n: give it a short budget, then switch.
  const s = powerSeries(a, b, c, z, z <= 0.9 ? MAX_TERMS : 20_000);
  if (s.converged) return s;
  return connection1mz(a, b, c, z);
}

/** DLMF 15.8.4, the connection to 1−z, with the integer and near-integer c−a−b cases. */
function connection1mz(a: number, b: number, c: number, z: number): SignedLog {
  const d = c - a - b;
  const m = Math.round(d);
  if (d === m) return integerCase(a, b, c, z, m);
  if (Math.abs(d - m) < NEAR_INTEGER) {
    // 2F1 is entire in a: interpolate through a0 = c − b − m (where c − a − b = m exactly) and
    // a0 ± h, a0 ± 2h (h = NEAR_INTEGER), where 15.8.4 loses at most ~1e-13 to cancellation.
    const h = NEAR_INTEGER;
    const a0 = c - b - m;
    const nodes = [-2 * h, -h, 0, h, 2 * h];
    const values = nodes.map((da) =>
      da === 0 ? integerCase(a0, b, c, z, m) : generalConnection(a0 + da, b, c, z),
    );
    const target = a - a0;
    let acc: SignedLog = { sign: 0, log: -Infinity };
    for (let i = 0; i < nodes.length; i++) {
      let weight = 1;
      for (let j = 0; j < nodes.length; j++) {
        if (j !== i) weight *= (target - nodes[j]) / (nodes[i] - nodes[j]);
      }
      acc = addSigned(acc, mulSigned(values[i], fromNumber(weight)));
    }
    return acc;
  }
  return generalConnection(a, b, c, z);
}

function generalConnection(a: number, b: number, c: number, z: number): SignedLog {
  const w = 1 - z;
  const d = c - a - b;
  const gc = lnGammaSigned(c);
  // Γ(c)Γ(d)/(Γ(c−a)Γ(c−b)) 2F1(a, b; 1−d; 1−z)
  const f1 = powerSeries(a, b, 1 - d, w, MAX_TERMS);
  const t1 = mulSigned(gc, lnGammaSigned(d), rGammaSigned(c - a), rGammaSigned(c - b), f1);
  // (1−z)^d Γ(c)Γ(−d)/(Γ(a)Γ(b)) 2F1(c−a, c−b; 1+d; 1−z)
  const f2 = powerSeries(c - a, c - b, 1 + d, w, MAX_TERMS);
  const t2 = mulSigned(gc, lnGammaSigned(-d), rGammaSigned(a), rGammaSigned(b), f2, {
    sign: 1,
    log: d * Math.log(w),
  });
  return addSigned(t1, t2);
}

/** Running sum whose terms may pass the double range: rescaled by powers of two. */
class ScaledSum {
  sum = 0;
  term = 1;
  logScale = 0;
  rescale(): void {
    if (Math.abs(this.term) > 2 ** LN2_SCALE || Math.abs(this.sum) > 2 ** LN2_SCALE) {
      this.term *= 2 ** -LN2_SCALE;
      this.sum *= 2 ** -LN2_SCALE;
      this.logScale += LN2_SCALE * Math.LN2;
    }
  }
  result(): SignedLog {
    return this.sum === 0
      ? { sign: 0, log: -Infinity }
      : { sign: Math.sign(this.sum), log: this.logScale + Math.log(Math.abs(this.sum)) };
  }
}

/** c − a − b = m exactly: A&S 15.3.11 (m ≥ 0), Euler's transformation first when m < 0. */
function integerCase(a: number, b: number, c: number, z: number, m: number): SignedLog {
  const w = 1 - z;
  const lw = Math.log(w);
  if (m < 0) {
    // 2F1(a,b;c;z) = (1−z)^(c−a−b) 2F1(c−a, c−b; c; z), whose c−a'−b' = −m > 0.
    const inner = integerCase(c - a, c - b, c, z, -m);
    return mulSigned(inner, { sign: 1, log: m * lw });
  }
  const ap = a + m;
  const bp = b + m;
  // Finite part: Γ(m)Γ(c)/(Γ(a+m)Γ(b+m)) Σ_{k<m} (a)_k(b)_k/(k!(1−m)_k) w^k.
  let finite: SignedLog = { sign: 0, log: -Infinity };
  if (m > 0) {
    const acc = new ScaledSum();
    acc.sum = 1;
    for (let k = 0; k < m - 1; k++) {
      acc.term *= ((a + k) * (b + k) * w) / ((k + 1) * (1 - m + k));
      acc.sum += acc.term;
      acc.rescale();
    }
    finite = mulSigned(
      lnGammaSigned(m),
      lnGammaSigned(c),
      rGammaSigned(ap),
      rGammaSigned(bp),
      acc.result(),
    );
  }
  // Logarithmic part: −(z−1)^m Γ(c)/(Γ(a)Γ(b)) Σ_k (a+m)_k(b+m)_k/(k!(k+m)!) w^k
  //   × [ln w − ψ(k+1) − ψ(k+m+1) + ψ(a+k+m) + ψ(b+k+m)].
  const prefactor = mulSigned(lnGammaSigned(c), rGammaSigned(a), rGammaSigned(b), {
    sign: m % 2 === 0 ? -1 : 1,
    log: m * lw,
  });
  let logPart: SignedLog = { sign: 0, log: -Infinity };
  if (prefactor.sign !== 0) {
    // The coefficient (a+m)_k (b+m)_k / (k! (k+m)!) w^k starts from 1/m!.
    const acc = new ScaledSum();
    acc.logScale = -lnGammaSigned(m + 1).log;
    let psiK1 = digamma(1);
    let psiKm1 = digamma(m + 1);
    const settled = Math.max(0, -ap, -bp) + 1;
    for (let k = 0; k < MAX_TERMS; k++) {
      const bracket = lw - psiK1 - psiKm1 + digamma(ap + k) + digamma(bp + k);
      const term = acc.term * bracket;
      acc.sum += term;
      const ratio = ((ap + k) * (bp + k) * w) / ((k + 1) * (k + m + 1));
      if (k > settled && Math.abs(ratio) < 1 && Math.abs(term) <= EPS * Math.abs(acc.sum)) break;
      acc.term *= ratio;
      psiK1 += 1 / (k + 1);
      psiKm1 += 1 / (k + m + 1);
      if (acc.term === 0) break;
      acc.rescale();
    }
    logPart = mulSigned(prefactor, acc.result());
  }
  return addSigned(finite, logPart);
}

/** ln|2F1(a,b;c;z)| and its sign; use when 2F1 may overflow (huge parameters, z → 1). */
export function logHyp2f1(a: number, b: number, c: number, z: number): SignedLog {
  if ([a, b, c, z].some((v) => Number.isNaN(v)) || z > 1) return { sign: NaN, log: NaN };
  // A non-positive integer numerator terminates the series: a polynomial, exact for all z.
  const terminating = isNonPositiveInteger(a) || isNonPositiveInteger(b);
  if (isNonPositiveInteger(c)) {
    const n = Math.min(
      isNonPositiveInteger(a) ? -a : Infinity,
      isNonPositiveInteger(b) ? -b : Infinity,
    );
    if (!(n < -c)) return { sign: NaN, log: NaN };
  }
  if (z === 0 || a === 0 || b === 0) return { sign: 1, log: 0 };
  if (terminating) return powerSeries(a, b, c, z, MAX_TERMS);
  if (z === 1) {
    const d = c - a - b;
    if (d <= 0) return { sign: 1, log: Infinity };
    return mulSigned(lnGammaSigned(c), lnGammaSigned(d), rGammaSigned(c - a), rGammaSigned(c - b));
  }
  if (z < 0) {
    // Pfaff (DLMF 15.8.1): the new argument z/(z−1) lies in (0, 1).
    const w = z / (z - 1);
    const pre = -Math.log1p(-z);
    // Of the two forms, take the one whose second numerator is larger: fewer sign changes.
    if (c - b >= c - a) return mulSigned(hyp2f1Unit(a, c - b, c, w), { sign: 1, log: a * pre });
    return mulSigned(hyp2f1Unit(b, c - a, c, w), { sign: 1, log: b * pre });
  }
  return hyp2f1Unit(a, b, c, z);
}

/** 2F1(a, b; c; z) for real a, b, c and real z ≤ 1 (see the module comment for the method). */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  const r = logHyp2f1(a, b, c, z);
  if (Number.isNaN(r.sign)) return NaN;
  if (r.sign === 0) return 0;
  return r.sign * Math.exp(r.log);
}
