/**
 * The descriptive metrics' faster paths against the paths they replaced: each reference below
 * is the earlier implementation (or a direct restatement of it), and the property tests check
 * that the results are exactly equal on random shops.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ContinuationOptions, ContinuationRow } from "../../app/analytics/continuation";
import { continuationByCohort } from "../../app/analytics/continuation";
import { customerFacts } from "../../app/analytics/customer-groups";
import type { PurchaseHistory } from "../../app/analytics/history";
import { buildPurchaseHistory, sortedRowOrder } from "../../app/analytics/history";
import type { OrderTable } from "../../app/analytics/types";
import { ORDER_SUBSCRIPTION } from "../../app/analytics/types";
import { createCalendar } from "../../app/analytics/time";
import { randomShop, tableFromRaw } from "./shop";

const calendar = createCalendar("Asia/Tokyo");
const DAY = 86_400_000;
const historyOf = (s: { customers: number; orders: Parameters<typeof tableFromRaw>[0] }) =>
  buildPurchaseHistory(tableFromRaw(s.orders), s.customers, calendar);

describe("customer facts in two-byte arrays", () => {
  it("holds months and gaps as the purchase days give them", () => {
    fc.assert(
      fc.property(randomShop(), fc.integer({ min: 0, max: 800 }), (s, offset) => {
        const h = historyOf(s);
        const asOfDay = (Number.isFinite(h.minDay) ? h.minDay : 19_000) + offset;
        const f = customerFacts(h, { asOfDay, windowDays: 30, maxMonths: 24 });
        expect(f.observedMonths).toBeInstanceOf(Uint16Array);
        expect(f.gap12).toBeInstanceOf(Int16Array);
        for (let c = 0; c < h.customerCount; c++) {
          const days: number[] = [];
          for (let p = h.purchaseStart[c]; p < h.purchaseStart[c + 1]; p++) {
            if (h.purchaseDay[p] <= asOfDay) days.push(h.purchaseDay[p]);
          }
          expect(f.gap12[c]).toBe(days.length >= 2 ? days[1] - days[0] : -1);
          expect(f.gap23[c]).toBe(days.length >= 3 ? days[2] - days[1] : -1);
          expect(f.observedMonths[c] <= 24).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("widens the gaps to four bytes when the history spans 32,768 days or more", () => {
    const start = Date.parse("1930-01-01T00:00:00+09:00");
    const h = buildPurchaseHistory(
      tableFromRaw([
        { c: 0, ms: start, net: 100, flags: 0 },
        { c: 0, ms: start + 40_000 * DAY, net: 100, flags: 0 },
        { c: 0, ms: start + 40_010 * DAY, net: 100, flags: 0 },
      ]),
      1,
      calendar,
    );
    const f = customerFacts(h, { asOfDay: h.maxDay, windowDays: 30, maxMonths: 600 });
    expect(f.gap12).toBeInstanceOf(Int32Array);
    expect([f.gap12[0], f.gap23[0], f.observedMonths[0]]).toEqual([40_000, 10, 600]);
  });
});

/** The rows of a table in the given order, as a table of their own. */
const permuted = (t: OrderTable, idx: ArrayLike<number>): OrderTable => ({
  length: t.length,
  customer: Int32Array.from(idx, (i) => t.customer[i]),
  processedAt: Float64Array.from(idx, (i) => t.processedAt[i]),
  grossMinor: Float64Array.from(idx, (i) => t.grossMinor[i]),
  netMinor: Float64Array.from(idx, (i) => t.netMinor[i]),
  flags: Uint8Array.from(idx, (i) => t.flags[i]),
});

describe("history: the row-order check folded into the read", () => {
  it("reads any row order as the old path did: check, sort, then read (property)", () => {
    fc.assert(
      fc.property(randomShop(), fc.integer(), fc.boolean(), (s, seed, keep) => {
        const sorted = tableFromRaw(s.orders);
        const idx = Array.from({ length: sorted.length }, (_, i) => i);
        if (!keep) {
          idx.sort(
            (a, b) =>
              (((a * 2654435761 + seed) >>> 0) % 1009) - (((b * 2654435761 + seed) >>> 0) % 1009),
          );
        }
        const table = permuted(sorted, idx);
        // The old path: the separate check, then the rows read in its order.
        const order = sortedRowOrder(table);
        const old = buildPurchaseHistory(
          order === null ? table : permuted(table, order),
          s.customers,
          calendar,
        );
        const h = buildPurchaseHistory(table, s.customers, calendar);
        expect(h.rowOrder).toEqual(order);
        for (const key of [
          "purchaseStart",
          "purchaseDay",
          "purchaseNet",
          "purchaseOrders",
          "purchaseFlags",
          "purchaseGross",
          "monthByDay",
        ] as const) {
          expect(Array.from(h[key])).toEqual(Array.from(old[key]));
        }
        expect([h.minDay, h.maxDay, h.guest, h.excluded]).toEqual([
          old.minDay,
          old.maxDay,
          old.guest,
          old.excluded,
        ]);
      }),
      { numRuns: 150 },
    );
  });

  it("names the row the sorted read stops at when rows out of order cannot be read", () => {
    const at = Date.parse("2024-05-01T10:00:00+09:00");
    const table: OrderTable = {
      length: 3,
      customer: Int32Array.from([1, 0, 2]),
      processedAt: Float64Array.from([at, at, at]),
      grossMinor: Float64Array.from([100, 100, 100]),
      netMinor: Float64Array.from([NaN, NaN, 100]),
      flags: new Uint8Array(3),
    };
    // Sorted, customer 0's row (row 1) comes first.
    expect(() => buildPurchaseHistory(table, 3, calendar)).toThrow(/^Order row 1:/);
    // In order: the first row that cannot be read.
    const inOrder = { ...table, customer: Int32Array.from([0, 1, 2]) };
    expect(() => buildPurchaseHistory(inOrder, 3, calendar)).toThrow(/^Order row 0:/);
    const outside = { ...inOrder, netMinor: Float64Array.from([100, 100, 100]) };
    expect(() => buildPurchaseHistory(outside, 2, calendar)).toThrow(/^Order row 2: customer 2/);
  });
});

