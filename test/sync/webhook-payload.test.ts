/**
 * What the intake keeps of a webhook payload before queueing it: the fields processing
 * reads of that topic, never the names, emails, addresses and phones Shopify sends along
 * (defence in depth: shopify.app.toml's include_fields asks Shopify not to send them).
 */
import { describe, expect, it } from "vitest";
import { essentialPayload } from "../../app/sync/webhook-processing.server";

describe("essentialPayload", () => {
  it("keeps an order's id and update time, nothing of its customer", () => {
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
    expect(essentialPayload("ORDERS_UPDATED", order)).toEqual({
      id: 820982911946154500,
      updated_at: "2026-11-02T10:00:00+09:00",
    });
  });

  it("keeps what compliance, refund and bulk topics need", () => {
    expect(
      essentialPayload("CUSTOMERS_REDACT", {
        shop_id: 954889,
        customer: { id: 191167, email: "john@example.com", phone: "555-625-1199" },
        orders_to_redact: [299938, 280263],
      }),
    ).toEqual({ customer: { id: 191167 }, orders_to_redact: [299938, 280263] });
    expect(
      essentialPayload("REFUNDS_CREATE", {
        id: 1,
        order_id: 2,
        note: "damaged",
        refund_line_items: [],
      }),
    ).toEqual({ order_id: 2 });
    const finished = {
      admin_graphql_api_id: "gid://shopify/BulkOperation/1",
      status: "completed",
      error_code: null,
      type: "query",
    };
    expect(essentialPayload("BULK_OPERATIONS_FINISH", finished)).toEqual({
      admin_graphql_api_id: "gid://shopify/BulkOperation/1",
      status: "completed",
      error_code: null,
    });
  });

  it("keeps a customer's id and dates, and of a tag event what changed and when", () => {
    expect(
      essentialPayload("CUSTOMERS_UPDATE", {
        id: 706405506930370000,
        email: "bob@biller.com",
        first_name: "Bob",
        created_at: "2021-12-31T19:00:00-05:00",
        updated_at: "2021-12-31T19:00:00-05:00",
        tags: "legacy, field",
        default_address: { address1: "151 O'Connor Street" },
      }),
    ).toEqual({
      id: 706405506930370000,
      created_at: "2021-12-31T19:00:00-05:00",
      updated_at: "2021-12-31T19:00:00-05:00",
    });
    const tags = {
      customerId: "gid://shopify/Customer/1",
      tags: ["tag1", "tag2"],
      occurredAt: "2005-05-05T06:00:00.000Z",
    };
    expect(essentialPayload("CUSTOMER_TAGS_REMOVED", tags)).toEqual(tags);
  });

  it("turns anything that is not an object, or a topic Kizuna does not process, into an empty payload (processing then refuses it)", () => {
    for (const payload of [null, 3, "text", [1, 2], true]) {
      expect(essentialPayload("ORDERS_CREATE", payload)).toEqual({});
    }
    expect(essentialPayload("THEMES_PUBLISH", { id: 1, name: "Dawn" })).toEqual({});
  });

  it("keeps the named fields of each object of a list (products/update's variant ids)", () => {
    const payload = {
      id: 7,
      title: "Tea",
      variants: [
        { id: 71, price: "30.00", inventory_item_id: 9 },
        { id: 72, price: "40.00" },
      ],
    };
    expect(essentialPayload("PRODUCTS_UPDATE", payload)).toEqual({
      id: 7,
      variants: [{ id: 71 }, { id: 72 }],
    });
  });
});
