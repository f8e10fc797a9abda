/**
 * Full recompute benchmark: `npm run bench -- compute [--customers N | N] [--reuse]
 * [--postgres-only | --sqlite-only]` (default 1,000,000 customers, about 4.2M orders).
 *
 * Writes a generated shop (test/metrics/generate.ts) into a fresh SQLite file through the
 * sync layer's row store — and into PostgreSQL too when DATABASE_URL is postgresql:// —
 * then runs computeShop end to end in child processes — first compute, the next night's (every
 * customer moves), and a recompute without new orders — printing seconds per stage (load,
 * analytics, CLV, write) and each child's peak RSS. Goal: ≤ 10 s and ≤ 1.5 GB at 1M.
 * `--reuse` keeps an already written shop (same size) instead of generating it again;
 * `--postgres-only` skips SQLite.
 * Figures only; nothing is asserted.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { lowerPriority } from "../../workers/priority";

const SQLITE_URL = process.env.BENCH_SQLITE_URL ?? "file:/tmp/kizuna-bench-compute.sqlite";
const AS_OF = new Date("2025-12-31T12:00:00+09:00");
const GENERATE_END = new Date("2026-01-01T00:00:00+09:00");
const self = fileURLToPath(import.meta.url);

// db.server validates the app environment on import; the bench supplies stand-ins.
function benchEnv(url: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: "test",
    DATABASE_URL: url,
    SHOPIFY_API_KEY: process.env.SHOPIFY_API_KEY ?? "bench",
    SHOPIFY_API_SECRET: process.env.SHOPIFY_API_SECRET ?? "bench",
    SHOPIFY_APP_URL: process.env.SHOPIFY_APP_URL ?? "https://kizuna.bench",
    LOG_LEVEL: "silent",
  };
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

interface ChildReport {
  customers: number;
  orders: number;
  clvStatus: string;
  snapshotBytes: number;
  customerRows: number;
  resultBytes: number;
  timingsMs: {
    load: number;
    loadOrders: number;
    analytics: number;
    clv: number;
    scenarios: number;
    snapshot: number;
    write: number;
    writeCustomers: number;
    total: number;
  };
  stagesMs: Record<string, number>;
  peakRssKb: number;
  /** User + system CPU of the compute process: on a shared machine, the figure wall time hides. */
  cpuMs: number;
  /** Longest the main thread's event loop was held (BullMQ's lock renewals wait that long). */
  loopMaxMs: number;
  /** The progress stage it ended in. */
  loopMaxIn: string;
}

/** Child mode: compute the shop and print one JSON line. */
async function computeOnce(url: string, domain: string, asOf: Date): Promise<void> {
  const { createDatabase } = await import("../../app/db.server");
  const { computeShop } = await import("../../app/metrics/compute.server");
  const db = createDatabase(url);
  const stagesMs: Record<string, number> = {};
  let last = performance.now();
  let stage = "loading";
  // A 10 ms ticker: the longest gap between two ticks is the longest the loop was held.
  let lastTick = performance.now();
  let loopMaxMs = 0;
  let loopMaxIn = stage;
  const ticker = setInterval(() => {
    const now = performance.now();
    if (now - lastTick - 10 > loopMaxMs) [loopMaxMs, loopMaxIn] = [now - lastTick - 10, stage];
    lastTick = now;
  }, 10);
  const result = await computeShop(domain, {
    db,
    databaseUrl: url,
    asOf,
    onProgress: (_percent, next) => {
      const now = performance.now();
      stagesMs[stage] = (stagesMs[stage] ?? 0) + now - last;
      last = now;
      stage = next;
      // A worker's progress write is a Redis round trip: the loop turns here as it does there.
      return new Promise((resolve) => setTimeout(resolve, 0));
    },
  });
  clearInterval(ticker);
  if (performance.now() - lastTick - 10 > loopMaxMs) {
    [loopMaxMs, loopMaxIn] = [performance.now() - lastTick - 10, stage];
  }
  await db.$disconnect();
  const report: ChildReport = {
    customers: result.customers,
    orders: result.orders,
    clvStatus: result.clvStatus,
    snapshotBytes: result.snapshotBytes,
    customerRows: result.written.customerRows,
    resultBytes: result.written.resultBytes,
    timingsMs: result.timingsMs,
    stagesMs,
    peakRssKb: process.resourceUsage().maxRSS,
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    loopMaxMs,
    loopMaxIn,
  };
  console.log(JSON.stringify(report));
}

