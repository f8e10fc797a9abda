/**
 * What Kizuna keeps of a Shopify order or customer, and the one mapping from the Admin
 * API's GraphQL nodes to it. Bulk backfill, reconciliation and webhook refreshes all
 * read the same fields and go through these functions, so the three paths cannot
 * disagree. Only ids, dates, amounts and tags: no names, emails, addresses or phones.
 */
import { z } from "zod";
import { exactId } from "./ids";
import { toMinorUnits } from "./money";

export interface OrderRow {
  id: bigint;
  customerId: bigint | null;
  processedAt: Date;
  cancelledAt: Date | null;
  test: boolean;
  grossMinor: bigint;
  refundedMinor: bigint;
  netMinor: bigint;
  itemQuantity: number;
  sourceName: string | null;
  subscription: boolean;
  shopifyUpdatedAt: Date;
}

export interface CustomerRow {
  id: bigint;
  createdAt: Date;
  shopifyUpdatedAt: Date;
  /** Shopify's tags joined with ", " (ignored when tagsUpdatedAt is null). */
  tags: string;
  /**
   * When these tags were Shopify's (default: shopifyUpdatedAt, as for a full read); null
   * for a source that carries no tags (customers/create and customers/update webhooks since
   * API 2025-01): the stored tags are then kept.
   */
  tagsUpdatedAt?: Date | null;
}

/** The version of a row's tags: null when the row carries none. */
export const tagsVersion = (row: CustomerRow): Date | null =>
  row.tagsUpdatedAt === undefined ? row.shopifyUpdatedAt : row.tagsUpdatedAt;

const GID_TAIL = /^(\d+)(?:\?.*)?$/;

/** gid://shopify/Order/123 → 123n; the type must match and the id fit Kizuna's columns. */
export function parseGid(gid: string, type: string): bigint {
  const prefix = `gid://shopify/${type}/`;
  const tail = gid.startsWith(prefix) ? GID_TAIL.exec(gid.slice(prefix.length)) : null;
  const id = tail ? exactId(tail[1]) : null;
  if (typeof id !== "bigint") throw new Error(`Not a ${type} id: "${gid}"${id ? ` (${id})` : ""}`);
  return id;
}

export function toGid(type: string, id: bigint): string {
  return `gid://shopify/${type}/${id}`;
}

/** An ISO 8601 instant with a zone ("2026-01-02T03:04:05Z" / "+09:00"). A plain check and
 * Date.parse: zod's datetime regex costs more than everything else in a bulk line. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** The instant of an ISO string, or NaN. */
const isoMs = (s: string) => (ISO_INSTANT.test(s) ? Date.parse(s) : NaN);
export const isoDate = z.string().transform((s, ctx) => {
  const ms = isoMs(s);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: "custom", message: `Not an ISO 8601 instant: "${s}"` });
    return z.NEVER;
  }
  return new Date(ms);
});
const shopMoney = z.object({
  shopMoney: z.object({ amount: z.string(), currencyCode: z.string().length(3) }),
});

/** The order fields Kizuna selects (operations in ./operations.ts). */
export const orderNodeSchema = z.object({
  id: z.string(),
  processedAt: isoDate,
  updatedAt: isoDate,
  cancelledAt: isoDate.nullable(),
  test: z.boolean(),
  sourceName: z.string().nullable(),
  customer: z.object({ id: z.string() }).nullable(),
  totalPriceSet: shopMoney,
  totalRefundedSet: shopMoney,
  currentSubtotalLineItemsQuantity: z.number().int().nonnegative(),
});
export type OrderNode = z.input<typeof orderNodeSchema>;
type ParsedOrder = z.output<typeof orderNodeSchema>;

export const customerNodeSchema = z.object({
  id: z.string(),
  createdAt: isoDate,
  updatedAt: isoDate,
  tags: z.array(z.string()),
});
export type CustomerNode = z.input<typeof customerNodeSchema>;
type ParsedCustomer = z.output<typeof customerNodeSchema>;

/*
 * Hand-checked fast paths of the two schemas for the bulk hot path: they accept only what
 * the schemas accept and return what they would, or undefined, and then the schema runs
 * and reports the problem with its own message. zod's copy of every node was a fifth of
 * the parse cost of a backfill.
 */
