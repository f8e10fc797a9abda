/**
 * The exact JSON parse and the id checks every id goes through (app/sync/ids.ts), and the
 * queued representation: an id past 2^53 is read as its digits, survives BullMQ's JSON and
 * is read back as the same bigint.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exactId, MAX_ID, parseJsonExact, shopifyId } from "../../app/sync/ids";
import { parseGid } from "../../app/sync/rows";
import { essentialPayload } from "../../app/sync/webhook-processing.server";

/** Shopify's sample orders/create body (API reference), as sent: 18-digit ids. */
const SAMPLE = `{"id":820982911946154508,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508",
"email":"jon@example.com","created_at":"2021-12-31T19:00:00-05:00","updated_at":"2021-12-31T19:00:00-05:00",
"total_price":"403.00","customer":{"id":115310627314723954,"email":"john@example.com","first_name":"John"},
"line_items":[{"id":866550311766439020,"price":"199.00","quantity":1,"product_id":632910392}]}`;

/** Walks both trees: equal, except that an unsafe integer is its exact digits in `exact`. */
function sameButExact(exact: unknown, plain: unknown, path = "$"): void {
  if (typeof plain === "number" && Number.isInteger(plain) && !Number.isSafeInteger(plain)) {
    // JSON.stringify writes integers below 1e21 as plain digits, above in exponent form.
    if (typeof exact === "string") expect(Number(exact), path).toBe(plain);
    else expect(exact, path).toBe(plain);
    return;
  }
  if (Array.isArray(plain)) {
    expect(Array.isArray(exact), path).toBe(true);
    expect((exact as unknown[]).length, path).toBe(plain.length);
    plain.forEach((item, i) => sameButExact((exact as unknown[])[i], item, `${path}[${i}]`));
    return;
  }
  if (plain !== null && typeof plain === "object") {
    expect(Object.keys(exact as object), path).toEqual(Object.keys(plain));
    for (const [key, value] of Object.entries(plain)) {
      sameButExact((exact as Record<string, unknown>)[key], value, `${path}.${key}`);
    }
    return;
  }
  expect(exact, path).toBe(plain);
}

describe("parseJsonExact", () => {
  it("reads Shopify's sample ids exactly where JSON.parse rounds them", () => {
    expect((JSON.parse(SAMPLE) as { id: number }).id).toBe(820982911946154500);
    const body = parseJsonExact(SAMPLE) as Record<string, unknown>;
    expect(body.id).toBe("820982911946154508");
    expect(body.customer).toMatchObject({ id: "115310627314723954" });
    expect(body.line_items).toMatchObject([{ id: "866550311766439020", product_id: 632910392 }]);
    expect(body.total_price).toBe("403.00");
  });

  it("is JSON.parse for any JSON, except that integers past 2^53 keep their digits", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        sameButExact(parseJsonExact(text), JSON.parse(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it("keeps every 64-bit integer exact wherever it stands, and leaves strings alone", () => {
    const int64 = fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n });
    fc.assert(
      fc.property(int64, fc.constantFrom("", " ", "\n\t "), (n, ws) => {
        const text = `{"id":${ws}${n},"ids":[${ws}${n},${ws}${n}],"gid":"gid://shopify/Order/${n}","note":"x:${n}"}`;
        const safe = n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER);
        const id = safe ? Number(n) : String(n);
        expect(parseJsonExact(text)).toEqual({
          id,
          ids: [id, id],
          gid: `gid://shopify/Order/${n}`,
          note: `x:${n}`,
        });
        expect(parseJsonExact(`${ws}${n}`)).toEqual(id);
      }),
      { numRuns: 1_000 },
    );
  });

  it("keeps fractions and exponents as numbers, and throws what JSON.parse throws", () => {
    const text = "[1.5, 1e300, 9007199254740993.5, -0.25, 12345678901234567e2]";
    expect(parseJsonExact(text)).toEqual(JSON.parse(text));
    expect(() => parseJsonExact('{"id": 820982911946154508')).toThrow(SyntaxError);
    expect(() => parseJsonExact("")).toThrow(SyntaxError);
  });
});

describe("ids", () => {
  it("takes numbers up to 2^53 − 1 and digits up to 2^63 − 1", () => {
    expect(exactId(1)).toBe(1n);
    expect(exactId(5n)).toBe(5n);
    expect(exactId(Number.MAX_SAFE_INTEGER)).toBe(2n ** 53n - 1n);
    expect(exactId("820982911946154508")).toBe(820982911946154508n);
    expect(exactId(String(MAX_ID))).toBe(MAX_ID);
    expect(shopifyId.parse("9223372036854775807")).toBe(2n ** 63n - 1n);
  });

  it("refuses what is no id, saying why", () => {
    expect(exactId(1.5)).toBe("must be a whole number, got 1.5");
    expect(exactId(Number("820982911946154508"))).toBe(
      "must be exact digits, got the rounded number 820982911946154500",
    );
    expect(exactId(0)).toBe("must be a positive id, got 0");
    expect(exactId("-5")).toBe("must be a positive id, got -5");
    expect(exactId(String(2n ** 63n))).toMatch(/^is out of range: 9223372036854775808 is above/);
    expect(exactId(String(2n ** 64n - 1n))).toMatch(/^is out of range/);
    expect(exactId("1".repeat(5_000))).toBe("is out of range: 5000 digits");
    expect(exactId("12a")).toBe('must be an id (a positive whole number), got "12a"');
    expect(exactId("")).toBe('must be an id (a positive whole number), got ""');
    expect(exactId(null)).toBe("must be an id (a positive whole number), got null");
    expect(exactId(undefined)).toBe("is missing");
    expect(exactId({ id: 5 })).toBe('must be an id (a positive whole number), got {"id":5}');
  });

  it("reads gids up to 2^63 − 1 and refuses larger ones", () => {
    expect(parseGid(`gid://shopify/Order/${MAX_ID}`, "Order")).toBe(MAX_ID);
    expect(parseGid("gid://shopify/Customer/115310627314723954", "Customer")).toBe(
      115310627314723954n,
    );
    expect(() => parseGid(`gid://shopify/Order/${2n ** 63n}`, "Order")).toThrow(/out of range/);
    expect(() => parseGid("gid://shopify/Order/0", "Order")).toThrow(/positive/);
  });

  it("survive the intake's trimming and the queue's JSON exactly", () => {
    const queue = (topic: string, text: string) =>
      JSON.parse(JSON.stringify(essentialPayload(topic, parseJsonExact(text)))) as Record<
        string,
        unknown
      >;
    const order = queue("ORDERS_UPDATED", SAMPLE);
    expect(order).toEqual({ id: "820982911946154508", updated_at: "2021-12-31T19:00:00-05:00" });
    expect(shopifyId.parse(order.id)).toBe(820982911946154508n);
    const redact = queue(
      "CUSTOMERS_REDACT",
      `{"shop_id":954889,"customer":{"id":115310627314723954,"email":"john@example.com"},"orders_to_redact":[820982911946154508]}`,
    );
    expect(redact).toEqual({
      customer: { id: "115310627314723954" },
      orders_to_redact: ["820982911946154508"],
    });
    expect(shopifyId.parse((redact.customer as { id: unknown }).id)).toBe(115310627314723954n);
  });
});