/** Writes the generated shop unless `reuse` finds it already there. */
async function prepareShop(url: string, customers: number, reuse: boolean): Promise<string> {
  const { createDatabase } = await import("../../app/db.server");
  const { createRowStore } = await import("../../app/sync/store.server");
  const { generateShop, generatedVariantCosts } = await import("../metrics/generate");
  const domain = computeShopDomain(customers);
  const db = createDatabase(url);
  try {
    const existing = await db.shop.findUnique({ where: { domain } });
    if (existing && reuse) {
      const count = await db.customer.count({ where: { shopId: existing.id } });
      if (count === customers) {
        console.log(`  reusing ${domain} (${count.toLocaleString("en")} customers)`);
        return domain;
      }
    }
    if (existing) await db.shop.delete({ where: { id: existing.id } });
    const shop = await db.shop.create({
      data: { domain, timezone: "Asia/Tokyo", currency: "JPY" },
    });
    await db.marketingSpend.createMany({
      data: ["2025-10", "2025-11", "2025-12"].flatMap((month) =>
        ["instagram", "google"].map((channel) => ({
          shopId: shop.id,
          month,
          channel,
          amountMinor: BigInt(customers * 40),
        })),
      ),
    });
    const store = createRowStore(url);
    const t = performance.now();
    let orders = 0;
    let written = 0;
    // With first touches, line items and unit costs, so the load and the acquisition blocks
    // are measured too.
    await store.upsertVariantCosts(shop.id, generatedVariantCosts(GENERATE_END));
    for (const batch of generateShop({
      customers,
      seed: 2025,
      end: GENERATE_END,
      acquisition: true,
    })) {
      await store.upsertCustomers(shop.id, batch.customers);
      await store.upsertOrders(shop.id, batch.orders);
      orders += batch.orders.length;
      written += batch.customers.length;
      if (written % 100_000 === 0) process.stdout.write(".");
    }
    await store.close();
    // NPS answers for every 50th customer.
    const answers = [];
    for (let c = 0; c < customers; c += 50) {
      answers.push({
        shopId: shop.id,
        orderId: BigInt(c),
        customerId: 7_000_000_000n + BigInt(c),
        score: c % 11,
        source: "thank-you",
        createdAt: new Date(AS_OF.getTime() - (c % 300) * 86_400_000),
      });
    }
    for (let i = 0; i < answers.length; i += 5000) {
      await db.npsResponse.createMany({ data: answers.slice(i, i + 5000) });
    }
    const ms = performance.now() - t;
    console.log(
      `\n  wrote ${customers.toLocaleString("en")} customers and ${orders.toLocaleString("en")} orders through the row store in ${seconds(ms)} (${Math.round(orders / (ms / 1000)).toLocaleString("en")} orders/s)`,
    );
    return domain;
  } finally {
    await db.$disconnect();
  }
}

/** Earlier runs' results go, so the first compute writes into an empty table. */
async function clearResults(url: string, domain: string): Promise<void> {
  const { createDatabase } = await import("../../app/db.server");
  const db = createDatabase(url);
  const shop = await db.shop.findUniqueOrThrow({ where: { domain } });
  await db.metricSnapshot.deleteMany({ where: { shopId: shop.id } });
  await db.$disconnect();
}

function migrate(url: string, fresh: boolean): void {
  if (fresh && url.startsWith("file:")) {
    const file = url.slice("file:".length);
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(file + suffix, { force: true });
  }
  execFileSync(process.execPath, ["prisma/setup.mjs", "--migrate-only"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: benchEnv(url),
  });
}

