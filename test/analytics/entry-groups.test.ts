/**
 * The product and product-type reports share one accumulator over the groups of the first
 * purchase. A property on random shops: each row's gaps are the distribution of its own
 * customers' gaps, worked out here customer by customer, whichever way the accumulator
 * counts them (a dense group × day table, or each group's gaps dealt into a slice for a
 * large dictionary); and a large dictionary changes no report.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { customerFacts, type CustomerFacts } from "../../app/analytics/customer-groups";
import {
  entryProductReport,
  entryTypeReport,
  gapDistribution,
  purchaseProducts,
  type Csr,
} from "../../app/analytics/entry-products";
import { buildPurchaseHistory } from "../../app/analytics/history";
import { createCalendar } from "../../app/analytics/time";
import { touchShop, type TouchOrder } from "./acquisition-shop";
import { d } from "./shop";

const CUSTOMERS = 30;
const PRODUCTS = ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"];
const TYPES = ["Tea", "", "Goods", "Food", "Gift"];
/** Past the dense table's 2^23 cells with any gap of a day or more. */
const padding = (prefix: string) => Array.from({ length: 30_000 }, (_, i) => `${prefix}${i}`);

/** Gaps of the customers in each group, customer by customer. */
function gapsOfMembers(
  f: CustomerFacts,
  groupsOf: (c: number) => Iterable<number>,
  gap: Int16Array | Int32Array,
): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (let c = 0; c < f.history.customerCount; c++) {
    if (!f.included[c] || gap[c] < 0) continue;
    for (const g of groupsOf(c)) out.set(g, [...(out.get(g) ?? []), gap[c]]);
  }
  return out;
}

const entryOf = (entry: Csr, c: number) =>
  entry.values.subarray(entry.start[c], entry.start[c + 1]);

describe("entry products and types: one accumulator over the groups of the first purchase", () => {
  it("each row's gaps are its customers'; a large dictionary changes nothing", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            c: fc.integer({ min: 0, max: CUSTOMERS - 1 }),
            day: fc.integer({ min: 0, max: 900 }),
            items: fc.array(fc.constantFrom(...PRODUCTS, null), { maxLength: 4, size: "max" }),
          }),
          { minLength: 20, maxLength: 100, size: "max" },
        ),
        fc.array(fc.integer({ min: -1, max: TYPES.length - 1 }), {
          minLength: PRODUCTS.length,
          maxLength: PRODUCTS.length,
        }),
        fc.integer({ min: 200, max: 1000 }),
        (raw, typeCodes, asOf) => {
          const specs: TouchOrder[] = raw.map((r) => ({
            c: r.c,
            at: new Date(Date.UTC(2023, 0, 1) + r.day * 86_400_000).toISOString(),
            net: 1000 + r.day,
            items: r.items,
          }));
          const s = touchShop(specs);
          const h = buildPurchaseHistory(s.orders, CUSTOMERS, createCalendar("Asia/Tokyo"));
          const asOfDay = d("2023-01-01") + asOf;
          const f = customerFacts(h, { asOfDay, windowDays: 60, maxMonths: 12 });
          const options = { asOfDay, windowDays: 60 };
          const report = (products: readonly string[]) => {
            const b = purchaseProducts(
              h,
              s.orders,
              s.lineItems,
              products.length,
              asOfDay,
              f.included,
            );
            return { b, r: entryProductReport(h, s.orders, s.lineItems, products, options, f, b) };
          };
          const { b, r: byProduct } = report(s.products);
          expect(report([...s.products, ...padding("x")]).r).toEqual(byProduct);

          const code = (p: string) => s.products.indexOf(p);
          const gap12 = gapsOfMembers(f, (c) => entryOf(b.entry, c), f.gap12);
          const gap23 = gapsOfMembers(f, (c) => entryOf(b.entry, c), f.gap23);
          for (const row of byProduct.products) {
            const of = (m: Map<number, number[]>) =>
              Int32Array.from(m.get(code(row.product)) ?? []);
            expect(row.firstToSecond).toEqual(gapDistribution(of(gap12)));
            expect(row.secondToThird).toEqual(gapDistribution(of(gap23)));
          }

          const typeOf = Int32Array.from(s.products, (p) => typeCodes[PRODUCTS.indexOf(p)] ?? -1);
          const byType = entryTypeReport(f, b.entry, typeOf, TYPES);
          expect(entryTypeReport(f, b.entry, typeOf, [...TYPES, ...padding("t")])).toEqual(byType);
          const typeGaps = gapsOfMembers(
            f,
            (c) => new Set([...entryOf(b.entry, c)].map((p) => typeOf[p]).filter((t) => t >= 0)),
            f.gap12,
          );
          for (const row of byType.types) {
            expect(row.firstToSecond).toEqual(
              gapDistribution(Int32Array.from(typeGaps.get(row.code) ?? [])),
            );
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
