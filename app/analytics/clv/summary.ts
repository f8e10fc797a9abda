/**
 * From a shop's orders to the per-customer sufficient statistics of the BG/NBD and
 * Gamma-Gamma models (Fader, Hardie & Lee 2005, section 2): x = repeat purchases,
 * t_x = time of the last purchase, T = time since the first purchase, both measured from the
 * first purchase, plus zbar = mean net value of the repeat purchases.
 *
 * Definitions (all in the shop's local days, given by `dayOf`):
 * - Cancelled and test orders are skipped; guest orders (customer −1) are skipped.
 * - A customer's orders on the same local day are one purchase; their net amounts add up.
 *   A fully refunded day still counts as a purchase (the customer came back), with value ≤ 0.
 * - The first purchase is not a repeat: x counts the purchase-days after the first one.
 * - The observation ends with the whole local day of `asOf`. With `holdoutDays` = h the
 *   calibration period ends h days earlier and the last h days are a holdout window.
 *   T = calibration end day − first day; customers whose first purchase is later are left out.
 * - zbar = mean net value (minor units) of the repeat purchase-days, 0 when x = 0.
 */

import { ORDER_CANCELLED, ORDER_TEST, type OrderTable } from "../types";

export type TimeUnit = "day" | "week";

/** Shop-local day number of an epoch-ms instant (consecutive integers for consecutive days). */
export type DayOf = (epochMs: number) => number;

const MS_PER_DAY = 86_400_000;

/** UTC day number: the default calendar when the shop's time zone is not given. */
export const utcDayOf: DayOf = (epochMs) => Math.floor(epochMs / MS_PER_DAY);

/** Days per model time unit. */
export function daysPerUnit(unit: TimeUnit): number {
  return unit === "week" ? 7 : 1;
}

/** The columns of an OrderTable the summary reads (gross amounts are not among them). */
export type SummaryOrders = Pick<
  OrderTable,
  "length" | "customer" | "processedAt" | "netMinor" | "flags"
>;

export interface SummaryOptions {
  /** End of observation (epoch ms); purchases on its whole local day are included. */
  readonly asOf: number;
  /** Local day numbers; defaults to UTC days. */
  readonly dayOf?: DayOf;
  /** Unit of t_x and T; default "day". */
  readonly unit?: TimeUnit;
  /** Size of the customer index space; default: largest customer index + 1. */
  readonly customerCount?: number;
  /**
   * Length of a holdout window in days at the end of the observation (default 0). When > 0,
   * holdoutX counts each calibration customer's purchase-days inside it.
   */
  readonly holdoutDays?: number;
}

export interface CustomerSummary {
  readonly unit: TimeUnit;
  readonly customerCount: number;
  /** Local day number of the last calibration day (T is measured to it). */
  readonly calibrationEndDay: number;
  /** Local day number of the last observed day (= calibrationEndDay without holdout). */
  readonly observationEndDay: number;
  /** 1 when the customer made a purchase on or before the calibration end, else 0. */
  readonly included: Uint8Array;
  /** Repeat purchase-days in the calibration period. */
  readonly x: Float64Array;
  /** Time from the first to the last purchase-day (unit); 0 when x = 0. */
  readonly tx: Float64Array;
  /** Time from the first purchase-day to the calibration end (unit). */
  readonly T: Float64Array;
  /** Mean net value (minor units) of the repeat purchase-days; 0 when x = 0. */
  readonly zbar: Float64Array;
  /** Net value (minor units) of the first purchase-day. */
  readonly firstNet: Float64Array;
  /** Purchase-days in the holdout window, when `holdoutDays` > 0. */
  readonly holdoutX: Float64Array | null;
  /** Customers with included = 1. */
  readonly includedCount: number;
  /** Included customers with x > 0. */
  readonly repeatCustomerCount: number;
}

/**
 * One pass over the orders (sorted by customer, then processedAt, as OrderTable promises;
 * checked, since a wrong order would silently corrupt every statistic).
 */
