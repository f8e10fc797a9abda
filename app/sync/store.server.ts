/**
 * The write path of orders, customers and variant costs: one raw, batched upsert per
 * provider, used by backfill, reconciliation and webhooks alike. Prisma's createMany costs ~100 µs a row
 * in the Wasm query compiler (docs/decisions/0001-binary-free-prisma.md); these go
 * through the drivers: a prepared statement in a transaction on SQLite (on a thread of
 * its own), an `INSERT … SELECT unnest(…)` per batch on PostgreSQL.
 *
 * Every write is idempotent and order-independent: a row changes only when Shopify's
 * updatedAt is at least the stored one, and a tombstone (deleted) is never revived. A
 * customer's tags have a version of their own (tagsUpdatedAt): a source without tags (a
 * customers/update webhook) leaves the stored tags as they are, and tags only replace
 * tags at least as new. An order is never linked to a tombstoned (deleted or redacted)
 * customer. A variant's cost follows its inventory item's updatedAt the same way, and a
 * product's type its product's updatedAt.
 *
 * Over 600 lines on purpose: both providers' statements for the same rows stay side by side
 * (their column lists and update rules are shared constants), so they cannot drift apart.
 */
import { Worker } from "node:worker_threads";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { isPostgresUrl, sqliteFilePath } from "../../prisma/database-url.mjs";
import {
  tagsVersion,
  type CustomerRow,
  type LineItemRow,
  type OrderRow,
  type ProductTypeRow,
  type VariantCostRow,
} from "./rows";

/**
 * How far a backfill has written a bulk file, stored in the same transaction as the
 * batch's rows: a crash leaves both or neither. A batch applies only while the stored
 * progress is still `fromLine`, so batches of one file apply in order, exactly once.
 */
export interface BulkProgress {
  operationId: string;
  /** Lines of the file written before this batch. */
  fromLine: number;
  /** Lines of the file written once this batch is. */
  toLine: number;
}

export interface TagsWritten {
  id: bigint;
  /** The stored tags the write was computed from. */
  before: string;
  tags: string;
}

export interface RowStore {
  /**
   * Orders with the line items they carry, and `lineItems` besides (a bulk file's, which
   * come apart from their orders), in one transaction with the bulk progress.
   */
  upsertOrders(
    shopId: number,
    rows: readonly OrderRow[],
    progress?: BulkProgress,
    lineItems?: readonly LineItemRow[],
  ): Promise<void>;
  upsertCustomers(
    shopId: number,
    rows: readonly CustomerRow[],
    progress?: BulkProgress,
  ): Promise<void>;
  /**
   * Variants' unit costs: a row changes only for an inventory item version at least as new
   * as the stored one, and a row without the product keeps the stored product.
   */
  upsertVariantCosts(
    shopId: number,
    rows: readonly VariantCostRow[],
    progress?: BulkProgress,
    /** The products' types the same lines carried (the bulk file's), in the same write. */
    productTypes?: readonly ProductTypeRow[],
  ): Promise<void>;
  /** Products' types: a row changes only for a product version at least as new. */
  upsertProductTypes(shopId: number, rows: readonly ProductTypeRow[]): Promise<void>;
  /** Sets the subscription flag of these orders (bulk files send line items apart). */
  markSubscriptionOrders(shopId: number, orderIds: readonly bigint[]): Promise<void>;
  /** orders/delete: the order stays as a tombstone so a late update cannot revive it. */
  deleteOrder(shopId: number, orderId: bigint): Promise<void>;
  /** customers/delete and customers/redact: a tombstone holding the id and nothing else. */
  deleteCustomer(shopId: number, customerId: bigint): Promise<void>;
  /**
   * Tags Kizuna just wrote to Shopify, for customers whose stored tags are still `before`
   * (a webhook applied meanwhile wins; the webhooks of the write confirm it anyway). The
   * version stays: Kizuna does not know when Shopify applied them.
   */
  setCustomerTags(shopId: number, rows: readonly TagsWritten[]): Promise<void>;
  /**
   * After a backfill wrote a shop's history: the planner's statistics of the tables the
   * compute reads, before that compute runs (autovacuum's analyze comes later, or never
   * where it is off; planned without statistics the load took 2× as long, decision 0066).
   */
  refreshStatistics(): Promise<void>;
  close(): Promise<void>;
}

/** The first-touch columns: written together, only by a row that carries a journey. */
const JOURNEY_COLUMNS = [
  "firstSource",
  "firstSourceType",
  "utmSource",
  "utmMedium",
  "utmCampaign",
  "utmContent",
  "utmTerm",
  "referrerHost",
  "landingPath",
] as const;
/** Columns a row without the field (null) leaves as stored. */
const KEPT_WHEN_NULL = new Set<string>(["channelHandle", "discountCodes"]);
const JOURNEY_KEPT = new Set<string>(["journey", ...JOURNEY_COLUMNS]);
const LINE_ITEM_COLUMNS = [
  "shopId",
  "id",
  "orderId",
  "productId",
  "variantId",
  "quantity",
  "currentQuantity",
  "netMinor",
  "subscription",
  "giftCard",
  "versionAt",
] as const;

