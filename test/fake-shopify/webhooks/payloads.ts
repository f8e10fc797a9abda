// REST-style JSON as Shopify sends in webhooks (and the REST Admin API returns): numeric ids,
// snake_case, money as fixed-decimal strings with *_set pairs, times in shop local offset.
import { journeyOf } from "../generator/journey";
import type { BulkOperationView } from "../bulk/types";
import type { CustomerState } from "../model/customer-state";
import {
  financialStatus,
  type Amounts,
  type OrderState,
  type RefundState,
} from "../model/order-state";
import { transactionId } from "../model/ids";
import type { ShopStore } from "../store/shop-store";
import type { FakeCollection } from "../store/collections";
import type { FakeVariant } from "../store/variant-costs";
import { gid } from "../util/gid";
import { currencyInfo, restDecimal } from "../util/money";

type Json = Record<string, unknown>;

/** "https://shop/path?q" → "/path?q" (REST's landing_site is relative). */
function landingSite(url: string | null | undefined): string | null {
  if (!url) return null;
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

export class PayloadBuilder {
  constructor(
    private readonly store: ShopStore,
    private readonly shopId: number,
  ) {}

  private time(sec: number | null): string | null {
    return sec === null ? null : this.store.world.calendar.tz.isoLocal(sec);
  }

  private amount(minor: number, presentment = false): string {
    const spec = this.store.spec;
    return restDecimal(minor, (presentment ? spec.presentment.currency : spec.currency).decimals);
  }

  private set(amounts: Amounts, foreign: boolean): Json {
    const spec = this.store.spec;
    return {
      shop_money: { amount: this.amount(amounts.shop), currency_code: spec.currency.code },
      presentment_money: {
        amount: this.amount(amounts.presentment, foreign),
        currency_code: (foreign ? spec.presentment.currency : spec.currency).code,
      },
    };
  }

  private address(state: CustomerState | null): Json | null {
    if (!state) return null;
    const japan = this.store.spec.region.locale === "ja";
    return {
      id: state.id + 1n,
      customer_id: state.id,
      first_name: state.plan.firstName,
      last_name: state.plan.lastName,
      company: null,
      address1: japan ? "1-2-3 Shibuya" : "123 Main St",
      address2: null,
      city: japan ? "Shibuya-ku" : "Springfield",
      province: japan ? "Tokyo" : "New York",
      country: japan ? "Japan" : "United States",
      zip: japan ? "150-0002" : "10001",
      phone: null,
      name: `${state.plan.firstName} ${state.plan.lastName}`,
      province_code: japan ? "JP-13" : "NY",
      country_code: japan ? "JP" : "US",
      country_name: japan ? "Japan" : "United States",
      default: true,
    };
  }

  /**
   * customers/create and customers/update as of API 2025-01: no `tags` (they come as
   * customer.tags_added / customer.tags_removed), no marketing consents, no order
   * aggregates (see README, "Sources").
   */
  customer(state: CustomerState): Json {
    return {
      id: state.id,
      email: `${state.plan.emailLocal}.${state.id % 100000n}@example.com`,
      created_at: this.time(state.createdAt),
      updated_at: this.time(state.updatedAt),
      first_name: state.plan.firstName,
      last_name: state.plan.lastName,
      state: state.state.toLowerCase(),
      note: null,
      verified_email: state.state === "ENABLED",
      multipass_identifier: null,
      tax_exempt: false,
      phone: null,
      currency: this.store.spec.currency.code,
      addresses: [this.address(state)],
      tax_exemptions: [],
      admin_graphql_api_id: gid("Customer", state.id),
      default_address: this.address(state),
    };
  }

  customerDeleted(id: bigint): Json {
    return { id, tax_exemptions: [], admin_graphql_api_id: gid("Customer", id) };
  }

  /** customer.tags_added / customer.tags_removed: GraphQL-style, the tags that changed. */
  customerTags(id: bigint, tags: readonly string[], atSec: number): Json {
    return {
      customerId: gid("Customer", id),
      tags: [...tags],
      occurredAt: new Date(atSec * 1000).toISOString(),
    };
  }

  private lineItem(order: OrderState, index: number): Json {
    const line = order.lines[index];
    if (!line) return {};
    const rules = this.store.rules;
    const f = order.plan.foreignPresentment;
    const product = this.store.world.catalog.products[line.plan.product];
    const sellingPlan =
      line.plan.sellingPlan === null
        ? null
        : this.store.world.catalog.sellingPlans[line.plan.sellingPlan];
    const q = line.plan.quantity;
    const discount: Amounts = {
      shop: rules.lineDiscount(line.plan, q, false),
      presentment: rules.lineDiscount(line.plan, q, f),
    };
    const sub: Amounts = {
      shop: rules.lineSubtotal(line.plan, q, false),
      presentment: rules.lineSubtotal(line.plan, q, f),
    };
    const tax: Amounts = { shop: rules.tax(sub.shop), presentment: rules.tax(sub.presentment) };
    const json: Json = {
      id: line.id,
      admin_graphql_api_id: gid("LineItem", line.id),
      attributed_staffs: [],
      current_quantity: line.currentQuantity,
      fulfillable_quantity: order.fulfilledAt === null ? line.currentQuantity : 0,
      fulfillment_service: "manual",
      fulfillment_status: order.fulfilledAt === null ? null : "fulfilled",
      gift_card: false,
      grams: product?.grams ?? 0,
      name: product
        ? product.variantTitle
          ? `${product.title} - ${product.variantTitle}`
          : product.title
        : "",
      price: this.amount(line.plan.unitMinor),
      price_set: this.set(
        { shop: line.plan.unitMinor, presentment: rules.present(line.plan.unitMinor, f) },
        f,
      ),
      product_exists: true,
      product_id: product?.productId ?? null,
      properties: [],
      quantity: q,
      requires_shipping: true,
      sku: product?.sku ?? null,
      taxable: true,
      title: product?.title ?? "",
      total_discount: this.amount(discount.shop),
      total_discount_set: this.set(discount, f),
      variant_id: product?.variantId ?? null,
      variant_inventory_management: "shopify",
      variant_title: product?.variantTitle ?? null,
      vendor: product?.vendor ?? null,
      tax_lines: [
        {
          channel_liable: false,
          price: this.amount(tax.shop),
          price_set: this.set(tax, f),
          rate: rules.taxRate,
          title: this.store.spec.region.locale === "ja" ? "消費税" : "Tax",
        },
      ],
      duties: [],
      discount_allocations:
        discount.shop > 0
          ? [
              {
                amount: this.amount(discount.shop),
                amount_set: this.set(discount, f),
                discount_application_index: 0,
              },
            ]
          : [],
    };
    if (sellingPlan) {
      json.selling_plan_allocation = {
        selling_plan: { id: sellingPlan.id, name: sellingPlan.name },
      };
    }
    return json;
  }

  refund(order: OrderState, refund: RefundState): Json {
    const f = order.plan.foreignPresentment;
    const spec = this.store.spec;
    return {
      id: refund.id,
      admin_graphql_api_id: gid("Refund", refund.id),
      created_at: this.time(refund.at),
      note: refund.note,
      order_id: order.id,
      processed_at: this.time(refund.at),
      restock: true,
      total_duties_set: this.set({ shop: 0, presentment: 0 }, f),
      user_id: null,
      order_adjustments: [],
      transactions: [
        {
          id: refund.transactionId,
          admin_graphql_api_id: gid("OrderTransaction", refund.transactionId),
          amount: this.amount(refund.amount.presentment, f),
          authorization: null,
          created_at: this.time(refund.at),
          currency: (f ? spec.presentment.currency : spec.currency).code,
          device_id: null,
          error_code: null,
          gateway: order.plan.gateway,
          kind: "refund",
          location_id: null,
          message: null,
          order_id: order.id,
          parent_id: transactionId(order.rank, 0),
          payment_id: `c${order.id}.${refund.index + 2}`,
          processed_at: this.time(refund.at),
          receipt: {},
          source_name: "web",
          status: "success",
          test: order.plan.test,
          user_id: null,
        },
      ],
      refund_line_items: refund.lines.map((line) => ({
        id: line.id,
        line_item_id: order.lines[line.lineIndex]?.id ?? null,
        location_id: null,
        quantity: line.quantity,
        restock_type: order.cancelledAt !== null ? "cancel" : "return",
        subtotal: this.amount(line.subtotal.shop),
        subtotal_set: this.set(line.subtotal, f),
        total_tax: this.amount(line.tax.shop),
        total_tax_set: this.set(line.tax, f),
        line_item: this.lineItem(order, line.lineIndex),
      })),
      duties: [],
      return: null,
    };
  }

  order(serial: number, asOf: number): Json {
    const store = this.store;
    const spec = store.spec;
    const order = store.orderState(serial, asOf);
    const totals = store.totals(order);
    const f = order.plan.foreignPresentment;
    const customerSlot =
      store.orderCustomerId(serial, asOf) === null ? null : store.slotOfSerial(serial);
    const customer = customerSlot === null ? null : store.customerState(customerSlot, asOf, false);
    const email = customer
      ? `${customer.plan.emailLocal}.${customer.id % 100000n}@example.com`
      : `guest.${order.number}@example.net`;
    const status = financialStatus(order, totals).toLowerCase();
    const shippingTax = store.rules.tax(totals.shipping.shop);
    return {
      id: order.id,
      admin_graphql_api_id: gid("Order", order.id),
      app_id: /^\d+$/.test(order.plan.sourceName) ? Number(order.plan.sourceName) : 580111,
      browser_ip: null,
      buyer_accepts_marketing: customer?.plan.acceptsMarketing ?? false,
      cancel_reason: order.cancelReason?.toLowerCase() ?? null,
      cancelled_at: this.time(order.cancelledAt),
      cart_token: null,
      checkout_id: order.id + 11n,
      checkout_token: `c${order.id.toString(36)}`,
      client_details: null,
      closed_at: this.time(order.closedAt),
      company: null,
      confirmation_number: order.id.toString(36).toUpperCase().slice(-9),
      confirmed: true,
      contact_email: email,
      created_at: this.time(order.createdAt),
      currency: spec.currency.code,
      current_subtotal_price: this.amount(totals.currentSubtotal.shop),
      current_subtotal_price_set: this.set(totals.currentSubtotal, f),
      current_total_additional_fees_set: null,
      current_total_discounts: this.amount(totals.currentDiscounts.shop),
      current_total_discounts_set: this.set(totals.currentDiscounts, f),
      current_total_duties_set: null,
      current_total_price: this.amount(totals.currentTotal.shop),
      current_total_price_set: this.set(totals.currentTotal, f),
      current_total_tax: this.amount(totals.currentTax.shop),
      current_total_tax_set: this.set(totals.currentTax, f),
      customer_locale: spec.region.locale,
      device_id: null,
      discount_codes: order.plan.discountCode
        ? [
            {
              code: order.plan.discountCode,
              amount: this.amount(totals.discounts.shop),
              type: "percentage",
            },
          ]
        : [],
      duties_included: false,
      email,
      estimated_taxes: false,
      financial_status: status,
      fulfillment_status: order.fulfilledAt === null ? null : "fulfilled",
      // The REST payload's only journey fields: the order's (last) visit, as a relative
      // landing URL with its query and the referrer. No first touch, no UTM breakdown.
      landing_site: landingSite(journeyOf(this.store.world, order)?.lastVisit?.landingPage),
      landing_site_ref: null,
      location_id: null,
      merchant_of_record_app_id: null,
      name: order.name,
      note: null,
      note_attributes: [],
      number: order.number - 1000,
      order_number: order.number,
      order_status_url: `https://${spec.domain}/${this.shopId}/orders/${order.id.toString(16)}/authenticate`,
      original_total_additional_fees_set: null,
      original_total_duties_set: null,
      payment_gateway_names: [order.plan.gateway],
      phone: null,
      po_number: null,
      presentment_currency: (f ? spec.presentment.currency : spec.currency).code,
      processed_at: this.time(order.processedAt),
      reference: null,
      referring_site: journeyOf(this.store.world, order)?.lastVisit?.referrerUrl ?? null,
      source_identifier: null,
      source_name: order.plan.sourceName,
      source_url: null,
      subtotal_price: this.amount(totals.subtotal.shop),
      subtotal_price_set: this.set(totals.subtotal, f),
      tags: [...order.tags]
        .sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()))
        .join(", "),
      tax_exempt: false,
      tax_lines: [
        {
          price: this.amount(totals.tax.shop),
          rate: store.rules.taxRate,
          title: spec.region.locale === "ja" ? "消費税" : "Tax",
          price_set: this.set(totals.tax, f),
          channel_liable: false,
        },
      ],
      taxes_included: store.rules.taxesIncluded,
      test: order.plan.test,
      token: order.id.toString(16),
      total_discounts: this.amount(totals.discounts.shop),
      total_discounts_set: this.set(totals.discounts, f),
      total_line_items_price: this.amount(totals.lineItems.shop),
      total_line_items_price_set: this.set(totals.lineItems, f),
      total_outstanding: this.amount(
        order.paidAt === null && !order.voided ? totals.currentTotal.shop : 0,
      ),
      total_price: this.amount(totals.total.shop),
      total_price_set: this.set(totals.total, f),
      total_shipping_price_set: this.set(totals.shipping, f),
      total_tax: this.amount(totals.tax.shop),
      total_tax_set: this.set(totals.tax, f),
      total_tip_received: this.amount(0),
      total_weight: order.lines.reduce(
        (sum, l) =>
          sum + (store.world.catalog.products[l.plan.product]?.grams ?? 0) * l.plan.quantity,
        0,
      ),
      updated_at: this.time(order.updatedAt),
      user_id: null,
      billing_address: this.address(customer),
      customer: customer ? (({ addresses: _a, ...rest }) => rest)(this.customer(customer)) : null,
      discount_applications: order.plan.discountCode
        ? [
            {
              target_type: "line_item",
              type: "discount_code",
              value: "10.0",
              value_type: "percentage",
              allocation_method: "across",
              target_selection: "all",
              code: order.plan.discountCode,
            },
          ]
        : [],
      fulfillments: [],
      line_items: order.lines.map((_, i) => this.lineItem(order, i)),
      payment_terms: null,
      refunds: order.refunds.map((refund) => this.refund(order, refund)),
      shipping_address: this.address(customer),
      shipping_lines: [
        {
          id: order.id + 3n,
          carrier_identifier: null,
          code: "Standard",
          discounted_price: this.amount(totals.shipping.shop),
          discounted_price_set: this.set(totals.shipping, f),
          is_removed: false,
          phone: null,
          price: this.amount(totals.shipping.shop),
          price_set: this.set(totals.shipping, f),
          requested_fulfillment_service_id: null,
          source: "shopify",
          title: "Standard",
          tax_lines: [
            {
              price: this.amount(shippingTax),
              rate: store.rules.taxRate,
              title: "Tax",
              channel_liable: false,
            },
          ],
          discount_allocations: [],
        },
      ],
    };
  }

  /**
   * inventory_items/update (REST InventoryItem): `cost` is a decimal string without its
   * currency, and no variant id; Kizuna reads the item by id instead (see README).
   */
  inventoryItem(variant: FakeVariant): Json {
    const product = this.store.world.catalog.products[variant.index];
    return {
      id: variant.inventoryItemId,
      sku: product?.sku ?? null,
      created_at: this.time(this.store.spec.startSec),
      updated_at: this.time(variant.itemUpdatedAt),
      requires_shipping: !variant.giftCard,
      cost:
        variant.costMinor === null
          ? null
          : restDecimal(variant.costMinor, currencyInfo(variant.currency).decimals),
      country_code_of_origin: null,
      province_code_of_origin: null,
      harmonized_system_code: null,
      tracked: true,
      country_harmonized_system_codes: [],
      admin_graphql_api_id: gid("InventoryItem", variant.inventoryItemId),
    };
  }

  /**
   * collections/create and collections/update (REST Collection): no product list
   * (https://shopify.dev/docs/api/webhooks, 2026-10 samples).
   */
  collection(collection: FakeCollection): Json {
    return {
      id: collection.collectionId,
      handle: collection.handle,
      title: collection.title,
      updated_at: this.time(collection.updatedAt),
      body_html: "",
      published_at: this.time(this.store.spec.startSec),
      sort_order: "best-selling",
      template_suffix: null,
      published_scope: "web",
      admin_graphql_api_id: gid("Collection", collection.collectionId),
    };
  }

  /** collections/delete: the id only, as Shopify's sample. */
  collectionDeleted(collectionId: number): Json {
    return {
      id: collectionId,
      published_scope: "web",
      admin_graphql_api_id: gid("Collection", collectionId),
    };
  }

  /** products/update (REST Product): variants with prices and inventory item ids, no costs. */
  product(variants: readonly FakeVariant[]): Json {
    const first = variants[0];
    if (!first) throw new Error("a product has at least one variant");
    const product = this.store.world.catalog.products[first.index];
    const decimals = this.store.spec.currency.decimals;
    return {
      admin_graphql_api_id: gid("Product", first.productId),
      id: first.productId,
      title: product?.title ?? "Gift card",
      vendor: product?.vendor ?? this.store.spec.name,
      product_type: first.productType,
      status: "active",
      created_at: this.time(this.store.spec.startSec),
      updated_at: this.time(first.productUpdatedAt),
      tags: "",
      variants: variants.map((v, i) => ({
        admin_graphql_api_id: gid("ProductVariant", v.variantId),
        id: v.variantId,
        product_id: v.productId,
        title: this.store.world.catalog.products[v.index]?.variantTitle ?? "Default Title",
        price: restDecimal(this.store.world.catalog.products[v.index]?.priceMinor ?? 0, decimals),
        position: i + 1,
        inventory_item_id: v.inventoryItemId,
        created_at: this.time(this.store.spec.startSec),
        updated_at: this.time(v.productUpdatedAt),
      })),
    };
  }

  orderDeleted(id: bigint): Json {
    return { id };
  }

  refundCreated(serial: number, refundIndex: number, asOf: number): Json | null {
    const order = this.store.orderState(serial, asOf);
    const refund = order.refunds[refundIndex];
    return refund ? this.refund(order, refund) : null;
  }

  shop(): Json {
    const spec = this.store.spec;
    const tz = this.store.world.calendar.tz;
    const now = this.store.now();
    return {
      id: this.shopId,
      name: spec.name,
      email: `owner@${spec.domain}`,
      domain: spec.domain,
      province: null,
      country: spec.region.locale === "ja" ? "JP" : "US",
      address1: null,
      zip: null,
      city: null,
      source: null,
      phone: null,
      latitude: null,
      longitude: null,
      primary_locale: spec.region.locale,
      address2: null,
      created_at: this.time(spec.startSec - 86_400),
      updated_at: this.time(now),
      country_code: spec.region.locale === "ja" ? "JP" : "US",
      country_name: spec.region.locale === "ja" ? "Japan" : "United States",
      currency: spec.currency.code,
      customer_email: `support@${spec.domain}`,
      timezone: `(GMT${tz.offsetString(now)}) ${spec.timezone}`,
      iana_timezone: spec.timezone,
      shop_owner: "Shop Owner",
      money_format: spec.currency.code === "JPY" ? "¥{{amount_no_decimals}}" : "${{amount}}",
      money_with_currency_format:
        spec.currency.code === "JPY"
          ? "¥{{amount_no_decimals}} JPY"
          : `\${{amount}} ${spec.currency.code}`,
      weight_unit: spec.currency.code === "USD" ? "lb" : "kg",
      province_code: null,
      taxes_included: this.store.rules.taxesIncluded,
      auto_configure_tax_inclusivity: null,
      tax_shipping: null,
      county_taxes: true,
      plan_display_name: spec.plan,
      plan_name: spec.plan,
      has_discounts: true,
      has_gift_cards: false,
      myshopify_domain: spec.domain,
      google_apps_domain: null,
      google_apps_login_enabled: null,
      money_in_emails_format: "{{amount}}",
      money_with_currency_in_emails_format: `{{amount}} ${spec.currency.code}`,
      eligible_for_payments: true,
      requires_extra_payments_agreement: false,
      password_enabled: false,
      has_storefront: true,
      finances: true,
      primary_location_id: this.shopId + 1,
      checkout_api_supported: true,
      multi_location_enabled: true,
      setup_required: false,
      pre_launch_enabled: false,
      enabled_presentment_currencies: [spec.currency.code, spec.presentment.currency.code],
      marketing_sms_consent_enabled_at_checkout: false,
      transactional_sms_disabled: false,
    };
  }

  bulkFinished(op: BulkOperationView): Json {
    return {
      admin_graphql_api_id: gid("BulkOperation", op.id),
      completed_at: this.time(op.completedAt),
      created_at: this.time(op.createdAt),
      error_code: op.errorCode?.toLowerCase() ?? null,
      status: op.status.toLowerCase(),
      type: op.type.toLowerCase(),
    };
  }

  scopesUpdate(installationId: number, previous: string[], current: string[]): Json {
    const now = this.time(this.store.now());
    return { id: installationId, previous, current, updated_at: now, created_at: now };
  }

  customerDataRequest(customer: CustomerState, orderIds: bigint[], requestId: number): Json {
    return {
      shop_id: this.shopId,
      shop_domain: this.store.spec.domain,
      orders_requested: orderIds,
      customer: {
        id: customer.id,
        email: `${customer.plan.emailLocal}.${customer.id % 100000n}@example.com`,
        phone: null,
      },
      data_request: { id: requestId },
    };
  }

  customerRedact(customer: CustomerState, orderIds: bigint[]): Json {
    return {
      shop_id: this.shopId,
      shop_domain: this.store.spec.domain,
      customer: {
        id: customer.id,
        email: `${customer.plan.emailLocal}.${customer.id % 100000n}@example.com`,
        phone: null,
      },
      orders_to_redact: orderIds,
    };
  }

  shopRedact(): Json {
    return { shop_id: this.shopId, shop_domain: this.store.spec.domain };
  }
}
