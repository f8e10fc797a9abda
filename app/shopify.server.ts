/**
 * The Shopify app: embedded auth via token exchange (Shopify-managed install), offline
 * expiring tokens kept in Prisma, Admin API 2026-10. Webhook subscriptions live in
 * shopify.app.toml (app-specific), not here.
 */
import "@shopify/shopify-app-remix/adapters/node";
import { shopifyApi, ShopifyError } from "@shopify/shopify-api";
import {
  AppDistribution,
  LogSeverity,
  shopifyApp,
  type Session,
} from "@shopify/shopify-app-remix/server";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import prisma from "./db.server";
import { env } from "./env.server";
import { logger, scrubSecrets } from "./logger.server";
import { onShopInstalled } from "./shop-lifecycle.server";
import { API_VERSION } from "./sync/api-version";

const config = env();
const AUTH_PATH_PREFIX = "/auth";
/** shopify-app-remix's page that leaves the admin frame for a destination it vets. */
const EXIT_IFRAME_PATH = `${AUTH_PATH_PREFIX}/exit-iframe`;

const shopify = shopifyApp({
  apiKey: config.SHOPIFY_API_KEY,
  apiSecretKey: config.SHOPIFY_API_SECRET,
  apiVersion: API_VERSION,
  scopes: config.SCOPES.split(","),
  appUrl: config.SHOPIFY_APP_URL,
  authPathPrefix: AUTH_PATH_PREFIX,
  sessionStorage: new PrismaSessionStorage(prisma),
  distribution: AppDistribution.AppStore,
  // The library logs every authentication at INFO; Kizuna's own pino log says what matters.
  logger: {
    level: ["debug", "trace"].includes(config.LOG_LEVEL) ? LogSeverity.Debug : LogSeverity.Warning,
    // Its debug lines carry whole session tokens: they go through pino with tokens cut out.
    log: (severity, message) => {
      const level = (["error", "warn", "info", "debug"] as const)[severity] ?? "info";
      logger[level]({ source: "shopify" }, scrubSecrets(message));
    },
  },
  future: {
    unstable_newEmbeddedAuthStrategy: true,
    expiringOfflineAccessTokens: true,
  },
  hooks: {
    afterAuth: async ({ session }: { session: Session }) => {
      await onShopInstalled(session.shop);
    },
  },
  ...(config.SHOP_CUSTOM_DOMAIN ? { customShopDomains: [config.SHOP_CUSTOM_DOMAIN] } : {}),
});

// The validators shopify-app-remix runs on each request, in an instance of our own with the
// same credentials: the app object keeps its own (`api`) internal.
const validators = shopifyApi({
  apiKey: config.SHOPIFY_API_KEY,
  apiSecretKey: config.SHOPIFY_API_SECRET,
  apiVersion: API_VERSION,
  hostName: new URL(config.SHOPIFY_APP_URL).host,
  hostScheme: new URL(config.SHOPIFY_APP_URL).protocol === "http:" ? "http" : "https",
  isEmbeddedApp: true,
  logger: { level: LogSeverity.Error, log: () => {} },
});

/** A refusal with a fixed text: the app's ErrorBoundary (boundary.error) renders it as HTML. */
function refuse(status: 400 | 401, text: string): Response {
  return new Response(text, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

/**
 * shopify.authenticate.admin, with the hostile requests shopify-app-remix 6.0 fails on with a
 * plain error (a 500) refused with a 4xx first:
 * - a `host` parameter of base64 that decodes to no host name: the library's sanitizeHost
 *   builds a URL of it, which throws;
 * - a validly signed session token whose `dest` is not a shop's URL (an extension's token
 *   carries the bare domain): the library parses `dest` as a URL and the shop from its host
 *   name, unguarded;
 * - an exit-iframe destination the library refuses to redirect to: it throws ShopifyError.
 * Every other error still reaches Remix as the 500 it is.
 */
async function authenticateAdmin(request: Request) {
  const url = new URL(request.url);
  const host = url.searchParams.get("host");
  if (host !== null) {
    try {
      validators.utils.sanitizeHost(host);
    } catch {
      throw refuse(400, "Invalid host parameter");
    }
  }
  const token =
    request.headers.get("authorization")?.replace("Bearer ", "") ||
    url.searchParams.get("id_token");
  if (token) {
    // A token that does not verify is the library's to answer (a bounce page or a 401 that
    // App Bridge retries with a fresh token); a valid one naming no shop never gets better.
    const payload = await validators.session.decodeSessionToken(token).catch(() => null);
    const dest = typeof payload?.dest === "string" ? payload.dest : "";
    if (payload && !(URL.canParse(dest) && validators.utils.sanitizeShop(new URL(dest).hostname)))
      throw refuse(401, "The session token names no shop");
  }
  try {
    return await shopify.authenticate.admin(request);
  } catch (error) {
    if (error instanceof ShopifyError && url.pathname === EXIT_IFRAME_PATH)
      throw refuse(400, "Refusing to redirect to an untrusted destination");
    throw error;
  }
}

export default shopify;
export const apiVersion = API_VERSION;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = { ...shopify.authenticate, admin: authenticateAdmin };
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const sessionStorage = shopify.sessionStorage;
