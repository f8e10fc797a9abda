/**
 * A compute's per-customer results as a result set: binary chunks written once per compute
 * (docs/decisions/0035-customer-result-set.md). Pure: no database here (the writer is
 * results.server.ts, the readers result-set.server.ts).
 *
 * Layout version 1, little-endian (every platform Node runs on here; checked at load):
 * - "rows" parts: the customers with a segment, in ascending id order, ROWS_PER_PART a part.
 *   A customer's slot is its position in that order. A part is columnar:
 *   u32 version, u32 n, then i64 id[n], f64 monetaryMinor[n], f64 pAlive[n],
 *   f64 expected90[n], f64 clvMinor[n], i32 recencyDays[n], i32 frequency[n],
 *   u8 segment[n], u8 r[n], u8 f[n], u8 m[n]. NaN model values mean "no model value";
 *   money is whole minor units (exact below 2^53). A redacted customer's slot is blanked:
 *   id 0, segment NO_SEGMENT, every value 0.
 * - "order" parts, key "<sort key>:<segment index>": the segment's slots sorted ascending
 *   by the key, ties by customer id (slot) ascending, NaN first; u32 slots, SLOTS_PER_PART
 *   a part. Descending is the same list read backwards (ties then by id descending, as the
 *   drill-down has always ordered them).
 * The directory (MetricSnapshot.customerResults, JSON) names the segments by index.
 *
 * Why hand-written rather than Apache Arrow IPC: a part is five fixed-width columns, read by
 * slicing typed arrays, and the sort orders need a radix argsort over ~1M float keys (tens of
 * ms a key; Array#sort with a comparator takes ~0.5 s) that no library here offers.
 */
import { endianness } from "node:os";
import { radixSortByWords, type WordDigit } from "../analytics/numeric-sort";
import { NO_SEGMENT } from "../analytics/rfm";
import { SORT_KEYS, type SortKey } from "./customer-sort";
import type { PerCustomerResults } from "./snapshot/types";

if (endianness() !== "LE") throw new Error("The customer result set layout is little-endian");

export const RESULT_SET_VERSION = 1;
export const ROWS_PER_PART = 256;
export const SLOTS_PER_PART = 4096;
const HEADER_BYTES = 8;
/** Bytes per customer in a rows part. */
const ROW_BYTES = 8 * 5 + 4 * 2 + 4;

export interface ResultSetDirectory {
  readonly version: number;
  readonly customers: number;
  readonly rowsPerPart: number;
  readonly slotsPerPart: number;
  /** Segment id and customer count of each segment index. */
  readonly segments: readonly { readonly id: string; readonly customers: number }[];
}

/** One customer's results, in the shape readers use (money exact as bigint). */
export interface CustomerResult {
  readonly customerId: bigint;
  readonly segment: string;
  readonly recencyScore: number;
  readonly frequencyScore: number;
  readonly monetaryScore: number;
  readonly recencyDays: number;
  readonly frequency: number;
  readonly monetaryMinor: bigint;
  readonly pAlive: number | null;
  readonly expected90: number | null;
  readonly clvMinor: bigint | null;
}

/** A decoded rows part: typed-array views over one aligned copy of the bytes. */
export interface RowsPart {
  readonly length: number;
  readonly id: BigInt64Array;
  readonly monetaryMinor: Float64Array;
  readonly pAlive: Float64Array;
  readonly expected90: Float64Array;
  readonly clvMinor: Float64Array;
  readonly recencyDays: Int32Array;
  readonly frequency: Int32Array;
  readonly segment: Uint8Array;
  readonly r: Uint8Array;
  readonly f: Uint8Array;
  readonly m: Uint8Array;
}

export const orderKey = (sort: SortKey, segmentIndex: number): string => `${sort}:${segmentIndex}`;

function rowsPartViews(buffer: ArrayBuffer, n: number): RowsPart {
  let at = HEADER_BYTES;
  const take = <T>(make: (b: ArrayBuffer, o: number, l: number) => T, bytes: number): T => {
    const view = make(buffer, at, n);
    at += bytes * n;
    return view;
  };
  const f64 = (b: ArrayBuffer, o: number, l: number) => new Float64Array(b, o, l);
  const i32 = (b: ArrayBuffer, o: number, l: number) => new Int32Array(b, o, l);
  const u8 = (b: ArrayBuffer, o: number, l: number) => new Uint8Array(b, o, l);
  return {
    length: n,
    id: take((b, o, l) => new BigInt64Array(b, o, l), 8),
    monetaryMinor: take(f64, 8),
    pAlive: take(f64, 8),
    expected90: take(f64, 8),
    clvMinor: take(f64, 8),
    recencyDays: take(i32, 4),
    frequency: take(i32, 4),
    segment: take(u8, 1),
    r: take(u8, 1),
    f: take(u8, 1),
    m: take(u8, 1),
  };
}

