import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "../../app/env.server";

const valid = {
  SHOPIFY_API_KEY: "key",
  SHOPIFY_API_SECRET: "secret",
  SHOPIFY_APP_URL: "https://kizuna.example.com",
};

function errorOf(source: Record<string, string | undefined>): string {
  try {
    parseEnv(source);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return (error as Error).message;
  }
  throw new Error("parseEnv accepted an invalid environment");
}

describe("environment validation", () => {
  it("fills the defaults of a minimal environment", () => {
    const env = parseEnv(valid);
    expect(env.DATABASE_URL).toBe("file:./prisma/dev.sqlite");
    expect(env.REDIS_URL).toBe("redis://127.0.0.1:6379");
    expect(env.SCOPES).toBe(
      "read_orders,read_all_orders,read_customers,write_customers,read_products",
    );
    expect(env.LOG_LEVEL).toBe("info");
    expect(env.ADMIN_SECRET).toBeUndefined();
  });

  it.each(["SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "SHOPIFY_APP_URL"])(
    "names a missing %s in one line",
    (name) => {
      const message = errorOf({ ...valid, [name]: undefined });
      expect(message).toBe(`Invalid environment: ${name} is required`);
      expect(message).not.toContain("\n");
    },
  );

  it("treats an empty value as missing", () => {
    expect(errorOf({ ...valid, SHOPIFY_API_SECRET: "" })).toBe(
      "Invalid environment: SHOPIFY_API_SECRET is required",
    );
  });

  it.each([
    ["SHOPIFY_APP_URL", "not a url", "must be the app's public https URL"],
    ["DATABASE_URL", "mysql://localhost/db", "must start with file: (SQLite) or postgresql://"],
    ["REDIS_URL", "localhost:6379", "must start with redis:// or rediss://"],
    ["SCOPES", "read_orders, write customers", "must be a comma-separated scope list"],
    ["ADMIN_SECRET", "short", "must be at least 24 characters"],
  ])("names a malformed %s", (name, value, expected) => {
    const message = errorOf({ ...valid, [name]: value });
    expect(message.startsWith(`Invalid environment: ${name} `)).toBe(true);
    expect(message).toContain(expected);
  });

  it("accepts PostgreSQL and SQLite URLs", () => {
    expect(parseEnv({ ...valid, DATABASE_URL: "postgresql://u@h:5432/db" }).DATABASE_URL).toBe(
      "postgresql://u@h:5432/db",
    );
    expect(parseEnv({ ...valid, DATABASE_URL: "postgres://u@h/db" }).DATABASE_URL).toBe(
      "postgres://u@h/db",
    );
    expect(parseEnv({ ...valid, DATABASE_URL: "file:/tmp/x.sqlite" }).DATABASE_URL).toBe(
      "file:/tmp/x.sqlite",
    );
  });

  it("stops a process with one line naming the variable", async () => {
    const { execFileSync } = await import("node:child_process");
    const run = () =>
      execFileSync(
        process.execPath,
        ["--import", "tsx", "-e", 'import("./app/env.server.ts").then((m) => m.env())'],
        {
          env: {
            NODE_ENV: "test",
            PATH: process.env.PATH,
            SHOPIFY_API_KEY: "k",
            SHOPIFY_APP_URL: "https://a.b",
          },
          stdio: "pipe",
        },
      );
    try {
      run();
      throw new Error("the process did not stop");
    } catch (error) {
      const e = error as { status: number; stderr: Buffer };
      expect(e.status).toBe(1);
      expect(e.stderr.toString().trim()).toBe(
        "Invalid environment: SHOPIFY_API_SECRET is required",
      );
    }
  });
});
