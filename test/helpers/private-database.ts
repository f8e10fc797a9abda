/**
 * A database of one test file's own, beside the run's database and of the same provider,
 * with every migration applied. For tests that start worker processes: a worker re-queues
 * unfinished work of every installed shop at start (app/jobs/recovery.server.ts), which in
 * the shared database would be other test files' shops. Recorded in the run's directory, so
 * the run's teardown, or its watchdog when the runner is killed, drops what `drop()` did not
 * (test/setup/reaper.mjs).
 *
 * In a test run it is a copy of the run's template (makeTemplate, called by the global
 * setup): an empty database migrated once per run. A copy takes a fraction of a second; a
 * migration is a Prisma CLI process, ≈ 2 s of CPU and wall time each (decision 0068).
 * Outside a run (benchmarks) it is migrated.
 */
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, existsSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { isPostgresUrl, isSqliteUrl, sqliteFilePath } from "../../prisma/database-url.mjs";
import { forgetDatabase, recordDatabase } from "../setup/reaper.mjs";

export interface PrivateDatabase {
  url: string;
  drop(): Promise<void>;
}

function removeSqlite(file: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(file + suffix, { force: true });
}

async function onServer(baseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Names the run's template database (set by the global setup; inherited by test files). */
const TEMPLATE_ENV = "KIZUNA_TEST_TEMPLATE_DB";

/** Applies every committed migration, the way `npm install` sets up a user's database. */
function migrate(url: string): void {
  execFileSync(process.execPath, ["prisma/setup.mjs", "--migrate-only"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, DATABASE_URL: url },
  });
}

/** The template's name on a PostgreSQL server, from the run's database's. */
const templateName = (base: URL) => `${base.pathname.slice(1)}_template`.slice(0, 63);

/** Whether two PostgreSQL URLs name the same server and user. */
function sameServer(a: URL, b: URL): boolean {
  return a.host === b.host && a.username === b.username;
}

/**
 * Makes the run's template beside the run's database `base`: an empty database with every
 * migration applied (a file in the run's directory on SQLite; a database recorded for the
 * teardown and watchdog on PostgreSQL). For the global setup, once per run.
 */
export async function makeTemplate(base: string, runDir: string): Promise<void> {
  let url: string;
  if (isSqliteUrl(base)) {
    const file = join(runDir, "template.sqlite");
    removeSqlite(file);
    url = `file:${file}`;
  } else if (isPostgresUrl(base)) {
    const parsed = new URL(base);
    const database = templateName(parsed);
    await onServer(base, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    recordDatabase({ kind: "postgres", server: base, database });
    await onServer(base, `CREATE DATABASE "${database}"`);
    parsed.pathname = `/${database}`;
    url = parsed.toString();
  } else {
    throw new Error(`DATABASE_URL is neither SQLite nor PostgreSQL: ${base}`);
  }
  await promisify(execFile)(process.execPath, ["prisma/setup.mjs", "--migrate-only"], {
    env: { ...process.env, DATABASE_URL: url },
  });
  process.env[TEMPLATE_ENV] = url;
}

/** `name`: lowercase letters, digits and underscores, unique among the test files. */
export async function privateDatabase(name: string): Promise<PrivateDatabase> {
  if (!/^[a-z0-9_]{1,20}$/.test(name)) throw new Error(`bad private database name: ${name}`);
  const base = process.env.DATABASE_URL ?? "";
  const template = process.env[TEMPLATE_ENV];
  let url: string;
  let drop: () => Promise<void>;
  let copied = false;
  if (isSqliteUrl(base)) {
    const file = sqliteFilePath(base).replace(/\.sqlite$/, "") + `-${name}.sqlite`;
    removeSqlite(file);
    recordDatabase({ kind: "sqlite", file });
    url = `file:${file}`;
    const source = template && isSqliteUrl(template) ? sqliteFilePath(template) : undefined;
    if (source && existsSync(source)) {
      // Nothing writes to the template: its file (and WAL, if any) is a consistent copy.
      for (const suffix of ["", "-wal"]) {
        if (existsSync(source + suffix)) copyFileSync(source + suffix, file + suffix);
      }
      copied = true;
    }
    drop = async () => {
      removeSqlite(file);
      forgetDatabase(basename(file));
    };
  } else if (isPostgresUrl(base)) {
    const parsed = new URL(base);
    const database = `${parsed.pathname.slice(1)}_${name}`.slice(0, 63);
    await onServer(base, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    recordDatabase({ kind: "postgres", server: base, database });
    const source = template && isPostgresUrl(template) ? new URL(template) : undefined;
    if (source && sameServer(source, parsed)) {
      await onServer(base, `CREATE DATABASE "${database}" TEMPLATE "${source.pathname.slice(1)}"`);
      copied = true;
    } else {
      await onServer(base, `CREATE DATABASE "${database}"`);
    }
    parsed.pathname = `/${database}`;
    url = parsed.toString();
    drop = async () => {
      await onServer(base, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      forgetDatabase(database);
    };
  } else {
    throw new Error(`DATABASE_URL is neither SQLite nor PostgreSQL: ${base}`);
  }
  if (!copied) migrate(url);
  return { url, drop };
}
