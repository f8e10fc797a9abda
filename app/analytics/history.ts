/**
 * The purchase history every descriptive metric reads: a shop's orders reduced once to
 * per-customer purchases on shop-local days.
 *
 * Conventions (shared with the CLV model):
 * - Cancelled and test orders are dropped everywhere.
 * - A purchase is a (customer, shop-local day) with at least one remaining order: several
 *   orders by one customer on one local day count as ONE purchase (frequency, recency,
 *   repeat, continuation), while money and order counts keep every order.
 * - Money is netMinor (after refunds). A fully refunded order still counts as a purchase
 *   (the customer did buy; the shop kept 0), so a customer can have purchases and 0 net.
 * - Guest orders (customer -1) cannot be followed over time: they are only totalled.
 */
import type { CustomerTable, OrderTable } from "./types";
import { ORDER_CANCELLED, ORDER_SUBSCRIPTION, ORDER_TEST } from "./types";
import type { Calendar } from "./time";
import { monthOfDay } from "./time";

export interface PurchaseHistory {
  readonly calendar: Calendar;
  readonly customerCount: number;
  /** Purchases of customer c are rows purchaseStart[c] .. purchaseStart[c + 1] - 1, by day ascending. */
  readonly purchaseStart: Int32Array;
  /** Shop-local day number of each purchase (strictly increasing within a customer). */
  readonly purchaseDay: Int32Array;
  /** Sum of netMinor of the purchase's orders. Four bytes a purchase while every sum is a
   *  whole number of minor units in the Int32 range (not −0), eight otherwise: the same
   *  values either way. */
  readonly purchaseNet: Float64Array | Int32Array;
  /** Sum of grossMinor of the purchase's orders (no descriptive metric reads it: built on
   *  first read, from the orders the history was built from). */
  readonly purchaseGross: Float64Array;
  /** Number of orders merged into the purchase (≥ 1): two bytes each, four should a purchase
   *  merge more than 65,535 orders. */
  readonly purchaseOrders: Int32Array | Uint16Array;
  /** OR of the merged orders' ORDER_* bits (ORDER_SUBSCRIPTION is the one that matters). */
  readonly purchaseFlags: Uint8Array;
  /** Smallest and largest purchase day over all customers and guests; NaN when there is none. */
  readonly minDay: number;
  readonly maxDay: number;
  /** Remaining (not cancelled, not test) guest orders, totalled. */
  readonly guest: {
    readonly orders: number;
    readonly netMinor: number;
    readonly grossMinor: number;
  };
  /** Orders dropped (an order that is both counts as cancelled). */
  readonly excluded: { readonly cancelled: number; readonly test: number };
  /** Month number of a day inside [minDay, maxDay] (table lookup, falls back to arithmetic). */
  monthOf(day: number): number;
  /**
   * The table monthOf reads: the month number of day minDay + i (empty without purchases).
   * Every purchase day is in it, so per-purchase loops index it directly.
   */
  readonly monthByDay: Int32Array;
  /**
   * Per customer: the index of their first purchase with ORDER_SUBSCRIPTION, −1 without one
   * (built on first read: the subscription metrics skip the other customers' purchases).
   */
  readonly firstSubscription: Int32Array;
  /**
   * The order rows in the (customer, processedAt) order the history read them: null when the
   * table was already in that order. Readers of the same table reuse it (no second check).
   */
  readonly rowOrder?: Uint32Array | null;
}

/** Index of the first purchase of customer c after day `lastDay` (i.e. end of the purchases ≤ lastDay). */
export function purchasesEnd(history: PurchaseHistory, c: number, lastDay: number): number {
  const start = history.purchaseStart[c];
  let end = history.purchaseStart[c + 1];
  const days = history.purchaseDay;
  // Most customers have a handful of purchases and the cut is usually at the end.
  while (end > start && days[end - 1] > lastDay) end--;
  return end;
}

/** Index of the first purchase of customer c on or after day `firstDay`. */
export function purchasesBegin(history: PurchaseHistory, c: number, firstDay: number): number {
  let begin = history.purchaseStart[c];
  const end = history.purchaseStart[c + 1];
  const days = history.purchaseDay;
  while (begin < end && days[begin] < firstDay) begin++;
  return begin;
}

// Local copies for the hot loops: some loaders turn imported bindings into getter calls.
const CANCELLED = ORDER_CANCELLED;
const TEST = ORDER_TEST;
const DROPPED = CANCELLED | TEST;
const SUBSCRIPTION = ORDER_SUBSCRIPTION;

/**
 * The rows of an order table in (customer, processedAt) order: null when they already are
 * (the documented order), else a permutation (stable: ties keep their row order).
 */
