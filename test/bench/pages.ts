/**
 * Page benchmark: `npx tsx test/bench/pages.ts [customers] [--reuse] [--skip-lcp]`
 * (default 1,000,000 customers, about 4.2M orders; `npm run bench pages`).
 *
 * Writes a generated shop (test/metrics/generate.ts) through the sync layer's row store into
 * its own database (SQLite file, or DATABASE_URL when it is postgresql://), computes it at
 * three weekly cut-offs and pads the snapshot history to 90 daily snapshots (a shop that has
 * run for three months; the dashboard's trend lines read them), then:
 * - calls every page's loader directly, as Remix would for a data request (Bearer ID token,
 *   authenticate.admin included), and prints p50 / p95 / max per loader — warm (the parsed
 *   snapshot cached in the process, as in a running server) and cold (caches dropped before
 *   every call, so each reads and parses the stored snapshot). Goal: p95 ≤ 100 ms.
 * - opens the dashboard in Chromium against the production build and prints its Largest
 *   Contentful Paint (PerformanceObserver 'largest-contentful-paint'). Goal: ≤ 1.5 s.
 * Figures only; nothing is asserted. Not part of `npm test`.
 */
import { execFileSync } from "node:child_process";
import type { AppLoadContext, LoaderFunctionArgs } from "@remix-run/node";
import { rmSync } from "node:fs";
import { quantile, seconds } from "../helpers/figures";
import { installOfflineSession } from "../helpers/sessions";

const args = process.argv.slice(2);
const REUSE = args.includes("--reuse");
const SKIP_LCP = args.includes("--skip-lcp");
const CUSTOMERS = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const SQLITE_URL = process.env.BENCH_PAGES_SQLITE_URL ?? "file:/tmp/kizuna-bench-pages.sqlite";
const URL_ = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? "")
  ? process.env.DATABASE_URL!
  : SQLITE_URL;
const STORE = `bench-pages-${CUSTOMERS}`;
const DOMAIN = `${STORE}.myshopify.com`;
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 60);
const LCP_RUNS = Number(process.env.BENCH_LCP_RUNS ?? 7);
const DAY = 86_400_000;

// db.server validates the app environment on import: the bench supplies stand-ins.
Object.assign(process.env, {
  NODE_ENV: "production",
  DATABASE_URL: URL_,
  SHOPIFY_API_KEY: process.env.SHOPIFY_API_KEY ?? "kizuna-bench-key",
  SHOPIFY_API_SECRET: process.env.SHOPIFY_API_SECRET ?? "kizuna-bench-secret",
  SHOPIFY_APP_URL: process.env.SHOPIFY_APP_URL ?? "https://kizuna.bench",
  QUEUE_PREFIX: process.env.QUEUE_PREFIX ?? `kizuna-bench-${process.pid}`,
  LOG_LEVEL: "silent",
});

// The Shopify library logs every authenticated request at info level: not bench output.
const print = console.log.bind(console);
console.log = (...parts: unknown[]) => {
  if (typeof parts[0] === "string" && parts[0].startsWith("[shopify-")) return;
  print(...parts);
};

const ms = (x: number) => `${x.toFixed(1)} ms`;

function migrate(fresh: boolean): void {
  if (fresh && URL_.startsWith("file:")) {
    const file = URL_.slice("file:".length);
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(file + suffix, { force: true });
  }
  execFileSync(process.execPath, ["prisma/setup.mjs", "--migrate-only"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: process.env,
  });
}

async function prepareShop(): Promise<number> {
  const { default: prisma } = await import("../../app/db.server");
  const { computeShop } = await import("../../app/metrics/compute.server");
  const { createRowStore } = await import("../../app/sync/store.server");
  const { generateShop } = await import("../metrics/generate");
  const existing = await prisma.shop.findUnique({ where: { domain: DOMAIN } });
  if (
    existing &&
    REUSE &&
    (await prisma.metricSnapshot.count({ where: { shopId: existing.id } }))
  ) {
    console.log(`  reusing ${DOMAIN}`);
    return existing.id;
  }
  if (existing) await prisma.shop.delete({ where: { id: existing.id } });
  await prisma.session.deleteMany({ where: { shop: DOMAIN } });
  const now = Date.now();
  const shop = await prisma.shop.create({
    data: { domain: DOMAIN, timezone: "Asia/Tokyo", currency: "JPY", backfilledAt: new Date() },
  });
  await installOfflineSession(prisma, DOMAIN, {
    accessToken: "shpat_bench",
    expires: new Date(now + 30 * DAY),
  });
  const store = createRowStore(URL_);
  let t = performance.now();
  let orders = 0;
  for (const batch of generateShop({ customers: CUSTOMERS, seed: 2026, end: new Date(now) })) {
    await store.upsertCustomers(shop.id, batch.customers);
    await store.upsertOrders(shop.id, batch.orders);
    orders += batch.orders.length;
  }
  await store.close();
  console.log(
    `  wrote ${CUSTOMERS.toLocaleString("en")} customers, ${orders.toLocaleString("en")} orders in ${seconds(performance.now() - t)}`,
  );
  const months = Array.from({ length: 12 }, (_, k) => {
    const d = new Date(now - k * 30 * DAY);
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
  });
  await prisma.marketingSpend.createMany({
    data: [...new Set(months)].flatMap((month) =>
      ["instagram", "google", "line"].map((channel) => ({
        shopId: shop.id,
        month,
        channel,
        amountMinor: BigInt(CUSTOMERS * 20),
      })),
    ),
  });
  for (const asOf of [now - 14 * DAY, now - 7 * DAY, now]) {
    t = performance.now();
    await computeShop(DOMAIN, { asOf });
    console.log(
      `  computed as of ${new Date(asOf).toISOString().slice(0, 10)} in ${seconds(performance.now() - t)}`,
    );
  }
  return shop.id;
}

