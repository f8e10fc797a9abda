/**
 * The fits take the final Hessian pass from the Newton polish that ended at the optimum
 * instead of redoing it (optimize.ts objectiveAt): that is only right if the polish's last
 * pass is exactly the one a new pass there would give, and a different point is recomputed.
 */
import { describe, expect, it } from "vitest";
import {
  newtonPolish,
  objectiveAt,
  type ObjectiveWithHessian,
} from "../../app/analytics/clv/optimize";

// A smooth convex objective with an analytic gradient and Hessian (log-sum-exp plus a quadratic).
const objective: ObjectiveWithHessian = (x, grad, hess) => {
  const a = Math.exp(x[0] - 1);
  const b = Math.exp(-x[1] + 0.5);
  const value = a + b + 0.3 * x[0] * x[0] + 0.2 * x[1] * x[1] + 0.1 * x[0] * x[1];
  grad[0] = a + 0.6 * x[0] + 0.1 * x[1];
  grad[1] = -b + 0.4 * x[1] + 0.1 * x[0];
  if (hess !== null) hess.set([a + 0.6, 0.1, 0.1, b + 0.4]);
  return value;
};

describe("objectiveAt", () => {
  it("gives, at the polish's optimum, the numbers of a new pass there", () => {
    const polished = newtonPolish(objective, [2, -1]);
    expect(polished.converged).toBe(true);
    const g = new Float64Array(2);
    const h = new Float64Array(4);
    let passes = 0;
    const counted: ObjectiveWithHessian = (x, grad, hess) => {
      passes++;
      return objective(x, grad, hess);
    };
    const value = objectiveAt(counted, Float64Array.from(polished.x), polished, g, h);
    expect(passes).toBe(0);
    const g2 = new Float64Array(2);
    const h2 = new Float64Array(4);
    expect(value).toBe(objective(Float64Array.from(polished.x), g2, h2));
    expect(Array.from(g)).toEqual(Array.from(g2));
    expect(Array.from(h)).toEqual(Array.from(h2));
  });

  it("computes a pass at any other point", () => {
    const polished = newtonPolish(objective, [2, -1]);
    const other = Float64Array.from(polished.x);
    other[1] += 1e-12;
    let passes = 0;
    const counted: ObjectiveWithHessian = (x, grad, hess) => {
      passes++;
      return objective(x, grad, hess);
    };
    objectiveAt(counted, other, polished, new Float64Array(2), new Float64Array(4));
    objectiveAt(counted, other, null, new Float64Array(2), new Float64Array(4));
    expect(passes).toBe(2);
  });
});
