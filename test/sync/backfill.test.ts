import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPostgresUrl } from "../../prisma/database-url.mjs";
import { variant } from "../helpers/variant";
import { startSyncHarness, type SyncHarness } from "./harness";

let h: SyncHarness;
/** 10k customers in the full variant (`npm run bench:full`), 3k in `npm test`. */
const CUSTOMERS = variant(10_000, 3_000);

beforeAll(async () => {
  h = await startSyncHarness("backfill", { customers: CUSTOMERS, seed: 42, currency: "JPY" });
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe(`bulk backfill of a ${CUSTOMERS / 1000}k-customer shop`, () => {
  it("stores every order and customer exactly as Shopify has them", async () => {
    const truth = [...h.shop.orders()];
    // The shop must exercise what the comparison is about.
    expect(truth.filter((o) => o.customerId === null).length).toBeGreaterThan(0);
    expect(truth.filter((o) => o.cancelledAt !== null).length).toBeGreaterThan(0);
    expect(
      truth.filter((o) => o.refundedMinor > 0 && o.refundedMinor < o.totalMinor).length,
    ).toBeGreaterThan(0);
    expect(
      truth.filter((o) => o.refundedMinor > 0 && o.refundedMinor >= o.totalMinor).length,
    ).toBeGreaterThan(0);
    expect(truth.filter((o) => o.test).length).toBeGreaterThan(0);
    expect(truth.filter((o) => o.subscription).length).toBeGreaterThan(0);

    const postgres = isPostgresUrl(process.env.DATABASE_URL!);
    const [{ started }] = postgres
      ? await h.ctx.db.$queryRaw<{ started: Date }[]>`SELECT clock_timestamp() AS started`
      : [{ started: new Date(0) }];
    await h.runBackfill();
    expect(await h.differences()).toEqual([]);
    if (postgres) {
      // The compute that follows is planned with the tables' statistics.
      const analyzed = await h.ctx.db.$queryRaw<{ relname: string }[]>`
        SELECT relname::text AS relname FROM pg_stat_user_tables
        WHERE last_analyze >= ${started} ORDER BY relname`;
      expect(analyzed.map((r) => r.relname)).toEqual(
        expect.arrayContaining(["Customer", "Order", "OrderLineItem"]),
      );
    }

    const shop = await h.ctx.db.shop.findUniqueOrThrow({ where: { id: h.shopId } });
    expect(shop.syncStatus).toBe("idle");
    expect(shop.timezone).toBe("Asia/Tokyo");
    expect(shop.currency).toBe("JPY");
    expect(shop.syncDone).toBe(shop.syncTotal);
    expect(shop.backfilledAt).not.toBeNull();
  }, 180_000);

  it("does not change anything when it runs again", async () => {
    const before = await h.ctx.db.order.count({ where: { shopId: h.shopId } });
    await h.runBackfill();
    expect(await h.ctx.db.order.count({ where: { shopId: h.shopId } })).toBe(before);
    expect(await h.differences()).toEqual([]);
  }, 180_000);
});
