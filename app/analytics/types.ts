/**
 * Plain inputs of the analytics engine. Everything in app/analytics is pure:
 * no Prisma, Redis or Shopify. Workers load a shop's rows into these shapes
 * (columnar typed arrays, so 1M customers / 4M orders fit in a few hundred MB)
 * and get plain results back.
 */

/** Order flag bits (OrderTable.flags). */
export const ORDER_CANCELLED = 1;
export const ORDER_TEST = 2;
/** The order has at least one line item bought on a selling plan (subscription). */
export const ORDER_SUBSCRIPTION = 4;
/** The order used at least one discount code (Order.discountCodes not empty). */
export const ORDER_DISCOUNT = 8;
/** Whether the order used a discount code is not known (discountCodes never read). */
export const ORDER_DISCOUNT_UNKNOWN = 16;

/**
 * One shop's orders, columnar. Rows are sorted by customer index, then
 * processedAt ascending; guest orders (customer = -1) come first.
 * Money is in integer minor units of the shop currency (JPY: yen, USD: cents),
 * stored in Float64Array (exact up to 2^53).
 */
export interface OrderTable {
  readonly length: number;
  /** Dense customer index 0..customerCount-1, or -1 for a guest order. */
  readonly customer: Int32Array;
  /** Shopify processedAt, epoch milliseconds (UTC). */
  readonly processedAt: Float64Array;
  /** Original order total (minor units). */
  readonly grossMinor: Float64Array;
  /** Total after refunds (minor units): what the shop kept. */
  readonly netMinor: Float64Array;
  /** ORDER_* bits. */
  readonly flags: Uint8Array;
}

/** One shop's customers, indexed by the dense index used in OrderTable.customer. */
export interface CustomerTable {
  readonly count: number;
  /** Shopify createdAt of the customer, epoch ms (UTC). */
  readonly createdAt: Float64Array;
}

/** A post-purchase NPS answer. */
export interface NpsResponse {
  /** 0..10 */
  readonly score: number;
  /** epoch ms (UTC) */
  readonly respondedAt: number;
  /** dense customer index, or -1 when the order had no customer */
  readonly customer: number;
}

/** Marketing spend entered by the merchant, for CAC. */
export interface MarketingSpend {
  /** Calendar month in the shop's time zone, "YYYY-MM". */
  readonly month: string;
  readonly channel: string;
  /** Campaign within the channel; absent or "" for the channel as a whole. Per-channel
   *  figures sum a channel's rows over its campaigns. */
  readonly campaign?: string;
  readonly amountMinor: number;
}

/**
 * Acquisition channel of each customer (e.g. the first order's UTM source), for CAC by
 * channel. Names must match MarketingSpend.channel exactly.
 */
export interface CustomerChannels {
  /** Channel names; code k means names[k]. */
  readonly names: readonly string[];
  /** Per customer (dense index): an index into names, or -1 when unknown. */
  readonly code: Int32Array;
}
