// Ground truth in plain records, for tests to compare the app's database with. Order and
// customer ids are bigints (64-bit, exact); util/json.ts writes them as JSON.
import { attributionOf, journeyOf, type FakeJourneySummary } from "./generator/journey";
import type { CustomerState } from "./model/customer-state";
import { financialStatus, isSubscriptionOrder, type OrderState } from "./model/order-state";
import type { ShopStore } from "./store/shop-store";
import { gid } from "./util/gid";
import { isoUtc } from "./util/time";

export interface LineItemTruth {
  id: number;
  productId: number | null;
  variantId: number | null;
  quantity: number;
  currentQuantity: number;
  unitPriceMinor: number;
  /** Original total less the line's discount allocations, shop currency. */
  netMinor: number;
  sellingPlanId: number | null;
}

export interface RefundTruth {
  id: number;
  createdAt: string;
  amountMinor: number;
}

/** One order as Shopify has it now. Money: shop currency, integer minor units. */
export interface OrderTruth {
  id: bigint;
  gid: string;
  name: string;
  customerId: bigint | null;
  createdAt: string;
  processedAt: string;
  updatedAt: string;
  cancelledAt: string | null;
  cancelReason: string | null;
  closedAt: string | null;
  test: boolean;
  sourceName: string;
  currency: string;
  presentmentCurrency: string;
  financialStatus: string;
  fulfilled: boolean;
  totalMinor: number;
  subtotalMinor: number;
  currentTotalMinor: number;
  currentSubtotalMinor: number;
  refundedMinor: number;
  /** Paid minus refunded (Shopify's netPaymentSet); 0 for pending and voided orders. */
  netPaymentMinor: number;
  discountsMinor: number;
  taxMinor: number;
  shippingMinor: number;
  itemQuantity: number;
  currentItemQuantity: number;
  subscription: boolean;
  tags: string[];
  /** Order.attribution.handle (null: none). */
  channelHandle: string | null;
  discountCodes: string[];
  /** Order.customerJourneySummary as the fake serves it. */
  journey: FakeJourneySummary | null;
  lineItems: LineItemTruth[];
  refunds: RefundTruth[];
}

export interface CustomerTruth {
  id: bigint;
  gid: string;
  createdAt: string;
  updatedAt: string;
  tags: string[];
  state: string;
  numberOfOrders: number;
  amountSpentMinor: number;
}

export function orderTruth(store: ShopStore, serial: number, state: OrderState): OrderTruth {
  const totals = store.totals(state);
  const spec = store.spec;
  const catalog = store.world.catalog;
  return {
    id: state.id,
    gid: gid("Order", state.id),
    name: state.name,
    customerId: store.orderCustomerId(serial),
    createdAt: isoUtc(state.createdAt),
    processedAt: isoUtc(state.processedAt),
    updatedAt: isoUtc(state.updatedAt),
    cancelledAt: state.cancelledAt === null ? null : isoUtc(state.cancelledAt),
    cancelReason: state.cancelReason,
    closedAt: state.closedAt === null ? null : isoUtc(state.closedAt),
    test: state.plan.test,
    sourceName: state.plan.sourceName,
    currency: spec.currency.code,
    presentmentCurrency: (state.plan.foreignPresentment ? spec.presentment.currency : spec.currency)
      .code,
    financialStatus: financialStatus(state, totals),
    fulfilled: state.fulfilledAt !== null,
    totalMinor: totals.total.shop,
    subtotalMinor: totals.subtotal.shop,
    currentTotalMinor: totals.currentTotal.shop,
    currentSubtotalMinor: totals.currentSubtotal.shop,
    refundedMinor: totals.refunded.shop,
    netPaymentMinor: totals.netPayment.shop,
    discountsMinor: totals.discounts.shop,
    taxMinor: totals.tax.shop,
    shippingMinor: totals.shipping.shop,
    itemQuantity: totals.quantity,
    currentItemQuantity: totals.currentQuantity,
    subscription: isSubscriptionOrder(state),
    tags: [...state.tags].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())),
    channelHandle: attributionOf(state.plan.sourceName)?.handle ?? null,
    discountCodes: state.plan.discountCode ? [state.plan.discountCode] : [],
    journey: journeyOf(store.world, state),
    lineItems: state.lines.map((line) => ({
      id: line.id,
      productId: catalog.products[line.plan.product]?.productId ?? null,
      variantId: catalog.products[line.plan.product]?.variantId ?? null,
      netMinor:
        line.plan.unitMinor * line.plan.quantity -
        store.rules.lineDiscount(line.plan, line.plan.quantity, false),
      quantity: line.plan.quantity,
      currentQuantity: line.currentQuantity,
      unitPriceMinor: line.plan.unitMinor,
      sellingPlanId:
        line.plan.sellingPlan === null
          ? null
          : (catalog.sellingPlans[line.plan.sellingPlan]?.id ?? null),
    })),
    refunds: state.refunds.map((r) => ({
      id: r.id,
      createdAt: isoUtc(r.at),
      amountMinor: r.amount.shop,
    })),
  };
}

export function customerTruth(state: CustomerState): CustomerTruth {
  return {
    id: state.id,
    gid: gid("Customer", state.id),
    createdAt: isoUtc(state.createdAt),
    updatedAt: isoUtc(state.updatedAt),
    tags: [...state.tags],
    state: state.state,
    numberOfOrders: state.numberOfOrders,
    amountSpentMinor: state.amountSpentMinor,
  };
}
