// A shop's ground truth. Generated slots are regenerated on demand from the seed; the store
// keeps only typed-array columns (times, flags, ranks) for every order and customer, plus
// the changes made through the API. Data is visible up to `upTo`; `advance()` folds the
// generated timeline further and reports what changed so webhooks can be sent.
import type {
  CancelReason,
  CustomerEventPlan,
  CustomerPlan,
  CustomerStateName,
  LinePlan,
  OrderEventPlan,
  OrderPlan,
  SlotPlan,
} from "../generator/plans";
import { generateSlot } from "../generator/slots";
import type { ShopSpec } from "../generator/spec";
import { buildWorld, slotKind, STAFF_SLOT, type World } from "../generator/world";
import {
  effectiveTagChange,
  foldCustomer,
  normalizeTags,
  type CustomerState,
} from "../model/customer-state";
import { MAX_LINES_PER_ORDER } from "../model/ids";
import {
  foldOrder,
  MoneyRules,
  orderTotals,
  type OrderState,
  type OrderTotals,
} from "../model/order-state";
import { DAY } from "../util/time";
import type { CustomerChangeKind, OrderChangeKind, ShopChange } from "./changes";
import { I32Column, NEVER, sortSerialsByKey, U32Column, U8Column } from "./columns";
import { CollectionStore } from "./collections";
import { VariantCostStore } from "./variant-costs";

const ORDER_TEST = 1;
const ORDER_DELETED = 2;
const ORDER_CANCELLED = 4;
const CUSTOMER_EXISTS = 1;
const CUSTOMER_DELETED = 2;
const PLAN_CACHE_SIZE = 4096;

export type OrderSortKey = "ID" | "CREATED_AT" | "UPDATED_AT" | "PROCESSED_AT";
export type CustomerSortKey = "ID" | "CREATED_AT" | "UPDATED_AT";

export interface CreateOrderInput {
  /** Legacy customer id; omit or null for a guest checkout. */
  customerId?: bigint | null;
  lines?: Array<{
    product?: number;
    quantity?: number;
    unitMinor?: number;
    sellingPlan?: number | null;
  }>;
  test?: boolean;
  sourceName?: string;
  gateway?: string;
  pendingPayment?: boolean;
  tags?: string[];
  shippingMinor?: number;
  /** Backdate processedAt (epoch seconds); default: the creation moment. */
  processedAt?: number;
}

export interface RefundInput {
  /** Legacy line item ids and quantities; omit with `all: true` to refund everything left. */
  lines?: Array<{ lineItemId: number; quantity: number }>;
  all?: boolean;
  shipping?: boolean;
  note?: string;
}

export interface CreateCustomerInput {
  tags?: string[];
  state?: CustomerStateName;
  firstName?: string;
  lastName?: string;
}

export class ShopStoreError extends Error {}

export class ShopStore {
  readonly world: World;
  readonly spec: ShopSpec;
  readonly rules: MoneyRules;
  /** Variants, inventory items and unit costs (./variant-costs.ts). */
  readonly variantCosts: VariantCostStore;
  readonly collections: CollectionStore;
  /** Origin of the relative-second columns (before any backdated processedAt). */
  readonly epoch0: number;
  /** Data is folded (visible) up to this moment, epoch seconds. */
  upTo: number;
  private readonly clock: () => number;

  private readonly slotStart: Uint32Array;
  readonly generatedOrders: number;
  private readonly created = new U32Column(0);
  private readonly processed = new I32Column(0);
  private readonly updated = new U32Column(0);
  private readonly next = new U32Column(0);
  private readonly flags = new U8Column(0);
  private readonly rankOf = new U32Column(0);
  private readonly serialOfRank = new U32Column(0);

  private readonly custCreated = new U32Column(0);
  private readonly custUpdated = new U32Column(0);
  private readonly custNext = new U32Column(0);
  private readonly custFlags = new U8Column(0);

  private readonly manualOrderPlans = new Map<number, OrderPlan>();
  private readonly manualOrderSlot = new Map<number, number>();
  private readonly manualOrdersBySlot = new Map<number, number[]>();
  private readonly manualOrderEvents = new Map<number, OrderEventPlan[]>();
  private readonly manualCustomers = new Map<number, CustomerPlan>();
  private readonly manualCustomerEvents = new Map<number, CustomerEventPlan[]>();

