/**
 * Small dense quasi-Newton minimiser for the model likelihoods (2–4 parameters): BFGS on the
 * inverse Hessian with a strong-Wolfe line search (Nocedal & Wright 2006, algorithms 3.5, 3.6
 * and 6.1), plus a numerical Hessian and a Cholesky inverse for standard errors.
 * One module (about 600 lines) on purpose: BFGS, the Newton polish, the subsample warm start
 * and the uncertainty helpers share the small vector routines and are used as one toolkit by
 * every model fit.
 */

/** Objective value and gradient at a point; writes the gradient into `grad`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

/** Objective that also writes its Hessian (row-major n×n) when `hess` is given. */
export type ObjectiveWithHessian = (
  x: Float64Array,
  grad: Float64Array,
  hess: Float64Array | null,
) => number;

export interface MinimizeOptions {
  readonly maxIterations?: number;
  /** Stop when max |gradient| ≤ this. */
  readonly gradientTolerance?: number;
  /** Stop when the relative decrease of f over an iteration is below this, twice in a row. */
  readonly valueTolerance?: number;
  /** Starting inverse Hessian (row-major n×n), e.g. from a fit on a subsample. */
  readonly initialInverseHessian?: Float64Array;
  /**
   * Called at each iterate before the next step; a non-null string stops the minimisation
   * there (not converged, that string as the message). Lets a caller stop a fit that runs
   * to a known limit or has spent its evaluation budget.
   */
  readonly stop?: (x: Float64Array, value: number) => string | null;
}

export interface MinimizeResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly gradient: Float64Array;
  readonly iterations: number;
  readonly evaluations: number;
  readonly converged: boolean;
  readonly message: string;
  /** Final BFGS inverse-Hessian approximation (row-major). */
  readonly inverseHessian: Float64Array;
}

function dot(u: Float64Array, v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += u[i] * v[i];
  return s;
}

function maxAbs(u: Float64Array): number {
  let m = 0;
  for (let i = 0; i < u.length; i++) m = Math.max(m, Math.abs(u[i]));
  return m;
}

/** Minimiser of the cubic through (a, fa, ga) and (b, fb, gb), or NaN (N&W eq. 3.59). */
function cubicMin(a: number, fa: number, ga: number, b: number, fb: number, gb: number): number {
  const d1 = ga + gb - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - ga * gb;
  if (!(disc >= 0)) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - ((b - a) * (gb + d2 - d1)) / (gb - ga + 2 * d2);
}

interface LinePoint {
  step: number;
  value: number;
  slope: number;
}

/**
 * Strong-Wolfe line search along `dir` from `x0` (value f0, slope g0 < 0). Non-finite values
 * (parameters that overflow the likelihood) count as too large, so the step shrinks.
 * On return `xOut` and `gOut` hold the accepted point.
 */
function lineSearch(
  f: Objective,
  x0: Float64Array,
  f0: number,
  g0: number,
  dir: Float64Array,
  initialStep: number,
  xOut: Float64Array,
  gOut: Float64Array,
  counter: { evaluations: number },
): LinePoint | null {
  const c1 = 1e-4;
  const c2 = 0.9;
  const n = x0.length;
  const evaluate = (step: number): LinePoint => {
    for (let i = 0; i < n; i++) xOut[i] = x0[i] + step * dir[i];
    counter.evaluations++;
    const value = f(xOut, gOut);
    const slope = dot(gOut, dir);
    if (!Number.isFinite(value) || !Number.isFinite(slope)) {
      return { step, value: Infinity, slope: NaN };
    }
    return { step, value, slope };
  };
  const zoom = (lo: LinePoint, hi: LinePoint): LinePoint | null => {
    for (let k = 0; k < 12; k++) {
      let step = Number.isFinite(hi.value)
        ? cubicMin(lo.step, lo.value, lo.slope, hi.step, hi.value, hi.slope)
        : NaN;
      const left = Math.min(lo.step, hi.step);
      const width = Math.abs(hi.step - lo.step);
      // Safeguard: stay well inside the bracket, else bisect.
      if (!(step > left + 0.1 * width && step < left + 0.9 * width)) step = (lo.step + hi.step) / 2;
      const p = evaluate(step);
      if (p.value > f0 + c1 * step * g0 || p.value >= lo.value) {
        hi = p;
      } else {
        if (Math.abs(p.slope) <= -c2 * g0) return p;
        if (p.slope * (hi.step - lo.step) >= 0) hi = lo;
        lo = p;
      }
      if (Math.abs(hi.step - lo.step) < 1e-16 * Math.max(1, lo.step)) break;
    }
    // The bracket collapsed: accept the best point if it decreased f at all.
    if (lo.step > 0 && lo.value < f0) {
      evaluate(lo.step);
      return lo;
    }
    return null;
  };

  let prev: LinePoint = { step: 0, value: f0, slope: g0 };
  let step = initialStep;
  for (let k = 0; k < 60; k++) {
    const p = evaluate(step);
    if (!Number.isFinite(p.value)) {
      // Overflowed: shrink towards the last good point.
      step = prev.step + (step - prev.step) / 4;
      continue;
    }
    if (p.value > f0 + c1 * step * g0 || (k > 0 && p.value >= prev.value)) return zoom(prev, p);
    if (Math.abs(p.slope) <= -c2 * g0) return p;
    if (p.slope >= 0) return zoom(p, prev);
    prev = p;
    step *= 2;
  }
  return null;
}

