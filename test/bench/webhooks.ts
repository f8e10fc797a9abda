/**
 * Webhook intake benchmark (figures, not a test): the production server build
 * (app/server.ts, as `npm start`, on the browser tests' build, test/e2e/harness.ts) and a webhooks worker
 * process, fed HMAC-signed customers/update webhooks at a fixed rate by a separate load
 * process (open loop: latency is measured from when a request was due, so it includes
 * any queueing). Phases: 500/s for 30 s, then a burst of 50,000 in one minute; then both
 * again while computes of a generated 1M-customer shop run back to back on the same machine,
 * at the workers' priority (WORKER_NICE, as `npm run workers` runs them) — a small
 * deployment runs web and workers on one box. Prints p50/p95/p99/max ack latency and
 * failures per phase, then waits for the worker and checks every webhook was processed
 * exactly once (lost, duplicated) and the peak RSS of both processes.
 *
 *   npx tsx test/bench/webhooks.ts [rate=500] [seconds=30] [burst=50000] [burstSeconds=60]
 *     [--customers 1000000 (the computed shop; 0: no compute phases)] [--reuse]
 * Needs Redis; DATABASE_URL defaults to a fresh SQLite file (the computed shop then lives in
 * the compute bench's SQLite file, kept by --reuse). Builds the app when stale.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { parseArgs } from "node:util";

const SECRET = "bench-secret";
const DOMAIN = "bench-webhooks.myshopify.com";

// ---------------------------------------------------------------- load process
interface LoadResult {
  sent: number;
  failed: number;
  statuses: Record<string, number>;
  /** Requests that got no answer, by error code. */
  errors: Record<string, number>;
  /**
   * Requests sent again, once, because the server closed the kept-alive connection they were
   * written to before answering (Node's documented keep-alive race: `reusedSocket` and
   * ECONNRESET). Shopify retries a failed delivery with the same webhook id, which the app
   * deduplicates; counted apart so that nothing is hidden.
   */
  resent: number;
  latencies: number[];
}

/** Sends `count` webhooks at `rate`/s to `url`; prints a LoadResult as JSON. */
async function load(url: string, rate: number, count: number, firstId: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const target = new URL(url);
  const result: LoadResult = {
    sent: 0,
    failed: 0,
    statuses: {},
    errors: {},
    resent: 0,
    latencies: [],
  };
  const start = performance.now();
  let next = 0;
  let open = 0;
  await new Promise<void>((resolve) => {
    const send = (i: number) => {
      const due = start + (i * 1000) / rate;
      const webhookId = `bench-${firstId + i}`;
      const now = new Date().toISOString();
      // A customers/update as Shopify sends it without include_fields, PII included
      // (Kizuna keeps id and dates; since API 2025-01 there are no tags).
      const body = JSON.stringify({
        id: 9_000_000_000 + firstId + i,
        email: `customer${i}@example.com`,
        first_name: "Hana",
        last_name: "Sato",
        created_at: "2025-01-02T03:04:05+09:00",
        updated_at: now,
        state: "enabled",
        verified_email: true,
        addresses: [{ address1: "1-2-3 Shibuya", city: "Tokyo", zip: "150-0002", country: "JP" }],
      });
      open++;
      result.sent++;
      const attempt = (again: boolean) => {
        const request = http.request(
          {
            agent,
            host: target.hostname,
            port: target.port,
            path: target.pathname,
            method: "POST",
            timeout: 30_000,
            headers: {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body),
              "x-shopify-topic": "customers/update",
              "x-shopify-shop-domain": DOMAIN,
              "x-shopify-api-version": "2026-10",
              "x-shopify-webhook-id": webhookId,
              "x-shopify-event-id": webhookId,
              "x-shopify-triggered-at": now,
              "x-shopify-hmac-sha256": createHmac("sha256", SECRET).update(body).digest("base64"),
            },
          },
          (response) => {
            response.resume();
            response.on("end", () => {
              result.statuses[response.statusCode!] =
                (result.statuses[response.statusCode!] ?? 0) + 1;
              if (response.statusCode !== 200) result.failed++;
              result.latencies.push(performance.now() - due);
              done();
            });
          },
        );
        request.on("timeout", () => request.destroy(new Error("timeout")));
        request.on("error", (error: NodeJS.ErrnoException) => {
          if (!again && request.reusedSocket && error.code === "ECONNRESET") {
            result.resent++;
            return attempt(true);
          }
          const code = error.code ?? error.message;
          result.errors[code] = (result.errors[code] ?? 0) + 1;
          result.failed++;
          done();
        });
        request.end(body);
      };
      attempt(false);
    };
    const done = () => {
      open--;
      if (next >= count && open === 0) resolve();
    };
    const tick = () => {
      const due = Math.min(count, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      while (next < due) send(next++);
      if (next < count) setTimeout(tick, 1);
    };
    tick();
  });
  agent.destroy();
  // Exit only once the pipe has taken the whole result.
  await new Promise((resolve) => process.stdout.write(JSON.stringify(result), resolve));
}