/** The stored journey of a row that carries none, else the row's (and so on per column). */
const journeyValues = (row: OrderRow) => {
  const j = row.firstTouch;
  const visit = j?.kind === "visit" ? j : null;
  return {
    journey: j ? j.kind : null,
    firstSource: visit?.source ?? null,
    firstSourceType: visit?.sourceType ?? null,
    utmSource: visit?.utmSource ?? null,
    utmMedium: visit?.utmMedium ?? null,
    utmCampaign: visit?.utmCampaign ?? null,
    utmContent: visit?.utmContent ?? null,
    utmTerm: visit?.utmTerm ?? null,
    referrerHost: visit?.referrerHost ?? null,
    landingPath: visit?.landingPath ?? null,
  };
};
const discountCodesText = (row: OrderRow) =>
  row.discountCodeList ? JSON.stringify(row.discountCodeList) : null;

/** Every line item of a write: those the orders carry, then the separate ones. */
const lineItemsOf = (rows: readonly OrderRow[], extra: readonly LineItemRow[] = []) => {
  const items = rows.flatMap((r) => r.lineItems ?? []);
  return extra.length === 0 ? items : items.concat(extra);
};

/** The newest version of each line item (PostgreSQL updates a row once per statement). */
function newestLineItems(items: readonly LineItemRow[]): LineItemRow[] {
  const byId = new Map<bigint, LineItemRow>();
  for (const item of items) {
    const seen = byId.get(item.id);
    if (!seen || item.versionAt >= seen.versionAt) byId.set(item.id, item);
  }
  return [...byId.values()];
}

const ORDER_COLUMNS = [
  "shopId",
  "id",
  "customerId",
  "processedAt",
  "cancelledAt",
  "test",
  "grossMinor",
  "refundedMinor",
  "netMinor",
  "itemQuantity",
  "sourceName",
  "subscription",
  "shopifyUpdatedAt",
  "channelHandle",
  "discountCodes",
  "journey",
  ...JOURNEY_COLUMNS,
] as const;
const VARIANT_COST_COLUMNS = [
  "shopId",
  "variantId",
  "productId",
  "inventoryItemId",
  "unitCostMinor",
  "currency",
  "shopifyUpdatedAt",
] as const;
const VARIANT_COST_UPDATE = `ON CONFLICT ("shopId", "variantId") DO UPDATE SET
  "productId" = COALESCE(excluded."productId", "VariantCost"."productId"),
  "inventoryItemId" = excluded."inventoryItemId", "unitCostMinor" = excluded."unitCostMinor",
  "currency" = excluded."currency", "shopifyUpdatedAt" = excluded."shopifyUpdatedAt"
  WHERE excluded."shopifyUpdatedAt" >= "VariantCost"."shopifyUpdatedAt"`;

const PRODUCT_TYPE_COLUMNS = ["shopId", "productId", "productType", "shopifyUpdatedAt"] as const;
const PRODUCT_TYPE_UPDATE = `ON CONFLICT ("shopId", "productId") DO UPDATE SET
  "productType" = excluded."productType", "shopifyUpdatedAt" = excluded."shopifyUpdatedAt"
  WHERE excluded."shopifyUpdatedAt" >= "ProductType"."shopifyUpdatedAt"`;

/** The newest read of each product (a bulk batch repeats a product on each variant). */
function newestProductTypes(rows: readonly ProductTypeRow[]): ProductTypeRow[] {
  const byId = new Map<bigint, ProductTypeRow>();
  for (const row of rows) {
    const seen = byId.get(row.productId);
    if (!seen || row.shopifyUpdatedAt >= seen.shopifyUpdatedAt) byId.set(row.productId, row);
  }
  return [...byId.values()];
}

/** The newest read of each variant (PostgreSQL updates a row once per statement). */
function newestVariantCosts(rows: readonly VariantCostRow[]): VariantCostRow[] {
  const byId = new Map<bigint, VariantCostRow>();
  for (const row of rows) {
    const seen = byId.get(row.variantId);
    if (!seen || row.shopifyUpdatedAt >= seen.shopifyUpdatedAt) byId.set(row.variantId, row);
  }
  return [...byId.values()];
}

const CUSTOMER_COLUMNS = [
  "shopId",
  "id",
  "createdAt",
  "shopifyUpdatedAt",
  "tags",
  "tagsUpdatedAt",
] as const;

const quoted = (columns: readonly string[]) => columns.map((c) => `"${c}"`).join(", ");
/** `"x" = excluded."x"` for every column but the key. */
const updates = (columns: readonly string[]) =>
  columns
    .filter((c) => c !== "shopId" && c !== "id")
    .map((c) => `"${c}" = excluded."${c}"`)
    .join(", ");
/**
 * The order upsert's SET: every column from the row, except that a row without the channel
 * or discount codes keeps the stored ones, and a row without a journey keeps the stored
 * first touch.
 */
const orderUpdates = () =>
  ORDER_COLUMNS.filter((c) => c !== "shopId" && c !== "id")
    .map((c) =>
      KEPT_WHEN_NULL.has(c)
        ? `"${c}" = COALESCE(excluded."${c}", "Order"."${c}")`
        : JOURNEY_KEPT.has(c)
          ? `"${c}" = CASE WHEN excluded."journey" IS NULL THEN "Order"."${c}" ELSE excluded."${c}" END`
          : `"${c}" = excluded."${c}"`,
    )
    .join(", ");
