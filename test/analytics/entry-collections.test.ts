/**
 * Entry products by collection on the hand-written shop of acquisition-shop.ts (figures
 * worked out below from its orders; see entry-types.test.ts for the shop's purchases): a
 * product in several collections counts in each, a customer once per collection; and a
 * property: with one collection per product the rows are the product-type rows.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { entryCollectionReport, entryTypeReport } from "../../app/analytics/entry-products";
import { touchEntryShop } from "./acquisition-shop";
import { d } from "./shop";

const AS_OF = d("2025-03-31");
const { shop, facts, bought } = touchEntryShop(AS_OF);

/** Product code → collection codes from a product → collection titles map. */
function membership(of: Record<string, string[]>) {
  const titles = [...new Set(Object.values(of).flat())];
  const start = new Int32Array(shop.products.length + 1);
  const values: number[] = [];
  shop.products.forEach((p, i) => {
    start[i] = values.length;
    for (const t of of[p] ?? []) values.push(titles.indexOf(t));
  });
  start[shop.products.length] = values.length;
  return { collectionsOf: { start, values: Int32Array.from(values) }, titles };
}

describe("entry products by collection", () => {
  // Entry purchases: c0 {A, B}, c1 {A}, c2 {B}, c3 {S} (subscription), c5 {A}; c4 a custom
  // item only.
  it("a product in several collections counts in each; a customer once per collection", () => {
    const { collectionsOf, titles } = membership({
      A: ["Tea", "Bestsellers"],
      B: ["Tea"],
      S: ["Subscriptions", "Bestsellers"],
    });
    const report = entryCollectionReport(facts, bought.entry, collectionsOf, titles);
    expect(report.collections.map((r) => [r.title, r.customers])).toEqual([
      ["Tea", 4], // c0 (A and B: once), c1, c2, c5
      ["Bestsellers", 4], // c0 (A), c1, c3 (S), c5
      ["Subscriptions", 1], // c3
    ]);
    // Rows overlap: 9 memberships for 5 customers.
    expect(report.customersInCollections).toBe(5);
    expect(report.customersOutside).toBe(0);
    const best = report.collections[1]!;
    // F2 in 90 days: c0 (22 days), c1 (152: no), c3 (29 days); c5 too recent. 2 of 3.
    expect(best.f2).toEqual({ value: 2 / 3, numerator: 2, base: 3 });
    // Repeat: c0, c1, c3 of 4.
    expect(best.repeat).toEqual({ value: 0.75, numerator: 3, base: 4 });
    // LTV 6: c0 7,500; c1 6,000; c3 4,000; c5 under 6 months. 17,500 / 3.
    expect(best.ltv[0]).toEqual({ months: 6, valueMinor: 17_500 / 3, customers: 3 });
    // To subscription: c0 (S on 2024-05-20) of c0, c1, c5; c3 started on one (no base).
    expect(best.toSubscription).toEqual({ value: 1 / 3, numerator: 1, base: 3 });
    // Gaps 1st → 2nd: c0 22, c3 29, c1 152.
    expect(best.firstToSecond).toMatchObject({ count: 3, median: 29 });
    // Tea's row is the product-type report's Tea row (same customers).
    const tea = report.collections[0]!;
    expect(tea).toMatchObject({ customers: 4, f2: { numerator: 1, base: 3 } });
  });

  it("customers whose entry products are in no collection are counted apart", () => {
    // Only B in a collection: c0 (A, B) counts in it; c1, c3, c5 bought none of its products.
    const { collectionsOf, titles } = membership({ B: ["Gifts"] });
    const report = entryCollectionReport(facts, bought.entry, collectionsOf, titles);
    expect(report.collections.map((r) => [r.title, r.customers])).toEqual([["Gifts", 2]]);
    expect(report.customersInCollections).toBe(2); // c0, c2
    expect(report.customersOutside).toBe(3); // c1, c3, c5
    // No collection synced at all: no row, every buyer outside.
    const none = entryCollectionReport(
      facts,
      bought.entry,
      { start: new Int32Array(1), values: new Int32Array(0) },
      [],
    );
    expect(none).toEqual({ collections: [], customersInCollections: 0, customersOutside: 5 });
  });

  it("with one collection per product, the rows are the product-type rows", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("x", "y", "z", null), {
          minLength: shop.products.length,
          maxLength: shop.products.length,
        }),
        (picks) => {
          const of: Record<string, string[]> = {};
          shop.products.forEach((p, i) => {
            if (picks[i]) of[p] = [picks[i]!];
          });
          const { collectionsOf, titles } = membership(of);
          const typeOf = Int32Array.from(shop.products, (p) =>
            of[p] ? titles.indexOf(of[p]![0]!) : -1,
          );
          const byType = entryTypeReport(facts, bought.entry, typeOf, titles);
          const byCollection = entryCollectionReport(facts, bought.entry, collectionsOf, titles);
          expect(byCollection.collections).toEqual(
            byType.types.map(({ productType, ...row }) => ({ ...row, title: productType })),
          );
          expect(byCollection.customersInCollections).toBe(byType.customersTyped);
          expect(byCollection.customersOutside).toBe(byType.customersUntyped);
        },
      ),
    );
  });
});
