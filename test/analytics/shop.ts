/** Small hand-written shops for the analytics tests. */
import fc from "fast-check";
import type { PurchaseHistory } from "../../app/analytics/history";
import { buildPurchaseHistory } from "../../app/analytics/history";
import { createCalendar, parseDay } from "../../app/analytics/time";
import type { OrderTable } from "../../app/analytics/types";

export interface OrderSpec {
  /** Customer index, −1 for a guest. */
  readonly c: number;
  /** ISO instant with offset, e.g. "2024-01-05T10:00:00+09:00". */
  readonly at: string;
  readonly net?: number;
  readonly gross?: number;
  readonly flags?: number;
}

/** An OrderTable sorted as documented (customer, then processedAt). */
export function orderTable(specs: readonly OrderSpec[]): OrderTable {
  const rows = specs
    .map((s) => ({ ...s, ms: Date.parse(s.at) }))
    .sort((a, b) => a.c - b.c || a.ms - b.ms);
  for (const r of rows) if (Number.isNaN(r.ms)) throw new Error(`bad date ${r.at}`);
  return {
    length: rows.length,
    customer: Int32Array.from(rows, (r) => r.c),
    processedAt: Float64Array.from(rows, (r) => r.ms),
    grossMinor: Float64Array.from(rows, (r) => r.gross ?? r.net ?? 1000),
    netMinor: Float64Array.from(rows, (r) => r.net ?? 1000),
    flags: Uint8Array.from(rows, (r) => r.flags ?? 0),
  };
}

export function shop(
  specs: readonly OrderSpec[],
  customerCount: number,
  timeZone = "Asia/Tokyo",
): PurchaseHistory {
  return buildPurchaseHistory(orderTable(specs), customerCount, createCalendar(timeZone));
}

/**
 * The year-over-year shop (migration tests), 2024 against 2023: c0 existing in 2023 and
 * retained, c1 new in 2023 and retained, c2 new in 2023 and gone, c3 existing in 2023 and
 * gone, c4 reactivated in 2024 (3000), c5 new in 2024 (7000), c6's first purchase in 2025 in
 * Tokyo.
 */
export function yoyShop(): PurchaseHistory {
  return shop(
    [
      { c: 0, at: "2022-05-01T12:00:00+09:00" },
      { c: 0, at: "2023-03-01T12:00:00+09:00" },
      { c: 0, at: "2024-02-01T12:00:00+09:00" },
      { c: 1, at: "2023-06-01T12:00:00+09:00" },
      { c: 1, at: "2024-07-01T12:00:00+09:00" },
      { c: 2, at: "2023-08-01T12:00:00+09:00" },
      { c: 3, at: "2022-01-01T12:00:00+09:00" },
      { c: 3, at: "2023-01-01T12:00:00+09:00" },
      { c: 4, at: "2021-05-01T12:00:00+09:00" },
      { c: 4, at: "2024-05-05T12:00:00+09:00", net: 3000 },
      { c: 5, at: "2024-09-09T12:00:00+09:00", net: 7000 },
      // 2025-01-01 00:30 in Tokyo: not in 2024.
      { c: 6, at: "2024-12-31T15:30:00Z" },
    ],
    7,
  );
}

/** Local day number of "YYYY-MM-DD". */
export const d = parseDay;

/** Half-open range of local days from two inclusive dates. */
export function range(first: string, last: string): { startDay: number; endDay: number } {
  return { startDay: parseDay(first), endDay: parseDay(last) + 1 };
}

export interface RawOrder {
  readonly c: number;
  readonly ms: number;
  readonly net: number;
  readonly flags: number;
}

/** OrderTable from raw rows (sorted here). */
export function tableFromRaw(rows: readonly RawOrder[]): OrderTable {
  const sorted = [...rows].sort((a, b) => a.c - b.c || a.ms - b.ms);
  return {
    length: sorted.length,
    customer: Int32Array.from(sorted, (r) => r.c),
    processedAt: Float64Array.from(sorted, (r) => r.ms),
    grossMinor: Float64Array.from(sorted, (r) => r.net + 100),
    netMinor: Float64Array.from(sorted, (r) => r.net),
    flags: Uint8Array.from(sorted, (r) => r.flags),
  };
}

/**
 * The history of the customers in `keep` only, in Tokyo (the others keep their index, without
 * orders): a cut's figures computed over exactly its customers, for comparison.
 */
export function subsetHistory(
  orders: OrderTable,
  customers: number,
  keep: (c: number) => boolean,
): PurchaseHistory {
  const rows: number[] = [];
  for (let i = 0; i < orders.length; i++) {
    if (orders.customer[i] >= 0 && keep(orders.customer[i])) rows.push(i);
  }
  return buildPurchaseHistory(permuted(orders, rows), customers, createCalendar("Asia/Tokyo"));
}

/** The rows of `table` in the order `rows` lists them, as a table of their own. */
export function permuted(table: OrderTable, rows: ArrayLike<number>): OrderTable {
  return {
    length: rows.length,
    customer: Int32Array.from(rows, (i) => table.customer[i]),
    processedAt: Float64Array.from(rows, (i) => table.processedAt[i]),
    grossMinor: Float64Array.from(rows, (i) => table.grossMinor[i]),
    netMinor: Float64Array.from(rows, (i) => table.netMinor[i]),
    flags: Uint8Array.from(rows, (i) => table.flags[i]),
  };
}

/** Rows 0…length−1 in a deterministic shuffle of `seed`, by a multiplicative hash mod `modulus`. */
export function shuffledRows(length: number, seed: number, modulus: number): number[] {
  const hash = (i: number) => ((i * 2654435761 + seed) >>> 0) % modulus;
  return Array.from({ length }, (_, i) => i).sort((a, b) => hash(a) - hash(b));
}

/** Start of the random shops' history: 2023-01-01 00:00 JST. */
export const RANDOM_START_MS = Date.parse("2023-01-01T00:00:00+09:00");
export const RANDOM_SPAN_DAYS = 730;

/** fast-check arbitrary of a random shop: customer count and raw orders over two years. */
export function randomShop(maxCustomers = 40, maxOrders = 150) {
  return fc.integer({ min: 1, max: maxCustomers }).chain((customers) =>
    fc.record({
      customers: fc.constant(customers),
      orders: fc.array(
        fc.record({
          c: fc.integer({ min: -1, max: customers - 1 }),
          // Whole hours keep many same-day and same-value collisions (ties matter).
          ms: fc
            .integer({ min: 0, max: RANDOM_SPAN_DAYS * 24 - 1 })
            .map((h) => RANDOM_START_MS + h * 3_600_000),
          net: fc.oneof(
            fc.constant(0),
            fc.integer({ min: 0, max: 50 }).map((x) => x * 500),
          ),
          flags: fc.constantFrom(0, 0, 0, 0, 1, 2, 4, 4),
        }),
        { maxLength: maxOrders },
      ),
    }),
  );
}