function runChild(url: string, domain: string, asOf: Date): ChildReport {
  const args = computeChildArgs(url, domain, asOf);
  const child = spawnSync(process.execPath, args, {
    env: benchEnv(url),
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`compute failed:\n${child.stderr}\n${child.stdout}`);
  const line = child.stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(line) as ChildReport;
}

function print(label: string, r: ChildReport): void {
  const row = (name: string, ms: number, extra = "") =>
    console.log(`  ${name.padEnd(36)} ${seconds(ms).padStart(9)} ${extra}`);
  console.log(
    `\n${label}: ${r.customers.toLocaleString("en")} customers, ${r.orders.toLocaleString("en")} orders, CLV ${r.clvStatus}`,
  );
  const t = r.timingsMs;
  row("load", t.load);
  row("  of which orders + customers", t.loadOrders);
  row("metrics (history, descriptive, assemble)", t.analytics);
  row("CLV (fits, predictions, holdout)", t.clv - t.scenarios);
  row("scenarios (churn reductions)", t.scenarios);
  row("snapshot JSON", t.snapshot);
  row(
    "write: per-customer results",
    t.writeCustomers,
    `${r.customerRows.toLocaleString("en")} customers, ${(r.resultBytes / 2 ** 20).toFixed(1)} MB`,
  );
  row(
    "write: snapshot row, prune, commit",
    t.write - t.writeCustomers,
    `snapshot ${(r.snapshotBytes / 1024).toFixed(0)} KB`,
  );
  row("computeShop end to end", r.timingsMs.total);
  console.log(`  ${"peak RSS of the compute process".padEnd(36)} ${mb(r.peakRssKb).padStart(9)}`);
  row("CPU time of the compute process", r.cpuMs, "(user + system; excludes PostgreSQL's own)");
  row("longest event-loop block", r.loopMaxMs, `(main thread, ended in "${r.loopMaxIn}")`);
  console.log(
    `  (progress stages: ${Object.entries(r.stagesMs)
      .map(([k, v]) => `${k} ${seconds(v)}`)
      .join(", ")})`,
  );
}

/** Child mode: time the result set's readers on the computed shop; prints lines of text. */
async function readOnce(url: string, domain: string): Promise<void> {
  const { createDatabase } = await import("../../app/db.server");
  const reader = await import("../../app/metrics/result-set.server");
  const { resultStore, closeResultStores } = await import("../../app/metrics/result-store.server");
  const { SORT_KEYS } = await import("../../app/metrics/customer-sort");
  const prisma = createDatabase(url);
  const shop = await prisma.shop.findUniqueOrThrow({ where: { domain } });
  await prisma.$disconnect();
  // As the app reads: straight through the drivers.
  const db = resultStore(url);
  const set = await reader.currentResultSet(db, shop.id);
  if (!set) throw new Error("no result set");
  const p95 = (ms: number[]) => ms.sort((a, b) => a - b)[Math.floor(ms.length * 0.95)];
  const time = async (f: () => Promise<unknown>) => {
    const t = performance.now();
    await f();
    return performance.now() - t;
  };
  // Deterministic choices: a small linear congruential sequence.
  let seed = 12345;
  const next = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  const segments = set.directory.segments.filter((s) => s.customers > 0);
  const pages: number[] = [];
  for (let i = 0; i < 200; i++) {
    const segment = segments[next(segments.length)];
    const sort = SORT_KEYS[next(SORT_KEYS.length)];
    const page = next(Math.ceil(segment.customers / 50));
    const direction = next(2) === 0 ? "asc" : "desc";
    pages.push(
      await time(() => reader.segmentPage(db, shop.id, segment.id, sort, direction, page * 50, 50)),
    );
  }
  const all = await reader.customerResultsInRange(db, shop.id);
  const lookups: number[] = [];
  for (let i = 0; i < 200; i++) {
    const id = all[next(all.length)].customerId;
    lookups.push(await time(() => reader.customerResult(db, shop.id, id)));
  }
  const largest = [...segments].sort((a, b) => b.customers - a.customers)[0];
  const csv = await time(async () => {
    for await (const batch of reader.segmentResults(db, shop.id, largest.id)) void batch;
  });
  const diff = await time(async () => {
    for (let i = 0; i < all.length; i += 20_000) {
      const to = all[Math.min(all.length, i + 20_000) - 1].customerId;
      await reader.customerResultsInRange(db, shop.id, all[i].customerId, to, set);
    }
  });
  await closeResultStores();
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  console.log(`  drill-down page (200 random segment/sort/direction/page) p95 ${ms(p95(pages))}`);
  console.log(`  one customer's results (200 random) p95 ${ms(p95(lookups))}`);
  console.log(
    `  whole segment "${largest.id}" in id order (CSV export's read, ${largest.customers.toLocaleString("en")} customers) ${ms(csv)}`,
  );
  console.log(`  tag diff reads, every customer in 20k id ranges ${ms(diff)}`);
}

/** The first compute's as-of date; `nextNight` is a day later (every customer moves). */
export const COMPUTE_AS_OF = AS_OF;

/** Migrates, writes (or with `reuse`, finds) the generated shop, clears earlier results. */
async function prepareComputeShop(url: string, customers: number, reuse: boolean): Promise<string> {
  migrate(url, !reuse);
  Object.assign(process.env, benchEnv(url));
  const domain = await prepareShop(url, customers, reuse);
  await clearResults(url, domain);
  return domain;
}

/**
 * Node arguments that prepare the generated shop of `customers` at `url` for another bench
 * (`--prepare` mode; it prints progress), and the domain it will have.
 */
export function prepareChildArgs(url: string, customers: number, reuse: boolean): string[] {
  return ["--import", "tsx", self, "--prepare", url, `${customers}`, ...(reuse ? ["--reuse"] : [])];
}
export const computeShopDomain = (customers: number) => `bench-compute-${customers}.myshopify.com`;

/** Node arguments that run one compute of `domain` in a child process (`--compute` mode). */
export function computeChildArgs(url: string, domain: string, asOf: Date): string[] {
  return ["--import", "tsx", self, "--compute", url, domain, asOf.toISOString()];
}

export { benchEnv };

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "--compute") {
    // As `npm run workers` runs it when WORKER_NICE is set (the webhooks bench sets it).
    if (process.env.WORKER_NICE) lowerPriority(Number(process.env.WORKER_NICE));
    await computeOnce(args[1], args[2], new Date(args[3]));
    return;
  }
  if (args[0] === "--prepare") {
    await prepareComputeShop(args[1], Number(args[2]), args.includes("--reuse"));
    return;
  }
  if (args[0] === "--read") {
    await readOnce(args[1], args[2]);
    return;
  }
  const reuse = args.includes("--reuse");
  const flag = args.indexOf("--customers");
  const sized = flag >= 0 ? args[flag + 1] : args.find((a) => /^\d+$/.test(a));
  const customers = Number(sized ?? 1_000_000);
  if (!Number.isSafeInteger(customers) || customers < 1) {
    throw new Error(`--customers must be a positive whole number, got ${sized}`);
  }
  const pgUrl = process.env.DATABASE_URL;
  const targets = args.includes("--postgres-only") ? [] : [SQLITE_URL];
  if (pgUrl && /^postgres(ql)?:\/\//.test(pgUrl) && !args.includes("--sqlite-only")) {
    targets.push(pgUrl);
  }
  for (const url of targets) {
    const label = url.startsWith("file:") ? "SQLite" : "PostgreSQL";
    console.log(`${label} (${url.replace(/\/\/[^@]*@/, "//…@")})`);
    const domain = await prepareComputeShop(url, customers, reuse);
    const nextDay = new Date(AS_OF.getTime() + 86_400_000);
    // First compute; the next night (every customer's recency and prediction moved); a
    // recompute without new orders.
    print(`${label}, first compute`, runChild(url, domain, AS_OF));
    print(`${label}, next night's compute`, runChild(url, domain, nextDay));
    print(`${label}, recompute, nothing changed`, runChild(url, domain, nextDay));
    console.log(`\n${label}, reading the result set:`);
    const read = spawnSync(process.execPath, ["--import", "tsx", self, "--read", url, domain], {
      env: benchEnv(url),
      encoding: "utf8",
    });
    if (read.status !== 0) throw new Error(`reading failed:\n${read.stderr}`);
    process.stdout.write(read.stdout);
  }
}

// Imported by the webhooks bench for its compute phase: run only as a script.
if (process.argv[1] === self) await main();