/** The continuation rows as the Map-keyed version built them (the definition aside). */
function continuationByMaps(history: PurchaseHistory, options: ContinuationOptions) {
  const { asOfDay } = options;
  const maxPurchases = options.maxPurchases ?? 10;
  const subscriptionOnly = options.subscriptionOnly ?? false;
  const fromMonth = options.fromMonth ?? -Infinity;
  const toMonth = options.toMonth ?? Infinity;
  const asOfMonth = history.monthOf(asOfDay);
  const { purchaseStart, purchaseDay, purchaseFlags } = history;
  const firstSubscription = subscriptionOnly ? history.firstSubscription : null;
  const counts = new Map<number, Int32Array>();
  for (let c = 0; c < history.customerCount; c++) {
    let cohort = -1;
    let reached = 0;
    const from = firstSubscription === null ? purchaseStart[c] : firstSubscription[c];
    if (from < 0) continue;
    for (let p = from; p < purchaseStart[c + 1]; p++) {
      if (purchaseDay[p] > asOfDay) break;
      if (subscriptionOnly && !(purchaseFlags[p] & ORDER_SUBSCRIPTION)) continue;
      if (reached === 0) cohort = history.monthOf(purchaseDay[p]);
      if (++reached === maxPurchases) break;
    }
    if (reached === 0 || cohort < fromMonth || cohort > toMonth) continue;
    let row = counts.get(cohort);
    if (row === undefined) {
      row = new Int32Array(maxPurchases);
      counts.set(cohort, row);
    }
    row[reached - 1]++;
  }
  const makeRow = (month: number, label: string, histogram: Int32Array): ContinuationRow => {
    const reached = new Int32Array(maxPurchases);
    let running = 0;
    for (let k = maxPurchases - 1; k >= 0; k--) {
      running += histogram[k];
      reached[k] = running;
    }
    const share = new Float64Array(maxPurchases);
    for (let k = 0; k < maxPurchases; k++) share[k] = reached[k] / reached[0];
    return { month, label, size: reached[0], ageMonths: asOfMonth - month, reached, share };
  };
  const months = [...counts.keys()].sort((a, b) => a - b);
  const rows = months.map((month) => makeRow(month, "", counts.get(month) ?? new Int32Array(0)));
  let total: ContinuationRow | null = null;
  if (months.length > 0) {
    const pooled = new Int32Array(maxPurchases);
    for (const histogram of counts.values()) {
      for (let k = 0; k < maxPurchases; k++) pooled[k] += histogram[k];
    }
    total = makeRow(months[0], "all", pooled);
  }
  return { rows, total };
}

describe("continuation on a dense month × purchase block", () => {
  it("gives the Map-keyed rows and total (property)", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer({ min: -40, max: 800 }),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.option(fc.integer({ min: 0, max: 30 })),
        (s, offset, maxPurchases, subscriptionOnly, from) => {
          const h = historyOf(s);
          const asOfDay = (Number.isFinite(h.minDay) ? h.minDay : 19_000) + offset;
          const base = h.monthOf(asOfDay);
          const options: ContinuationOptions = {
            asOfDay,
            maxPurchases,
            subscriptionOnly,
            ...(from === null ? {} : { fromMonth: base - from, toMonth: base - from + 6 }),
          };
          const table = continuationByCohort(h, options);
          const old = continuationByMaps(h, options);
          const strip = (r: ContinuationRow | null) => r && { ...r, label: "" };
          expect(table.rows.map(strip)).toEqual(old.rows);
          expect(table.total).toEqual(old.total);
          expect(table.rows.every((r) => /^\d{4}-\d{2}$/.test(r.label))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