/** Minimise f from x0 by BFGS with a strong-Wolfe line search. */
export function minimizeBfgs(
  f: Objective,
  x0: ArrayLike<number>,
  options: MinimizeOptions = {},
): MinimizeResult {
  const n = x0.length;
  const maxIterations = options.maxIterations ?? 200;
  const gtol = options.gradientTolerance ?? 1e-9;
  const ftol = options.valueTolerance ?? 1e-14;
  const counter = { evaluations: 1 };
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let fx = f(x, g);
  if (!Number.isFinite(fx)) {
    return {
      x,
      value: fx,
      gradient: g,
      iterations: 0,
      evaluations: 1,
      converged: false,
      message: "objective is not finite at the starting point",
      inverseHessian: identity(n),
    };
  }
  const H = options.initialInverseHessian
    ? Float64Array.from(options.initialInverseHessian)
    : identity(n);
  let scaled = options.initialInverseHessian !== undefined;
  const dir = new Float64Array(n);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  const s = new Float64Array(n);
  const y = new Float64Array(n);
  const Hy = new Float64Array(n);
  let smallDecreases = 0;
  let message = "maximum iterations reached";
  let converged = false;
  let iterations = 0;

  for (; iterations < maxIterations; iterations++) {
    if (maxAbs(g) <= gtol) {
      converged = true;
      message = "gradient below tolerance";
      break;
    }
    const stopped = options.stop?.(x, fx) ?? null;
    if (stopped !== null) {
      message = stopped;
      break;
    }
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let j = 0; j < n; j++) v -= H[i * n + j] * g[j];
      dir[i] = v;
    }
    let slope = dot(dir, g);
    // Quasi-Newton predicted decrease ½ gᵀHg below what f can resolve (a mean over many
    // customers carries ~1e-16·|f| of rounding): the optimum is reached to working precision.
    if (
      scaled &&
      slope < 0 &&
      -slope / 2 <= 1e-15 * Math.max(1, Math.abs(fx)) &&
      maxAbs(g) <= Math.sqrt(gtol)
    ) {
      converged = true;
      message = "predicted decrease below rounding";
      break;
    }
    if (!(slope < 0)) {
      // Not a descent direction (H lost positive definiteness): restart on steepest descent.
      H.set(identity(n));
      scaled = false;
      for (let i = 0; i < n; i++) dir[i] = -g[i];
      slope = dot(dir, g);
    }
    const firstStep = scaled ? 1 : Math.min(1, 1 / maxAbs(g));
    const point = lineSearch(f, x, fx, slope, dir, firstStep, xNew, gNew, counter);
    if (point === null) {
      if (scaled) {
        // The curvature model is stale (a warm start's inverse Hessian, or one built where the
        // surface changed, e.g. near a wall): retry from here on steepest descent, rebuilding H.
        H.set(identity(n));
        scaled = false;
        continue;
      }
      message = "line search failed to decrease the objective";
      // At a minimum up to rounding the line search cannot progress: that is convergence.
      converged = maxAbs(g) <= Math.sqrt(gtol);
      break;
    }
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gNew[i] - g[i];
    }
    const decrease = fx - point.value;
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    fx = point.value;
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (!scaled) {
        // Nocedal & Wright eq. 6.20: scale the initial inverse Hessian before the first update.
        const gamma = sy / dot(y, y);
        for (let i = 0; i < n * n; i++) H[i] *= gamma;
        scaled = true;
      }
      // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ (N&W eq. 6.17).
      const rho = 1 / sy;
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let j = 0; j < n; j++) v += H[i * n + j] * y[j];
        Hy[i] = v;
      }
      const yHy = dot(y, Hy);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          H[i * n + j] += rho * ((1 + rho * yHy) * s[i] * s[j] - Hy[i] * s[j] - s[i] * Hy[j]);
        }
      }
    }
    if (decrease <= ftol * Math.max(1, Math.abs(fx))) {
      smallDecreases++;
      if (smallDecreases >= 2 && maxAbs(g) <= Math.sqrt(gtol)) {
        converged = true;
        message = "objective no longer decreasing";
        iterations++;
        break;
      }
    } else smallDecreases = 0;
  }
  if (!converged && maxAbs(g) <= gtol) {
    converged = true;
    message = "gradient below tolerance";
  }
  return {
    x,
    value: fx,
    gradient: g,
    iterations,
    evaluations: counter.evaluations,
    converged,
    message,
    inverseHessian: H,
  };
}

