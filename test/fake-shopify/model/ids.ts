// Numeric id scheme. Orders are ranked by creation across the whole shop and ids grow with
// rank (as Shopify's do); children get ids from their order's rank.
//
// Order and customer ids are bigints, as Shopify's are 64-bit: a shop's `idBase` moves them
// up to near 2^63 (Shopify's own samples have 18 digits), so tests prove that no id passes
// through a float on its way into the app. Ids Kizuna never reads (line items, refunds,
// transactions) stay small numbers.
import { hash32 } from "../util/random";

const ORDER_BASE = 5_100_000_000_000n;
const LINE_ITEM_BASE = 13_400_000_000_000;
const REFUND_BASE = 900_000_000_000;
const TRANSACTION_BASE = 6_600_000_000_000;
const REFUND_LINE_BASE = 480_000_000_000;
const CUSTOMER_BASE = 7_800_000_000_000n;
/** Shopify's ids fit a signed 64-bit integer. */
export const MAX_ID = 2n ** 63n - 1n;

export const MAX_LINES_PER_ORDER = 64;
export const MAX_REFUNDS_PER_ORDER = 8;

/** Order and customer ids of one shop. */
export class IdScheme {
  private readonly orderBase: bigint;
  private readonly customerBase: bigint;

  /** `base` is added to every order and customer id (0n: ids of about 13 digits). */
  constructor(base: bigint) {
    if (base < 0n) throw new Error(`idBase must not be negative: ${base}`);
    this.orderBase = ORDER_BASE + base;
    this.customerBase = CUSTOMER_BASE + base;
    // Room for the ids of every slot a shop can have (world.ts caps them below 2^23).
    if (this.customerBase + 2n ** 30n > MAX_ID) {
      throw new Error(`idBase ${base} puts ids past 2^63 − 1`);
    }
  }

  order(rank: number): bigint {
    return this.orderBase + BigInt(rank * 16 + (hash32(rank, 0x0de4) & 7));
  }

  /** Rank of an order id, or -1 when the id is not one this scheme produces. */
  rankOfOrder(id: bigint): number {
    const offset = id - this.orderBase;
    if (offset < 0n || offset > BigInt(Number.MAX_SAFE_INTEGER)) return -1;
    const rank = Math.floor(Number(offset) / 16);
    return this.order(rank) === id ? rank : -1;
  }

  customer(slot: number): bigint {
    return this.customerBase + BigInt(slot * 8 + (hash32(slot, 0xc057) & 7));
  }

  /** Slot of a customer id, or -1 when the id is not one this scheme produces. */
  slotOfCustomer(id: bigint): number {
    const offset = id - this.customerBase;
    if (offset < 0n || offset > BigInt(Number.MAX_SAFE_INTEGER)) return -1;
    const slot = Math.floor(Number(offset) / 8);
    return this.customer(slot) === id ? slot : -1;
  }
}

export function orderNumberOfRank(rank: number): number {
  return 1001 + rank;
}

export function lineItemId(rank: number, line: number): number {
  return LINE_ITEM_BASE + rank * MAX_LINES_PER_ORDER + line;
}

export function refundId(rank: number, refund: number): number {
  return REFUND_BASE + rank * MAX_REFUNDS_PER_ORDER + refund;
}

/** Transaction 0 is the sale; refund k uses k + 1. */
export function transactionId(rank: number, index: number): number {
  return TRANSACTION_BASE + rank * 16 + index;
}

export function refundLineItemId(rank: number, refund: number, line: number): number {
  return REFUND_LINE_BASE + rank * 512 + refund * MAX_LINES_PER_ORDER + line;
}
