/**
 * One stored order against Shopify's ground truth (the fake's OrderTruth): the fields Kizuna
 * keeps, compared exactly. Shared by the sync tests' exact check and the chaos run's counts.
 */
import type { Order } from "@prisma/client";
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
  };
  return Object.keys(expected)
    .filter((key) => expected[key] !== actual[key])
    .map((key) => `${key}: stored ${String(actual[key])}, Shopify ${String(expected[key])}`);
}
