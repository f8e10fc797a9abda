// Field resolvers per GraphQL object type, over the store's domain states. Shared by the
// request executor (through graphql-js) and the bulk exporter (which calls them directly).
import type { CustomerState } from "../model/customer-state";
import type { LineState, OrderState, RefundLineState, RefundState } from "../model/order-state";
import { financialStatus } from "../model/order-state";
import type { Amounts } from "../model/order-state";
import { transactionId } from "../model/ids";
import { attributionOf, journeyOf } from "../generator/journey";
import { gid } from "../util/gid";
import { graphqlDecimal } from "../util/money";
import { isoUtc } from "../util/time";
import { paginateList, type PageArgs, PaginationError } from "../store/pagination";
import { GraphQLError } from "graphql";
import { requireScope, type ResolverContext } from "./context";

export interface OrderNode {
  readonly __typename: "Order";
  readonly serial: number;
  readonly state: OrderState;
}
export interface CustomerNode {
  readonly __typename: "Customer";
  readonly slot: number;
  readonly state: CustomerState;
}
export interface LineItemNode {
  readonly __typename: "LineItem";
  readonly order: OrderNode;
  readonly line: LineState;
}
export interface RefundNode {
  readonly __typename: "Refund";
  readonly order: OrderNode;
  readonly refund: RefundState;
}
export interface RefundLineItemNode {
  readonly __typename: "RefundLineItem";
  readonly refund: RefundNode;
  readonly line: RefundLineState;
}
export interface TransactionNode {
  readonly __typename: "OrderTransaction";
  readonly order: OrderNode;
  readonly id: number;
  readonly kind: "SALE" | "REFUND" | "VOID" | "AUTHORIZATION";
  readonly amount: Amounts;
  readonly at: number;
}

export type Args = Record<string, unknown>;
export type FieldResolver<S> = (source: S, args: Args, ctx: ResolverContext) => unknown;
export type TypeResolvers<S> = Record<string, FieldResolver<S>>;

// ── constructors ──────────────────────────────────────────────────────────────────────

export function orderNode(ctx: ResolverContext, serial: number): OrderNode {
  return { __typename: "Order", serial, state: ctx.store.orderState(serial) };
}

/** Customer state is folded on first use: `customer { id }` on every order stays cheap. */
class LazyCustomerNode implements CustomerNode {
  readonly __typename = "Customer";
  readonly slot: number;
  private readonly ctx: ResolverContext;
  private cached: CustomerState | null = null;

  constructor(ctx: ResolverContext, slot: number) {
    this.ctx = ctx;
    this.slot = slot;
  }

  get state(): CustomerState {
    if (!this.cached) {
      const state = this.ctx.store.customerState(this.slot);
      if (!state) throw new GraphQLError(`customer slot ${this.slot} has no customer`);
      this.cached = state;
    }
    return this.cached;
  }
}

export function customerNode(ctx: ResolverContext, slot: number): CustomerNode | null {
  return ctx.store.hasCustomer(slot) ? new LazyCustomerNode(ctx, slot) : null;
}

export function pageArgs(args: Args): PageArgs {
  const num = (v: unknown) => (typeof v === "number" ? v : null);
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    first: num(args.first),
    last: num(args.last),
    after: str(args.after),
    before: str(args.before),
    reverse: args.reverse === true,
  };
}

/** Shopify's connection argument rules, as errors at the connection field. */
export function checkPageArgs(field: string, args: PageArgs): void {
  if (args.first === null && args.last === null) {
    throw new GraphQLError("you must provide one of first or last");
  }
  if (args.first !== null && args.last !== null) {
    throw new GraphQLError(
      `Passing both \`first\` and \`last\` to paginate the \`${field}\` connection is not supported.`,
    );
  }
  const size = args.first ?? args.last ?? 0;
  if (size < 0 || size > 250) {
    throw new GraphQLError(
      `The ${args.first !== null ? "first" : "last"} argument on ${field} must be between 0 and 250 (got ${size}).`,
      {
        extensions: { code: "BAD_REQUEST" },
      },
    );
  }
}

export function connection<T>(
  field: string,
  items: readonly T[],
  idOf: (item: T) => number | bigint,
  args: Args,
): { edges: Array<{ cursor: string; node: T }>; nodes: T[]; pageInfo: Record<string, unknown> } {
  const page = pageArgs(args);
  checkPageArgs(field, page);
  try {
    const result = paginateList(items, idOf, page);
    return {
      edges: result.items.map((node, i) => ({ cursor: result.cursors[i] ?? "", node })),
      nodes: result.items,
      pageInfo: {
        hasNextPage: result.hasNextPage,
        hasPreviousPage: result.hasPreviousPage,
        startCursor: result.cursors[0] ?? null,
        endCursor: result.cursors.at(-1) ?? null,
      },
    };
  } catch (error) {
    if (error instanceof PaginationError) throw new GraphQLError(error.message);
    throw error;
  }
}

