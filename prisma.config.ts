/**
 * Prisma CLI configuration, binary-free: the JS/Wasm schema engine with a driver
 * adapter, so `prisma migrate` never downloads a Rust engine
 * (docs/decisions/0001-binary-free-prisma.md). DATABASE_URL picks the provider:
 * `file:` (default) uses prisma/schema.prisma, `postgres(ql)://` uses
 * prisma/postgresql/schema.prisma.
 */
import path from "node:path";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { DEFAULT_DATABASE_URL, isPostgresUrl, sqliteFilePath } from "./prisma/database-url.mjs";

// A prisma.config.ts turns off the CLI's own .env loading; env("DATABASE_URL") in the
// schema must resolve when the CLI starts.
try {
  process.loadEnvFile(".env");
} catch {
  // no .env: defaults apply
}
process.env.DATABASE_URL ||= DEFAULT_DATABASE_URL;
const url = process.env.DATABASE_URL;
const postgres = isPostgresUrl(url);

// The Wasm SQLite engine recognises "no such table: _prisma_migrations" only in its
// native build, so a brand-new file fails with P1014; create the table up front with
// the engine's own DDL.
const SQLITE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME,
  "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME,
  "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
  "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0);`;

function sqliteAdapter(): PrismaBetterSQLite3 {
  const factory = new PrismaBetterSQLite3({ url: sqliteFilePath(url) });
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    await adapter.executeScript(SQLITE_MIGRATIONS_TABLE);
    return adapter;
  };
  // Shadow-DB replay sends whole migration.sql files through executeRaw, which the
  // adapter runs with prepare() (single statement only): run them as scripts.
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connectToShadowDb = async () => {
    const adapter = await connectToShadowDb();
    const executeRaw = adapter.executeRaw.bind(adapter);
    adapter.executeRaw = async (query) => {
      if (query.args.length > 0) return executeRaw(query);
      await adapter.executeScript(query.sql);
      return 0;
    };
    return adapter;
  };
  return factory;
}

// adapter-pg 6.19 cannot deserialize the catalog types "char" (18) and name (19) the
// schema engine's introspection returns; pg already parses them as strings.
const CATALOG_TEXT_OIDS = new Set([18, 19]);
function withCatalogTypesAsText<T extends object>(adapter: T): T {
  type Result = { fields?: { dataTypeID: number }[] };
  const io = adapter as unknown as { performIO(query: unknown): Promise<Result | Result[]> };
  const performIO = io.performIO.bind(io);
  io.performIO = async (query) => {
    const result = await performIO(query);
    for (const r of Array.isArray(result) ? result : [result])
      for (const f of r.fields ?? []) if (CATALOG_TEXT_OIDS.has(f.dataTypeID)) f.dataTypeID = 25;
    return result;
  };
  return adapter;
}

async function adminQuery(config: pg.ClientConfig, sql: string): Promise<void> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function postgresAdapter(): PrismaPg {
  // Discrete fields: node-postgres lets connectionString override `database`.
  const base = parseIntoClientConfig(url);
  const factory = new PrismaPg(base);
  const connect = factory.connect.bind(factory);
  factory.connect = async () => withCatalogTypesAsText(await connect());
  // adapter-pg 6.19's shadow database is the main one and is dropped while in use:
  // create and drop a throwaway shadow database here instead.
  factory.connectToShadowDb = async () => {
    const database = `prisma_shadow_${randomUUID().replaceAll("-", "")}`;
    await adminQuery(base, `CREATE DATABASE "${database}"`);
    const adapter = await new PrismaPg({ ...base, database }).connect();
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await adminQuery(base, `DROP DATABASE IF EXISTS "${database}"`);
    };
    return withCatalogTypesAsText(adapter);
  };
  return factory;
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: postgres
    ? path.join("prisma", "postgresql", "schema.prisma")
    : path.join("prisma", "schema.prisma"),
  async adapter() {
    return postgres ? postgresAdapter() : sqliteAdapter();
  },
});