/** A line item changes only for a version at least as new as the stored one. */
const LINE_ITEM_UPDATE = `ON CONFLICT ("shopId", "id") DO UPDATE SET ${updates(LINE_ITEM_COLUMNS)}
  WHERE excluded."versionAt" >= "OrderLineItem"."versionAt"`;
const newerOnly = (table: string, falseValue: string) =>
  `WHERE "${table}"."deleted" = ${falseValue} AND excluded."shopifyUpdatedAt" >= "${table}"."shopifyUpdatedAt"`;

/**
 * The customer upsert's update: dates when the row is at least as new, tags when they come
 * with a version at least as new as the stored one (or the stored tags are not known yet),
 * never a tombstone. A row without tags (tagsUpdatedAt null) keeps the stored tags.
 */
const customerUpdate = (falseValue: string) => {
  const stored = (c: string) => `"Customer"."${c}"`;
  const newer = `excluded."shopifyUpdatedAt" >= ${stored("shopifyUpdatedAt")}`;
  const tagsNewer = `excluded."tagsUpdatedAt" IS NOT NULL AND (${stored("tagsUpdatedAt")} IS NULL OR excluded."tagsUpdatedAt" >= ${stored("tagsUpdatedAt")})`;
  const when = (condition: string, c: string) =>
    `"${c}" = CASE WHEN ${condition} THEN excluded."${c}" ELSE ${stored(c)} END`;
  return `ON CONFLICT ("shopId", "id") DO UPDATE SET ${when(newer, "createdAt")}, ${when(newer, "shopifyUpdatedAt")},
    ${when(tagsNewer, "tags")}, ${when(tagsNewer, "tagsUpdatedAt")}
    WHERE ${stored("deleted")} = ${falseValue}`;
};

/** What a customer tombstone keeps besides its key: nothing (the new row holds epoch dates). */
const CUSTOMER_TOMBSTONE_UPDATE = `"tags" = '', "tagsUpdatedAt" = NULL, "createdAt" = excluded."createdAt", "shopifyUpdatedAt" = excluded."shopifyUpdatedAt"`;

/** An order row's customer, unless a tombstone: `null` when `exists` finds it deleted. */
const linkedCustomer = (exists: string, customerId: string) =>
  `CASE WHEN EXISTS (${exists}) THEN NULL ELSE ${customerId} END`;

/** Keeps the newest version of each id: a batch may carry the same object twice. */
function newestById<T extends { id: bigint; shopifyUpdatedAt: Date }>(rows: readonly T[]): T[] {
  const byId = new Map<bigint, T>();
  for (const row of rows) {
    const seen = byId.get(row.id);
    if (!seen || row.shopifyUpdatedAt >= seen.shopifyUpdatedAt) byId.set(row.id, row);
  }
  return [...byId.values()];
}

/** One row per customer: the newest dates and, apart from them, the newest tags. */
function mergedCustomers(rows: readonly CustomerRow[]): CustomerRow[] {
  const newestTags = new Map<bigint, { tags: string; at: Date }>();
  for (const row of rows) {
    const at = tagsVersion(row);
    const seen = newestTags.get(row.id);
    if (at && (!seen || at >= seen.at)) newestTags.set(row.id, { tags: row.tags, at });
  }
  return newestById(rows).map((row) => {
    const tagged = newestTags.get(row.id);
    return { ...row, tags: tagged?.tags ?? "", tagsUpdatedAt: tagged?.at ?? null };
  });
}

// ---------------------------------------------------------------- SQLite

/** A batch column as the writing thread reads it (see ./sqlite-writer.mjs). */
type Column =
  | { kind: "const"; value: number | string | null }
  | { kind: "bigint"; values: BigInt64Array<ArrayBuffer>; nulls: Uint8Array<ArrayBuffer> | null }
  | { kind: "number" | "date"; values: Float64Array<ArrayBuffer> }
  | { kind: "text"; values: (string | null)[] };

// Plain loops: a backfill builds about 40 columns of 50,000 rows a batch, and with
// Float64Array.from's iterator and forEach this took 1.1 s of CPU for 308k bulk lines
// (0.4 s now).
const constant = (value: number | string | null): Column => ({ kind: "const", value });
function bigints<T>(rows: readonly T[], get: (row: T) => bigint | null): Column {
  const values = new BigInt64Array(rows.length);
  let nulls: Uint8Array<ArrayBuffer> | null = null;
  for (let i = 0; i < rows.length; i++) {
    const value = get(rows[i]!);
    if (value === null) (nulls ??= new Uint8Array(rows.length))[i] = 1;
    else values[i] = value;
  }
  return { kind: "bigint", values, nulls };
}
function numbers<T>(rows: readonly T[], get: (row: T) => number | boolean | null): Column {
  const values = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) values[i] = Number(get(rows[i]!) ?? NaN);
  return { kind: "number", values };
}
function dates<T>(rows: readonly T[], get: (row: T) => Date | null): Column {
  const values = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) values[i] = get(rows[i]!)?.getTime() ?? NaN;
  return { kind: "date", values };
}
function texts<T>(rows: readonly T[], get: (row: T) => string | null): Column {
  return { kind: "text", values: rows.map(get) };
}