type Loader = (args: LoaderFunctionArgs) => Promise<unknown>;

/**
 * A shop that has run for months has a snapshot a day (results.server keeps up to 400): the
 * three real computes are padded with copies of the oldest, one per earlier day, up to
 * HISTORY_DAYS, so the trend lines read a steady state's history.
 */
async function fillHistory(): Promise<void> {
  const { default: prisma } = await import("../../app/db.server");
  const { HISTORY_DAYS } = await import("../../app/pages/history.server");
  const shop = await prisma.shop.findUniqueOrThrow({ where: { domain: DOMAIN } });
  const rows = await prisma.metricSnapshot.findMany({
    where: { shopId: shop.id },
    orderBy: { asOf: "asc" },
    select: { asOf: true, computedAt: true, data: true, summary: true },
  });
  const oldest = rows[0]!;
  const missing = HISTORY_DAYS - rows.length;
  if (missing <= 0) return;
  await prisma.metricSnapshot.createMany({
    data: Array.from({ length: missing }, (_, k) => ({
      shopId: shop.id,
      asOf: new Date(oldest.asOf.getTime() - (k + 1) * DAY),
      computedAt: new Date(oldest.computedAt.getTime() - (k + 1) * DAY),
      data: oldest.data,
      summary: oldest.summary,
    })),
  });
  console.log(`  padded the snapshot history to ${HISTORY_DAYS} daily snapshots`);
}

/** PostgreSQL's autovacuum would have analysed the fresh rows by now; do it at once. */
async function analyze(): Promise<void> {
  if (URL_.startsWith("file:")) return;
  const { default: prisma } = await import("../../app/db.server");
  for (const table of ["CustomerResultChunk", "MetricSnapshot", "Shop"]) {
    await prisma.$executeRawUnsafe(`VACUUM ANALYZE "${table}"`);
  }
}

