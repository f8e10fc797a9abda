/**
 * Once per run: a fresh SQLite file (or the given PostgreSQL database) with every
 * committed migration applied, the same way `npm install` sets up a user's database.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { isSqliteUrl, sqliteFilePath } from "../../prisma/database-url.mjs";
import { testDatabaseUrl } from "./database";

export default function setup(): void {
  const url = testDatabaseUrl();
  if (isSqliteUrl(url)) {
    const file = sqliteFilePath(url);
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(file + suffix, { force: true });
  }
  execFileSync(process.execPath, ["prisma/setup.mjs", "--migrate-only"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, DATABASE_URL: url },
  });
}