// ── money ─────────────────────────────────────────────────────────────────────────────

export function money(
  ctx: ResolverContext,
  minor: number,
  presentment = false,
): { amount: string; currencyCode: string } {
  const currency = presentment ? ctx.spec.presentment.currency : ctx.spec.currency;
  return { amount: graphqlDecimal(minor, currency.decimals), currencyCode: currency.code };
}

export function moneyBag(
  ctx: ResolverContext,
  amounts: Amounts,
  foreign: boolean,
): Record<string, unknown> {
  return {
    shopMoney: money(ctx, amounts.shop),
    presentmentMoney: money(ctx, amounts.presentment, foreign),
  };
}

function orderBag(
  ctx: ResolverContext,
  node: OrderNode,
  pick: (t: ReturnType<ResolverContext["store"]["totals"]>) => Amounts,
) {
  return moneyBag(ctx, pick(ctx.store.totals(node.state)), node.state.plan.foreignPresentment);
}

// ── emails (synthetic; the app must not store them) ───────────────────────────────────

export function customerEmail(state: CustomerState): string {
  return `${state.plan.emailLocal}.${state.id % 100000n}@example.com`;
}

export function orderEmail(ctx: ResolverContext, node: OrderNode): string {
  const slot = ctx.store.orderCustomerSlot(node.serial);
  const customer = slot === null ? null : ctx.store.customerPlan(slot);
  return customer
    ? `${customer.emailLocal}.${ctx.store.customerId(slot ?? 0) % 100000n}@example.com`
    : `guest.${node.state.number}@example.net`;
}

// ── children lists (connections resolve through these; bulk exports read them whole) ──

export function lineItemsOf(order: OrderNode): LineItemNode[] {
  return order.state.lines.map((line) => ({ __typename: "LineItem", order, line }));
}

export function refundsOf(order: OrderNode): RefundNode[] {
  return order.state.refunds.map((refund) => ({ __typename: "Refund", order, refund }));
}

export function transactionsOf(order: OrderNode, ctx: ResolverContext): TransactionNode[] {
  const state = order.state;
  const totals = ctx.store.totals(state);
  const out: TransactionNode[] = [];
  const captured = state.paidAt !== null || state.refunds.length > 0;
  if (captured || state.voided) {
    out.push({
      __typename: "OrderTransaction",
      order,
      id: transactionId(state.rank, 0),
      kind: "SALE",
      amount: totals.total,
      at: state.paidAt ?? state.createdAt,
    });
  }
  for (const refund of state.refunds) {
    out.push({
      __typename: "OrderTransaction",
      order,
      id: refund.transactionId,
      kind: "REFUND",
      amount: refund.amount,
      at: refund.at,
    });
  }
  return out;
}

export function refundTransactionsOf(refund: RefundNode): TransactionNode[] {
  return [
    {
      __typename: "OrderTransaction",
      order: refund.order,
      id: refund.refund.transactionId,
      kind: "REFUND",
      amount: refund.refund.amount,
      at: refund.refund.at,
    },
  ];
}

export function refundLineItemsOf(refund: RefundNode): RefundLineItemNode[] {
  return refund.refund.lines.map((line) => ({ __typename: "RefundLineItem", refund, line }));
}

export function customerOrdersOf(ctx: ResolverContext, customer: CustomerNode): OrderNode[] {
  return ctx.store.customerOrderSerials(customer.slot).map((serial) => orderNode(ctx, serial));
}

/** Connection fields and how to list all their items (bulk exports ignore pagination). */
export const CONNECTION_CHILDREN: Record<
  string,
  Record<string, (source: never, ctx: ResolverContext) => unknown[]>
> = {
  Order: {
    lineItems: (order: OrderNode) => lineItemsOf(order),
    transactions: (order: OrderNode, ctx: ResolverContext) => transactionsOf(order, ctx),
  },
  Customer: {
    orders: (customer: CustomerNode, ctx: ResolverContext) => {
      requireScope(ctx, "orders", "read_orders");
      return customerOrdersOf(ctx, customer);
    },
  },
  Refund: {
    refundLineItems: (refund: RefundNode) => refundLineItemsOf(refund),
    transactions: (refund: RefundNode) => refundTransactionsOf(refund),
  },
};

// ── type resolvers ────────────────────────────────────────────────────────────────────

