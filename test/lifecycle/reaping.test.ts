/**
 * Issue 20: nothing a test run starts outlives it. A test run of its own (vitest, the suite's
 * global setup, test/lifecycle/fixtures/leaves-processes.fixture.ts) starts a worker process,
 * a private redis-server, a private PostgreSQL cluster (in the SIGKILL case: initdb is slow)
 * and a shell with a child, and leaves them running; then its runner is killed (SIGTERM, SIGKILL) mid-test, or the test fails.
 * Afterwards no process of that run is left — none carrying its mark, none of the process
 * groups it started, no redis-server or postgres on their ports, no key under its prefix in the
 * suite's Redis, no private database it made beside its own (a PostgreSQL database outlives
 * the run's directory) — and its run directory (temp directories included) is gone, and so
 * are Vitest's own temporary directories of that run. How: test/setup/reaper.mjs.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { isSqliteUrl, sqliteFilePath } from "../../prisma/database-url.mjs";
import { privateDatabase } from "../helpers/private-database";
import { killGroup, spawnInGroup, hasExited } from "../helpers/processes";
import { runDirFor, runTempDirs, survivors, tempRoot } from "../setup/reaper.mjs";

const ROOT = join(import.meta.dirname, "..", "..");
const database = await privateDatabase("reaping");
const redis = new Redis(process.env.REDIS_URL!);
afterAll(async () => {
  redis.disconnect();
  await database.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

interface Report {
  pids: number[];
  redisPort: number;
  pgPort: number;
  /** The URL of the private database the fixture made and never dropped. */
  database: string;
}

/** Whether the database at `url` (SQLite file or PostgreSQL database) still exists. */
async function databaseExists(url: string): Promise<boolean> {
  if (isSqliteUrl(url)) return existsSync(sqliteFilePath(url));
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    return found.rowCount !== 0;
  } finally {
    await client.end();
  }
}

async function runFixture(mode: "hang" | "fail", postgres = false) {
  const report = join(tempRoot(), `reaping-${mode}-${Date.now()}.json`);
  const output: string[] = [];
  const runner: ChildProcess = spawnInGroup(
    process.execPath,
    [
      "node_modules/vitest/vitest.mjs",
      "run",
      "--config",
      "test/lifecycle/fixtures/vitest.config.ts",
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        REDIS_URL: process.env.REDIS_URL,
        REAPING_REPORT: report,
        REAPING_MODE: mode,
        REAPING_POSTGRES: postgres ? "1" : "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  runner.stdout!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  runner.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => runner.once("exit", resolve));
  const runDir = runDirFor(runner.pid!);
  for (let i = 0; !existsSync(report); i++) {
    if (hasExited(runner) || i > 2_400) {
      throw new Error(`the fixture run did not start its processes:\n${output.join("")}`);
    }
    await sleep(50);
  }
  const started = JSON.parse(readFileSync(report, "utf8")) as Report;
  const marked = survivors(runDir, true).map((p) => p.pid);
  // Vitest's temporary directories of that run (outside its run directory): the forked test
  // process loaded the fixture from one of them.
  const vitestTemp = runTempDirs(runDir);
  return { runner, exited, runDir, started, marked, vitestTemp, output };
}

/** What is left of a run, after waiting up to `ms` for its reaping. */
async function leftovers(
  runner: ChildProcess,
  runDir: string,
  started: Report,
  pids: number[],
  vitestTemp: string[],
  ms = 30_000,
) {
  const left = async () => {
    const ps = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
    return {
      pids: pids.filter(alive),
      marked: survivors(runDir, true).map((p) => p.pid),
      servers: ps
        .split("\n")
        .filter(
          (line) =>
            (line.includes("redis-server") && line.includes(`:${started.redisPort}`)) ||
            (started.pgPort > 0 &&
              line.includes("postgres") &&
              line.includes(`-p ${started.pgPort}`)),
        ),
      runDir: existsSync(runDir),
      vitestTemp: vitestTemp.filter((dir) => existsSync(dir)),
      // The fixture run's queue prefix (test/lifecycle/fixtures/vitest.config.ts).
      keys: await redis.keys(`kizuna-test-${runner.pid}*`),
      database: await databaseExists(started.database),
    };
  };
  const end = Date.now() + ms;
  for (;;) {
    const now = await left();
    const clean =
      now.pids.length +
        now.marked.length +
        now.servers.length +
        now.keys.length +
        now.vitestTemp.length ===
        0 &&
      !now.runDir &&
      !now.database;
    if (clean || Date.now() > end) return now;
    await sleep(250);
  }
}

const nothing = {
  pids: [],
  marked: [],
  servers: [],
  runDir: false,
  vitestTemp: [],
  keys: [],
  database: false,
};

/** Vitest's temporary directories of the run hold the fixture it loaded into its fork. */
function expectVitestTemp(dirs: string[]): void {
  const files = dirs.flatMap((dir) =>
    existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: "utf8" }) : [],
  );
  expect(files.length, `nothing in ${dirs.join(", ")}`).toBeGreaterThan(0);
}

describe("a test run's processes", () => {
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    it(`are all gone after its runner gets ${signal} mid-test`, async () => {
      const run = await runFixture("hang", signal === "SIGKILL");
      const pids = [...new Set([...run.started.pids, ...run.marked])];
      // (A failure before the kill leaves the run to its watchdog, through the finally below.)
      // A worker, redis-server, sh and sleep; postgres and its helper processes.
      expect(pids.length, run.output.join("")).toBeGreaterThanOrEqual(signal === "SIGKILL" ? 5 : 4);
      expect(await redis.exists(`kizuna-test-${run.runner.pid}:reaping-probe`)).toBe(1);
      expect(await databaseExists(run.started.database)).toBe(true);
      try {
        expectVitestTemp(run.vitestTemp);
        process.kill(run.runner.pid!, signal);
        await run.exited;
        const left = await leftovers(run.runner, run.runDir, run.started, pids, run.vitestTemp);
        expect(left).toEqual(nothing);
      } finally {
        killGroup(run.runner, "SIGKILL"); // on any failure too: its watchdog then reaps
      }
    }, 240_000);
  }

  it("are all gone after a failing run", async () => {
    const run = await runFixture("fail");
    try {
      const pids = [...new Set([...run.started.pids, ...run.marked])];
      expect(pids.length, run.output.join("")).toBeGreaterThanOrEqual(4);
      // (Its Vitest temporary directories may be gone already: a failing run ends by itself.)
      expect(await run.exited).not.toBe(0);
      const left = await leftovers(
        run.runner,
        run.runDir,
        run.started,
        pids,
        run.vitestTemp,
        5_000,
      );
      expect(left).toEqual(nothing);
    } finally {
      killGroup(run.runner, "SIGKILL");
    }
  }, 240_000);
});
