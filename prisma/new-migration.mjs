#!/usr/bin/env node
// Writes one new migration for both providers, under the same name, offline:
//
//   node prisma/new-migration.mjs <name> [postgresql://… for the shadow database]
//
// after editing prisma/schema.prisma and running `npm run db:schemas`.
//
// Why not `prisma migrate dev --create-only`: with the Wasm schema engine (6.19.3) it fails
// once a migration exists ("… shadow DB must be provided through an external factory", from
// EvaluateDataLoss, on both providers). `prisma migrate diff --from-migrations` does get the
// adapter's shadow database (prisma.config.ts), so each provider's SQL is the diff between
// its committed migrations replayed into a shadow database and its schema: the same SQL
// `migrate dev` writes, generated, never typed. The PostgreSQL URL only needs a reachable
// server where the user may create databases (the shadow is a throwaway database); SQLite's
// shadow is in memory.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const prismaCli = path.join(root, "node_modules", "prisma", "build", "index.js");
const [name, postgresUrl = "postgresql://postgres@127.0.0.1:5432/postgres"] = process.argv.slice(2);
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: node prisma/new-migration.mjs <snake_case_name> [postgresql://…]");
  process.exit(2);
}
const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
const folder = `${stamp}_${name}`;
const scratch = mkdtempSync(path.join(tmpdir(), "kizuna-migration-"));

const providers = [
  {
    dir: path.join("prisma", "migrations"),
    schema: path.join("prisma", "schema.prisma"),
    url: `file:${path.join(scratch, "scratch.sqlite")}`,
  },
  {
    dir: path.join("prisma", "postgresql", "migrations"),
    schema: path.join("prisma", "postgresql", "schema.prisma"),
    url: postgresUrl,
  },
];

try {
  const scripts = providers.map(({ dir, schema, url }) => {
    const out = path.join(scratch, `${path.basename(path.dirname(dir))}.sql`);
    execFileSync(
      process.execPath,
      [
        prismaCli,
        "migrate",
        "diff",
        "--from-migrations",
        dir,
        "--to-schema-datamodel",
        schema,
        "--script",
        "--output",
        out,
      ],
      {
        cwd: root,
        stdio: ["ignore", "ignore", "inherit"],
        env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      },
    );
    return readFileSync(out, "utf8");
  });
  if (scripts.every((sql) => sql.trim() === "" || sql.includes("This is an empty migration"))) {
    console.log("no schema change: nothing written");
    process.exit(0);
  }
  providers.forEach(({ dir }, i) => {
    const target = path.join(root, dir, folder);
    if (existsSync(target)) throw new Error(`${target} exists`);
    mkdirSync(target);
    writeFileSync(path.join(target, "migration.sql"), scripts[i]);
    console.log(`wrote ${path.join(dir, folder, "migration.sql")}`);
  });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
