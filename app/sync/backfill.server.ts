/**
 * The backfill: every customer and order of a shop, and every variant's unit cost, through
 * three bulk queries, written through the row store. It is a resumable state machine whose state lives in the
 * database (BulkOperation rows and their line checkpoints), so a crash, deploy or
 * Redis restart at any point continues where the last committed batch ended and never
 * writes anything twice (the store's upserts are idempotent anyway).
 *
 * advanceBackfill does as much as it can and answers either "done" or "look again in
 * N ms"; the worker turns the latter into a delayed job (or the bulk_operations/finish
 * webhook wakes it early), so no worker slot sits waiting on Shopify.
 */
import type { Database } from "../db.server";
import {
  BulkFileUnavailableError,
  BulkOperationInProgressError,
  getBulkOperation,
  readJsonl,
  startBulkQuery,
} from "./bulk.server";
import type { SyncContext } from "./context.server";
import { reconcileCollections } from "./collections.server";
import { COSTS_ACCESS_DENIED, isAccessDenied, recordCostSync } from "./costs.server";
import { sweepDeletions } from "./deletions.server";
import { parseJsonExact } from "./ids";
import {
  BULK_CUSTOMERS,
  BULK_ORDERS,
  BULK_VARIANT_COSTS,
  filteredBulkQuery,
  SHOP_INFO,
} from "./operations";
import {
  customerRowFrom,
  lineItemRowFrom,
  orderRowFrom,
  parseGid,
  productTypeRowFrom,
  variantCostRowFrom,
  type CustomerRow,
  type LineItemRow,
  type OrderRow,
  type ProductTypeRow,
  type VariantCostRow,
} from "./rows";

export type BackfillStep = { done: true } | { done: false; checkAgainInMs: number };

/**
 * The files of a backfill, exported side by side. Variant costs are a file of their own
 * (not a child of each order's line items: a variant would repeat in every order) and are
 * never filtered by `since`: a cost change moves the inventory item's updated_at, not the
 * variant's, and a shop has few variants next to its orders.
 */
export type BulkKind = "customers" | "orders" | "variants";
const KINDS: readonly BulkKind[] = ["customers", "orders", "variants"];
const BULK_QUERIES: Record<BulkKind, string> = {
  customers: BULK_CUSTOMERS,
  orders: BULK_ORDERS,
  variants: BULK_VARIANT_COSTS,
};
/** Why a variants export ended without costs: the token lacks their scope. */
const ACCESS_DENIED = "ACCESS_DENIED";

/**
 * Rows per write; the file's progress moves with each batch, in its transaction. Large on
 * purpose: each SQLite commit rewrites every index page the batch touched (customer ids
 * are random), so 5,000-row batches ran at a third of the speed of 50,000-row ones
 * (~15 MB of rows). The SQLite store also lets waiting batches share a commit.
 */
const BATCH_ROWS = 50_000;
/** Batches handed to the store and not yet committed: parsing runs this far ahead. */
const WRITES_IN_FLIGHT = 8;
/** A bulk operation that fails this many times in one backfill fails the backfill. */
const MAX_FAILED_OPERATIONS = 3;
const POLL_MS = 5_000;
const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELED", "EXPIRED"]);

export class BulkFileError extends Error {
  override name = "BulkFileError";
}

/**
 * Marks the shop as backfilling from now; true when a new run started. With `since`,
 * the run exports only what changed since then (reconciliation after a long gap).
 */
export async function beginBackfill(
  db: Database,
  shopDomain: string,
  since: Date | null = null,
): Promise<boolean> {
  const { count } = await db.shop.updateMany({
    where: { domain: shopDomain, status: "installed", syncStatus: { not: "backfilling" } },
    data: {
      syncStatus: "backfilling",
      syncStartedAt: new Date(),
      syncSince: since,
      syncDone: 0,
      syncTotal: 0,
      syncError: null,
    },
  });
  return count === 1;
}

export async function failBackfill(db: Database, shopDomain: string, reason: string) {
  await db.shop.updateMany({
    where: { domain: shopDomain },
    data: { syncStatus: "failed", syncError: reason },
  });
}