  private readonly planCache = new Map<number, SlotPlan>();
  /** Earliest pending event (relative seconds) across all columns; lets catch-ups skip scans. */
  private nextDue = 0;
  private readonly orderPerms = new Map<OrderSortKey, Uint32Array>();
  private readonly customerPerms = new Map<CustomerSortKey, Uint32Array>();

  constructor(spec: ShopSpec, clock: () => number) {
    this.spec = spec;
    this.world = buildWorld(spec);
    this.rules = new MoneyRules(this.world);
    this.variantCosts = new VariantCostStore(this.world.catalog, spec);
    this.collections = new CollectionStore(this.variantCosts, spec);
    this.clock = clock;
    this.epoch0 = spec.startSec - 60 * DAY;
    this.upTo = spec.endSec;
    const slots = this.world.layout.generatedSlots;
    this.slotStart = new Uint32Array(slots + 1);
    // One streaming pass: generate each slot, keep only its columns.
    for (let slot = 0; slot < slots; slot++) {
      this.slotStart[slot] = this.created.length;
      const plan = generateSlot(this.world, slot);
      const states: OrderState[] = [];
      for (const order of plan.orders) {
        const serial = this.created.push(this.rel(order.createdAt));
        this.processed.push(Math.max(0, this.rel(order.processedAt)));
        this.updated.push(0);
        this.next.push(NEVER);
        this.flags.push(0);
        this.rankOf.push(0);
        states.push(this.refreshOrder(serial, order, 0));
      }
      this.custCreated.push(0);
      this.custUpdated.push(0);
      this.custNext.push(NEVER);
      this.custFlags.push(0);
      if (plan.customer) this.refreshCustomer(slot, plan.customer, states);
    }
    this.slotStart[slots] = this.created.length;
    this.generatedOrders = this.created.length;
    // Ranks (and so ids and order numbers) follow creation time across the shop.
    const byCreation = sortSerialsByKey(this.generatedOrders, (s) => this.created.get(s));
    for (let rank = 0; rank < byCreation.length; rank++) {
      const serial = byCreation[rank] ?? 0;
      this.serialOfRank.push(serial);
      this.rankOf.set(serial, rank);
    }
    for (const column of [
      this.created,
      this.processed,
      this.updated,
      this.next,
      this.flags,
      this.rankOf,
      this.serialOfRank,
    ]) {
      column.trim();
    }
    for (const column of [this.custCreated, this.custUpdated, this.custNext, this.custFlags])
      column.trim();
  }

  // ── time ────────────────────────────────────────────────────────────────────────────

  now(): number {
    return Math.max(this.clock(), this.upTo);
  }

  rel(sec: number): number {
    return sec - this.epoch0;
  }

  abs(rel: number): number {
    return rel + this.epoch0;
  }

  // ── identity ────────────────────────────────────────────────────────────────────────

  get orderSerials(): number {
    return this.created.length;
  }

  get customerSlots(): number {
    return this.custCreated.length;
  }

  serialOfOrderId(id: bigint): number {
    const rank = this.world.ids.rankOfOrder(id);
    return rank >= 0 && rank < this.serialOfRank.length ? this.serialOfRank.get(rank) : -1;
  }

  orderId(serial: number): bigint {
    return this.world.ids.order(this.rankOf.get(serial));
  }

  /** Slot of a legacy customer id, or -1 (also for guest slots, which have no customer). */
  slotOfCustomerId(id: bigint): number {
    const slot = this.world.ids.slotOfCustomer(id);
    return slot >= 0 &&
      slot < this.customerSlots &&
      (this.custFlags.get(slot) & CUSTOMER_EXISTS) !== 0
      ? slot
      : -1;
  }

  customerId(slot: number): bigint {
    return this.world.ids.customer(slot);
  }

