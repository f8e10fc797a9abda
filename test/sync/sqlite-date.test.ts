import { describe, expect, it } from "vitest";
import { sqliteDate } from "../../app/sync/sqlite-date.mjs";
import { Rng } from "../../app/analytics/random";

/** What Prisma's SQLite adapter writes for a DateTime, the slow and obvious way. */
const expected = (ms: number) => `${new Date(ms).toISOString().slice(0, -1)}+00:00`;

describe("sqliteDate", () => {
  it("writes what toISOString would, at the edges of days, years and the range", () => {
    const edges = [
      0,
      -1,
      1,
      86_399_999,
      86_400_000,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(1899, 11, 31, 12),
      -62_167_219_200_000, // 0000-01-01T00:00:00.000Z
      -62_167_219_200_001, // before year 0: extended year
      253_402_300_799_999, // 9999-12-31T23:59:59.999Z
      253_402_300_800_000, // 10000-01-01: extended year
      1_700_000_000_000.5, // a fraction of a millisecond, which Date drops
    ];
    for (const ms of edges) expect(sqliteDate(ms), String(ms)).toBe(expected(ms));
  });

  it("agrees with toISOString on 200,000 random instants, repeated days included", () => {
    const rng = new Rng(20261122);
    const random = () => rng.float();
    const mismatches: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      // Mostly Shopify-era instants (many per day, exercising the cache), some anywhere.
      const ms =
        i % 10 === 0
          ? Math.floor((random() - 0.5) * 2 * 8.64e15)
          : Date.UTC(2015, 0, 1) + Math.floor(random() * 12 * 365 * 86_400_000);
      if (sqliteDate(ms) !== expected(ms)) mismatches.push(ms);
    }
    expect(mismatches).toEqual([]);
  });
});
