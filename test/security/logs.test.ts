/**
 * Secrets never reach the logs. The whole flow runs as in production, against the fake
 * Shopify: the built app under its production server (app/server.ts) and `npm run workers` as separate processes at
 * LOG_LEVEL=debug, install through token exchange, backfill, compute, tag sync turned on
 * from the settings page, webhooks of a few simulated days, and the operators' dashboard.
 * Everything both processes print is captured; no API secret, ADMIN_SECRET, access or
 * refresh token, session token or webhook HMAC may appear in it.
 */
import { type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeShopify } from "../fake-shopify/index";
import { freePort } from "../helpers/ports";
import { isolatedFile } from "../helpers/isolated-file";
import { killGroup, spawnInGroup, hasExited } from "../helpers/processes";

const { database } = await isolatedFile("logs");
const { default: prisma } = await import("../../app/db.server");
const { DEFAULT_SETTINGS } = await import("../../app/settings");
const { settingsToForm } = await import("../../app/pages/settings-form");
const { ensureBuild, SERVER_ARGS } = await import("../e2e/harness");
const { startFakeShopify } = await import("../fake-shopify/index");
const { BROWSER_UA, storeName } = await import("./app-build");

const ROOT = join(import.meta.dirname, "..", "..");
const ADMIN_SECRET = `ops-${crypto.randomUUID()}`;
const API_SECRET = process.env.SHOPIFY_API_SECRET!;
const domain = `${storeName("sec-logs")}.myshopify.com`;
const store = domain.replace(".myshopify.com", "");

let fake: FakeShopify;
let appUrl = "";
let dashboardPort = 0;
const children: { name: string; child: ChildProcess; output: string[] }[] = [];
/** Every session token the flow handed the app. */
const sessionTokens: string[] = [];
/** Access and refresh tokens Kizuna held, read before the shop goes away. */
const storedTokens: string[] = [];

function start(name: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawnInGroup(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  children.push({ name, child, output });
  return child;
}

async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
): Promise<T> {
  for (let i = 0; i < 1_500; i++) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const log = children.map((c) => `--- ${c.name}\n${c.output.join("").slice(-3_000)}`).join("\n");
  throw new Error(`timed out waiting for ${what}\n${log}`);
}

const output = () => children.map((c) => c.output.join("")).join("\n");

beforeAll(async () => {
  await ensureBuild();
  const port = await freePort();
  dashboardPort = await freePort();
  appUrl = `http://127.0.0.1:${port}`;
  fake = await startFakeShopify({
    shops: [
      { domain, customers: 150, seed: 5, currency: "JPY", timezone: "Asia/Tokyo", horizonDays: 30 },
    ],
    appUrl,
    webhooks: { retryBaseMs: 50 },
  });
  const env = {
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
    SHOPIFY_APP_URL: appUrl,
    LOG_LEVEL: "debug",
    ADMIN_SECRET,
    OPS_DASHBOARD_PORT: String(dashboardPort),
    FAKE_SHOPIFY_URL: fake.url,
    // Its own queues: no other test file's workers take these jobs, nor these workers theirs.
    QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}-logs`,
  };
  const redirect = ["--import", "./test/fake-shopify/register.mjs"];
  start("app", [...redirect, ...SERVER_ARGS], env);
  start("workers", ["--import", "tsx", ...redirect, "workers/main.ts"], env);
  await until("the app", async () => output().includes(`http://127.0.0.1:${port}`));
}, 240_000);

