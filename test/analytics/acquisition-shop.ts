/** A small hand-written shop with first touches and line items, for the acquisition tests. */
import { buildPurchaseHistory } from "../../app/analytics/history";
import type { AttributionColumns, AttributionField } from "../../app/analytics/channels";
import { ATTRIBUTION_FIELDS } from "../../app/analytics/channels";
import { customerFacts } from "../../app/analytics/customer-groups";
import { purchaseProducts, type LineItemTable } from "../../app/analytics/entry-products";
import { createCalendar } from "../../app/analytics/time";
import type { OrderTable } from "../../app/analytics/types";
import { ORDER_CANCELLED, ORDER_SUBSCRIPTION, ORDER_TEST } from "../../app/analytics/types";
import { orderTable } from "./shop";

export interface TouchOrder {
  readonly c: number;
  readonly at: string;
  readonly net?: number;
  readonly flags?: number;
  readonly touch?: Partial<Record<AttributionField, string>>;
  /** Product ids of the line items; null = a custom item without product. */
  readonly items?: readonly (string | null)[];
}

export interface TouchShop {
  readonly orders: OrderTable;
  readonly columns: AttributionColumns;
  readonly lineItems: LineItemTable;
  readonly products: string[];
}

/** Builds the order table, dictionary-encoded attribution columns and line items. */
export function touchShop(specs: readonly TouchOrder[]): TouchShop {
  const sorted = [...specs].sort((a, b) => a.c - b.c || Date.parse(a.at) - Date.parse(b.at));
  const orders = orderTable(sorted);
  const columns: Record<string, { dictionary: string[]; code: Int32Array }> = {};
  for (const field of ATTRIBUTION_FIELDS) {
    const dictionary: string[] = [];
    const code = Int32Array.from(sorted, (s) => {
      const v = s.touch?.[field];
      if (v === undefined) return -1;
      let k = dictionary.indexOf(v);
      if (k < 0) k = dictionary.push(v) - 1;
      return k;
    });
    columns[field] = { dictionary, code };
  }
  const products: string[] = [];
  const order: number[] = [];
  const product: number[] = [];
  sorted.forEach((s, row) => {
    for (const item of s.items ?? []) {
      order.push(row);
      if (item === null) {
        product.push(-1);
        continue;
      }
      let k = products.indexOf(item);
      if (k < 0) k = products.push(item) - 1;
      product.push(k);
    }
  });
  return {
    orders,
    columns: columns as AttributionColumns,
    lineItems: {
      length: order.length,
      order: Int32Array.from(order),
      product: Int32Array.from(product),
    },
    products,
  };
}

const SUB = ORDER_SUBSCRIPTION;

/**
 * Eight customers (Tokyo); see acquisition.test.ts for the hand-computed figures.
 * c0 google_ads "spring_sale" (A, B) → C → S (subscription); c1 instagram A → A;
 * c2 direct B; c3 POS S (subscription) → S; c4 google_ads "spring_sale", a custom item;
 * c5 referral A (2025-03-01); c6 email, no line items; c7 no orders; one guest order.
 */
export const TOUCH_ORDERS: readonly TouchOrder[] = [
  {
    c: 0,
    at: "2024-01-05T10:00:00+09:00",
    net: 9000,
    flags: ORDER_CANCELLED,
    touch: { utmSource: "facebook", utmMedium: "paid" },
    items: ["C"],
  },
  {
    c: 0,
    at: "2024-01-10T10:00:00+09:00",
    net: 1000,
    touch: { utmSource: "google", utmMedium: "cpc", utmCampaign: " Spring_Sale " },
    items: ["A", "B"],
  },
  {
    c: 0,
    at: "2024-01-10T15:00:00+09:00",
    net: 500,
    touch: { utmSource: "facebook", utmMedium: "paid" },
    items: ["A"],
  },
  { c: 0, at: "2024-02-01T10:00:00+09:00", net: 2000, items: ["C"] },
  { c: 0, at: "2024-05-20T10:00:00+09:00", net: 4000, flags: SUB, items: ["S"] },
  {
    c: 1,
    at: "2024-01-15T10:00:00+09:00",
    net: 3000,
    touch: { referrerHost: "l.instagram.com", firstSource: "instagram" },
    items: ["A"],
  },
  { c: 1, at: "2024-06-15T10:00:00+09:00", net: 3000, items: ["A"] },
  {
    c: 2,
    at: "2024-01-02T10:00:00+09:00",
    net: 800,
    flags: ORDER_TEST,
    touch: { utmSource: "newsletter", utmMedium: "email" },
  },
  { c: 2, at: "2024-01-20T10:00:00+09:00", net: 1000, items: ["B"] },
  {
    c: 3,
    at: "2024-02-03T10:00:00+09:00",
    net: 2000,
    flags: SUB,
    touch: { channelHandle: "pos", utmSource: "google", utmMedium: "cpc" },
    items: ["S"],
  },
  { c: 3, at: "2024-03-03T10:00:00+09:00", net: 2000, flags: SUB, items: ["S"] },
  {
    c: 4,
    at: "2024-02-10T10:00:00+09:00",
    net: 5000,
    touch: { utmSource: "Ｇｏｏｇｌｅ", utmMedium: "CPC", utmCampaign: "spring_sale" },
    items: [null],
  },
  {
    c: 5,
    at: "2025-03-01T10:00:00+09:00",
    net: 1000,
    touch: { referrerHost: "notinstagram.com" },
    items: ["A"],
  },
  {
    c: 6,
    at: "2024-03-05T10:00:00+09:00",
    net: 1000,
    touch: { utmSource: "newsletter", utmMedium: "email" },
  },
  {
    c: -1,
    at: "2024-01-11T10:00:00+09:00",
    net: 1000,
    touch: { utmSource: "google", utmMedium: "cpc" },
    items: ["A"],
  },
];

export const TOUCH_CUSTOMERS = 8;

export function touchHistory(shop: TouchShop) {
  return buildPurchaseHistory(shop.orders, TOUCH_CUSTOMERS, createCalendar("Asia/Tokyo"));
}

/**
 * The entry-product tests' set-up: the TOUCH_ORDERS shop, its history, customer facts (90-day
 * window, 12 months) and first-purchase products as of `asOfDay`.
 */
export function touchEntryShop(asOfDay: number) {
  const shop = touchShop(TOUCH_ORDERS);
  const history = touchHistory(shop);
  const facts = customerFacts(history, { asOfDay, windowDays: 90, maxMonths: 12 });
  const bought = purchaseProducts(
    history,
    shop.orders,
    shop.lineItems,
    shop.products.length,
    asOfDay,
    facts.included,
  );
  return { shop, history, facts, bought };
}