/** One statement run for every row of its columns (see ./sqlite-writer.mjs). */
interface Step {
  statement: string;
  length: number;
  columns: Column[];
  /** Fail the write, with this message, unless each row changed exactly one row. */
  changesEach?: string;
  /** Run the rows in the order of this bigint column: the table's key (see the writer). */
  keyColumn?: number;
}

type Request = { resolve: () => void; reject: (error: Error) => void };
type Reply = { id: number; error?: { name: string; message: string; code?: string } };

/**
 * The SQLite store writes on its own thread (./sqlite-writer.mjs): better-sqlite3 blocks
 * while a transaction runs, and a backfill parses its next batches meanwhile. One thread
 * per store, started on the first write and again after it dies; it holds the process
 * open only while a write is pending. Writes are applied in the order they are made.
 */
function sqliteWriter(file: string, statements: Record<string, string>) {
  let current: { thread: Worker; pending: Map<number, Request> } | null = null;
  let nextId = 0;
  const start = () => {
    const thread = new Worker(new URL("./sqlite-writer.mjs", import.meta.url), {
      workerData: { file, statements },
    });
    const pending = new Map<number, Request>();
    const failAll = (error: Error) => {
      for (const request of pending.values()) request.reject(error);
      pending.clear();
    };
    thread.unref();
    thread.on("message", (reply: Reply) => {
      const request = pending.get(reply.id);
      pending.delete(reply.id);
      if (pending.size === 0) thread.unref();
      if (!reply.error) return request?.resolve();
      request?.reject(Object.assign(new Error(reply.error.message), reply.error));
    });
    thread.on("error", failAll);
    thread.on("exit", (code) => {
      if (current?.thread === thread) current = null;
      failAll(new Error(`SQLite writing thread exited (code ${code})`));
    });
    return { thread, pending };
  };
  return {
    /** Runs the steps in one transaction; resolves once they are committed. */
    write(steps: Step[]): Promise<void> {
      if (steps.every((step) => step.length === 0)) return Promise.resolve();
      current ??= start();
      const { thread, pending } = current;
      const id = nextId++;
      const transfer = steps.flatMap((step) =>
        step.columns.flatMap((c) =>
          c.kind === "bigint"
            ? [c.values.buffer, ...(c.nulls ? [c.nulls.buffer] : [])]
            : c.kind === "number" || c.kind === "date"
              ? [c.values.buffer]
              : [],
        ),
      );
      const done = new Promise<void>((resolve, reject) => pending.set(id, { resolve, reject }));
      if (pending.size === 1) thread.ref();
      thread.postMessage({ id, steps }, transfer);
      return done;
    },
    async close() {
      if (!current) return;
      const { thread } = current;
      current = null;
      thread.ref();
      const exited = new Promise((resolve) => thread.once("exit", resolve));
      thread.postMessage({ type: "close" }); // after every write already sent
      await exited;
    },
  };
}

const EPOCH = new Date(0);
const BULK_PROGRESS = `UPDATE "BulkOperation" SET "linesProcessed" = ? WHERE "id" = ? AND "linesProcessed" = ?`;
const SHOP_SYNC_DONE = `UPDATE "Shop" SET "syncDone" = "syncDone" + ?, "updatedAt" = ? WHERE "id" = ?`;

/** The message when a bulk file's progress is not where a batch expects it. */
const progressConflict = (p: BulkProgress) =>
  `bulk operation ${p.operationId}: its progress is no longer at line ${p.fromLine} (another run wrote it, or an earlier batch failed)`;

