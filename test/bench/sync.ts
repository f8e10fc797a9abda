/**
 * Sync benchmark (figures, not a test):
 *  1. Backfill ingest of ~1M orders from the fake Shopify's bulk file into the database
 *     of DATABASE_URL (default: a fresh SQLite file), orders/s, next to the plainest
 *     driver insert of the same rows in the same run: the orders and their line items
 *     (each order-file line is one row). The orders file's own time is compared; the whole
 *     backfill is printed too.
 *  Webhook intake is test/bench/webhooks.ts.
 *
 *   npx tsx test/bench/sync.ts [customers=250000] [rounds=3]
 * PostgreSQL: DATABASE_URL=postgresql://… (its Order rows of the bench shop are replaced).
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { quantile, seconds } from "../helpers/figures";

const customers = Number(process.argv[2] ?? 250_000);
const rounds = Number(process.argv[3] ?? 3);
const DB = process.env.DATABASE_URL ?? "file:./prisma/bench-sync.sqlite";
const secret = "bench-secret";
Object.assign(process.env, {
  DATABASE_URL: DB,
  SHOPIFY_API_KEY: "bench-key",
  SHOPIFY_API_SECRET: secret,
  SHOPIFY_APP_URL: "https://kizuna.bench",
  QUEUE_PREFIX: `kizuna-bench-${process.pid}`,
  LOG_LEVEL: "silent",
});
if (DB.startsWith("file:")) {
  for (const s of ["", "-wal", "-shm"]) rmSync(DB.slice(5) + s, { force: true });
}
execFileSync(process.execPath, ["prisma/setup.mjs", "--migrate-only"], { stdio: "ignore" });

const { installFetchRedirect, startFakeShopify } = await import("../fake-shopify/index");
const redirect = installFetchRedirect();
const { createDatabase } = await import("../../app/db.server");
const { createRowStore } = await import("../../app/sync/store.server");
const { createAdminApi } = await import("../../app/sync/admin-api.server");
const { advanceBackfill, beginBackfill } = await import("../../app/sync/backfill.server");
const { readJsonl } = await import("../../app/sync/bulk.server");
const { lineItemRowFrom, orderRowFrom, parseGid } = await import("../../app/sync/rows");
const { logger } = await import("../../app/logger.server");

const mb = () => Math.round(process.memoryUsage().rss / 2 ** 20);

// ---------------------------------------------------------------- backfill
const domain = "bench-sync.myshopify.com";
const t = performance.now();
const fake = await startFakeShopify({
  shops: [{ domain, customers, seed: 3, currency: "JPY", horizonDays: 0, plan: "plus" }],
  apiSecret: secret,
});
redirect.setTarget(fake.url);
const shop = fake.shop(domain);
console.log(`fake shop: ${customers} customers generated in ${seconds(performance.now() - t)}`);

const db = createDatabase(DB);
const store = createRowStore(DB);
const token = shop.accessToken().accessToken;
const api = createAdminApi({ shop: domain, accessToken: async () => token });
const ctx = { db, store, api, log: logger };
const ascending = (a: number, b: number) => a - b;
const median = (values: number[]) => quantile(values.toSorted(ascending), 0.5);

/** One backfill of the fake shop into a fresh Shop row; the times of its two files. */
async function backfill() {
  await db.shop.deleteMany({ where: { domain } }); // the last round's rows, or a reused database's
  const shopId = (await db.shop.create({ data: { domain } })).id;
  await beginBackfill(db, domain);
  // Start the exports, let Shopify (the fake) finish them, then time the ingest alone.
  await advanceBackfill(ctx, domain);
  await fake.settle();
  const start = Date.now();
  for (;;) {
    const step = await advanceBackfill(ctx, domain);
    if (step.done) break;
    await new Promise((r) => setTimeout(r, Math.min(step.checkAgainInMs, 100)));
  }
  const end = Date.now();
  const ops = await db.bulkOperation.findMany({ where: { shopId } });
  const op = (kind: string) => ops.find((o) => o.kind === kind)!;
  // The files are read one after the other, customers first: each ends at its ingestedAt.
  const customersDone = op("customers").ingestedAt!.getTime();
  return {
    shopId,
    orders: await db.order.count({ where: { shopId } }),
    ordersOp: op("orders"),
    wholeMs: end - start,
    customersMs: customersDone - start,
    ordersMs: op("orders").ingestedAt!.getTime() - customersDone,
  };
}