export async function advanceBackfill(ctx: SyncContext, shopDomain: string): Promise<BackfillStep> {
  const shop = await ctx.db.shop.findUnique({ where: { domain: shopDomain } });
  if (!shop || shop.status !== "installed" || shop.syncStatus !== "backfilling") {
    return { done: true }; // uninstalled or already finished: nothing to do
  }
  const runStart = shop.syncStartedAt ?? new Date(0);
  if (
    !(await ctx.db.bulkOperation.count({
      where: { shopId: shop.id, startedAt: { gte: runStart } },
    }))
  ) {
    const info = await ctx.api.request(SHOP_INFO);
    await ctx.db.shop.update({
      where: { id: shop.id },
      data: { timezone: info.shop.ianaTimezone, currency: info.shop.currencyCode },
    });
  }

  let waitMs = 0;
  for (const kind of KINDS) {
    const query =
      shop.syncSince && kind !== "variants"
        ? filteredBulkQuery(
            BULK_QUERIES[kind],
            kind,
            `updated_at:>='${shop.syncSince.toISOString()}'`,
          )
        : BULK_QUERIES[kind];
    const step = await advanceKind(ctx, shop.id, kind, query, runStart);
    if (!step.done) waitMs = Math.max(waitMs, step.checkAgainInMs);
  }
  if (waitMs > 0) return { done: false, checkAgainInMs: waitMs };

  // A reconciliation's filtered export, like its paged pass, sees no deleted objects.
  if (shop.syncSince) await sweepDeletions(ctx, shop.id);
  // Collections and their products: paged reads, a catalogue's worth (every collection on a
  // first backfill, what changed since on a reconciliation's; docs/decisions/0069-collections.md).
  await reconcileCollections(ctx, shop.id, shop.syncSince ?? new Date(0));
  await ctx.store.refreshStatistics();
  await ctx.db.shop.update({
    where: { id: shop.id },
    data: {
      syncStatus: "idle",
      backfilledAt: shop.backfilledAt ?? new Date(),
      // Reconciliation picks up whatever changed while the bulk files were made.
      lastReconciledAt: runStart,
    },
  });
  ctx.log.info({ shop: shopDomain }, "backfill complete");
  return { done: true };
}