export function sortedRowOrder(orders: OrderTable): Uint32Array | null {
  const { customer, processedAt } = orders;
  let sorted = true;
  for (let i = 1; i < orders.length && sorted; i++) {
    const c = customer[i];
    const p = customer[i - 1];
    if (c < p || (c === p && c >= 0 && processedAt[i] < processedAt[i - 1])) sorted = false;
  }
  if (sorted) return null;
  const order = new Uint32Array(orders.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => customer[a] - customer[b] || processedAt[a] - processedAt[b]);
}

interface PurchaseColumns {
  readonly purchaseStart: Int32Array;
  readonly purchaseDay: Int32Array;
  readonly purchaseNet: Float64Array | Int32Array;
  readonly purchaseOrders: Int32Array | Uint16Array;
  readonly purchaseFlags: Uint8Array;
}

interface RowsRead {
  readonly customerOrders: number;
  readonly cancelled: number;
  readonly test: number;
  readonly guestOrders: number;
  readonly guestNet: number;
  readonly guestGross: number;
  readonly minDay: number;
  readonly maxDay: number;
  readonly rows: number;
  /** The columns' order counts, widened to four bytes when a purchase merged 65,535 orders. */
  readonly purchaseOrders: Int32Array | Uint16Array;
  /** The columns' net sums, widened to eight bytes at the first sum an Int32 cannot hold. */
  readonly purchaseNet: Float64Array | Int32Array;
}

/** What the history throws at a kept order whose time or amounts are not finite. */
const notFinite = (row: number): RangeError =>
  new RangeError(`Order row ${row}: processedAt, grossMinor and netMinor must be finite`);

/** Whether a net sum is held exactly by an Int32Array: whole, in range, not −0. */
const wholeNet = (x: number): boolean => (x | 0) === x && (x !== 0 || 1 / x > 0);

/** The first `rows` sums of an Int32 net column, in a Float64 column of the same capacity. */
function widenedNet(net: Int32Array, rows: number): Float64Array {
  const wide = new Float64Array(net.length);
  for (let r = 0; r < rows; r++) wide[r] = net[r];
  return wide;
}

/** Whether rows k.. of the table are in the documented order (as sortedRowOrder checks). */
function inOrderFrom(orders: OrderTable, k: number): boolean {
  const { customer, processedAt } = orders;
  for (let i = Math.max(1, k); i < orders.length; i++) {
    const c = customer[i];
    const p = customer[i - 1];
    if (c < p || (c === p && c >= 0 && processedAt[i] < processedAt[i - 1])) return false;
  }
  return true;
}

/**
 * One read of the order rows into purchases, in `order` (null: as stored). Read as stored,
 * it checks the documented order as it goes (sortedRowOrder's check, folded in: no pass of
 * its own) and returns null at the first row out of it; nothing of that read is kept. A row
 * it cannot read throws only once the rest of the table is known to be in order, so the
 * error names the row the sorted read stops at.
 */
