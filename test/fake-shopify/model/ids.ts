// Numeric id scheme. Orders are ranked by creation across the whole shop and ids grow with
// rank (as Shopify's do); children get ids from their order's rank. Everything stays far
// below 2^53 so ids survive JSON numbers in REST payloads.
import { hash32 } from "../util/random";

const ORDER_BASE = 5_100_000_000_000;
const LINE_ITEM_BASE = 13_400_000_000_000;
const REFUND_BASE = 900_000_000_000;
const TRANSACTION_BASE = 6_600_000_000_000;
const REFUND_LINE_BASE = 480_000_000_000;
const CUSTOMER_BASE = 7_800_000_000_000;

export const MAX_LINES_PER_ORDER = 64;
export const MAX_REFUNDS_PER_ORDER = 8;

export function orderIdOfRank(rank: number): number {
  return ORDER_BASE + rank * 16 + (hash32(rank, 0x0de4) & 7);
}

/** Rank of an order id, or -1 when the id is not one this scheme produces. */
export function rankOfOrderId(id: number): number {
  const rank = Math.floor((id - ORDER_BASE) / 16);
  return rank >= 0 && orderIdOfRank(rank) === id ? rank : -1;
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

export function customerIdOfSlot(slot: number): number {
  return CUSTOMER_BASE + slot * 8 + (hash32(slot, 0xc057) & 7);
}

export function slotOfCustomerId(id: number): number {
  const slot = Math.floor((id - CUSTOMER_BASE) / 8);
  return slot >= 0 && customerIdOfSlot(slot) === id ? slot : -1;
}
