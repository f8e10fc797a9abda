/**
 * The browser tests' rig: the app's production build (built once, reused while fresh), a
 * production server process (app/server.ts) on a free loopback port, a seeded shop (orders written through the
 * sync layer's row store, then the real compute), an offline session so authenticate.admin
 * needs no token exchange, and Chromium opening the app the way Shopify admin frames it:
 * /app?embedded=1&shop=…&host=…&id_token=…&locale=…, with App Bridge replaced by the stub.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import prisma from "../../app/db.server";
import { computeShop } from "../../app/metrics/compute.server";
import { parseSnapshot } from "../../app/metrics/snapshot/codec";
import type { ShopSnapshot } from "../../app/metrics/snapshot/types";
import { replaceMemberships, upsertCollections } from "../../app/sync/collections.server";
import type { ProductTypeRow } from "../../app/sync/rows";
import { createRowStore } from "../../app/sync/store.server";
import { adminToken } from "../extensions/tokens";
import { freePort } from "../helpers/ports";
import { FIRST_CUSTOMER_ID, generatedVariantCosts, generateShop } from "../metrics/generate";
import { APP_BRIDGE_STUB } from "./app-bridge-stub";
import { E2E_BUILD_DIR } from "./paths";
import { killGroup, spawnInGroup, hasExited } from "../helpers/processes";
import { installOfflineSession } from "../helpers/sessions";

const ROOT = join(import.meta.dirname, "..", "..");
export const SERVER_ENTRY = join(ROOT, E2E_BUILD_DIR, "server", "index.js");
/** Node arguments of the production server (`npm start`, app/server.ts) on this build. */
export const SERVER_ARGS = ["--import", "tsx", join(ROOT, "app", "server.ts"), SERVER_ENTRY];
/** Redirects a process's Shopify fetches to the fake at $FAKE_SHOPIFY_URL (after tsx). */
const FAKE_REDIRECT = join(ROOT, "test", "fake-shopify", "register.mjs");
/** The line the server prints once it listens on HOST:PORT. */
export const listeningLine = (host: string, port: number) => `[kizuna] http://${host}:${port}`;
export const SCREENSHOTS = join(ROOT, "test-results", "screenshots");
const LOCK = join(ROOT, "test-results", "e2e-build.lock");
const DAY = 86_400_000;
export const SHOPIFY_APP_BRIDGE = "https://cdn.shopify.com/shopifycloud/app-bridge.js";

