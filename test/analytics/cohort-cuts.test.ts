import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cohortCuts,
  combineCuts,
  concatMemberships,
  membershipOfCodes,
  type CohortCut,
} from "../../app/analytics/cohort-cuts";
import { cohortRetention } from "../../app/analytics/cohorts";
import { continuationByCohort } from "../../app/analytics/continuation";
import { buildPurchaseHistory, type PurchaseHistory } from "../../app/analytics/history";
import { createCalendar, parseMonth } from "../../app/analytics/time";
import { ORDER_CANCELLED } from "../../app/analytics/types";
import { d, randomShop, subsetHistory, tableFromRaw } from "./shop";

const arr = (a: ArrayLike<number>) => Array.from(a);
const tokyo = createCalendar("Asia/Tokyo");

/** Net revenue of every purchase up to asOfDay, over all customers of a history. */
function netToDate(history: PurchaseHistory, asOfDay: number): number {
  let net = 0;
  for (let p = 0; p < history.purchaseDay.length; p++) {
    if (history.purchaseDay[p] <= asOfDay) net += history.purchaseNet[p];
  }
  return net;
}

/** A cut in the shape of cohortRetention + continuationByCohort rows. */
function asTables(cut: CohortCut) {
  return cut.rows.map((r) => ({
    label: r.label,
    size: r.size,
    completeMonths: r.completeMonths,
    active: arr(r.activeCustomers),
    orders: arr(r.orders),
    net: arr(r.netMinor),
    reached: arr(r.reached),
  }));
}

function expectedTables(history: PurchaseHistory, asOfDay: number, maxMonths?: number) {
  const cohorts = cohortRetention(history, { asOfDay, maxMonths });
  const cont = continuationByCohort(history, { asOfDay });
  return cohorts.rows.map((r) => {
    const c = cont.rows.find((x) => x.month === r.month);
    return {
      label: r.label,
      size: r.size,
      completeMonths: r.completeMonths,
      active: arr(r.activeCustomers),
      orders: arr(r.orders),
      net: arr(r.netMinor),
      reached: arr(c?.reached ?? []),
    };
  });
}

