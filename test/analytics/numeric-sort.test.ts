import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sortNumbers } from "../../app/analytics/numeric-sort";

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