function createSqliteStore(url: string): RowStore {
  const conflict = `ON CONFLICT ("shopId", "id")`;
  const writer = sqliteWriter(sqliteFilePath(url), {
    // The customer link is checked against tombstones in the statement itself, which
    // takes the shop and customer ids twice (better-sqlite3 binds no numbered parameters;
    // an INSERT … SELECT from a CTE of the row cost a backfill half its speed).
    upsertOrder: `INSERT INTO "Order" (${quoted(ORDER_COLUMNS)}) VALUES (${ORDER_COLUMNS.map((c) =>
      c === "customerId"
        ? linkedCustomer(
            `SELECT 1 FROM "Customer" t WHERE t."shopId" = ? AND t."id" = ? AND t."deleted" = 1`,
            "?",
          )
        : "?",
    ).join(", ")})
      ${conflict} DO UPDATE SET ${orderUpdates()} ${newerOnly("Order", "0")}`,
    // A plain VALUES upsert: an INSERT … SELECT (which could skip the line items of a
    // tombstone row by row) makes SQLite keep a statement journal of every page it touches,
    // which cost a backfill's writing thread a third of its line item time.
    upsertLineItem: `INSERT INTO "OrderLineItem" (${quoted(LINE_ITEM_COLUMNS)})
      VALUES (${LINE_ITEM_COLUMNS.map(() => "?").join(", ")}) ${LINE_ITEM_UPDATE}`,
    // Then, in the same transaction, those of orders that are tombstones (their line items
    // went with them) are taken out again: one statement for the write's orders (a JSON
    // array of ids), which looks each up by key (CROSS JOIN keeps that order: the planner
    // would rather scan the shop's orders).
    dropTombstonedLineItems: `DELETE FROM "OrderLineItem" WHERE "shopId" = ? AND "orderId" IN (
      SELECT o."id" FROM json_each(?) AS j CROSS JOIN "Order" AS o ON o."shopId" = ? AND o."id" = j."value"
      WHERE o."deleted" = 1)`,
    deleteLineItems: `DELETE FROM "OrderLineItem" WHERE "shopId" = ? AND "orderId" = ?`,
    upsertCustomer: `INSERT INTO "Customer" (${quoted(CUSTOMER_COLUMNS)}) VALUES (?, ?, ?, ?, COALESCE(?, ''), ?)
      ${customerUpdate("0")}`,
    upsertVariantCost: `INSERT INTO "VariantCost" (${quoted(VARIANT_COST_COLUMNS)})
      VALUES (${VARIANT_COST_COLUMNS.map(() => "?").join(", ")}) ${VARIANT_COST_UPDATE}`,
    upsertProductType: `INSERT INTO "ProductType" (${quoted(PRODUCT_TYPE_COLUMNS)})
      VALUES (${PRODUCT_TYPE_COLUMNS.map(() => "?").join(", ")}) ${PRODUCT_TYPE_UPDATE}`,
    markSubscription: `UPDATE "Order" SET "subscription" = 1 WHERE "shopId" = ? AND "id" = ?`,
    orderTombstone: `INSERT INTO "Order" ("shopId", "id", "processedAt", "grossMinor", "netMinor", "shopifyUpdatedAt", "deleted")
      VALUES (?, ?, ?, 0, 0, ?, 1) ${conflict} DO UPDATE SET "deleted" = 1`,
    customerTombstone: `INSERT INTO "Customer" ("shopId", "id", "createdAt", "shopifyUpdatedAt", "tags", "tagsUpdatedAt", "deleted")
      VALUES (?, ?, ?, ?, '', NULL, 1) ${conflict} DO UPDATE SET "deleted" = 1, ${CUSTOMER_TOMBSTONE_UPDATE}`,
    setTags: `UPDATE "Customer" SET "tags" = ? WHERE "shopId" = ? AND "id" = ? AND "tags" = ? AND "deleted" = 0`,
    bulkProgress: BULK_PROGRESS,
    shopSyncDone: SHOP_SYNC_DONE,
  });
  const tombstone = (statement: string, shopId: number, id: bigint, ...more: Step[]) =>
    writer.write([
      ...more,
      {
        statement,
        length: 1,
        columns: [
          constant(shopId),
          bigints([id], (i) => i),
          dates([EPOCH], (d) => d),
          dates([EPOCH], (d) => d),
        ],
      },
    ]);
  const productTypeSteps = (shopId: number, input: readonly ProductTypeRow[]): Step[] => {
    const rows = newestProductTypes(input);
    return rows.length === 0
      ? []
      : [
          {
            statement: "upsertProductType",
            keyColumn: 1,
            length: rows.length,
            columns: [
              constant(shopId),
              bigints(rows, (r) => r.productId),
              texts(rows, (r) => r.productType),
              dates(rows, (r) => r.shopifyUpdatedAt),
            ],
          },
        ];
  };
  const progressSteps = (shopId: number, progress: BulkProgress | undefined): Step[] =>
    progress
      ? [
          {
            statement: "bulkProgress",
            length: 1,
            columns: [
              constant(progress.toLine),
              constant(progress.operationId),
              constant(progress.fromLine),
            ],
            changesEach: progressConflict(progress),
          },
          {
            statement: "shopSyncDone",
            length: 1,
            columns: [
              constant(progress.toLine - progress.fromLine),
              dates([new Date()], (d) => d),
              constant(shopId),
            ],
          },
        ]
      : [];

  const journeyColumns = (journeys: ReturnType<typeof journeyValues>[]) =>
    (["journey", ...JOURNEY_COLUMNS] as const).map((c) => texts(journeys, (v) => v[c]));
  /** The line items of a write, and then out again those of tombstoned orders. */
  const lineItemSteps = (shopId: number, items: readonly LineItemRow[]): Step[] => {
    const orderIds = new Set<bigint>();
    for (const item of items) orderIds.add(item.orderId);
    return [
      {
        statement: "upsertLineItem",
        keyColumn: 1,
        length: items.length,
        columns: [
          constant(shopId),
          bigints(items, (r) => r.id),
          bigints(items, (r) => r.orderId),
          bigints(items, (r) => r.productId),
          bigints(items, (r) => r.variantId),
          numbers(items, (r) => r.quantity),
          numbers(items, (r) => r.currentQuantity),
          bigints(items, (r) => r.netMinor),
          numbers(items, (r) => r.subscription),
          numbers(items, (r) => r.giftCard),
          dates(items, (r) => r.versionAt),
        ],
      },
      {
        statement: "dropTombstonedLineItems",
        length: items.length === 0 ? 0 : 1,
        // Ids are exact in JSON text: SQLite reads integer literals as 64-bit integers.
        columns: [constant(shopId), constant(`[${[...orderIds].join(",")}]`), constant(shopId)],
      },
    ];
  };
  return {
    upsertOrders: (shopId, rows, progress, extraItems) =>
      writer.write([
        {
          statement: "upsertOrder",
          keyColumn: 1,
          length: rows.length,
          columns: [
            constant(shopId),
            bigints(rows, (r) => r.id),
            // The tombstone check's shop and customer, then the customer itself.
            constant(shopId),
            bigints(rows, (r) => r.customerId),
            bigints(rows, (r) => r.customerId),
            dates(rows, (r) => r.processedAt),
            dates(rows, (r) => r.cancelledAt),
            numbers(rows, (r) => r.test),
            bigints(rows, (r) => r.grossMinor),
            bigints(rows, (r) => r.refundedMinor),
            bigints(rows, (r) => r.netMinor),
            numbers(rows, (r) => r.itemQuantity),
            texts(rows, (r) => r.sourceName),
            numbers(rows, (r) => r.subscription),
            dates(rows, (r) => r.shopifyUpdatedAt),
            texts(rows, (r) => r.channelHandle ?? null),
            texts(rows, discountCodesText),
            ...journeyColumns(rows.map(journeyValues)),
          ],
        },
        ...lineItemSteps(shopId, lineItemsOf(rows, extraItems)),
        ...progressSteps(shopId, progress),
      ]),
    upsertCustomers: (shopId, rows, progress) =>
      writer.write([
        {
          statement: "upsertCustomer",
          keyColumn: 1,
          length: rows.length,
          columns: [
            constant(shopId),
            bigints(rows, (r) => r.id),
            dates(rows, (r) => r.createdAt),
            dates(rows, (r) => r.shopifyUpdatedAt),
            texts(rows, (r) => (tagsVersion(r) === null ? null : r.tags)),
            dates(rows, tagsVersion),
          ],
        },
        ...progressSteps(shopId, progress),
      ]),
    upsertVariantCosts: (shopId, rows, progress, productTypes = []) =>
      writer.write([
        {
          statement: "upsertVariantCost",
          keyColumn: 1,
          length: rows.length,
          columns: [
            constant(shopId),
            bigints(rows, (r) => r.variantId),
            bigints(rows, (r) => r.productId),
            bigints(rows, (r) => r.inventoryItemId),
            bigints(rows, (r) => r.unitCostMinor),
            texts(rows, (r) => r.currency),
            dates(rows, (r) => r.shopifyUpdatedAt),
          ],
        },
        ...productTypeSteps(shopId, productTypes),
        ...progressSteps(shopId, progress),
      ]),
    upsertProductTypes: (shopId, rows) => {
      const steps = productTypeSteps(shopId, rows);
      return steps.length === 0 ? Promise.resolve() : writer.write(steps);
    },
    markSubscriptionOrders: (shopId, ids) =>
      writer.write([
        {
          statement: "markSubscription",
          length: ids.length,
          columns: [constant(shopId), bigints(ids, (id) => id)],
        },
      ]),
    deleteOrder: (shopId, id) =>
      tombstone("orderTombstone", shopId, id, {
        statement: "deleteLineItems",
        length: 1,
        columns: [constant(shopId), bigints([id], (i) => i)],
      }),
    deleteCustomer: (shopId, id) => tombstone("customerTombstone", shopId, id),
    setCustomerTags: (shopId, rows) =>
      writer.write([
        {
          statement: "setTags",
          length: rows.length,
          columns: [
            texts(rows, (r) => r.tags),
            constant(shopId),
            bigints(rows, (r) => r.id),
            texts(rows, (r) => r.before),
          ],
        },
      ]),
    // The SQLite load reads through its indexes whatever the statistics say (decision
    // 0066), and ANALYZE of a 4M-order table costs seconds: nothing to do.
    refreshStatistics: async () => {},
    close: () => writer.close(),
  };
}