afterAll(async () => {
  for (const { child } of children) {
    if (!hasExited(child)) killGroup(child, "SIGTERM");
  }
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (hasExited(child)) return resolve();
          const timer = setTimeout(() => {
            killGroup(child, "SIGKILL");
            resolve();
          }, 10_000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
  await prisma.session.deleteMany({ where: { shop: domain } });
  await prisma.shop.deleteMany({ where: { domain } });
  await fake?.close();
  await prisma.$disconnect();
  await database.drop();
}, 60_000);

const adminParams = (token: string) =>
  new URLSearchParams({
    embedded: "1",
    shop: domain,
    host: Buffer.from(`admin.shopify.com/store/${store}`).toString("base64url"),
    id_token: token,
  });

describe("secrets in the logs of a full run", () => {
  it("install, backfill, compute, tags and webhooks run at LOG_LEVEL=debug", async () => {
    // Install: the merchant opens the app in admin (token exchange, afterAuth, backfill).
    const installToken = fake.shop(domain).sessionToken();
    sessionTokens.push(installToken);
    const opened = await fetch(`${appUrl}/app?${adminParams(installToken)}`, {
      headers: { "User-Agent": BROWSER_UA },
    });
    expect(opened.status).toBe(200);
    await until("backfill and compute", async () => {
      const shop = await prisma.shop.findUnique({ where: { domain } });
      if (shop?.syncStatus === "failed") throw new Error(`backfill failed: ${shop.syncError}`);
      return shop?.computedAt;
    });

    // Tag sync on, saved through the settings page as the merchant would.
    const form = new FormData();
    const values = settingsToForm({
      ...DEFAULT_SETTINGS,
      tagSync: { enabled: true, prefix: "rfm:", flowOnFirstTagging: false },
    });
    for (const [field, value] of Object.entries(values)) form.set(field, value);
    form.set("intent", "settings");
    const settingsToken = fake.shop(domain).sessionToken();
    sessionTokens.push(settingsToken);
    const saved = await fetch(`${appUrl}/app/settings?shop=${domain}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${settingsToken}`, "User-Agent": BROWSER_UA },
      body: form,
    });
    expect(saved.status).toBe(200);
    const shopId = (await prisma.shop.findUniqueOrThrow({ where: { domain } })).id;
    await until("tags written to Shopify", () =>
      prisma.customer.count({ where: { shopId, taggedSegment: { not: null } } }),
    );

    // Days of orders: their webhooks reach the app and the workers apply them.
    fake.advance({ days: 10 });
    await fake.webhooks.flush();
    const delivered = fake.webhooks.deliveries().filter((d) => d.webhook.shop === domain);
    expect(delivered.length).toBeGreaterThan(0);
    expect(delivered.every((d) => d.delivered)).toBe(true);
    await until(
      "webhooks applied",
      async () => (await prisma.webhookEvent.count({ where: { shopId } })) > 0,
    );

    const sessions = await prisma.session.findMany({ where: { shop: domain } });
    expect(sessions.length).toBeGreaterThan(0);
    for (const s of sessions)
      storedTokens.push(s.accessToken, ...(s.refreshToken ? [s.refreshToken] : []));
    // Both processes' pino lines were captured, Shopify's library's debug lines among them
    // (the check below reads real output).
    expect(output()).toContain('"app":"kizuna"');
    expect(output()).toMatch(/"level":20,[^\n]*"source":"shopify"/);
  }, 300_000);

  it("the operators' dashboard refuses requests without its secret", async () => {
    const base = `http://127.0.0.1:${dashboardPort}/ops/queues`;
    const basic = (password: string) =>
      `Basic ${Buffer.from(`ops:${password}`).toString("base64")}`;
    await until("the dashboard", async () => (await fetch(base).catch(() => null))?.status === 401);
    const refused: Record<string, string>[] = [
      {},
      { Authorization: basic("wrong") },
      { Authorization: basic(ADMIN_SECRET.slice(1)) },
    ];
    for (const headers of refused) {
      expect((await fetch(base, { headers })).status).toBe(401);
      expect((await fetch(`${base}/api/queues`, { headers })).status).toBe(401);
    }
    const ok = await fetch(`${base}/api/queues`, {
      headers: { Authorization: basic(ADMIN_SECRET) },
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { queues: unknown[] }).queues.length).toBeGreaterThan(0);
  });

  it("no secret, token or HMAC appears in anything either process printed", async () => {
    const hmacs = fake.webhooks.deliveries().map((d) => d.headers["x-shopify-hmac-sha256"]!);
    const accessTokens = fake.tokens.tokensOf(domain).map((t) => t.token);
    const secrets: Record<string, string[]> = {
      "the API secret": [API_SECRET],
      ADMIN_SECRET: [ADMIN_SECRET, Buffer.from(`ops:${ADMIN_SECRET}`).toString("base64")],
      "an access or refresh token": [...accessTokens, ...storedTokens],
      // A whole session token, or its signature alone.
      "a session token": sessionTokens.flatMap((t) => [t, t.split(".")[2]!]),
      "a webhook HMAC": hmacs,
    };
    expect(hmacs.length).toBeGreaterThan(0);
    expect(accessTokens.length + storedTokens.length).toBeGreaterThan(0);
    const log = output();
    expect(log.length).toBeGreaterThan(10_000);
    // The server's access log is in there (app/server.ts), page loads included, without queries.
    const requests = log.split("\n").filter((line) => line.includes('"msg":"request"'));
    expect(requests.some((line) => line.includes('"path":"/app"'))).toBe(true);
    const found = Object.entries(secrets).flatMap(([what, values]) =>
      values.filter((v) => v.length >= 8 && log.includes(v)).map((v) => `${what}: …${v.slice(-6)}`),
    );
    expect(found).toEqual([]);
  });
});
