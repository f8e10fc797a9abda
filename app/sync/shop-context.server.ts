/**
 * A shop's sync and webhook contexts: the process's Prisma client and row store, and an
 * Admin API client whose token comes from the shop's offline session (shopify-app-remix
 * refreshes expiring offline tokens when it loads them). Workers' processors build one per job.
 */
import prisma from "../db.server";
import { logger, type Logger } from "../logger.server";
import { env } from "../env.server";
import { unauthenticated } from "../shopify.server";
import { createAdminApi, type AdminApi } from "./admin-api.server";
import { rowStore, type SyncContext, type WebhookContext } from "./context.server";

function adminApiFor(shop: string): AdminApi {
  return createAdminApi({
    shop,
    accessToken: async () => {
      const { session } = await unauthenticated.admin(shop);
      if (!session.accessToken) throw new Error(`No offline access token for ${shop}`);
      return session.accessToken;
    },
  });
}

export function syncContext(shop: string, log: Logger = logger): SyncContext {
  return {
    db: prisma,
    store: rowStore(),
    api: adminApiFor(shop),
    log,
    databaseUrl: env().DATABASE_URL,
  };
}

export function webhookContext(shop: string, log: Logger = logger): WebhookContext {
  let api: AdminApi | undefined;
  return { db: prisma, store: rowStore(), api: () => (api ??= adminApiFor(shop)), log };
}