async function benchLoaders(): Promise<void> {
  const { adminToken } = await import("../extensions/tokens");
  const { clearSnapshotCache, latestSnapshot } = await import("../../app/pages/page-base.server");
  const { clearHistoryCache } = await import("../../app/pages/history.server");
  const { default: prisma } = await import("../../app/db.server");
  const routes = {
    dashboard: await import("../../app/routes/app._index"),
    segments: await import("../../app/routes/app.segments._index"),
    drill: await import("../../app/routes/app.segments.$id"),
    cohorts: await import("../../app/routes/app.cohorts"),
    migration: await import("../../app/routes/app.migration"),
    continuation: await import("../../app/routes/app.continuation"),
    ltv: await import("../../app/routes/app.ltv"),
    settings: await import("../../app/routes/app.settings"),
  };
  const shop = await prisma.shop.findUniqueOrThrow({ where: { domain: DOMAIN } });
  const snapshot = (await latestSnapshot(shop.id))!;
  const largest = [...snapshot.segments.rows].sort((a, b) => b.customers - a.customers)[0]!;
  const snapshotRow = await prisma.metricSnapshot.findFirstOrThrow({
    where: { shopId: shop.id },
    orderBy: { computedAt: "desc" },
    select: { data: true },
  });
  console.log(
    `\nLoaders (${snapshot.counts.customers.toLocaleString("en")} customers, snapshot ${(snapshotRow.data.length / 1024).toFixed(0)} KB, largest segment ${largest.id} with ${largest.customers.toLocaleString("en")} customers, ${ITERATIONS} calls each)`,
  );
  const token = await adminToken(STORE, { expiresIn: 3600 });
  const cases: [string, Loader, string, Record<string, string>][] = [
    ["dashboard", routes.dashboard.loader, "/app", {}],
    ["segments", routes.segments.loader, "/app/segments", {}],
    [
      "segment drill-down (by LTV)",
      routes.drill.loader,
      `/app/segments/${largest.id}`,
      { id: largest.id },
    ],
    [
      "segment drill-down (purchases, p. 20)",
      routes.drill.loader,
      `/app/segments/${largest.id}?sort=frequency&page=20`,
      { id: largest.id },
    ],
    ["cohorts", routes.cohorts.loader, "/app/cohorts", {}],
    ["migration", routes.migration.loader, "/app/migration", {}],
    ["continuation", routes.continuation.loader, "/app/continuation", {}],
    ["predictive LTV", routes.ltv.loader, "/app/ltv", {}],
    ["settings", routes.settings.loader, "/app/settings", {}],
  ];
  const call = (loader: Loader, path: string, params: Record<string, string>) =>
    loader({
      request: new Request(new URL(path, process.env.SHOPIFY_APP_URL), {
        headers: { Authorization: `Bearer ${token}` },
      }),
      params,
      context: {} as AppLoadContext,
    });
  console.log(
    `  ${"loader".padEnd(40)} ${"warm p50".padStart(9)} ${"warm p95".padStart(9)} ${"cold p95".padStart(9)} ${"max".padStart(9)}`,
  );
  for (const [name, loader, path, params] of cases) {
    const warm: number[] = [];
    const cold: number[] = [];
    await call(loader, path, params);
    for (let i = 0; i < ITERATIONS; i++) {
      let t = performance.now();
      await call(loader, path, params);
      warm.push(performance.now() - t);
      clearSnapshotCache();
      clearHistoryCache();
      t = performance.now();
      await call(loader, path, params);
      cold.push(performance.now() - t);
    }
    warm.sort((a, b) => a - b);
    cold.sort((a, b) => a - b);
    console.log(
      `  ${name.padEnd(40)} ${ms(quantile(warm, 0.5)).padStart(9)} ${ms(quantile(warm, 0.95)).padStart(9)} ${ms(quantile(cold, 0.95)).padStart(9)} ${ms(Math.max(warm.at(-1)!, cold.at(-1)!)).padStart(9)}`,
    );
  }
  // Not a page load, but the heaviest read: the whole largest segment as CSV.
  const exportRoute = await import("../../app/routes/app.segments.$id.export");
  const t = performance.now();
  const response = (await call(exportRoute.loader, `/app/segments/${largest.id}/export`, {
    id: largest.id,
  })) as Response;
  const bytes = (await response.arrayBuffer()).byteLength;
  console.log(
    `  CSV export of ${largest.id}: ${largest.customers.toLocaleString("en")} rows, ${(bytes / 1024 / 1024).toFixed(1)} MB in ${ms(performance.now() - t)}`,
  );
}

async function benchLcp(): Promise<void> {
  const harness = await import("../e2e/harness");
  await harness.ensureBuild();
  const server = await harness.startServer();
  const app = await harness.openBrowser(server);
  try {
    const runs: { lcp: number; element: string; ttfb: number }[] = [];
    for (let i = 0; i < LCP_RUNS + 1; i++) {
      const page = await app.open("/app", STORE);
      await page.getByTestId("kpi-repeat_rate").waitFor();
      const result = await page.evaluate(
        () =>
          new Promise<{ lcp: number; element: string; ttfb: number }>((resolve) => {
            new PerformanceObserver((list) => {
              const entries = list.getEntries() as (PerformanceEntry & { element?: Element })[];
              const last = entries[entries.length - 1]!;
              const nav = performance.getEntriesByType(
                "navigation",
              )[0] as PerformanceNavigationTiming;
              resolve({
                lcp: last.startTime,
                element: `${last.element?.tagName.toLowerCase() ?? "?"} "${(last.element?.textContent ?? "").slice(0, 30)}"`,
                ttfb: nav.responseStart,
              });
            }).observe({ type: "largest-contentful-paint", buffered: true });
          }),
      );
      await page.close();
      if (i > 0) runs.push(result); // the first load warms the server's snapshot cache
    }
    const lcps = runs.map((r) => r.lcp).sort((a, b) => a - b);
    console.log(`\nDashboard in Chromium (${LCP_RUNS} loads, production build, 1280×900)`);
    console.log(
      `  LCP median ${ms(quantile(lcps, 0.5))}, p95 ${ms(quantile(lcps, 0.95))}, max ${ms(lcps.at(-1)!)}`,
    );
    console.log(
      `  TTFB median ${ms(runs.map((r) => r.ttfb).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!)}`,
    );
    console.log(`  LCP element: ${runs[0]!.element}`);
  } finally {
    await app.close();
    await server.stop();
  }
}

console.log(
  `Pages benchmark: ${URL_.startsWith("file:") ? "SQLite" : "PostgreSQL"} (${URL_.replace(/\/\/[^@]*@/, "//…@")})`,
);
migrate(!REUSE);
await prepareShop();
await fillHistory();
await analyze();
await benchLoaders();
if (!SKIP_LCP) await benchLcp();
const { default: prisma } = await import("../../app/db.server");
await prisma.$disconnect();
process.exit(0);
