/**
 * The descriptive metrics' faster paths of the third speed round (decision 0065) against the
 * paths they replaced, as in descriptive-speed.test.ts and descriptive-speed-2.test.ts: each
 * reference is the earlier implementation, and the property tests check exactly equal
 * results.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  customerFacts,
  groupStats,
  groupStatsByCodes,
  membersOf,
} from "../../app/analytics/customer-groups";
import {
  entryCollectionReport,
  entryTypeReport,
  purchaseProducts,
  type Csr,
} from "../../app/analytics/entry-products";
import { buildPurchaseHistory } from "../../app/analytics/history";
import { createCalendar } from "../../app/analytics/time";
import { RANDOM_SPAN_DAYS, RANDOM_START_MS, randomShop, tableFromRaw } from "./shop";

const tokyo = createCalendar("Asia/Tokyo");

describe("group statistics tallied as one code per customer", () => {
  it("groupStatsByCodes equals groupStats of each grouping, member by member (property)", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer({ min: 0, max: RANDOM_SPAN_DAYS + 30 }),
        fc.integer(),
        fc.constantFrom(1, 6, 24),
        ({ customers, orders }, asOfOffset, seed, maxMonths) => {
          const h = buildPurchaseHistory(tableFromRaw(orders), customers, tokyo);
          const asOfDay = tokyo.dayOf(RANDOM_START_MS) + asOfOffset;
          const facts = customerFacts(h, { asOfDay, windowDays: 60, maxMonths });
          // Three groupings of 1, 3 and 7 groups, some customers in none.
          const groupings = [1, 3, 7].map((groupCount, i) => ({
            groupCount,
            code: Int32Array.from({ length: customers }, (_, c) => {
              const x = ((c * 2654435761 + seed * (i + 3)) >>> 0) % (groupCount + 1);
              return x === groupCount ? -1 : x;
            }),
          }));
          const got = groupStatsByCodes(facts, groupings);
          groupings.forEach((g, i) => {
            expect(got[i]).toEqual(groupStats(facts, membersOf(g.code, g.groupCount)));
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it("a group outside the grouping still throws", () => {
    const h = buildPurchaseHistory(
      tableFromRaw([{ c: 0, ms: RANDOM_START_MS, net: 500, flags: 0 }]),
      1,
      tokyo,
    );
    const facts = customerFacts(h, {
      asOfDay: tokyo.dayOf(RANDOM_START_MS) + 10,
      windowDays: 60,
      maxMonths: 6,
    });
    expect(() => groupStatsByCodes(facts, [{ code: Int32Array.of(2), groupCount: 2 }])).toThrow(
      RangeError,
    );
  });
});

/** The replaced entryCollectionReport: entry products expanded into their collections (a
 *  CSR), handed to the product-type report as products of one group each. */
function expandedCollections(
  facts: Parameters<typeof entryTypeReport>[0],
  entry: Csr,
  collectionsOf: Csr,
  titles: readonly string[],
) {
  const n = entry.start.length - 1;
  const P = collectionsOf.start.length - 1;
  const start = new Int32Array(n + 1);
  const values: number[] = [];
  let outside = 0;
  for (let c = 0; c < n; c++) {
    start[c] = values.length;
    for (let i = entry.start[c]; i < entry.start[c + 1]; i++) {
      const p = entry.values[i];
      if (p >= P) continue;
      for (let j = collectionsOf.start[p]; j < collectionsOf.start[p + 1]; j++) {
        values.push(collectionsOf.values[j]);
      }
    }
    if (values.length === start[c] && entry.start[c + 1] > entry.start[c] && facts.included[c]) {
      outside++;
    }
  }
  start[n] = values.length;
  const identity = Int32Array.from({ length: titles.length }, (_, k) => k);
  const byGroup = entryTypeReport(
    facts,
    { start, values: Int32Array.from(values) },
    identity,
    titles,
  );
  return {
    collections: byGroup.types.map(({ productType, ...row }) => ({ ...row, title: productType })),
    customersInCollections: byGroup.customersTyped,
    customersOutside: outside,
  };
}

describe("entry collections read in one pass", () => {
  it("equal the expansion through the product-type report (property)", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer(),
        fc.integer({ min: 0, max: RANDOM_SPAN_DAYS }),
        fc.integer({ min: 1, max: 6 }),
        ({ customers, orders }, seed, asOf, collectionCount) => {
          const table = tableFromRaw(orders);
          const h = buildPurchaseHistory(table, customers, tokyo);
          const asOfDay = tokyo.dayOf(RANDOM_START_MS) + asOf;
          const facts = customerFacts(h, { asOfDay, windowDays: 60, maxMonths: 12 });
          // 0–3 lines per order over 8 products, some custom (−1).
          const order: number[] = [];
          const product: number[] = [];
          for (let i = 0; i < table.length; i++) {
            const k = ((i * 2654435761 + seed) >>> 0) % 4;
            for (let j = 0; j < k; j++) {
              order.push(i);
              product.push((((i + j * 5 + seed) >>> 0) % 9) - 1);
            }
          }
          const items = {
            length: order.length,
            order: Int32Array.from(order),
            product: Int32Array.from(product),
          };
          const { entry } = purchaseProducts(h, table, items, 8, asOfDay, facts.included);
          // Products 0..6 (the last product has no membership row) in 0–3 collections,
          // repeats within a product included.
          const start = new Int32Array(8);
          const values: number[] = [];
          for (let p = 0; p < 7; p++) {
            start[p] = values.length;
            for (let j = 0; j < (p + seed) % 4; j++) {
              values.push(((p * 7 + j * 5 + seed) >>> 0) % collectionCount);
            }
          }
          start[7] = values.length;
          const collectionsOf = { start, values: Int32Array.from(values) };
          const titles = Array.from({ length: collectionCount }, (_, k) => `c${k}`);
          expect(entryCollectionReport(facts, entry, collectionsOf, titles)).toEqual(
            expandedCollections(facts, entry, collectionsOf, titles),
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});
