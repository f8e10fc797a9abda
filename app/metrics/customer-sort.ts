/**
 * Orders of a segment's customer list: the result set stores one order part per key
 * (result-set.ts) and the segment pages sort by them. No server imports: the routes use it.
 */

/** Sort keys of a segment's customer list. */
export const SORT_KEYS = [
  "clv",
  "pAlive",
  "expected90",
  "monetary",
  "frequency",
  "recency",
] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDirection = "asc" | "desc";
