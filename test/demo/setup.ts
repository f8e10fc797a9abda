/**
 * The demo's set-up path, shared by `npm run demo` (test/demo/main.ts) and the browser test
 * that checks the demo shop's dashboard against its database (test/e2e/demo.test.ts):
 *
 * the fake Shopify with one seeded shop → the built app (app/server.ts, as `npm start`) and the BullMQ workers,
 * both with their Shopify fetches redirected to the fake → the fake admin (a page framing the
 * app, the App Bridge stand-in, fresh session tokens) → install through the real embedded auth
 * path (session token → token exchange → afterAuth → backfill → compute) → post-purchase
 * survey answers, as the NPS extension would have stored them → a recompute.
 *
 * The caller owns the environment: `databaseUrl` must be migrated, and this process's
 * DATABASE_URL / QUEUE_PREFIX / REDIS_URL must be the demo's before any app module reads the
 * environment (app modules are imported lazily here for that reason).
 */
import type { ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { APP_BRIDGE_STUB } from "../e2e/app-bridge-stub";
import { startFakeShopify, type FakeShopify } from "../fake-shopify/index";
import { killGroup, spawnInGroup, hasExited } from "../helpers/processes";

const ROOT = join(import.meta.dirname, "..", "..");
const HOST = "127.0.0.1";

export interface DemoOptions {
  readonly customers: number;
  /** "kizuna-demo" → kizuna-demo.myshopify.com. */
  readonly store: string;
  readonly appPort: number;
  /** The fake admin's port; 0 picks a free one. */
  readonly adminPort?: number;
  readonly locale: string;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly queuePrefix: string;
  /** The production build's server entry, served by app/server.ts. */
  readonly serverEntry: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  /**
   * Post-purchase survey answers to store: one each on customer orders spread evenly over the
   * last 25 months, so the NPS history has every month (default 1,500: ~60 a month).
   */
  readonly surveyAnswers?: number;
  readonly seed?: number;
  readonly logLevel?: string;
  /** Progress lines. */
  readonly say?: (line: string) => void;
  /** Where the app's and workers' stderr go (default: this process's). */
  readonly stderr?: "inherit" | "ignore";
}

export interface Demo {
  readonly domain: string;
  readonly shopId: number;
  readonly appUrl: string;
  /** The fake admin: GET / frames the app. */
  readonly adminUrl: string;
  readonly fake: FakeShopify;
  /** The app as the admin frames it, with a fresh session token. */
  frameUrl(): string;
  /** Survey answers stored. */
  readonly surveyAnswers: number;
  /** Resolves once a compute that started after the answers were stored has finished. */
  recomputed(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The app server and workers of every demo started by this process. Each runs in a process
 * group of its own (its children go with it; test/helpers/processes.ts), stops when this
 * process dies (KIZUNA_EXIT_WITH_PARENT, app/shutdown.server.ts), and is SIGKILLed with its
 * group if this process exits while it still runs.
 */
const started = new Set<ChildProcess>();

/**
 * SIGTERM to each started process's group; SIGKILL to whatever is left after `graceMs`
 * (their own shutdown deadline, SHUTDOWN_TIMEOUT_MS, plus a margin).
 */
export async function stopDemoProcesses(graceMs: number): Promise<void> {
  await Promise.all(
    [...started].map(async (child) => {
      const exited = new Promise((resolve) => {
        if (hasExited(child)) resolve(undefined);
        else child.once("exit", resolve);
      });
      killGroup(child, "SIGTERM");
      await Promise.race([exited, sleep(graceMs)]);
      // Its children, too, whether it exited or not.
      killGroup(child, "SIGKILL");
      started.delete(child);
    }),
  );
}

function startChild(args: string[], env: NodeJS.ProcessEnv, stderr: "inherit" | "ignore") {
  const child = spawnInGroup(process.execPath, args, {
    cwd: ROOT,
    env: { ...env, KIZUNA_EXIT_WITH_PARENT: "1" },
    stdio: ["ignore", "ignore", stderr],
  });
  started.add(child);
  return child;
}

/** Survey scores: about 36 % promoters, 36 % passives, the rest detractors (seeded). */
function surveyScores(count: number, seed = 11): number[] {
  let state = seed;
  const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
  return Array.from({ length: count }, () => {
    const r = random();
    return r < 0.36
      ? 9 + Math.round(random())
      : r < 0.72
        ? 7 + Math.round(random())
        : Math.floor(random() * 7);
  });
}

/** How long the app and workers may take to stop: their deadline and a margin. */
export function shutdownGraceMs(): number {
  return Number(process.env.SHUTDOWN_TIMEOUT_MS || 10_000) + 2_000;
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const say = options.say ?? (() => {});
  const domain = `${options.store}.myshopify.com`;
  const appUrl = `http://${HOST}:${options.appPort}`;
  const children: ChildProcess[] = [];
  let admin: Server | undefined;

  say(`generating the demo shop (${options.customers} customers)…`);
  const fake = await startFakeShopify({
    shops: [
      {
        domain,
        name: "Kizuna Demo 通販",
        customers: options.customers,
        seed: options.seed ?? 2026,
        currency: "JPY",
        timezone: "Asia/Tokyo",
        plan: "advanced",
        // Four years and two months: year-over-year KPIs compare a year with the one
        // before it, so 24 monthly points of them need 48 complete months behind them.
        historyDays: 4 * 365 + 62,
        horizonDays: 30,
      },
    ],
    apiKey: options.apiKey,
    apiSecret: options.apiSecret,
    appUrl,
  });

  const stop = async () => {
    await stopDemoProcesses(shutdownGraceMs());
    admin?.closeAllConnections();
    admin?.close();
    await fake.close();
  };

  try {
    // The fake admin: a page framing the app, the App Bridge stand-in and fresh session tokens.
    admin = createServer();
    await new Promise<void>((resolve) => admin!.listen(options.adminPort ?? 0, HOST, resolve));
    const adminUrl = `http://${HOST}:${(admin.address() as AddressInfo).port}`;
    const hostParam = Buffer.from(`admin.shopify.com/store/${options.store}`).toString("base64url");
    const frameUrl = () =>
      `${appUrl}/app?embedded=1&shop=${domain}&host=${hostParam}&locale=${options.locale}&id_token=${fake.shop(domain).sessionToken()}`;
    admin.on("request", (req, res) => {
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
<html lang="${options.locale}"><head><meta charset="utf-8"><title>Kizuna — demo admin</title>
<style>body{margin:0;font:14px system-ui;background:#f1f1f1}header{padding:10px 16px;background:#1a1a1a;color:#fff}
iframe{border:0;width:100%;height:calc(100vh - 40px)}</style></head>
<body><header>Shopify admin (demo) · ${domain}</header>
<iframe src="${frameUrl()}" title="Kizuna"></iframe></body></html>`);
      } else {
        res.writeHead(404).end();
      }
    });

    const env = {
      ...process.env,
      NODE_ENV: "production" as const,
      HOST,
      PORT: `${options.appPort}`,
      SHOPIFY_API_KEY: options.apiKey,
      SHOPIFY_API_SECRET: options.apiSecret,
      SHOPIFY_APP_URL: appUrl,
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redisUrl,
      QUEUE_PREFIX: options.queuePrefix,
      LOG_LEVEL: options.logLevel ?? process.env.LOG_LEVEL ?? "warn",
      FAKE_SHOPIFY_URL: fake.url,
      KIZUNA_APP_BRIDGE_URL: `${adminUrl}/app-bridge.js`,
    };
    const redirect = ["--import", join(ROOT, "test/fake-shopify/register.mjs")];
    const stderr = options.stderr ?? "inherit";
    children.push(
      startChild(
        ["--import", "tsx", ...redirect, join(ROOT, "app/server.ts"), options.serverEntry],
        env,
        stderr,
      ),
      startChild(["--import", "tsx", ...redirect, join(ROOT, "workers/main.ts")], env, stderr),
    );

    for (let i = 0; ; i++) {
      try {
        await fetch(`${appUrl}/`);
        break;
      } catch {
        if (children.some(hasExited)) throw new Error("the app did not start");
        if (i > 600) throw new Error("the app did not start");
        await sleep(100);
      }
    }

    // Install: the merchant opens the app from admin; Shopify-managed install, token exchange.
    say("installing Kizuna into the demo shop (token exchange)…");
    const opened = await fetch(frameUrl(), {
      // shopify-app-remix turns bots away; this is the merchant's browser opening the app.
      headers: { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36" },
    });
    if (!opened.ok) throw new Error(`opening the app failed: HTTP ${opened.status}`);

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
      if (shop?.computeStatus === "failed") throw new Error(`compute failed: ${shop.computeError}`);
      if (shop?.computedAt) break;
      if (children.some(hasExited)) throw new Error("the app or workers exited");
      await sleep(250);
    }

    // Post-purchase survey answers, as the NPS extension would have collected them.
    const shop = await prisma.shop.findUniqueOrThrow({ where: { domain } });
    const since = new Date(Date.now() - 25 * 31 * 86_400_000);
    const candidates = await prisma.order.findMany({
      where: {
        shopId: shop.id,
        customerId: { not: null },
        test: false,
        cancelledAt: null,
        processedAt: { gte: since },
      },
      select: { id: true, customerId: true, processedAt: true },
      orderBy: [{ processedAt: "desc" }, { id: "asc" }],
    });
    // The same number of answers in each of the 25 months (as many as a month has orders).
    const byMonth = new Map<string, typeof candidates>();
    for (const o of candidates) {
      const month = o.processedAt.toISOString().slice(0, 7);
      byMonth.set(month, [...(byMonth.get(month) ?? []), o]);
    }
    const perMonth = Math.ceil((options.surveyAnswers ?? 1500) / Math.max(1, byMonth.size));
    const orders = [...byMonth.values()].flatMap((inMonth) => {
      const n = Math.min(perMonth, inMonth.length);
      return Array.from({ length: n }, (_, i) => inMonth[Math.floor((i * inMonth.length) / n)]!);
    });
    const scores = surveyScores(orders.length);
    await prisma.npsResponse.createMany({
      data: orders.map((o, i) => ({
        shopId: shop.id,
        orderId: o.id,
        customerId: o.customerId,
        score: scores[i],
        source: "thank-you",
        createdAt: new Date(o.processedAt.getTime() + 3_600_000),
      })),
    });
    // Marketing spend, as a merchant enters it: two channels each month, about ¥4,000 per
    // new customer of that month, so CAC and LTV:CAC have their history too.
    const { latestSnapshot } = await import("../../app/pages/page-base.server");
    const first = await latestSnapshot(shop.id);
    const newCustomers = first?.trends?.series.find((x) => x.id === "new_customers");
    const spend = (newCustomers?.points ?? []).flatMap((p, k) => {
      const yen = Math.round(((p.value ?? 0) * (3500 + 100 * (k % 10))) / 1000) * 1000;
      return yen <= 0
        ? []
        : [
            {
              shopId: shop.id,
              month: p.month,
              channel: "instagram",
              amountMinor: BigInt(Math.round(yen * 0.6)),
            },
            {
              shopId: shop.id,
              month: p.month,
              channel: "Google 広告",
              amountMinor: BigInt(Math.round(yen * 0.4)),
            },
          ];
    });
    if (spend.length > 0) await prisma.marketingSpend.createMany({ data: spend });

    // An example gross margin, as a merchant enters it: without one LTV:CAC and payback say
    // the margin is missing (it is never assumed).
    const { updateSettings } = await import("../../app/pages/settings.server");
    await updateSettings(domain, () => ({ grossMarginRatio: 0.6 }));

    const seededAt = Date.now();
    const { requestRecompute } = await import("../../app/jobs/compute.server");
    await requestRecompute(domain, true);
    say(
      `seeded ${orders.length} survey answers, ${spend.length / 2} months of spend and a 60 % gross margin; recomputing`,
    );

    const recomputed = async (timeoutMs = 120_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const row = await prisma.shop.findUniqueOrThrow({ where: { id: shop.id } });
        if (row.computeStatus === "failed") throw new Error(`compute failed: ${row.computeError}`);
        if (
          row.computeStatus === "idle" &&
          row.computeStartedAt !== null &&
          row.computeStartedAt.getTime() >= seededAt &&
          (row.computedAt?.getTime() ?? 0) >= row.computeStartedAt.getTime()
        ) {
          return;
        }
        if (Date.now() > deadline) throw new Error("the recompute did not finish in time");
        await sleep(250);
      }
    };
    // The demo opens on the finished dashboard: history, spend and a target for every KPI.
    await recomputed(600_000);
    const { demoTargets } = await import("./targets");
    const snapshot = await latestSnapshot(shop.id);
    if (snapshot) {
      await updateSettings(domain, (current) => ({
        kpiTargets: { ...demoTargets(snapshot, current), ...current.kpiTargets },
      }));
    }
    say("set example targets for every KPI");

    return {
      domain,
      shopId: shop.id,
      appUrl,
      adminUrl,
      fake,
      frameUrl,
      surveyAnswers: orders.length,
      recomputed,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
