// Searchable fields of `orders` and `customers` (the `query` argument). Index-backed fields
// read the store's columns; the rest fold the order on demand.
import { financialStatus } from "../model/order-state";
import { compileSearch, type CompiledSearch, type FieldSpec } from "../store/search-query";
import type { ShopStore } from "../store/shop-store";
import { DAY } from "../util/time";

export interface OrderCandidate {
  store: ShopStore;
  serial: number;
}

export interface CustomerCandidate {
  store: ShopStore;
  slot: number;
}

const orderState = (c: OrderCandidate) => c.store.orderState(c.serial);

const ORDER_FIELDS: Record<string, FieldSpec<OrderCandidate>> = {
  id: { kind: "id", get: (c) => c.store.orderId(c.serial) },
  created_at: { kind: "time", get: (c) => c.store.orderKey(c.serial, "CREATED_AT") },
  updated_at: { kind: "time", get: (c) => c.store.orderKey(c.serial, "UPDATED_AT") },
  processed_at: { kind: "time", get: (c) => c.store.orderKey(c.serial, "PROCESSED_AT") },
  customer_id: { kind: "id", get: (c) => c.store.orderCustomerId(c.serial) },
  test: { kind: "boolean", get: (c) => c.store.isTestOrder(c.serial) },
  name: {
    kind: "string",
    get: (c) => {
      const state = orderState(c);
      return [state.name, String(state.number)];
    },
  },
  tag: { kind: "string", get: (c) => orderState(c).tags },
  source_name: { kind: "string", get: (c) => orderState(c).plan.sourceName },
  status: {
    kind: "string",
    get: (c) => {
      const s = orderState(c);
      if (s.cancelledAt !== null) return ["cancelled", "closed", "any"];
      return s.closedAt !== null ? ["closed", "any"] : ["open", "not_closed", "any"];
    },
  },
  financial_status: {
    kind: "string",
    get: (c) => {
      const s = orderState(c);
      return financialStatus(s, c.store.totals(s)).toLowerCase();
    },
  },
  fulfillment_status: {
    kind: "string",
    get: (c) =>
      orderState(c).fulfilledAt !== null ? ["shipped", "fulfilled"] : ["unshipped", "unfulfilled"],
  },
};

const CUSTOMER_FIELDS: Record<string, FieldSpec<CustomerCandidate>> = {
  id: { kind: "id", get: (c) => c.store.customerId(c.slot) },
  created_at: { kind: "time", get: (c) => c.store.customerKey(c.slot, "CREATED_AT") },
  customer_date: { kind: "time", get: (c) => c.store.customerKey(c.slot, "CREATED_AT") },
  updated_at: { kind: "time", get: (c) => c.store.customerKey(c.slot, "UPDATED_AT") },
  tag: {
    kind: "string",
    get: (c) => c.store.customerState(c.slot, c.store.upTo, false)?.tags ?? [],
  },
  state: {
    kind: "string",
    get: (c) => c.store.customerState(c.slot, c.store.upTo, false)?.state.toLowerCase() ?? null,
  },
  orders_count: {
    kind: "number",
    get: (c) => c.store.customerState(c.slot, c.store.upTo, false)?.numberOfOrders ?? null,
  },
  amount_spent: {
    kind: "number",
    get: (c) => {
      const state = c.store.customerState(c.slot);
      return state ? state.amountSpentMinor / c.store.spec.minorPerMajor : null;
    },
  },
};

export function compileOrderSearch(
  store: ShopStore,
  query: string | null | undefined,
): CompiledSearch<OrderCandidate> {
  return compileSearch(
    query,
    ORDER_FIELDS,
    ORDER_FIELDS.name ?? null,
    store.world.calendar.tz,
    store.now(),
  );
}

export function compileCustomerSearch(
  store: ShopStore,
  query: string | null | undefined,
): CompiledSearch<CustomerCandidate> {
  return compileSearch(query, CUSTOMER_FIELDS, null, store.world.calendar.tz, store.now());
}

/** Without read_all_orders an app sees the last 60 days of orders only. */
export const RECENT_ORDERS_WINDOW = 60 * DAY;

export const ORDER_SORT_FIELD: Record<string, string> = {
  CREATED_AT: "created_at",
  UPDATED_AT: "updated_at",
  PROCESSED_AT: "processed_at",
};
