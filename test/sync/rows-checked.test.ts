// The hand-checked fast path of rows.ts: same rows as the zod schemas, same errors.
import { describe, expect, it } from "vitest";
import {
  customerNodeSchema,
  customerRowFrom,
  orderNodeSchema,
  orderRowFrom,
} from "../../app/sync/rows";

const order = {
  id: "gid://shopify/Order/12",
  processedAt: "2026-01-02T03:04:05+09:00",
  updatedAt: "2026-01-03T00:00:00Z",
  cancelledAt: null,
  test: false,
  sourceName: "web",
  customer: { id: "gid://shopify/Customer/5" },
  totalPriceSet: { shopMoney: { amount: "1234.50", currencyCode: "USD" } },
  totalRefundedSet: { shopMoney: { amount: "0.00", currencyCode: "USD" } },
  currentSubtotalLineItemsQuantity: 3,
};

describe("bulk node mapping", () => {
  it("maps an order and a customer exactly as the schemas do", () => {
    const row = orderRowFrom(order, false);
    expect(row.processedAt).toEqual(orderNodeSchema.parse(order).processedAt);
    expect(row).toMatchObject({ id: 12n, customerId: 5n, grossMinor: 123450n, netMinor: 123450n });
    const guest = orderRowFrom(
      { ...order, customer: null, cancelledAt: "2026-01-04T00:00:00Z" },
      true,
    );
    expect(guest).toMatchObject({ customerId: null, subscription: true });
    const customer = {
      id: "gid://shopify/Customer/5",
      createdAt: "2025-01-01T00:00:00Z",
      updatedAt: "2026-01-01T00:00:00Z",
      tags: ["a", "b"],
    };
    expect(customerRowFrom(customer)).toEqual({
      id: 5n,
      createdAt: customerNodeSchema.parse(customer).createdAt,
      shopifyUpdatedAt: new Date("2026-01-01T00:00:00Z"),
      tags: "a, b",
    });
  });

  it("reports a malformed node with the schema's own message", () => {
    for (const bad of [
      { ...order, processedAt: "yesterday" },
      { ...order, customer: undefined },
      { ...order, currentSubtotalLineItemsQuantity: -1 },
      { ...order, totalPriceSet: { shopMoney: { amount: 12, currencyCode: "USD" } } },
    ]) {
      const expected = orderNodeSchema.safeParse(bad);
      expect(expected.success).toBe(false);
      expect(() => orderRowFrom(bad, false)).toThrow(expected.error!.message);
    }
  });
});
