/**
 * Sync benchmark (figures, not a test):
 *  1. Backfill ingest of ~1M orders from the fake Shopify's bulk file into the database
 *     of DATABASE_URL (default: a fresh SQLite file), orders/s, next to the plainest
 *     driver insert of the same rows in the same run.
 *  Webhook intake is test/bench/webhooks.ts.
 *
 *   npx tsx test/bench/sync.ts [customers=250000]
 * PostgreSQL: DATABASE_URL=postgresql://… (its Order rows of the bench shop are replaced).
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";

const customers = Number(process.argv[2] ?? 250_000);
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
const { orderRowFrom } = await import("../../app/sync/rows");
const { logger } = await import("../../app/logger.server");

const mb = () => Math.round(process.memoryUsage().rss / 2 ** 20);

// ---------------------------------------------------------------- backfill
const domain = "bench-sync.myshopify.com";
let t = performance.now();
const fake = await startFakeShopify({
  shops: [{ domain, customers, seed: 3, currency: "JPY", horizonDays: 0, plan: "plus" }],
  apiSecret: secret,
});
redirect.setTarget(fake.url);
const shop = fake.shop(domain);
console.log(
  `fake shop: ${customers} customers generated in ${((performance.now() - t) / 1000).toFixed(1)} s`,
);

const db = createDatabase(DB);
const store = createRowStore(DB);
await db.shop.deleteMany({ where: { domain } }); // a PostgreSQL database is reused
const shopId = (await db.shop.create({ data: { domain } })).id;
const token = shop.accessToken().accessToken;
const api = createAdminApi({ shop: domain, accessToken: async () => token });
const ctx = { db, store, api, log: logger };
await beginBackfill(db, domain);

// Start the exports, let Shopify (the fake) finish them, then time the ingest alone.
await advanceBackfill(ctx, domain);
await fake.settle();
const ingestStart = performance.now();
for (;;) {
  const step = await advanceBackfill(ctx, domain);
  if (step.done) break;
  await new Promise((r) => setTimeout(r, Math.min(step.checkAgainInMs, 100)));
}
const ingestMs = performance.now() - ingestStart;
const orderCount = await db.order.count({ where: { shopId } });
const ordersOp = await db.bulkOperation.findFirstOrThrow({ where: { shopId, kind: "orders" } });
console.log(
  `backfill ingest: ${orderCount} orders (+ customers, ${ordersOp.objectCount} order-file lines) in ${(ingestMs / 1000).toFixed(1)} s = ${Math.round(orderCount / (ingestMs / 1000))} orders/s (download + parse + upsert + checkpoints), RSS ${mb()} MB`,
);

// The same rows through the plainest driver insert, into a scratch table.
const rows: ReturnType<typeof orderRowFrom>[] = [];
await readJsonl(ordersOp.url!, {
  onLine: (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    if (!("__parentId" in line)) rows.push(orderRowFrom(line, false));
  },
});
t = performance.now();
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
  const insert = raw.prepare(
    `INSERT INTO bench_orders ("shopId","id","customerId","processedAt","cancelledAt","test","grossMinor","refundedMinor","netMinor","itemQuantity","sourceName","subscription","shopifyUpdatedAt","deleted") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,0)`,
  );
  raw.transaction(() => {
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
      );
    }
  })();
  raw.exec("DROP TABLE bench_orders");
  raw.close();
} else {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: DB });
  await client.connect();
  // A regular table: a TEMP one skips the write-ahead log that "Order" pays for.
  await client.query(`DROP TABLE IF EXISTS bench_orders`);
  await client.query(`CREATE TABLE bench_orders (LIKE "Order" INCLUDING ALL)`);
  for (let i = 0; i < rows.length; i += 2_000) {
    const b = rows.slice(i, i + 2_000);
    await client.query(
      `INSERT INTO bench_orders SELECT * FROM unnest($1::int[],$2::bigint[],$3::bigint[],$4::timestamp(3)[],$5::timestamp(3)[],$6::boolean[],$7::bigint[],$8::bigint[],$9::bigint[],$10::int[],$11::text[],$12::boolean[],$13::timestamp(3)[],$14::boolean[])`,
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
      ],
    );
  }
  await client.query(`DROP TABLE bench_orders`);
  await client.end();
}
const rawMs = performance.now() - t;
const rawRate = Math.round(rows.length / (rawMs / 1000));
const ingestRate = Math.round(orderCount / (ingestMs / 1000));
console.log(
  `raw driver insert of the same ${rows.length} rows: ${(rawMs / 1000).toFixed(1)} s = ${rawRate} rows/s; backfill ingest runs at ${((ingestRate / rawRate) * 100).toFixed(0)} % of it (goal ≥ 50 %)`,
);
await store.close();
await fake.close();

await db.$disconnect();
process.exit(0);
