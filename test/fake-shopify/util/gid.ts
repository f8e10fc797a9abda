// Shopify global ids: gid://shopify/<Type>/<numeric id>.

export type GidType =
  | "Order"
  | "Customer"
  | "LineItem"
  | "Refund"
  | "OrderTransaction"
  | "RefundLineItem"
  | "BulkOperation"
  | "Shop"
  | "SellingPlan"
  | "Product"
  | "ProductVariant"
  | "InventoryItem"
  | "Collection"
  | "AppInstallation"
  | "App"
  | "Segment"
  | "CustomerVisit";

export function gid(type: GidType, id: number | bigint | string): string {
  return `gid://shopify/${type}/${id}`;
}

export interface ParsedGid {
  type: string;
  /** Exact: Shopify's ids are 64-bit. */
  id: bigint;
}

const MAX_ID = 2n ** 64n - 1n;

/** Parses a gid with a numeric tail; null for anything else (Shopify answers "invalid id"). */
export function parseGid(value: string): ParsedGid | null {
  const match = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d{1,20})(?:\?.*)?$/.exec(value);
  if (!match) return null;
  const id = BigInt(match[2] ?? "");
  if (id > MAX_ID) return null;
  return { type: match[1] ?? "", id };
}
