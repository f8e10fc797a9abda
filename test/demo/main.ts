/**
 * `npm run demo`: Kizuna running for real against a fake Shopify, in one command.
 *
 * Starts the fake Shopify with a seeded demo shop (20,000 customers, JPY, Asia/Tokyo),
 * builds and serves the app in production mode, starts the BullMQ workers, installs the
 * app into the shop through the real embedded auth path (session token → token exchange
 * → afterAuth → backfill → compute), seeds post-purchase survey answers, and prints one
 * URL: a page of the fake admin that frames the app and hands it session tokens.
 *
 * Demo-only pieces (the fetch redirect to the fake, the App Bridge stand-in) are loaded
 * by this command alone; the demo binds 127.0.0.1 and refuses to run when the calling
 * environment says NODE_ENV=production.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:http";
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { assertRedisReachable, RedisUnavailableError } from "../../app/redis.server";
import { APP_BRIDGE_STUB } from "../e2e/app-bridge-stub";
import { startFakeShopify } from "../fake-shopify/index";
import { freePort } from "../helpers/ports";

const { values: args } = parseArgs({
  options: {
    customers: { type: "string", default: "20000" },
    port: { type: "string", default: "3000" },
    locale: { type: "string", default: "ja" },
  },
});

if (process.env.NODE_ENV === "production") {
  console.error("The demo runs a fake Shopify and never runs with NODE_ENV=production.");
  process.exit(1);
}
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
try {
  await assertRedisReachable(REDIS_URL);
} catch (error) {
  if (error instanceof RedisUnavailableError) {
    console.error(`${error.message}\nThe demo needs Redis ≥ 6.2 (BullMQ).`);
    process.exit(2);
  }
  throw error;
}

const HOST = "127.0.0.1";
const appPort = Number(args.port);
const adminPort = await freePort();
const appUrl = `http://${HOST}:${appPort}`;
const adminUrl = `http://${HOST}:${adminPort}`;
const domain = "kizuna-demo.myshopify.com";
const DATABASE_URL = "file:./prisma/demo.sqlite";
const credentials = { apiKey: "kizuna-demo-api-key", apiSecret: "kizuna-demo-api-secret" };
const children: ChildProcess[] = [];
const say = (line: string) => console.log(`[demo] ${line}`);

// A fresh database for every run: the demo never touches the developer's own.
for (const suffix of ["", "-wal", "-shm"]) rmSync(`prisma/demo.sqlite${suffix}`, { force: true });
execFileSync(process.execPath, ["prisma/setup.mjs", "--migrate-only"], {
  stdio: "ignore",
  env: { ...process.env, DATABASE_URL },
});

say(`generating the demo shop (${args.customers} customers)…`);
const fake = await startFakeShopify({
  shops: [
    {
      domain,
      name: "Kizuna Demo 通販",
      customers: Number(args.customers),
      seed: 2026,
      currency: "JPY",
      timezone: "Asia/Tokyo",
      plan: "advanced",
      horizonDays: 30,
    },
  ],
  ...credentials,
  appUrl,
});

/** Newest modification time of the files under a path. */
const newest = (path: string): number => {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newest(`${path}/${entry}`)));
};
const built = statSync("build/server/index.js", { throwIfNoEntry: false })?.mtimeMs ?? 0;
if (
  !existsSync("build/server/index.js") ||
  built < Math.max(newest("app"), newest("package-lock.json"))
) {
  say("building the app (production)…");
  execFileSync(process.execPath, ["node_modules/@remix-run/dev/dist/cli.js", "vite:build"], {
    stdio: "ignore",
  });
}

const env = {
  ...process.env,
  NODE_ENV: "production" as const,
  HOST,
  PORT: `${appPort}`,
  SHOPIFY_API_KEY: credentials.apiKey,
  SHOPIFY_API_SECRET: credentials.apiSecret,
  SHOPIFY_APP_URL: appUrl,
  DATABASE_URL,
  REDIS_URL,
  QUEUE_PREFIX: `kizuna-demo-${process.pid}`,
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  FAKE_SHOPIFY_URL: fake.url,
  KIZUNA_APP_BRIDGE_URL: `${adminUrl}/app-bridge.js`,
};
const redirect = ["--import", "./test/fake-shopify/register.mjs"];
children.push(
  spawn(
    process.execPath,
    [...redirect, "node_modules/@remix-run/serve/dist/cli.js", "build/server/index.js"],
    {
      env,
      stdio: ["ignore", "ignore", "inherit"],
    },
  ),
  spawn(process.execPath, ["--import", "tsx", ...redirect, "workers/main.ts"], {
    env,
    stdio: ["ignore", "ignore", "inherit"],
  }),
);

