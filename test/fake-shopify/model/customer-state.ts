// A customer's state at a moment: the fold of the customer's events, plus aggregates over
// the orders the customer had placed by then.
import type { CustomerEventPlan, CustomerPlan, CustomerStateName } from "../generator/plans";
import type { IdScheme } from "./ids";
import type { OrderState, OrderTotals } from "./order-state";

export interface CustomerState {
  plan: CustomerPlan;
  id: bigint;
  createdAt: number;
  updatedAt: number;
  state: CustomerStateName;
  tags: string[];
  deletedAt: number | null;
  redactedAt: number | null;
  nextEventAt: number | null;
  numberOfOrders: number;
  /** Σ net payments (paid − refunded) of the customer's non-test orders, shop currency. */
  amountSpentMinor: number;
  lastOrderId: bigint | null;
  lastOrderName: string | null;
}

/** Shopify tags: trimmed, commas split, case-insensitive uniqueness, sorted case-insensitively. */
export function normalizeTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of tags) {
    for (const part of raw.split(",")) {
      const tag = part.trim();
      if (tag === "" || seen.has(tag.toLowerCase())) continue;
      seen.add(tag.toLowerCase());
      out.push(tag);
    }
  }
  return out.sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()) || a.localeCompare(b));
}

export function applyTagChange(
  tags: readonly string[],
  add: readonly string[],
  remove: readonly string[],
): string[] {
  const removed = new Set(normalizeTags(remove).map((t) => t.toLowerCase()));
  return normalizeTags([...tags.filter((t) => !removed.has(t.toLowerCase())), ...add]);
}

/**
 * What a tag change really changes on `tags`, as the customer.tags_added / tags_removed
 * webhooks report it: tags not yet there that it adds, tags there that it removes.
 */
export function effectiveTagChange(
  tags: readonly string[],
  add: readonly string[],
  remove: readonly string[],
): { add: string[]; remove: string[] } {
  const present = new Set(tags.map((t) => t.toLowerCase()));
  const added = normalizeTags(add).filter((t) => !present.has(t.toLowerCase()));
  const kept = new Set(normalizeTags(add).map((t) => t.toLowerCase()));
  const removed = tags.filter(
    (t) =>
      !kept.has(t.toLowerCase()) &&
      normalizeTags(remove).some((r) => r.toLowerCase() === t.toLowerCase()),
  );
  return { add: added, remove: removed };
}

export function foldCustomer(
  plan: CustomerPlan,
  ids: IdScheme,
  asOf: number,
  orders: readonly OrderState[],
  extraEvents: readonly CustomerEventPlan[] = [],
  /** Money aggregates are skipped when absent (index maintenance only needs times). */
  totalsOf?: (order: OrderState) => OrderTotals,
  /** Called with each event and the state before it (its tags not yet changed). */
  onApplied?: (event: CustomerEventPlan, before: CustomerState) => void,
): CustomerState {
  const state: CustomerState = {
    plan,
    id: ids.customer(plan.slot),
    createdAt: plan.createdAt,
    updatedAt: plan.createdAt,
    state: plan.state,
    tags: normalizeTags(plan.tags),
    deletedAt: null,
    redactedAt: null,
    nextEventAt: null,
    numberOfOrders: 0,
    amountSpentMinor: 0,
    lastOrderId: null,
    lastOrderName: null,
  };
  const events =
    extraEvents.length === 0
      ? plan.events
      : [...plan.events, ...extraEvents].sort((a, b) => a.at - b.at);
  for (const event of events) {
    if (event.at > asOf) {
      state.nextEventAt = event.at;
      break;
    }
    state.updatedAt = Math.max(state.updatedAt, event.at);
    onApplied?.(event, state);
    if (event.kind === "tagged") state.tags = applyTagChange(state.tags, event.add, event.remove);
    if (event.kind === "deleted") state.deletedAt = event.at;
    if (event.kind === "redacted") {
      state.redactedAt = event.at;
      state.deletedAt = event.at;
    }
    if (state.deletedAt !== null) break;
  }
  for (const order of orders) {
    if (order.createdAt > asOf) {
      if (
        state.deletedAt === null &&
        (state.nextEventAt === null || order.createdAt < state.nextEventAt)
      ) {
        state.nextEventAt = order.createdAt;
      }
      continue;
    }
    if (state.deletedAt === null) state.updatedAt = Math.max(state.updatedAt, order.createdAt);
    if (order.deletedAt !== null) continue;
    state.numberOfOrders++;
    if (!order.plan.test && totalsOf) state.amountSpentMinor += totalsOf(order).netPayment.shop;
    state.lastOrderId = order.id;
    state.lastOrderName = order.name;
  }
  return state;
}
