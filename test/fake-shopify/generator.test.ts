// The shop generator: deterministic at a fixed seed, and the data has what a CRM must cope
// with (repeat buyers with a long tail, guests, cancellations, partial and full refunds,
// test orders, subscriptions, second currencies, backdated orders, seasonality).
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { resolveSpec, type ShopOptions } from "./generator/spec";
import { ShopStore } from "./store/shop-store";
import { customerTruth, orderTruth, type CustomerTruth, type OrderTruth } from "./truth";
import { stringifyJson } from "./util/json";
import { graphqlDecimal, restDecimal } from "./util/money";

const END = "2026-11-01T00:00:00Z";

function build(options: ShopOptions): ShopStore {
  const spec = resolveSpec({ end: END, ...options });
  return new ShopStore(spec, () => spec.endSec);
}

function truth(store: ShopStore): { orders: OrderTruth[]; customers: CustomerTruth[] } {
  const orders: OrderTruth[] = [];
  const customers: CustomerTruth[] = [];
  for (const slot of store.visibleSlots()) {
    slot.orders.forEach((state, i) => orders.push(orderTruth(store, slot.serials[i] ?? -1, state)));
    if (slot.customer) customers.push(customerTruth(slot.customer));
  }
  return { orders, customers };
}

const digest = (value: unknown) => createHash("sha256").update(stringifyJson(value)).digest("hex");

describe("determinism", () => {
  it("yields identical shops, histories and futures at a fixed seed", () => {
    const a = build({ customers: 800, seed: 77 });
    const b = build({ customers: 800, seed: 77 });
    expect(digest(truth(a))).toBe(digest(truth(b)));
    const future = (s: ShopStore) => s.advance(s.upTo + 30 * 86_400).map((c) => ({ ...c }));
    expect(digest(future(a))).toBe(digest(future(b)));
    expect(digest(truth(a))).toBe(digest(truth(b)));
    const c = build({ customers: 800, seed: 78 });
    expect(digest(truth(c))).not.toBe(digest(truth(a)));
  });
});

