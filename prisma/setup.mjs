#!/usr/bin/env node
// Database set-up, run by `npm install` (postinstall) and `npm run db:migrate`:
//   1. generate both Prisma clients (SQLite: @prisma/client; PostgreSQL:
//      node_modules/.prisma/client-postgresql) from the committed schemas,
//   2. apply the committed migrations to DATABASE_URL (default: the SQLite file).
// `--write-schemas` regenerates prisma/postgresql/schema.prisma from prisma/schema.prisma.
// `--no-migrate` only generates; `--migrate-only` only migrates.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DEFAULT_DATABASE_URL, isPostgresUrl } from "./database-url.mjs";
import { postgresSchemaFrom } from "./schemas.mjs";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const prismaCli = path.join(root, "node_modules", "prisma", "build", "index.js");
const SOURCE = path.join(root, "prisma", "schema.prisma");
const POSTGRES = path.join(root, "prisma", "postgresql", "schema.prisma");

function prisma(args, databaseUrl, nodeArgs = []) {
  execFileSync(process.execPath, [...nodeArgs, prismaCli, ...args], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
  });
}

const args = new Set(process.argv.slice(2));
if (args.has("--write-schemas")) {
  writeFileSync(POSTGRES, postgresSchemaFrom(readFileSync(SOURCE, "utf8")));
  console.log("wrote prisma/postgresql/schema.prisma");
}

if (!args.has("--migrate-only")) {
  // Each generate needs a URL of its own provider to resolve env("DATABASE_URL").
  prisma(["generate", "--schema", SOURCE], DEFAULT_DATABASE_URL);
  prisma(["generate", "--schema", POSTGRES], "postgresql://localhost/generate-only");
}

if (!args.has("--no-migrate") && !args.has("--write-schemas")) {
  try {
    process.loadEnvFile(path.join(root, ".env"));
  } catch {
    // no .env
  }
  const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  console.log(`migrating ${isPostgresUrl(url) ? "PostgreSQL" : url}`);
  const exitWhenDone = path.join(root, "prisma", "exit-when-migrated.mjs");
  prisma(["migrate", "deploy"], url, ["--import", pathToFileURL(exitWhenDone).href]);
}