  slotOfSerial(serial: number): number {
    if (serial >= this.generatedOrders) {
      const slot = this.manualOrderSlot.get(serial);
      if (slot === undefined) throw new ShopStoreError(`unknown order serial ${serial}`);
      return slot;
    }
    const starts = this.slotStart;
    let lo = 0;
    let hi = starts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= serial) lo = mid;
      else hi = mid - 1;
    }
    // Empty slots share their start with the next slot; the largest index holds the serial.
    return lo;
  }

  private isCustomerSlot(slot: number): boolean {
    if (slot < this.world.layout.generatedSlots) return slotKind(this.world, slot) !== "guest";
    return this.manualCustomers.has(slot);
  }

  // ── visibility and sort keys ────────────────────────────────────────────────────────

  isOrderVisible(serial: number): boolean {
    return (
      this.created.get(serial) <= this.rel(this.upTo) &&
      (this.flags.get(serial) & ORDER_DELETED) === 0
    );
  }

  isCustomerVisible(slot: number): boolean {
    const flags = this.custFlags.get(slot);
    return (
      (flags & CUSTOMER_EXISTS) !== 0 &&
      (flags & CUSTOMER_DELETED) === 0 &&
      this.custCreated.get(slot) <= this.rel(this.upTo)
    );
  }

  /** Whether a slot holds a customer (visible or not); guests' slots do not. */
  hasCustomer(slot: number): boolean {
    return (this.custFlags.get(slot) & CUSTOMER_EXISTS) !== 0;
  }

  isTestOrder(serial: number): boolean {
    return (this.flags.get(serial) & ORDER_TEST) !== 0;
  }

  isCancelledOrder(serial: number): boolean {
    return (this.flags.get(serial) & ORDER_CANCELLED) !== 0;
  }

  /** Sort/filter key of an order: epoch seconds for dates, the rank for ID. */
  orderKey(serial: number, key: OrderSortKey): number {
    switch (key) {
      case "ID":
        return this.rankOf.get(serial);
      case "CREATED_AT":
        return this.abs(this.created.get(serial));
      case "UPDATED_AT":
        return this.abs(this.updated.get(serial));
      case "PROCESSED_AT":
        return this.abs(this.processed.get(serial));
    }
  }

  customerKey(slot: number, key: CustomerSortKey): number {
    switch (key) {
      case "ID":
        return slot;
      case "CREATED_AT":
        return this.abs(this.custCreated.get(slot));
      case "UPDATED_AT":
        return this.abs(this.custUpdated.get(slot));
    }
  }

  /** Order serials sorted ascending by `key` (ties by serial); cached until data changes. */
  orderPerm(key: OrderSortKey): Uint32Array {
    if (key === "ID") return this.serialOfRank.view();
    const cached = this.orderPerms.get(key);
    if (cached) return cached;
    const column =
      key === "UPDATED_AT" ? this.updated : key === "PROCESSED_AT" ? this.processed : this.created;
    const perm =
      key === "CREATED_AT" && this.manualOrderPlans.size === 0
        ? this.serialOfRank.view()
        : sortSerialsByKey(this.orderSerials, (s) => Math.min(column.get(s), 2 ** 29 - 1));
    this.orderPerms.set(key, perm);
    return perm;
  }

  customerPerm(key: CustomerSortKey): Uint32Array {
    const cached = this.customerPerms.get(key);
    if (cached) return cached;
    const count = this.customerSlots;
    let perm: Uint32Array;
    if (key === "ID") {
      perm = new Uint32Array(count);
      for (let i = 0; i < count; i++) perm[i] = i;
    } else {
      const column = key === "UPDATED_AT" ? this.custUpdated : this.custCreated;
      perm = sortSerialsByKey(count, (s) => Math.min(column.get(s), 2 ** 29 - 1));
    }
    this.customerPerms.set(key, perm);
    return perm;
  }

  private invalidatePerms(): void {
    this.orderPerms.clear();
    this.customerPerms.clear();
  }

  // ── plans and state ─────────────────────────────────────────────────────────────────

  private generatedPlan(slot: number): SlotPlan {
    const cached = this.planCache.get(slot);
    if (cached) return cached;
    const plan = generateSlot(this.world, slot);
    if (this.planCache.size >= PLAN_CACHE_SIZE) {
      const oldest = this.planCache.keys().next().value;
      if (oldest !== undefined) this.planCache.delete(oldest);
    }
    this.planCache.set(slot, plan);
    return plan;
  }

  /** Order serials of a slot in creation order. */
  serialsOfSlot(slot: number): number[] {
    const out: number[] = [];
    if (slot < this.world.layout.generatedSlots) {
      const end = this.slotStart[slot + 1] ?? 0;
      for (let s = this.slotStart[slot] ?? 0; s < end; s++) out.push(s);
    }
    const manual = this.manualOrdersBySlot.get(slot);
    if (manual) out.push(...manual);
    return out;
  }

  orderPlan(serial: number): OrderPlan {
    if (serial >= this.generatedOrders) {
      const plan = this.manualOrderPlans.get(serial);
      if (!plan) throw new ShopStoreError(`unknown order serial ${serial}`);
      return plan;
    }
    const slot = this.slotOfSerial(serial);
    const plan = this.generatedPlan(slot).orders[serial - (this.slotStart[slot] ?? 0)];
    if (!plan) throw new ShopStoreError(`order serial ${serial} missing from slot ${slot}`);
    return plan;
  }

  customerPlan(slot: number): CustomerPlan | null {
    if (slot >= this.world.layout.generatedSlots) return this.manualCustomers.get(slot) ?? null;
    return this.generatedPlan(slot).customer;
  }

  orderState(
    serial: number,
    asOf = this.upTo,
    onApplied?: (event: OrderEventPlan, state: OrderState) => void,
  ): OrderState {
    return foldOrder(
      this.rules,
      this.orderPlan(serial),
      this.rankOf.get(serial),
      asOf,
      this.manualOrderEvents.get(serial),
      onApplied,
    );
  }

  /** Money of an order state (memoised on the state object). */
  totals(state: OrderState): OrderTotals {
    state.totals ??= orderTotals(this.rules, state);
    return state.totals;
  }

  /**
   * States of all orders of a slot from one plan generation. Sequential scans pass
   * `cache: false` so they do not churn the plan cache.
   */
  slotOrderStates(
    slot: number,
    asOf = this.upTo,
    cache = true,
  ): { serials: number[]; states: OrderState[] } {
    const serials = this.serialsOfSlot(slot);
    const generated = slot < this.world.layout.generatedSlots;
    const plan = generated
      ? cache
        ? this.generatedPlan(slot)
        : generateSlot(this.world, slot)
      : null;
    const states = serials.map((serial) => {
      const orderPlan =
        serial < this.generatedOrders && plan
          ? plan.orders[serial - (this.slotStart[slot] ?? 0)]
          : this.manualOrderPlans.get(serial);
      if (!orderPlan) throw new ShopStoreError(`order serial ${serial} missing`);
      return foldOrder(
        this.rules,
        orderPlan,
        this.rankOf.get(serial),
        asOf,
        this.manualOrderEvents.get(serial),
      );
    });
    return { serials, states };
  }

  customerState(
    slot: number,
    asOf = this.upTo,
    withMoney = true,
    orderStates?: OrderState[],
  ): CustomerState | null {
    const plan = this.customerPlan(slot);
    if (!plan) return null;
    const orders = orderStates ?? this.serialsOfSlot(slot).map((s) => this.orderState(s, asOf));
    return foldCustomer(
      plan,
      this.world.ids,
      asOf,
      orders,
      this.manualCustomerEvents.get(slot),
      withMoney ? (o) => this.totals(o) : undefined,
    );
  }

  /** Legacy customer id of an order's customer as of `asOf` (null: guest or redacted). */
  orderCustomerId(serial: number, asOf = this.upTo): bigint | null {
    const slot = this.slotOfSerial(serial);
    if (!this.isCustomerSlot(slot)) return null;
    const redaction = this.manualCustomerEvents.get(slot)?.find((e) => e.kind === "redacted");
    if (redaction && redaction.at <= asOf) return null;
    return this.customerId(slot);
  }

  /** Visible customer slot that placed an order (for joins), or null. */
  orderCustomerSlot(serial: number): number | null {
    const id = this.orderCustomerId(serial);
    return id === null ? null : this.slotOfSerial(serial);
  }

  // ── index maintenance ───────────────────────────────────────────────────────────────

  private refreshOrder(serial: number, plan: OrderPlan, rank: number): OrderState {
    const state = foldOrder(this.rules, plan, rank, this.upTo, this.manualOrderEvents.get(serial));
    let flags = plan.test ? ORDER_TEST : 0;
    if (state.deletedAt !== null) flags |= ORDER_DELETED;
    if (state.cancelledAt !== null) flags |= ORDER_CANCELLED;
    this.flags.set(serial, flags);
    this.updated.set(serial, this.rel(state.updatedAt));
    const next = plan.createdAt > this.upTo ? plan.createdAt : state.nextEventAt;
    this.next.set(serial, next === null ? NEVER : this.rel(next));
    if (next !== null) this.nextDue = Math.min(this.nextDue, this.rel(next));
    return state;
  }

  private refreshCustomer(slot: number, plan: CustomerPlan, orders: OrderState[]): void {
    const state = foldCustomer(
      plan,
      this.world.ids,
      this.upTo,
      orders,
      this.manualCustomerEvents.get(slot),
    );
    this.custCreated.set(slot, this.rel(plan.createdAt));
    this.custUpdated.set(slot, this.rel(state.updatedAt));
    const next = plan.createdAt > this.upTo ? plan.createdAt : state.nextEventAt;
    this.custNext.set(slot, next === null ? NEVER : this.rel(next));
    if (next !== null) this.nextDue = Math.min(this.nextDue, this.rel(next));
    this.custFlags.set(slot, CUSTOMER_EXISTS | (state.deletedAt !== null ? CUSTOMER_DELETED : 0));
  }

  private refreshSlot(slot: number): void {
    const states = this.serialsOfSlot(slot).map((serial) =>
      this.refreshOrder(serial, this.orderPlan(serial), this.rankOf.get(serial)),
    );
    const customer = this.customerPlan(slot);
    if (customer) this.refreshCustomer(slot, customer, states);
  }

  // ── time travel ─────────────────────────────────────────────────────────────────────

  /** Folds the timeline forward to `toSec`; returns the changes in chronological order. */
  advance(toSec: number): ShopChange[] {
    const from = this.upTo;
    const to = Math.max(from, Math.floor(toSec));
    if (to === from) return [];
    const toRel = this.rel(to);
    if (toRel < this.nextDue) {
      // Nothing is due yet: every API request catches up, so this path must stay cheap.
      this.upTo = to;
      return [];
    }
    const slots = new Set<number>();
    let due = NEVER;
    const next = this.next.view();
    for (let s = 0; s < next.length; s++) {
      const at = next[s] ?? NEVER;
      if (at <= toRel) slots.add(this.slotOfSerial(s));
      else if (at < due) due = at;
    }
    const custNext = this.custNext.view();
    for (let slot = 0; slot < custNext.length; slot++) {
      const at = custNext[slot] ?? NEVER;
      if (at <= toRel) slots.add(slot);
      else if (at < due) due = at;
    }
    this.nextDue = due;
    const changes: ShopChange[] = [];
    for (const slot of [...slots].sort((a, b) => a - b)) {
      changes.push(...this.slotChanges(slot, from, to));
    }
    this.upTo = to;
    for (const slot of slots) this.refreshSlot(slot);
    if (slots.size > 0) this.invalidatePerms();
    return sortChanges(changes);
  }

  /** Catches up with the clock; API mutations call this first so history stays ordered. */
  catchUp(): ShopChange[] {
    return this.advance(this.clock());
  }

  private slotChanges(slot: number, from: number, to: number): ShopChange[] {
    const changes: ShopChange[] = [];
    const customerPlan = this.customerPlan(slot);
    const isCustomer = this.isCustomerSlot(slot);
    for (const serial of this.serialsOfSlot(slot)) {
      const plan = this.orderPlan(serial);
      if (plan.createdAt > to) continue;
      if (plan.createdAt > from) {
        changes.push({
          kind: "order",
          at: plan.createdAt,
          serial,
          change: "created",
          refundIndex: null,
        });
        if (isCustomer && customerPlan) {
          changes.push({
            kind: "customer",
            at: plan.createdAt,
            slot,
            change: "order-placed",
            source: "shop",
          });
        }
      }
      this.orderState(serial, to, (event, state) => {
        if (event.at <= from) return;
        const refundIndex =
          event.kind === "refund" ||
          (event.kind === "cancelled" && state.refunds.at(-1)?.at === event.at)
            ? (state.refunds.at(-1)?.index ?? null)
            : null;
        changes.push({
          kind: "order",
          at: event.at,
          serial,
          change: orderChangeOf(event),
          refundIndex,
        });
      });
    }
    if (customerPlan) {
      if (customerPlan.createdAt > from && customerPlan.createdAt <= to) {
        changes.push({
          kind: "customer",
          at: customerPlan.createdAt,
          slot,
          change: "created",
          source: "shop",
        });
      }
      foldCustomer(
        customerPlan,
        this.world.ids,
        to,
        [],
        this.manualCustomerEvents.get(slot),
        undefined,
        (event, before) => {
          if (event.at <= from) return;
          const source =
            event.kind === "tagged" ? (event.source === "app" ? "app" : "shop") : "shop";
          const tags =
            event.kind === "tagged"
              ? effectiveTagChange(before.tags, event.add, event.remove)
              : undefined;
          changes.push({
            kind: "customer",
            at: event.at,
            slot,
            change: customerChangeOf(event),
            source,
            ...(tags ? { tags } : {}),
          });
        },
      );
    }
    return changes;
  }

  // ── API mutations (each catches up first, then stamps the change "now") ────────────

  private requireVisibleOrder(serial: number): void {
    if (serial < 0 || serial >= this.orderSerials || !this.isOrderVisible(serial)) {
      throw new ShopStoreError("Order does not exist");
    }
  }

  private requireVisibleCustomer(slot: number): void {
    if (slot < 0 || slot >= this.customerSlots || !this.isCustomerVisible(slot)) {
      throw new ShopStoreError("Customer does not exist");
    }
  }

  /** Catches up with the clock and returns the moment API changes are stamped with. */
  private begin(): { at: number; changes: ShopChange[] } {
    const changes = this.catchUp();
    return { at: this.upTo, changes };
  }

  private addOrderEvent(serial: number, make: (at: number) => OrderEventPlan): ShopChange[] {
    const { at, changes } = this.begin();
    this.requireVisibleOrder(serial);
    const event = make(at);
    const before = this.orderState(serial);
    const events = this.manualOrderEvents.get(serial) ?? [];
    events.push(event);
    this.manualOrderEvents.set(serial, events);
    const after = this.orderState(serial);
    if (
      after.updatedAt === before.updatedAt &&
      after.deletedAt === before.deletedAt &&
      event.at !== before.updatedAt
    ) {
      events.pop();
      throw new ShopStoreError(`The order cannot be changed that way (${event.kind})`);
    }
    this.refreshSlot(this.slotOfSerial(serial));
    this.invalidatePerms();
    const refundIndex =
      after.refunds.length > before.refunds.length ? (after.refunds.at(-1)?.index ?? null) : null;
    changes.push({
      kind: "order",
      at: event.at,
      serial,
      change: orderChangeOf(event),
      refundIndex,
    });
    return changes;
  }

  private addCustomerEvent(slot: number, make: (at: number) => CustomerEventPlan): ShopChange[] {
    const { at, changes } = this.begin();
    this.requireVisibleCustomer(slot);
    const event = make(at);
    const tags =
      event.kind === "tagged"
        ? effectiveTagChange(
            this.customerState(slot, at, false)?.tags ?? [],
            event.add,
            event.remove,
          )
        : undefined;
    const events = this.manualCustomerEvents.get(slot) ?? [];
    events.push(event);
    this.manualCustomerEvents.set(slot, events);
    this.refreshSlot(slot);
    this.invalidatePerms();
    const source = event.kind === "tagged" && event.source === "app" ? "app" : "shop";
    changes.push({
      kind: "customer",
      at: event.at,
      slot,
      change: customerChangeOf(event),
      source,
      ...(tags ? { tags } : {}),
    });
    return changes;
  }

  refundOrder(serial: number, input: RefundInput): ShopChange[] {
    this.requireVisibleOrder(serial);
    const state = this.orderState(serial);
    const lines = (input.lines ?? []).map((l) => {
      const line = state.lines.find((x) => x.id === l.lineItemId);
      if (!line) throw new ShopStoreError(`Line item ${l.lineItemId} is not on this order`);
      return { line: line.index, quantity: l.quantity };
    });
    return this.addOrderEvent(serial, (at) => ({
      kind: "refund",
      at,
      lines,
      all: input.all ?? lines.length === 0,
      shipping: input.shipping ?? input.all ?? false,
      note: input.note ?? null,
    }));
  }

  cancelOrder(serial: number, reason: CancelReason = "CUSTOMER", refund = true): ShopChange[] {
    return this.addOrderEvent(serial, (at) => ({ kind: "cancelled", at, reason, refund }));
  }

  deleteOrder(serial: number): ShopChange[] {
    return this.addOrderEvent(serial, (at) => ({ kind: "deleted", at }));
  }

  fulfillOrder(serial: number): ShopChange[] {
    return this.addOrderEvent(serial, (at) => ({ kind: "fulfilled", at }));
  }

  tagOrder(serial: number, add: string[], remove: string[] = []): ShopChange[] {
    return this.addOrderEvent(serial, (at) => ({ kind: "tagged", at, add, remove }));
  }

  editOrderAddLine(serial: number, product: number, quantity = 1): ShopChange[] {
    const item = this.world.catalog.products[product];
    if (!item) throw new ShopStoreError(`unknown product index ${product}`);
    return this.addOrderEvent(serial, (at) => ({
      kind: "edited",
      at,
      line: { product, quantity, unitMinor: item.priceMinor, discountMinor: 0, sellingPlan: null },
    }));
  }

  createOrder(input: CreateOrderInput = {}): { serial: number; changes: ShopChange[] } {
    const { at, changes } = this.begin();
    let slot: number;
    if (input.customerId === undefined || input.customerId === null) {
      slot = this.newSlot();
    } else {
      slot = this.slotOfCustomerId(input.customerId);
      if (slot < 0) throw new ShopStoreError("Customer does not exist");
      this.requireVisibleCustomer(slot);
    }
    const catalog = this.world.catalog;
    const lines: LinePlan[] = (input.lines ?? [{}]).slice(0, MAX_LINES_PER_ORDER).map((l, i) => {
      const product = catalog.products[l.product ?? i % catalog.products.length];
      if (!product) throw new ShopStoreError(`unknown product index ${String(l.product)}`);
      const sellingPlan = l.sellingPlan ?? null;
      return {
        product: product.index,
        quantity: l.quantity ?? 1,
        unitMinor: l.unitMinor ?? product.priceMinor,
        discountMinor: 0,
        sellingPlan,
      };
    });
    const serialsInSlot = this.serialsOfSlot(slot);
    const last = serialsInSlot.at(-1);
    const createdAt = last === undefined ? at : Math.max(at, this.orderPlan(last).createdAt + 1);
    const plan: OrderPlan = {
      slot,
      local: serialsInSlot.length,
      createdAt,
      processedAt: input.processedAt ?? createdAt,
      test: input.test ?? false,
      sourceName: input.sourceName ?? "web",
      gateway: input.gateway ?? (input.test ? "bogus" : "shopify_payments"),
      pendingPayment: input.pendingPayment ?? false,
      foreignPresentment: false,
      lines,
      shippingMinor: input.shippingMinor ?? 0,
      discountCode: null,
      tags: normalizeTags(input.tags ?? []),
      events: [],
      manual: true,
    };
    const serial = this.created.push(this.rel(createdAt));
    this.processed.push(Math.max(0, this.rel(plan.processedAt)));
    this.updated.push(this.rel(createdAt));
    this.next.push(NEVER);
    this.flags.push(plan.test ? ORDER_TEST : 0);
    const rank = this.serialOfRank.push(serial);
    this.rankOf.push(rank);
    this.manualOrderPlans.set(serial, plan);
    this.manualOrderSlot.set(serial, slot);
    const list = this.manualOrdersBySlot.get(slot) ?? [];
    list.push(serial);
    this.manualOrdersBySlot.set(slot, list);
    // Creation is in the future of `upTo` only if the slot forced a later second.
    this.upTo = Math.max(this.upTo, createdAt);
    this.refreshSlot(slot);
    this.invalidatePerms();
    changes.push({ kind: "order", at: createdAt, serial, change: "created", refundIndex: null });
    if (this.isCustomerSlot(slot)) {
      changes.push({
        kind: "customer",
        at: createdAt,
        slot,
        change: "order-placed",
        source: "shop",
      });
    }
    return { serial, changes };
  }

  private newSlot(): number {
    const slot = this.custCreated.push(0);
    this.custUpdated.push(0);
    this.custNext.push(NEVER);
    this.custFlags.push(0);
    return slot;
  }

  createCustomer(input: CreateCustomerInput = {}): { slot: number; changes: ShopChange[] } {
    const { at, changes } = this.begin();
    const slot = this.newSlot();
    const plan: CustomerPlan = {
      slot,
      createdAt: at,
      state: input.state ?? "DISABLED",
      tags: normalizeTags(input.tags ?? []),
      firstName: input.firstName ?? "Test",
      lastName: input.lastName ?? `Customer${slot}`,
      emailLocal: `customer${slot}`,
      acceptsMarketing: false,
      events: [],
      manual: true,
    };
    this.manualCustomers.set(slot, plan);
    this.refreshSlot(slot);
    this.invalidatePerms();
    changes.push({ kind: "customer", at: plan.createdAt, slot, change: "created", source: "shop" });
    return { slot, changes };
  }

  /** Tag change by the merchant ("shop") or by the app through tagsAdd/tagsRemove ("app"). */
  changeCustomerTags(
    slot: number,
    add: string[],
    remove: string[],
    source: "merchant" | "app",
  ): ShopChange[] {
    return this.addCustomerEvent(slot, (at) => ({ kind: "tagged", at, add, remove, source }));
  }

  touchCustomer(slot: number): ShopChange[] {
    return this.addCustomerEvent(slot, (at) => ({ kind: "updated", at }));
  }

  deleteCustomer(slot: number): ShopChange[] {
    const state = this.customerState(slot, this.upTo, false);
    if (state && state.numberOfOrders > 0) {
      throw new ShopStoreError("Customer can’t be deleted because they have orders");
    }
    return this.addCustomerEvent(slot, (at) => ({ kind: "deleted", at }));
  }

  /** Erasure after a customers/redact request: the customer disappears, orders stay (guest-like). */
  redactCustomer(slot: number): ShopChange[] {
    const changes = this.addCustomerEvent(slot, (at) => ({ kind: "redacted", at }));
    for (const serial of this.serialsOfSlot(slot))
      this.refreshOrder(serial, this.orderPlan(serial), this.rankOf.get(serial));
    return changes;
  }

  // ── iteration (ground truth, bulk export) ───────────────────────────────────────────

  /** Visible orders slot by slot (one regeneration per slot). */
  *visibleSlots(withCustomers = true): Generator<{
    slot: number;
    customer: CustomerState | null;
    orders: OrderState[];
    serials: number[];
  }> {
    for (let slot = 0; slot < this.customerSlots; slot++) {
      const hasCustomer = this.isCustomerVisible(slot);
      if (!hasCustomer && !this.serialsOfSlot(slot).some((s) => this.isOrderVisible(s))) continue;
      // One generation and one fold per order serve the orders and the customer aggregates.
      const { serials: allSerials, states: all } = this.slotOrderStates(slot, this.upTo, false);
      const orders: OrderState[] = [];
      const serials: number[] = [];
      all.forEach((state, i) => {
        const serial = allSerials[i] ?? -1;
        if (!this.isOrderVisible(serial)) return;
        orders.push(state);
        serials.push(serial);
      });
      const customer =
        hasCustomer && withCustomers ? this.customerState(slot, this.upTo, true, all) : null;
      yield { slot, customer, orders, serials };
    }
  }

  /** Count of visible orders and customers, straight from the columns. */
  counts(): { orders: number; customers: number; deletedOrders: number; deletedCustomers: number } {
    const upToRel = this.rel(this.upTo);
    let orders = 0;
    let deletedOrders = 0;
    for (let s = 0; s < this.orderSerials; s++) {
      if (this.created.get(s) > upToRel) continue;
      if (this.flags.get(s) & ORDER_DELETED) deletedOrders++;
      else orders++;
    }
    let customers = 0;
    let deletedCustomers = 0;
    for (let slot = 0; slot < this.customerSlots; slot++) {
      const flags = this.custFlags.get(slot);
      if ((flags & CUSTOMER_EXISTS) === 0 || this.custCreated.get(slot) > upToRel) continue;
      if (flags & CUSTOMER_DELETED) deletedCustomers++;
      else customers++;
    }
    return { orders, customers, deletedOrders, deletedCustomers };
  }

  /** Visible order serials of a customer slot in id order. */
  customerOrderSerials(slot: number): number[] {
    return this.serialsOfSlot(slot)
      .filter((s) => this.isOrderVisible(s))
      .sort((a, b) => this.rankOf.get(a) - this.rankOf.get(b));
  }

  staffSlot(): number {
    return STAFF_SLOT;
  }
}

function orderChangeOf(event: OrderEventPlan): OrderChangeKind {
  return event.kind;
}

function customerChangeOf(event: CustomerEventPlan): CustomerChangeKind {
  return event.kind;
}

function sortChanges(changes: ShopChange[]): ShopChange[] {
  return changes
    .map((change, i) => ({ change, i }))
    .sort((a, b) => a.change.at - b.change.at || a.i - b.i)
    .map((x) => x.change);
}
