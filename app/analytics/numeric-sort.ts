/**
 * Ascending sort of numbers into exactly the order Float64Array.prototype.sort gives; and
 * the radix sort of rows by 64-bit keys held as two 32-bit words that the load (ids) and the
 * result set (sort orders) share.
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

/** One digit of a word key: the high word or the low, the shift and width of the digit. */
export type WordDigit = readonly [high: boolean, shift: number, bits: number];

/**
 * Stable LSD radix sort of `rows` by the keys (hi[i], lo[i]) compared as unsigned words, high
 * first: `digits` least significant first; a pass whose digit is the same for every row is
 * skipped. The keys move with the rows, so every pass reads its digits in order (a gather
 * through the permuted rows misses the cache at every row of a million). Returns the rows and
 * keys sorted; the arrays passed in serve as scratch and may be the ones returned.
 */
export function radixSortByWords(
  hi: Uint32Array,
  lo: Uint32Array,
  rows: Int32Array,
  digits: readonly WordDigit[],
): { hi: Uint32Array; lo: Uint32Array; rows: Int32Array } {
  const n = rows.length;
  let hiTo: Uint32Array = new Uint32Array(n);
  let loTo: Uint32Array = new Uint32Array(n);
  let rowsTo: Int32Array = new Int32Array(n);
  const count = new Int32Array(1 << Math.max(...digits.map(([, , bits]) => bits)));
  for (const [high, shift, bits] of digits) {
    const mask = (1 << bits) - 1;
    const word = high ? hi : lo;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(word[i] >>> shift) & mask]++;
    if (n === 0 || count[(word[0] >>> shift) & mask] === n) continue;
    let at = 0;
    for (let d = 0; d <= mask; d++) {
      const c = count[d];
      count[d] = at;
      at += c;
    }
    for (let i = 0; i < n; i++) {
      const to = count[(word[i] >>> shift) & mask]++;
      hiTo[to] = hi[i];
      loTo[to] = lo[i];
      rowsTo[to] = rows[i];
    }
    [hi, hiTo] = [hiTo, hi];
    [lo, loTo] = [loTo, lo];
    [rows, rowsTo] = [rowsTo, rows];
  }
  return { hi, lo, rows };
}
