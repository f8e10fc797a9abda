/**
 * A database of one test file's own, beside the run's database and of the same provider,
 * with every migration applied. For tests that start worker processes: a worker re-queues
 * unfinished work of every installed shop at start (app/jobs/recovery.server.ts), which in
 * the shared database would be other test files' shops. Recorded in the run's directory, so
 * the run's teardown, or its watchdog when the runner is killed, drops what `drop()` did not
 * (test/setup/reaper.mjs).
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { basename } from "node:path";
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

/** `name`: lowercase letters, digits and underscores, unique among the test files. */
export async function privateDatabase(name: string): Promise<PrivateDatabase> {
  if (!/^[a-z0-9_]{1,20}$/.test(name)) throw new Error(`bad private database name: ${name}`);
  const base = process.env.DATABASE_URL ?? "";
  let url: string;
  let drop: () => Promise<void>;
  if (isSqliteUrl(base)) {
    const file = sqliteFilePath(base).replace(/\.sqlite$/, "") + `-${name}.sqlite`;
    removeSqlite(file);
    recordDatabase({ kind: "sqlite", file });
    url = `file:${file}`;
    drop = async () => {
      removeSqlite(file);
      forgetDatabase(basename(file));
    };
  } else if (isPostgresUrl(base)) {
    const parsed = new URL(base);
    const database = `${parsed.pathname.slice(1)}_${name}`.slice(0, 63);
    await onServer(base, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    recordDatabase({ kind: "postgres", server: base, database });
    await onServer(base, `CREATE DATABASE "${database}"`);
    parsed.pathname = `/${database}`;
    url = parsed.toString();
    drop = async () => {
      await onServer(base, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      forgetDatabase(database);
    };
  } else {
    throw new Error(`DATABASE_URL is neither SQLite nor PostgreSQL: ${base}`);
  }
  execFileSync(process.execPath, ["prisma/setup.mjs", "--migrate-only"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, DATABASE_URL: url },
  });
  return { url, drop };
}
