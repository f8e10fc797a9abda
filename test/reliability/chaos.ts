/**
 * The chaos run (issue 9, "Faults"): one shop of the fake Shopify (real HTTP) synced by real
 * worker processes while everything that can go wrong does —
 *  - workers SIGKILLed at random moments and started again (as a process manager would),
 *  - the private Redis restarted empty (every queue lost),
 *  - the private PostgreSQL crashed (immediate shutdown) and restarted,
 *  - 20 % of Admin API requests failing (5xx, 429, THROTTLED bursts, slow, dropped),
 *  - every webhook delivered twice, shuffled and delayed, with retries when the app is down,
 *  - the first bulk operation failing half-way,
 * over simulated days of orders, refunds, cancellations, deletions and customer changes,
 * with the nightly job run at each simulated midnight. Then the faults stop and the run
 * measures how long the app takes to converge, and checks that the database equals the
 * fake's ground truth and that the segments equal a clean recompute of the same data.
 *
 * Used by test/reliability/chaos.test.ts (small shop, yes/no) and by
 * `npm run bench:reliability` (50k customers, figures). Call runChaos() before anything
 * imports app/ modules: it points REDIS_URL (and DATABASE_URL for a private PostgreSQL) at
 * its own servers first.
 */
import { closeSync, openSync } from "node:fs";
import { quantile } from "../helpers/figures";
import { migrate, PrivatePostgres, PrivateRedis, WorkerPool } from "./infra";
import type { CustomerTruth, OrderTruth } from "../fake-shopify/index";
import type { ShopPlanName } from "../fake-shopify/generator/spec";
import type { SegmentCheck, TruthCheck } from "./verify";
import { installOfflineSession } from "../helpers/sessions";

export interface ChaosOptions {
  customers: number;
  /**
   * The shop's Shopify plan, i.e. its Admin API rate limit (default "shopify": 100 points/s,
   * which paces the order webhooks' targeted reads to a few a second).
   */
  plan?: ShopPlanName;
  /** Simulated days after the backfill is done (more pass while it runs). */
  days: number;
  /** Steps of simulated time the backfill may take before the run gives up. */
  maxBackfillSteps: number;
  /** Each simulated day is advanced in this many steps… */
  stepsPerDay: number;
  /** …with this much wall time between steps. */
  stepPauseMs: number;
  /** Worker processes kept alive. */
  workers: number;
  /** Wall time between two worker kills, ms [min, max]. */
  killEveryMs: [number, number];
  /** Share of Admin API requests that fail (0.2 = 20 %). */
  apiFaultRate: number;
  redisRestarts: number;
  /** PostgreSQL crashes; needs `postgres: "private"`. */
  postgresRestarts: number;
  /**
   * "private": a PostgreSQL cluster of the run's own (initdb in a temp dir), restartable.
   * Otherwise the given database URL (SQLite: no server to restart).
   */
  postgres: "private" | { url: string };
  seed: number;
  /** Merchant actions (refunds, cancels, deletes, tag edits, new orders) per simulated day. */
  merchantActionsPerDay: number;
  /**
   * Once the faults stop, jobs waiting out a retry backoff (5 s to minutes, app/jobs) run at
   * once, as an operator's "retry now" would. The test sets it: what it proves (nothing lost
   * or doubled) does not depend on when a retry runs, and waiting out backoffs was most of its
   * time. The bench leaves it off: its convergence time is the app's own.
   */
  retryNowAfterFaults?: boolean;
  /** Bounds of the convergence waits (default 600 s each; the test's fit its timeout). */
  convergeTimeoutMs?: number;
  /** Appends the workers' log to this file (at workerLogLevel, default warn). */
  workerLog?: string;
  workerLogLevel?: string;
  log?: (line: string) => void;
}

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface ChaosReport {
  database: "postgresql (private cluster)" | "sqlite" | "postgresql";
  customers: number;
  simulatedDays: number;
  wallSeconds: number;
  faults: {
    api: Record<string, number>;
    workerKills: number;
    workerUnexpectedExits: number;
    workerUnexpectedExitCodes: Array<number | string>;
    redisRestarts: number;
    postgresRestarts: number;
    webhookDeliveries: number;
    webhookDuplicates: number;
    /** Deliveries the app refused or could not answer (Redis/PostgreSQL down), retried by Shopify. */
    webhookFailedAttempts: number;
    merchantActions: number;
    /** Requests the fake answered (its log keeps the last 20,000). */
    apiRequestsLogged: number;
  };
  truth: TruthCheck;
  segments: SegmentCheck;
  /** Nightly rounds needed after the faults stopped. */
  convergenceRounds: number;
  latency: {
    /** The app's answer to Shopify's webhook POSTs (2xx only), ms. */
    webhookAck: Percentiles;
    /** Install to backfill done, under faults, s. */
    backfillSeconds: number;
    /** Faults stopped → database equal to Shopify, s. */
    convergeSeconds: number;
    /** Faults stopped → segments computed from the final data, s. */
    segmentsSeconds: number;
  };
  workers: { started: number; peakRssMb: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length > 0 ? quantile(sorted, q) : 0);
  return {
    count: sorted.length,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: sorted.at(-1) ?? 0,
  };
}

