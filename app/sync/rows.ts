/**
 * What Kizuna keeps of a Shopify order or customer, and the one mapping from the Admin
 * API's GraphQL nodes to it. Bulk backfill, reconciliation and webhook refreshes all
 * read the same fields and go through these functions, so the three paths cannot
 * disagree. Only ids, dates, amounts and tags: no names, emails, addresses or phones.
 */
import { z } from "zod";
import { categorical, journeyFrom, journeySchema, type Journey } from "./attribution";
import { exactId } from "./ids";
import { toMinorUnits } from "./money";

export type { Journey } from "./attribution";

/** One line item as Kizuna keeps it (the OrderLineItem table). */
export interface LineItemRow {
  id: bigint;
  orderId: bigint;
  productId: bigint | null;
  variantId: bigint | null;
  quantity: number;
  currentQuantity: number;
  /** originalTotalSet minus every discount allocated to the line, shop currency. */
  netMinor: bigint;
  subscription: boolean;
  giftCard: boolean;
  /** The order version the row matches (see OrderLineItem.versionAt). */
  versionAt: Date;
}

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
  /*
   * What a read that selects them carries (./attribution.ts); undefined or null: the read
   * did not carry it, and the stored value stays.
   */
  /** Order.attribution.handle: the sales channel. */
  channelHandle?: string | null;
  /** Order.discountCodes ([] for none). */
  discountCodeList?: string[] | null;
  /** First touch; null when not known yet (a summary not ready). */
  firstTouch?: Journey | null;
  /** The order's line items, when the read carries them all (not in bulk files). */
  lineItems?: LineItemRow[] | null;
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
/** Up to 18 digits, not all zeros: always a positive signed 64-bit id. */
const SHORT_ID = /^0*[1-9]\d{0,17}$/;
const GID_PREFIX = "gid://shopify/";

