/**
 * A fake Shopify shop and Kizuna's sync pieces wired to it, for the sync tests: the
 * fetch redirect (installed before any Shopify library is imported), a shop row, a
 * stored offline session, the Admin API client and a comparison with ground truth.
 */
import type { OrderLineItem } from "@prisma/client";
import { afterAll, beforeAll } from "vitest";
import type { WebhookJob } from "../../app/jobs/queues.server";
import { createDatabase } from "../../app/db.server";
import { logger } from "../../app/logger.server";
import { createAdminApi } from "../../app/sync/admin-api.server";
import { advanceBackfill, beginBackfill } from "../../app/sync/backfill.server";
import type { SyncContext } from "../../app/sync/context.server";
import { processWebhook } from "../../app/sync/webhook-processing.server";
import { createRowStore } from "../../app/sync/store.server";
import {
  installFetchRedirect,
  startFakeShopify,
  type FakeShop,
  type FakeShopify,
  type FakeShopifyOptions,
  type ShopOptions,
} from "../fake-shopify/index";
import type { SentWebhook } from "../fake-shopify/shop";
import { lineItemDifferences, orderDifferences } from "../helpers/order-truth";
import { installOfflineSession } from "../helpers/sessions";

export const redirect = installFetchRedirect();
const url = process.env.DATABASE_URL!;

export interface SyncHarness {
  fake: FakeShopify;
  shop: FakeShop;
  domain: string;
  shopId: number;
  ctx: SyncContext;
  /** Drives the backfill to its end as the worker would, without the queue. */
  runBackfill(): Promise<void>;
  /** Differences between the database and Shopify's ground truth (empty when equal). */
  differences(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startSyncHarness(
  name: string,
  shopOptions: ShopOptions,
  fakeOptions: FakeShopifyOptions = {},
): Promise<SyncHarness> {
  const domain = `${name}-${process.pid}-${Date.now() % 1_000_000}.myshopify.com`;
  const fake = await startFakeShopify({
    shops: [{ horizonDays: 0, ...shopOptions, domain }],
    ...fakeOptions,
  });
  redirect.setTarget(fake.url);
  const shop = fake.shop(domain);
  const db = createDatabase(url);
  const store = createRowStore(url);
  const shopId = (await db.shop.create({ data: { domain } })).id;
  const token = shop.accessToken().accessToken;
  await installOfflineSession(db, domain, { accessToken: token });
  const api = createAdminApi({
    shop: domain,
    accessToken: async () => token,
    baseDelayMs: 20,
    maxDelayMs: 2_000,
    maxAttempts: 12,
  });
  const ctx: SyncContext = { db, store, api, log: logger };

  return {
    fake,
    shop,
    domain,
    shopId,
    ctx,
    async runBackfill() {
      await beginBackfill(db, domain);
      let failures = 0;
      for (let step = 0; step < 10_000; step++) {
        let wait = 0;
        try {
          const result = await advanceBackfill(ctx, domain);
          if (result.done) return;
          wait = Math.min(result.checkAgainInMs, 50);
        } catch (error) {
          // As the worker does: the job fails and BullMQ retries it (5 attempts there).
          if (++failures > 20) throw error;
          wait = 20;
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
      throw new Error("backfill did not finish");
    },
    differences: () => differencesFromTruth(db, shopId, shop),
    async close() {
      await db.shop.deleteMany({ where: { id: shopId } });
      await db.session.deleteMany({ where: { shop: domain } });
      await store.close();
      await db.$disconnect();
      redirect.setTarget(null);
      await fake.close();
    },
  };
}

/**
 * A harness for the enclosing describe block: started before its tests (handed to `use`, for
 * the file's own helpers to read), closed after them.
 */
export function harnessForBlock(
  name: string,
  shopOptions: ShopOptions,
  use: (harness: SyncHarness) => void,
): void {
  let harness: SyncHarness | undefined;
  beforeAll(async () => {
    harness = await startSyncHarness(name, shopOptions);
    use(harness);
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
  });
}

/**
 * The fake's webhooks to the harness `current()` returns, delivered as the intake would queue
 * them (ids unique within the file, under `idPrefix`) and processed as the webhook worker
 * does, without the queue.
 */
export function fakeWebhooks(current: () => SyncHarness, idPrefix: string) {
  let serial = 0;
  return {
    /** The fake's latest webhook of a topic. */
    lastSent(topic: string): SentWebhook {
      return current()
        .shop.sent.filter((s) => s.topic === topic)
        .at(-1)!;
    },
    /** Processes a webhook the fake sent, its payload possibly replaced. */
    deliver(sent: SentWebhook, payload: unknown = sent.payload) {
      const h = current();
      const job: WebhookJob = {
        shop: h.domain,
        topic: sent.topic.toUpperCase().replace(/[/.]/g, "_"),
        webhookId: `${idPrefix}-${++serial}-${sent.webhookId}`,
        receivedAt: new Date().toISOString(),
        payload,
      };
      return processWebhook({ ...h.ctx, api: () => h.ctx.api }, job);
    },
    /** Admin API requests the fake has answered so far. */
    requests(): number {
      return current().shop.summary().throttle.stats.requests;
    },
  };
}

type Db = ReturnType<typeof createDatabase>;

/** Order by order and customer by customer: every stored field against Shopify's. */
export async function differencesFromTruth(
  db: Db,
  shopId: number,
  shop: FakeShop,
): Promise<string[]> {
  const out: string[] = [];
  const orders = await db.order.findMany({ where: { shopId, deleted: false } });
  const stored = new Map(orders.map((o) => [o.id, o]));
  const itemsByOrder = new Map<bigint, OrderLineItem[]>();
  for (const item of await db.orderLineItem.findMany({ where: { shopId } })) {
    const list = itemsByOrder.get(item.orderId) ?? [];
    list.push(item);
    itemsByOrder.set(item.orderId, list);
  }
  const truth = [...shop.orders()];
  if (orders.length !== truth.length)
    out.push(`orders: ${orders.length} stored, ${truth.length} in Shopify`);
  for (const t of truth) {
    const o = stored.get(BigInt(t.id));
    if (!o) {
      out.push(`order ${t.id} missing`);
      continue;
    }
    for (const difference of orderDifferences(t, o)) out.push(`order ${t.id} ${difference}`);
    for (const difference of lineItemDifferences(t, itemsByOrder.get(o.id) ?? [])) {
      out.push(`order ${t.id} ${difference}`);
    }
  }
  const customers = await db.customer.findMany({ where: { shopId, deleted: false } });
  const storedCustomers = new Map(customers.map((c) => [c.id, c]));
  const customerTruth = [...shop.customers()];
  if (customers.length !== customerTruth.length) {
    out.push(`customers: ${customers.length} stored, ${customerTruth.length} in Shopify`);
  }
  for (const t of customerTruth) {
    const c = storedCustomers.get(BigInt(t.id));
    if (!c) {
      out.push(`customer ${t.id} missing`);
      continue;
    }
    const tags = (s: string[]) =>
      [...s]
        .map((x) => x.toLowerCase())
        .sort()
        .join(",");
    const storedTags = c.tags === "" ? [] : c.tags.split(", ");
    if (tags(storedTags) !== tags(t.tags))
      out.push(`customer ${t.id} tags: ${c.tags} vs ${t.tags}`);
    if (c.createdAt.toISOString().replace(".000Z", "Z") !== t.createdAt) {
      out.push(`customer ${t.id} createdAt`);
    }
  }
  return out.slice(0, 20);
}
