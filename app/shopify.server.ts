/**
 * The Shopify app: embedded auth via token exchange (Shopify-managed install), offline
 * expiring tokens kept in Prisma, Admin API 2026-10. Webhook subscriptions live in
 * shopify.app.toml (app-specific), not here.
 */
import "@shopify/shopify-app-remix/adapters/node";
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
import { onShopInstalled } from "./shops.server";
import { API_VERSION } from "./sync/api-version";

const config = env();

const shopify = shopifyApp({
  apiKey: config.SHOPIFY_API_KEY,
  apiSecretKey: config.SHOPIFY_API_SECRET,
  apiVersion: API_VERSION,
  scopes: config.SCOPES.split(","),
  appUrl: config.SHOPIFY_APP_URL,
  authPathPrefix: "/auth",
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

export default shopify;
export const apiVersion = API_VERSION;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const sessionStorage = shopify.sessionStorage;
