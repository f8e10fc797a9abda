import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { radixSortByWords, sortNumbers, type WordDigit } from "../../app/analytics/numeric-sort";

/** Same values in the same order, −0 and NaN included. */
const same = (a: Float64Array, b: Float64Array): boolean =>
  a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

describe("sortNumbers", () => {
  it("gives the built-in order for small, wide and mixed inputs (property)", () => {
    const value = fc.oneof(
      { arbitrary: fc.integer({ min: -50, max: 50 }), weight: 4 },
      { arbitrary: fc.integer({ min: -2e9, max: 2e9 }), weight: 4 },
      { arbitrary: fc.integer({ min: 0, max: 2 ** 40 }), weight: 1 },
      { arbitrary: fc.constantFrom(-0, NaN, 0.25, Infinity, -Infinity), weight: 1 },
    );
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 0, maxLength: 3000 }),
        fc.boolean(),
        (xs, integersOnly) => {
          const input = Float64Array.from(
            integersOnly ? xs.filter((x) => Number.isInteger(x) && !Object.is(x, -0)) : xs,
          );
          const expected = input.slice().sort();
          const out = sortNumbers(input);
          expect(out).toBe(input);
          expect(same(out, expected)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("takes the counting, radix and built-in paths", () => {
    const random = (n: number, span: number, seed: number) => {
      let a = seed;
      return Float64Array.from({ length: n }, () => {
        a = (Math.imul(a, 1103515245) + 12345) >>> 0;
        return Math.floor((a / 2 ** 32) * span) - Math.floor(span / 3);
      });
    };
    for (const [n, span] of [
      [10_000, 1000], // counting
      [10_000, 3e9], // radix: the range fits 32 bits
      [10_000, 2 ** 40], // wider: built-in
    ]) {
      const input = random(n, span, n + span);
      const expected = input.slice().sort();
      expect(same(sortNumbers(input), expected)).toBe(true);
    }
  });
});

describe("radixSortByWords", () => {
  // The load's layout (13–14-bit digits of a 26/27-bit split) and the result set's (16-bit
  // digits of two full words).
  const layouts: readonly (readonly WordDigit[])[] = [
    [
      [false, 0, 13],
      [false, 13, 13],
      [true, 0, 14],
      [true, 14, 13],
    ],
    [
      [false, 0, 16],
      [false, 16, 16],
      [true, 0, 16],
      [true, 16, 16],
    ],
  ];
  const word = fc.oneof(
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 2 ** 26 - 1 }),
    fc.constantFrom(2 ** 13, 2 ** 16 - 1, 2 ** 16, 2 ** 26 - 1),
  );

  it("sorts rows by (hi, lo) as a stable comparison sort does, keys moved along (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(word, word), { maxLength: 2000 }),
        fc.constantFrom(0, 1),
        (pairs, layout) => {
          const hi = Uint32Array.from(pairs, ([h]) => h);
          const lo = Uint32Array.from(pairs, ([, l]) => l);
          const rows = Int32Array.from(pairs, (_, i) => i);
          const expected = Array.from(rows).sort((a, b) => hi[a] - hi[b] || lo[a] - lo[b] || a - b);
          const expectedHi = expected.map((r) => hi[r]);
          const expectedLo = expected.map((r) => lo[r]);
          const sorted = radixSortByWords(hi.slice(), lo.slice(), rows, layouts[layout]);
          expect(Array.from(sorted.rows)).toEqual(expected);
          expect(Array.from(sorted.hi)).toEqual(expectedHi);
          expect(Array.from(sorted.lo)).toEqual(expectedLo);
        },
      ),
      { numRuns: 200 },
    );
  });
});
