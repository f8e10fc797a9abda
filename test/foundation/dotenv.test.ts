/**
 * `.env` as .env.example tells the user to write it: `npm start` (the tsx CLI on
 * app/server.ts) and the workers, started in a directory with a complete .env and nothing
 * else in their environment, start and answer; a variable of the real environment wins over
 * the file; no .env is fine. Each process runs from a temporary working directory, as a
 * deployment that copies the build elsewhere would.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ENV_NAMES } from "../../app/env.server";
import { isSqliteUrl, sqliteFilePath } from "../../prisma/database-url.mjs";
import { ensureBuild, listeningLine, SERVER_ENTRY } from "../e2e/harness";
import { freePort } from "../helpers/ports";
import { privateDatabase, type PrivateDatabase } from "../helpers/private-database";
import { startProcess, type TestProcess } from "../helpers/processes";
import { tempRoot } from "../setup/reaper.mjs";

const ROOT = join(import.meta.dirname, "..", "..");
const TSX_CLI = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

let database: PrivateDatabase;
let databaseUrl: string;
const dirs: string[] = [];
const processes: TestProcess[] = [];

beforeAll(async () => {
  await ensureBuild();
  // The workers queue every installed shop's unfinished work at start: a database of their own.
  database = await privateDatabase("dotenv");
  // A relative SQLite path would resolve against the temporary working directory.
  databaseUrl = isSqliteUrl(database.url)
    ? `file:${resolve(ROOT, sqliteFilePath(database.url))}`
    : database.url;
}, 120_000);

afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.stop()));
});

afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await database?.drop();
});

/** A working directory with this .env (none when null). */
function workingDirectory(dotenv: Record<string, string> | null): string {
  const dir = mkdtempSync(join(tempRoot(), "kizuna-dotenv-"));
  dirs.push(dir);
  if (dotenv) {
    const lines = Object.entries(dotenv).map(([key, value]) => `${key}=${value}`);
    writeFileSync(join(dir, ".env"), `# as copied from .env.example\n${lines.join("\n")}\n`);
  }
  return dir;
}

/** A complete .env, as a user fills in .env.example. */
async function completeDotenv(): Promise<Record<string, string>> {
  return {
    SHOPIFY_API_KEY: "dotenv-api-key",
    SHOPIFY_API_SECRET: "dotenv-api-secret",
    SHOPIFY_APP_URL: "https://kizuna-dotenv.example.com",
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    // The run's own queue prefix (removed by the global teardown).
    QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}-dotenv`,
    HOST: "127.0.0.1",
    PORT: String(await freePort()),
    LOG_LEVEL: "info",
  };
}

/** What a deployment's shell has: the variables under test come from .env or not at all. */
const bareEnvironment = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "",
  NODE_ENV: "production",
  ...extra,
});

/** `npm start`: the tsx CLI on app/server.ts, with the production build. */
function npmStart(cwd: string, extra: Record<string, string> = {}): TestProcess {
  const server = startProcess(
    process.execPath,
    [TSX_CLI, join(ROOT, "app/server.ts"), SERVER_ENTRY],
    {
      cwd,
      env: bareEnvironment(extra),
    },
  );
  processes.push(server);
  return server;
}

/**
 * GET `url` of the started server. A failed request names what the server printed (it logs at
 * the .env's LOG_LEVEL): once in CI a connection was closed unanswered right after the
 * listening line, and nothing said why.
 */
async function get(server: TestProcess, url: string): Promise<Response> {
  try {
    return await fetch(url, {
      headers: { "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0" },
    });
  } catch (error) {
    await new Promise((resolve) => setTimeout(resolve, 500)); // what it prints as it stops
    throw new Error(`GET ${url} failed; the server printed:\n${server.output()}`, {
      cause: error,
    });
  }
}

describe(".env", () => {
  it("is read by `npm start`: the server starts and answers", async () => {
    const dotenv = await completeDotenv();
    const server = npmStart(workingDirectory(dotenv));
    await server.waitFor(listeningLine("127.0.0.1", Number(dotenv.PORT)));
    const response = await get(server, `http://127.0.0.1:${dotenv.PORT}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("<h1>Kizuna</h1>");
  }, 60_000);

  it("loses to the real environment", async () => {
    const dotenv = await completeDotenv();
    const port = await freePort();
    const server = npmStart(workingDirectory(dotenv), { PORT: String(port) });
    await server.waitFor(listeningLine("127.0.0.1", port));
    expect(server.output()).not.toContain(`:${dotenv.PORT}`);
    expect((await get(server, `http://127.0.0.1:${port}/`)).status).toBeLessThan(500);
  }, 60_000);

  it("may be missing: a gap in the environment is named as before", async () => {
    // (Every other test of the suite starts the app without a .env.)
    const { SHOPIFY_API_KEY: _missing, ...incomplete } = await completeDotenv();
    const refused = npmStart(workingDirectory(null), incomplete);
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain("Invalid environment: SHOPIFY_API_KEY is required");
    expect(refused.output()).not.toContain("ENOENT");
  }, 60_000);

  it("is read by `npm run workers`", async () => {
    const dotenv = await completeDotenv();
    const workers = startProcess(process.execPath, [TSX_CLI, join(ROOT, "workers/main.ts")], {
      cwd: workingDirectory(dotenv),
      env: bareEnvironment(),
    });
    processes.push(workers);
    await workers.waitFor('"msg":"workers started"');
    expect(workers.output()).not.toContain("Invalid environment");
  }, 60_000);

  it("sets what the Vite config of `npm run dev` reads before the Remix plugin loads .env", async () => {
    const dotenv: Record<string, string> = {
      ...(await completeDotenv()),
      SHOPIFY_APP_URL: "https://tunnel.example.dev",
    };
    const config = startProcess(
      process.execPath,
      [
        TSX_CLI,
        "-e",
        `import(${JSON.stringify(join(ROOT, "vite.config.ts"))}).then((m) => console.log(JSON.stringify(m.default.server)))`,
      ],
      { cwd: workingDirectory(dotenv), env: bareEnvironment() },
    );
    processes.push(config);
    expect(await config.exited).toBe(0);
    const server = JSON.parse(config.output().trim().split("\n").at(-1)!) as {
      allowedHosts: string[];
      port: number;
    };
    expect(server.allowedHosts).toEqual(["tunnel.example.dev"]);
    expect(server.port).toBe(Number(dotenv.PORT));
  }, 60_000);
});

describe(".env.example", () => {
  it("documents every variable the app reads", () => {
    const example = readFileSync(join(ROOT, ".env.example"), "utf8");
    const documented = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(ENV_NAMES.length).toBeGreaterThan(15);
    for (const name of ENV_NAMES) expect(documented, name).toContain(name);
  });
});