/** gid://shopify/Order/123 → 123n; the type must match and the id fit Kizuna's columns. */
export function parseGid(gid: string, type: string): bigint {
  // A bulk file has four ids a line: the plain case is checked without building a prefix.
  const at = GID_PREFIX.length + type.length + 1;
  if (
    gid.startsWith(GID_PREFIX) &&
    gid.startsWith(type, GID_PREFIX.length) &&
    gid[at - 1] === "/"
  ) {
    const digits = gid.slice(at);
    if (digits.length <= 18 && SHORT_ID.test(digits)) return BigInt(digits);
  }
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
  attribution: z.object({ handle: z.string() }).nullish(),
  discountCodes: z.array(z.string()).optional(),
  customerJourneySummary: journeySchema.nullish(),
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
 * Hand-checked fast paths of the schemas for the bulk hot path: they accept only what the
 * schemas accept and return what they would, or undefined, and then the schema runs and
 * reports the problem with its own message. zod's copy of every node was a fifth of the
 * parse cost of a backfill, and the fast paths do not copy either (checked sub-objects are
 * returned as they are: the mappings read only the schema's fields).
 */
type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const dateOf = (v: unknown): Date | undefined => {
  if (typeof v !== "string") return undefined;
  const ms = isoMs(v);
  return Number.isNaN(ms) ? undefined : new Date(ms);
};
type ShopMoney = z.output<typeof shopMoney>;
/** The value itself once checked: the mappings read only the schema's fields. */
const moneyOf = (v: unknown): ShopMoney | undefined => {
  if (!isObject(v) || !isObject(v.shopMoney)) return undefined;
  const { amount, currencyCode } = v.shopMoney;
  return typeof amount === "string" && typeof currencyCode === "string" && currencyCode.length === 3
    ? (v as ShopMoney)
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
    customer: customer as { id: string } | null,
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

type ParsedLineItem = z.output<typeof lineItemNodeSchema>;
const idObject = (v: unknown) =>
  v === null || (isObject(v) && typeof v.id === "string")
    ? (v as { id: string } | null)
    : undefined;
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** The line item schema's fast path (see checkedOrder): one per line of a bulk file. */
function checkedLineItem(node: unknown): ParsedLineItem | undefined {
  if (!isObject(node)) return undefined;
  const { id, quantity, currentQuantity, isGiftCard, sellingPlan } = node;
  const product = idObject(node.product);
  const variant = idObject(node.variant);
  const originalTotalSet = moneyOf(node.originalTotalSet);
  if (
    typeof id !== "string" ||
    !isCount(quantity) ||
    !isCount(currentQuantity) ||
    typeof isGiftCard !== "boolean" ||
    product === undefined ||
    variant === undefined ||
    !originalTotalSet ||
    !Array.isArray(node.discountAllocations) ||
    !(sellingPlan === null || isObject(sellingPlan))
  ) {
    return undefined;
  }
  const discountAllocations = node.discountAllocations as ParsedLineItem["discountAllocations"];
  for (const allocation of discountAllocations as unknown[]) {
    if (!isObject(allocation) || !moneyOf(allocation.allocatedAmountSet)) return undefined;
  }
  if (isObject(sellingPlan)) {
    const planId = sellingPlan.sellingPlanId;
    if (planId !== null && typeof planId !== "string") return undefined;
  }
  return {
    id,
    quantity,
    currentQuantity,
    isGiftCard,
    product,
    variant,
    originalTotalSet,
    discountAllocations,
    sellingPlan: sellingPlan as ParsedLineItem["sellingPlan"],
  };
}

/** A line item as the operations select it. */
export const lineItemNodeSchema = z.object({
  id: z.string(),
  quantity: z.number().int().nonnegative(),
  currentQuantity: z.number().int().nonnegative(),
  isGiftCard: z.boolean(),
  product: z.object({ id: z.string() }).nullable(),
  variant: z.object({ id: z.string() }).nullable(),
  originalTotalSet: shopMoney,
  discountAllocations: z.array(z.object({ allocatedAmountSet: shopMoney })),
  sellingPlan: z.object({ sellingPlanId: z.string().nullable() }).nullable(),
});
export type LineItemNode = z.input<typeof lineItemNodeSchema>;

/**
 * Maps a line item node of order `orderId`, as of the order version `versionAt`. Net is the
 * original total less every discount allocated to the line (line- and order-level, incl.
 * those on refunded units), never below 0: a gift or free line is 0.
 */
export function lineItemRowFrom(node: unknown, orderId: bigint, versionAt: Date): LineItemRow {
  const item = checkedLineItem(node) ?? lineItemNodeSchema.parse(node);
  const { amount, currencyCode } = item.originalTotalSet.shopMoney;
  let netMinor = toMinorUnits(amount, currencyCode);
  for (const { allocatedAmountSet } of item.discountAllocations) {
    const money = allocatedAmountSet.shopMoney;
    netMinor -= toMinorUnits(money.amount, money.currencyCode);
  }
  return {
    id: parseGid(item.id, "LineItem"),
    orderId,
    productId: item.product ? parseGid(item.product.id, "Product") : null,
    variantId: item.variant ? parseGid(item.variant.id, "ProductVariant") : null,
    quantity: item.quantity,
    currentQuantity: item.currentQuantity,
    netMinor: netMinor > 0n ? netMinor : 0n,
    subscription: item.sellingPlan !== null,
    giftCard: item.isGiftCard,
    versionAt,
  };
}

/** Whether any of an order's line items was bought on a selling plan (a subscription). */
export function hasSellingPlan(lineItems: readonly unknown[]): boolean {
  return lineItems.some((item) => sellingPlanOnly.parse(item).sellingPlan !== null);
}
const sellingPlanOnly = z.object({
  sellingPlan: z.object({ sellingPlanId: z.string().nullable() }).nullable(),
});

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
    ...extrasOf(node as Json, order.updatedAt),
  };
}

const attributionSchema = z.object({ handle: z.string() }).nullable();
const codesSchema = z.array(z.string());

/**
 * The attribution fields of an order node, those it carries: a field the read did not
 * select is left out, so the stored value stays. `attribution` null is Shopify naming no
 * channel, which does not clear a stored one either.
 */
function extrasOf(node: Json, version: Date): Partial<OrderRow> {
  const extras: Partial<OrderRow> = {};
  // Hand-checked first (one order per bulk line), the schemas for the message otherwise.
  if ("attribution" in node) {
    const value = node.attribution;
    const attribution =
      value === null || (isObject(value) && typeof value.handle === "string")
        ? (value as { handle: string } | null)
        : attributionSchema.parse(value);
    extras.channelHandle = attribution ? categorical(attribution.handle) : null;
  }
  if ("discountCodes" in node) {
    const value = node.discountCodes;
    const codes =
      Array.isArray(value) && value.every((c) => typeof c === "string")
        ? (value as string[])
        : codesSchema.parse(value);
    extras.discountCodeList = codes.map(categorical).filter((c): c is string => c !== null);
  }
  if ("customerJourneySummary" in node)
    extras.firstTouch = journeyFrom(node.customerJourneySummary);
  // Line items are upserted by id and never removed (an edit or refund changes their
  // current quantity), so a read that carries only the first page of them is still exact
  // for those it carries.
  const lineItems = node.lineItems;
  // A read that selects no line item ids (only their selling plan) carries no line items.
  if (
    isObject(lineItems) &&
    Array.isArray(lineItems.nodes) &&
    lineItems.nodes.every((item) => isObject(item) && "id" in item)
  ) {
    const orderId = parseGid(String(node.id), "Order");
    extras.lineItems = lineItems.nodes.map((item: unknown) =>
      lineItemRowFrom(item, orderId, version),
    );
  }
  return extras;
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

/** A variant's unit cost as Kizuna keeps it (the VariantCost table). */
export interface VariantCostRow {
  variantId: bigint;
  /** undefined or null: the read did not carry it, and the stored one stays. */
  productId: bigint | null;
  inventoryItemId: bigint;
  /** Minor units of `currency`; null when the merchant set no cost. */
  unitCostMinor: bigint | null;
  currency: string | null;
  /** InventoryItem.updatedAt: the version of the cost. */
  shopifyUpdatedAt: Date;
}

const inventoryItemSchema = z.object({
  id: z.string(),
  updatedAt: isoDate,
  unitCost: z.object({ amount: z.string(), currencyCode: z.string().length(3) }).nullable(),
});
/** A variant with its cost, as every cost operation selects it (./operations.ts). */
export const variantCostNodeSchema = z.object({
  id: z.string(),
  product: z.object({ id: z.string() }).nullish(),
  inventoryItem: inventoryItemSchema,
});
export type VariantCostNode = z.input<typeof variantCostNodeSchema>;

/** The one mapping of a variant's cost, whichever operation read it. */
export function variantCostRowFrom(node: unknown): VariantCostRow {
  const variant = variantCostNodeSchema.parse(node);
  const { inventoryItem: item } = variant;
  const cost = item.unitCost;
  return {
    variantId: parseGid(variant.id, "ProductVariant"),
    productId: variant.product ? parseGid(variant.product.id, "Product") : null,
    inventoryItemId: parseGid(item.id, "InventoryItem"),
    unitCostMinor: cost ? toMinorUnits(cost.amount, cost.currencyCode) : null,
    currency: cost ? cost.currencyCode : null,
    shopifyUpdatedAt: item.updatedAt,
  };
}

/** An inventory item node (INVENTORY_ITEM_COSTS) as the variant nodes it costs. */
export function variantNodesOfItem(item: {
  id: string;
  updatedAt: unknown;
  unitCost?: unknown;
  variants?: { nodes: ReadonlyArray<{ id: string; product?: { id: string } | null }> } | null;
}): VariantCostNode[] {
  const { variants, ...inventoryItem } = item;
  return (variants?.nodes ?? []).map((v) => ({
    id: v.id,
    product: v.product ?? null,
    inventoryItem: inventoryItem as VariantCostNode["inventoryItem"],
  }));
}

/** A product's type as Kizuna keeps it (the ProductType table). */
export interface ProductTypeRow {
  productId: bigint;
  /** Product.productType, trimmed; "" when the merchant set none. */
  productType: string;
  /** Product.updatedAt: the version of the type. */
  shopifyUpdatedAt: Date;
}

/** A product with its type, as every operation selects it (./operations.ts). */
export const productTypeNodeSchema = z.object({
  id: z.string(),
  productType: z.string(),
  updatedAt: isoDate,
});

/**
 * The one mapping of a product's type, whichever operation read it (a products/update
 * payload is given in the same shape). Null when the node lacks the type or its version:
 * a read without them never overwrites what is stored.
 */
export function productTypeRowFrom(node: unknown): ProductTypeRow | null {
  const parsed = productTypeNodeSchema.safeParse(node);
  if (!parsed.success) {
    const { productType, updatedAt } = (node ?? {}) as Record<string, unknown>;
    // Absent fields are "not read"; a field that is there but malformed is an error.
    if (productType === undefined || productType === null) return null;
    if (updatedAt === undefined || updatedAt === null) return null;
    throw parsed.error;
  }
  const { id, productType, updatedAt } = parsed.data;
  return {
    productId: parseGid(id, "Product"),
    productType: productType.trim(),
    shopifyUpdatedAt: updatedAt,
  };
}

/** A collection as Kizuna keeps it (the Collection table). */
export interface CollectionRow {
  collectionId: bigint;
  /** Collection.title: the merchant's catalogue name, trimmed. */
  title: string;
  /** Collection.updatedAt: the version of the title. */
  shopifyUpdatedAt: Date;
}

/** A collection, as every operation selects it (./operations.ts). */
export const collectionNodeSchema = z.object({
  id: z.string(),
  title: z.string(),
  updatedAt: isoDate,
});

/**
 * The one mapping of a collection, whichever read (or collections/* payload, given in the
 * same shape) brought it. Null when the node lacks the title or its version: a read without
 * them never overwrites what is stored (a present but malformed field is an error).
 */
export function collectionRowFrom(node: unknown): CollectionRow | null {
  const parsed = collectionNodeSchema.safeParse(node);
  if (!parsed.success) {
    const { title, updatedAt } = (node ?? {}) as Record<string, unknown>;
    if (title === undefined || title === null) return null;
    if (updatedAt === undefined || updatedAt === null) return null;
    throw parsed.error;
  }
  const { id, title, updatedAt } = parsed.data;
  return {
    collectionId: parseGid(id, "Collection"),
    title: title.trim(),
    shopifyUpdatedAt: updatedAt,
  };
}
