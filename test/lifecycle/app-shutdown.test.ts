/**
 * Issue 21: `npm start` (app/server.ts serving the production build) stopped by SIGTERM with
 * requests in flight: it takes no new connection, answers what is in flight when it can, and
 * refuses with 503 (Retry-After; Shopify delivers a webhook again) what is still waiting at
 * the deadline; it exits within SHUTDOWN_TIMEOUT_MS even when its database and Redis are gone.
 *
 * The request in flight is a signed app/uninstalled webhook, answered after a database write.
 * The database is a private PostgreSQL behind a TCP proxy that can hold every byte (a server
 * that stops answering); Redis is private too, stopped on purpose. Exit times are asserted
 * against the deadline plus a 4 s margin (a loaded machine delays signals) and printed.
 */
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuild, listeningLine, SERVER_ARGS } from "../e2e/harness";
import { freePort } from "../helpers/ports";
import { startProcess, type TestProcess } from "../helpers/processes";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy";
import { migrate, PrivatePostgres, PrivateRedis } from "../reliability/infra";

const ROOT = join(import.meta.dirname, "..", "..");
const MARGIN_MS = 4_000;
const SECRET = process.env.SHOPIFY_API_SECRET!;

let pg: PrivatePostgres;
let proxy: TcpProxy;
let databaseUrl: string;
const servers: TestProcess[] = [];
const redises: PrivateRedis[] = [];
const figures: string[] = [];

beforeAll(async () => {
  await ensureBuild();
  pg = await PrivatePostgres.start();
  const direct = await pg.createDatabase("kizuna_app_shutdown");
  migrate(direct);
  proxy = await startTcpProxy(pg.port);
  databaseUrl = `postgresql://postgres@127.0.0.1:${proxy.port}/kizuna_app_shutdown`;
}, 300_000);

afterAll(async () => {
  console.log(`app server exit times after SIGTERM:\n  ${figures.join("\n  ")}`);
  await Promise.all(servers.map((s) => s.stop(1_000)));
  await proxy?.close();
  await pg?.destroy();
  await Promise.all(redises.map((r) => r.close()));
});

async function startServer(
  timeoutMs: number,
): Promise<{ server: TestProcess; origin: string; redis: PrivateRedis }> {
  const redis = await PrivateRedis.start();
  redises.push(redis);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server = startProcess(process.execPath, SERVER_ARGS, {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: `${port}`,
      SHOPIFY_APP_URL: origin,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      LOG_LEVEL: "info",
      SHUTDOWN_TIMEOUT_MS: `${timeoutMs}`,
    },
  });
  servers.push(server);
  await server.waitFor(listeningLine("127.0.0.1", port), 60_000);
  return { server, origin, redis };
}

/** app/uninstalled for a shop, signed as Shopify signs it; resolves with the status. */
function uninstallWebhook(origin: string): Promise<number> {
  const body = JSON.stringify({ id: 1, domain: "shutdown-test.myshopify.com" });
  return fetch(`${origin}/webhooks/app/uninstalled`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-shopify-hmac-sha256": createHmac("sha256", SECRET).update(body).digest("base64"),
      "x-shopify-topic": "app/uninstalled",
      "x-shopify-shop-domain": "shutdown-test.myshopify.com",
      "x-shopify-webhook-id": crypto.randomUUID(),
      "x-shopify-api-version": "2026-10",
    },
    body,
  }).then((response) => response.status);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the app server stopped by SIGTERM", () => {
  it("answers the request in flight, takes no new connection, exits 0", async () => {
    const { server, origin } = await startServer(10_000);
    expect(await uninstallWebhook(origin)).toBe(200); // the route works at all
    proxy.hold();
    const inFlight = uninstallWebhook(origin);
    await sleep(500);
    const started = performance.now();
    process.kill(server.child.pid!, "SIGTERM");
    await server.waitFor("app server: stopping");
    await expect(fetch(`${origin}/`)).rejects.toThrow(); // no new connection
    await sleep(500);
    proxy.release(); // the database answers again: the request can finish
    expect(await inFlight).toBe(200);
    const code = await server.exited;
    const ms = Math.round(performance.now() - started);
    figures.push(`request in flight answered (database held 1 s): ${ms} ms (deadline 10000)`);
    expect(code, server.output()).toBe(0);
    expect(ms).toBeLessThan(10_000 + MARGIN_MS);
    expect(server.output()).toContain('"msg":"app server: stopped"');
  }, 120_000);

  it("with its database and Redis gone, refuses what is still in flight (503) and exits within the deadline", async () => {
    const { server, origin, redis } = await startServer(4_000);
    proxy.hold();
    await redis.stop();
    const inFlight = uninstallWebhook(origin);
    await sleep(500);
    const started = performance.now();
    process.kill(server.child.pid!, "SIGTERM");
    expect(await inFlight).toBe(503);
    await server.exited;
    const ms = Math.round(performance.now() - started);
    figures.push(`database held and Redis stopped, request refused: ${ms} ms (deadline 4000)`);
    expect(ms).toBeLessThan(4_000 + MARGIN_MS);
    expect(server.output()).toContain("refused (503)");
    proxy.release();
  }, 120_000);
});
