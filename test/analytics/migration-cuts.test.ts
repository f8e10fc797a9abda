import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concatMemberships, membershipOfCodes } from "../../app/analytics/cohort-cuts";
import { buildPurchaseHistory } from "../../app/analytics/history";
import { segmentMigration, yoyCounts, yoyMigration } from "../../app/analytics/migration";
import {
  combineMigrationCuts,
  migrationCuts,
  type MigrationCut,
} from "../../app/analytics/migration-cuts";
import type { RfmOptions } from "../../app/analytics/rfm";
import { createCalendar, yearRange } from "../../app/analytics/time";
import { FIXTURE_AS_OF, fixtureShop } from "./fixture";
import { d, randomShop, shop, subsetHistory, tableFromRaw, yoyShop } from "./shop";

const arr = (a: ArrayLike<number>) => Array.from(a);
const tokyo = createCalendar("Asia/Tokyo");

describe("migrationCuts", () => {
  it("counts each cut's year over year by hand", () => {
    // The YoY shop: 2024 against 2023.
    const h = yoyShop();
    const segments = segmentMigration(h, {
      fromAsOfDay: d("2023-12-31"),
      toAsOfDay: d("2024-12-31"),
    });
    // Cut 0: c0, c1, c2; cut 1: c1, c3, c4, c5, c6 (c1 in both).
    const membership = concatMemberships([
      membershipOfCodes(Int32Array.from([0, 0, 0, -1, -1, -1, -1]), 1),
      membershipOfCodes(Int32Array.from([-1, 0, -1, 0, 0, 0, 0]), 1),
    ]);
    const [a, b] = migrationCuts(h, membership, yearRange(2024), segments);
    // c0 existing then and retained, c1 new then and retained, c2 new then and gone; c0 and
    // c1 bought 1000 each in 2024.
    expect(yoyCounts(a)).toEqual({
      previousNew: 2,
      previousExisting: 1,
      retainedNew: 1,
      retainedExisting: 1,
      currentNew: 0,
      currentRetained: 2,
      currentReactivated: 0,
      currentRevenueMinor: { new: 0, retained: 2000, reactivated: 0 },
    });
    // c1 as above; c3 existing then, gone; c4 reactivated (3000); c5 new (7000); c6's first
    // purchase is in 2025 in Tokyo: nowhere.
    expect(yoyCounts(b)).toEqual({
      previousNew: 1,
      previousExisting: 1,
      retainedNew: 1,
      retainedExisting: 0,
      currentNew: 1,
      currentRetained: 1,
      currentReactivated: 1,
      currentRevenueMinor: { new: 7000, retained: 1000, reactivated: 3000 },
    });
    // Everyone with a purchase up to the end of 2024 is in the matrix; the revenue is 2024's.
    const total = (cut: MigrationCut) => arr(cut.counts).reduce((x, y) => x + y, 0);
    const revenue = (cut: MigrationCut) => arr(cut.revenueMinor).reduce((x, y) => x + y, 0);
    expect([total(a), total(b)]).toEqual([3, 4]);
    expect([revenue(a), revenue(b)]).toEqual([2000, 11_000]);
  });

  it("puts each cut's customers in the shop's segment cells by hand", () => {
    const h = fixtureShop();
    const segments = segmentMigration(h, {
      fromAsOfDay: d("2024-06-30"),
      toAsOfDay: FIXTURE_AS_OF,
    });
    // Cut 0: c0, c2, c3; cut 1: c1, c5 (c4 in none).
    const membership = membershipOfCodes(Int32Array.from([0, 1, 0, 0, -1, 1]), 2);
    const cuts = migrationCuts(h, membership, yearRange(2024), segments);
    const nonZero = (cut: MigrationCut) => {
      const out: [string, string, number, number][] = [];
      for (let k = 0; k < cut.counts.length; k++) {
        if (cut.counts[k] === 0) continue;
        const from = segments.labels[Math.floor(k / segments.size)];
        out.push([from, segments.labels[k % segments.size], cut.counts[k], cut.revenueMinor[k]]);
      }
      return out;
    };
    // The cells migration.test.ts lists for the whole shop, split by cut.
    expect(nonZero(cuts[0])).toEqual([
      ["potential_loyalist", "loyal", 1, 8000],
      ["none", "potential_loyalist", 1, 4000],
      ["none", "about_to_sleep", 1, 0],
    ]);
    expect(nonZero(cuts[1])).toEqual([
      ["at_risk", "at_risk", 1, 0],
      ["lost", "lost", 1, 0],
    ]);
  });

  it("rejects a membership or segments of another shop size and periods over a year", () => {
    const h = fixtureShop();
    const segments = segmentMigration(h, {
      fromAsOfDay: d("2024-06-30"),
      toAsOfDay: FIXTURE_AS_OF,
    });
    const year = yearRange(2024);
    expect(() => migrationCuts(h, membershipOfCodes(new Int32Array(5), 1), year, segments)).toThrow(
      /customer count/,
    );
    const other = segmentMigration(shop([], 3), { fromAsOfDay: 1, toAsOfDay: 2 });
    expect(() => migrationCuts(h, membershipOfCodes(new Int32Array(6), 1), year, other)).toThrow(
      /segments/,
    );
    expect(() =>
      migrationCuts(
        h,
        membershipOfCodes(new Int32Array(6), 1),
        { startDay: d("2023-01-01"), endDay: d("2024-06-01") },
        segments,
      ),
    ).toThrow(/one year/);
  });

  // Fixed score cut-offs: a customer's segment does not depend on the other customers, so
  // segmentMigration over exactly the cut's customers is the cut's matrix.
  const fixed: Pick<RfmOptions, "recencyScale" | "frequencyScale" | "monetaryScale"> = {
    recencyScale: { kind: "thresholds", thresholds: [365, 180, 90, 30] },
    frequencyScale: { kind: "thresholds", thresholds: [2, 3, 4, 6] },
    monetaryScale: { kind: "thresholds", thresholds: [1000, 5000, 10_000, 20_000] },
  };

  it("property: every cut equals the unfiltered functions over exactly its customers", () => {
    fc.assert(
      fc.property(
        randomShop(12, 60),
        fc.array(fc.integer({ min: -1, max: 2 }), { minLength: 12, maxLength: 12 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        fc.integer({ min: 366, max: 729 }),
        fc.integer({ min: 1, max: 365 }),
        fc.boolean(),
        ({ customers, orders: raw }, codes, extra, toOffset, length, quintiles) => {
          const table = tableFromRaw(raw);
          const hist = buildPurchaseHistory(table, customers, tokyo);
          const toDay = d("2023-01-01") + toOffset;
          const current = { startDay: toDay + 1 - length, endDay: toDay + 1 };
          const options = {
            fromAsOfDay: toDay - 365,
            toAsOfDay: toDay,
            ...(quintiles ? {} : fixed),
          };
          const segments = segmentMigration(hist, options);
          const code = Int32Array.from({ length: customers }, (_, c) => codes[c]);
          const flag = Int32Array.from({ length: customers }, (_, c) => (extra[c] ? 0 : -1));
          const m = concatMemberships([membershipOfCodes(code, 3), membershipOfCodes(flag, 1)]);
          const got = migrationCuts(hist, m, current, segments);
          // Cut indices in bytes: the same counts.
          expect(
            migrationCuts(hist, { ...m, group: Uint8Array.from(m.group) }, current, segments),
          ).toEqual(got);
          const keep = (g: number) => (c: number) => (g < 3 ? code[c] === g : extra[c]);
          for (let g = 0; g < 4; g++) {
            const sub = subsetHistory(table, customers, keep(g));
            expect(yoyCounts(got[g])).toEqual(yoyCounts(yoyMigration(sub, current)));
            if (!quintiles) {
              const own = segmentMigration(sub, options);
              expect(arr(got[g].counts)).toEqual(arr(own.counts));
              expect(arr(got[g].revenueMinor)).toEqual(arr(own.revenueMinor));
            }
          }
          // Quintiles rank among the whole shop: a cut's cells are those of its customers in
          // the shop's matrix, so cuts partitioning the shop add up to it exactly.
          const all = Int32Array.from({ length: customers }, (_, c) =>
            code[c] >= 0 ? code[c] : 3,
          );
          const parts = migrationCuts(hist, membershipOfCodes(all, 4), current, segments);
          const sum = combineMigrationCuts(parts, []);
          expect(yoyCounts(sum)).toEqual(yoyCounts(yoyMigration(hist, current)));
          expect(arr(sum.counts)).toEqual(arr(segments.counts));
          expect(arr(sum.revenueMinor)).toEqual(arr(segments.revenueMinor));
          // Codes 0 ∪ 1 ∪ 2 less those of them with the flag = those without it.
          const only = (k: (c: number) => boolean) =>
            migrationCuts(
              hist,
              membershipOfCodes(
                Int32Array.from(code, (_, c) => (k(c) ? 0 : -1)),
                1,
              ),
              current,
              segments,
            )[0];
          const rest = combineMigrationCuts(got.slice(0, 3), [
            only((c) => code[c] >= 0 && extra[c]),
          ]);
          expect(rest).toEqual(only((c) => code[c] >= 0 && !extra[c]));
        },
      ),
      { numRuns: 150 },
    );
  });
});