const order: TypeResolvers<OrderNode> = {
  id: (o) => gid("Order", o.state.id),
  legacyResourceId: (o) => String(o.state.id),
  name: (o) => o.state.name,
  number: (o) => o.state.number,
  createdAt: (o) => isoUtc(o.state.createdAt),
  updatedAt: (o) => isoUtc(o.state.updatedAt),
  processedAt: (o) => isoUtc(o.state.processedAt),
  cancelledAt: (o) => (o.state.cancelledAt === null ? null : isoUtc(o.state.cancelledAt)),
  cancelReason: (o) => o.state.cancelReason,
  closed: (o) => o.state.closedAt !== null,
  closedAt: (o) => (o.state.closedAt === null ? null : isoUtc(o.state.closedAt)),
  confirmed: () => true,
  test: (o) => o.state.plan.test,
  sourceName: (o) => o.state.plan.sourceName,
  currencyCode: (_o, _a, ctx) => ctx.spec.currency.code,
  presentmentCurrencyCode: (o, _a, ctx) =>
    (o.state.plan.foreignPresentment ? ctx.spec.presentment.currency : ctx.spec.currency).code,
  displayFinancialStatus: (o, _a, ctx) => financialStatus(o.state, ctx.store.totals(o.state)),
  displayFulfillmentStatus: (o) => (o.state.fulfilledAt !== null ? "FULFILLED" : "UNFULFILLED"),
  fullyPaid: (o) => o.state.paidAt !== null && !o.state.voided,
  email: (o, _a, ctx) => orderEmail(ctx, o),
  note: () => null,
  tags: (o) => [...o.state.tags].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())),
  taxesIncluded: (_o, _a, ctx) => ctx.store.rules.taxesIncluded,
  paymentGatewayNames: (o) => [o.state.plan.gateway],
  discountCode: (o) => o.state.plan.discountCode,
  discountCodes: (o) => (o.state.plan.discountCode ? [o.state.plan.discountCode] : []),
  attribution: (o) => attributionOf(o.state.plan.sourceName),
  customerJourneySummary: (o, _a, ctx) => journeyOf(ctx.store.world, o.state),
  customer: (o, _a, ctx) => {
    requireScope(ctx, "customer", "read_customers");
    const slot = ctx.store.orderCustomerSlot(o.serial);
    return slot === null ? null : customerNode(ctx, slot);
  },
  totalPriceSet: (o, _a, ctx) => orderBag(ctx, o, (t) => t.total),
  subtotalPriceSet: (o, _a, ctx) => orderBag(ctx, o, (t) => t.subtotal),
  currentTotalPriceSet: (o, _a, ctx) => orderBag(ctx, o, (t) => t.currentTotal),
  currentSubtotalPriceSet: (o, _a, ctx) => orderBag(ctx, o, (t) => t.currentSubtotal),
  totalRefundedSet: (o, _a, ctx) => orderBag(ctx, o, (t) => t.refunded),
  totalDiscountsSet: (o, _a, ctx) => orderBag(ctx, o, (t) => t.discounts),
  currentTotalDiscountsSet: (o, _a, ctx) => orderBag(ctx, o, (t) => t.currentDiscounts),
  totalTaxSet: (o, _a, ctx) => orderBag(ctx, o, (t) => t.tax),
  currentTotalTaxSet: (o, _a, ctx) => orderBag(ctx, o, (t) => t.currentTax),
  totalShippingPriceSet: (o, _a, ctx) => orderBag(ctx, o, (t) => t.shipping),
  totalLineItemsPriceSet: (o, _a, ctx) => orderBag(ctx, o, (t) => t.lineItems),
  netPaymentSet: (o, _a, ctx) => orderBag(ctx, o, (t) => t.netPayment),
  subtotalLineItemsQuantity: (o, _a, ctx) => ctx.store.totals(o.state).quantity,
  currentSubtotalLineItemsQuantity: (o, _a, ctx) => ctx.store.totals(o.state).currentQuantity,
  lineItems: (o, args) => connection("lineItems", lineItemsOf(o), (l) => l.line.id, args),
  refunds: (o, args) => {
    const all = refundsOf(o);
    return typeof args.first === "number" ? all.slice(0, args.first) : all;
  },
  transactions: (o, args, ctx) => {
    const all = transactionsOf(o, ctx);
    return typeof args.first === "number" ? all.slice(0, args.first) : all;
  },
};

