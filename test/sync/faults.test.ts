import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcile } from "../../app/sync/reconcile.server";
import { variant } from "../helpers/variant";
import { startSyncHarness, type SyncHarness } from "./harness";

let h: SyncHarness;

beforeAll(async () => {
  h = await startSyncHarness("faults", {
    // The reduced variant (`npm test`, test/helpers/variant.ts) backfills and reconciles a
    // smaller shop under the same faults and the same rate limit.
    customers: variant(3_000, 1_500),
    seed: 5,
    currency: "USD",
    horizonDays: 30,
    plan: "shopify",
  });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe("Shopify misbehaving", () => {
  it("20 % faulty answers, a failed and a cut-off bulk export: backfill and reconciliation stay exact", async () => {
    h.fake.faults.set({
      http5xx: 0.05,
      http429: 0.05,
      throttled: 0.05,
      throttledBurst: 3,
      slow: 0.05,
      slowMs: 150,
    });
    h.fake.faults.force("bulkFail", 1);
    h.fake.faults.force("bulkTruncate", 1);
    await h.runBackfill();
    expect(await h.differences()).toEqual([]);

    // What the backfill stored. Deletes below pick from these: an object both created and
    // deleted during the advance never reached Kizuna, so no sweep has anything to find.
    // The shop's history ends at the suite's anchor date, not today's, so the same orders
    // and customers are picked on every run at a given anchor.
    const backfilled = {
      orders: new Set([...h.shop.orders()].map((o) => o.id)),
      customers: new Set([...h.shop.customers()].map((c) => c.id)),
    };

    // Webhooks are lost (no app URL): reconciliation has to find every change.
    h.fake.advance({ days: 10 });
    const orders = [...h.shop.orders()].filter(
      (o) => o.cancelledAt === null && backfilled.orders.has(o.id),
    );
    h.shop.refundOrder(orders[5]!.id);
    h.shop.cancelOrder(orders[6]!.id);
    h.shop.setCustomerTags([...h.shop.customers()][3]!.id, ["wholesale"]);
    // Deletes whose webhooks are lost: in no updated_at search, found by the deletion sweep.
    for (const order of [orders[7]!, orders[400]!, orders[401]!, orders[1000]!]) {
      h.shop.deleteOrder(order.id);
    }
    const stayingCustomer = [...h.shop.customers()].find(
      (c) => c.numberOfOrders === 0 && backfilled.customers.has(c.id),
    );
    if (stayingCustomer) h.shop.deleteCustomer(stayingCustomer.id);
    let result = null;
    for (let attempt = 0; attempt < 10 && result === null; attempt++) {
      result = await reconcile(h.ctx, h.domain).catch((e: unknown) => {
        console.warn(e);
        return null;
      }); // the job would retry
    }
    expect(result?.mode).toBe("paged");
    // Ours, plus any the shop's own history deleted during the advance (a smaller shop's
    // may): every backfilled object Shopify no longer has.
    const orderIds = new Set([...h.shop.orders()].map((o) => o.id));
    const customerIds = new Set([...h.shop.customers()].map((c) => c.id));
    const gone =
      [...backfilled.orders].filter((id) => !orderIds.has(id)).length +
      [...backfilled.customers].filter((id) => !customerIds.has(id)).length;
    expect(gone).toBeGreaterThanOrEqual(stayingCustomer ? 5 : 4);
    expect(result).toMatchObject({ deleted: gone });
    expect(await h.differences()).toEqual([]);

    const counts = h.fake.faults.counts;
    expect(counts.http5xx).toBeGreaterThan(0);
    expect(counts.http429).toBeGreaterThan(0);
    expect(counts.throttled).toBeGreaterThan(0);
    expect(counts.bulkFail).toBe(1);
    expect(counts.bulkTruncate).toBe(1);
    // Kizuna never asked for more than the bucket held.
    expect(h.shop.graphqlBucket.stats.wentNegative).toBe(false);
  }, 300_000);
});
