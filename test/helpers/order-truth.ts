/**
 * One stored order against Shopify's ground truth (the fake's OrderTruth): the fields Kizuna
 * keeps, compared exactly. Shared by the sync tests' exact check and the chaos run's counts.
 */
import type { Order, OrderLineItem } from "@prisma/client";
import type { OrderTruth } from "../fake-shopify/truth";

const iso = (d: Date | null) => (d === null ? null : d.toISOString().replace(".000Z", "Z"));

/** "field: stored X, Shopify Y" for every field that differs; empty when the order is exact. */
export function orderDifferences(truth: OrderTruth, stored: Order): string[] {
  const expected: Record<string, unknown> = {
    customerId: truth.customerId === null ? null : BigInt(truth.customerId),
    processedAt: truth.processedAt,
    cancelledAt: truth.cancelledAt,
    test: truth.test,
    grossMinor: BigInt(truth.totalMinor),
    refundedMinor: BigInt(truth.refundedMinor),
    netMinor: BigInt(Math.max(0, truth.totalMinor - truth.refundedMinor)),
    itemQuantity: truth.currentItemQuantity,
    subscription: truth.subscription,
    channelHandle: truth.channelHandle,
    discountCodes: JSON.stringify(truth.discountCodes),
    ...expectedFirstTouch(truth),
  };
  const actual: Record<string, unknown> = {
    customerId: stored.customerId,
    processedAt: iso(stored.processedAt),
    cancelledAt: iso(stored.cancelledAt),
    test: stored.test,
    grossMinor: stored.grossMinor,
    refundedMinor: stored.refundedMinor,
    netMinor: stored.netMinor,
    itemQuantity: stored.itemQuantity,
    subscription: stored.subscription,
    channelHandle: stored.channelHandle,
    discountCodes: stored.discountCodes,
    journey: stored.journey,
    firstSource: stored.firstSource,
    firstSourceType: stored.firstSourceType,
    utmSource: stored.utmSource,
    utmMedium: stored.utmMedium,
    utmCampaign: stored.utmCampaign,
    utmContent: stored.utmContent,
    utmTerm: stored.utmTerm,
    referrerHost: stored.referrerHost,
    landingPath: stored.landingPath,
  };
  return Object.keys(expected)
    .filter((key) => expected[key] !== actual[key])
    .map((key) => `${key}: stored ${String(actual[key])}, Shopify ${String(expected[key])}`);
}

/**
 * The first touch Kizuna should keep of the fake's journey summary, written out apart from
 * the app's mapping: the visit's categorical fields, an email-like UTM value dropped, the
 * referrer's host without "www." and the landing page's path without its query.
 */
function expectedFirstTouch(truth: OrderTruth): Record<string, unknown> {
  const visit = truth.journey?.firstVisit ?? null;
  const none = {
    journey: "none",
    firstSource: null,
    firstSourceType: null,
    utmSource: null,
    utmMedium: null,
    utmCampaign: null,
    utmContent: null,
    utmTerm: null,
    referrerHost: null,
    landingPath: null,
  };
  if (!visit) return none;
  const utm = visit.utmParameters;
  const noEmail = (v: string | null | undefined) => (v && !v.includes("@") ? v : null);
  return {
    ...none,
    journey: "visit",
    firstSource: visit.source,
    firstSourceType: visit.sourceType,
    utmSource: noEmail(utm?.source),
    utmMedium: noEmail(utm?.medium),
    utmCampaign: noEmail(utm?.campaign),
    utmContent: noEmail(utm?.content),
    utmTerm: noEmail(utm?.term),
    referrerHost: visit.referrerUrl
      ? new URL(visit.referrerUrl).hostname.replace(/^www\./, "")
      : null,
    landingPath: visit.landingPage ? new URL(visit.landingPage).pathname : null,
  };
}

/** The stored line items of an order against Shopify's: "line item …: …" per difference. */
export function lineItemDifferences(truth: OrderTruth, stored: readonly OrderLineItem[]): string[] {
  const out: string[] = [];
  const byId = new Map(stored.map((item) => [item.id, item]));
  if (stored.length !== truth.lineItems.length) {
    out.push(`line items: ${stored.length} stored, ${truth.lineItems.length} in Shopify`);
  }
  for (const line of truth.lineItems) {
    const item = byId.get(BigInt(line.id));
    if (!item) {
      out.push(`line item ${line.id} missing`);
      continue;
    }
    const expected: Record<string, unknown> = {
      orderId: truth.id,
      productId: line.productId === null ? null : BigInt(line.productId),
      variantId: line.variantId === null ? null : BigInt(line.variantId),
      quantity: line.quantity,
      currentQuantity: line.currentQuantity,
      netMinor: BigInt(Math.max(0, line.netMinor)),
      subscription: line.sellingPlanId !== null,
      giftCard: false,
    };
    for (const [key, value] of Object.entries(expected)) {
      const actual = (item as Record<string, unknown>)[key];
      if (actual !== value) {
        out.push(`line item ${line.id} ${key}: stored ${String(actual)}, Shopify ${String(value)}`);
      }
    }
  }
  return out;
}
