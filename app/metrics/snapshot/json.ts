/**
 * Analytics results → plain JSON values: the snapshot is stored as JSON and
 * JSON.parse(JSON.stringify(s)) must equal s, so no NaN, ±Infinity or −0 gets in.
 */
import type { Metric } from "../../analytics";
import type { ConvergenceInfo } from "../../analytics/clv";
import type { ConvergenceJson } from "./types";

/** −0 → 0, so a JSON round trip gives back the same value. */
export const plain = (x: number): number => x + 0;
export const list = (values: ArrayLike<number>): number[] => Array.from(values, plain);
export const finiteOrNull = (x: number | null | undefined): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : plain(x);
export const finiteOr0 = (x: number): number => (Number.isFinite(x) ? plain(x) : 0);

/** A Metric with non-finite parts replaced (value → null, counts → 0). */
export function cleanMetric(metric: Metric): Metric {
  const details: Record<string, number> = {};
  for (const [k, v] of Object.entries(metric.details)) details[k] = finiteOr0(v);
  return {
    ...metric,
    value: finiteOrNull(metric.value),
    numerator: finiteOr0(metric.numerator),
    denominator: finiteOr0(metric.denominator),
    details,
  };
}

export function cleanConvergence(c: ConvergenceInfo): ConvergenceJson {
  return {
    converged: c.converged,
    iterations: c.iterations,
    evaluations: c.evaluations,
    gradientMaxAbs: finiteOrNull(c.gradientMaxAbs),
    message: c.message,
  };
}

/**
 * Throws when the value holds anything JSON would not give back unchanged (NaN, ±Infinity,
 * undefined, bigint, typed arrays, class instances), naming the path: a compute fails loudly
 * rather than storing a snapshot the pages would misread.
 */
export function assertJsonSafe(value: unknown, path = "snapshot"): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`${path} is ${value}, not a finite number`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertJsonSafe(item, `${path}[${i}]`));
    return;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) assertJsonSafe(item, `${path}.${key}`);
    return;
  }
  throw new TypeError(`${path} is not plain JSON data (${typeof value})`);
}