const customer: TypeResolvers<CustomerNode> = {
  id: (c, _a, ctx) => gid("Customer", ctx.store.customerId(c.slot)),
  legacyResourceId: (c, _a, ctx) => String(ctx.store.customerId(c.slot)),
  createdAt: (c) => isoUtc(c.state.createdAt),
  updatedAt: (c) => isoUtc(c.state.updatedAt),
  tags: (c) => c.state.tags,
  numberOfOrders: (c) => String(c.state.numberOfOrders),
  amountSpent: (c, _a, ctx) => money(ctx, c.state.amountSpentMinor),
  state: (c) => c.state.state,
  email: (c) => customerEmail(c.state),
  // Since 2025-04 (2026-10 deprecates `email` for it); the fake's customers all have one.
  defaultEmailAddress: (c) => ({
    __typename: "CustomerEmailAddress",
    emailAddress: customerEmail(c.state),
    validFormat: true,
  }),
  firstName: (c) => c.state.plan.firstName,
  lastName: (c) => c.state.plan.lastName,
  displayName: (c) => `${c.state.plan.firstName} ${c.state.plan.lastName}`,
  verifiedEmail: (c) => c.state.state === "ENABLED",
  taxExempt: () => false,
  note: () => null,
  locale: (_c, _a, ctx) => ctx.spec.region.locale,
  lastOrder: (c, _a, ctx) => {
    requireScope(ctx, "lastOrder", "read_orders");
    const serial =
      c.state.lastOrderId === null ? -1 : ctx.store.serialOfOrderId(c.state.lastOrderId);
    return serial < 0 ? null : orderNode(ctx, serial);
  },
  orders: (c, args, ctx) => {
    requireScope(ctx, "orders", "read_orders");
    return connection("orders", customerOrdersOf(ctx, c), (o) => o.state.id, args);
  },
};

const lineItem: TypeResolvers<LineItemNode> = {
  id: (l) => gid("LineItem", l.line.id),
  title: (l, _a, ctx) => ctx.store.world.catalog.products[l.line.plan.product]?.title ?? "",
  name: (l, _a, ctx) => {
    const p = ctx.store.world.catalog.products[l.line.plan.product];
    return p ? (p.variantTitle ? `${p.title} - ${p.variantTitle}` : p.title) : "";
  },
  variantTitle: (l, _a, ctx) =>
    ctx.store.world.catalog.products[l.line.plan.product]?.variantTitle ?? null,
  sku: (l, _a, ctx) => ctx.store.world.catalog.products[l.line.plan.product]?.sku ?? null,
  vendor: (l, _a, ctx) => ctx.store.world.catalog.products[l.line.plan.product]?.vendor ?? null,
  quantity: (l) => l.line.plan.quantity,
  currentQuantity: (l) => l.line.currentQuantity,
  refundableQuantity: (l) => (l.order.state.paidAt === null ? 0 : l.line.currentQuantity),
  unfulfilledQuantity: (l) => (l.order.state.fulfilledAt === null ? l.line.currentQuantity : 0),
  nonFulfillableQuantity: (l) => l.line.plan.quantity - l.line.currentQuantity,
  requiresShipping: () => true,
  taxable: () => true,
  isGiftCard: () => false,
  // The catalog's nodes (./catalog.ts resolves their fields, scopes included).
  product: (l, _a, ctx) => {
    const variant = ctx.store.variantCosts.ofCatalogIndex(l.line.plan.product);
    return variant ? { __typename: "Product", variant } : null;
  },
  variant: (l, _a, ctx) => {
    const variant = ctx.store.variantCosts.ofCatalogIndex(l.line.plan.product);
    return variant ? { __typename: "ProductVariant", variant } : null;
  },
  // The line's discount as one allocation (the fake's discounts are per line).
  discountAllocations: (l, _a, ctx) => {
    const f = l.order.state.plan.foreignPresentment;
    const rules = ctx.store.rules;
    const q = l.line.plan.quantity;
    const shop = rules.lineDiscount(l.line.plan, q, false);
    if (shop === 0) return [];
    const amounts = { shop, presentment: rules.lineDiscount(l.line.plan, q, f) };
    return [{ allocatedAmountSet: moneyBag(ctx, amounts, f) }];
  },
  sellingPlan: (l, _a, ctx) => {
    const index = l.line.plan.sellingPlan;
    const plan = index === null ? undefined : ctx.store.world.catalog.sellingPlans[index];
    return plan ? { name: plan.name, sellingPlanId: gid("SellingPlan", plan.id) } : null;
  },
  originalUnitPriceSet: (l, _a, ctx) => {
    const f = l.order.state.plan.foreignPresentment;
    const unit = l.line.plan.unitMinor;
    return moneyBag(ctx, { shop: unit, presentment: ctx.store.rules.present(unit, f) }, f);
  },
  discountedUnitPriceSet: (l, _a, ctx) => {
    const f = l.order.state.plan.foreignPresentment;
    const rules = ctx.store.rules;
    const unit = (foreign: boolean) =>
      Math.round(
        rules.lineSubtotal(l.line.plan, l.line.plan.quantity, foreign) / l.line.plan.quantity,
      );
    return moneyBag(ctx, { shop: unit(false), presentment: unit(f) }, f);
  },
  originalTotalSet: (l, _a, ctx) => {
    const f = l.order.state.plan.foreignPresentment;
    const q = l.line.plan.quantity;
    const rules = ctx.store.rules;
    return moneyBag(
      ctx,
      { shop: l.line.plan.unitMinor * q, presentment: rules.present(l.line.plan.unitMinor, f) * q },
      f,
    );
  },
  discountedTotalSet: (l, _a, ctx) => {
    const f = l.order.state.plan.foreignPresentment;
    const rules = ctx.store.rules;
    const q = l.line.plan.quantity;
    return moneyBag(
      ctx,
      {
        shop: rules.lineSubtotal(l.line.plan, q, false),
        presentment: rules.lineSubtotal(l.line.plan, q, f),
      },
      f,
    );
  },
  totalDiscountSet: (l, _a, ctx) => {
    const f = l.order.state.plan.foreignPresentment;
    const rules = ctx.store.rules;
    const q = l.line.plan.quantity;
    return moneyBag(
      ctx,
      {
        shop: rules.lineDiscount(l.line.plan, q, false),
        presentment: rules.lineDiscount(l.line.plan, q, f),
      },
      f,
    );
  },
};

