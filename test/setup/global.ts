/**
 * Once per run: a fresh SQLite file (or the given PostgreSQL database) with every
 * committed migration applied, the same way `npm install` sets up a user's database; the
 * template the test files copy their private databases from (test/helpers/private-
 * database.ts), migrated at the same time; the run's directory and its watchdog, so that
 * nothing the run starts outlives it (test/setup/reaper.mjs).
 */
import { execFile, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { isSqliteUrl, sqliteFilePath } from "../../prisma/database-url.mjs";
import { makeTemplate } from "../helpers/private-database";
import { testDatabaseUrl } from "./database";
import {
  dropDatabases,
  reap,
  recordTempDir,
  removeRunKeys,
  runDatabases,
  runDirFor,
} from "./reaper.mjs";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
/** The prefix of this run's queues and keys (vitest.config.ts: QUEUE_PREFIX). */
const keyPrefix = `kizuna-test-${process.pid}`;

/** This process's environment without the marks of test runs (test/setup/reaper.mjs). */
function unmarked(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("KIZUNA_TEST_RUN")),
  ) as NodeJS.ProcessEnv;
}

/**
 * The run's directory, and a watchdog that reaps it if this runner dies without teardown.
 * Vitest's own temporary directories (each project's modules for its forked test processes,
 * $TMPDIR/<random id>, which Vitest removes only when it closes normally) are recorded in it:
 * the reaping removes them too, so an interrupted run leaves none behind.
 */
function startReaping(vitestTemp: readonly string[]): () => Promise<void> {
  const runDir = runDirFor(process.pid);
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  process.env.KIZUNA_TEST_RUN_DIR = runDir;
  for (const dir of vitestTemp) recordTempDir(runDir, dir);
  const watchdog = spawn(
    process.execPath,
    [join(import.meta.dirname, "reaper.mjs"), runDir, `${process.pid}`, redisUrl, keyPrefix],
    // Without any run's marks: it is no run's process (an enclosing run must not reap it).
    { detached: true, stdio: "ignore", env: unmarked() },
  );
  watchdog.unref();
  return async () => {
    // Private databases a failed test file did not drop (read before reap removes the list).
    const databases = runDatabases(runDir);
    const killed = reap(runDir);
    if (killed.length > 0) {
      console.warn(
        `[teardown] killed ${killed.length} processes the tests left: ${killed.join(" ")}`,
      );
    }
    watchdog.kill();
    await dropDatabases(databases);
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { vitest } = project;
  const stopReaping = startReaping(
    [vitest.getRootProject(), ...vitest.projects].map((p) => p.tmpDir),
  );
  const url = testDatabaseUrl();
  if (isSqliteUrl(url)) {
    const file = sqliteFilePath(url);
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(file + suffix, { force: true });
  }
  await Promise.all([
    promisify(execFile)(process.execPath, ["prisma/setup.mjs", "--migrate-only"], {
      env: { ...process.env, DATABASE_URL: url },
    }),
    makeTemplate(url, process.env.KIZUNA_TEST_RUN_DIR!),
  ]);
  return async () => {
    await stopReaping();
    await removeRunKeys(redisUrl, keyPrefix);
  };
}