function readRows(
  orders: OrderTable,
  customerCount: number,
  calendar: Calendar,
  order: Uint32Array | null,
  into: PurchaseColumns,
): RowsRead | null {
  const { customer, processedAt, grossMinor, netMinor, flags } = orders;
  const { purchaseStart, purchaseDay, purchaseFlags } = into;
  let purchaseOrders = into.purchaseOrders;
  let purchaseNet = into.purchaseNet;
  // Nets go to four-byte sums until one is not whole (then to eight-byte ones, as before).
  let whole = purchaseNet instanceof Int32Array;
  const n = orders.length;
  const checked = order === null;
  let customerOrders = 0;
  let cancelled = 0;
  let test = 0;
  let guestOrders = 0;
  let guestNet = 0;
  let guestGross = 0;
  let minDay = Infinity;
  let maxDay = -Infinity;
  let rows = 0;
  let lastCustomer = -1;
  let lastDay = 0;
  for (let k = 0; k < n; k++) {
    const i = checked ? k : order[k];
    const c = customer[i];
    const at = processedAt[i];
    if (checked && k > 0) {
      const p = customer[k - 1];
      if (c < p || (c === p && c >= 0 && at < processedAt[k - 1])) return null;
    }
    const f = flags[i];
    if (f & DROPPED) {
      if (f & CANCELLED) cancelled++;
      else test++;
      continue;
    }
    const net = netMinor[i];
    const gross = grossMinor[i];
    if (!Number.isFinite(at) || !Number.isFinite(net) || !Number.isFinite(gross)) {
      if (checked && !inOrderFrom(orders, k + 1)) return null;
      throw notFinite(i);
    }
    if (c >= customerCount || c < -1) {
      if (checked && !inOrderFrom(orders, k + 1)) return null;
      throw new RangeError(`Order row ${i}: customer ${c} outside 0..${customerCount - 1}`);
    }
    const day = calendar.dayOf(at);
    if (day < minDay) minDay = day;
    if (day > maxDay) maxDay = day;
    if (c < 0) {
      guestOrders++;
      guestNet += net;
      guestGross += gross;
      continue;
    }
    customerOrders++;
    // "<=" rather than "===": when clocks fall back over midnight a later order can land on
    // the previous local day; it then joins that purchase so days stay increasing.
    if (c === lastCustomer && day <= lastDay) {
      const r = rows - 1;
      const sum = purchaseNet[r] + net;
      if (whole && !wholeNet(sum)) {
        purchaseNet = widenedNet(purchaseNet as Int32Array, rows);
        whole = false;
      }
      purchaseNet[r] = sum;
      if (purchaseOrders[r] === 0xffff) purchaseOrders = Int32Array.from(purchaseOrders);
      purchaseOrders[r]++;
      purchaseFlags[r] |= f;
      continue;
    }
    purchaseDay[rows] = day;
    if (whole && !wholeNet(net)) {
      purchaseNet = widenedNet(purchaseNet as Int32Array, rows);
      whole = false;
    }
    purchaseNet[rows] = net;
    purchaseOrders[rows] = 1;
    purchaseFlags[rows] = f;
    purchaseStart[c + 1]++;
    rows++;
    lastCustomer = c;
    lastDay = day;
  }
  return {
    customerOrders,
    cancelled,
    test,
    guestOrders,
    guestNet,
    guestGross,
    minDay,
    maxDay,
    rows,
    purchaseOrders,
    purchaseNet,
  };
}

/**
 * Builds the purchase history. Linear when the table is sorted as documented
 * (customer, then processedAt); otherwise sorts a row permutation first (n log n).
 * Throws on a customer index outside the table or a non-finite timestamp or amount.
 */
export function buildPurchaseHistory(
  orders: OrderTable,
  customers: CustomerTable | number,
  calendar: Calendar,
): PurchaseHistory {
  const customerCount = typeof customers === "number" ? customers : customers.count;
  const { grossMinor } = orders;
  const n = orders.length;

  // Sized by the rows (no counting pass): pages past the last purchase are never touched.
  const purchaseStart = new Int32Array(customerCount + 1);
  let purchaseDay = new Int32Array(n);
  // Four bytes a net sum while they are whole (minor units: the usual case), else eight.
  let purchaseNet: Float64Array | Int32Array = new Int32Array(n);
  // Two bytes an order count (a purchase is one customer's orders of one day); widened to
  // four should a purchase ever merge 65,535 orders.
  let purchaseOrders: Int32Array | Uint16Array = new Uint16Array(n);
  let purchaseFlags = new Uint8Array(n);

  const into: PurchaseColumns = {
    purchaseStart,
    purchaseDay,
    purchaseNet,
    purchaseOrders,
    purchaseFlags,
  };
  let order: Uint32Array | null = null;
  let read = readRows(orders, customerCount, calendar, null, into);
  if (read === null) {
    // Not in the documented order: start again over the sorted permutation.
    order = sortedRowOrder(orders);
    purchaseStart.fill(0);
    read = readRows(orders, customerCount, calendar, order, into);
  }
  if (read === null) throw new Error("unreachable: a sorted read is always in order");
  purchaseOrders = read.purchaseOrders;
  purchaseNet = read.purchaseNet;
  const { customerOrders, cancelled, test, guestOrders, guestNet, guestGross, rows } = read;
  const { minDay, maxDay } = read;
  for (let c = 0; c < customerCount; c++) purchaseStart[c + 1] += purchaseStart[c];

  if (rows < customerOrders * 0.9) {
    // Many same-day merges: give the unused tail back.
    purchaseDay = purchaseDay.slice(0, rows);
    purchaseNet = purchaseNet.slice(0, rows);
    purchaseOrders = purchaseOrders.slice(0, rows);
    purchaseFlags = purchaseFlags.slice(0, rows);
  } else {
    purchaseDay = purchaseDay.subarray(0, rows);
    purchaseNet = purchaseNet.subarray(0, rows);
    purchaseOrders = purchaseOrders.subarray(0, rows);
    purchaseFlags = purchaseFlags.subarray(0, rows);
  }

  const hasData = minDay <= maxDay;
  const tableStart = hasData ? minDay : 0;
  const dayMonth = new Int32Array(hasData ? maxDay - minDay + 1 : 0);
  for (let d = 0; d < dayMonth.length; d++) dayMonth[d] = monthOfDay(tableStart + d);

  // Gross per purchase on first read (no descriptive metric reads it).
  let purchaseGross: Float64Array | null = null;
  let firstSubscription: Int32Array | null = null;
  const grossOfPurchases = (): Float64Array =>
    purchaseSums(orders, order, purchaseStart, purchaseOrders, grossMinor).sums;

  return {
    calendar,
    customerCount,
    purchaseStart,
    purchaseDay,
    purchaseNet,
    get purchaseGross(): Float64Array {
      return (purchaseGross ??= grossOfPurchases());
    },
    purchaseOrders,
    purchaseFlags,
    minDay: hasData ? minDay : NaN,
    maxDay: hasData ? maxDay : NaN,
    guest: { orders: guestOrders, netMinor: guestNet, grossMinor: guestGross },
    excluded: { cancelled, test },
    rowOrder: order,
    monthByDay: dayMonth,
    get firstSubscription(): Int32Array {
      if (firstSubscription === null) {
        firstSubscription = new Int32Array(customerCount);
        for (let c = 0; c < customerCount; c++) {
          let p = purchaseStart[c];
          const end = purchaseStart[c + 1];
          while (p < end && !(purchaseFlags[p] & SUBSCRIPTION)) p++;
          firstSubscription[c] = p < end ? p : -1;
        }
      }
      return firstSubscription;
    },
    monthOf(day: number): number {
      const slot = day - tableStart;
      return slot >= 0 && slot < dayMonth.length ? dayMonth[slot] : monthOfDay(day);
    },
  };
}

