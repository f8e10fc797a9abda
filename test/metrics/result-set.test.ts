/**
 * The result set's layout (app/metrics/result-set.ts, buildResultSet): slots in id order
 * whatever the dense order (ids copied and compared as 32-bit words), and each segment's
 * slots sorted by each key ascending, NaN first, −0 as 0, ties by slot — checked against a
 * comparator sort on keys that cross every 16-bit digit of the radix sort, with heavy ties,
 * negative values, NaN and −0, and a segment whose keys are all equal (every pass skipped).
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../../app/analytics/random";
import { NO_SEGMENT } from "../../app/analytics/rfm";
import { SORT_KEYS, type SortKey } from "../../app/metrics/customer-sort";
import {
  buildResultSet,
  decodeRowsPart,
  decodeSlots,
  orderKey,
  SORT_VALUES,
  type RowsPart,
} from "../../app/metrics/result-set";
import type { PerCustomerResults } from "../../app/metrics/snapshot/types";

const SEGMENTS = ["loyal", "new", "at_risk", "same"];

function perCustomer(count: number, seed: number): PerCustomerResults {
  const rng = new Rng(seed);
  const segment = new Uint8Array(count);
  const floats = () => new Float64Array(count);
  const p = {
    count,
    segmentIds: SEGMENTS,
    segment,
    r: new Uint8Array(count),
    f: new Uint8Array(count),
    m: new Uint8Array(count),
    recencyDays: new Int32Array(count),
    frequency: new Int32Array(count),
    monetaryMinor: floats(),
    pAlive: floats(),
    expected90: floats(),
    clvMinor: floats(),
  };
  // A value from a few kinds: wide (every digit differs), small ties, extremes, NaN, −0.
  const value = (): number => {
    const kind = rng.int(8);
    if (kind === 0) return NaN;
    if (kind === 1) return -0;
    if (kind === 2) return rng.int(5) - 2;
    if (kind === 3) return (rng.next() - 0.5) * 1e12;
    if (kind === 4) return rng.next();
    return Math.round((rng.next() - 0.3) * 1e6);
  };
  for (let c = 0; c < count; c++) {
    segment[c] = rng.chance(0.05) ? NO_SEGMENT : rng.int(SEGMENTS.length);
    const same = segment[c] === SEGMENTS.length - 1;
    p.r[c] = 1 + rng.int(5);
    p.f[c] = 1 + rng.int(5);
    p.m[c] = 1 + rng.int(5);
    p.recencyDays[c] = same ? 7 : rng.int(4000) - 1;
    p.frequency[c] = same ? 2 : rng.int(30);
    p.monetaryMinor[c] = same ? 5000 : value();
    p.pAlive[c] = same ? 0.5 : value();
    p.expected90[c] = same ? NaN : value();
    p.clvMinor[c] = same ? -0 : value();
  }
  return p;
}

/** The rows and every order part of a set, decoded. */
function decode(count: number, seed: number) {
  const p = perCustomer(count, seed);
  const ids = BigInt64Array.from({ length: count }, (_, c) => 1_000_000_000_000n + BigInt(c) * 7n);
  const set = buildResultSet(ids, p);
  const rowParts: RowsPart[] = [];
  const orders = new Map<string, number[]>();
  for (const part of set.parts()) {
    if (part.kind === "rows") rowParts[part.part] = decodeRowsPart(part.data);
    else orders.set(part.key, [...(orders.get(part.key) ?? []), ...decodeSlots(part.data)]);
  }
  return { set, rowParts, orders };
}

/** A key's column over all slots, as the set stores it. */
function column(rowParts: RowsPart[], sort: SortKey): number[] {
  return rowParts.flatMap((part) => Array.from(SORT_VALUES[sort](part)));
}

describe("the result set's layout and sort orders", () => {
  it.each([
    [70_000, 1],
    [3_000, 2],
    [1, 3],
  ])("sorts %i customers' segments by every key as a comparator does", (count, seed) => {
    const { set, rowParts, orders } = decode(count, seed);
    const segmentOf = rowParts.flatMap((part) => Array.from(part.segment));
    expect(segmentOf.length).toBe(set.customers);
    for (const sort of SORT_KEYS) {
      const values = column(rowParts, sort);
      const key = (v: number) => (Number.isNaN(v) ? -Infinity : v);
      set.directory.segments.forEach((segment, g) => {
        const slots = segmentOf.flatMap((s, slot) => (s === g ? [slot] : []));
        const expected = slots.sort((a, b) => key(values[a]) - key(values[b]) || a - b);
        const got = orders.get(orderKey(sort, g)) ?? [];
        expect(got.length).toBe(segment.customers);
        expect(got).toEqual(expected);
      });
    }
  });

  it("lays the slots out in id order whatever the dense order, across 32-bit word boundaries", () => {
    // Ids whose low words straddle 2^31 and 2^32 under one high word, negative ones, and
    // ascending and shuffled dense orders.
    const base = [
      -(2n ** 40n),
      -5n,
      -1n,
      0n,
      2n ** 31n - 1n,
      2n ** 31n,
      2n ** 32n - 1n,
      2n ** 32n,
      2n ** 32n + 2n ** 31n,
      7n * 2n ** 32n + 3n,
      2n ** 53n + 1n,
      2n ** 62n,
    ];
    const rng = new Rng(5);
    const shuffled = [...base];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    for (const dense of [base, shuffled]) {
      const p = perCustomer(dense.length, 6);
      p.segment.fill(0);
      // Each customer's frequency tells its dense index.
      dense.forEach((_, c) => (p.frequency[c] = c));
      const set = buildResultSet(BigInt64Array.from(dense), p);
      const rows = [...set.parts()].filter((part) => part.kind === "rows");
      const part = decodeRowsPart(rows[0].data);
      expect(Array.from(part.id)).toEqual(base);
      expect(Array.from(part.id, (_, k) => dense[part.frequency[k]])).toEqual(base);
    }
  });

  it("keeps every slot once and the tie-only segment in slot order", () => {
    const { set, orders } = decode(20_000, 4);
    const same = SEGMENTS.indexOf("same");
    for (const sort of SORT_KEYS) {
      const all = set.directory.segments.flatMap((_, g) => orders.get(orderKey(sort, g)) ?? []);
      expect(new Set(all).size).toBe(set.customers);
      const ties = orders.get(orderKey(sort, same)) ?? [];
      expect(ties.length).toBeGreaterThan(1000);
      expect(ties).toEqual([...ties].sort((a, b) => a - b));
    }
  });
});