export function summarizeCustomers(
  orders: SummaryOrders,
  options: SummaryOptions,
): CustomerSummary {
  const dayOf = options.dayOf ?? utcDayOf;
  const unit = options.unit ?? "day";
  const scale = 1 / daysPerUnit(unit);
  const n = orders.length;
  let maxCustomer = -1;
  for (let i = 0; i < n; i++)
    if (orders.customer[i] > maxCustomer) maxCustomer = orders.customer[i];
  const customerCount = options.customerCount ?? maxCustomer + 1;
  if (maxCustomer >= customerCount) {
    throw new RangeError(`customer index ${maxCustomer} ≥ customerCount ${customerCount}`);
  }
  const holdoutDays = options.holdoutDays ?? 0;
  if (!(Number.isInteger(holdoutDays) && holdoutDays >= 0)) {
    throw new RangeError(`holdoutDays must be a whole number ≥ 0, got ${holdoutDays}`);
  }
  const lastDay = dayOf(options.asOf);
  const calEndDay = lastDay - holdoutDays;

  const included = new Uint8Array(customerCount);
  const x = new Float64Array(customerCount);
  const tx = new Float64Array(customerCount);
  const T = new Float64Array(customerCount);
  const zbar = new Float64Array(customerCount);
  const firstNet = new Float64Array(customerCount);
  const holdoutX = holdoutDays > 0 ? new Float64Array(customerCount) : null;

  const skip = ORDER_CANCELLED | ORDER_TEST;
  const { customer, processedAt, netMinor, flags } = orders;
  let includedCount = 0;
  let repeatCustomerCount = 0;

  // State of the current customer's run of orders.
  let cur = -1;
  let firstDay = 0;
  let day = 0; // current purchase-day
  let dayNet = 0;
  let purchaseDays = 0; // calibration purchase-days so far, incl. the first
  let repeatNet = 0;
  let lastRepeatDay = 0;
  let holdoutPurchases = 0;
  let prevCustomer = -1;
  let prevTime = -Infinity;

  const closeDay = (): void => {
    if (purchaseDays === 0) return;
    if (day <= calEndDay) {
      if (purchaseDays === 1) firstNet[cur] = dayNet;
      else {
        repeatNet += dayNet;
        lastRepeatDay = day;
      }
    }
  };
  const closeCustomer = (): void => {
    if (cur < 0 || purchaseDays === 0) return;
    closeDay();
    included[cur] = 1;
    includedCount++;
    const repeats = purchaseDays - 1;
    x[cur] = repeats;
    T[cur] = (calEndDay - firstDay) * scale;
    if (repeats > 0) {
      repeatCustomerCount++;
      tx[cur] = (lastRepeatDay - firstDay) * scale;
      zbar[cur] = repeatNet / repeats;
    }
    if (holdoutX !== null) holdoutX[cur] = holdoutPurchases;
  };

  for (let i = 0; i < n; i++) {
    const c = customer[i];
    const t = processedAt[i];
    if (c < prevCustomer || (c === prevCustomer && t < prevTime)) {
      throw new RangeError(`orders are not sorted by customer, then processedAt (row ${i})`);
    }
    prevCustomer = c;
    prevTime = t;
    if (c < 0 || (flags[i] & skip) !== 0) continue;
    if (c !== cur) {
      closeCustomer();
      cur = c;
      purchaseDays = 0;
      repeatNet = 0;
      holdoutPurchases = 0;
    }
    const d = dayOf(t);
    if (d > lastDay) continue;
    if (purchaseDays === 0) {
      // The first purchase must fall in the calibration period for the customer to count.
      if (d > calEndDay) continue;
      firstDay = d;
      day = d;
      dayNet = netMinor[i];
      purchaseDays = 1;
      continue;
    }
    if (d === day) {
      dayNet += netMinor[i];
      continue;
    }
    closeDay();
    day = d;
    dayNet = netMinor[i];
    if (d <= calEndDay) purchaseDays++;
    else holdoutPurchases++;
  }
  closeCustomer();

  return {
    unit,
    customerCount,
    calibrationEndDay: calEndDay,
    observationEndDay: lastDay,
    included,
    x,
    tx,
    T,
    zbar,
    firstNet,
    holdoutX,
    includedCount,
    repeatCustomerCount,
  };
}

/** Customers with identical (x, t_x, T) as one weighted row: the likelihood only sees these. */
export interface CompressedSummary {
  readonly length: number;
  readonly x: Float64Array;
  readonly tx: Float64Array;
  readonly T: Float64Array;
  /** Number of customers in the row. */
  readonly weight: Float64Array;
  /** Row of each customer (index space of the summary), −1 for customers not included. */
  readonly rowOf: Int32Array;
}

/** Frequency data as the models take it: rows of (x, t_x, T) with optional weights. */
export interface FrequencyData {
  readonly length: number;
  readonly x: ArrayLike<number>;
  readonly tx: ArrayLike<number>;
  readonly T: ArrayLike<number>;
  readonly weight?: ArrayLike<number>;
}

/**
 * Open-addressing hash of value tuples (compared exactly), O(n): sorting 1M keys would cost
 * more than the fit. Returns, per input row, the index of its distinct tuple.
 */