/**
 * Per purchase, the sum of `amount` over its orders, and the guests' sum: a customer's
 * remaining orders, in the order the history read them (`order`, null: row order), fill
 * their purchases purchaseOrders[p] at a time. The sums are made in the same order as the
 * history's own, so they are the same numbers. Throws as the history does on an amount that
 * is not finite (only for `net`; gross was checked when the history was built).
 */
function purchaseSums(
  orders: OrderTable,
  order: Uint32Array | null,
  purchaseStart: Int32Array,
  purchaseOrders: Int32Array | Uint16Array,
  amount: ArrayLike<number>,
  checkFinite = false,
): { sums: Float64Array; guest: number } {
  const { customer, flags } = orders;
  const sums = new Float64Array(purchaseStart[purchaseStart.length - 1]);
  let guest = 0;
  let p = -1;
  let left = 0;
  let current = -1;
  for (let k = 0; k < orders.length; k++) {
    const i = order === null ? k : order[k];
    if (flags[i] & DROPPED) continue;
    const x = amount[i];
    if (checkFinite && !Number.isFinite(x)) {
      throw notFinite(i);
    }
    const c = customer[i];
    if (c < 0) {
      guest += x;
      continue;
    }
    if (c !== current) {
      current = c;
      p = purchaseStart[c];
      left = purchaseOrders[p];
    } else if (left === 0) {
      left = purchaseOrders[++p];
    }
    sums[p] = left === purchaseOrders[p] ? x : sums[p] + x;
    left--;
  }
  return { sums, guest };
}

/**
 * The same purchases with another net amount per order (the acquisition block's gross
 * profit): `orders` must be the table `history` was built from, with `netMinor` in place of
 * its net. Equal to buildPurchaseHistory on that table, without reading the days again.
 */
export function withPurchaseNet(
  history: PurchaseHistory,
  orders: OrderTable,
  netMinor: ArrayLike<number>,
): PurchaseHistory {
  if (history.rowOrder === undefined || netMinor.length !== orders.length) {
    throw new RangeError("withPurchaseNet needs a history built from these orders");
  }
  const { sums, guest } = purchaseSums(
    orders,
    history.rowOrder,
    history.purchaseStart,
    history.purchaseOrders,
    netMinor,
    true,
  );
  return {
    calendar: history.calendar,
    customerCount: history.customerCount,
    purchaseStart: history.purchaseStart,
    purchaseDay: history.purchaseDay,
    purchaseNet: sums,
    get purchaseGross(): Float64Array {
      return history.purchaseGross;
    },
    purchaseOrders: history.purchaseOrders,
    purchaseFlags: history.purchaseFlags,
    minDay: history.minDay,
    maxDay: history.maxDay,
    guest: { ...history.guest, netMinor: guest },
    excluded: history.excluded,
    rowOrder: history.rowOrder,
    monthByDay: history.monthByDay,
    get firstSubscription(): Int32Array {
      return history.firstSubscription;
    },
    monthOf: (day) => history.monthOf(day),
  };
}
