/**
 * The descriptive metrics' faster paths against the paths they replaced: each reference below
 * is the earlier implementation (or a direct restatement of it), and the property tests check
 * that the results are exactly equal on random shops.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ContinuationOptions, ContinuationRow } from "../../app/analytics/continuation";
import { continuationByCohort } from "../../app/analytics/continuation";
import { cacByMonth } from "../../app/analytics/cac";
import type { CohortOptions, CohortRow, CohortTable } from "../../app/analytics/cohorts";
import { cohortRetention } from "../../app/analytics/cohorts";
import { customerFacts } from "../../app/analytics/customer-groups";
import type { PurchaseHistory } from "../../app/analytics/history";
import { purchaseProducts } from "../../app/analytics/entry-products";
import { buildPurchaseHistory, sortedRowOrder } from "../../app/analytics/history";
import type { OrderTable } from "../../app/analytics/types";
import { ORDER_SUBSCRIPTION } from "../../app/analytics/types";
import { monthlyChurn, monthlyChurnFromSeries } from "../../app/analytics/kpis";
import { segmentMigration } from "../../app/analytics/migration";
import { monthlyTrends } from "../../app/analytics/trends";
import type { RfmOptions } from "../../app/analytics/rfm";
import { computeRfm, NO_SEGMENT, rfmSegments } from "../../app/analytics/rfm";
import { createCalendar, firstDayOfMonth, formatMonth } from "../../app/analytics/time";
import { permuted, randomShop, shuffledRows, tableFromRaw } from "./shop";

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

describe("history: the row-order check folded into the read", () => {
  it("reads any row order as the old path did: check, sort, then read (property)", () => {
    fc.assert(
      fc.property(randomShop(), fc.integer(), fc.boolean(), (s, seed, keep) => {
        const sorted = tableFromRaw(s.orders);
        const idx = keep
          ? Array.from({ length: sorted.length }, (_, i) => i)
          : shuffledRows(sorted.length, seed, 1009);
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

/** The two-pass cohort table (cohort per customer first, then the cells). */
function cohortRetentionTwoPass(history: PurchaseHistory, options: CohortOptions): CohortTable {
  const { asOfDay } = options;
  const table = cohortRetention(history, options);
  if (!Number.isInteger(asOfDay)) throw new RangeError("asOfDay must be an integer local day");
  const maxMonths = options.maxMonths ?? Infinity;
  if (!(maxMonths >= 1)) throw new RangeError("maxMonths must be ≥ 1");
  const asOfMonth = history.monthOf(asOfDay);
  const fromMonth = options.fromMonth ?? -Infinity;
  const toMonth = Math.min(options.toMonth ?? Infinity, asOfMonth);
  const { purchaseStart, purchaseDay, purchaseNet, purchaseOrders, monthByDay } = history;
  const n = history.customerCount;
  // Purchase days are all in the history's month table.
  const minDay = history.minDay;

  // Pass 1: cohort of each customer and the cohort range.
  const cohortOf = new Int32Array(n);
  let first = Infinity;
  let last = -Infinity;
  for (let c = 0; c < n; c++) {
    const p = purchaseStart[c];
    if (p === purchaseStart[c + 1] || purchaseDay[p] > asOfDay) {
      cohortOf[c] = -1;
      continue;
    }
    const month = monthByDay[purchaseDay[p] - minDay];
    if (month < fromMonth || month > toMonth) {
      cohortOf[c] = -1;
      continue;
    }
    cohortOf[c] = month;
    if (month < first) first = month;
    if (month > last) last = month;
  }
  if (first > last) return { asOfDay, asOfMonth, rows: [], definitions: table.definitions };

  // Flat accumulators: cohort i owns columns offset[i] .. offset[i + 1] − 1.
  const cohorts = last - first + 1;
  const width = new Int32Array(cohorts);
  const offset = new Int32Array(cohorts + 1);
  for (let i = 0; i < cohorts; i++) {
    width[i] = Math.min(asOfMonth - (first + i) + 1, maxMonths);
    offset[i + 1] = offset[i] + width[i];
  }
  const size = new Int32Array(cohorts);
  const active = new Int32Array(offset[cohorts]);
  const orders = new Int32Array(offset[cohorts]);
  const net = new Float64Array(offset[cohorts]);

  // Pass 2: purchases into cells; "active" counts a customer once per month.
  for (let c = 0; c < n; c++) {
    const cohort = cohortOf[c];
    if (cohort < 0) continue;
    const i = cohort - first;
    size[i]++;
    const base = offset[i];
    const w = width[i];
    let lastK = -1;
    for (let p = purchaseStart[c]; p < purchaseStart[c + 1]; p++) {
      const day = purchaseDay[p];
      if (day > asOfDay) break;
      const k = monthByDay[day - minDay] - cohort;
      if (k >= w) break;
      orders[base + k] += purchaseOrders[p];
      net[base + k] += purchaseNet[p];
      if (k !== lastK) {
        active[base + k]++;
        lastK = k;
      }
    }
  }

  const rows: CohortRow[] = [];
  for (let i = 0; i < cohorts; i++) {
    if (size[i] === 0) continue;
    const month = first + i;
    const w = width[i];
    const base = offset[i];
    const activeShare = new Float64Array(w);
    const ordersPerCustomer = new Float64Array(w);
    const cumulative = new Float64Array(w);
    let running = 0;
    for (let k = 0; k < w; k++) {
      activeShare[k] = active[base + k] / size[i];
      ordersPerCustomer[k] = orders[base + k] / size[i];
      running += net[base + k];
      cumulative[k] = running / size[i];
    }
    // Month cohort + k is complete when its last day is ≤ asOfDay.
    let complete = 0;
    while (complete < w && firstDayOfMonth(month + complete + 1) - 1 <= asOfDay) complete++;
    rows.push({
      month,
      label: formatMonth(month),
      size: size[i],
      observedMonths: w,
      completeMonths: complete,
      activeCustomers: active.slice(base, base + w),
      activeShare,
      orders: orders.slice(base, base + w),
      ordersPerCustomer,
      netMinor: net.slice(base, base + w),
      cumulativeNetPerCustomer: cumulative,
    });
  }
  return { asOfDay, asOfMonth, rows, definitions: table.definitions };
}

