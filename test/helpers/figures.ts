/** How the benches and the chaos run print their figures. */

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Nearest-rank quantile (0 < q ≤ 1) of values sorted ascending. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError("quantile of no values");
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