describe("generated shop", () => {
  const store = build({ customers: 4000, seed: 5, currency: "JPY" });
  const { orders, customers } = truth(store);

  it("has a heterogeneous repeat-purchase process with drop-out", () => {
    const perCustomer = customers.map((c) => c.numberOfOrders).sort((x, y) => x - y);
    const median = perCustomer[Math.floor(perCustomer.length / 2)] ?? 0;
    expect(orders.length / customers.length).toBeGreaterThan(3);
    expect(orders.length / customers.length).toBeLessThan(5);
    expect(median).toBeLessThanOrEqual(3);
    expect(perCustomer.at(-1)).toBeGreaterThanOrEqual(20);
    expect(perCustomer.filter((n) => n === 0).length / customers.length).toBeGreaterThan(0.08);
    // Every ordering customer's count matches the orders that reference them.
    const byCustomer = new Map<bigint, number>();
    for (const o of orders)
      if (o.customerId !== null)
        byCustomer.set(o.customerId, (byCustomer.get(o.customerId) ?? 0) + 1);
    for (const c of customers) expect(byCustomer.get(c.id) ?? 0).toBe(c.numberOfOrders);
  });

  it("includes guests, cancellations, refunds, test, multi-line, subscription and foreign-currency orders", () => {
    const share = (pred: (o: OrderTruth) => boolean) => orders.filter(pred).length / orders.length;
    expect(share((o) => o.customerId === null)).toBeGreaterThan(0.05);
    expect(share((o) => o.cancelledAt !== null)).toBeGreaterThan(0.01);
    expect(share((o) => o.financialStatus === "PARTIALLY_REFUNDED")).toBeGreaterThan(0.01);
    expect(
      share((o) => o.financialStatus === "REFUNDED" && o.cancelledAt === null),
    ).toBeGreaterThan(0.003);
    expect(share((o) => o.financialStatus === "VOIDED")).toBeGreaterThan(0);
    expect(share((o) => o.financialStatus === "PENDING")).toBeGreaterThan(0);
    expect(orders.some((o) => o.test)).toBe(true);
    expect(share((o) => o.lineItems.length > 1)).toBeGreaterThan(0.2);
    expect(share((o) => o.subscription)).toBeGreaterThan(0.02);
    expect(share((o) => o.sourceName === "subscription_contract")).toBeGreaterThan(0.01);
    expect(share((o) => o.presentmentCurrency === "USD")).toBeGreaterThan(0.02);
    expect(share((o) => o.processedAt < o.createdAt)).toBeGreaterThan(0.005);
    expect(customers.some((c) => c.tags.includes("VIP"))).toBe(true);
    expect(customers.some((c) => c.tags.includes("メルマガ"))).toBe(true);
  });

  it("keeps Shopify's money identities in integer minor units", () => {
    for (const o of orders) {
      expect(Number.isInteger(o.totalMinor)).toBe(true);
      expect(o.refundedMinor).toBeLessThanOrEqual(o.totalMinor);
      if (o.financialStatus !== "VOIDED")
        expect(o.currentTotalMinor).toBe(o.totalMinor - o.refundedMinor);
      else expect(o.currentTotalMinor).toBe(0);
      expect(o.refunds.reduce((sum, r) => sum + r.amountMinor, 0)).toBe(o.refundedMinor);
      if (o.cancelledAt !== null) expect(o.currentItemQuantity).toBe(0);
    }
    const spent = new Map<bigint, number>();
    for (const o of orders)
      if (o.customerId !== null && !o.test)
        spent.set(o.customerId, (spent.get(o.customerId) ?? 0) + o.netPaymentMinor);
    for (const c of customers) expect(c.amountSpentMinor).toBe(spent.get(c.id) ?? 0);
    expect(graphqlDecimal(1980, 0)).toBe("1980.0");
    expect(restDecimal(1980, 0)).toBe("1980");
    expect(graphqlDecimal(2000, 2)).toBe("20.0");
    expect(restDecimal(1999, 2)).toBe("19.99");
  });

  it("is seasonal in the shop's time zone (December beats February)", () => {
    const tz = store.world.calendar.tz;
    const perMonth = new Map<number, number>();
    for (const o of orders) {
      const month = tz.localParts(Date.parse(o.processedAt) / 1000).month;
      perMonth.set(month, (perMonth.get(month) ?? 0) + 1);
    }
    expect((perMonth.get(12) ?? 0) / 31).toBeGreaterThan(((perMonth.get(2) ?? 0) / 28) * 1.2);
  });

  it("uses cents for USD shops and keeps ids and names in creation order", () => {
    const usd = truth(build({ customers: 300, seed: 6, currency: "USD" })).orders;
    expect(usd.some((o) => o.totalMinor % 100 !== 0)).toBe(true);
    const byId = [...orders].sort((a, b) => Number(a.id - b.id));
    const created = byId.map((o) => o.createdAt);
    expect([...created].sort()).toEqual(created);
    const numbers = byId.map((o) => Number(o.name.slice(1)));
    expect([...numbers].sort((a, b) => a - b)).toEqual(numbers);
  });

  it("advances time with new orders, edits, refunds, cancellations and deletions", () => {
    const live = build({ customers: 2000, seed: 8, currency: "USD" });
    const before = live.counts();
    const changes = live.advance(live.upTo + 45 * 86_400);
    const kinds = new Set(
      changes.map((c) => (c.kind === "order" ? `order:${c.change}` : `customer:${c.change}`)),
    );
    for (const kind of [
      "order:created",
      "order:fulfilled",
      "order:refund",
      "order:cancelled",
      "customer:created",
      "customer:order-placed",
    ]) {
      expect(kinds).toContain(kind);
    }
    expect(live.counts().orders).toBeGreaterThan(before.orders);
    const times = changes.map((c) => c.at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });
});
