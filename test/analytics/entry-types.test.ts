/**
 * Entry products by product type on the hand-written shop of acquisition-shop.ts (figures
 * worked out below from its orders), and a property: with one type per product the type
 * rows are the product rows.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { customerFacts } from "../../app/analytics/customer-groups";
import {
  entryProductReport,
  entryTypeReport,
  purchaseProducts,
} from "../../app/analytics/entry-products";
import { buildPurchaseHistory } from "../../app/analytics/history";
import { createCalendar } from "../../app/analytics/time";
import { touchEntryShop, touchShop, type TouchOrder } from "./acquisition-shop";
import { d } from "./shop";

const AS_OF = d("2025-03-31");
const { shop, facts, bought } = touchEntryShop(AS_OF);
/** Type code per product code from a product → type name map (absent: unknown). */
function typing(names: Record<string, string>) {
  const types = [...new Set(Object.values(names))];
  const typeOf = Int32Array.from(shop.products, (p) =>
    names[p] === undefined ? -1 : types.indexOf(names[p]),
  );
  return { typeOf, types };
}

describe("entry products by product type", () => {
  // Products: A, C, B, S. Entry purchases (as of 2025-03-31): c0 {A, B} (2024-01-10, ¥1,500),
  // c1 {A} (2024-01-15), c2 {B} (2024-01-20), c3 {S} (subscription, 2024-02-03), c5 {A}
  // (2025-03-01); c4's first purchase is a custom item only; C is never an entry product.
  it("a customer with two products of one type counts once; empty type is a row", () => {
    const { typeOf, types } = typing({ A: "Tea", B: "Tea", C: "Goods", S: "" });
    const report = entryTypeReport(facts, bought.entry, typeOf, types);
    expect(report.types.map((r) => [r.productType, r.customers])).toEqual([
      ["Tea", 4], // c0 (A and B: once), c1, c2, c5
      ["", 1], // c3
    ]);
    const tea = report.types[0]!;
    // F2 in 90 days: c0 (22 days) of c0, c1 (152 days), c2 (none); c5 too recent to judge.
    expect(tea.f2).toEqual({ value: 1 / 3, numerator: 1, base: 3 });
    expect(tea.repeat).toEqual({ value: 0.5, numerator: 2, base: 4 });
    // LTV 6: c0 1,500 + 2,000 + 4,000 = 7,500; c1 3,000 + 3,000 = 6,000; c2 1,000; c5 is
    // observed under 6 months. (7,500 + 6,000 + 1,000) / 3. Same at 12 months.
    expect(tea.ltv).toEqual([
      { months: 6, valueMinor: 14_500 / 3, customers: 3 },
      { months: 12, valueMinor: 14_500 / 3, customers: 3 },
    ]);
    // c0's S on 2024-05-20 is a subscription; nobody else subscribes.
    expect(tea.toSubscription).toEqual({ value: 0.25, numerator: 1, base: 4 });
    // Gaps 1st → 2nd: c0 22, c1 152.
    expect(tea.firstToSecond).toMatchObject({ count: 2, q1: 22, median: 22, q3: 152 });

    const none = report.types[1]!;
    // c3: S (subscription) → S 29 days later; already subscribed: no conversion base.
    expect(none).toMatchObject({
      f2: { value: 1, numerator: 1, base: 1 },
      repeat: { numerator: 1, base: 1 },
      toSubscription: { value: null, numerator: 0, base: 0 },
      ltv: [
        { months: 6, valueMinor: 4000, customers: 1 },
        { months: 12, valueMinor: 4000, customers: 1 },
      ],
      firstToSecond: { count: 1, median: 29 },
    });
    expect(report.customersTyped).toBe(5);
    expect(report.customersUntyped).toBe(0);
  });

  it("a customer whose first purchase has two types counts in each; unknown types apart", () => {
    // S's type not synced: c3 counts as untyped, in no row.
    const { typeOf, types } = typing({ A: "Tea", B: "Goods", C: "Goods" });
    const report = entryTypeReport(facts, bought.entry, typeOf, types);
    expect(report.types.map((r) => [r.productType, r.customers])).toEqual([
      ["Tea", 3], // c0, c1, c5
      ["Goods", 2], // c0, c2
    ]);
    expect(report.customersTyped).toBe(4);
    expect(report.customersUntyped).toBe(1);
    // Goods = c0 (7,500 in 6 months) and c2 (1,000).
    expect(report.types[1]?.ltv[0]).toEqual({ months: 6, valueMinor: 4250, customers: 2 });
  });

  it("many types × a long span give the same rows (gaps sorted per type, not counted)", () => {
    const { typeOf, types } = typing({ A: "Tea", B: "Goods", C: "Goods", S: "" });
    const small = entryTypeReport(facts, bought.entry, typeOf, types);
    // 20,000 types × the shop's 455 days is past the dense table's 2^23 cells.
    const many = [...types, ...Array.from({ length: 20_000 }, (_, i) => `x${i}`)];
    expect(entryTypeReport(facts, bought.entry, typeOf, many)).toEqual(small);
  });

  it("with one type per product, the type rows are the product rows", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            c: fc.integer({ min: 0, max: 9 }),
            day: fc.integer({ min: 0, max: 700 }),
            items: fc.array(fc.constantFrom("p0", "p1", "p2", "p3", null), { maxLength: 3 }),
          }),
          { maxLength: 40 },
        ),
        (raw) => {
          const specs: TouchOrder[] = raw.map((r) => ({
            c: r.c,
            at: new Date(Date.UTC(2023, 0, 1) + r.day * 86_400_000).toISOString(),
            net: 1000 + r.day,
            items: r.items,
          }));
          const s = touchShop(specs);
          const h = buildPurchaseHistory(s.orders, 10, createCalendar("Asia/Tokyo"));
          const asOfDay = d("2024-12-31");
          const f = customerFacts(h, { asOfDay, windowDays: 90, maxMonths: 12 });
          const b = purchaseProducts(
            h,
            s.orders,
            s.lineItems,
            s.products.length,
            asOfDay,
            f.included,
          );
          const byProduct = entryProductReport(
            h,
            s.orders,
            s.lineItems,
            s.products,
            { asOfDay },
            f,
            b,
          );
          const typeOf = Int32Array.from(s.products, (_p, i) => i);
          const byType = entryTypeReport(f, b.entry, typeOf, s.products);
          expect(byType.types.map((r) => ({ ...r, product: r.productType }))).toEqual(
            byProduct.products.map((r) => ({
              code: r.code,
              productType: r.product,
              product: r.product,
              customers: r.customers,
              f2: r.f2,
              repeat: r.repeat,
              ltv: r.ltv,
              toSubscription: r.toSubscription,
              firstToSecond: r.firstToSecond,
            })),
          );
          expect(byType.customersTyped + byType.customersUntyped).toBe(
            byProduct.customers - byProduct.customersWithoutProducts,
          );
        },
      ),
      { seed: 17, numRuns: 150 },
    );
  });
});
