/**
 * Special functions for the CLV models, in double precision: log-gamma (also signed, for
 * negative arguments met by the 2F1 transformations), digamma, log-beta and stable
 * log-sum-exp helpers. Written here rather than imported: the models' accuracy rests on them.
 */

const LN_SQRT_2PI = 0.9189385332046728; // ln(sqrt(2π))

/** Correction terms of Stirling's series, Σ B_2k / (2k(2k−1) x^(2k−1)), for x ≥ 10. */
function stirlingCorrection(x: number): number {
  const inv = 1 / x;
  const inv2 = inv * inv;
  return (
    inv *
    (1 / 12 +
      inv2 *
        (-1 / 360 +
          inv2 * (1 / 1260 + inv2 * (-1 / 1680 + inv2 * (1 / 1188 + inv2 * (-691 / 360360))))))
  );
}

/** Stirling series for lnΓ(x), x ≥ 10: error < 1e-16 relative (Abramowitz & Stegun 6.1.41). */
function lnGammaStirling(x: number): number {
  return (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + stirlingCorrection(x);
}

/**
 * ln Γ(x + a) − ln Γ(x) for x ≥ 10, a ≥ 0, without subtracting two huge logarithms:
 * (x − ½)·ln(1 + a/x) + a·ln(x + a) − a + correction(x + a) − correction(x).
 * For x = 10⁶ the naive difference would lose 7 digits.
 */
export function lnGammaIncrement(x: number, a: number): number {
  if (x < 10) return lnGamma(x + a) - lnGamma(x);
  return (
    (x - 0.5) * Math.log1p(a / x) +
    a * Math.log(x + a) -
    a +
    stirlingCorrection(x + a) -
    stirlingCorrection(x)
  );
}

/** ln Γ(x) for x > 0. Small x climb to 10 by the recurrence Γ(x+1) = xΓ(x). */
export function lnGamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  if (x >= 10) return lnGammaStirling(x);
  let prod = 1;
  let y = x;
  while (y < 10) {
    prod *= y;
    y += 1;
  }
  return lnGammaStirling(y) - Math.log(prod);
}

/** sin(πx) with exact zeros at the integers (avoids the error of Math.sin(Math.PI * x)). */
export function sinPi(x: number): number {
  let r = x % 2;
  if (r < 0) r += 2;
  if (r === 0 || r === 1) return 0;
  if (r > 1) return -Math.sin(Math.PI * (r - 1));
  return Math.sin(Math.PI * r);
}

/** Γ(x) as sign and ln|Γ(x)| for any real x; at poles (x = 0, −1, …) sign is 0 and log +∞. */
export interface SignedLog {
  sign: number;
  log: number;
}

export function lnGammaSigned(x: number): SignedLog {
  if (x > 0) return { sign: 1, log: lnGamma(x) };
  if (Number.isNaN(x)) return { sign: NaN, log: NaN };
  const s = sinPi(x);
  if (s === 0) return { sign: 0, log: Infinity };
  // Reflection Γ(x)Γ(1−x) = π / sin(πx).
  return { sign: Math.sign(s), log: Math.log(Math.PI / Math.abs(s)) - lnGamma(1 - x) };
}

/** 1/Γ(x) as sign and log, zero (sign 0, log −∞) at the poles of Γ. */
export function rGammaSigned(x: number): SignedLog {
  const g = lnGammaSigned(x);
  if (g.sign === 0) return { sign: 0, log: -Infinity };
  return { sign: g.sign, log: -g.log };
}

/** Digamma ψ(x) for real x (poles at 0, −1, … give NaN). */
export function digamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) {
    const s = sinPi(x);
    if (s === 0) return NaN;
    // Reflection ψ(1−x) − ψ(x) = π cot(πx).
    return digamma(1 - x) - (Math.PI * Math.cos(Math.PI * x)) / s;
  }
  let acc = 0;
  let y = x;
  // Recurrence up to 20, where the series truncated after x^-10 is accurate to 1e-17.
  while (y < 20) {
    acc -= 1 / y;
    y += 1;
  }
  const inv = 1 / y;
  const inv2 = inv * inv;
  // Asymptotic series (A&S 6.3.18).
  const series =
    inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132)))));
  return acc + Math.log(y) - 0.5 * inv - series;
}

/** Trigamma ψ'(x) for x > 0 (analytic Hessians of the likelihoods). */
export function trigamma(x: number): number {
  let acc = 0;
  let y = x;
  // The asymptotic series below is truncated after x^-11: accurate to 1e-17 from 20 on.
  while (y < 20) {
    acc += 1 / (y * y);
    y += 1;
  }
  const inv = 1 / y;
  const inv2 = inv * inv;
  const series =
    inv +
    inv2 / 2 +
    inv * inv2 * (1 / 6 - inv2 * (1 / 30 - inv2 * (1 / 42 - inv2 * (1 / 30 - (inv2 * 5) / 66))));
  return acc + series;
}

/** ln B(a, b) for a, b > 0; accurate when one argument is huge (b + x for x ≥ 1000). */
export function lnBeta(a: number, b: number): number {
  const small = Math.min(a, b);
  const big = Math.max(a, b);
  if (big >= 10) return lnGamma(small) - lnGammaIncrement(big, small);
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

/** ln(e^u + e^v) without overflow. */
export function logAddExp(u: number, v: number): number {
  if (u === -Infinity) return v;
  if (v === -Infinity) return u;
  return u > v ? u + Math.log1p(Math.exp(v - u)) : v + Math.log1p(Math.exp(u - v));
}

/** ln(1 + e^u). */
export function log1pExp(u: number): number {
  return u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u));
}

/** Logistic 1/(1 + e^(−u)), accurate in both tails. */
export function logistic(u: number): number {
  if (u >= 0) return 1 / (1 + Math.exp(-u));
  const e = Math.exp(u);
  return e / (1 + e);
}

/** ln of the logistic function, ln σ(u) = −ln(1 + e^(−u)). */
export function logLogistic(u: number): number {
  return -log1pExp(-u);
}
