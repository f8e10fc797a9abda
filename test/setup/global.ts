/**
 * Once per run: a fresh SQLite file (or the given PostgreSQL database) with every
 * committed migration applied, the same way `npm install` sets up a user's database; the
 * run's directory and its watchdog, so that nothing the run starts outlives it
 * (test/setup/reaper.mjs).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isSqliteUrl, sqliteFilePath } from "../../prisma/database-url.mjs";
import { testDatabaseUrl } from "./database";
import { reap, runDirFor } from "./reaper.mjs";

/** Removes this run's queues from Redis once every test file is done. */
async function removeQueues(): Promise<void> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  try {
    await redis.connect();
    const prefix = `kizuna-test-${process.pid}`;
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } catch {
    // Redis already gone: nothing to clean.
  } finally {
    redis.disconnect();
  }
}

/** This process's environment without the marks of test runs (test/setup/reaper.mjs). */
function unmarked(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("KIZUNA_TEST_RUN")),
  ) as NodeJS.ProcessEnv;
}

/** The run's directory, and a watchdog that reaps it if this runner dies without teardown. */
function startReaping(): () => void {
  const runDir = runDirFor(process.pid);
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  process.env.KIZUNA_TEST_RUN_DIR = runDir;
  const watchdog = spawn(
    process.execPath,
    [join(import.meta.dirname, "reaper.mjs"), runDir, `${process.pid}`],
    // Without any run's marks: it is no run's process (an enclosing run must not reap it).
    { detached: true, stdio: "ignore", env: unmarked() },
  );
  watchdog.unref();
  return () => {
    const killed = reap(runDir);
    if (killed.length > 0) {
      console.warn(
        `[teardown] killed ${killed.length} processes the tests left: ${killed.join(" ")}`,
      );
    }
    watchdog.kill();
  };
}

export default function setup(): () => Promise<void> {
  const stopReaping = startReaping();
  const url = testDatabaseUrl();
  if (isSqliteUrl(url)) {
    const file = sqliteFilePath(url);
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(file + suffix, { force: true });
  }
  execFileSync(process.execPath, ["prisma/setup.mjs", "--migrate-only"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, DATABASE_URL: url },
  });
  return async () => {
    stopReaping();
    await removeQueues();
  };
}
