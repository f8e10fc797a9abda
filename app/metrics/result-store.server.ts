/**
 * The result set's chunks read straight through the drivers (result-set.server.ts says why):
 * one better-sqlite3 connection (reads only), or a small pg pool, per database URL and process,
 * opened on first use. Every query names the shop and the snapshot of the set.
 */
import Database from "better-sqlite3";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { isPostgresUrl, sqliteFilePath } from "../../prisma/database-url.mjs";
import type { ResultSetDirectory } from "./result-set";
import type { CurrentResultSet, ResultChunks } from "./result-set.server";

const stores = new Map<string, ResultChunks>();

/** The driver-backed chunk reader of a database (cached per URL). */
export function resultStore(databaseUrl: string): ResultChunks {
  let store = stores.get(databaseUrl);
  if (!store) {
    store = isPostgresUrl(databaseUrl) ? postgresStore(databaseUrl) : sqliteStore(databaseUrl);
    stores.set(databaseUrl, store);
  }
  return store;
}

/** Closes every cached connection (tests and scripts that end their process tidily). */
export async function closeResultStores(): Promise<void> {
  const open = [...stores.values()];
  stores.clear();
  for (const store of open) await (store as { close?: () => Promise<void> }).close?.();
}

const set = (
  shopId: number,
  id: number,
  computedAt: Date,
  json: string | null,
): CurrentResultSet | null =>
  json === null
    ? null
    : {
        shopId,
        snapshotId: id,
        computedAt,
        directory: JSON.parse(json) as ResultSetDirectory,
      };

// ---------------------------------------------------------------- SQLite

function sqliteStore(url: string): ResultChunks & { close(): Promise<void> } {
  let db: Database.Database | null = null;
  // Opened lazily: a process may never read results (and the file may not exist yet).
  const open = () => (db ??= new Database(sqliteFilePath(url), { timeout: 10_000 }));
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = open().prepare(sql).safeIntegers(true);
      statements.set(sql, statement);
    }
    return statement;
  };
  const rowsWhere = `"snapshotId" = ? AND "shopId" = ? AND "kind" = 'rows'`;
  type Raw = { part: bigint; firstId: bigint; data: Buffer };
  const chunk = (r: Raw) => ({ part: Number(r.part), firstId: r.firstId, data: r.data });
  return {
    async latest(shopId) {
      const row = prepared(
        `SELECT "id", "computedAt", "customerResults" FROM "MetricSnapshot"
         WHERE "shopId" = ? AND "customerResults" IS NOT NULL
         ORDER BY "computedAt" DESC, "id" DESC LIMIT 1`,
      ).get(shopId) as { id: bigint; computedAt: string; customerResults: string } | undefined;
      return row
        ? set(shopId, Number(row.id), new Date(row.computedAt), row.customerResults)
        : null;
    },
    async holding(s, id) {
      const row = prepared(
        `SELECT "part", "firstId", "data" FROM "CustomerResultChunk"
         WHERE ${rowsWhere} AND "firstId" <= ? ORDER BY "firstId" DESC LIMIT 1`,
      ).get(s.snapshotId, s.shopId, id) as Raw | undefined;
      return row ? chunk(row) : null;
    },
    async rowsByFirstId(s, lo, hi) {
      return prepared(
        `SELECT "data" FROM "CustomerResultChunk"
         WHERE ${rowsWhere} AND "firstId" >= ? AND "firstId" <= ? ORDER BY "firstId"`,
      )
        .pluck()
        .all(s.snapshotId, s.shopId, lo, hi) as Buffer[];
    },
    async rowsParts(s, parts) {
      return (
        prepared(
          `SELECT "part", "firstId", "data" FROM "CustomerResultChunk"
           WHERE ${rowsWhere} AND "key" = '' AND "part" IN (SELECT "value" FROM json_each(?))`,
        ).all(s.snapshotId, s.shopId, JSON.stringify(parts)) as Raw[]
      ).map(chunk);
    },
    async rowsPartRange(s, from, to) {
      return prepared(
        `SELECT "data" FROM "CustomerResultChunk"
         WHERE ${rowsWhere} AND "key" = '' AND "part" >= ? AND "part" < ? ORDER BY "part"`,
      )
        .pluck()
        .all(s.snapshotId, s.shopId, from, to) as Buffer[];
    },
    async orderParts(s, key, parts) {
      return (
        prepared(
          `SELECT "part", "firstId", "data" FROM "CustomerResultChunk"
           WHERE "snapshotId" = ? AND "shopId" = ? AND "kind" = 'order' AND "key" = ?
             AND "part" IN (SELECT "value" FROM json_each(?)) ORDER BY "part"`,
        ).all(s.snapshotId, s.shopId, key, JSON.stringify(parts)) as Raw[]
      ).map(chunk);
    },
    async close() {
      statements.clear();
      db?.close();
      db = null;
    },
  };
}

