/**
 * Nothing a test run starts outlives it (issue 20). The run has a directory of its own,
 * $TMPDIR/kizuna-test-run-<runner pid>, named in KIZUNA_TEST_RUN_DIR (set by the global
 * setup, inherited by every test process):
 *   groups/<pgid>  one file per process group a test started (test/helpers/processes.ts
 *                  starts every process in a group of its own, marked with
 *                  KIZUNA_TEST_RUN_<run id>=1 in its environment, which its children
 *                  inherit);
 *   tmp/           the run's temporary directories (private Redis and PostgreSQL data, …);
 *   databases/     one file per private database a test file made beside the run's database
 *                  (test/helpers/private-database.ts): a SQLite file, or a PostgreSQL
 *                  database on the run's server, which outlives the directory otherwise;
 *   tempdirs/      one file per temporary directory outside it that the run's end removes
 *                  (Vitest's own, test/setup/global.ts).
 * reap() SIGKILLs every recorded group and every process still carrying the run's mark
 * (one that left its group), then removes the directory. The global teardown calls it when
 * the run ends; a watchdog (this file run as a script, started detached by the global setup)
 * calls it when the runner dies without a teardown — interrupted by SIGINT/SIGTERM, killed,
 * crashed; it then also removes the run's keys from Redis (removeRunKeys) and the private
 * databases still recorded (dropDatabases), as the teardown does. Plain JavaScript: the watchdog runs under node alone.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * The environment variable that marks the processes of the run `runDir`: one variable per
 * run, so a process started inside a nested run (a test that runs vitest) carries the marks of
 * both and either run's reaper finds it.
 */
export function markOf(runDir) {
  return `KIZUNA_TEST_RUN_${basename(runDir).replace(/\W/g, "_")}`;
}

/** The run directory of the runner with this pid. */
export function runDirFor(runnerPid) {
  return join(tmpdir(), `kizuna-test-run-${runnerPid}`);
}

/** This run's directory, or undefined outside a test run (benchmarks, the demo). */
export function currentRunDir() {
  return process.env.KIZUNA_TEST_RUN_DIR || undefined;
}

/** Where temporary directories go: under the run's directory when in a run. */
export function tempRoot() {
  const dir = currentRunDir();
  if (!dir) return tmpdir();
  const root = join(dir, "tmp");
  mkdirSync(root, { recursive: true });
  return root;
}

/** The environment marks a process started in this run carries. */
export function runMarks() {
  const dir = currentRunDir();
  return dir ? { [markOf(dir)]: "1", KIZUNA_EXIT_WITH_PARENT: "1" } : {};
}

/** Records a process group a test started (its leader's pid). */
export function recordGroup(pgid) {
  const dir = currentRunDir();
  // After the teardown (the directory gone) there is no run left to record it in.
  if (!dir || !existsSync(dir)) return;
  mkdirSync(join(dir, "groups"), { recursive: true });
  // The leader's start time: a group id reused later by someone else's process is told apart.
  writeFileSync(join(dir, "groups", `${pgid}`), startTime(pgid) ?? "");
}

/** The name of a private database's record (letters, digits, `_`, `-`, `.`). */
const recordName = (database) => database.replace(/[^\w.-]/g, "_");

/**
 * Records a private database of this run: `{ kind: "sqlite", file }` or
 * `{ kind: "postgres", server, database }` (`server` the URL of a database on the same
 * server to connect through).
 */
export function recordDatabase(record) {
  const dir = currentRunDir();
  if (!dir || !existsSync(dir)) return;
  const name = record.kind === "sqlite" ? basename(record.file) : record.database;
  mkdirSync(join(dir, "databases"), { recursive: true });
  writeFileSync(join(dir, "databases", recordName(name)), JSON.stringify(record), {
    mode: 0o600,
  });
}

/** Records a temporary directory outside `runDir` that the run's reaping removes. */
export function recordTempDir(runDir, dir) {
  mkdirSync(join(runDir, "tempdirs"), { recursive: true });
  writeFileSync(join(runDir, "tempdirs", basename(dir)), dir);
}

/** The temporary directories recorded in the run `runDir` (read before reap() removes it). */
export function runTempDirs(runDir) {
  const dir = join(runDir, "tempdirs");
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((name) => readFileSync(join(dir, name), "utf8"));
}

/** Forgets a private database its test file dropped. */
export function forgetDatabase(name) {
  const dir = currentRunDir();
  if (dir) rmSync(join(dir, "databases", recordName(name)), { force: true });
}

/** The private databases the run `runDir` still has recorded (read before reap() removes it). */
export function runDatabases(runDir) {
  const dir = join(runDir, "databases");
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    try {
      return [JSON.parse(readFileSync(join(dir, name), "utf8"))];
    } catch {
      return [];
    }
  });
}

/**
 * Drops the given private databases: SQLite files removed, PostgreSQL databases dropped with
 * their connections (a killed test's connections may still be closing). Best effort: a
 * server already gone leaves nothing to drop.
 */
