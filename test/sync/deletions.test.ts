/**
 * The deletion sweep (app/sync/deletions.server.ts) against the fake Shopify with webhooks
 * lost (no app URL): deleted orders and customers are found and tombstoned, nothing else;
 * a shop in step costs one count query per kind.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepDeletions } from "../../app/sync/deletions.server";
import { startSyncHarness, type SyncHarness } from "./harness";

let h: SyncHarness;

beforeAll(async () => {
  h = await startSyncHarness("deletions", {
    customers: 1_500,
    seed: 11,
    currency: "JPY",
    timezone: "Asia/Tokyo",
    horizonDays: 0,
  });
  await h.runBackfill();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const stored = async (id: bigint) =>
  h.ctx.db.order.findUnique({ where: { shopId_id: { shopId: h.shopId, id } } });

describe("deletion sweep", () => {
  it("costs one count query per kind when the shop is in step", async () => {
    expect(await h.differences()).toEqual([]);
    expect(await sweepDeletions(h.ctx, h.shopId)).toEqual({
      orders: 0,
      customers: 0,
      countQueries: 2,
      incomplete: false,
    });
  });

  it("tombstones exactly the deleted orders and customers, whose webhooks were lost", async () => {
    const orders = [...h.shop.orders()];
    const gone = [orders[3]!, orders[4]!, orders[Math.floor(orders.length / 2)]!, orders.at(-1)!];
    for (const order of gone) h.shop.deleteOrder(order.id);
    const customer = [...h.shop.customers()].find((c) => c.numberOfOrders === 0)!;
    h.shop.deleteCustomer(customer.id);

    const result = await sweepDeletions(h.ctx, h.shopId);
    expect(result).toMatchObject({ orders: gone.length, customers: 1, incomplete: false });
    // Far fewer queries than listing ~6,000 orders would take (24 pages).
    expect(result.countQueries).toBeLessThan(80);
    for (const order of gone) expect((await stored(order.id))?.deleted).toBe(true);
    const customerRow = await h.ctx.db.customer.findUnique({
      where: { shopId_id: { shopId: h.shopId, id: BigInt(customer.id) } },
    });
    expect(customerRow?.deleted).toBe(true);
    const undeleted = await h.ctx.db.order.count({ where: { shopId: h.shopId, deleted: false } });
    expect(undeleted).toBe(orders.length - gone.length);

    // A new order Kizuna has not stored yet is Shopify's extra, not a deletion: the next
    // sweep tombstones nothing and stores nothing (storing it is reconciliation's part).
    const fresh = h.shop.createOrder({});
    const again = await sweepDeletions(h.ctx, h.shopId);
    expect(again).toMatchObject({ orders: 0, customers: 0 });
    expect(await stored(fresh.id)).toBeNull();
    expect(await h.ctx.db.order.count({ where: { shopId: h.shopId, deleted: false } })).toBe(
      undeleted,
    );
  });
});
