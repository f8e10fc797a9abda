/**
 * The descriptive metrics' faster paths of the fourth speed round (decision 0065) against the
 * paths they replace, as in descriptive-speed.test.ts to descriptive-speed-3.test.ts: the
 * property tests check exactly equal results on random shops.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  lineIndexByOrder,
  purchaseProducts,
  type LineItemTable,
  type PurchaseProducts,
} from "../../app/analytics/entry-products";
import { buildPurchaseHistory, sortedRowOrder } from "../../app/analytics/history";
import { createCalendar } from "../../app/analytics/time";
import { ORDER_CANCELLED, ORDER_TEST, type OrderTable } from "../../app/analytics/types";
import { permuted, RANDOM_SPAN_DAYS, RANDOM_START_MS, randomShop, tableFromRaw } from "./shop";

const tokyo = createCalendar("Asia/Tokyo");

/** 0–3 lines per order, grouped by order in row order; products −1 (none) .. 5 spread over P. */
function linesOf(orderCount: number, seed: number, P: number): LineItemTable {
  const order: number[] = [];
  const product: number[] = [];
  for (let o = 0; o < orderCount; o++) {
    const k = ((o * 2654435761 + seed) >>> 0) % 4;
    for (let j = 0; j < k; j++) {
      order.push(o);
      const x = (((o * 31 + j * 7 + seed) >>> 0) % 7) - 1;
      product.push(x < 0 ? -1 : Math.min(P - 1, x * Math.floor(P / 6)));
    }
  }
  return {
    length: order.length,
    order: Int32Array.from(order),
    product: Int32Array.from(product),
  };
}

const rowsOf = (csr: { start: Int32Array; values: Int32Array }) => ({
  start: Array.from(csr.start),
  values: Array.from(csr.values),
});

const plain = (b: PurchaseProducts) => ({
  entry: rowsOf(b.entry),
  next: rowsOf(b.next),
  dense: b.pairs.dense === null ? null : Array.from(b.pairs.dense),
  sparse: [...b.pairs.sparse].sort((x, y) => x[0] - y[0]),
});