type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const dateOf = (v: unknown): Date | undefined => {
  if (typeof v !== "string") return undefined;
  const ms = isoMs(v);
  return Number.isNaN(ms) ? undefined : new Date(ms);
};
const moneyOf = (v: unknown) => {
  if (!isObject(v) || !isObject(v.shopMoney)) return undefined;
  const { amount, currencyCode } = v.shopMoney;
  return typeof amount === "string" && typeof currencyCode === "string" && currencyCode.length === 3
    ? { shopMoney: { amount, currencyCode } }
    : undefined;
};

function checkedOrder(node: unknown): ParsedOrder | undefined {
  if (!isObject(node)) return undefined;
  const { id, customer, sourceName, test, currentSubtotalLineItemsQuantity: quantity } = node;
  const processedAt = dateOf(node.processedAt);
  const updatedAt = dateOf(node.updatedAt);
  const cancelledAt = node.cancelledAt === null ? null : dateOf(node.cancelledAt);
  const totalPriceSet = moneyOf(node.totalPriceSet);
  const totalRefundedSet = moneyOf(node.totalRefundedSet);
  if (
    typeof id !== "string" ||
    !processedAt ||
    !updatedAt ||
    cancelledAt === undefined ||
    typeof test !== "boolean" ||
    (sourceName !== null && typeof sourceName !== "string") ||
    (customer !== null && !(isObject(customer) && typeof customer.id === "string")) ||
    !totalPriceSet ||
    !totalRefundedSet ||
    !Number.isSafeInteger(quantity) ||
    (quantity as number) < 0
  ) {
    return undefined;
  }
  return {
    id,
    processedAt,
    updatedAt,
    cancelledAt,
    test,
    sourceName,
    customer: customer === null ? null : { id: customer.id as string },
    totalPriceSet,
    totalRefundedSet,
    currentSubtotalLineItemsQuantity: quantity as number,
  };
}

function checkedCustomer(node: unknown): ParsedCustomer | undefined {
  if (!isObject(node)) return undefined;
  const { id, tags } = node;
  const createdAt = dateOf(node.createdAt);
  const updatedAt = dateOf(node.updatedAt);
  if (typeof id !== "string" || !createdAt || !updatedAt || !Array.isArray(tags)) return undefined;
  if (!tags.every((t) => typeof t === "string")) return undefined;
  return { id, createdAt, updatedAt, tags: tags as string[] };
}

/** A line item as the operations select it: only whether it was bought on a selling plan. */
export const lineItemNodeSchema = z.object({
  sellingPlan: z.object({ sellingPlanId: z.string().nullable() }).nullable(),
});

/** Whether any of an order's line items was bought on a selling plan (a subscription). */
export function hasSellingPlan(lineItems: readonly unknown[]): boolean {
  return lineItems.some((item) => lineItemNodeSchema.parse(item).sellingPlan !== null);
}

/**
 * Maps a validated order node. `subscription`: whether any line item has a selling plan
 * (bulk files deliver line items as separate lines, so the caller decides).
 */
export function orderRowFrom(node: unknown, subscription: boolean): OrderRow {
  const order = checkedOrder(node) ?? orderNodeSchema.parse(node);
  const currency = order.totalPriceSet.shopMoney.currencyCode;
  const grossMinor = toMinorUnits(order.totalPriceSet.shopMoney.amount, currency);
  const refundedMinor = toMinorUnits(
    order.totalRefundedSet.shopMoney.amount,
    order.totalRefundedSet.shopMoney.currencyCode,
  );
  return {
    id: parseGid(order.id, "Order"),
    customerId: order.customer ? parseGid(order.customer.id, "Customer") : null,
    processedAt: order.processedAt,
    cancelledAt: order.cancelledAt,
    test: order.test,
    grossMinor,
    refundedMinor,
    // Refunds can exceed the total (e.g. refunded shipping on a discounted order).
    netMinor: grossMinor > refundedMinor ? grossMinor - refundedMinor : 0n,
    itemQuantity: order.currentSubtotalLineItemsQuantity,
    sourceName: order.sourceName,
    subscription,
    shopifyUpdatedAt: order.updatedAt,
  };
}

export function customerRowFrom(node: unknown): CustomerRow {
  const customer = checkedCustomer(node) ?? customerNodeSchema.parse(node);
  return {
    id: parseGid(customer.id, "Customer"),
    createdAt: customer.createdAt,
    shopifyUpdatedAt: customer.updatedAt,
    tags: customer.tags.join(", "),
  };
}

/** Shopify's tag string "a, b" → ["a", "b"]. */
export function splitTags(tags: string): string[] {
  return tags
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}
