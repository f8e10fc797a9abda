// Cursor pagination over a sorted index, Shopify style: opaque base64 cursors holding the
// last id and sort value, first/after and last/before, reverse, and the 25,000-object cap.
import { parseJson, stringifyJson } from "../util/json";

export const MAX_PAGE_SIZE = 250;
export const PAGINATION_CAP = 25_000;

export interface PageArgs {
  first: number | null;
  last: number | null;
  after: string | null;
  before: string | null;
  reverse: boolean;
}

export interface SortedRows {
  /** Row ids (serials/slots) ascending by (key, row). */
  perm: Uint32Array;
  key: (row: number) => number;
  /** Visible and matching the query. */
  accept: (row: number) => boolean;
  /** Bounds on `key` that every accepted row satisfies (seek instead of scan). */
  bounds: { lo: number; hi: number } | null;
  /** Cursor content: the legacy id and the sort value. */
  cursorOf: (row: number) => { id: bigint; value: string };
  /** Resolves a cursor back to (key, row); null if it does not decode. */
  resolveCursor: (id: bigint, value: string) => { key: number; row: number } | null;
}

export interface Page {
  rows: number[];
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** The page stopped at the 25,000-object cap. */
  capped: boolean;
}

export class PaginationError extends Error {}

/** The last id is an integer literal, exact up to 2^63 (ids are 64-bit). */
export function encodeCursor(id: number | bigint, value: string): string {
  return Buffer.from(stringifyJson({ last_id: BigInt(id), last_value: value })).toString("base64");
}

export function decodeCursor(cursor: string): { id: bigint; value: string } | null {
  try {
    const parsed = parseJson(Buffer.from(cursor, "base64").toString("utf8"));
    if (typeof parsed !== "object" || parsed === null) return null;
    const { last_id: id, last_value: value } = parsed as Record<string, unknown>;
    if (
      !(typeof id === "bigint" || Number.isSafeInteger(id)) ||
      (typeof value !== "string" && typeof value !== "number")
    )
      return null;
    return { id: BigInt(id as number | bigint), value: String(value) };
  } catch {
    return null;
  }
}