type Item = ReturnType<typeof lineItemRowFrom>;
/** An order's journey as its columns (null: none). */
const journeyColumns = (r: ReturnType<typeof orderRowFrom>) => {
  const v = r.firstTouch?.kind === "visit" ? r.firstTouch : null;
  return [
    r.firstTouch?.kind ?? null,
    v?.source ?? null,
    v?.sourceType ?? null,
    v?.utmSource ?? null,
    v?.utmMedium ?? null,
    v?.utmCampaign ?? null,
    v?.utmContent ?? null,
    v?.utmTerm ?? null,
    v?.referrerHost ?? null,
    v?.landingPath ?? null,
  ];
};

/** The same order and line item rows through the plainest driver insert, into scratch tables. */
async function rawInsert(shopId: number, rows: ReturnType<typeof orderRowFrom>[], items: Item[]) {
  if (DB.startsWith("file:")) {
    const { default: Database } = await import("better-sqlite3");
    const raw = new Database(DB.slice(5));
    raw.pragma("journal_mode = WAL");
    // The same table with the same keys and indexes, so only the write path differs.
    const ddl = raw
      .prepare(`SELECT sql FROM sqlite_master WHERE tbl_name = 'Order' AND sql IS NOT NULL`)
      .all() as { sql: string }[];
    for (const { sql } of ddl) {
      raw.exec(sql.replaceAll('"Order"', "bench_orders").replace(/INDEX "Order_/, 'INDEX "bench_'));
    }
    const itemDdl = raw
      .prepare(`SELECT sql FROM sqlite_master WHERE tbl_name = 'OrderLineItem' AND sql IS NOT NULL`)
      .all() as { sql: string }[];
    for (const { sql } of itemDdl) {
      raw.exec(
        sql
          .replaceAll('"OrderLineItem"', "bench_items")
          .replace(/INDEX "OrderLineItem_/, 'INDEX "bench_items_'),
      );
    }
    const insert = raw.prepare(
      `INSERT INTO bench_orders ("shopId","id","customerId","processedAt","cancelledAt","test","grossMinor","refundedMinor","netMinor","itemQuantity","sourceName","subscription","shopifyUpdatedAt","deleted","channelHandle","discountCodes","journey","firstSource","firstSourceType","utmSource","utmMedium","utmCampaign","utmContent","utmTerm","referrerHost","landingPath") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,0,?,?,?,?,?,?,?,?,?,?,?,?)`,
    );
    const insertItem = raw.prepare(
      `INSERT INTO bench_items ("shopId","id","orderId","productId","variantId","quantity","currentQuantity","netMinor","subscription","giftCard","versionAt") VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
    );
    const start = performance.now();
    raw.transaction(() => {
      for (const i of items) {
        insertItem.run(
          shopId,
          i.id,
          i.orderId,
          i.productId,
          i.variantId,
          i.quantity,
          i.currentQuantity,
          i.netMinor,
          i.subscription ? 1 : 0,
          i.giftCard ? 1 : 0,
          i.versionAt.toISOString(),
        );
      }
      for (const r of rows) {
        insert.run(
          shopId,
          r.id,
          r.customerId,
          r.processedAt.toISOString(),
          r.cancelledAt?.toISOString() ?? null,
          r.test ? 1 : 0,
          r.grossMinor,
          r.refundedMinor,
          r.netMinor,
          r.itemQuantity,
          r.sourceName,
          r.subscription ? 1 : 0,
          r.shopifyUpdatedAt.toISOString(),
          r.channelHandle ?? null,
          r.discountCodeList ? JSON.stringify(r.discountCodeList) : null,
          ...journeyColumns(r),
        );
      }
    })();
    const ms = performance.now() - start;
    raw.exec("DROP TABLE bench_orders");
    raw.exec("DROP TABLE bench_items");
    raw.close();
    return ms;
  }
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: DB });
  await client.connect();
  // A regular table: a TEMP one skips the write-ahead log that "Order" pays for.
  await client.query(`DROP TABLE IF EXISTS bench_orders`);
  await client.query(`CREATE TABLE bench_orders (LIKE "Order" INCLUDING ALL)`);
  await client.query(`DROP TABLE IF EXISTS bench_items`);
  await client.query(`CREATE TABLE bench_items (LIKE "OrderLineItem" INCLUDING ALL)`);
  const start = performance.now();
  for (let i = 0; i < items.length; i += 5_000) {
    const b = items.slice(i, i + 5_000);
    await client.query(
      `INSERT INTO bench_items SELECT * FROM unnest($1::int[],$2::bigint[],$3::bigint[],$4::bigint[],$5::bigint[],$6::int[],$7::int[],$8::bigint[],$9::boolean[],$10::boolean[],$11::timestamp(3)[])`,
      [
        b.map(() => shopId),
        b.map((r) => r.id.toString()),
        b.map((r) => r.orderId.toString()),
        b.map((r) => r.productId?.toString() ?? null),
        b.map((r) => r.variantId?.toString() ?? null),
        b.map((r) => r.quantity),
        b.map((r) => r.currentQuantity),
        b.map((r) => r.netMinor.toString()),
        b.map((r) => r.subscription),
        b.map((r) => r.giftCard),
        b.map((r) => r.versionAt.toISOString()),
      ],
    );
  }
  for (let i = 0; i < rows.length; i += 2_000) {
    const b = rows.slice(i, i + 2_000);
    await client.query(
      `INSERT INTO bench_orders SELECT * FROM unnest($1::int[],$2::bigint[],$3::bigint[],$4::timestamp(3)[],$5::timestamp(3)[],$6::boolean[],$7::bigint[],$8::bigint[],$9::bigint[],$10::int[],$11::text[],$12::boolean[],$13::timestamp(3)[],$14::boolean[],
        $15::text[],$16::text[],$17::text[],$18::text[],$19::text[],$20::text[],$21::text[],$22::text[],$23::text[],$24::text[],$25::text[],$26::text[])`,
      [
        b.map(() => shopId),
        b.map((r) => r.id.toString()),
        b.map((r) => r.customerId?.toString() ?? null),
        b.map((r) => r.processedAt.toISOString()),
        b.map((r) => r.cancelledAt?.toISOString() ?? null),
        b.map((r) => r.test),
        b.map((r) => r.grossMinor.toString()),
        b.map((r) => r.refundedMinor.toString()),
        b.map((r) => r.netMinor.toString()),
        b.map((r) => r.itemQuantity),
        b.map((r) => r.sourceName),
        b.map((r) => r.subscription),
        b.map((r) => r.shopifyUpdatedAt.toISOString()),
        b.map(() => false),
        b.map((r) => r.channelHandle ?? null),
        b.map((r) => (r.discountCodeList ? JSON.stringify(r.discountCodeList) : null)),
        ...Array.from({ length: 10 }, (_, c) => b.map((r) => journeyColumns(r)[c])),
      ],
    );
  }
  const ms = performance.now() - start;
  await client.query(`DROP TABLE bench_orders`);
  await client.query(`DROP TABLE bench_items`);
  await client.end();
  return ms;
}

// Rounds alternate the backfill and the raw insert: on a shared machine either can be
// slowed by a neighbour, and the median of each is compared.
const ratios: number[] = [];
const orderRates: number[] = [];
const wholeRates: number[] = [];
const rawRates: number[] = [];
for (let round = 1; round <= rounds; round++) {
  const run = await backfill();
  const rows: ReturnType<typeof orderRowFrom>[] = [];
  const items: Item[] = [];
  const versionAt = run.ordersOp.startedAt;
  await readJsonl(run.ordersOp.url!, {
    onLine: (text) => {
      const line = JSON.parse(text) as Record<string, unknown>;
      if ("__parentId" in line) {
        items.push(lineItemRowFrom(line, parseGid(String(line.__parentId), "Order"), versionAt));
      } else rows.push(orderRowFrom(line, false));
    },
  });
  const rawMs = await rawInsert(run.shopId, rows, items);
  // Rates in orders/s: the raw insert's time covers the same orders with their line items.
  const ordersRate = run.orders / (run.ordersMs / 1000);
  const rawRate = rows.length / (rawMs / 1000);
  ratios.push(ordersRate / rawRate);
  orderRates.push(ordersRate);
  wholeRates.push(run.orders / (run.wholeMs / 1000));
  rawRates.push(rawRate);
  console.log(
    `round ${round}: backfill ingest of ${run.orders} orders (${run.ordersOp.objectCount} order-file lines) and ${customers} customers in ${seconds(run.wholeMs)} ` +
      `(customers file ${seconds(run.customersMs)}, orders file ${seconds(run.ordersMs)} = ${Math.round(ordersRate)} orders/s: download + parse + upsert + progress); ` +
      `raw driver insert of the same ${rows.length} orders and ${items.length} line items ${seconds(rawMs)} = ${Math.round(rawRate)} orders/s; ` +
      `orders file at ${Math.round((ordersRate / rawRate) * 100)} % of raw; RSS ${mb()} MB`,
  );
}
console.log(
  `median of ${rounds}: orders file ${Math.round(median(orderRates))} orders/s, whole backfill (customers too) ${Math.round(median(wholeRates))} orders/s, raw insert ${Math.round(median(rawRates))} orders/s (with their line items); ` +
    `orders file at ${Math.round(median(ratios) * 100)} % of raw (goal ≥ 50 %), whole backfill at ${Math.round((median(wholeRates) / median(rawRates)) * 100)} %`,
);
await store.close();
await fake.close();

await db.$disconnect();
process.exit(0);