function identity(n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

/**
 * Hessian of f by differences of its analytic gradient (step h per coordinate), symmetrised,
 * row-major n×n. Central differences cost 2n gradient passes, forward differences n + 1 with
 * O(h) error (1e-5 relative at h = 1e-5: plenty for standard errors, half the passes).
 */
export function numericalHessian(
  f: Objective,
  x: ArrayLike<number>,
  h = 1e-4,
  scheme: "central" | "forward" = "central",
): Float64Array {
  const n = x.length;
  const H = new Float64Array(n * n);
  const xp = Float64Array.from(x);
  const gp = new Float64Array(n);
  const gm = new Float64Array(n);
  if (scheme === "forward") f(xp, gm);
  for (let j = 0; j < n; j++) {
    const step = h * Math.max(1, Math.abs(x[j]));
    xp[j] = x[j] + step;
    f(xp, gp);
    if (scheme === "central") {
      xp[j] = x[j] - step;
      f(xp, gm);
    }
    xp[j] = x[j];
    const width = scheme === "central" ? 2 * step : step;
    for (let i = 0; i < n; i++) H[i * n + j] = (gp[i] - gm[i]) / width;
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = (H[i * n + j] + H[j * n + i]) / 2;
      H[i * n + j] = v;
      H[j * n + i] = v;
    }
  }
  return H;
}

/**
 * Standard errors of parameters fitted on their logs: SE(θ) = θ · SE(ln θ) (delta method;
 * exact at the optimum, where the gradient vanishes), Cov(ln θ) the inverse of the total
 * objective's Hessian, `weight` × the per-customer Hessian `hPhi`. Null when that Hessian is
 * not positive definite or an error is not finite.
 */
export function logParamStandardErrors(
  theta: readonly number[],
  hPhi: Float64Array,
  weight: number,
): number[] | null {
  return logParamUncertainty(theta, hPhi, weight)?.standardErrors ?? null;
}

/** Cov(ln θ) (row-major n×n) and SE(θ) together; null as logParamStandardErrors. */
export function logParamUncertainty(
  theta: readonly number[],
  hPhi: Float64Array,
  weight: number,
): { standardErrors: number[]; logCovariance: number[] } | null {
  const n = theta.length;
  const cov = invertSpd(
    Float64Array.from(hPhi, (v) => v * weight),
    n,
  );
  if (cov === null) return null;
  const se = theta.map((t, i) => t * Math.sqrt(cov[i * n + i]));
  return se.every(Number.isFinite) ? { standardErrors: se, logCovariance: Array.from(cov) } : null;
}

/** Lower Cholesky factor of a symmetric positive-definite n×n matrix, or null if it is not SPD. */
export function cholesky(A: ArrayLike<number>, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = A[i * n + j];
      for (let k = 0; k < j; k++) sum -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(sum > 0)) return null;
        L[i * n + i] = Math.sqrt(sum);
      } else L[i * n + j] = sum / L[j * n + j];
    }
  }
  return L;
}

