/**
 * What sync code runs with: the Prisma client, the raw row store, the shop's Admin API
 * client and a logger. The shapes live here, apart from any one sync step, so that the steps
 * (backfill, reconciliation, deletion sweep, tag writes, webhook processing) import them
 * from one place and never from each other. A shop's contexts are built from its offline
 * session in shop-context.server.ts (kept apart: it needs the Shopify app, which in turn
 * starts backfills on install).
 */
import type { Database } from "../db.server";
import { env } from "../env.server";
import type { Logger } from "../logger.server";
import type { AdminApi } from "./admin-api.server";
import { createRowStore, type RowStore } from "./store.server";

/** Backfill, reconciliation, the deletion sweep and tag writes: they all call Shopify. */
export interface SyncContext {
  db: Database;
  store: RowStore;
  api: AdminApi;
  log: Logger;
  /**
   * The database's URL, for readers that go straight through the drivers (tag sync reads the
   * result set so); without it they read through `db`, slower on large shops.
   */
  databaseUrl?: string;
}

/** Webhook processing: most topics never call Shopify, so the client is made on demand. */
export interface WebhookContext {
  db: Database;
  store: RowStore;
  /** Created on demand: most topics never call Shopify. */
  api: () => AdminApi;
  log: Logger;
}

/** Reading a customer's tags when a source does not say them (customers.server.ts). */
export type CustomerSyncContext = Omit<WebhookContext, "log">;

let store: RowStore | undefined;

/** The process's row store (one per process: it holds the SQLite writing thread). */
export function rowStore(): RowStore {
  store ??= createRowStore(env().DATABASE_URL);
  return store;
}

export async function closeRowStore(): Promise<void> {
  await store?.close();
  store = undefined;
}