/** Decodes a rows part (copied once, so views are aligned whatever the driver returned). */
export function decodeRowsPart(bytes: Uint8Array): RowsPart {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  const header = new DataView(copy.buffer);
  const version = header.getUint32(0, true);
  const n = header.getUint32(4, true);
  if (version !== RESULT_SET_VERSION || bytes.byteLength !== HEADER_BYTES + ROW_BYTES * n) {
    throw new Error(`Unreadable customer result part (version ${version}, ${n} rows)`);
  }
  return rowsPartViews(copy.buffer, n);
}

export function encodeRowsPart(part: RowsPart): Uint8Array<ArrayBuffer> {
  const n = part.length;
  const buffer = new ArrayBuffer(HEADER_BYTES + ROW_BYTES * n);
  const header = new DataView(buffer);
  header.setUint32(0, RESULT_SET_VERSION, true);
  header.setUint32(4, n, true);
  const out = rowsPartViews(buffer, n);
  out.id.set(part.id);
  out.monetaryMinor.set(part.monetaryMinor);
  out.pAlive.set(part.pAlive);
  out.expected90.set(part.expected90);
  out.clvMinor.set(part.clvMinor);
  out.recencyDays.set(part.recencyDays);
  out.frequency.set(part.frequency);
  out.segment.set(part.segment);
  out.r.set(part.r);
  out.f.set(part.f);
  out.m.set(part.m);
  return new Uint8Array(buffer);
}

export function decodeSlots(bytes: Uint8Array): Uint32Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Uint32Array(copy.buffer, 0, copy.byteLength >> 2);
}

const nullable = (x: number): number | null => (Number.isNaN(x) ? null : x);

/** The customer at index i of a part; null for a blanked (redacted) slot. */
export function resultAt(
  part: RowsPart,
  i: number,
  directory: ResultSetDirectory,
): CustomerResult | null {
  const g = part.segment[i];
  if (g === NO_SEGMENT || part.id[i] === 0n) return null;
  return {
    customerId: part.id[i],
    segment: directory.segments[g]?.id ?? String(g),
    recencyScore: part.r[i],
    frequencyScore: part.f[i],
    monetaryScore: part.m[i],
    recencyDays: part.recencyDays[i],
    frequency: part.frequency[i],
    monetaryMinor: BigInt(part.monetaryMinor[i]),
    pAlive: nullable(part.pAlive[i]),
    expected90: nullable(part.expected90[i]),
    clvMinor: Number.isNaN(part.clvMinor[i]) ? null : BigInt(part.clvMinor[i]),
  };
}

/** Index of `id` in a part (ids ascending, blanked slots 0), or −1. */
export function indexOfId(part: RowsPart, id: bigint): number {
  for (let i = 0; i < part.length; i++) if (part.id[i] === id) return i;
  return -1;
}

/** Blanks a customer's slot in place: no trace of them remains in the part. */
export function blankSlot(part: RowsPart, i: number): void {
  part.id[i] = 0n;
  part.segment[i] = NO_SEGMENT;
  for (const column of [part.monetaryMinor, part.pAlive, part.expected90, part.clvMinor]) {
    column[i] = 0;
  }
  part.recencyDays[i] = 0;
  part.frequency[i] = 0;
  part.r[i] = 0;
  part.f[i] = 0;
  part.m[i] = 0;
}

/** The lowest live id of a part (its lookup key), or null when every slot is blanked. */
export function firstLiveId(part: RowsPart): bigint | null {
  for (let i = 0; i < part.length; i++) if (part.id[i] !== 0n) return part.id[i];
  return null;
}

// ------------------------------------------------------------------------- building a set

export interface EncodedPart {
  readonly kind: "rows" | "order";
  readonly key: string;
  readonly part: number;
  readonly firstId: bigint;
  readonly data: Uint8Array;
}

export interface EncodedResultSet {
  readonly directory: ResultSetDirectory;
  readonly customers: number;
  readonly bytes: number;
  /** Parts in write order; generated lazily so only one part's bytes are alive at a time. */
  readonly parts: () => Iterable<EncodedPart>;
}

/**
 * Order-preserving 32-bit halves of a float64 key (NaN lowest, −0 as 0): comparing (hi, lo)
 * as unsigned integers orders the numbers.
 */
function sortableHalves(values: ArrayLike<number>): { hi: Uint32Array; lo: Uint32Array } {
  const n = values.length;
  const normalized = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    normalized[i] = Number.isNaN(v) ? -Infinity : v === 0 ? 0 : v;
  }
  const words = new Uint32Array(normalized.buffer);
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = words[2 * i + 1];
    const l = words[2 * i];
    if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
  }
  // NaN was mapped to −∞; anything below −∞ does not exist, so NaNs sort first (ties by slot).
  return { hi, lo };
}

