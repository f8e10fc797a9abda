// An order's state at a moment: the fold of its plan's events up to that moment, plus the
// money arithmetic. Money is integer minor units; presentment amounts are computed from
// converted unit prices with their own rounding, as a second currency would be.
import type { LinePlan, OrderEventPlan, OrderPlan, CancelReason } from "../generator/plans";
import type { World } from "../generator/world";
import { convertMinor } from "../util/money";
import {
  lineItemId,
  MAX_LINES_PER_ORDER,
  MAX_REFUNDS_PER_ORDER,
  orderNumberOfRank,
  refundId,
  refundLineItemId,
  transactionId,
} from "./ids";

export type FinancialStatus = "PENDING" | "PAID" | "PARTIALLY_REFUNDED" | "REFUNDED" | "VOIDED";

/** Amounts in one currency (shop or presentment), minor units. */
export interface Amounts {
  shop: number;
  presentment: number;
}

export interface LineState {
  index: number;
  id: number;
  plan: LinePlan;
  currentQuantity: number;
  addedAt: number;
}

export interface RefundLineState {
  id: number;
  lineIndex: number;
  quantity: number;
  subtotal: Amounts;
  tax: Amounts;
}

export interface RefundState {
  index: number;
  id: number;
  transactionId: number;
  at: number;
  note: string | null;
  lines: RefundLineState[];
  shipping: Amounts;
  amount: Amounts;
}

export interface OrderState {
  plan: OrderPlan;
  rank: number;
  id: bigint;
  number: number;
  name: string;
  createdAt: number;
  processedAt: number;
  updatedAt: number;
  paidAt: number | null;
  fulfilledAt: number | null;
  cancelledAt: number | null;
  cancelReason: CancelReason | null;
  closedAt: number | null;
  deletedAt: number | null;
  voided: boolean;
  shippingRefunded: boolean;
  lines: LineState[];
  refunds: RefundState[];
  tags: string[];
  /** Next event after the fold moment, or null when the plan has no more. */
  nextEventAt: number | null;
  /** Memoised money (see ShopStore.totals). */
  totals?: OrderTotals;
}

export interface OrderTotals {
  lineItems: Amounts;
  discounts: Amounts;
  subtotal: Amounts;
  tax: Amounts;
  shipping: Amounts;
  total: Amounts;
  currentSubtotal: Amounts;
  currentDiscounts: Amounts;
  currentTax: Amounts;
  currentTotal: Amounts;
  refunded: Amounts;
  netPayment: Amounts;
  quantity: number;
  currentQuantity: number;
}

/** Per-shop money rules, resolved once. */
export class MoneyRules {
  readonly taxRate: number;
  readonly taxesIncluded: boolean;
  readonly world: World;

  constructor(world: World) {
    this.world = world;
    this.taxRate = world.spec.region.taxRate;
    this.taxesIncluded = world.spec.region.taxesIncluded;
  }

  /** Converts a shop-currency amount to the order's presentment currency. */
  present(minor: number, foreign: boolean): number {
    if (!foreign) return minor;
    const { spec } = this.world;
    return convertMinor(minor, spec.currency, spec.presentment.currency, spec.presentment.rate);
  }

  tax(subtotal: number): number {
    const r = this.taxRate;
    return Math.round(this.taxesIncluded ? (subtotal * r) / (1 + r) : subtotal * r);
  }

  /** Line subtotal (after discounts) at `quantity` units, in shop or presentment money. */
  lineSubtotal(line: LinePlan, quantity: number, foreign: boolean): number {
    const unit = this.present(line.unitMinor, foreign);
    const discount = this.present(line.discountMinor, foreign);
    return unit * quantity - Math.round((discount * quantity) / line.quantity);
  }

  lineDiscount(line: LinePlan, quantity: number, foreign: boolean): number {
    return Math.round((this.present(line.discountMinor, foreign) * quantity) / line.quantity);
  }

  /** What the customer pays on top of the subtotal for tax (0 when prices include tax). */
  addedTax(tax: number): number {
    return this.taxesIncluded ? 0 : tax;
  }
}

function both(fn: (foreign: boolean) => number, foreign: boolean): Amounts {
  return { shop: fn(false), presentment: foreign ? fn(true) : fn(false) };
}

function addTags(tags: string[], add: readonly string[], remove: readonly string[]): string[] {
  const lower = (s: string) => s.toLowerCase();
  const removed = new Set(remove.map(lower));
  const out = tags.filter((t) => !removed.has(lower(t)));
  for (const tag of add) if (!out.some((t) => lower(t) === lower(tag))) out.push(tag);
  return out;
}