const refund: TypeResolvers<RefundNode> = {
  id: (r) => gid("Refund", r.refund.id),
  legacyResourceId: (r) => String(r.refund.id),
  createdAt: (r) => isoUtc(r.refund.at),
  processedAt: (r) => isoUtc(r.refund.at),
  updatedAt: (r) => isoUtc(r.refund.at),
  note: (r) => r.refund.note,
  order: (r) => r.order,
  totalRefundedSet: (r, _a, ctx) =>
    moneyBag(ctx, r.refund.amount, r.order.state.plan.foreignPresentment),
  totalRefunded: (r, _a, ctx) =>
    money(ctx, r.refund.amount.presentment, r.order.state.plan.foreignPresentment),
  refundLineItems: (r, args) =>
    connection("refundLineItems", refundLineItemsOf(r), (l) => l.line.id, args),
  transactions: (r, args) => connection("transactions", refundTransactionsOf(r), (t) => t.id, args),
};

const refundLineItem: TypeResolvers<RefundLineItemNode> = {
  id: (r) => gid("RefundLineItem", r.line.id),
  quantity: (r) => r.line.quantity,
  restockType: (r) => (r.refund.order.state.cancelledAt !== null ? "CANCEL" : "RETURN"),
  restocked: () => true,
  lineItem: (r) => {
    const line = r.refund.order.state.lines[r.line.lineIndex];
    if (!line) throw new GraphQLError("refund line item without its line");
    return { __typename: "LineItem", order: r.refund.order, line } satisfies LineItemNode;
  },
  subtotalSet: (r, _a, ctx) =>
    moneyBag(ctx, r.line.subtotal, r.refund.order.state.plan.foreignPresentment),
  totalTaxSet: (r, _a, ctx) =>
    moneyBag(ctx, r.line.tax, r.refund.order.state.plan.foreignPresentment),
  priceSet: (r, _a, ctx) => {
    const f = r.refund.order.state.plan.foreignPresentment;
    const line = r.refund.order.state.lines[r.line.lineIndex];
    const unit = line?.plan.unitMinor ?? 0;
    return moneyBag(ctx, { shop: unit, presentment: ctx.store.rules.present(unit, f) }, f);
  },
};

const transaction: TypeResolvers<TransactionNode> = {
  id: (t) => gid("OrderTransaction", t.id),
  kind: (t) => t.kind,
  status: () => "SUCCESS",
  test: (t) => t.order.state.plan.test,
  gateway: (t) => t.order.state.plan.gateway,
  createdAt: (t) => isoUtc(t.at),
  processedAt: (t) => isoUtc(t.at),
  amountSet: (t, _a, ctx) => moneyBag(ctx, t.amount, t.order.state.plan.foreignPresentment),
};

export const NODE_RESOLVERS: Record<string, TypeResolvers<never>> = {
  Order: order,
  Customer: customer,
  LineItem: lineItem,
  Refund: refund,
  RefundLineItem: refundLineItem,
  OrderTransaction: transaction,
};