/** Inverse of a symmetric positive-definite matrix by Cholesky, or null if it is not SPD. */
export function invertSpd(A: Float64Array, n: number): Float64Array | null {
  const L = cholesky(A, n);
  if (L === null) return null;
  // Inverse of L (lower triangular), then A⁻¹ = L⁻ᵀ L⁻¹.
  const Li = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    Li[i * n + i] = 1 / L[i * n + i];
    for (let j = 0; j < i; j++) {
      let sum = 0;
      for (let k = j; k < i; k++) sum -= L[i * n + k] * Li[k * n + j];
      Li[i * n + j] = sum / L[i * n + i];
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = Math.max(i, j); k < n; k++) sum += Li[k * n + i] * Li[k * n + j];
      inv[i * n + j] = sum;
    }
  }
  for (const v of inv) if (!Number.isFinite(v)) return null;
  return inv;
}

/**
 * The models' objective on φ = ln θ, from a log-likelihood in θ: −LL/W + λ Σ φ² (W =
 * customers, so values are O(1) whatever the shop size). Gradient and Hessian by the chain rule
 *   ∂/∂φ_i = θ_i ∂/∂θ_i,   ∂²/∂φ_i∂φ_j = θ_i θ_j ∂²/∂θ_i∂θ_j + δ_ij θ_i ∂/∂θ_i.
 * Writes `grad`, and `hess` (row-major n×n) when both it and `hTheta` are given.
 */
export function logParameterObjective(
  phi: ArrayLike<number>,
  theta: ArrayLike<number>,
  ll: number,
  gTheta: ArrayLike<number>,
  hTheta: ArrayLike<number> | null,
  W: number,
  penalizer: number,
  grad: Float64Array,
  hess: Float64Array | null,
): number {
  const n = phi.length;
  let value = -ll / W;
  for (let i = 0; i < n; i++) {
    grad[i] = (-gTheta[i] * theta[i]) / W + 2 * penalizer * phi[i];
    value += penalizer * phi[i] * phi[i];
  }
  if (hess !== null && hTheta !== null) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let h = (-theta[i] * theta[j] * hTheta[i * n + j]) / W;
        if (i === j) h += (-theta[i] * gTheta[i]) / W + 2 * penalizer;
        hess[i * n + j] = h;
      }
    }
  }
  return value;
}

/** An objective's value, gradient and Hessian at x, as a pass there computed them. */
export interface KnownPoint {
  readonly x: Float64Array;
  readonly value: number;
  readonly gradient: Float64Array;
  readonly hessian: Float64Array;
}

/**
 * f(x) with its gradient and Hessian written to grad and hess: copied from `known` when it
 * is that very point (passes are deterministic, so it is the same numbers), else one pass.
 */
export function objectiveAt(
  f: ObjectiveWithHessian,
  x: Float64Array,
  known: KnownPoint | null,
  grad: Float64Array,
  hess: Float64Array,
): number {
  if (known !== null && known.x.length === x.length && known.x.every((v, i) => v === x[i])) {
    grad.set(known.gradient);
    hess.set(known.hessian);
    return known.value;
  }
  return f(x, grad, hess);
}

export interface NewtonResult extends KnownPoint {
  readonly iterations: number;
  readonly evaluations: number;
  readonly converged: boolean;
}

/**
 * Newton's method with an analytic Hessian, for a start already near the optimum (a fit on
 * a subsample): quadratic convergence, so a few passes over the full data replace a dozen
 * BFGS passes. Step halving keeps it monotone (Armijo); a Hessian that is not positive
 * definite stops it unconverged, and the caller falls back to BFGS.
 */
