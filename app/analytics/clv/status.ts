/** Typed "not enough data" outcome shared by the CLV entry points (never NaN parameters). */
export interface InsufficientData {
  readonly status: "insufficient-data";
  readonly reason: string;
  /** Customers with a purchase in the calibration period. */
  readonly customers: number;
  /** Of them, customers with at least one repeat purchase. */
  readonly repeatCustomers: number;
  readonly requiredRepeatCustomers: number;
}

/**
 * Below this many repeat buyers the BG/NBD estimates are too uncertain to show merchants
 * (standard errors of the same order as the parameters); configurable per call.
 */
export const DEFAULT_MIN_REPEAT_CUSTOMERS = 30;
