import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compressFrequencyData,
  compressSummary,
  summarizeCustomers,
  TupleIndex,
  type DayOf,
} from "../../app/analytics/clv";
import { createCalendar } from "../../app/analytics/time";
import { ORDER_CANCELLED, ORDER_TEST, type OrderTable } from "../../app/analytics/types";
import { CDNOW_CALIBRATION_END, cdnowSampleOrders, cdnowSummary } from "./cdnow";

const DAY = 86_400_000;
const day0 = Date.UTC(2024, 0, 1);
const at = (day: number, hour = 12): number => day0 + day * DAY + hour * 3_600_000;

interface Row {
  c: number;
  t: number;
  net: number;
  flags?: number;
}

function table(rows: Row[]): OrderTable {
  return {
    length: rows.length,
    customer: Int32Array.from(rows, (r) => r.c),
    processedAt: Float64Array.from(rows, (r) => r.t),
    grossMinor: Float64Array.from(rows, (r) => Math.max(r.net, 0) + 100),
    netMinor: Float64Array.from(rows, (r) => r.net),
    flags: Uint8Array.from(rows, (r) => r.flags ?? 0),
  };
}

describe("summarizeCustomers on a hand-computed shop", () => {
  const orders = table([
    { c: -1, t: at(1), net: 700 }, // guest: ignored
    { c: 0, t: at(0, 10), net: 1000 },
    { c: 0, t: at(0, 15), net: 500 }, // same day: one purchase of 1500
    { c: 0, t: at(3), net: 9999, flags: ORDER_CANCELLED },
    { c: 0, t: at(5), net: 2000 },
    { c: 0, t: at(5, 18), net: 50, flags: ORDER_TEST },
    { c: 0, t: at(9), net: 0 }, // fully refunded: still a purchase, value 0
    { c: 1, t: at(4), net: 3000 },
    { c: 2, t: at(2), net: 800, flags: ORDER_CANCELLED }, // only cancelled orders
    { c: 3, t: at(12), net: 400 }, // first purchase after the calibration end
  ]);
  const s = summarizeCustomers(orders, { asOf: at(10, 23) });

  it("counts purchase-days, merges same-day orders and skips cancelled/test/guest orders", () => {
    expect(s.customerCount).toBe(4);
    expect(Array.from(s.included)).toEqual([1, 1, 0, 0]);
    expect([s.x[0], s.tx[0], s.T[0], s.zbar[0], s.firstNet[0]]).toEqual([2, 9, 10, 1000, 1500]);
    expect([s.x[1], s.tx[1], s.T[1], s.zbar[1], s.firstNet[1]]).toEqual([0, 0, 6, 0, 3000]);
    expect(s.includedCount).toBe(2);
    expect(s.repeatCustomerCount).toBe(1);
    expect(s.holdoutX).toBeNull();
  });

  it("measures in weeks when asked", () => {
    const w = summarizeCustomers(orders, { asOf: at(10), unit: "week" });
    expect(w.tx[0]).toBeCloseTo(9 / 7, 12);
    expect(w.T[1]).toBeCloseTo(6 / 7, 12);
  });

  it("rejects an unsorted table instead of silently miscounting", () => {
    const unsorted = table([
      { c: 1, t: at(1), net: 1 },
      { c: 0, t: at(2), net: 1 },
    ]);
    expect(() => summarizeCustomers(unsorted, { asOf: at(5) })).toThrow(/not sorted/);
  });

  it("splits a holdout window off the end of the observation", () => {
    const h = summarizeCustomers(
      table([
        { c: 0, t: at(0), net: 100 },
        { c: 0, t: at(3), net: 200 },
        { c: 0, t: at(20), net: 300 },
        { c: 0, t: at(21, 9), net: 300 },
        { c: 0, t: at(21, 20), net: 300 },
        { c: 1, t: at(18), net: 100 }, // first purchase inside the holdout: not a calibration customer
      ]),
      { asOf: at(25), holdoutDays: 10 },
    );
    expect(h.observationEndDay - h.calibrationEndDay).toBe(10);
    expect([h.x[0], h.tx[0], h.T[0], h.zbar[0]]).toEqual([1, 3, 15, 200]);
    expect(h.holdoutX?.[0]).toBe(2);
    expect(h.included[1]).toBe(0);
  });

  it("uses the shop's local days: two orders 6 hours apart are one UTC day but two Tokyo days", () => {
    const orders2 = table([
      { c: 0, t: Date.UTC(2024, 0, 1, 10), net: 100 }, // 19:00 JST, Jan 1
      { c: 0, t: Date.UTC(2024, 0, 1, 16), net: 100 }, // 01:00 JST, Jan 2
    ]);
    const asOf = Date.UTC(2024, 0, 10);
    expect(summarizeCustomers(orders2, { asOf }).x[0]).toBe(0);
    const tokyo: DayOf = (ms) => createCalendar("Asia/Tokyo").dayOf(ms);
    const local = summarizeCustomers(orders2, { asOf, dayOf: tokyo });
    expect(local.x[0]).toBe(1);
    expect(local.tx[0]).toBe(1);
  });
});