async function advanceKind(
  ctx: SyncContext,
  shopId: number,
  kind: BulkKind,
  query: string,
  runStart: Date,
): Promise<BackfillStep> {
  const ops = await ctx.db.bulkOperation.findMany({
    where: { shopId, kind, startedAt: { gte: runStart } },
    orderBy: { startedAt: "asc" },
  });
  let op = ops.at(-1);
  if (op?.ingestedAt && op.status === "COMPLETED") return { done: true };
  // Costs the token may not read: skipped (recorded below), the rest of the backfill goes on.
  if (kind === "variants" && op?.ingestedAt && op.errorCode === ACCESS_DENIED) {
    return { done: true };
  }

  if (!op || op.ingestedAt) {
    const failed = ops.filter((o) => o.status !== "COMPLETED").length;
    if (failed >= MAX_FAILED_OPERATIONS) {
      throw new Error(
        `Shopify's bulk export of ${kind} failed ${failed} times (last: ${op?.errorCode ?? op?.status}); retry later`,
      );
    }
    try {
      // Taken before Shopify starts the export: the file's data is at least this new, and
      // its line items carry this instant as their version (OrderLineItem.versionAt).
      const requestedAt = new Date();
      const id = await startBulkQuery(ctx.api, query);
      op = await ctx.db.bulkOperation.create({
        data: { id, shopId, kind, status: "CREATED", startedAt: requestedAt },
      });
      ctx.log.info({ shopId, kind, bulkOperation: id }, "bulk operation started");
    } catch (error) {
      if (error instanceof BulkOperationInProgressError)
        return { done: false, checkAgainInMs: 30_000 };
      if (kind === "variants" && isAccessDenied(error)) {
        await recordCostSync(ctx.db, shopId, COSTS_ACCESS_DENIED);
        return { done: true };
      }
      throw error;
    }
  }

  if (!TERMINAL.has(op.status) || !op.completedAt) {
    const state = await getBulkOperation(ctx.api, op.id);
    op = await ctx.db.bulkOperation.update({
      where: { id: op.id },
      data: {
        status: state.status,
        errorCode: state.errorCode,
        objectCount: state.objectCount,
        rootObjectCount: state.rootObjectCount,
        url: state.url,
        partialDataUrl: state.partialDataUrl,
        completedAt: TERMINAL.has(state.status) ? new Date() : null,
      },
    });
    if (!TERMINAL.has(op.status)) return { done: false, checkAgainInMs: POLL_MS };
    if (op.status === "COMPLETED") {
      await ctx.db.shop.update({
        where: { id: shopId },
        data: { syncTotal: { increment: op.objectCount } },
      });
    }
  }

  if (kind === "variants" && op.status === "FAILED" && op.errorCode === ACCESS_DENIED) {
    await ctx.db.bulkOperation.update({ where: { id: op.id }, data: { ingestedAt: new Date() } });
    await recordCostSync(ctx.db, shopId, COSTS_ACCESS_DENIED);
    ctx.log.warn({ shopId, bulkOperation: op.id }, "unit costs skipped: access denied");
    return { done: true };
  }
  const complete = op.status === "COMPLETED";
  const url = complete ? op.url : op.partialDataUrl;
  if (url) {
    try {
      await ingest(
        ctx,
        shopId,
        kind,
        op.id,
        url,
        op.linesProcessed,
        complete ? op.objectCount : null,
        op.startedAt,
      );
    } catch (error) {
      if (!(error instanceof BulkFileUnavailableError)) throw error;
      // Expired URL (Shopify keeps files a week) or a file that ends early: export again.
      ctx.log.warn(
        { shopId, kind, bulkOperation: op.id, reason: error.message },
        "bulk file unusable; exporting again",
      );
      await ctx.db.bulkOperation.update({
        where: { id: op.id },
        data: {
          status: "UNUSABLE",
          errorCode: error.message.slice(0, 200),
          ingestedAt: new Date(),
        },
      });
      return { done: false, checkAgainInMs: 1 };
    }
  }
  await ctx.db.bulkOperation.update({ where: { id: op.id }, data: { ingestedAt: new Date() } });
  if (kind === "variants" && complete) await recordCostSync(ctx.db, shopId, null);
  if (op.status !== "COMPLETED") {
    ctx.log.warn(
      { shopId, kind, bulkOperation: op.id, errorCode: op.errorCode },
      "bulk operation failed; starting another",
    );
    return { done: false, checkAgainInMs: 1 };
  }
  return { done: true };
}

function parseLine(kind: BulkKind, text: string, lineNumber: number): Record<string, unknown> {
  try {
    const value = parseJsonExact(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new Error("not a JSON object");
    }
    return value as Record<string, unknown>;
  } catch (error) {
    throw new BulkFileError(
      `${kind} bulk file, line ${lineNumber}: ${error instanceof Error ? error.message : error}`,
    );
  }
}

function mapLine<T>(kind: BulkKind, lineNumber: number, map: () => T): T {
  try {
    return map();
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/\s+/g, " ") : String(error);
    throw new BulkFileError(`${kind} bulk file, line ${lineNumber}: ${detail}`);
  }
}

/**
 * Streams one bulk file into the store from line `done + 1`. Line items (children of
 * orders, in any order relative to their parent) are written with the batch they come in,
 * versioned by when the export was requested (`versionAt`): a newer read of their order
 * (a webhook's) is never replaced by the file's. Whether an order was bought on a selling
 * plan is collected from them and flagged once the file is read.
 */
