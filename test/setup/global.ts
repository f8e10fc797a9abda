/**
 * Once per run: a fresh SQLite file (or the given PostgreSQL database) with every
 * committed migration applied, the same way `npm install` sets up a user's database.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { isSqliteUrl, sqliteFilePath } from "../../prisma/database-url.mjs";
import { testDatabaseUrl } from "./database";

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

export default function setup(): () => Promise<void> {
  const url = testDatabaseUrl();
  if (isSqliteUrl(url)) {
    const file = sqliteFilePath(url);
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(file + suffix, { force: true });
  }
  execFileSync(process.execPath, ["prisma/setup.mjs", "--migrate-only"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, DATABASE_URL: url },
  });
  return removeQueues;
}