/** The result set's digits: both 32-bit words of a key, 16 bits a pass. */
const HALF_DIGITS: readonly WordDigit[] = [
  [false, 0, 16],
  [false, 16, 16],
  [true, 0, 16],
  [true, 16, 16],
];

/** Each sort key's column of a rows part (also what the drill-down's range filters read). */
export const SORT_VALUES: Record<SortKey, (p: RowsPart) => Float64Array | Int32Array> = {
  clv: (p) => p.clvMinor,
  pAlive: (p) => p.pAlive,
  expected90: (p) => p.expected90,
  monetary: (p) => p.monetaryMinor,
  frequency: (p) => p.frequency,
  recency: (p) => p.recencyDays,
};

/**
 * ids[k] = customerIds[order[k]], copied as two 32-bit words each (low word first: the layout
 * is little-endian), and whether they are strictly ascending, compared as (signed high,
 * unsigned low) words: reading a BigInt64Array element makes a BigInt, ~0.1 s at 1M.
 */
function copyIdsAscending(
  customerIds: BigInt64Array,
  order: Uint32Array,
  ids: BigInt64Array,
): boolean {
  const from = new Int32Array(customerIds.buffer, customerIds.byteOffset, customerIds.length * 2);
  const to = new Int32Array(ids.buffer, ids.byteOffset, ids.length * 2);
  let ascending = true;
  for (let k = 0; k < order.length; k++) {
    const c = 2 * order[k];
    const lo = from[c];
    const hi = from[c + 1];
    to[2 * k] = lo;
    to[2 * k + 1] = hi;
    if (k > 0 && ascending) {
      const hiBefore = to[2 * k - 1];
      ascending = hiBefore < hi || (hiBefore === hi && to[2 * k - 2] >>> 0 < lo >>> 0);
    }
  }
  return ascending;
}

const roundedOrNaN = (x: number): number => (Number.isFinite(x) ? Math.round(x) : NaN);

/**
 * A result set before its sort orders: the slots' columns and where each segment starts in a
 * segment-major order. The sort keys' columns and the segments are on shared memory, so the
 * snapshot threads read them for the sorts without a copy (sortOnSnapshotThreads).
 */
export interface ResultColumns {
  readonly directory: ResultSetDirectory;
  readonly rows: RowsPart;
  readonly segmentStart: Uint32Array;
}

/** One sort order to make (segmentOrder): a key's column, the slots' segments and starts. */
export interface SortJob {
  readonly values: Float64Array | Int32Array;
  readonly segment: Uint8Array;
  readonly segmentStart: Uint32Array;
}

/** The slots' columns of one compute (customers without a segment have no slot). */
export function resultColumns(customerIds: BigInt64Array, p: PerCustomerResults): ResultColumns {
  // Slots: customers with a segment, in ascending id order.
  let n = 0;
  for (let c = 0; c < p.count; c++) if (p.segment[c] !== NO_SEGMENT) n++;
  const order = new Uint32Array(n);
  for (let c = 0, k = 0; c < p.count; c++) if (p.segment[c] !== NO_SEGMENT) order[k++] = c;
  const ids = new BigInt64Array(n);
  if (!copyIdsAscending(customerIds, order, ids)) {
    // Dense indexes follow id order when loaded; sort anyway so the layout never depends on it.
    const byId = Array.from(order).sort((a, b) =>
      customerIds[a] < customerIds[b] ? -1 : customerIds[a] > customerIds[b] ? 1 : 0,
    );
    order.set(byId);
    for (let k = 0; k < n; k++) ids[k] = customerIds[order[k]];
  }

  const column = <T extends Float64Array | Int32Array | Uint8Array>(
    make: (len: number) => T,
    source: ArrayLike<number>,
    map: (x: number) => number = (x) => x,
  ): T => {
    const out = make(n);
    for (let k = 0; k < n; k++) out[k] = map(source[order[k]]);
    return out;
  };
  const shared =
    <T>(bytes: number, view: new (buffer: SharedArrayBuffer) => T) =>
    (len: number) =>
      new view(new SharedArrayBuffer(len * bytes));
  const f64 = shared(8, Float64Array);
  const i32 = shared(4, Int32Array);
  const u8 = (len: number) => new Uint8Array(len);
  const rows: RowsPart = {
    length: n,
    id: ids,
    monetaryMinor: column(f64, p.monetaryMinor, Math.round),
    pAlive: column(f64, p.pAlive, (x) => (Number.isFinite(x) ? x : NaN)),
    expected90: column(f64, p.expected90, (x) => (Number.isFinite(x) ? x : NaN)),
    clvMinor: column(f64, p.clvMinor, roundedOrNaN),
    recencyDays: column(i32, p.recencyDays),
    frequency: column(i32, p.frequency),
    segment: column(shared(1, Uint8Array), p.segment),
    r: column(u8, p.r),
    f: column(u8, p.f),
    m: column(u8, p.m),
  };

  const segmentCounts = new Array<number>(p.segmentIds.length).fill(0);
  for (let k = 0; k < n; k++) segmentCounts[rows.segment[k]]++;
  const directory: ResultSetDirectory = {
    version: RESULT_SET_VERSION,
    customers: n,
    rowsPerPart: ROWS_PER_PART,
    slotsPerPart: SLOTS_PER_PART,
    segments: p.segmentIds.map((id, g) => ({ id, customers: segmentCounts[g] })),
  };
  const segmentStart = new Uint32Array(p.segmentIds.length + 1);
  for (let g = 0; g < p.segmentIds.length; g++) {
    segmentStart[g + 1] = segmentStart[g] + segmentCounts[g];
  }
  return { directory, rows, segmentStart };
}

