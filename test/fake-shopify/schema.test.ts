// Requests are validated and executed against Shopify's real Admin schema: schema errors come
// back like Shopify's (HTTP 200, `errors`, no data), unimplemented fields fail loudly, and
// access scopes, connection arguments and input sizes are enforced.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeShopify, type FakeShopify } from "./index";
import { adminGraphql } from "./test-helpers";

let fake: FakeShopify;
let token: string;
const domain = "schema-shop.myshopify.com";

beforeAll(async () => {
  fake = await startFakeShopify({
    shops: [{ domain, customers: 300, seed: 21, currency: "USD", plan: "plus" }],
  });
  token = fake.shop().accessToken().accessToken;
}, 60_000);

afterAll(async () => {
  await fake.close();
});

const ask = (query: string, variables: Record<string, unknown> = {}, t: string | null = token) =>
  adminGraphql(fake, domain, t, query, variables);

describe("schema validation", () => {
  it("rejects a wrong field with graphql-js's message, HTTP 200 and no data", async () => {
    const reply = await ask(`{ orders(first: 1) { nodes { id totalPrize } } }`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      errors: [
        {
          message:
            'Cannot query field "totalPrize" on type "Order". Did you mean "totalPrice", "subtotalPrice", "totalPriceSet", "totalTax", or "totalTaxSet"?',
          locations: [{ line: 1, column: 33 }],
        },
      ],
    });
  });

  it("rejects unknown arguments, wrong variable types, missing variables and syntax errors", async () => {
    const unknownArg = await ask(`{ orders(frist: 1) { nodes { id } } }`);
    expect(unknownArg.body.errors?.[0]?.message).toBe(
      'Unknown argument "frist" on field "QueryRoot.orders". Did you mean "first" or "last"?',
    );
    const wrongType = await ask(`query($n: String) { orders(first: $n) { nodes { id } } }`, {
      n: "5",
    });
    expect(wrongType.body.errors?.[0]?.message).toBe(
      'Variable "$n" of type "String" used in position expecting type "Int".',
    );
    const missing = await ask(`query($id: ID!) { order(id: $id) { id } }`);
    expect(missing.body.errors?.[0]?.message).toBe(
      'Variable "$id" of required type "ID!" was not provided.',
    );
    const syntax = await ask(`{ orders(first: 1) { nodes { id }`);
    expect(syntax.body.errors?.[0]?.message).toMatch(/^Syntax Error: /);
    for (const reply of [unknownArg, wrongType, missing, syntax]) {
      expect(reply.status).toBe(200);
      expect(reply.body.data).toBeUndefined();
    }
  });

  it("names a valid but unimplemented field instead of returning made-up data", async () => {
    const reply = await ask(`{ orders(first: 1) { nodes { id billingAddress { city } } } }`);
    expect(reply.body.errors?.[0]).toMatchObject({
      message: expect.stringContaining("Order.billingAddress") as unknown,
      path: ["orders", "nodes", 0, "billingAddress"],
      extensions: { code: "NOT_IMPLEMENTED_BY_FAKE" },
    });
  });
});

describe("Shopify rules on valid queries", () => {
  it("requires first or last and caps page size at 250", async () => {
    const none = await ask(`{ orders { nodes { id } } }`);
    expect(none.body.errors?.[0]?.message).toBe("you must provide one of first or last");
    const big = await ask(`{ customers(first: 251) { nodes { id } } }`);
    expect(big.body.errors?.[0]?.message).toContain("between 0 and 250");
  });

  it("answers ACCESS_DENIED for fields outside the token's scopes", async () => {
    const shop = fake.shop();
    const count = (r: Awaited<ReturnType<typeof ask>>) =>
      (r.body.data?.ordersCount as { count: number }).count;
    const total = count(await ask(`{ ordersCount(limit: null) { count } }`));
    shop.updateScopes(["read_orders"]);
    try {
      const limited = shop.accessToken().accessToken;
      const reply = await ask(`{ customers(first: 1) { nodes { id } } }`, {}, limited);
      expect(reply.body.errors?.[0]).toMatchObject({
        message:
          "Access denied for customers field. Required access: `read_customers` access scope.",
        path: ["customers"],
        extensions: { code: "ACCESS_DENIED" },
      });
      // customers is non-null, so the error nulls the whole response's data.
      expect(reply.body.data).toBeNull();
      const nested = await ask(
        `{ orders(first: 1) { nodes { id customer { id } } } }`,
        {},
        limited,
      );
      expect(nested.body.errors?.[0]?.path).toEqual(["orders", "nodes", 0, "customer"]);
      expect(nested.body.data?.orders).toEqual({
        nodes: [{ id: expect.any(String) as unknown, customer: null }],
      });
      // Without read_all_orders only the last 60 days of orders are visible.
      const recent = count(await ask(`{ ordersCount(limit: null) { count } }`, {}, limited));
      expect(recent).toBeGreaterThan(0);
      expect(recent).toBeLessThan(total);
    } finally {
      shop.updateScopes(["read_orders", "read_all_orders", "read_customers", "write_customers"]);
    }
  });

  it("enforces the 250-item input array limit and the single query cost limit", async () => {
    const customer = [...fake.shop().customers()][0];
    const tags = Array.from({ length: 251 }, (_, i) => `t${i}`);
    const tooMany = await ask(
      `mutation($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { userErrors { message } } }`,
      { id: customer?.gid, tags },
    );
    expect(tooMany.body.errors?.[0]?.extensions).toEqual({ code: "MAX_INPUT_SIZE_EXCEEDED" });
    const costly = await ask(
      `{ orders(first: 250) { nodes { lineItems(first: 250) { nodes { id } } } } }`,
    );
    expect(costly.body.errors?.[0]?.extensions).toMatchObject({
      code: "MAX_COST_EXCEEDED",
      maxCost: 1000,
    });
  });

  it("looks up orders and customers by gid, and reports invalid ids", async () => {
    const order = [...fake.shop().orders()][5];
    if (!order) throw new Error("no order");
    const reply = await ask(
      `query($id: ID!) { order(id: $id) { id legacyResourceId name totalPriceSet { shopMoney { amount currencyCode } } } }`,
      { id: order.gid },
    );
    expect(reply.body.data?.order).toMatchObject({
      id: order.gid,
      legacyResourceId: String(order.id),
      name: order.name,
    });
    const amount = (reply.body.data?.order as { totalPriceSet: { shopMoney: { amount: string } } })
      .totalPriceSet.shopMoney.amount;
    expect(amount).toMatch(/^\d+\.\d{1,2}$/);
    const absent = await ask(`{ order(id: "gid://shopify/Order/1") { id } }`);
    expect(absent.body.data).toEqual({ order: null });
    const invalid = await ask(`{ order(id: "42") { id } }`);
    expect(invalid.body.errors?.[0]?.message).toBe("Invalid global id '42'");
    expect(reply.body.extensions?.cost?.throttleStatus).toMatchObject({
      maximumAvailable: 20000,
      restoreRate: 1000,
    });
  });
});
