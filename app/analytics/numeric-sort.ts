/**
 * Ascending sort of numbers into exactly the order Float64Array.prototype.sort gives.
 *
 * Hand-written because the built-in sort is a comparison sort: over a million per-customer
 * sums it costs several times a counting or radix pass, and no library sorts typed arrays
 * faster for this input. Only integers (minor units, counts) take the fast paths; −0, NaN,
 * infinities and fractions go to the built-in sort, so the order is always the built-in one.
 */

/** Below this length the built-in sort is as fast. */
const SMALL = 256;
const DIGIT = 1 << 16;

/** Sorts `values` in place (ascending, as Float64Array.prototype.sort) and returns it. */
export function sortNumbers(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < SMALL) return values.sort();
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    // Fractions, NaN, ±Infinity and −0 (ordered before +0 by the built-in sort).
    if (!Number.isInteger(v) || Object.is(v, -0)) return values.sort();
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  if (range <= 2 * n + 1024) {
    // Counting sort: the values are few distinct integers compared with their number.
    const counts = new Int32Array(range + 1);
    for (let i = 0; i < n; i++) counts[values[i] - min]++;
    let w = 0;
    for (let u = 0; u <= range; u++) {
      const v = u + min;
      for (let k = counts[u]; k > 0; k--) values[w++] = v;
    }
    return values;
  }
  if (range >= 2 ** 32) return values.sort();
  // LSD radix sort of the offsets from min, two 16-bit digits (stable passes).
  const keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) keys[i] = values[i] - min;
  const other = new Uint32Array(n);
  const start = new Int32Array(DIGIT);
  radixPass(keys, other, start, 0);
  radixPass(other, keys, start, 16);
  for (let i = 0; i < n; i++) values[i] = keys[i] + min;
  return values;
}

/** One stable counting pass of `from` into `to` on the 16 bits at `shift`. */
function radixPass(from: Uint32Array, to: Uint32Array, start: Int32Array, shift: number): void {
  start.fill(0);
  for (let i = 0; i < from.length; i++) start[(from[i] >>> shift) & 0xffff]++;
  let sum = 0;
  for (let d = 0; d < DIGIT; d++) {
    const count = start[d];
    start[d] = sum;
    sum += count;
  }
  for (let i = 0; i < from.length; i++) {
    const key = from[i];
    to[start[(key >>> shift) & 0xffff]++] = key;
  }
}