if (process.argv[2] === "--load") {
  const [url, rate, count, firstId] = process.argv.slice(3);
  await load(url!, Number(rate), Number(count), Number(firstId));
  process.exit(0);
}

// ---------------------------------------------------------------- orchestration
const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    customers: { type: "string", default: "1000000" },
    reuse: { type: "boolean", default: false },
  },
});
const rate = Number(positionals[0] ?? 500);
const seconds = Number(positionals[1] ?? 30);
const burst = Number(positionals[2] ?? 50_000);
const burstSeconds = Number(positionals[3] ?? 60);
const computeCustomers = Number(flags.customers);
for (const [name, value] of Object.entries({
  rate,
  seconds,
  burst,
  burstSeconds,
  computeCustomers,
})) {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be a whole number ≥ 0`);
}
const DB = process.env.DATABASE_URL ?? "file:./prisma/bench-webhooks.sqlite";
Object.assign(process.env, {
  DATABASE_URL: DB,
  SHOPIFY_API_KEY: "bench-key",
  SHOPIFY_API_SECRET: SECRET,
  SHOPIFY_APP_URL: "https://kizuna.bench",
  QUEUE_PREFIX: `kizuna-bench-${process.pid}`,
  LOG_LEVEL: "warn",
});
if (DB.startsWith("file:")) {
  for (const s of ["", "-wal", "-shm"]) rmSync(DB.slice(5) + s, { force: true });
}
execFileSync(process.execPath, ["prisma/setup.mjs", "--migrate-only"], { stdio: "ignore" });

// The shop the compute phases recompute: the compute bench's, in its own database file on
// SQLite (as the result store would be on a real box: same disk, same CPU), or beside the
// webhooks' rows on PostgreSQL.
const { benchEnv, COMPUTE_AS_OF, computeChildArgs, computeShopDomain, prepareChildArgs } =
  await import("./compute");
let computeShop: { url: string; domain: string } | undefined;
if (computeCustomers > 0) {
  const url = DB.startsWith("file:")
    ? (process.env.BENCH_SQLITE_URL ?? "file:/tmp/kizuna-bench-compute.sqlite")
    : DB;
  console.log(`preparing the ${computeCustomers.toLocaleString("en")}-customer shop to compute`);
  // In a child: the app's modules read DATABASE_URL once, and this process's is the webhooks'.
  const prepared = spawnSync(
    process.execPath,
    prepareChildArgs(url, computeCustomers, flags.reuse),
    {
      env: benchEnv(url),
      stdio: "inherit",
    },
  );
  if (prepared.status !== 0) throw new Error("preparing the computed shop failed");
  computeShop = { url, domain: computeShopDomain(computeCustomers) };
}

const { ensureBuild, listeningLine, SERVER_ARGS } = await import("../e2e/harness");
const { default: prisma } = await import("../../app/db.server");
const { getQueue, closeQueues } = await import("../../app/jobs/queues.server");
const { freePort } = await import("../helpers/ports");

await ensureBuild();
await prisma.shop.deleteMany({ where: { domain: DOMAIN } });
const shop = await prisma.shop.create({ data: { domain: DOMAIN } });

/** Peak resident memory of a live process (Linux). */
const peakMb = (child: ChildProcess) => {
  const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
};

async function started(child: ChildProcess, line: string, name: string): Promise<void> {
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output}`)), 60_000);
    const keep = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(line)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    child.once("exit", (code) => reject(new Error(`${name} exited (${code}):\n${output}`)));
  });
  // Keep draining its output so a full pipe never blocks it.
  child.stdout!.resume();
  child.stderr!.resume();
}

const port = await freePort();
const server = spawn(process.execPath, SERVER_ARGS, {
  env: {
    ...process.env,
    NODE_ENV: "production",
    PORT: `${port}`,
    HOST: "127.0.0.1",
    SHOPIFY_APP_URL: `http://127.0.0.1:${port}`,
  },
  stdio: ["ignore", "pipe", "pipe"],
});
await started(server, listeningLine("127.0.0.1", port), "the app server");
const workers = spawn(
  process.execPath,
  ["--import", "tsx", "workers/main.ts", "--queues", "webhooks"],
  {
    env: { ...process.env, NODE_ENV: "production", LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  },
);
await started(workers, "workers started", "workers");

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]?.toFixed(1) ?? "-";