/** Number of rows whose (key, row) is below (key, row) of the probe (strictly or not). */
function countBelow(rows: SortedRows, key: number, row: number, inclusive: boolean): number {
  const perm = rows.perm;
  let lo = 0;
  let hi = perm.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const r = perm[mid] ?? 0;
    const k = rows.key(r);
    const below = k < key || (k === key && (inclusive ? r <= row : r < row));
    if (below) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function countKeyBelow(rows: SortedRows, key: number): number {
  const perm = rows.perm;
  let lo = 0;
  let hi = perm.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows.key(perm[mid] ?? 0) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function cursorPosition(rows: SortedRows, cursor: string): { below: number; atOrBelow: number } {
  const decoded = decodeCursor(cursor);
  const resolved = decoded ? rows.resolveCursor(decoded.id, decoded.value) : null;
  if (!resolved) throw new PaginationError("Invalid cursor.");
  return {
    below: countBelow(rows, resolved.key, resolved.row, false),
    atOrBelow: countBelow(rows, resolved.key, resolved.row, true),
  };
}

export function paginate(rows: SortedRows, args: PageArgs, cap = PAGINATION_CAP): Page {
  const n = rows.perm.length;
  // Physical window [a, b) in ascending order, from the query bounds.
  let a = 0;
  let b = n;
  if (rows.bounds) {
    if (rows.bounds.lo > -Infinity) a = countKeyBelow(rows, rows.bounds.lo);
    if (rows.bounds.hi < Infinity) b = countKeyBelow(rows, rows.bounds.hi + 1);
  }
  const queryStart = a;
  const queryEnd = b;
  if (args.after) {
    const pos = cursorPosition(rows, args.after);
    if (args.reverse) b = Math.min(b, pos.below);
    else a = Math.max(a, pos.atOrBelow);
  }
  if (args.before) {
    const pos = cursorPosition(rows, args.before);
    if (args.reverse) a = Math.max(a, pos.atOrBelow);
    else b = Math.min(b, pos.below);
  }
  // Logical index i (0 = first in the requested order) ↔ physical index.
  const phys = (i: number, start: number, end: number) => (args.reverse ? end - 1 - i : start + i);
  const rowAt = (p: number) => rows.perm[p] ?? 0;

  if (args.first !== null) {
    // Matches between the start of the query and the page start count towards the cap.
    let before = 0;
    const logicalStart = args.reverse ? queryEnd - b : a - queryStart;
    for (let i = 0; i < logicalStart && before < cap; i++) {
      if (rows.accept(rowAt(phys(i, queryStart, queryEnd)))) before++;
    }
    const out: number[] = [];
    let hasNextPage = false;
    let capped = false;
    const width = b - a;
    for (let i = 0; i < width; i++) {
      const row = rowAt(phys(i, a, b));
      if (!rows.accept(row)) continue;
      if (before + out.length >= cap) {
        capped = true;
        break;
      }
      if (out.length === args.first) {
        hasNextPage = true;
        break;
      }
      out.push(row);
    }
    return finish(rows, out, hasNextPage, before > 0, capped);
  }

  // last/before: walk backwards from the end of the window.
  const count = args.last ?? 0;
  const collected: number[] = [];
  let hasPreviousPage = false;
  const width = b - a;
  for (let i = width - 1; i >= 0; i--) {
    const row = rowAt(phys(i, a, b));
    if (!rows.accept(row)) continue;
    if (collected.length === count) {
      hasPreviousPage = true;
      break;
    }
    collected.push(row);
  }
  collected.reverse();
  // Cap: position of the page within the query result.
  let before = 0;
  const firstRow = collected[0];
  if (firstRow !== undefined) {
    for (let i = 0; ; i++) {
      const p = phys(i, queryStart, queryEnd);
      if (p < queryStart || p >= queryEnd) break;
      const row = rowAt(p);
      if (row === firstRow || before >= cap) break;
      if (rows.accept(row)) before++;
    }
  }
  const allowed = Math.max(0, cap - before);
  const capped = collected.length > allowed;
  const page = capped ? collected.slice(0, allowed) : collected;
  let hasNextPage = false;
  const logicalEnd = args.reverse ? queryEnd - a : b - queryStart;
  for (let i = logicalEnd; ; i++) {
    const p = phys(i, queryStart, queryEnd);
    if (p < queryStart || p >= queryEnd) break;
    if (rows.accept(rowAt(p))) {
      hasNextPage = true;
      break;
    }
  }
  return finish(rows, page, hasNextPage && !capped, hasPreviousPage, capped);
}

function finish(
  rows: SortedRows,
  out: number[],
  hasNextPage: boolean,
  hasPreviousPage: boolean,
  capped: boolean,
): Page {
  return {
    rows: out,
    cursors: out.map((row) => {
      const c = rows.cursorOf(row);
      return encodeCursor(c.id, c.value);
    }),
    hasNextPage,
    hasPreviousPage,
    capped,
  };
}

/** Pagination of a small in-memory list (line items of one order, …). */
export function paginateList<T>(
  items: readonly T[],
  idOf: (item: T) => number | bigint,
  args: PageArgs,
): { items: T[]; cursors: string[]; hasNextPage: boolean; hasPreviousPage: boolean } {
  const ordered = args.reverse ? [...items].reverse() : [...items];
  const indexOfCursor = (cursor: string) => {
    const decoded = decodeCursor(cursor);
    const index = decoded ? ordered.findIndex((item) => BigInt(idOf(item)) === decoded.id) : -1;
    if (index < 0) throw new PaginationError("Invalid cursor.");
    return index;
  };
  let start = args.after ? indexOfCursor(args.after) + 1 : 0;
  let end = args.before ? indexOfCursor(args.before) : ordered.length;
  if (args.first !== null) end = Math.min(end, start + args.first);
  else if (args.last !== null) start = Math.max(start, end - args.last);
  const page = ordered.slice(start, end);
  return {
    items: page,
    cursors: page.map((item) => encodeCursor(idOf(item), String(idOf(item)))),
    hasNextPage: end < ordered.length,
    hasPreviousPage: start > 0,
  };
}
