import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { postgresSchemaFrom } from "../../prisma/schemas.mjs";

describe("the two Prisma providers", () => {
  it("commit the PostgreSQL schema generated from the source schema", () => {
    const source = readFileSync("prisma/schema.prisma", "utf8");
    const committed = readFileSync("prisma/postgresql/schema.prisma", "utf8");
    expect(committed, "run `npm run db:schemas`").toBe(postgresSchemaFrom(source));
  });

  it("have migrations of the same names", () => {
    const names = (dir: string) =>
      readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
    const sqlite = names("prisma/migrations");
    expect(sqlite.length).toBeGreaterThan(0);
    expect(names("prisma/postgresql/migrations")).toEqual(sqlite);
  });

  it("declare the same tables in both providers' migrations", () => {
    const tables = (dir: string) =>
      [
        ...readdirSync(dir, { recursive: true, encoding: "utf8" })
          .filter((f) => f.endsWith("migration.sql"))
          .map((f) => readFileSync(`${dir}/${f}`, "utf8"))
          .join("\n")
          .matchAll(/CREATE TABLE "(\w+)"/g),
      ]
        .map((m) => m[1])
        // SQLite cannot alter a column in place: Prisma's migration creates "new_X", copies
        // the rows, drops X and renames new_X to X. That is table X, not another table.
        .filter((name) => !name.startsWith("new_"))
        .sort();
    expect(tables("prisma/postgresql/migrations")).toEqual(tables("prisma/migrations"));
  });
});