function refundLines(
  rules: MoneyRules,
  state: OrderState,
  refundIndex: number,
  requests: Array<{ line: number; quantity: number }>,
): RefundLineState[] {
  const foreign = state.plan.foreignPresentment;
  const out: RefundLineState[] = [];
  for (const request of requests) {
    const line = state.lines[request.line];
    if (!line || line.currentQuantity <= 0) continue;
    const quantity = Math.min(request.quantity, line.currentQuantity);
    const before = line.currentQuantity;
    const after = before - quantity;
    const subtotal = both(
      (f) => rules.lineSubtotal(line.plan, before, f) - rules.lineSubtotal(line.plan, after, f),
      foreign,
    );
    const tax = both(
      (f) =>
        rules.tax(rules.lineSubtotal(line.plan, before, f)) -
        rules.tax(rules.lineSubtotal(line.plan, after, f)),
      foreign,
    );
    line.currentQuantity = after;
    out.push({
      id: refundLineItemId(state.rank, refundIndex, line.index),
      lineIndex: line.index,
      quantity,
      subtotal,
      tax,
    });
  }
  return out;
}

function applyRefund(
  rules: MoneyRules,
  state: OrderState,
  at: number,
  requests: Array<{ line: number; quantity: number }>,
  shipping: boolean,
  note: string | null,
): void {
  const index = state.refunds.length;
  if (index >= MAX_REFUNDS_PER_ORDER) return;
  const lines = refundLines(rules, state, index, requests);
  const foreign = state.plan.foreignPresentment;
  const refundShipping = shipping && !state.shippingRefunded && state.plan.shippingMinor > 0;
  const shippingAmount = refundShipping
    ? both((f) => rules.present(state.plan.shippingMinor, f), foreign)
    : { shop: 0, presentment: 0 };
  if (refundShipping) state.shippingRefunded = true;
  if (lines.length === 0 && !refundShipping) return;
  const sum = (pick: (f: boolean) => number) => both(pick, foreign);
  const amount = sum(
    (f) =>
      lines.reduce(
        (acc, l) =>
          acc +
          (f ? l.subtotal.presentment : l.subtotal.shop) +
          rules.addedTax(f ? l.tax.presentment : l.tax.shop),
        0,
      ) +
      (refundShipping
        ? (f ? shippingAmount.presentment : shippingAmount.shop) +
          rules.addedTax(rules.tax(f ? shippingAmount.presentment : shippingAmount.shop))
        : 0),
  );
  state.refunds.push({
    index,
    id: refundId(state.rank, index),
    transactionId: transactionId(state.rank, index + 1),
    at,
    note,
    lines,
    shipping: shippingAmount,
    amount,
  });
}

function allRemaining(state: OrderState): Array<{ line: number; quantity: number }> {
  return state.lines
    .filter((l) => l.currentQuantity > 0)
    .map((l) => ({ line: l.index, quantity: l.currentQuantity }));
}

function applyEvent(rules: MoneyRules, state: OrderState, event: OrderEventPlan): boolean {
  const cancelled = state.cancelledAt !== null;
  switch (event.kind) {
    case "paid":
      if (cancelled || state.paidAt !== null) return false;
      state.paidAt = event.at;
      return true;
    case "fulfilled":
      if (cancelled || state.fulfilledAt !== null) return false;
      state.fulfilledAt = event.at;
      state.closedAt = event.at;
      return true;
    case "edited": {
      if (cancelled || state.lines.length >= MAX_LINES_PER_ORDER) return false;
      const index = state.lines.length;
      state.lines.push({
        index,
        id: lineItemId(state.rank, index),
        plan: event.line,
        currentQuantity: event.line.quantity,
        addedAt: event.at,
      });
      return true;
    }
    case "tagged":
      state.tags = addTags(state.tags, event.add, event.remove);
      return true;
    case "refund": {
      if (cancelled || state.paidAt === null) return false;
      const before = state.refunds.length;
      applyRefund(
        rules,
        state,
        event.at,
        event.all ? allRemaining(state) : event.lines,
        event.shipping,
        event.note,
      );
      return state.refunds.length > before;
    }
    case "cancelled":
      if (cancelled) return false;
      state.cancelledAt = event.at;
      state.cancelReason = event.reason;
      state.closedAt = event.at;
      if (event.refund && state.paidAt !== null) {
        applyRefund(rules, state, event.at, allRemaining(state), true, null);
      } else {
        state.voided = true;
        state.paidAt = null;
      }
      for (const line of state.lines) line.currentQuantity = 0;
      return true;
    case "deleted":
      state.deletedAt = event.at;
      return true;
  }
}

/**
 * Folds `plan` up to and including `asOf`. `extraEvents` are changes made through the fake's
 * API; they are stamped at the moment they were made, after the store caught up with the
 * generated timeline, so generated and API events always fold in chronological order.
 */
