/**
 * The process-wide pieces sync code runs with: the Prisma client, the raw row store and
 * an Admin API client per shop whose token comes from the shop's offline session
 * (shopify-app-remix refreshes expiring offline tokens when it loads them).
 */
import prisma from "../db.server";
import { env } from "../env.server";
import { logger, type Logger } from "../logger.server";
import { unauthenticated } from "../shopify.server";
import { createAdminApi, type AdminApi } from "./admin-api.server";
import type { SyncContext } from "./backfill.server";
import { createRowStore, type RowStore } from "./store.server";
import type { WebhookContext } from "./webhook-processing.server";

let store: RowStore | undefined;

export function rowStore(): RowStore {
  store ??= createRowStore(env().DATABASE_URL);
  return store;
}

export async function closeRowStore(): Promise<void> {
  await store?.close();
  store = undefined;
}

export function adminApiFor(shop: string): AdminApi {
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
  return { db: prisma, store: rowStore(), api: adminApiFor(shop), log };
}

export function webhookContext(shop: string, log: Logger = logger): WebhookContext {
  let api: AdminApi | undefined;
  return { db: prisma, store: rowStore(), api: () => (api ??= adminApiFor(shop)), log };
}
