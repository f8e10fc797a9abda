/**
 * What the intake keeps of a webhook payload before queueing it: the fields processing
 * reads, never the names, emails, addresses and phones Shopify sends along.
 */
import { describe, expect, it } from "vitest";
import { essentialPayload } from "../../app/sync/webhook-processing.server";

describe("essentialPayload", () => {
  it("keeps an order's id and dates and only the id of its customer", () => {
    const order = {
      id: 820982911946154500,
      admin_graphql_api_id: "gid://shopify/Order/820982911946154500",
      created_at: "2026-11-01T10:00:00+09:00",
      updated_at: "2026-11-02T10:00:00+09:00",
      email: "buyer@example.com",
      phone: "+81312345678",
      customer: { id: 115310627314723950, email: "buyer@example.com", first_name: "Hanako" },
      billing_address: { address1: "1-2-3 Chiyoda", city: "Tokyo" },
      line_items: [{ title: "Tea", quantity: 2 }],
    };
    expect(essentialPayload(order)).toEqual({
      id: 820982911946154500,
      admin_graphql_api_id: "gid://shopify/Order/820982911946154500",
      created_at: "2026-11-01T10:00:00+09:00",
      updated_at: "2026-11-02T10:00:00+09:00",
      customer: { id: 115310627314723950 },
    });
  });

  it("keeps what compliance, refund and bulk topics need", () => {
    expect(
      essentialPayload({
        shop_id: 954889,
        customer: { id: 191167, email: "john@example.com", phone: "555-625-1199" },
        orders_to_redact: [299938, 280263],
      }),
    ).toEqual({ customer: { id: 191167 }, orders_to_redact: [299938, 280263] });
    expect(
      essentialPayload({ id: 1, order_id: 2, note: "damaged", refund_line_items: [] }),
    ).toEqual({ id: 1, order_id: 2 });
    const finished = {
      admin_graphql_api_id: "gid://shopify/BulkOperation/1",
      status: "completed",
      error_code: null,
      type: "query",
    };
    expect(essentialPayload(finished)).toEqual({
      admin_graphql_api_id: "gid://shopify/BulkOperation/1",
      status: "completed",
      error_code: null,
    });
  });

  it("turns anything that is not an object into an empty payload (processing then refuses it)", () => {
    for (const payload of [null, 3, "text", [1, 2], true]) {
      expect(essentialPayload(payload)).toEqual({});
    }
  });
});