/** Newest modification time under a path (files only). */
function newest(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

function buildIsFresh(): boolean {
  const built = statSync(SERVER_ENTRY, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = Math.max(
    newest(join(ROOT, "app")),
    newest(join(ROOT, "vite.config.ts")),
    newest(join(ROOT, "test", "e2e", "vite.config.ts")),
    newest(join(ROOT, "package-lock.json")),
  );
  return built > sources;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Builds the app unless a fresh build exists. Test files run in parallel processes: a lock
 * directory makes one of them build while the others wait and then reuse it.
 */
export async function ensureBuild(): Promise<void> {
  if (process.env.KIZUNA_E2E_REBUILD !== "1" && buildIsFresh()) return;
  mkdirSync(join(ROOT, "test-results"), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Another file is building; a lock older than the deadline is stale. File times are
      // the real clock's, and Date is the tests' virtual clock (test/setup/virtual-clock.mjs).
      const realNow = performance.timeOrigin + performance.now();
      const age = realNow - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (age > 180_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error("timed out waiting for the e2e build lock");
      await sleep(500);
    }
  }
  try {
    if (process.env.KIZUNA_E2E_REBUILD === "1" || !buildIsFresh()) {
      execFileSync(
        process.execPath,
        [
          join(ROOT, "node_modules/@remix-run/dev/dist/cli.js"),
          "vite:build",
          "--config",
          "test/e2e/vite.config.ts",
        ],
        {
          cwd: ROOT,
          stdio: ["ignore", "ignore", "inherit"],
          env: { ...process.env, NODE_ENV: "production" },
        },
      );
      process.env.KIZUNA_E2E_REBUILD = "0";
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export interface AppServer {
  readonly origin: string;
  readonly port: number;
  /** Where the app loads App Bridge from: the stub, served next to an /id-token endpoint. */
  readonly appBridgeUrl: string;
  readonly redisUrl: string;
  /** Key prefix of the server's queues (the test run's own, see vitest.config.ts). */
  readonly queuePrefix: string;
  readonly output: string[];
  stop(): Promise<void>;
}

/**
 * Starts the production server on a free port (`env` overrides its environment; with
 * FAKE_SHOPIFY_URL in it, the server's Shopify calls go to that fake). Two test files may pick the same port between
 * freePort() and the bind; the server that loses exits (EADDRINUSE), so readiness is its
 * own "listening" line, never a response that another file's server could have given.
 */
export async function startServer(env: Record<string, string> = {}): Promise<AppServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnServer(await freePort(), env);
    } catch (error) {
      if (attempt >= 5 || !(error instanceof PortTakenError)) throw error;
    }
  }
}

class PortTakenError extends Error {}

/**
 * Serves the App Bridge stub and, as the admin would supply them, fresh ID tokens for a shop
 * (GET /id-token?shop=…), on its own loopback port.
 */
export async function startAppBridgeStub(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    response.setHeader("Access-Control-Allow-Origin", "*");
    response.setHeader("Cache-Control", "no-store");
    if (url.pathname === "/app-bridge.js") {
      response.setHeader("Content-Type", "text/javascript");
      response.end(APP_BRIDGE_STUB);
      return;
    }
    const shop = url.searchParams.get("shop") ?? "";
    if (url.pathname === "/id-token" && shop.endsWith(".myshopify.com")) {
      adminToken(shop.replace(/\.myshopify\.com$/, "")).then(
        (token) => response.end(token),
        () => response.writeHead(500).end(),
      );
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/app-bridge.js`, server };
}

async function spawnServer(port: number, extraEnv: Record<string, string>): Promise<AppServer> {
  const origin = `http://127.0.0.1:${port}`;
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  // The run's own prefix: jobs the server queues reach no other run's workers.
  const queuePrefix = process.env.QUEUE_PREFIX ?? "kizuna";
  const stub = await startAppBridgeStub();
  const appBridgeUrl = stub.url;
  const output: string[] = [];
  const args = extraEnv.FAKE_SHOPIFY_URL
    ? [...SERVER_ARGS.slice(0, 2), "--import", FAKE_REDIRECT, ...SERVER_ARGS.slice(2)]
    : SERVER_ARGS;
  const child: ChildProcess = spawnInGroup(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      SHOPIFY_API_KEY: process.env.SHOPIFY_API_KEY,
      SHOPIFY_API_SECRET: process.env.SHOPIFY_API_SECRET,
      SHOPIFY_APP_URL: origin,
      DATABASE_URL: process.env.DATABASE_URL,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: queuePrefix,
      KIZUNA_APP_BRIDGE_URL: appBridgeUrl,
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const listening = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not start:\n${output.join("")}`)),
      30_000,
    );
    const keep = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.length > 200) output.shift();
      if (output.join("").includes(listeningLine("127.0.0.1", port))) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    void exited.then(() => {
      clearTimeout(timer);
      stub.server.close();
      const log = output.join("");
      reject(
        log.includes("EADDRINUSE")
          ? new PortTakenError(`port ${port} taken`)
          : new Error(`the server exited (${child.exitCode}):\n${log}`),
      );
    });
  });
  await listening;
  return {
    origin,
    port,
    appBridgeUrl,
    redisUrl,
    queuePrefix,
    output,
    async stop() {
      if (!hasExited(child)) killGroup(child, "SIGTERM");
      await Promise.race([exited, sleep(5000)]);
      if (!hasExited(child)) killGroup(child, "SIGKILL");
      stub.server.close();
    },
  };
}

// ---------------------------------------------------------------------------------------
// Shops.

export interface SeedOptions {
  readonly store: string;
  readonly customers: number;
  readonly seed?: number;
  /** Computes at these many weekly cut-offs before now, for the trend lines. */
  readonly history?: number;
  readonly npsResponses?: number;
  readonly spend?: boolean;
  readonly settings?: Record<string, unknown>;
  /** The customers' ids (one per customer), e.g. a fake Shopify shop's, so names resolve. */
  readonly customerIds?: readonly bigint[];
  /**
   * Orders carry first touches and line items (generateShop's `acquisition`), over these
   * product ids (cycled; e.g. a fake Shopify shop's, so titles resolve); with `costs` the
   * generated variants' unit costs are stored too.
   */
  readonly acquisition?: {
    readonly productIds?: readonly bigint[];
    readonly costs?: boolean;
    /** Product types stored as the sync would (e.g. the fake Shopify's catalog's). */
    readonly productTypes?: readonly ProductTypeRow[];
    /** Collections with their products, stored as the sync would (e.g. the fake's). */
    readonly collections?: readonly {
      readonly collectionId: bigint;
      readonly title: string;
      readonly productIds: readonly bigint[];
    }[];
  };
  /** Years of orders before now (generateShop's default: 3). */
  readonly years?: number;
}

export interface SeededShop {
  readonly store: string;
  readonly domain: string;
  readonly shopId: number;
  snapshot(): Promise<ShopSnapshot>;
}

export const domainOf = (store: string) => `${store}.myshopify.com`;

/** A unique store name per test file and run. */
export const storeName = (label: string) => `${label}-${process.pid}-${Date.now().toString(36)}`;

async function installSession(domain: string): Promise<void> {
  await installOfflineSession(prisma, domain, {
    accessToken: "shpat_e2e",
    expires: new Date(Date.now() + 7 * DAY),
  });
}

export async function latestSnapshotOf(shopId: number): Promise<ShopSnapshot> {
  const row = await prisma.metricSnapshot.findFirstOrThrow({
    where: { shopId },
    orderBy: [{ computedAt: "desc" }, { id: "desc" }],
  });
  return parseSnapshot(row.data)!;
}

/** A shop as after install, backfill and compute: JPY, Asia/Tokyo. */
export async function seedShop(options: SeedOptions): Promise<SeededShop> {
  const domain = domainOf(options.store);
  const now = Date.now();
  const shop = await prisma.shop.create({
    data: {
      domain,
      timezone: "Asia/Tokyo",
      currency: "JPY",
      backfilledAt: new Date(now),
      settings: JSON.stringify(options.settings ?? {}),
    },
  });
  await installSession(domain);
  const store = createRowStore(process.env.DATABASE_URL!);
  // Distinct ids per shop keep the fixtures apart in every table.
  const firstId = FIRST_CUSTOMER_ID + BigInt(shop.id) * 10_000_000n;
  const productIds = options.acquisition?.productIds;
  try {
    for (const batch of generateShop({
      customers: options.customers,
      seed: options.seed ?? 7,
      end: new Date(now),
      years: options.years,
      firstId,
      customerId: options.customerIds && ((c) => options.customerIds![c]!),
      acquisition: options.acquisition !== undefined,
      productId: productIds?.length ? (p) => productIds[p % productIds.length]! : undefined,
    })) {
      await store.upsertCustomers(shop.id, batch.customers);
      await store.upsertOrders(shop.id, batch.orders);
    }
    if (options.acquisition?.costs) {
      await store.upsertVariantCosts(shop.id, generatedVariantCosts(new Date(now)));
    }
    if (options.acquisition?.productTypes) {
      await store.upsertProductTypes(shop.id, options.acquisition.productTypes);
    }
    for (const c of options.acquisition?.collections ?? []) {
      const at = new Date(now);
      await upsertCollections(prisma, shop.id, [
        { collectionId: c.collectionId, title: c.title, shopifyUpdatedAt: at },
      ]);
      const pairs = c.productIds.map((productId) => ({ collectionId: c.collectionId, productId }));
      await replaceMemberships(prisma, shop.id, { collectionId: c.collectionId }, pairs, at);
    }
  } finally {
    await store.close();
  }
  const answers = options.npsResponses ?? 0;
  if (answers > 0) {
    await prisma.npsResponse.createMany({
      data: Array.from({ length: answers }, (_, i) => ({
        shopId: shop.id,
        orderId: BigInt(900_000 + i),
        customerId: options.customerIds
          ? options.customerIds[(i * 7) % options.customerIds.length]!
          : firstId + BigInt(i * 7),
        score: [10, 9, 9, 8, 7, 10, 3, 6, 9, 10][i % 10],
        source: "thank-you",
        createdAt: new Date(now - (i % 300) * DAY),
      })),
    });
  }
  if (options.spend) {
    const months = Array.from({ length: 6 }, (_, k) => {
      const d = new Date(now - k * 30 * DAY);
      return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
    });
    await prisma.marketingSpend.createMany({
      data: [...new Set(months)].flatMap((month) => [
        { shopId: shop.id, month, channel: "instagram", amountMinor: 300_000n },
        { shopId: shop.id, month, channel: "google", amountMinor: 150_000n },
      ]),
    });
  }
  const cutoffs = Array.from({ length: options.history ?? 0 }, (_, k) => now - (k + 1) * 7 * DAY);
  for (const asOf of [...cutoffs.reverse(), now]) await computeShop(domain, { asOf });
  return {
    store: options.store,
    domain,
    shopId: shop.id,
    snapshot: () => latestSnapshotOf(shop.id),
  };
}

/** A shop whose first import is still running: no snapshot yet. */
export async function seedBackfillingShop(store: string): Promise<SeededShop> {
  const domain = domainOf(store);
  const shop = await prisma.shop.create({
    data: {
      domain,
      timezone: "Asia/Tokyo",
      currency: "JPY",
      syncStatus: "backfilling",
      syncDone: 12_400,
      syncTotal: 31_000,
      computeStatus: "queued",
    },
  });
  await installSession(domain);
  return { store, domain, shopId: shop.id, snapshot: () => latestSnapshotOf(shop.id) };
}

export async function removeShops(domains: readonly string[]): Promise<void> {
  await prisma.session.deleteMany({ where: { shop: { in: [...domains] } } });
  await prisma.shop.deleteMany({ where: { domain: { in: [...domains] } } });
}

// ---------------------------------------------------------------------------------------
// The browser.

export interface AppBrowser {
  readonly browser: Browser;
  readonly context: BrowserContext;
  /** Console errors and failed requests seen so far (hydration problems show up here). */
  readonly problems: string[];
  /** Opens a page of the app as Shopify admin frames it. */
  open(path: string, store: string, locale?: string): Promise<Page>;
  /** Opens any URL (e.g. the demo's fake admin) in a watched page. */
  visit(url: string): Promise<Page>;
  close(): Promise<void>;
}

export function adminUrl(
  server: Pick<AppServer, "origin">,
  path: string,
  store: string,
  token: string,
  locale = "en",
) {
  const url = new URL(path, server.origin);
  url.searchParams.set("embedded", "1");
  url.searchParams.set("shop", domainOf(store));
  url.searchParams.set(
    "host",
    Buffer.from(`admin.shopify.com/store/${store}`).toString("base64url"),
  );
  url.searchParams.set("id_token", token);
  url.searchParams.set("locale", locale);
  return url.toString();
}

export async function openBrowser(server: Pick<AppServer, "origin">): Promise<AppBrowser> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      // Offline like the CI: anything but loopback (Shopify's CDN) fails at once.
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ],
  });
  // Headless Chromium names itself "HeadlessChrome", which the Shopify library turns away
  // as a bot (410): present as the desktop browser a merchant uses.
  const userAgent = (
    await browser.newPage().then(async (p) => {
      const ua = await p.evaluate(() => navigator.userAgent);
      await p.close();
      return ua;
    })
  ).replace("HeadlessChrome", "Chrome");
  const context = await browser.newContext({
    userAgent,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    locale: "en-US",
    timezoneId: "Asia/Tokyo",
  });
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on("console", (message) => {
      // Failed requests log this too; the handlers below say which request it was.
      if (message.text().startsWith("Failed to load resource:")) return;
      if (message.type() === "error") problems.push(`${page.url()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`${page.url()}: ${error.message}`));
    page.on("requestfailed", (request) => {
      const failure = request.failure()?.errorText ?? "failed";
      // Downloads end as "aborted" navigations. Everything else must load: the Link header
      // preloads the stand-in the page uses, never Shopify's CDN (unreachable here).
      if (failure === "net::ERR_ABORTED") return;
      problems.push(`request ${request.url()}: ${failure}`);
    });
    page.on("response", (response) => {
      // The app has no favicon (the browser asks anyway).
      if (response.status() < 400 || new URL(response.url()).pathname === "/favicon.ico") return;
      problems.push(`response ${response.status()} ${response.url()}`);
    });
  };
  return {
    browser,
    context,
    problems,
    async open(path, store, locale = "en") {
      const page = await context.newPage();
      watch(page);
      await page.goto(adminUrl(server, path, store, await adminToken(store), locale));
      // Hydrated: the app's root layout marks the document once React has taken over.
      await page.waitForFunction(() => document.documentElement.dataset.hydrated === "true");
      return page;
    },
    async visit(url) {
      const page = await context.newPage();
      watch(page);
      await page.goto(url);
      return page;
    },
    async close() {
      await browser.close();
    },
  };
}

/**
 * Saves a PNG of the page under test-results/screenshots/: the full page, or with
 * `{ fullPage: false }` the visible screen. What page.screenshot() does (carets hidden, web
 * fonts loaded, the same pixels), but Chromium encodes the PNG for speed (CDP's
 * optimizeForSpeed, which Playwright does not expose): 15–22 % less time on the app's
 * pages, files ~25 % larger (decision 0068-browser-test-time).
 */
export async function screenshot(
  page: Page,
  name: string,
  { fullPage = true }: { fullPage?: boolean } = {},
): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  const frames = page.frames();
  await Promise.all(frames.map((frame) => frame.evaluate(hideCarets).catch(() => undefined)));
  const cdp = await page.context().newCDPSession(page);
  try {
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    const { cssVisualViewport: view } = await cdp.send("Page.getLayoutMetrics");
    const full = await page.evaluate(() => {
      const { body, documentElement: root } = document;
      return {
        width: Math.max(
          ...[body, root].flatMap((e) => [e.scrollWidth, e.offsetWidth, e.clientWidth]),
        ),
        height: Math.max(
          ...[body, root].flatMap((e) => [e.scrollHeight, e.offsetHeight, e.clientHeight]),
        ),
      };
    });
    const fits = full.width <= view.clientWidth && full.height <= view.clientHeight;
    const clip = fullPage
      ? { x: 0, y: 0, ...full, scale: 1 }
      : {
          x: view.pageX,
          y: view.pageY,
          width: view.clientWidth,
          height: view.clientHeight,
          scale: 1,
        };
    const { data } = await cdp.send("Page.captureScreenshot", {
      format: "png",
      clip,
      captureBeyondViewport: fullPage && !fits,
      optimizeForSpeed: true,
    });
    writeFileSync(path, Buffer.from(data, "base64"));
  } finally {
    await cdp.detach().catch(() => undefined);
    await Promise.all(frames.map((frame) => frame.evaluate(showCarets).catch(() => undefined)));
  }
  return path;
}

/** A blinking caret differs between two shots of one page: hidden as Playwright hides it. */
function hideCarets(): void {
  const kept = new Map<HTMLElement, [string, string]>();
  for (const element of document.querySelectorAll<HTMLElement>(
    "input,textarea,[contenteditable]",
  )) {
    const { style } = element;
    kept.set(element, [
      style.getPropertyValue("caret-color"),
      style.getPropertyPriority("caret-color"),
    ]);
    style.setProperty("caret-color", "transparent", "important");
  }
  (window as unknown as { kzCarets?: typeof kept }).kzCarets = kept;
}

function showCarets(): void {
  const holder = window as unknown as { kzCarets?: Map<HTMLElement, [string, string]> };
  for (const [element, [value, priority]] of holder.kzCarets ?? []) {
    element.style.setProperty("caret-color", value, priority);
  }
  delete holder.kzCarets;
}