export function foldOrder(
  rules: MoneyRules,
  plan: OrderPlan,
  rank: number,
  asOf: number,
  extraEvents: readonly OrderEventPlan[] = [],
  onApplied?: (event: OrderEventPlan, state: OrderState) => void,
): OrderState {
  const state: OrderState = {
    plan,
    rank,
    id: rules.world.ids.order(rank),
    number: orderNumberOfRank(rank),
    name: `#${orderNumberOfRank(rank)}`,
    createdAt: plan.createdAt,
    processedAt: plan.processedAt,
    updatedAt: plan.createdAt,
    paidAt: plan.pendingPayment ? null : plan.createdAt,
    fulfilledAt: null,
    cancelledAt: null,
    cancelReason: null,
    closedAt: null,
    deletedAt: null,
    voided: false,
    shippingRefunded: false,
    lines: plan.lines.map((line, index) => ({
      index,
      id: lineItemId(rank, index),
      plan: line,
      currentQuantity: line.quantity,
      addedAt: plan.createdAt,
    })),
    refunds: [],
    tags: [...plan.tags],
    nextEventAt: null,
  };
  // Stable sort: an API change made in the same second as a generated event applies after it.
  const events =
    extraEvents.length === 0
      ? plan.events
      : [...plan.events, ...extraEvents].sort((a, b) => a.at - b.at);
  for (const event of events) {
    if (event.at > asOf) {
      state.nextEventAt = event.at;
      break;
    }
    if (applyEvent(rules, state, event)) {
      state.updatedAt = Math.max(state.updatedAt, event.at);
      onApplied?.(event, state);
    }
    if (state.deletedAt !== null) break;
  }
  return state;
}

export function financialStatus(state: OrderState, totals: OrderTotals): FinancialStatus {
  if (state.voided) return "VOIDED";
  if (state.paidAt === null) return "PENDING";
  if (totals.refunded.shop > 0 && totals.refunded.shop >= totals.total.shop) return "REFUNDED";
  if (totals.refunded.shop > 0) return "PARTIALLY_REFUNDED";
  return "PAID";
}

interface CurrencyTotals {
  lineItems: number;
  discounts: number;
  subtotal: number;
  tax: number;
  shipping: number;
  total: number;
  currentSubtotal: number;
  currentDiscounts: number;
  currentTax: number;
  currentTotal: number;
  refunded: number;
  netPayment: number;
}

// Module-level on purpose: closures here run once per order in bulk exports.
function currencyTotals(rules: MoneyRules, state: OrderState, f: boolean): CurrencyTotals {
  let lineItems = 0;
  let discounts = 0;
  let subtotal = 0;
  let tax = 0;
  let currentSubtotal = 0;
  let currentDiscounts = 0;
  let currentTax = 0;
  for (const line of state.lines) {
    const plan = line.plan;
    lineItems += rules.present(plan.unitMinor, f) * plan.quantity;
    discounts += rules.lineDiscount(plan, plan.quantity, f);
    const sub = rules.lineSubtotal(plan, plan.quantity, f);
    subtotal += sub;
    tax += rules.tax(sub);
    const currentSub = rules.lineSubtotal(plan, line.currentQuantity, f);
    currentSubtotal += currentSub;
    currentDiscounts += rules.lineDiscount(plan, line.currentQuantity, f);
    currentTax += rules.tax(currentSub);
  }
  const shipping = rules.present(state.plan.shippingMinor, f);
  const shippingTax = rules.tax(shipping);
  const currentShipping = state.shippingRefunded || state.voided ? 0 : shipping;
  const total = subtotal + shipping + rules.addedTax(tax + shippingTax);
  const currentShippingTax = rules.tax(currentShipping);
  const currentTotal =
    currentSubtotal + currentShipping + rules.addedTax(currentTax + currentShippingTax);
  let refunded = 0;
  for (const refund of state.refunds)
    refunded += f ? refund.amount.presentment : refund.amount.shop;
  const paid = state.paidAt === null ? 0 : total;
  return {
    lineItems,
    discounts,
    subtotal,
    tax: tax + shippingTax,
    shipping,
    total,
    currentSubtotal,
    currentDiscounts,
    currentTax: currentTax + currentShippingTax,
    currentTotal,
    refunded,
    netPayment: paid - refunded,
  };
}

export function orderTotals(rules: MoneyRules, state: OrderState): OrderTotals {
  const shop = currencyTotals(rules, state, false);
  const pres = state.plan.foreignPresentment ? currencyTotals(rules, state, true) : shop;
  let quantity = 0;
  let currentQuantity = 0;
  for (const line of state.lines) {
    quantity += line.plan.quantity;
    currentQuantity += line.currentQuantity;
  }
  return {
    lineItems: { shop: shop.lineItems, presentment: pres.lineItems },
    discounts: { shop: shop.discounts, presentment: pres.discounts },
    subtotal: { shop: shop.subtotal, presentment: pres.subtotal },
    tax: { shop: shop.tax, presentment: pres.tax },
    shipping: { shop: shop.shipping, presentment: pres.shipping },
    total: { shop: shop.total, presentment: pres.total },
    currentSubtotal: { shop: shop.currentSubtotal, presentment: pres.currentSubtotal },
    currentDiscounts: { shop: shop.currentDiscounts, presentment: pres.currentDiscounts },
    currentTax: { shop: shop.currentTax, presentment: pres.currentTax },
    currentTotal: { shop: shop.currentTotal, presentment: pres.currentTotal },
    refunded: { shop: shop.refunded, presentment: pres.refunded },
    netPayment: { shop: shop.netPayment, presentment: pres.netPayment },
    quantity,
    currentQuantity,
  };
}

export function isSubscriptionOrder(state: OrderState): boolean {
  return state.lines.some((l) => l.plan.sellingPlan !== null);
}
