import { defineConfig } from "vitest/config";
import { testDatabaseUrl } from "./test/setup/database";
import LongestFirst from "./test/setup/sequencer";

// One database per run: DATABASE_URL when set (CI's PostgreSQL run), else a fresh SQLite
// file in the run's directory. Tests isolate themselves by shop: every row is shop-scoped.
const databaseUrl = testDatabaseUrl();
const queuePrefix = `kizuna-test-${process.pid}`;
// Every test runs on a virtual clock anchored here (test/setup/virtual-clock.mjs), never on
// today's date. `npm run test:anchors` runs the suite at other anchors (DST changes, 29 Feb,
// the turn of the year in Tokyo).
const anchor = process.env.KIZUNA_TEST_ANCHOR ?? "2026-11-16T02:00:00.000Z";
// Property tests draw from one seed per run (test/setup/seed.ts): a fixed one unless
// KIZUNA_TEST_SEED names another, or "random" explores (the seed is printed to reproduce).
const seed = resolveSeed(process.env.KIZUNA_TEST_SEED);

function resolveSeed(raw: string | undefined): string {
  if (raw === undefined || raw === "") return "20261205";
  if (raw !== "random") return raw;
  const drawn = String(Math.floor(Math.random() * 2 ** 31));
  console.warn(`property tests: KIZUNA_TEST_SEED=${drawn}`);
  return drawn;
}

/** Test files that touch no database, Redis, process or environment variable. */
const PURE = [
  "test/analytics/**/*.test.ts",
  "test/clv/**/*.test.ts",
  "test/fake-shopify/{coverage,generator,pagination,webhooks}.test.ts",
  "test/jobs/recompute.test.ts",
  "test/metrics/{load-columns,model-choice,result-set,snapshot,thread-protocol,trends-snapshot}.test.ts",
  "test/pages/{cohort-filter,continuation-series,forms,heatmap,spend-input}.test.ts",
  "test/settings/settings.test.ts",
  "test/sync/{ids,money-rows,order-selection,rows-checked,sqlite-date,tags,webhook-payload}.test.ts",
];

export default defineConfig({
  test: {
    globalSetup: ["test/setup/global.ts"],
    setupFiles: ["test/setup/clock.ts", "test/setup/seed.ts", "test/setup/queues.ts"],
    pool: "forks",
    // The pure tests (analytics and CLV: no database, Redis, process or environment change)
    // run first, in worker threads without isolation: each thread imports their modules once
    // instead of once per file (decision 0063). The rest run after them, each file in a fresh
    // process. Vitest 3 reads isolation per pool, not per project: hence threads for these.
    poolOptions: { threads: { isolate: false } },
    projects: [
      {
        extends: true,
        test: { name: "pure", include: PURE, pool: "threads", sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts", "test/**/*.test.tsx", "extensions/**/*.test.ts"],
          exclude: PURE,
          sequence: { groupOrder: 1 },
        },
      },
    ],
    // Two test files at a time. Vitest's default on a 2-core machine is one (cores − 1), but
    // most files wait on processes they start (app server, workers, Chromium), and tests are
    // isolated by shop, queue prefix, port and temp directory. `--maxWorkers=N` overrides.
    maxWorkers: 2,
    minWorkers: 1,
    // Longest files first, also on a fresh clone (decision 0068).
    sequence: { sequencer: LongestFirst },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits on a browser or a worker. Its default bound (1 s) is too short on a
    // loaded 2-core machine; a poll returns as soon as its condition holds, so a generous
    // bound costs nothing when the code is right.
    expect: { poll: { timeout: 15_000 } },
    env: {
      NODE_ENV: "test",
      KIZUNA_TEST_ANCHOR: anchor,
      KIZUNA_TEST_SEED: seed,
      // "1": the slow suites' full variants (`npm run bench:full`, test/helpers/variant.ts).
      KIZUNA_TEST_FULL: process.env.KIZUNA_TEST_FULL ?? "0",
      DATABASE_URL: databaseUrl,
      REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
      SHOPIFY_API_KEY: "kizuna-test-api-key",
      SHOPIFY_API_SECRET: "kizuna-test-api-secret",
      SHOPIFY_APP_URL: "https://kizuna.test",
      LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
      // Each run's queues live under their own Redis prefix (removed by the global teardown).
      QUEUE_PREFIX: queuePrefix,
      WORKER_LOCK_MS: "3000",
    },
  },
});
