/**
 * Prisma's transactions on SQLite take the write lock when they begin (app/db.server.ts), so a
 * web process and a worker writing the same file wait on each other instead of failing with
 * "database is locked". Runs on its own SQLite file whatever the run's database is.
 */
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDatabase } from "../../app/db.server";

const dir = mkdtempSync(join(tmpdir(), "kizuna-sqlite-tx-"));
const file = join(dir, "tx.sqlite");
const setup = new Database(file);
setup.pragma("journal_mode = WAL");
setup.exec('CREATE TABLE "Counter" ("id" INTEGER PRIMARY KEY, "n" INTEGER NOT NULL)');
setup.exec('INSERT INTO "Counter" ("id", "n") VALUES (1, 0)');
setup.close();

const prisma = createDatabase(`file:${file}`);
// Another process's connection: no busy timeout, so a held lock shows as an error at once.
const other = new Database(file, { timeout: 0 });

afterAll(async () => {
  other.close();
  await prisma.$disconnect();
  rmSync(dir, { recursive: true, force: true });
});

describe("Prisma transactions on SQLite", () => {
  it("hold the write lock from their start, before any write", async () => {
    const attempts: string[] = [];
    await prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRawUnsafe<{ n: number }[]>('SELECT "n" FROM "Counter"');
      expect(rows).toEqual([{ n: 0 }]);
      try {
        other.exec("BEGIN IMMEDIATE");
        other.exec("ROLLBACK");
        attempts.push("other writer got the lock");
      } catch (error) {
        attempts.push((error as { code?: string }).code ?? String(error));
      }
      await tx.$executeRawUnsafe('UPDATE "Counter" SET "n" = "n" + 1');
    });
    expect(attempts).toEqual(["SQLITE_BUSY"]);
    // Released at commit: the other connection writes now.
    other.exec('UPDATE "Counter" SET "n" = "n" + 1');
    expect(other.prepare('SELECT "n" FROM "Counter"').get()).toEqual({ n: 2 });
  });

  it("do not fail when another connection commits between their read and their write", async () => {
    // Under a deferred BEGIN this interleaving fails with SQLITE_BUSY_SNAPSHOT; under BEGIN
    // IMMEDIATE the other writer cannot commit in between (it is refused, and would wait).
    const refused: string[] = [];
    const result = await prisma.$transaction(async (tx) => {
      const [{ n }] = await tx.$queryRawUnsafe<{ n: number }[]>('SELECT "n" FROM "Counter"');
      try {
        other.exec('UPDATE "Counter" SET "n" = 100');
      } catch (error) {
        refused.push((error as { code?: string }).code ?? String(error));
      }
      await tx.$executeRawUnsafe(`UPDATE "Counter" SET "n" = ${n + 1}`);
      return n + 1;
    });
    expect(refused).toEqual(["SQLITE_BUSY"]);
    expect(result).toBe(3);
    expect(other.prepare('SELECT "n" FROM "Counter"').get()).toEqual({ n: 3 });
  });
});