const stop = async () => {
  for (const child of children) child.kill("SIGTERM");
  await fake.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());

// The fake admin: a page framing the app, the App Bridge stand-in and fresh session tokens.
const hostParam = Buffer.from(`admin.shopify.com/store/${domain.split(".")[0]}`).toString(
  "base64url",
);
const frameUrl = (token: string) =>
  `${appUrl}/app?embedded=1&shop=${domain}&host=${hostParam}&locale=${args.locale}&id_token=${token}`;
const admin = createServer((req, res) => {
  const url = new URL(req.url ?? "/", adminUrl);
  // The app (another origin) loads these from its frame, as it would from Shopify's CDN.
  const cors = { "access-control-allow-origin": "*" };
  if (url.pathname === "/app-bridge.js") {
    res.writeHead(200, { "content-type": "text/javascript", ...cors }).end(APP_BRIDGE_STUB);
  } else if (url.pathname === "/id-token") {
    res
      .writeHead(200, { "content-type": "text/plain", ...cors })
      .end(fake.shop(domain).sessionToken());
  } else if (url.pathname === "/") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(`<!doctype html>
<html lang="${args.locale}"><head><meta charset="utf-8"><title>Kizuna — demo admin</title>
<style>body{margin:0;font:14px system-ui;background:#f1f1f1}header{padding:10px 16px;background:#1a1a1a;color:#fff}
iframe{border:0;width:100%;height:calc(100vh - 40px)}</style></head>
<body><header>Shopify admin (demo) · ${domain}</header>
<iframe src="${frameUrl(fake.shop(domain).sessionToken())}" title="Kizuna"></iframe></body></html>`);
  } else {
    res.writeHead(404).end();
  }
});
await new Promise<void>((resolve) => admin.listen(adminPort, HOST, resolve));

for (let i = 0; ; i++) {
  try {
    await fetch(`${appUrl}/`);
    break;
  } catch {
    if (i > 300) throw new Error("the app did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Install: the merchant opens the app from admin; Shopify-managed install, token exchange.
say("installing Kizuna into the demo shop (token exchange)…");
const opened = await fetch(frameUrl(fake.shop(domain).sessionToken()), {
  // shopify-app-remix turns bots away; this is the merchant's browser opening the app.
  headers: { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36" },
});
if (!opened.ok) throw new Error(`opening the app failed: HTTP ${opened.status}`);

// This process talks to the same database and queues as the app and workers.
for (const key of [
  "DATABASE_URL",
  "SHOPIFY_API_KEY",
  "SHOPIFY_API_SECRET",
  "SHOPIFY_APP_URL",
  "QUEUE_PREFIX",
  "REDIS_URL",
] as const) {
  process.env[key] = env[key];
}
const { default: prisma } = await import("../../app/db.server");
let lastLine = "";
for (;;) {
  const shop = await prisma.shop.findUnique({ where: { domain } });
  const line = shop
    ? `sync ${shop.syncStatus} ${shop.syncDone}/${shop.syncTotal} · compute ${shop.computeStatus}${shop.computedAt ? " done" : ""}`
    : "waiting for install";
  if (line !== lastLine) say(line);
  lastLine = line;
  if (shop?.syncStatus === "failed") throw new Error(`backfill failed: ${shop.syncError}`);
  if (shop?.computedAt) break;
  await new Promise((r) => setTimeout(r, 500));
}

// Post-purchase survey answers, as the NPS extension would have collected them.
const shop = await prisma.shop.findUniqueOrThrow({ where: { domain } });
const orders = await prisma.order.findMany({
  where: { shopId: shop.id, customerId: { not: null }, test: false, cancelledAt: null },
  select: { id: true, customerId: true, processedAt: true },
  orderBy: { processedAt: "desc" },
  take: 600,
});
let seed = 11;
const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
await prisma.npsResponse.createMany({
  data: orders.map((o) => {
    const r = random();
    const score =
      r < 0.36
        ? 9 + Math.round(random())
        : r < 0.72
          ? 7 + Math.round(random())
          : Math.floor(random() * 7);
    return {
      shopId: shop.id,
      orderId: o.id,
      customerId: o.customerId,
      score,
      source: "thank-you",
      createdAt: new Date(o.processedAt.getTime() + 3_600_000),
    };
  }),
});
const { requestRecompute } = await import("../../app/jobs/compute.server");
await requestRecompute(domain, true);
say(`seeded ${orders.length} survey answers; recomputing`);

console.log(`\nKizuna is running. Open the app as Shopify admin frames it:\n\n  ${adminUrl}/\n`);
console.log("(Ctrl-C stops the demo.)");