/** The set's sort jobs, in SORT_KEYS order. */
export function sortJobs({ rows, segmentStart }: ResultColumns): SortJob[] {
  return SORT_KEYS.map((sort) => ({
    values: SORT_VALUES[sort](rows),
    segment: rows.segment,
    segmentStart,
  }));
}

/**
 * The slots in segment-major order, each segment's sorted ascending by the key, ties by slot
 * (NaN first). Pure: any thread runs it on the same columns with the same result.
 */
export function segmentOrder({ values, segment, segmentStart }: SortJob): Uint32Array {
  const n = values.length;
  const { hi, lo } = sortableHalves(values);
  const slots = new Int32Array(n);
  for (let k = 0; k < n; k++) slots[k] = k;
  // Ties by slot: the sort is stable and the slots start in order.
  const sorted = radixSortByWords(hi, lo, slots, HALF_DIGITS).rows;
  // Stable split by segment keeps each segment's slots in key order.
  const bySegment = new Uint32Array(n);
  const next = segmentStart.slice(0, segmentStart.length - 1);
  for (let i = 0; i < n; i++) {
    const s = sorted[i];
    bySegment[next[segment[s]]++] = s;
  }
  return bySegment;
}

/** Builds the result set of one compute, its sort orders made on this thread. */
export function buildResultSet(
  customerIds: BigInt64Array,
  p: PerCustomerResults,
): EncodedResultSet {
  const columns = resultColumns(customerIds, p);
  return encodeResultSet(columns, sortJobs(columns).map(segmentOrder));
}

/** The result set of `columns` with its sort orders (segmentOrder of each of sortJobs). */
export function encodeResultSet(
  { directory, rows, segmentStart }: ResultColumns,
  orders: readonly Uint32Array[],
): EncodedResultSet {
  const n = rows.length;
  const ids = rows.id;
  if (orders.length !== SORT_KEYS.length || orders.some((o) => o.length !== n)) {
    throw new RangeError("one sort order of every slot is needed per sort key");
  }
  const rowParts = Math.ceil(n / ROWS_PER_PART);
  const bytes = rowParts * HEADER_BYTES + n * ROW_BYTES + SORT_KEYS.length * 4 * n;

  function* parts(): Generator<EncodedPart> {
    for (let part = 0; part < rowParts; part++) {
      const start = part * ROWS_PER_PART;
      const end = Math.min(n, start + ROWS_PER_PART);
      const slice: RowsPart = {
        length: end - start,
        id: rows.id.subarray(start, end),
        monetaryMinor: rows.monetaryMinor.subarray(start, end),
        pAlive: rows.pAlive.subarray(start, end),
        expected90: rows.expected90.subarray(start, end),
        clvMinor: rows.clvMinor.subarray(start, end),
        recencyDays: rows.recencyDays.subarray(start, end),
        frequency: rows.frequency.subarray(start, end),
        segment: rows.segment.subarray(start, end),
        r: rows.r.subarray(start, end),
        f: rows.f.subarray(start, end),
        m: rows.m.subarray(start, end),
      };
      yield { kind: "rows", key: "", part, firstId: ids[start], data: encodeRowsPart(slice) };
    }
    for (const [key, sort] of SORT_KEYS.entries()) {
      const bySegment = orders[key];
      for (let g = 0; g < directory.segments.length; g++) {
        const segment = bySegment.subarray(segmentStart[g], segmentStart[g + 1]);
        for (let at = 0, part = 0; at < segment.length; at += SLOTS_PER_PART, part++) {
          const chunk = segment.slice(at, at + SLOTS_PER_PART);
          yield {
            kind: "order",
            key: orderKey(sort, g),
            part,
            firstId: 0n,
            data: new Uint8Array(chunk.buffer),
          };
        }
      }
    }
  }
  return { directory, customers: n, bytes, parts };
}
