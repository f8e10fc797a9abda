/** A shop's sync and compute state as pages show it: no server imports here. */

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