describe("cohort table in one pass", () => {
  it("gives the two-pass table (property)", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer({ min: -40, max: 800 }),
        fc.option(fc.integer({ min: 1, max: 30 })),
        fc.option(fc.integer({ min: -3, max: 30 })),
        fc.option(fc.integer({ min: -3, max: 30 })),
        (s, offset, maxMonths, from, to) => {
          const h = historyOf(s);
          const asOfDay = (Number.isFinite(h.minDay) ? h.minDay : 19_000) + offset;
          const base = h.monthOf(h.minDay || 0);
          const options: CohortOptions = {
            asOfDay,
            ...(maxMonths === null ? {} : { maxMonths }),
            ...(from === null ? {} : { fromMonth: base + from }),
            ...(to === null ? {} : { toMonth: base + to }),
          };
          const rows = (t: CohortTable): CohortRow[] => t.rows.map((r) => ({ ...r }));
          expect(rows(cohortRetention(h, options))).toEqual(
            rows(cohortRetentionTwoPass(h, options)),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("CAC without Maps", () => {
  it("counts the new customers of each spend month and channel as the Maps did (property)", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.array(fc.integer({ min: -1, max: 3 }), { minLength: 40, maxLength: 40 }),
        fc.array(
          fc.record({
            month: fc.integer({ min: -3, max: 27 }),
            channel: fc.constantFrom("a", "b", "c", "zz"),
            amountMinor: fc.integer({ min: 0, max: 10_000 }),
          }),
          { maxLength: 20 },
        ),
        (s, codes, rows) => {
          const h = historyOf(s);
          const names = ["a", "b", "c"];
          const code = Int32Array.from({ length: s.customers }, (_, c) => codes[c]);
          const start = h.monthOf(Date.parse("2023-01-01") / DAY);
          const spend = rows.map((r) => ({ ...r, month: formatMonth(start + r.month) }));
          const result = cacByMonth(h, spend, { channels: { names, code } });
          // The Maps' counts, restated: first purchase month per customer.
          const newIn = new Map<string, number>();
          const newInChannel = new Map<string, number>();
          for (let c = 0; c < h.customerCount; c++) {
            if (h.purchaseStart[c] === h.purchaseStart[c + 1]) continue;
            const month = formatMonth(h.monthOf(h.purchaseDay[h.purchaseStart[c]]));
            newIn.set(month, (newIn.get(month) ?? 0) + 1);
            const k = code[c];
            if (k >= 0 && k < names.length) {
              const key = `${month} ${names[k]}`;
              newInChannel.set(key, (newInChannel.get(key) ?? 0) + 1);
            }
          }
          for (const m of result.months) {
            expect(m.newCustomers).toBe(newIn.get(m.month) ?? 0);
            for (const ch of m.channels) {
              expect(ch.newCustomers).toBe(newInChannel.get(`${m.month} ${ch.channel}`) ?? 0);
            }
          }
          const withoutChannels = cacByMonth(h, spend);
          expect(withoutChannels.months.map((m) => m.newCustomers)).toEqual(
            result.months.map((m) => m.newCustomers),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("segment migration from rfmSegments", () => {
  it("rfmSegments is computeRfm's segment at any date, window and minimum (property)", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer({ min: -40, max: 800 }),
        fc.option(fc.integer({ min: 1, max: 400 })),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        (s, offset, lookback, minCustomers, fixed) => {
          const h = historyOf(s);
          const asOfDay = (Number.isFinite(h.minDay) ? h.minDay : 19_000) + offset;
          const options: RfmOptions = {
            asOfDay,
            minCustomers,
            ...(lookback === null ? {} : { fromDay: asOfDay - lookback + 1 }),
            ...(fixed
              ? { frequencyScale: { kind: "thresholds" as const, thresholds: [2, 3, 4, 6] } }
              : {}),
          };
          expect(Array.from(rfmSegments(h, options))).toEqual(
            Array.from(computeRfm(h, options).segment),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("gives the matrix of two full RFM runs, with or without the later RFM (property)", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 1, max: 400 }),
        fc.option(fc.integer({ min: 1, max: 300 })),
        (s, offset, gap, lookbackDays) => {
          const h = historyOf(s);
          const fromAsOfDay = (Number.isFinite(h.minDay) ? h.minDay : 19_000) + offset;
          const toAsOfDay = fromAsOfDay + gap;
          const lookback = lookbackDays === null ? {} : { lookbackDays };
          const window = (asOfDay: number) => ({
            asOfDay,
            ...(lookbackDays === null ? {} : { fromDay: asOfDay - lookbackDays + 1 }),
          });
          // The old path: a full computeRfm at each date.
          const before = computeRfm(h, window(fromAsOfDay));
          const after = computeRfm(h, window(toAsOfDay));
          const size = before.rules.length + 1;
          const counts = new Int32Array(size * size);
          const revenue = new Float64Array(size * size);
          for (let c = 0; c < h.customerCount; c++) {
            const a = before.segment[c];
            const b = after.segment[c];
            if (a === NO_SEGMENT && b === NO_SEGMENT) continue;
            const cell =
              (a === NO_SEGMENT ? size - 1 : a) * size + (b === NO_SEGMENT ? size - 1 : b);
            counts[cell]++;
            let net = 0;
            for (let p = h.purchaseStart[c + 1] - 1; p >= h.purchaseStart[c]; p--) {
              if (h.purchaseDay[p] <= fromAsOfDay) break;
              if (h.purchaseDay[p] <= toAsOfDay) net += h.purchaseNet[p];
            }
            revenue[cell] += net;
          }
          for (const toRfm of [undefined, after]) {
            const m = segmentMigration(h, {
              fromAsOfDay,
              toAsOfDay,
              ...lookback,
              ...(toRfm === undefined ? {} : { toRfm }),
            });
            expect(Array.from(m.counts)).toEqual(Array.from(counts));
            expect(Array.from(m.revenueMinor)).toEqual(Array.from(revenue));
            expect(m.rules).toBe(after.rules);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("product pairs counted inside purchaseProducts", () => {
  it("equal the count over the entry × next rows, grouped or not, dense or sparse (property)", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer(),
        fc.boolean(),
        fc.constantFrom(6, 3000),
        fc.integer({ min: 0, max: 730 }),
        (s, seed, grouped, P, asOf) => {
          const table = tableFromRaw(s.orders);
          const h = buildPurchaseHistory(table, s.customers, calendar);
          const asOfDay = h.calendar.dayOf(Date.parse("2023-01-01T00:00:00+09:00")) + asOf;
          const included = Uint8Array.from({ length: s.customers }, (_, c) =>
            h.purchaseStart[c] < h.purchaseStart[c + 1] &&
            h.purchaseDay[h.purchaseStart[c]] <= asOfDay
              ? 1
              : 0,
          );
          const lines: [number, number][] = [];
          for (let i = 0; i < table.length; i++) {
            const k = ((i * 2654435761 + seed) >>> 0) % 4;
            for (let j = 0; j < k; j++) {
              lines.push([i, ((((i + j * 3 + seed) >>> 0) % 6) - 1) * Math.floor(P / 6)]);
            }
          }
          if (!grouped) {
            lines.sort(
              (a, b) =>
                (((a[0] * 7919 + a[1] + seed) >>> 0) % 13) -
                (((b[0] * 7919 + b[1] + seed) >>> 0) % 13),
            );
          }
          const items = {
            length: lines.length,
            order: Int32Array.from(lines, (l) => l[0]),
            product: Int32Array.from(lines, (l) => Math.max(-1, l[1])),
          };
          const got = purchaseProducts(h, table, items, P, asOfDay, included);
          // The old path: a pass over the customers' entry × next rows after the build.
          const want = new Map<number, number>();
          const { entry, next } = got;
          for (let c = 0; c < s.customers; c++) {
            for (let i = entry.start[c]; i < entry.start[c + 1]; i++) {
              for (let j = next.start[c]; j < next.start[c + 1]; j++) {
                const key = entry.values[i] * P + next.values[j];
                want.set(key, (want.get(key) ?? 0) + 1);
              }
            }
          }
          const counted = new Map<number, number>();
          const { dense, sparse } = got.pairs;
          if (dense !== null) {
            dense.forEach((n, key) => {
              if (n > 0) counted.set(key, n);
            });
          } else {
            for (const [key, n] of sparse) counted.set(key, n);
          }
          expect(dense === null).toBe(P * P > 1 << 22);
          expect(new Map([...counted].sort((a, b) => a[0] - b[0]))).toEqual(
            new Map([...want].sort((a, b) => a[0] - b[0])),
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("monthly churn from the KPI history's series", () => {
  it("equals monthlyChurn for the months the series covers (property)", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer({ min: 0, max: 800 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 0, max: 14 }),
        fc.integer({ min: 0, max: 14 }),
        (s, offset, w, back, length) => {
          const h = historyOf(s);
          const asOfDay = (Number.isFinite(h.minDay) ? h.minDay : 19_000) + offset;
          const series = monthlyTrends(h, {
            asOfDay,
            months: 14,
            f2WindowDays: 30,
            subscriptionWindowDays: 30,
            churnInactivityDays: w,
            grossMarginRatio: null,
            cohorts: cohortRetention(h, { asOfDay }),
            npsResponses: [],
            marketingSpend: [],
            calendar,
          }).find((x) => x.id === "monthly_churn_rate");
          if (series === undefined) throw new Error("no churn series");
          const asOfMonth = h.monthOf(asOfDay);
          const options = {
            fromMonth: asOfMonth - back,
            toMonth: asOfMonth - back + length,
            asOfDay,
            inactivityDays: w,
          };
          expect(monthlyChurnFromSeries(series, options)).toEqual(monthlyChurn(h, options));
          // Other inactivity days, or months the series does not have: no answer.
          expect(monthlyChurnFromSeries(series, { ...options, inactivityDays: w + 1 })).toBeNull();
          const before = { ...options, fromMonth: asOfMonth - 15 };
          expect(monthlyChurnFromSeries(series, before)).toBeNull();
        },
      ),
      { numRuns: 150 },
    );
  });
});