// ---------------------------------------------------------------- PostgreSQL

/** `?` placeholders as PostgreSQL's `$1, $2, …`. */
const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

/** Prisma maps DateTime to timestamp(3) without time zone, holding UTC. */
const pgDate = (d: Date) => d.toISOString().slice(0, 23).replace("T", " ");

function createPostgresStore(url: string): RowStore {
  const pool = new pg.Pool({ ...parseIntoClientConfig(url), max: 4 });
  pool.on("error", () => {}); // idle-client errors surface on the next query

  const orderTypes = [
    "int",
    "bigint",
    "bigint",
    "timestamp(3)",
    "timestamp(3)",
    "boolean",
    "bigint",
    "bigint",
    "bigint",
    "int",
    "text",
    "boolean",
    "timestamp(3)",
    ...Array<string>(2 + 1 + JOURNEY_COLUMNS.length).fill("text"),
  ];
  const upsertLineItemsSql = `INSERT INTO "OrderLineItem" (${quoted(LINE_ITEM_COLUMNS)})
    SELECT v.* FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::int[], $7::int[],
      $8::bigint[], $9::boolean[], $10::boolean[], $11::timestamp(3)[]) AS v(${quoted(LINE_ITEM_COLUMNS)})
    WHERE NOT EXISTS (SELECT 1 FROM "Order" o WHERE o."shopId" = v."shopId" AND o."id" = v."orderId" AND o."deleted")
    ${LINE_ITEM_UPDATE.replaceAll("excluded.", "EXCLUDED.")}`;
  const lineItemParams = (shopId: number, input: readonly LineItemRow[]) => {
    const items = newestLineItems(input);
    return items.length === 0
      ? null
      : [
          items.map(() => shopId),
          items.map((r) => r.id.toString()),
          items.map((r) => r.orderId.toString()),
          items.map((r) => r.productId?.toString() ?? null),
          items.map((r) => r.variantId?.toString() ?? null),
          items.map((r) => r.quantity),
          items.map((r) => r.currentQuantity),
          items.map((r) => r.netMinor.toString()),
          items.map((r) => r.subscription),
          items.map((r) => r.giftCard),
          items.map((r) => pgDate(r.versionAt)),
        ];
  };
  const upsertOrdersSql = `INSERT INTO "Order" (${quoted(ORDER_COLUMNS)})
    SELECT ${ORDER_COLUMNS.map((c) =>
      c === "customerId"
        ? linkedCustomer(
            `SELECT 1 FROM "Customer" t WHERE t."shopId" = v."shopId" AND t."id" = v."customerId" AND t."deleted"`,
            `v."customerId"`,
          )
        : `v."${c}"`,
    ).join(", ")}
    FROM unnest(${orderTypes.map((t, i) => `$${i + 1}::${t}[]`).join(", ")}) AS v(${quoted(ORDER_COLUMNS)})
    ON CONFLICT ("shopId", "id") DO UPDATE SET ${orderUpdates().replaceAll("excluded.", "EXCLUDED.")}
    ${newerOnly("Order", "false").replace("excluded.", "EXCLUDED.")}`;
  const upsertCustomersSql = `INSERT INTO "Customer" (${quoted(CUSTOMER_COLUMNS)})
    SELECT s, i, c, u, COALESCE(t, ''), tu
    FROM unnest($1::int[], $2::bigint[], $3::timestamp(3)[], $4::timestamp(3)[], $5::text[], $6::timestamp(3)[]) AS v(s, i, c, u, t, tu)
    ${customerUpdate("false")}`;

  const upsertVariantCostsSql = `INSERT INTO "VariantCost" (${quoted(VARIANT_COST_COLUMNS)})
    SELECT * FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[],
      $7::timestamp(3)[]) ${VARIANT_COST_UPDATE.replaceAll("excluded.", "EXCLUDED.")}`;
  const upsertProductTypesSql = `INSERT INTO "ProductType" (${quoted(PRODUCT_TYPE_COLUMNS)})
    SELECT * FROM unnest($1::int[], $2::bigint[], $3::text[], $4::timestamp(3)[])
    ${PRODUCT_TYPE_UPDATE.replaceAll("excluded.", "EXCLUDED.")}`;
  const productTypeParams = (shopId: number, input: readonly ProductTypeRow[]) => {
    const rows = newestProductTypes(input);
    return rows.length === 0
      ? null
      : [
          rows.map(() => shopId),
          rows.map((r) => r.productId.toString()),
          rows.map((r) => r.productType),
          rows.map((r) => pgDate(r.shopifyUpdatedAt)),
        ];
  };

  const inTransaction = async (work: (client: pg.PoolClient) => Promise<void>) => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await work(client);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  };
  const bulkProgressSql = numbered(BULK_PROGRESS);
  const shopSyncDoneSql = numbered(SHOP_SYNC_DONE);
  /** A bulk file's batches, one after another in the order they were made. */
  const progressChains = new Map<string, Promise<void>>();
  /** `paramsOf` runs when the write's turn comes: waiting batches hold only their rows. */
  const upsert = (
    shopId: number,
    sql: string,
    paramsOf: () => unknown[] | null,
    progress?: BulkProgress,
    /** A second statement of the same write (line items after their orders). */
    then?: { sql: string; paramsOf: () => unknown[] | null },
  ) => {
    if (!progress) {
      const params = paramsOf();
      const thenParams = then?.paramsOf() ?? null;
      if (!thenParams) {
        return params ? pool.query(sql, params).then(() => {}) : Promise.resolve();
      }
      return inTransaction(async (client) => {
        if (params) await client.query(sql, params);
        await client.query(then!.sql, thenParams);
      });
    }
    const { operationId } = progress;
    const previous = progressChains.get(operationId) ?? Promise.resolve();
    const next = previous
      .catch(() => {}) // the progress check fails this batch in turn
      .then(() =>
        inTransaction(async (client) => {
          const params = paramsOf();
          if (params) await client.query(sql, params);
          const thenParams = then?.paramsOf() ?? null;
          if (thenParams) await client.query(then!.sql, thenParams);
          const { rowCount } = await client.query(bulkProgressSql, [
            progress.toLine,
            operationId,
            progress.fromLine,
          ]);
          if (rowCount !== 1) throw new Error(progressConflict(progress));
          await client.query(shopSyncDoneSql, [
            progress.toLine - progress.fromLine,
            pgDate(new Date()),
            shopId,
          ]);
        }),
      );
    progressChains.set(operationId, next);
    const forget = () => {
      if (progressChains.get(operationId) === next) progressChains.delete(operationId);
    };
    next.then(forget, forget);
    return next;
  };

  return {
    upsertOrders(shopId, input, progress, extraItems) {
      const params = () => {
        const rows = newestById(input);
        journeys = rows.map(journeyValues);
        return rows.length === 0
          ? null
          : [
              rows.map(() => shopId),
              rows.map((r) => r.id.toString()),
              rows.map((r) => r.customerId?.toString() ?? null),
              rows.map((r) => pgDate(r.processedAt)),
              rows.map((r) => (r.cancelledAt ? pgDate(r.cancelledAt) : null)),
              rows.map((r) => r.test),
              rows.map((r) => r.grossMinor.toString()),
              rows.map((r) => r.refundedMinor.toString()),
              rows.map((r) => r.netMinor.toString()),
              rows.map((r) => r.itemQuantity),
              rows.map((r) => r.sourceName),
              rows.map((r) => r.subscription),
              rows.map((r) => pgDate(r.shopifyUpdatedAt)),
              rows.map((r) => r.channelHandle ?? null),
              rows.map(discountCodesText),
              ...(["journey", ...JOURNEY_COLUMNS] as const).map((c) => journeys.map((j) => j[c])),
            ];
      };
      let journeys: ReturnType<typeof journeyValues>[] = [];
      return upsert(shopId, upsertOrdersSql, params, progress, {
        sql: upsertLineItemsSql,
        paramsOf: () => lineItemParams(shopId, lineItemsOf(input, extraItems)),
      });
    },
    upsertCustomers(shopId, input, progress) {
      const params = () => {
        const rows = mergedCustomers(input);
        return rows.length === 0
          ? null
          : [
              rows.map(() => shopId),
              rows.map((r) => r.id.toString()),
              rows.map((r) => pgDate(r.createdAt)),
              rows.map((r) => pgDate(r.shopifyUpdatedAt)),
              rows.map((r) => (r.tagsUpdatedAt === null ? null : r.tags)),
              rows.map((r) => (r.tagsUpdatedAt ? pgDate(r.tagsUpdatedAt) : null)),
            ];
      };
      return upsert(shopId, upsertCustomersSql, params, progress);
    },
    upsertVariantCosts(shopId, input, progress, productTypes = []) {
      const params = () => {
        const rows = newestVariantCosts(input);
        return rows.length === 0
          ? null
          : [
              rows.map(() => shopId),
              rows.map((r) => r.variantId.toString()),
              rows.map((r) => r.productId?.toString() ?? null),
              rows.map((r) => r.inventoryItemId.toString()),
              rows.map((r) => r.unitCostMinor?.toString() ?? null),
              rows.map((r) => r.currency),
              rows.map((r) => pgDate(r.shopifyUpdatedAt)),
            ];
      };
      return upsert(shopId, upsertVariantCostsSql, params, progress, {
        sql: upsertProductTypesSql,
        paramsOf: () => productTypeParams(shopId, productTypes),
      });
    },
    upsertProductTypes(shopId, input) {
      return upsert(shopId, upsertProductTypesSql, () => productTypeParams(shopId, input));
    },
    async markSubscriptionOrders(shopId, ids) {
      if (ids.length === 0) return;
      await pool.query(
        `UPDATE "Order" SET "subscription" = true WHERE "shopId" = $1 AND "id" = ANY($2::bigint[])`,
        [shopId, ids.map(String)],
      );
    },
    async deleteOrder(shopId, id) {
      await pool.query(`DELETE FROM "OrderLineItem" WHERE "shopId" = $1 AND "orderId" = $2`, [
        shopId,
        id.toString(),
      ]);
      await pool.query(
        `INSERT INTO "Order" ("shopId", "id", "processedAt", "grossMinor", "netMinor", "shopifyUpdatedAt", "deleted")
         VALUES ($1, $2, $3, 0, 0, $3, true) ON CONFLICT ("shopId", "id") DO UPDATE SET "deleted" = true`,
        [shopId, id.toString(), pgDate(EPOCH)],
      );
    },
    async deleteCustomer(shopId, id) {
      await pool.query(
        `INSERT INTO "Customer" ("shopId", "id", "createdAt", "shopifyUpdatedAt", "tags", "tagsUpdatedAt", "deleted")
         VALUES ($1, $2, $3, $3, '', NULL, true)
         ON CONFLICT ("shopId", "id") DO UPDATE SET "deleted" = true, ${CUSTOMER_TOMBSTONE_UPDATE}`,
        [shopId, id.toString(), pgDate(EPOCH)],
      );
    },
    async setCustomerTags(shopId, rows) {
      if (rows.length === 0) return;
      await pool.query(
        `UPDATE "Customer" AS c SET "tags" = u.tags
         FROM unnest($2::bigint[], $3::text[], $4::text[]) AS u(id, tags, before)
         WHERE c."shopId" = $1 AND c."id" = u.id AND c."tags" = u.before AND NOT c."deleted"`,
        [
          shopId,
          rows.map((r) => r.id.toString()),
          rows.map((r) => r.tags),
          rows.map((r) => r.before),
        ],
      );
    },
    async refreshStatistics() {
      await pool.query(`ANALYZE "Order", "OrderLineItem", "Customer"`);
    },
    async close() {
      await pool.end();
    },
  };
}

export function createRowStore(url: string): RowStore {
  return isPostgresUrl(url) ? createPostgresStore(url) : createSqliteStore(url);
}