let firstId = 0;
async function phase(name: string, phaseRate: number, count: number): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "test/bench/webhooks.ts",
      "--load",
      `http://127.0.0.1:${port}/webhooks/customers/update`,
      `${phaseRate}`,
      `${count}`,
      `${firstId}`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  await new Promise((resolve) => child.once("exit", resolve));
  const result = JSON.parse(out) as LoadResult;
  firstId += count;
  const sorted = result.latencies.sort((a, b) => a - b);
  console.log(
    `${name}: ${count} webhooks at ${phaseRate}/s: ack p50 ${pct(sorted, 0.5)} ms, p95 ${pct(sorted, 0.95)} ms, p99 ${pct(sorted, 0.99)} ms (goal ≤ 25 ms), max ${pct(sorted, 1)} ms; failed ${result.failed}; statuses ${JSON.stringify(result.statuses)}; errors ${JSON.stringify(result.errors)}; resent after a closed kept-alive connection ${result.resent}`,
  );
  return result.failed;
}

/**
 * Computes the shop again and again, each in its own process at the workers' priority, until
 * `stop` is called; resolves with the computes that finished and their seconds.
 */
function computeLoop(url: string, domain: string): { stop: () => Promise<number[]> } {
  let stopping = false;
  let current: ChildProcess | undefined;
  const finished: number[] = [];
  const loop = (async () => {
    for (let night = 0; !stopping; night++) {
      const asOf = new Date(COMPUTE_AS_OF.getTime() + (night % 2) * 86_400_000);
      const started = performance.now();
      const child = spawn(process.execPath, computeChildArgs(url, domain, asOf), {
        env: { ...benchEnv(url), WORKER_NICE: process.env.WORKER_NICE ?? "10" },
        stdio: ["ignore", "ignore", "pipe"],
      });
      current = child;
      let errors = "";
      child.stderr.on("data", (c: Buffer) => (errors += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      if (code === 0) finished.push((performance.now() - started) / 1000);
      else if (!stopping) throw new Error(`compute failed (${code}):\n${errors}`);
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      current?.kill("SIGKILL");
      await loop;
      return finished;
    },
  };
}

const t0 = performance.now();
let failed = await phase("steady", rate, rate * seconds);
failed += await phase("burst", Math.ceil(burst / burstSeconds), burst);
if (computeShop) {
  for (const [name, phaseRate, count] of [
    ["steady, computing", rate, rate * seconds],
    ["burst, computing", Math.ceil(burst / burstSeconds), burst],
  ] as const) {
    const computing = computeLoop(computeShop.url, computeShop.domain);
    // The compute's first seconds are its process start; let it reach its load.
    await new Promise((r) => setTimeout(r, 3_000));
    failed += await phase(name, phaseRate, count);
    const times = await computing.stop();
    console.log(
      `  computes of ${computeCustomers.toLocaleString("en")} customers finished during the phase: ${times.length} (${times.map((t) => `${t.toFixed(1)} s`).join(", ") || "none finished; one was running throughout"})`,
    );
  }
}
const sent = firstId;
const queue = getQueue("webhooks");
const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized");
console.log(`after the load: ${JSON.stringify(counts)} in the queue`);

// Every webhook id must be processed once: its WebhookEvent row (primary key: shop + id).
let processed = 0;
for (let last = -1, still = 0; processed < sent && still < 120;) {
  await new Promise((r) => setTimeout(r, 1000));
  processed = await prisma.webhookEvent.count({ where: { shopId: shop.id } });
  still = processed === last ? still + 1 : 0;
  last = processed;
}
const drainMs = performance.now() - t0;
const customers = await prisma.customer.count({ where: { shopId: shop.id } });
const failedJobs = await queue.getJobCountByTypes("failed");
console.log(
  `processed ${processed}/${sent} (${customers} customers written) ${(drainMs / 1000).toFixed(0)} s after the first request; lost ${sent - processed}, duplicated ${Math.max(0, customers - sent)}, failed jobs ${failedJobs}, client failures ${failed}`,
);
console.log(`peak RSS: server ${peakMb(server)} MB, webhooks worker ${peakMb(workers)} MB`);

server.kill("SIGTERM");
workers.kill("SIGTERM");
await queue.obliterate({ force: true });
await closeQueues();
await prisma.shop.delete({ where: { id: shop.id } });
await prisma.$disconnect();
process.exit(0);