describe("cohortCuts", () => {
  // c0 (cut 0): 2024-01-10, 2024-02-03, 2024-02-20 (two purchases in M1), 2024-03-05 cancelled.
  // c1 (cuts 0 and 1): 2024-01-31 23:30 JST (January), two orders on 2024-03-01.
  // c2 (cut 1): 2024-02-15, 2024-04-02 (after asOf: ignored).
  // c3 (no cut): 2024-01-01. Guest order: ignored.
  const orders = tableFromRaw([
    { c: 0, ms: Date.parse("2024-01-10T10:00:00+09:00"), net: 1000, flags: 0 },
    { c: 0, ms: Date.parse("2024-02-03T10:00:00+09:00"), net: 2000, flags: 0 },
    { c: 0, ms: Date.parse("2024-02-20T10:00:00+09:00"), net: 500, flags: 0 },
    { c: 0, ms: Date.parse("2024-03-05T10:00:00+09:00"), net: 700, flags: ORDER_CANCELLED },
    { c: 1, ms: Date.parse("2024-01-31T23:30:00+09:00"), net: 3000, flags: 0 },
    { c: 1, ms: Date.parse("2024-03-01T09:00:00+09:00"), net: 100, flags: 0 },
    { c: 1, ms: Date.parse("2024-03-01T18:00:00+09:00"), net: 200, flags: 0 },
    { c: 2, ms: Date.parse("2024-02-15T10:00:00+09:00"), net: 4000, flags: 0 },
    { c: 2, ms: Date.parse("2024-04-02T10:00:00+09:00"), net: 9000, flags: 0 },
    { c: 3, ms: Date.parse("2024-01-01T10:00:00+09:00"), net: 50, flags: 0 },
    { c: -1, ms: Date.parse("2024-01-02T10:00:00+09:00"), net: 80, flags: 0 },
  ]);
  const history = buildPurchaseHistory(orders, 4, tokyo);
  const asOfDay = d("2024-03-15");
  const membership = concatMemberships([
    membershipOfCodes(Int32Array.from([0, 0, -1, -1]), 1),
    membershipOfCodes(Int32Array.from([-1, 0, 0, -1]), 1),
  ]);
  const cuts = cohortCuts(history, membership, { asOfDay, maxPurchases: 4 });

  it("counts each cut's customers by hand", () => {
    expect(membership.cutCount).toBe(2);
    expect(cuts.map((c) => c.customers)).toEqual([2, 2]);
    // Net to date: c0 1000 + 2000 + 500 (March cancelled), c1 3000 + 100 + 200; c2 4000
    // (April after asOf).
    expect(cuts.map((c) => c.netToDateMinor)).toEqual([3500 + 3300, 3300 + 4000]);
    // Cut 0: January cohort c0 + c1. M0: both active, 2 orders, 4000; M1 (February): c0 with
    // two purchases (2 orders, 2500); M2 (March): c1 one purchase of two orders (300);
    // c0's March order is cancelled. c0 made 3 purchases, c1 2.
    expect(asTables(cuts[0])).toEqual([
      {
        label: "2024-01",
        size: 2,
        completeMonths: 2,
        active: [2, 1, 1],
        orders: [2, 2, 2],
        net: [4000, 2500, 300],
        reached: [2, 2, 1, 0],
      },
    ]);
    // Cut 1: c1 alone in January; c2 in February (its April purchase is after asOf).
    expect(asTables(cuts[1])).toEqual([
      {
        label: "2024-01",
        size: 1,
        completeMonths: 2,
        active: [1, 0, 1],
        orders: [1, 0, 2],
        net: [3000, 0, 300],
        reached: [1, 1, 0, 0],
      },
      {
        label: "2024-02",
        size: 1,
        completeMonths: 1,
        active: [1, 0],
        orders: [1, 0],
        net: [4000, 0],
        reached: [1, 0, 0, 0],
      },
    ]);
  });

  it("equals the cohort and continuation tables of each subset", () => {
    const sub0 = subsetHistory(orders, 4, (c) => c <= 1);
    const sub1 = subsetHistory(orders, 4, (c) => c === 1 || c === 2);
    const asTen = (t: ReturnType<typeof expectedTables>) =>
      t.map((r) => ({ ...r, reached: r.reached.slice(0, 4) }));
    expect(asTables(cuts[0])).toEqual(asTen(expectedTables(sub0, asOfDay)));
    expect(arr(cuts[0].totalReached)).toEqual([2, 2, 1, 0]);
    expect(arr(cuts[1].totalReached)).toEqual([2, 1, 0, 0]);
    expect(asTables(cuts[1])).toEqual(asTen(expectedTables(sub1, asOfDay)));
  });

  it("reports newest cohorts from fromMonth and caps columns, counting all customers", () => {
    const [late] = cohortCuts(history, membershipOfCodes(Int32Array.from([0, 0, 0, 0]), 1), {
      asOfDay,
      fromMonth: parseMonth("2024-02"),
      maxMonths: 1,
    });
    expect(late.customers).toBe(4);
    // Net to date counts every cohort and month, not only the rows: 3500 + 3300 + 4000 + 50.
    expect(late.netToDateMinor).toBe(10_850);
    // The pooled survival still counts the January cohort (c0: 3, c1: 2, c3: 1 purchases).
    expect(arr(late.totalReached).slice(0, 4)).toEqual([4, 2, 1, 0]);
    expect(late.rows.map((r) => [r.label, r.size, arr(r.activeCustomers)])).toEqual([
      ["2024-02", 1, [1]],
    ]);
  });

  it("rejects codes outside the cuts and a membership of another shop size", () => {
    expect(() => membershipOfCodes(Int32Array.from([2]), 2)).toThrow(RangeError);
    expect(() => cohortCuts(history, membershipOfCodes(new Int32Array(3), 1), { asOfDay })).toThrow(
      /customer count/,
    );
  });

  it("property: a first cohort month, few columns and few purchase numbers as the tables", () => {
    fc.assert(
      fc.property(
        randomShop(12, 60),
        fc.array(fc.integer({ min: -1, max: 1 }), { minLength: 12, maxLength: 12 }),
        fc.integer({ min: 0, max: 729 }),
        fc.integer({ min: 0, max: 24 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 4 }),
        ({ customers, orders: raw }, codes, asOfOffset, from, maxMonths, maxPurchases) => {
          const table = tableFromRaw(raw);
          const hist = buildPurchaseHistory(table, customers, tokyo);
          const asOf = d("2023-01-01") + asOfOffset;
          const fromMonth = parseMonth("2023-01") + from;
          const code = Int32Array.from({ length: customers }, (_, c) => codes[c]);
          const got = cohortCuts(hist, membershipOfCodes(code, 2), {
            asOfDay: asOf,
            fromMonth,
            maxMonths,
            maxPurchases,
          });
          for (let g = 0; g < 2; g++) {
            const sub = subsetHistory(table, customers, (c) => code[c] === g);
            const cohorts = cohortRetention(sub, { asOfDay: asOf, fromMonth, maxMonths });
            const cont = continuationByCohort(sub, { asOfDay: asOf, maxPurchases });
            expect(asTables(got[g])).toEqual(
              cohorts.rows.map((r) => ({
                label: r.label,
                size: r.size,
                completeMonths: r.completeMonths,
                active: arr(r.activeCustomers),
                orders: arr(r.orders),
                net: arr(r.netMinor),
                reached: arr(cont.rows.find((x) => x.month === r.month)?.reached ?? []),
              })),
            );
            expect(got[g].customers).toBe(cont.total?.size ?? 0);
            expect(arr(got[g].totalReached)).toEqual(
              arr(cont.total?.reached ?? new Int32Array(maxPurchases)),
            );
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("property: every cut equals the tables computed over exactly its customers", () => {
    fc.assert(
      fc.property(
        randomShop(12, 60),
        fc.array(fc.integer({ min: -1, max: 2 }), { minLength: 12, maxLength: 12 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        fc.integer({ min: 0, max: 729 }),
        ({ customers, orders: raw }, codes, extra, asOfOffset) => {
          const table = tableFromRaw(raw);
          const hist = buildPurchaseHistory(table, customers, tokyo);
          const asOf = d("2023-01-01") + asOfOffset;
          const code = Int32Array.from({ length: customers }, (_, c) => codes[c]);
          const flag = Int32Array.from({ length: customers }, (_, c) => (extra[c] ? 0 : -1));
          const m = concatMemberships([membershipOfCodes(code, 3), membershipOfCodes(flag, 1)]);
          const got = cohortCuts(hist, m, { asOfDay: asOf, maxMonths: 6 });
          // Cut indices in bytes: the same cuts.
          const narrow = { ...m, group: Uint8Array.from(m.group) };
          expect(cohortCuts(hist, narrow, { asOfDay: asOf, maxMonths: 6 })).toEqual(got);
          for (let g = 0; g < 4; g++) {
            const keep = (c: number) => (g < 3 ? code[c] === g : extra[c]);
            const sub = subsetHistory(table, customers, keep);
            expect(asTables(got[g])).toEqual(expectedTables(sub, asOf, 6));
            const total = continuationByCohort(sub, { asOfDay: asOf }).total;
            expect(arr(got[g].totalReached)).toEqual(arr(total?.reached ?? new Int32Array(10)));
            expect(got[g].netToDateMinor).toBe(netToDate(sub, asOf));
          }
          // Codes 0 ∪ 1 ∪ 2 less those of them with the flag = those without it.
          const only = (keep: (c: number) => boolean) =>
            cohortCuts(
              hist,
              membershipOfCodes(
                Int32Array.from(code, (_, c) => (keep(c) ? 0 : -1)),
                1,
              ),
              { asOfDay: asOf, maxMonths: 6 },
            )[0];
          const flagged = only((c) => code[c] >= 0 && extra[c]);
          const rest = combineCuts(got.slice(0, 3), [flagged]);
          const direct = only((c) => code[c] >= 0 && !extra[c]);
          expect(asTables(rest)).toEqual(asTables(direct));
          expect(rest.customers).toBe(direct.customers);
          expect(rest.netToDateMinor).toBe(direct.netToDateMinor);
          expect(arr(rest.totalReached)).toEqual(arr(direct.totalReached));
        },
      ),
      { numRuns: 150 },
    );
  });
});