/** Straightforward reference: group by customer and day with Maps. */
function naiveSummary(orders: OrderTable, asOfDay: number) {
  const byCustomer = new Map<number, Map<number, number>>();
  for (let i = 0; i < orders.length; i++) {
    const c = orders.customer[i];
    if (c < 0 || (orders.flags[i] & (ORDER_CANCELLED | ORDER_TEST)) !== 0) continue;
    const d = Math.floor(orders.processedAt[i] / DAY);
    if (d > asOfDay) continue;
    const days = byCustomer.get(c) ?? new Map<number, number>();
    days.set(d, (days.get(d) ?? 0) + orders.netMinor[i]);
    byCustomer.set(c, days);
  }
  const out = new Map<number, { x: number; tx: number; T: number; zbar: number }>();
  for (const [c, days] of byCustomer) {
    const sorted = [...days.entries()].sort((p, q) => p[0] - q[0]);
    const first = sorted[0][0];
    const repeats = sorted.slice(1);
    out.set(c, {
      x: repeats.length,
      tx: repeats.length > 0 ? repeats[repeats.length - 1][0] - first : 0,
      T: asOfDay - first,
      zbar: repeats.length > 0 ? repeats.reduce((s, r) => s + r[1], 0) / repeats.length : 0,
    });
  }
  return out;
}

const ordersArbitrary = fc
  .array(
    fc.record({
      c: fc.integer({ min: -1, max: 12 }),
      t: fc.integer({ min: 0, max: 40 * DAY }),
      net: fc.integer({ min: -500, max: 5000 }),
      flags: fc.constantFrom(0, 0, 0, ORDER_CANCELLED, ORDER_TEST),
    }),
    { maxLength: 80 },
  )
  .map((rows) =>
    table([...rows].sort((p, q) => p.c - q.c || p.t - q.t).map((r) => ({ ...r, t: day0 + r.t }))),
  );

describe("summary and compression properties", () => {
  it("matches a naive per-day grouping on random shops", () => {
    fc.assert(
      fc.property(ordersArbitrary, fc.integer({ min: 0, max: 45 }), (orders, asOfOffset) => {
        const asOf = day0 + asOfOffset * DAY;
        const s = summarizeCustomers(orders, { asOf, customerCount: 13 });
        const ref = naiveSummary(orders, Math.floor(asOf / DAY));
        for (let c = 0; c < 13; c++) {
          const r = ref.get(c);
          expect(s.included[c]).toBe(r === undefined ? 0 : 1);
          if (r === undefined) continue;
          expect([s.x[c], s.tx[c], s.T[c]]).toEqual([r.x, r.tx, r.T]);
          expect(s.zbar[c]).toBeCloseTo(r.zbar, 9);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("compresses into distinct weighted rows that reproduce every customer", () => {
    fc.assert(
      fc.property(ordersArbitrary, (orders) => {
        const s = summarizeCustomers(orders, { asOf: day0 + 45 * DAY, customerCount: 13 });
        const rows = compressSummary(s);
        expect(rows.weight.reduce((p, q) => p + q, 0)).toBe(s.includedCount);
        const keys = new Set<string>();
        for (let r = 0; r < rows.length; r++) keys.add(`${rows.x[r]},${rows.tx[r]},${rows.T[r]}`);
        expect(keys.size).toBe(rows.length);
        for (let c = 0; c < 13; c++) {
          const row = rows.rowOf[c];
          if (s.included[c] === 0) expect(row).toBe(-1);
          else expect([rows.x[row], rows.tx[row], rows.T[row]]).toEqual([s.x[c], s.tx[c], s.T[c]]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("the tuple hash grows past its initial size and finds every tuple again", () => {
    const index = new TupleIndex(2, 4);
    for (let i = 0; i < 10_000; i++) expect(index.indexOf(i * 0.25, -i)).toBe(i);
    for (let i = 0; i < 10_000; i += 7) expect(index.indexOf(i * 0.25, -i)).toBe(i);
    expect(index.size).toBe(10_000);
  });

  it("compresses raw arrays, treating -0 and 0 as one value", () => {
    const rows = compressFrequencyData({
      length: 4,
      x: [0, 0, 1, 1],
      tx: [0, -0, 2, 2],
      T: [5, 5, 7, 7],
      weight: [1, 2, 3, 4],
    });
    expect(rows.length).toBe(2);
    expect(Array.from(rows.weight)).toEqual([3, 7]);
  });
});

describe("CDNOW: summary from transactions", () => {
  it("reproduces cdnow_customers_summary (weeks) from CDNOW_sample.txt", () => {
    const s = summarizeCustomers(cdnowSampleOrders(), {
      asOf: CDNOW_CALIBRATION_END,
      unit: "week",
    });
    const published = cdnowSummary();
    expect(s.customerCount).toBe(published.length);
    expect(s.includedCount).toBe(2357);
    expect(s.repeatCustomerCount).toBe(946);
    let worstTime = 0;
    let worstSpend = 0;
    for (let i = 0; i < published.length; i++) {
      const c = published.id[i] - 1;
      expect(s.x[c]).toBe(published.x[i]);
      // The published file rounds weeks and dollars to 2 decimals.
      worstTime = Math.max(
        worstTime,
        Math.abs(s.tx[c] - published.tx[i]),
        Math.abs(s.T[c] - published.T[i]),
      );
      worstSpend = Math.max(worstSpend, Math.abs(s.zbar[c] / 100 - published.zbar[i]));
    }
    expect(worstTime).toBeLessThanOrEqual(0.005 + 1e-9);
    expect(worstSpend).toBeLessThanOrEqual(0.005 + 1e-9);
  });
});
