/**
 * The security tests' rig: the app's real production server build (the browser tests'
 * build, test/e2e/harness.ts, built once and reused while fresh) loaded in this process
 * behind the production server's request handler (app/http.server.ts: Remix's, with its
 * cross-site refusal), so every request runs exactly what ships: route matching,
 * shopify-app-remix's auth, the loaders/actions and entry.server's headers.
 *
 * Shopify itself is a small stand-in reached through the fake's fetch redirect (installed
 * before the build's @shopify/shopify-api captures fetch): it refuses every token exchange
 * the way Shopify refuses a shop that has not installed the app, and counts the attempts.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import prisma from "../../app/db.server";
import { createAppRequestHandler } from "../../app/http.server";
import { ensureBuild, SERVER_ENTRY } from "../e2e/harness";
import {
  adminToken,
  domainOf,
  extensionToken,
  storeName,
  type TokenOptions,
} from "../extensions/tokens";
import { installFetchRedirect } from "../fake-shopify/redirect";

export const redirect = installFetchRedirect();

export const APP_ORIGIN = process.env.SHOPIFY_APP_URL!;
export const API_SECRET = process.env.SHOPIFY_API_SECRET!;

export interface AppUnderTest {
  build: ServerBuild;
  handle(request: Request): Promise<Response>;
  /** Token exchanges Shopify (the stand-in) was asked for, by shop domain. */
  readonly exchanges: string[];
  close(): Promise<void>;
}

/** Shopify refusing the exchange of a session token: the app is not installed there. */
async function startRefusingShopify(exchanges: string[]): Promise<Server> {
  const server = createServer((req, res) => {
    const host = String(req.headers["x-fake-shopify-host"] ?? "");
    req.resume();
    req.on("end", () => {
      if (req.url?.startsWith("/admin/oauth/access_token")) {
        exchanges.push(host);
        res
          .writeHead(400, { "content-type": "application/json" })
          .end(JSON.stringify({ error: "invalid_subject_token" }));
        return;
      }
      res.writeHead(401, { "content-type": "application/json" }).end('{"errors":"unauthorized"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

export async function loadApp(): Promise<AppUnderTest> {
  await ensureBuild();
  const exchanges: string[] = [];
  const shopify = await startRefusingShopify(exchanges);
  redirect.setTarget(`http://127.0.0.1:${(shopify.address() as AddressInfo).port}`);
  const build = (await import(/* @vite-ignore */ pathToFileURL(SERVER_ENTRY).href)) as ServerBuild;
  const handler = createAppRequestHandler(build, "production");
  return {
    build,
    handle: (request) => handler(request),
    exchanges,
    async close() {
      redirect.setTarget(null);
      await new Promise((resolve) => shopify.close(resolve));
    },
  };
}

/** A browser's user agent: shopify-app-remix answers bots with 410. */
export const BROWSER_UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/140.0 Safari/537.36";

export { adminToken, domainOf, extensionToken, storeName, type TokenOptions };

/** Every row a shop owns, in a stable text form: equal before and after means untouched. */
export async function shopState(domain: string): Promise<string> {
  const shop = await prisma.shop.findUnique({ where: { domain } });
  const sessions = await prisma.session.findMany({
    where: { shop: domain },
    orderBy: { id: "asc" },
  });
  if (!shop) return stable({ shop: null, sessions });
  const where = { shopId: shop.id };
  const [customers, orders, metrics, snapshots, nps, spend, webhooks, dataRequests, bulk, flow] =
    await Promise.all([
      prisma.customer.findMany({ where, orderBy: { id: "asc" } }),
      prisma.order.findMany({ where, orderBy: { id: "asc" } }),
      prisma.customerResultChunk.findMany({
        where,
        orderBy: [{ snapshotId: "asc" }, { kind: "asc" }, { key: "asc" }, { part: "asc" }],
      }),
      prisma.metricSnapshot.findMany({ where, orderBy: { id: "asc" }, select: { id: true } }),
      prisma.npsResponse.findMany({ where, orderBy: { orderId: "asc" } }),
      prisma.marketingSpend.findMany({ where, orderBy: { id: "asc" } }),
      prisma.webhookEvent.findMany({ where, orderBy: { webhookId: "asc" } }),
      prisma.dataRequest.findMany({ where, orderBy: { id: "asc" } }),
      prisma.bulkOperation.findMany({ where, orderBy: { id: "asc" } }),
      prisma.flowTriggerEvent.findMany({ where, orderBy: { id: "asc" } }),
    ]);
  return stable({
    shop,
    sessions,
    customers,
    orders,
    metrics,
    snapshots,
    nps,
    spend,
    webhooks,
    dataRequests,
    bulk,
    flow,
  });
}

export function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
}
