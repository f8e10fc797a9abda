/** Shapes and constants shared by page loaders and components: no server imports here. */

export interface ShopStatus {
  readonly syncStatus: string;
  readonly syncDone: number;
  readonly syncTotal: number;
  readonly syncError: string | null;
  readonly computeStatus: string;
  readonly computeProgress: number;
  readonly computeError: string | null;
  /** Epoch ms of the last finished compute. */
  readonly computedAt: number | null;
  readonly backfilledAt: number | null;
}

// Constants the pages share with their loaders and actions (no server imports here).

/** Longest recommended-action text a merchant can save. */
export const MAX_ACTION_LENGTH = 500;

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
