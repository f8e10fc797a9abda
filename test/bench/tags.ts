/**
 * Tag sync benchmark (figures, not a test): `npm run bench -- tags`, or
 * `npx tsx test/bench/tags.ts [changes=100000]`.
 *
 * A fake Shopify shop on the Standard plan's GraphQL throttle (100 points/s, 2,000 bucket)
 * with a little more than `changes` customers, the same customers in the database of
 * DATABASE_URL (default: a fresh SQLite file) with a segment each. Then syncShopTags, as the
 * tags worker runs it:
 *  1. first tagging: `changes` customers get their segment tag (one bulk mutation, tagsAdd);
 *  2. every one of them moves to another segment: old tag off, new tag on (two bulk
 *     mutations) — the "100k tag changes" figure, goal ≤ 10 minutes;
 *  3. 100 customers move, written one by one (below the bulk threshold): the points Shopify
 *     charged per change give the time the same `changes` would take one by one.
 * The fake runs bulk mutations line by line through its GraphQL executor as fast as it can;
 * Shopify publishes no bulk mutation speed, so step 2 measures Kizuna plus the fake.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";

const changes = Number(process.argv[2] ?? 100_000);
const DB = process.env.DATABASE_URL ?? "file:./prisma/bench-tags.sqlite";
Object.assign(process.env, {
  DATABASE_URL: DB,
  SHOPIFY_API_KEY: "bench-key",
  SHOPIFY_API_SECRET: "bench-secret",
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
const { seedResults } = await import("../helpers/result-set");
const { createRowStore } = await import("../../app/sync/store.server");
const { createAdminApi } = await import("../../app/sync/admin-api.server");
const { syncShopTags } = await import("../../app/sync/tags.server");
const { DEFAULT_SETTINGS } = await import("../../app/settings");
const { logger } = await import("../../app/logger.server");

const PREFIX = "rfm:";
const SAMPLE = 100;
const minutes = (ms: number) => `${(ms / 60_000).toFixed(2)} min`;
const hours = (s: number) => `${(s / 3600).toFixed(1)} h`;

// ---------------------------------------------------------------- setup
const domain = `bench-tags-${process.pid}.myshopify.com`;
let t = performance.now();
const fake = await startFakeShopify({
  shops: [
    {
      domain,
      customers: Math.ceil(changes * 1.02) + 10,
      seed: 5,
      currency: "JPY",
      horizonDays: 0,
      plan: "shopify",
    },
  ],
  apiSecret: "bench-secret",
});
redirect.setTarget(fake.url);
const shop = fake.shop(domain);
const { restoreRate, maximumAvailable } = shop.graphqlBucket.limits;
console.log(
  `fake shop: ${shop.counts().customers} customers in ${((performance.now() - t) / 1000).toFixed(1)} s; ` +
    `GraphQL throttle ${restoreRate} points/s, bucket ${maximumAvailable} (Standard plan)`,
);

const db = createDatabase(DB);
const store = createRowStore(DB);
const shopRow = await db.shop.create({
  data: {
    domain,
    computedAt: new Date(),
    settings: JSON.stringify({ ...DEFAULT_SETTINGS, tagSync: { enabled: true, prefix: PREFIX } }),
  },
});
const shopId = shopRow.id;
const token = shop.accessToken().accessToken;
const api = createAdminApi({ shop: domain, accessToken: async () => token });
const ctx = { db, store, api, log: logger };

t = performance.now();
const ids: bigint[] = [];
let batch: { id: bigint; createdAt: Date; shopifyUpdatedAt: Date; tags: string }[] = [];
for (const c of shop.customers()) {
  ids.push(BigInt(c.id));
  batch.push({
    id: BigInt(c.id),
    createdAt: new Date(c.createdAt),
    shopifyUpdatedAt: new Date(c.updatedAt),
    tags: c.tags.join(", "),
  });
  if (batch.length === 5_000) {
    await store.upsertCustomers(shopId, batch);
    batch = [];
  }
}
await store.upsertCustomers(shopId, batch);
ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const tagged = ids.slice(0, changes);
const computedAt = new Date();
const seeded = (segmentOf: (i: number) => string) =>
  tagged.map((customerId, i) => ({
    customerId,
    segment: segmentOf(i),
    recencyScore: 3,
    frequencyScore: 3,
    monetaryScore: 3,
    recencyDays: 30,
    frequency: 2,
    monetaryMinor: 10_000n,
    pAlive: null,
    expected90: null,
    clvMinor: null,
  }));
await seedResults(
  DB,
  shopId,
  seeded(() => "loyal"),
  computedAt,
);
console.log(
  `database: ${ids.length} customers, ${tagged.length} with a segment, in ${((performance.now() - t) / 1000).toFixed(1)} s`,
);

async function timedSync(label: string) {
  const spentBefore = shop.graphqlBucket.stats.spent;
  const start = performance.now();
  const result = await syncShopTags(ctx, domain);
  const ms = performance.now() - start;
  const points = shop.graphqlBucket.stats.spent - spentBefore;
  console.log(
    `${label}: ${result.written} written (${result.failed} failed, ${result.viaBulk ? "bulk" : "one by one"}) in ${minutes(ms)} = ${Math.round(result.written / (ms / 1000))} customers/s, ${points} GraphQL points`,
  );
  return { result, ms, points };
}

// ---------------------------------------------------------------- 1. first tagging
await timedSync(`first tagging (${PREFIX}loyal added)`);

// ---------------------------------------------------------------- 2. every customer moves
await seedResults(
  DB,
  shopId,
  seeded(() => "at_risk"),
  new Date(computedAt.getTime() + 1000),
);
const moved = await timedSync(`${changes} tag changes (${PREFIX}loyal → ${PREFIX}at_risk)`);
console.log(
  `  ${changes} tag changes via bulk mutation: ${minutes(moved.ms)} (goal ≤ 10 min: ${moved.ms <= 600_000 ? "met" : "NOT met"})`,
);

// ---------------------------------------------------------------- 3. one by one, for comparison
await seedResults(
  DB,
  shopId,
  seeded((i) => (i < SAMPLE ? "champions" : "at_risk")),
  new Date(computedAt.getTime() + 2000),
);
const sample = await timedSync(`${SAMPLE} changes one by one (tagsRemove + tagsAdd)`);
const perChange = sample.points / sample.result.written;
const oneByOneS = (changes * perChange) / restoreRate;
const addOnlyS = (changes * (perChange / 2)) / restoreRate;
console.log(
  `  per-customer mutations at ${restoreRate} points/s: ${perChange} points a change → ${changes} changes ≈ ${hours(oneByOneS)} ` +
    `(${hours(addOnlyS)} with one mutation a customer); bulk was ${Math.round(oneByOneS / (moved.ms / 1000))}× faster`,
);

// ---------------------------------------------------------------- check
let wrong = 0;
for (const c of shop.customers()) {
  const ours = c.tags.filter((x) => x.startsWith(PREFIX));
  if (ours.length > 1) wrong++;
}
const atRisk = [...shop.customers()].filter((c) => c.tags.includes(`${PREFIX}at_risk`)).length;
console.log(
  `check: ${atRisk} customers carry ${PREFIX}at_risk (expected ${changes - SAMPLE}), ${wrong} carry more than one ${PREFIX} tag`,
);

await store.close();
await db.$disconnect();
await fake.close();