export function newtonPolish(
  f: ObjectiveWithHessian,
  x0: ArrayLike<number>,
  maxIterations = 20,
): NewtonResult {
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let H = new Float64Array(n * n);
  let value = f(x, g, H);
  let evaluations = 1;
  const trial = new Float64Array(n);
  let gTrial = new Float64Array(n);
  let hTrial = new Float64Array(n * n);
  const done = (iterations: number, converged: boolean): NewtonResult => ({
    x,
    value,
    gradient: g,
    hessian: H,
    iterations,
    evaluations,
    converged,
  });
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    if (!Number.isFinite(value)) return done(iteration, false);
    const inv = invertSpd(H, n);
    if (inv === null) return done(iteration, false);
    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) p[i] -= inv[i * n + j] * g[j];
    let decrement = 0;
    for (let i = 0; i < n; i++) decrement -= p[i] * g[i];
    // Newton decrement below the rounding of a mean over many customers: converged.
    if (decrement / 2 <= 1e-15 * Math.max(1, Math.abs(value))) return done(iteration, true);
    let step = 1;
    let accepted = false;
    // A step that needs more than 8 halvings means the quadratic model is poor here (a start
    // far from the optimum): give up and let the caller run BFGS, rather than spend up to 30
    // full Hessian passes per iteration (a 1M-customer MBG/NBD fit spent 150 that way).
    for (let halving = 0; halving < 8 && !accepted; halving++) {
      for (let i = 0; i < n; i++) trial[i] = x[i] + step * p[i];
      const v = f(trial, gTrial, hTrial);
      evaluations++;
      if (Number.isFinite(v) && v <= value - 1e-4 * step * decrement) {
        x = Float64Array.from(trial);
        [g, gTrial] = [gTrial, g];
        [H, hTrial] = [hTrial, H];
        value = v;
        accepted = true;
      } else step /= 2;
    }
    if (!accepted) return done(iteration, false);
  }
  return done(maxIterations, false);
}

/** Subsample passes count as this fraction of a pass over the full data. */
const SUBSAMPLE_PASS = 1 / 16;

/**
 * For large data: BFGS on a 1/16 subsample, then Newton steps on the full data from its
 * optimum, a few full passes instead of a dozen. `x` is null when either stage does not
 * converge; `rough` is the subsample's optimum (with its inverse Hessian) when that stage
 * converged, a better start for BFGS on the full data than a default one.
 */
export function subsampleThenPolish(
  subsample: Objective,
  full: ObjectiveWithHessian,
  start: ArrayLike<number>,
): {
  x: Float64Array | null;
  /** The full objective at x (the polish's last pass), null with x. */
  optimum: KnownPoint | null;
  rough: MinimizeResult | null;
  iterations: number;
  evaluations: number;
} {
  const rough = minimizeBfgs(subsample, start, { gradientTolerance: 1e-7 });
  let evaluations = rough.evaluations * SUBSAMPLE_PASS;
  if (!rough.converged) return { x: null, optimum: null, rough: null, iterations: 0, evaluations };
  const polished = newtonPolish(full, rough.x);
  evaluations += polished.evaluations;
  return {
    x: polished.converged ? polished.x : null,
    optimum: polished.converged ? polished : null,
    rough,
    iterations: polished.iterations,
    evaluations,
  };
}

/**
 * |ln θ| beyond which a quadratic wall holds the model fits (BG/NBD, MBG/NBD, Pareto/NBD). On
 * degenerate data (a few customers, no rate heterogeneity, everyone dropping out) the
 * likelihood's supremum lies at infinity, e.g. r, α → ∞ with r/α fixed (the Poisson limit);
 * followed there, r·ln α and (r+x)·ln(α+T) cancel to rounding noise (a 10-customer shop
 * reached r ≈ 5e48 and a "log-likelihood" of +3e35). θ in [1e-6, 1e6] is the limiting model
 * to any precision that matters, and no realistic fit comes near the wall (CDNOW: |ln θ| ≤ 2.5).
 */
export const LOG_PARAMETER_BOUND = Math.log(1e6);

/**
 * The wall's value Σ (|φ_i| − bound)² over the log-parameters φ, adding its gradient and
 * Hessian (row-major n×n) when given.
 */
export function boundaryPenalty(
  phi: ArrayLike<number>,
  grad: Float64Array | null,
  hess: Float64Array | null,
): number {
  const n = phi.length;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const excess = Math.abs(phi[i]) - LOG_PARAMETER_BOUND;
    if (!(excess > 0)) continue;
    value += excess * excess;
    if (grad !== null) grad[i] += 2 * excess * Math.sign(phi[i]);
    if (hess !== null) hess[i * n + i] += 2;
  }
  return value;
}
