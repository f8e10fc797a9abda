import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { currencyDigits, fromMinorUnits, toMinorUnits } from "../../app/sync/money";
import { orderRowFrom, parseGid } from "../../app/sync/rows";

describe("money in minor units", () => {
  it("knows the currencies' minor units", () => {
    expect(currencyDigits("JPY")).toBe(0);
    expect(currencyDigits("USD")).toBe(2);
    expect(currencyDigits("KWD")).toBe(3);
    expect(() => currencyDigits("XXZ")).toThrow('Unknown currency code "XXZ"');
  });

  it("parses Shopify's decimal strings exactly", () => {
    expect(toMinorUnits("1234.50", "USD")).toBe(123_450n);
    expect(toMinorUnits("0.07", "USD")).toBe(7n);
    expect(toMinorUnits("3300.0", "JPY")).toBe(3_300n);
    expect(toMinorUnits("3300", "JPY")).toBe(3_300n);
    expect(toMinorUnits("-5.5", "USD")).toBe(-550n);
    // 0.1 + 0.2 style floats would drift; strings never do.
    expect(toMinorUnits("90071992547409.93", "USD")).toBe(9_007_199_254_740_993n);
  });

  it("rejects what is not an exact amount", () => {
    expect(() => toMinorUnits("12.345", "USD")).toThrow("more decimals than USD allows (2)");
    expect(() => toMinorUnits("1e3", "USD")).toThrow('Not a decimal amount: "1e3"');
    expect(() => toMinorUnits("", "JPY")).toThrow("Not a decimal amount");
  });

  it("round-trips any amount", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.constantFrom("USD", "JPY", "KWD"),
        (minor, currency) => {
          expect(toMinorUnits(fromMinorUnits(minor, currency), currency)).toBe(minor);
        },
      ),
    );
  });
});

const node = {
  id: "gid://shopify/Order/5001",
  processedAt: "2026-02-03T04:05:06Z",
  updatedAt: "2026-02-04T00:00:00Z",
  cancelledAt: null,
  test: false,
  sourceName: "web",
  customer: { id: "gid://shopify/Customer/77" },
  totalPriceSet: { shopMoney: { amount: "5480.0", currencyCode: "JPY" } },
  totalRefundedSet: { shopMoney: { amount: "980.0", currencyCode: "JPY" } },
  currentSubtotalLineItemsQuantity: 3,
};

describe("order and customer rows", () => {
  it("maps an order node", () => {
    expect(orderRowFrom(node, true)).toEqual({
      id: 5001n,
      customerId: 77n,
      processedAt: new Date("2026-02-03T04:05:06Z"),
      cancelledAt: null,
      test: false,
      grossMinor: 5_480n,
      refundedMinor: 980n,
      netMinor: 4_500n,
      itemQuantity: 3,
      sourceName: "web",
      subscription: true,
      shopifyUpdatedAt: new Date("2026-02-04T00:00:00Z"),
    });
  });

  it("maps a guest order and never lets net go below zero", () => {
    const row = orderRowFrom(
      {
        ...node,
        customer: null,
        totalRefundedSet: { shopMoney: { amount: "6000", currencyCode: "JPY" } },
      },
      false,
    );
    expect(row.customerId).toBeNull();
    expect(row.netMinor).toBe(0n);
  });

  it("rejects a malformed node with the field named", () => {
    expect(() => orderRowFrom({ ...node, processedAt: "yesterday" }, false)).toThrow(/processedAt/);
    expect(() => orderRowFrom({ ...node, id: "gid://shopify/Customer/1" }, false)).toThrow(
      'Not a Order id: "gid://shopify/Customer/1"',
    );
  });

  it("parses ids", () => {
    expect(parseGid("gid://shopify/Customer/123", "Customer")).toBe(123n);
    expect(() => parseGid("gid://shopify/Customer/abc", "Customer")).toThrow();
  });
});