/** A seeded generator (Park–Miller), so a run's chaos schedule is reproducible. */
function seeded(seed: number): () => number {
  let state = (seed % 2147483646) + 1;
  return () => (state = (state * 48271) % 2147483647) / 2147483647;
}

/** Retries an operation that may hit a restarting server, for up to ~30 s. */
async function persist<T>(what: string, fn: () => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let i = 0; i < 120; i++) {
    try {
      return await fn();
    } catch (error) {
      lastError = error;
      await sleep(250);
    }
  }
  throw new Error(`${what}: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const random = seeded(options.seed);
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => {});
  };

  try {
    // ── private servers, then the app's environment points at them
    const redis = await PrivateRedis.start();
    cleanups.push(() => redis.stop());
    let databaseUrl: string;
    let pg: PrivatePostgres | undefined;
    if (options.postgres === "private") {
      pg = await PrivatePostgres.start();
      cleanups.push(() => pg!.destroy());
      databaseUrl = await pg.createDatabase("kizuna_chaos");
      migrate(databaseUrl);
    } else {
      databaseUrl = options.postgres.url;
      if (options.postgresRestarts > 0)
        throw new Error("PostgreSQL restarts need a private cluster");
    }
    process.env.REDIS_URL = redis.url;
    process.env.DATABASE_URL = databaseUrl;
    process.env.QUEUE_PREFIX ??= `kizuna-chaos-${process.pid}`;
    log(`redis :${redis.port}, database ${pg ? `private PostgreSQL :${pg.port}` : databaseUrl}`);

    const { startFakeShopify } = await import("../fake-shopify/index");
    const { startAppEndpoint } = await import("../sync/app-endpoint");
    const { createDatabase } = await import("../../app/db.server");
    const { getQueue, closeQueues, QUEUE_NAMES } = await import("../../app/jobs/queues.server");
    const { enqueueBackfill } = await import("../../app/jobs/sync.server");
    const { beginBackfill } = await import("../../app/sync/backfill.server");
    const { checkAgainstTruth, checkSegments } = await import("./verify");

    // The producer's connection errors while Redis is down are expected: the enqueue fails,
    // the webhook is answered 500 and Shopify delivers it again.
    for (const name of QUEUE_NAMES) getQueue(name).on("error", () => {});

    const app = await startAppEndpoint();
    cleanups.push(() => app.close());
    const domain = `chaos-${process.pid}-${Date.now() % 1_000_000}.myshopify.com`;
    const fake = await startFakeShopify({
      shops: [
        {
          domain,
          customers: options.customers,
          seed: options.seed,
          currency: "JPY",
          plan: options.plan ?? "shopify",
          horizonDays: options.days + Math.ceil(options.maxBackfillSteps / options.stepsPerDay) + 2,
        },
      ],
      appUrl: app.url,
      seed: options.seed,
      // Shopify retries a failed delivery 8 times over hours; here over ~50 s.
      webhooks: {
        retryBaseMs: 100,
        retries: 9,
        duplicates: 1,
        reorderWindow: 16,
        delayMs: [0, 150],
      },
    });
    cleanups.push(() => fake.close());
    const shop = fake.shop(domain);
    log(`fake shop: ${JSON.stringify(shop.counts())}`);

    const db = createDatabase(databaseUrl);
    cleanups.push(() => db.$disconnect());
    const shopId = (await db.shop.create({ data: { domain } })).id;
    cleanups.push(() => db.shop.deleteMany({ where: { id: shopId } }));
    await installOfflineSession(db, domain, { accessToken: shop.accessToken().accessToken });
    cleanups.push(() => db.session.deleteMany({ where: { shop: domain } }));
    cleanups.push(() => closeQueues());

    const logFd = options.workerLog ? openSync(options.workerLog, "a") : undefined;
    if (logFd !== undefined) cleanups.push(async () => closeSync(logFd));
    const pool = new WorkerPool({
      env: {
        ...process.env,
        FAKE_SHOPIFY_URL: fake.url,
        WORKER_LOCK_MS: "2000",
        LOG_LEVEL: options.workerLog ? (options.workerLogLevel ?? "warn") : "silent",
      },
      logFd,
    });
    cleanups.push(() => pool.stopAll());
    pool.topUp(options.workers);

    // ── faults on, install → backfill
    const rate = options.apiFaultRate;
    fake.faults.set({
      http5xx: rate * 0.4,
      http429: rate * 0.2,
      throttled: rate * 0.15,
      throttledBurst: 3,
      slow: rate * 0.2,
      slowMs: 400,
      timeout: rate * 0.05,
      timeoutHoldMs: 1_500,
    });
    fake.faults.force("bulkFail", 1);
    const installedAt = performance.now();
    await beginBackfill(db, domain);
    await enqueueBackfill(domain);

    // ── chaos: kills on their own clock, restarts and merchant actions on the world's
    let chaos = true;
    const killer = (async () => {
      const [min, max] = options.killEveryMs;
      while (chaos) {
        await sleep(min + random() * (max - min));
        if (!chaos) break;
        await pool.killOne(random);
        // A process manager brings it back after a moment.
        await sleep(300 + random() * 700);
        if (chaos) pool.topUp(options.workers);
      }
    })();

    let backfillSeconds = NaN;
    const watchBackfill = async () => {
      if (!Number.isNaN(backfillSeconds)) return;
      const row = await db.shop.findUnique({ where: { id: shopId } }).catch(() => null);
      if (row?.syncStatus === "failed") throw new Error(`backfill failed: ${row.syncError}`);
      if (row?.backfilledAt) backfillSeconds = (performance.now() - installedAt) / 1000;
    };

    // Two phases, so both the install and the steady state see every fault whatever the
    // shop's size: (1) simulated time runs while the backfill works, until it is done;
    // (2) `days` more simulated days. Redis and PostgreSQL restarts are spread over both
    // (the first of each right after the backfill starts), never at the same step, never
    // at the end.
    const afterSteps = options.days * options.stepsPerDay;
    const spread = (count: number, from: number, to: number) =>
      Array.from({ length: count }, (_, i) =>
        Math.floor(afterSteps * (from + ((to - from) * (i + 0.5)) / Math.max(1, count))),
      );
    const redisAt = {
      during: options.redisRestarts > 0 ? [0] : [],
      after: spread(Math.max(0, options.redisRestarts - 1), 0.1, 0.6),
    };
    const postgresAt = {
      during: options.postgresRestarts > 0 ? [1] : [],
      after: spread(Math.max(0, options.postgresRestarts - 1), 0.3, 0.8).map((s) =>
        redisAt.after.includes(s) ? s + 1 : s,
      ),
    };
    let merchantActions = 0;
    // New orders are guest checkouts: the fake dates an order created for an existing
    // customer after that customer's last *planned* order, which may lie days ahead of the
    // world clock, and then jumps its clock there without emitting the skipped events
    // (a fake-shopify bug, reported; its ground truth then shows changes no webhook or
    // `updated_at` search ever reveals).
    // The candidates are read once per step (ground truth of a 50k shop is not free); an
    // order deleted or cancelled earlier in the step is refused by the fake, as by Shopify.
    const merchant = (live: OrderTruth[], customers: CustomerTruth[]) => {
      const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
      const order = pick(live);
      const customer = pick(customers);
      const kind = Math.floor(random() * 6);
      try {
        if (kind === 0 && order) shop.refundOrder(order.id);
        else if (kind === 1 && order) shop.cancelOrder(order.id);
        else if (kind === 2 && order) shop.deleteOrder(order.id);
        else if (kind === 3 && customer)
          shop.setCustomerTags(customer.id, ["vip", `chaos-${merchantActions}`]);
        else if (kind === 4)
          shop.createOrder({}); // a guest checkout (see above)
        else if (kind === 5) {
          const idle = customers.find((c) => c.numberOfOrders === 0 && random() < 0.1);
          if (idle) shop.deleteCustomer(idle.id);
        }
        merchantActions++;
      } catch {
        // e.g. refunding an order with nothing left to refund: Shopify refuses too
      }
    };

    let worldSteps = 0;
    const step = async (restartRedis: boolean, restartPostgres: boolean) => {
      fake.advance({ hours: 24 / options.stepsPerDay });
      worldSteps++;
      const perStep = options.merchantActionsPerDay / options.stepsPerDay;
      const actions = Math.floor(perStep) + (random() < perStep % 1 ? 1 : 0);
      if (actions > 0) {
        const live = [...shop.orders()].filter((o) => o.cancelledAt === null && !o.test);
        const customers = [...shop.customers()];
        for (let a = 0; a < actions; a++) merchant(live, customers);
      }
      if (restartRedis) {
        log(`step ${worldSteps}: Redis restart`);
        await redis.restart();
      }
      if (pg && restartPostgres) {
        log(`step ${worldSteps}: PostgreSQL crash + restart`);
        await pg.restart();
      }
      if (worldSteps % options.stepsPerDay === 0) {
        // Simulated midnight: the shop's nightly job (reconcile + recompute).
        await persist("nightly", () =>
          getQueue("housekeeping").add("nightly", { shop: domain }, { removeOnComplete: true }),
        );
      }
      await sleep(options.stepPauseMs);
      await watchBackfill();
    };
    for (let i = 0; Number.isNaN(backfillSeconds) || i < 2; i++) {
      if (i >= options.maxBackfillSteps) throw new Error("the backfill did not finish");
      if (i === 0) {
        // Whatever the random schedule, one worker dies while the backfill has started.
        await sleep(1_000);
        await pool.killOne(random);
        pool.topUp(options.workers);
      }
      await step(redisAt.during.includes(i), postgresAt.during.includes(i));
    }
    log(`backfill done after ${backfillSeconds.toFixed(0)} s (${worldSteps} steps)`);
    for (let i = 0; i < afterSteps; i++) {
      await step(redisAt.after.includes(i), postgresAt.after.includes(i));
    }

    // ── the faults stop; how long until the app has caught up?
    chaos = false;
    await killer;
    fake.faults.clear();
    pool.topUp(options.workers);
    const quietAt = performance.now();
    log(`chaos over after ${((quietAt - started) / 1000).toFixed(0)} s; converging`);

    // Convergence waits on conditions, never fixed sleeps; the bounds are generous (a loaded
    // 2-core machine) and a timeout says what was still pending. What is pending is also
    // logged every 15 s, so a run cut short by its test's timeout explains itself too.
    const convergeMs = options.convergeTimeoutMs ?? 600_000;
    let promoted = 0;
    const drained = async (deadlineMs: number) => {
      const end = Date.now() + deadlineMs;
      let pending = "";
      let loggedAt = Date.now();
      while (Date.now() < end) {
        await watchBackfill();
        const row = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
        let busy = row.syncStatus !== "idle";
        const counts: Record<string, Record<string, number>> = {};
        for (const name of ["webhooks", "sync"] as const) {
          counts[name] = await getQueue(name)
            .getJobCounts("waiting", "active", "delayed", "prioritized", "waiting-children")
            .catch(() => ({ unknown: 1 }));
          if (Object.values(counts[name]).some((n) => n > 0)) busy = true;
          if (options.retryNowAfterFaults && (counts[name].delayed ?? 0) > 0) {
            for (const job of await getQueue(name).getDelayed()) {
              await job.promote().catch(() => {}); // taken up or promoted meanwhile
              promoted++;
            }
          }
        }
        if (!busy) return;
        pending = `sync status ${row.syncStatus}; queues ${JSON.stringify(counts)}`;
        if (Date.now() - loggedAt >= 15_000) {
          log(`still converging: ${pending}`);
          loggedAt = Date.now();
        }
        await sleep(250);
      }
      throw new Error(`queues did not drain within ${deadlineMs} ms: ${pending}`);
    };
    const nightlyRound = async () => {
      const asked = new Date();
      await getQueue("housekeeping").add("nightly", { shop: domain }, { removeOnComplete: true });
      const polls = Math.ceil(convergeMs / 250);
      for (let i = 0; i < polls; i++) {
        const row = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
        if (row.lastReconciledAt && row.lastReconciledAt >= asked) break;
        // A reconciliation may have turned into a filtered bulk export: that sets backfilling.
        if (row.syncStatus === "failed") throw new Error(`sync failed: ${row.syncError}`);
        if (i % 60 === 59 || i === polls - 1) {
          const counts = await getQueue("sync")
            .getJobCounts()
            .catch(() => ({}));
          const pending =
            `sync status ${row.syncStatus}, ` +
            `last reconciled ${row.lastReconciledAt?.toISOString() ?? "never"}, ` +
            `sync queue ${JSON.stringify(counts)}`;
          if (i < polls - 1) log(`still waiting for the nightly reconciliation: ${pending}`);
          else
            throw new Error(
              `no reconciliation within ${convergeMs / 1000} s of asking: ${pending}`,
            );
        }
        await sleep(250);
      }
    };

    let truth: TruthCheck | undefined;
    let rounds = 0;
    await fake.webhooks.flush();
    await drained(convergeMs);
    for (; rounds < 4; rounds++) {
      truth = await checkAgainstTruth(db, shopId, shop);
      if (truth.lost + truth.duplicated + truth.mismatched === 0) break;
      log(
        `round ${rounds}: ${truth.lost} lost, ${truth.duplicated} extra, ${truth.mismatched} differ; nightly`,
      );
      await nightlyRound();
      await fake.webhooks.flush();
      await drained(convergeMs);
    }
    truth ??= await checkAgainstTruth(db, shopId, shop);
    if (promoted > 0) log(`${promoted} retries run at once instead of after their backoff`);
    const convergeSeconds = (performance.now() - quietAt) / 1000;

    // The segments of the final data: a compute that started after the data stopped changing.
    const dataFinal = new Date();
    for (let i = 0; ; i++) {
      const row = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
      if (
        row.computeStartedAt &&
        row.computeStartedAt > dataFinal &&
        row.computedAt &&
        row.computedAt >= row.computeStartedAt &&
        row.computeStatus === "idle"
      )
        break;
      if (i % 40 === 0) {
        await getQueue("housekeeping").add("nightly", { shop: domain }, { removeOnComplete: true });
      }
      const last = i * 250 >= 2 * convergeMs;
      if (last || i % 60 === 59) {
        const counts = await getQueue("compute")
          .getJobCounts()
          .catch(() => ({}));
        const pending =
          `compute ${row.computeStatus}` +
          ` (started ${row.computeStartedAt?.toISOString() ?? "never"}, done ` +
          `${row.computedAt?.toISOString() ?? "never"}, error ${row.computeError ?? "none"}); ` +
          `compute queue ${JSON.stringify(counts)}; truth ${JSON.stringify(truth && { lost: truth.lost, duplicated: truth.duplicated, mismatched: truth.mismatched })}`;
        if (!last) log(`still waiting for the compute of the final data: ${pending}`);
        else {
          throw new Error(
            `no compute of the final data within ${(2 * convergeMs) / 1000} s: ${pending}`,
          );
        }
      }
      await sleep(250);
    }
    const segmentsSeconds = (performance.now() - quietAt) / 1000;
    await pool.stopAll();
    const segments = await checkSegments(db, databaseUrl, shopId);

    const deliveries = fake.webhooks.deliveries();
    const attempts = deliveries.flatMap((d) => d.attempts);
    const ok = attempts.filter((a) => a.status !== null && a.status >= 200 && a.status < 300);
    const report: ChaosReport = {
      database: pg
        ? "postgresql (private cluster)"
        : databaseUrl.startsWith("file:")
          ? "sqlite"
          : "postgresql",
      customers: options.customers,
      simulatedDays: worldSteps / options.stepsPerDay,
      wallSeconds: (performance.now() - started) / 1000,
      faults: {
        api: { ...fake.faults.counts },
        workerKills: pool.killed,
        workerUnexpectedExits: pool.unexpectedExits,
        workerUnexpectedExitCodes: [...pool.unexpectedExitCodes],
        redisRestarts: redis.restarts,
        postgresRestarts: pg?.restarts ?? 0,
        webhookDeliveries: deliveries.length,
        webhookDuplicates: new Set(
          ok.filter((a) => a.copy > 0).map((a) => `${a.webhookId}/${a.copy}`),
        ).size,
        webhookFailedAttempts: attempts.length - ok.length,
        merchantActions,
        apiRequestsLogged: fake.requests().length,
      },
      truth,
      segments,
      convergenceRounds: rounds,
      latency: {
        webhookAck: percentiles(ok.map((a) => a.ms)),
        backfillSeconds,
        convergeSeconds,
        segmentsSeconds,
      },
      workers: { started: pool.started, peakRssMb: Math.round(pool.peakRssBytes / 2 ** 20) },
    };
    return report;
  } finally {
    await cleanup();
  }
}

/** The report as the lines `npm run bench:reliability` prints. */
export function formatReport(r: ChaosReport): string {
  const p = (x: Percentiles) =>
    `p50 ${x.p50} ms, p95 ${x.p95} ms, p99 ${x.p99} ms, max ${x.max} ms (n=${x.count})`;
  const api = Object.entries(r.faults.api)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  const apiTotal = Object.values(r.faults.api).reduce((a, b) => a + b, 0);
  return [
    `database: ${r.database}; shop of ${r.customers} customers, ${r.simulatedDays} simulated days, ${r.wallSeconds.toFixed(0)} s wall`,
    `faults injected:`,
    `  Admin API: ${apiTotal} (${api}) in ${r.faults.apiRequestsLogged >= 20_000 ? "over 20,000" : r.faults.apiRequestsLogged} requests`,
    `  worker SIGKILLs: ${r.faults.workerKills} (unplanned exits: ${r.faults.workerUnexpectedExits}${r.faults.workerUnexpectedExits ? `, exit codes ${r.faults.workerUnexpectedExitCodes.join(", ")}` : ""}); workers started: ${r.workers.started}`,
    `  Redis restarts (queues lost): ${r.faults.redisRestarts}; PostgreSQL crash-restarts: ${r.faults.postgresRestarts}`,
    `  webhooks: ${r.faults.webhookDeliveries} sent, ${r.faults.webhookDuplicates} duplicate copies delivered, shuffled in windows of 16, delayed 0–150 ms; ${r.faults.webhookFailedAttempts} delivery attempts refused/failed and retried`,
    `  merchant actions (refund, cancel, delete, tag, order): ${r.faults.merchantActions}`,
    `records verified against Shopify: ${r.truth.checked.orders} orders + ${r.truth.checked.customers} customers`,
    `  lost = ${r.truth.lost}, duplicated = ${r.truth.duplicated}, mismatched = ${r.truth.mismatched}${r.truth.examples.length ? `: ${r.truth.examples.slice(0, 5).join(" | ")}` : ""}`,
    `segments: ${r.segments.rows} customer results vs ${r.segments.cleanRows} of a clean recompute, ${r.segments.differing} differ${r.segments.examples.length ? `: ${r.segments.examples.slice(0, 3).join(" | ")}` : ""}`,
    `  by segment: ${Object.entries(r.segments.segments)
      .sort()
      .map(([k, n]) => `${k} ${n}`)
      .join(", ")}`,
    `latency:`,
    `  webhook ack (2xx): ${p(r.latency.webhookAck)}`,
    `  backfill under faults: ${r.latency.backfillSeconds.toFixed(1)} s`,
    `  faults stop → database equals Shopify: ${r.latency.convergeSeconds.toFixed(1)} s (${r.convergenceRounds} nightly reconciliation rounds)`,
    `  faults stop → segments of the final data: ${r.latency.segmentsSeconds.toFixed(1)} s`,
    `peak memory (RSS) of a worker process: ${r.workers.peakRssMb} MB`,
  ].join("\n");
}
