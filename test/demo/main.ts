/**
 * `npm run demo`: Kizuna running for real against a fake Shopify, in one command.
 *
 * Starts the fake Shopify with a seeded demo shop (20,000 customers, JPY, Asia/Tokyo),
 * builds and serves the app in production mode, starts the BullMQ workers, installs the
 * app into the shop through the real embedded auth path (session token → token exchange
 * → afterAuth → backfill → compute), seeds post-purchase survey answers, and prints one
 * URL: a page of the fake admin that frames the app and hands it session tokens.
 *
 * Demo-only pieces (the fetch redirect to the fake, the App Bridge stand-in) are loaded
 * by this command alone; the demo binds 127.0.0.1 and refuses to run when the calling
 * environment says NODE_ENV=production.
 *
 * SIGINT/SIGTERM, or the death of its parent (npm, a terminal), at any moment — set-up
 * included — stop the app and workers (each within SHUTDOWN_TIMEOUT_MS) and then this
 * process; whatever is left after that is SIGKILLed with its process group.
 */
import "../../app/load-env.server"; // first: .env (REDIS_URL, LOG_LEVEL) before anything reads it
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { assertRedisReachable, RedisUnavailableError } from "../../app/redis.server";
import { installShutdown } from "../../app/shutdown.server";
import { spawnInGroup } from "../helpers/processes";
import { shutdownGraceMs, startDemo, stopDemoProcesses, type Demo } from "./setup";

const { values: args } = parseArgs({
  options: {
    customers: { type: "string", default: "20000" },
    port: { type: "string", default: "3000" },
    locale: { type: "string", default: "ja" },
  },
});

if (process.env.NODE_ENV === "production") {
  console.error("The demo runs a fake Shopify and never runs with NODE_ENV=production.");
  process.exit(1);
}
/** Set once the demo is up; a signal may come before. */
const running: { demo?: Demo } = {};
installShutdown({
  what: "demo",
  // The app's and workers' own deadline, a margin, and the fake Shopify's close.
  timeoutMs: shutdownGraceMs() + 1_000,
  log: {
    info: (_fields: object, line: string) => console.log(`[demo] ${line}`),
    warn: (_fields: object, line: string) => console.warn(`[demo] ${line}`),
    error: (_fields: object, line: string) => console.error(`[demo] ${line}`),
  } as never,
  withParent: true,
  stop: async () => {
    if (running.demo) await running.demo.stop();
    else await stopDemoProcesses(shutdownGraceMs());
  },
});
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
try {
  await assertRedisReachable(REDIS_URL);
} catch (error) {
  if (error instanceof RedisUnavailableError) {
    console.error(`${error.message}\nThe demo needs Redis ≥ 6.2 (BullMQ).`);
    process.exit(2);
  }
  throw error;
}

const appPort = Number(args.port);
const DATABASE_URL = "file:./prisma/demo.sqlite";
const credentials = { apiKey: "kizuna-demo-api-key", apiSecret: "kizuna-demo-api-secret" };
const say = (line: string) => console.log(`[demo] ${line}`);

// A fresh database for every run: the demo never touches the developer's own.
for (const suffix of ["", "-wal", "-shm"]) rmSync(`prisma/demo.sqlite${suffix}`, { force: true });
execFileSync(process.execPath, ["prisma/setup.mjs", "--migrate-only"], {
  stdio: "ignore",
  env: { ...process.env, DATABASE_URL },
});

/** Newest modification time of the files under a path. */
const newest = (path: string): number => {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newest(`${path}/${entry}`)));
};
const built = statSync("build/server/index.js", { throwIfNoEntry: false })?.mtimeMs ?? 0;
if (
  !existsSync("build/server/index.js") ||
  built < Math.max(newest("app"), newest("package-lock.json"))
) {
  say("building the app (production)…");
  // Not execFileSync: a signal during the build (a minute or more) must stop the demo now.
  await new Promise<void>((resolve, reject) => {
    const build = spawnInGroup(
      process.execPath,
      ["node_modules/@remix-run/dev/dist/cli.js", "vite:build"],
      { stdio: "ignore" },
    );
    build.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`the build failed (exit ${code})`)),
    );
  });
}

// This process talks to the same database and queues as the app and workers: set before any
// app module reads the environment.
const queuePrefix = `kizuna-demo-${process.pid}`;
Object.assign(process.env, {
  DATABASE_URL,
  SHOPIFY_API_KEY: credentials.apiKey,
  SHOPIFY_API_SECRET: credentials.apiSecret,
  SHOPIFY_APP_URL: `http://127.0.0.1:${appPort}`,
  QUEUE_PREFIX: queuePrefix,
  REDIS_URL,
});

const demo = await startDemo({
  customers: Number(args.customers),
  store: "kizuna-demo",
  appPort,
  locale: args.locale,
  databaseUrl: DATABASE_URL,
  redisUrl: REDIS_URL,
  queuePrefix,
  serverEntry: "build/server/index.js",
  ...credentials,
  say,
});

running.demo = demo;
console.log(
  `\nKizuna is running. Open the app as Shopify admin frames it:\n\n  ${demo.adminUrl}/\n`,
);
console.log("(Ctrl-C stops the demo.)");
