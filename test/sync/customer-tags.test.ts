/**
 * A customer's tags against the fake Shopify, webhook by webhook (the fake delivers none
 * here: each test hands processing the payloads Shopify sent, in the order it chooses).
 * Tag events applied late, twice or out of order end with Shopify's tags; reconciliation
 * repairs tags changed without a webhook and reads the tags Kizuna does not know; the tag
 * sync reads them too before it writes, so a stale segment tag a customer came with is
 * taken off.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebhookContext } from "../../app/sync/context.server";
import type { SentWebhook } from "../fake-shopify/shop";
import { startSyncHarness, type SyncHarness } from "./harness";

// The harness installed the fetch redirect; Shopify's libraries load after it.
const { processWebhook } = await import("../../app/sync/webhook-processing.server");
const { reconcile } = await import("../../app/sync/reconcile.server");
const { computeShop } = await import("../../app/metrics/compute.server");
const { syncShopTags } = await import("../../app/sync/tags.server");
const { DEFAULT_SETTINGS } = await import("../../app/settings");
const { customerResult } = await import("../../app/metrics/result-set.server");

let h: SyncHarness;
let ctx: WebhookContext;
let serial = 0;

const storageName = (topic: string) => topic.toUpperCase().replace(/[/.]/g, "_");
/** Processes webhooks the fake sent, as the worker would (each with a webhook id of its own). */
async function deliver(...sent: SentWebhook[]): Promise<void> {
  for (const webhook of sent) {
    await processWebhook(ctx, {
      shop: h.domain,
      topic: storageName(webhook.topic),
      webhookId: `${webhook.webhookId}-${++serial}`,
      receivedAt: new Date().toISOString(),
      payload: webhook.payload,
    });
  }
}
/** What the fake sent from now on. */
function sentFrom(): () => SentWebhook[] {
  const start = h.shop.sent.length;
  return () => h.shop.sent.slice(start);
}
const storedTags = async (id: bigint) => {
  const row = await h.ctx.db.customer.findUniqueOrThrow({
    where: { shopId_id: { shopId: h.shopId, id } },
  });
  return row.tags === "" ? [] : row.tags.split(", ").sort();
};
const shopifyTags = (id: bigint) => [...(h.shop.customer(id)?.tags ?? [])].sort();

/** Every order of a list. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

beforeAll(async () => {
  h = await startSyncHarness("customer-tags", { customers: 250, seed: 37, currency: "JPY" });
  await h.runBackfill();
  ctx = { db: h.ctx.db, store: h.ctx.store, api: () => h.ctx.api, log: h.ctx.log };
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe("customer tags", () => {
  it("tag events late, repeated or in any order end with Shopify's tags", async () => {
    const customer = [...h.shop.customers()][7]!;
    const before = await h.ctx.db.customer.findUniqueOrThrow({
      where: { shopId_id: { shopId: h.shopId, id: customer.id } },
    });
    // Added, removed, added again, a second later each; then another tag added.
    const sent = sentFrom();
    const tags = customer.tags;
    h.shop.setCustomerTags(customer.id, [...tags, "gift"]);
    h.fake.advance({ seconds: 1 });
    h.shop.setCustomerTags(customer.id, tags);
    h.fake.advance({ seconds: 1 });
    h.shop.setCustomerTags(customer.id, [...tags, "gift"]);
    h.fake.advance({ seconds: 1 });
    h.shop.setCustomerTags(customer.id, [...tags, "gift", "wholesale"]);
    const events = sent().filter((w) => w.topic.startsWith("customer.tags_"));
    expect(events.map((w) => w.topic)).toEqual([
      "customer.tags_added",
      "customer.tags_removed",
      "customer.tags_added",
      "customer.tags_added",
    ]);
    const updates = sent().filter((w) => w.topic === "customers/update");
    const truth = shopifyTags(customer.id);
    expect(truth).toEqual([...tags, "gift", "wholesale"].sort());

    let orders = 0;
    for (const order of permutations(events)) {
      // Back to what the backfill stored, then this order, with a replay and the
      // customers/update webhooks (which carry no tags) in between.
      await h.ctx.db.customer.update({
        where: { shopId_id: { shopId: h.shopId, id: customer.id } },
        data: { tags: before.tags, tagsUpdatedAt: before.tagsUpdatedAt },
      });
      await deliver(order[0]!, ...updates, ...order.slice(1), order[0]!);
      expect(await storedTags(customer.id), order.map((w) => w.topic).join()).toEqual(truth);
      orders++;
    }
    expect(orders).toBe(24);
  });

  it("reconciliation repairs tags changed without a webhook and reads unknown ones", async () => {
    const [changed, emptied, unknown] = [...h.shop.customers()].slice(20, 23);
    h.fake.advance({ minutes: 5 });
    h.shop.setCustomerTags(changed!.id, [...changed!.tags, "drifted"]);
    h.shop.setCustomerTags(emptied!.id, []);
    // Tags Kizuna does not know (a customer first seen in a customers/create webhook): not
    // changed in Shopify, so in no updated_at search.
    await h.ctx.db.customer.update({
      where: { shopId_id: { shopId: h.shopId, id: unknown!.id } },
      data: { tags: "", tagsUpdatedAt: null },
    });
    expect(await h.differences()).not.toEqual([]);

    const result = await reconcile(h.ctx, h.domain);
    expect(result.mode).toBe("paged");
    expect(await h.differences()).toEqual([]);
    for (const c of [changed!, emptied!, unknown!]) {
      expect(await storedTags(c.id)).toEqual(shopifyTags(c.id));
    }
  });

  it("the tag sync reads unknown tags first: a stale segment tag a new customer came with is taken off", async () => {
    await h.ctx.db.shop.update({
      where: { id: h.shopId },
      data: {
        settings: JSON.stringify({
          ...DEFAULT_SETTINGS,
          tagSync: { enabled: true, prefix: "rfm:" },
        }),
      },
    });
    // Imported from another shop with its old segment tag; Kizuna gets customers/create
    // (no tags since API 2025-01) but the customer.tags_added is lost.
    const sent = sentFrom();
    const customer = h.shop.createCustomer({ tags: ["rfm:lost", "imported"] });
    h.shop.createOrder({ customerId: customer.id });
    await deliver(...sent().filter((w) => w.topic !== "customer.tags_added"));
    expect(await storedTags(customer.id)).toEqual([]);

    await computeShop(h.domain, { db: h.ctx.db, asOf: h.fake.clock.nowMs() });
    const metric = (await customerResult(h.ctx.db, h.shopId, customer.id))!;
    expect(metric).not.toBeNull();
    expect(metric.segment).not.toBe("lost");
    const result = await syncShopTags(h.ctx, h.domain, async () => {});
    expect(result.failed).toBe(0);
    expect(shopifyTags(customer.id)).toEqual(["imported", `rfm:${metric.segment}`].sort());
    expect(await storedTags(customer.id)).toEqual(shopifyTags(customer.id));
  });
});