export async function dropDatabases(records) {
  for (const record of records) {
    if (record.kind === "sqlite") {
      for (const suffix of ["", "-wal", "-shm", "-journal"]) {
        rmSync(record.file + suffix, { force: true });
      }
      continue;
    }
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: record.server });
    try {
      await client.connect();
      const quoted = `"${record.database.replace(/"/g, '""')}"`;
      await client.query(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`);
    } catch {
      // server gone or database already dropped
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/** A process's start time (clock ticks since boot), or undefined when it is gone. */
function startTime(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Forgets a group once it has exited. */
export function forgetGroup(pgid) {
  const dir = currentRunDir();
  if (dir) rmSync(join(dir, "groups", `${pgid}`), { force: true });
}

/** Live processes of this machine: pid, process group, and whether it carries `mark`. */
function processes(mark) {
  const found = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z") continue;
      let marked = false;
      try {
        marked = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").includes(mark);
      } catch {
        // not ours to read
      }
      if (Number(entry) !== process.pid)
        found.push({ pid: Number(entry), pgid: Number(fields[2]), marked });
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/**
 * The processes of the run `runDir` still alive (none once reaped): those the tests started
 * or, with `testProcesses`, also the runner's own test processes (they carry the run's
 * directory in the environment they were started with; the runner itself does not).
 */
export function survivors(runDir, testProcesses = false) {
  if (!existsSync("/proc")) return [];
  const started = processes(`${markOf(runDir)}=1`).filter((p) => p.marked);
  if (!testProcesses) return started;
  const forks = processes(`KIZUNA_TEST_RUN_DIR=${runDir}`).filter((p) => p.marked);
  return [...started, ...forks.filter((f) => !started.some((p) => p.pid === f.pid))];
}

/**
 * SIGKILLs what the run `runDir` left: each recorded group that still holds a marked
 * process (a group id reused by someone else's process is left alone), then any marked
 * process outside them; with `testProcesses` (the runner is dead), its test processes too.
 * Removes the run's directory and the temporary directories recorded in it. Returns the pids killed, each with its command line.
 */
export function reap(runDir, testProcesses = false) {
  const killed = [];
  /** pid → its command line, read before the kill, for the teardown's report. */
  const named = new Map();
  const kill = (target) => {
    const name = commandOf(Math.abs(target));
    try {
      process.kill(target, "SIGKILL");
      if (name) named.set(Math.abs(target), name);
      return true;
    } catch {
      return false;
    }
  };
  if (existsSync("/proc")) {
    // Groups: only those of processes the tests started (never the runner's own group, which
    // may hold npm and the shell or CI script that ran it).
    const started = survivors(runDir);
    // A recorded group whose leader still runs (same start time) goes whole, marked or not:
    // some servers (redis-server) overwrite the environment their mark was in.
    let groups = [];
    // A group whose processes have all exited is no leftover, even while its leader's exit
    // waits to be reaped (a zombie still holds the group id).
    const live = new Set(processes("").map((p) => p.pgid));
    try {
      for (const name of readdirSync(join(runDir, "groups"))) {
        const started = readFileSync(join(runDir, "groups", name), "utf8");
        const pgid = Number(name);
        if (started !== "" && startTime(pgid) === started && live.has(pgid)) groups.push(pgid);
      }
    } catch {
      // none recorded
    }
    const self = readFileSync("/proc/self/stat", "utf8");
    const ownGroup = Number(self.slice(self.lastIndexOf(")") + 2).split(" ")[2]);
    for (const pgid of groups) if (pgid !== ownGroup && kill(-pgid)) killed.push(pgid);
    for (const pgid of new Set(started.map((p) => p.pgid))) {
      const members = started.filter((p) => p.pgid === pgid);
      if (pgid !== ownGroup && !groups.includes(pgid) && kill(-pgid)) {
        killed.push(...members.map((p) => p.pid));
      }
    }
    for (const p of survivors(runDir, testProcesses)) if (kill(p.pid)) killed.push(p.pid);
  } else {
    // No /proc: the recorded groups are all there is to go by.
    try {
      for (const pgid of readdirSync(join(runDir, "groups")).map(Number)) {
        if (kill(-pgid)) killed.push(pgid);
      }
    } catch {
      // none recorded
    }
  }
  for (const dir of runTempDirs(runDir)) rmSync(dir, { recursive: true, force: true });
  rmSync(runDir, { recursive: true, force: true });
  return killed.map((pid) => (named.has(pid) ? `${pid} (${named.get(pid)})` : String(pid)));
}

/** Removes the keys under `prefix` (the run's queues) from the Redis at `url`. */
export async function removeRunKeys(url, prefix) {
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
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

/** A process's command line, shortened, or null when it is gone or unreadable. */
function commandOf(pid) {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return argv.join(" ").slice(0, 200) || null;
  } catch {
    return null;
  }
}

/** Alive and not a zombie (PID 1 may take its time to reap an orphan's exit). */
const alive = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    try {
      process.kill(pid, 0);
      return !existsSync("/proc"); // no /proc: kill(0) is all there is
    } catch (error) {
      return error.code === "EPERM";
    }
  }
};

// `node test/setup/reaper.mjs <run dir> <runner pid> [<redis url> <key prefix>]`: the watchdog.
// It reaps once the runner is gone, and leaves quietly when the run's teardown has already
// removed the directory.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [runDir, runnerPid, redisUrl, keyPrefix] = [
    process.argv[2],
    Number(process.argv[3]),
    process.argv[4],
    process.argv[5],
  ];
  const timer = setInterval(() => {
    if (!existsSync(runDir)) {
      clearInterval(timer);
      return;
    }
    if (alive(runnerPid)) return;
    clearInterval(timer);
    const databases = runDatabases(runDir);
    reap(runDir, true);
    void (async () => {
      if (redisUrl && keyPrefix) await removeRunKeys(redisUrl, keyPrefix);
      await dropDatabases(databases);
    })();
  }, 250);
}