export class TupleIndex {
  private readonly width: number;
  private mask: number;
  private slots: Int32Array;
  private keys: Float64Array;
  private count = 0;
  private readonly buf = new Float64Array(1);
  private readonly bits = new Uint32Array(this.buf.buffer);

  constructor(width: number, expected: number) {
    this.width = width;
    let size = 16;
    while (size < expected * 2) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size).fill(-1);
    this.keys = new Float64Array(Math.max(16, expected) * width);
  }

  get size(): number {
    return this.count;
  }

  /** The stored tuples, `width` values per distinct tuple. */
  values(): Float64Array {
    return this.keys.subarray(0, this.count * this.width);
  }

  private hashValue(h: number, v: number): number {
    this.buf[0] = v === 0 ? 0 : v; // −0 and 0 are one key
    h = Math.imul(h ^ this.bits[0], 0x9e3779b1);
    h = Math.imul(h ^ this.bits[1], 0x85ebca77);
    return (h ^ (h >>> 15)) | 0;
  }

  private hashAt(id: number): number {
    const w = this.width;
    const o = id * w;
    let h = this.hashValue(0x811c9dc5, this.keys[o]);
    if (w > 1) h = this.hashValue(h, this.keys[o + 1]);
    if (w > 2) h = this.hashValue(h, this.keys[o + 2]);
    return h;
  }

  /** Double the slot table (kept at most half full so probes stay short and always end). */
  private grow(): void {
    const size = this.slots.length * 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (let id = 0; id < this.count; id++) {
      let slot = this.hashAt(id) & this.mask;
      while (this.slots[slot] >= 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = id;
    }
  }

  /** Index of the tuple (v0, v1, v2) (unused trailing values are ignored), inserting it. */
  indexOf(v0: number, v1 = 0, v2 = 0): number {
    const w = this.width;
    let h = this.hashValue(0x811c9dc5, v0);
    if (w > 1) h = this.hashValue(h, v1);
    if (w > 2) h = this.hashValue(h, v2);
    let slot = h & this.mask;
    const keys = this.keys;
    for (;;) {
      const id = this.slots[slot];
      if (id < 0) break;
      const o = id * w;
      if (keys[o] === v0 && (w < 2 || keys[o + 1] === v1) && (w < 3 || keys[o + 2] === v2)) {
        return id;
      }
      slot = (slot + 1) & this.mask;
    }
    const id = this.count++;
    if (id * w + w > this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    const o = id * w;
    this.keys[o] = v0;
    if (w > 1) this.keys[o + 1] = v1;
    if (w > 2) this.keys[o + 2] = v2;
    this.slots[slot] = id;
    if (this.count * 2 > this.slots.length) this.grow();
    return id;
  }
}

/** The distinct (x, t_x, T) tuples of an index as weighted rows. */
function compressedRows(
  index: TupleIndex,
  weight: Float64Array,
  rowOf: Int32Array,
): CompressedSummary {
  const length = index.size;
  const keys = index.values();
  const x = new Float64Array(length);
  const tx = new Float64Array(length);
  const T = new Float64Array(length);
  for (let r = 0; r < length; r++) {
    x[r] = keys[3 * r];
    tx[r] = keys[3 * r + 1];
    T[r] = keys[3 * r + 2];
  }
  return { length, x, tx, T, weight: weight.slice(0, length), rowOf };
}

/** Group the included customers of a summary by identical (x, t_x, T). */
export function compressSummary(summary: CustomerSummary): CompressedSummary {
  const { included, x, tx, T, customerCount } = summary;
  const index = new TupleIndex(3, Math.max(16, Math.min(customerCount, 1 << 20)));
  const rowOf = new Int32Array(customerCount).fill(-1);
  let weight = new Float64Array(1024);
  for (let i = 0; i < customerCount; i++) {
    if (included[i] === 0) continue;
    const row = index.indexOf(x[i], tx[i], T[i]);
    if (row >= weight.length) {
      const grown = new Float64Array(weight.length * 2);
      grown.set(weight);
      weight = grown;
    }
    weight[row] += 1;
    rowOf[i] = row;
  }
  return compressedRows(index, weight, rowOf);
}

/** Compress raw (x, t_x, T) arrays (e.g. the CDNOW summary) into weighted rows. */
export function compressFrequencyData(data: FrequencyData): CompressedSummary {
  const n = data.length;
  const index = new TupleIndex(3, Math.max(16, n));
  const rowOf = new Int32Array(n);
  const weight = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = index.indexOf(data.x[i], data.tx[i], data.T[i]);
    weight[row] += data.weight === undefined ? 1 : data.weight[i];
    rowOf[i] = row;
  }
  return compressedRows(index, weight, rowOf);
}