describe("lineIndexByOrder", () => {
  it("indexes grouped lines by order, and refuses any other order (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 15 }),
        (raw, orderCount) => {
          const order = Int32Array.from(raw);
          const index = lineIndexByOrder(order, order.length, orderCount);
          const grouped = raw.every((o, i) => o < orderCount && (i === 0 || raw[i - 1] <= o));
          if (!grouped) {
            expect(index).toBeNull();
            return;
          }
          expect(index).not.toBeNull();
          expect(index!.length).toBe(orderCount + 1);
          for (let o = 0; o < orderCount; o++) {
            const lines = raw.flatMap((x, i) => (x === o ? [i] : []));
            const from = index![o];
            expect(index![o + 1] - from).toBe(lines.length);
            lines.forEach((line, k) => expect(line).toBe(from + k));
          }
          expect(index![orderCount]).toBe(raw.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("takes the part of the column the length names", () => {
    expect(Array.from(lineIndexByOrder(Int32Array.of(0, 2, 2, 1), 3, 4)!)).toEqual([0, 1, 1, 3, 3]);
    expect(lineIndexByOrder(Int32Array.of(0), 1, 0)).toBeNull();
    expect(lineIndexByOrder(Int32Array.of(-1, 0), 2, 2)).toBeNull();
    expect(Array.from(lineIndexByOrder(new Int32Array(0), 0, 0)!)).toEqual([0]);
  });
});

describe("entry products read through the lines' index by order", () => {
  it("equal the pass over every line, sorted or shuffled orders, dense or sparse (property)", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer(),
        fc.boolean(),
        fc.constantFrom(6, 3000),
        fc.integer({ min: -30, max: RANDOM_SPAN_DAYS + 30 }),
        fc.integer({ min: 0, max: 3 }),
        (s, seed, shuffle, P, asOf, leaveOut) => {
          let table = tableFromRaw(s.orders);
          if (shuffle) {
            // Not in (customer, processedAt) order: the history reads it through rowOrder.
            const rows = Array.from({ length: table.length }, (_, i) => i).sort(
              (a, b) =>
                (((a * 7919 + seed) >>> 0) % 17) - (((b * 7919 + seed) >>> 0) % 17) || a - b,
            );
            table = permuted(table, rows);
          }
          const h = buildPurchaseHistory(table, s.customers, tokyo);
          const asOfDay = tokyo.dayOf(RANDOM_START_MS) + asOf;
          // Customers with a first purchase by the as-of day, some left out (as the facts do).
          const included = Uint8Array.from({ length: s.customers }, (_, c) =>
            h.purchaseStart[c] < h.purchaseStart[c + 1] &&
            h.purchaseDay[h.purchaseStart[c]] <= asOfDay &&
            (leaveOut === 0 || c % (leaveOut + 1) !== 0)
              ? 1
              : 0,
          );
          const items = linesOf(table.length, seed, P);
          const orderStart = lineIndexByOrder(items.order, items.length, table.length);
          expect(orderStart).not.toBeNull();
          const want = purchaseProducts(h, table, items, P, asOfDay, included);
          const got = purchaseProducts(
            h,
            table,
            { ...items, orderStart: orderStart! },
            P,
            asOfDay,
            included,
          );
          expect(plain(got)).toEqual(plain(want));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("reads an entry line outside the dictionary or under another order as an error", () => {
    const table = tableFromRaw([
      { c: 0, ms: RANDOM_START_MS, net: 500, flags: 0 },
      { c: 0, ms: RANDOM_START_MS + 86_400_000 * 3, net: 500, flags: 0 },
    ]);
    const h = buildPurchaseHistory(table, 1, tokyo);
    const asOfDay = tokyo.dayOf(RANDOM_START_MS) + 10;
    const included = Uint8Array.of(1);
    const lines = (product: number[], order: number[]): LineItemTable => ({
      length: order.length,
      order: Int32Array.from(order),
      product: Int32Array.from(product),
    });
    const bad = lines([0, 7], [0, 1]);
    expect(() => purchaseProducts(h, table, bad, 2, asOfDay, included)).toThrow(RangeError);
    const indexed = { ...bad, orderStart: lineIndexByOrder(bad.order, bad.length, 2)! };
    expect(() => purchaseProducts(h, table, indexed, 2, asOfDay, included)).toThrow(RangeError);
    // An index that does not match the lines' orders.
    const ok = lines([0, 1], [0, 1]);
    const wrong = { ...ok, orderStart: Int32Array.of(0, 0, 2) };
    expect(() => purchaseProducts(h, table, wrong, 2, asOfDay, included)).toThrow(RangeError);
    // An index of another table's size is not used: the pass over every line.
    const other = { ...ok, orderStart: Int32Array.of(0, 2) };
    expect(plain(purchaseProducts(h, table, other, 2, asOfDay, included))).toEqual(
      plain(purchaseProducts(h, table, ok, 2, asOfDay, included)),
    );
  });
});

/**
 * The replaced net column: each purchase's orders' netMinor summed in eight bytes, in the
 * order the history reads the rows (purchaseOrders[p] orders a purchase).
 */
function float64Nets(table: OrderTable, h: ReturnType<typeof buildPurchaseHistory>): number[] {
  const order = sortedRowOrder(table);
  const out = new Float64Array(h.purchaseDay.length);
  let p = -1;
  let left = 0;
  let current = -1;
  for (let k = 0; k < table.length; k++) {
    const i = order === null ? k : order[k];
    const c = table.customer[i];
    if (c < 0 || table.flags[i] & (ORDER_CANCELLED | ORDER_TEST)) continue;
    if (c !== current) {
      current = c;
      p = h.purchaseStart[c];
      left = h.purchaseOrders[p];
    } else if (left === 0) {
      left = h.purchaseOrders[++p];
    }
    out[p] = left === h.purchaseOrders[p] ? table.netMinor[i] : out[p] + table.netMinor[i];
    left--;
  }
  return Array.from(out);
}

describe("the history's net sums in four bytes while they are whole", () => {
  it("hold the eight-byte sums exactly, widened at the first that is not whole (property)", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer(),
        fc.constantFrom("whole", "fraction", "large", "negative zero", "negative"),
        (s, seed, kind) => {
          const sorted = tableFromRaw(s.orders);
          // Some rows get a net of the kind drawn: the others stay whole minor units.
          const netMinor = Float64Array.from(sorted.netMinor, (net, i) => {
            if (((i * 2654435761 + seed) >>> 0) % 5 !== 0) return net;
            if (kind === "fraction") return net + 0.25;
            if (kind === "large") return 2 ** 31 - 1 - (i % 3);
            if (kind === "negative zero") return -0;
            if (kind === "negative") return -net - 2 ** 30;
            return net;
          });
          const table = { ...sorted, netMinor };
          const h = buildPurchaseHistory(table, s.customers, tokyo);
          const want = float64Nets(table, h);
          expect(Array.from(h.purchaseNet)).toEqual(want);
          const fits = want.every((x) => (x | 0) === x && !Object.is(x, -0));
          expect(h.purchaseNet).toBeInstanceOf(fits ? Int32Array : Float64Array);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("widens on a merged sum past the Int32 range, and on −0", () => {
    const at = RANDOM_START_MS + 3_600_000;
    const rows = (nets: number[]) =>
      tableFromRaw(nets.map((net, k) => ({ c: 0, ms: at + k * 60_000, net, flags: 0 })));
    const big = buildPurchaseHistory(rows([2 ** 31 - 1, 1]), 1, tokyo);
    expect(big.purchaseNet).toBeInstanceOf(Float64Array);
    expect(Array.from(big.purchaseNet)).toEqual([2 ** 31]);
    const zero = buildPurchaseHistory(rows([-0]), 1, tokyo);
    expect(zero.purchaseNet).toBeInstanceOf(Float64Array);
    expect(Object.is(zero.purchaseNet[0], -0)).toBe(true);
    const whole = buildPurchaseHistory(rows([2 ** 31 - 2, 1]), 1, tokyo);
    expect(whole.purchaseNet).toBeInstanceOf(Int32Array);
    expect(Array.from(whole.purchaseNet)).toEqual([2 ** 31 - 1]);
  });
});