async function ingest(
  ctx: SyncContext,
  shopId: number,
  kind: BulkKind,
  operationId: string,
  url: string,
  done: number,
  /** Lines a complete file has (Shopify's objectCount); null for partial data. */
  expectedLines: number | null,
  /** When the export was requested: the version of its line items. */
  versionAt: Date,
): Promise<void> {
  const subscriptionOrders = new Set<string>();
  let orders: OrderRow[] = [];
  let items: LineItemRow[] = [];
  let customers: CustomerRow[] = [];
  let variants: VariantCostRow[] = [];
  let productTypes: ProductTypeRow[] = [];
  let written = done; // lines handed to the store

  const noteChild = (line: Record<string, unknown>, lineNumber: number) => {
    const item = mapLine(kind, lineNumber, () =>
      lineItemRowFrom(line, parseGid(String(line.__parentId), "Order"), versionAt),
    );
    if (item.subscription) subscriptionOrders.add(String(line.__parentId));
    return item;
  };

  // Batches are written while the next ones are parsed, each with the file's progress in
  // the same transaction; the store applies one file's batches in order (BulkProgress).
  const writes: Promise<void>[] = [];
  const flush = async (lineNumber: number) => {
    const progress = { operationId, fromLine: written, toLine: lineNumber };
    written = lineNumber;
    let write: Promise<void>;
    if (kind === "orders") {
      for (const row of orders) {
        if (subscriptionOrders.has(`gid://shopify/Order/${row.id}`)) row.subscription = true;
      }
      write = ctx.store.upsertOrders(shopId, orders, progress, items);
    } else if (kind === "variants") {
      write = ctx.store.upsertVariantCosts(shopId, variants, progress, productTypes);
    } else {
      write = ctx.store.upsertCustomers(shopId, customers, progress);
    }
    orders = [];
    items = [];
    customers = [];
    variants = [];
    productTypes = [];
    write.catch(() => {}); // handled where it is awaited
    writes.push(write);
    if (writes.length >= WRITES_IN_FLIGHT) await writes.shift();
  };

  let last = done;
  // A line that does not parse is malformed if more lines follow it (fail loudly), or the
  // end of a cut-off file if it is the last one (export again).
  let unparsed: BulkFileError | null = null;
  try {
    await readJsonl(url, {
      fromLine: done + 1,
      onSkipped: (text, lineNumber) => {
        // Resuming: children already read before the crash are only in memory; read them again.
        if (kind === "orders" && text.includes('"__parentId"')) {
          noteChild(parseLine(kind, text, lineNumber), lineNumber);
        }
      },
      // Synchronous except when a batch is full, so most lines cost no promise.
      onLine: (text, lineNumber) => {
        if (unparsed) throw unparsed;
        let line: Record<string, unknown>;
        try {
          line = parseLine(kind, text, lineNumber);
        } catch (error) {
          unparsed = error as BulkFileError;
          return;
        }
        last = lineNumber;
        if ("__parentId" in line) {
          if (kind === "orders") items.push(noteChild(line, lineNumber));
        } else if (kind === "orders") {
          orders.push(mapLine(kind, lineNumber, () => orderRowFrom(line, false)));
        } else if (kind === "variants") {
          variants.push(mapLine(kind, lineNumber, () => variantCostRowFrom(line)));
          // The variant's product type (a line without it, e.g. no product, keeps the stored).
          const type = mapLine(kind, lineNumber, () => productTypeRowFrom(line.product));
          if (type) productTypes.push(type);
        } else {
          customers.push(mapLine(kind, lineNumber, () => customerRowFrom(line)));
        }
        if (orders.length + items.length + customers.length + variants.length >= BATCH_ROWS) {
          return flush(lineNumber);
        }
      },
    });
  } finally {
    // Never leave a write running behind a failure: a retry must not race it.
    await Promise.allSettled(writes);
  }
  if (unparsed && expectedLines !== null) {
    throw new BulkFileUnavailableError(`file cut off: ${(unparsed as BulkFileError).message}`);
  }
  if (expectedLines !== null && last < expectedLines) {
    throw new BulkFileUnavailableError(`file ends at line ${last} of ${expectedLines}`);
  }
  if (last > written) await flush(last);
  for (const write of writes) await write;
  if (subscriptionOrders.size > 0) {
    await ctx.store.markSubscriptionOrders(
      shopId,
      [...subscriptionOrders].map((gid) => parseGid(gid, "Order")),
    );
  }
}
