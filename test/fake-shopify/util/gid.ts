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
  | "AppInstallation"
  | "App";

export function gid(type: GidType, id: number | string): string {
  return `gid://shopify/${type}/${id}`;
}

export interface ParsedGid {
  type: string;
  id: number;
}

/** Parses a gid with a numeric tail; null for anything else (Shopify answers "invalid id"). */
export function parseGid(value: string): ParsedGid | null {
  const match = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)(?:\?.*)?$/.exec(value);
  if (!match) return null;
  const id = Number(match[2]);
  if (!Number.isSafeInteger(id)) return null;
  return { type: match[1] ?? "", id };
}