// ---------------------------------------------------------------- PostgreSQL

function postgresStore(url: string): ResultChunks & { close(): Promise<void> } {
  // Idle connections do not keep a process alive.
  const pool = new pg.Pool({ ...parseIntoClientConfig(url), max: 4, allowExitOnIdle: true });
  const rowsWhere = `"snapshotId" = $1 AND "shopId" = $2 AND "kind" = 'rows'`;
  // int8 arrives as text from pg: firstId goes through BigInt.
  type Raw = { part: number; firstId: string; data: Buffer };
  const chunk = (r: Raw) => ({ part: r.part, firstId: BigInt(r.firstId), data: r.data });
  return {
    async latest(shopId) {
      const { rows } = await pool.query<{ id: number; ms: number; customerResults: string }>(
        `SELECT "id", extract(epoch from "computedAt") * 1000 AS "ms", "customerResults"
         FROM "MetricSnapshot" WHERE "shopId" = $1 AND "customerResults" IS NOT NULL
         ORDER BY "computedAt" DESC, "id" DESC LIMIT 1`,
        [shopId],
      );
      const row = rows[0];
      return row
        ? set(shopId, row.id, new Date(Math.round(Number(row.ms))), row.customerResults)
        : null;
    },
    async holding(s, id) {
      const { rows } = await pool.query<Raw>(
        `SELECT "part", "firstId", "data" FROM "CustomerResultChunk"
         WHERE ${rowsWhere} AND "firstId" <= $3 ORDER BY "firstId" DESC LIMIT 1`,
        [s.snapshotId, s.shopId, id.toString()],
      );
      return rows[0] ? chunk(rows[0]) : null;
    },
    async rowsByFirstId(s, lo, hi) {
      const { rows } = await pool.query<{ data: Buffer }>(
        `SELECT "data" FROM "CustomerResultChunk"
         WHERE ${rowsWhere} AND "firstId" >= $3 AND "firstId" <= $4 ORDER BY "firstId"`,
        [s.snapshotId, s.shopId, lo.toString(), hi.toString()],
      );
      return rows.map((r) => r.data);
    },
    async rowsParts(s, parts) {
      const { rows } = await pool.query<Raw>(
        `SELECT "part", "firstId", "data" FROM "CustomerResultChunk"
         WHERE ${rowsWhere} AND "key" = '' AND "part" = ANY($3::int[])`,
        [s.snapshotId, s.shopId, [...parts]],
      );
      return rows.map(chunk);
    },
    async rowsPartRange(s, from, to) {
      const { rows } = await pool.query<{ data: Buffer }>(
        `SELECT "data" FROM "CustomerResultChunk"
         WHERE ${rowsWhere} AND "key" = '' AND "part" >= $3 AND "part" < $4 ORDER BY "part"`,
        [s.snapshotId, s.shopId, from, to],
      );
      return rows.map((r) => r.data);
    },
    async orderParts(s, key, parts) {
      const { rows } = await pool.query<Raw>(
        `SELECT "part", "firstId", "data" FROM "CustomerResultChunk"
         WHERE "snapshotId" = $1 AND "shopId" = $2 AND "kind" = 'order' AND "key" = $3
           AND "part" = ANY($4::int[]) ORDER BY "part"`,
        [s.snapshotId, s.shopId, key, [...parts]],
      );
      return rows.map(chunk);
    },
    async close() {
      await pool.end();
    },
  };
}
