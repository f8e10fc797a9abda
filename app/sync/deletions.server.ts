/**
 * Deletion sweep: finds orders and customers deleted in Shopify whose delete webhook never
 * arrived (webhooks are not guaranteed, and a queue lost with a Redis restart loses them).
 * Reconciliation by updated_at cannot see them: a deleted object is in no search result.
 *
 * Counting is cheap and listing is not, so the sweep compares counts: Shopify's count of
 * orders processed (customers created) in a time range against the stored count, and splits
 * only ranges whose counts differ, at the stored median, until a range is small enough to
 * list its ids. A stored id Shopify does not list is confirmed deleted by reading it by id
 * (`nodes`, not the search index) before it is tombstoned. With nothing deleted a sweep is
 * one count query per kind; each deletion costs about log2(objects / 50) more.
 */
import type { Database } from "../db.server";
import type { SyncContext } from "./context.server";
import {
  CUSTOMER_IDS,
  CUSTOMERS_IN_RANGE_COUNT,
  EXISTING_NODES,
  ORDER_IDS,
  ORDERS_IN_RANGE_COUNT,
} from "./operations";
import { parseGid } from "./rows";

/** A range with at most this many stored objects is listed (one page) instead of split. */
const LIST_AT_MOST = 50;
/**
 * The sweep's whole range. Open-ended rather than "until now": Shopify's clock is not ours,
 * and recent objects need no special care, since nothing is tombstoned on search results
 * alone (an object the search index has not caught up with is still found by id).
 */
const ALL_TIME: Range = { from: new Date(0), to: new Date("2100-01-01T00:00:00Z") };
/** Count queries one sweep may spend per kind (each costs about 1 point). */
const MAX_COUNT_QUERIES = 4_000;

interface Range {
  from: Date;
  to: Date;
}

interface Kind {
  readonly name: "orders" | "customers";
  /** The search field of the range and its column in the database. */
  readonly field: "processed_at" | "created_at";
  readonly gidType: "Order" | "Customer";
  shopifyCount(query: string): Promise<number>;
  shopifyIds(query: string): Promise<Set<bigint>>;
  storedCount(range: Range): Promise<number>;
  /** The time of the stored object at `rank` (0-based) in the range, oldest first. */
  storedAt(range: Range, rank: number): Promise<Date>;
  /** Stored and not deleted. */
  storedIds(range: Range): Promise<bigint[]>;
  tombstone(id: bigint): Promise<void>;
}

export interface SweepResult {
  orders: number;
  customers: number;
  countQueries: number;
  /** True when a kind ran out of its query budget (the next sweep goes on). */
  incomplete: boolean;
}

/** Whole seconds: Shopify's search compares timestamps to the second. */
const searchTime = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

function rangeQuery(field: string, range: Range): string {
  return `${field}:>='${searchTime(range.from)}' AND ${field}:<'${searchTime(range.to)}'`;
}

async function pagedIds(
  ctx: SyncContext,
  gidType: "Order" | "Customer",
  page: (after: string | null) => Promise<{
    nodes: { id: string }[];
    pageInfo: { hasNextPage: boolean; endCursor?: string | null };
  }>,
): Promise<Set<bigint>> {
  const ids = new Set<bigint>();
  let after: string | null = null;
  do {
    const result = await page(after);
    for (const node of result.nodes) ids.add(parseGid(node.id, gidType));
    after = result.pageInfo.hasNextPage ? (result.pageInfo.endCursor ?? null) : null;
  } while (after);
  return ids;
}

function orderKind(ctx: SyncContext, shopId: number): Kind {
  const db: Database = ctx.db;
  const where = (range: Range) => ({
    shopId,
    deleted: false,
    processedAt: { gte: range.from, lt: range.to },
  });
  return {
    name: "orders",
    field: "processed_at",
    gidType: "Order",
    shopifyCount: async (query) =>
      (await ctx.api.request(ORDERS_IN_RANGE_COUNT, { query })).ordersCount?.count ?? 0,
    shopifyIds: (query) =>
      pagedIds(ctx, "Order", async (after) => {
        const { orders } = await ctx.api.request(ORDER_IDS, { query, after });
        return orders;
      }),
    storedCount: (range) => db.order.count({ where: where(range) }),
    storedAt: async (range, rank) =>
      (
        await db.order.findFirstOrThrow({
          where: where(range),
          orderBy: [{ processedAt: "asc" }, { id: "asc" }],
          skip: rank,
          select: { processedAt: true },
        })
      ).processedAt,
    storedIds: async (range) =>
      (await db.order.findMany({ where: where(range), select: { id: true } })).map((r) => r.id),
    tombstone: (id) => ctx.store.deleteOrder(shopId, id),
  };
}

function customerKind(ctx: SyncContext, shopId: number): Kind {
  const db: Database = ctx.db;
  const where = (range: Range) => ({
    shopId,
    deleted: false,
    createdAt: { gte: range.from, lt: range.to },
  });
  return {
    name: "customers",
    field: "created_at",
    gidType: "Customer",
    shopifyCount: async (query) =>
      (await ctx.api.request(CUSTOMERS_IN_RANGE_COUNT, { query })).customersCount?.count ?? 0,
    shopifyIds: (query) =>
      pagedIds(ctx, "Customer", async (after) => {
        const { customers } = await ctx.api.request(CUSTOMER_IDS, { query, after });
        return customers;
      }),
    storedCount: (range) => db.customer.count({ where: where(range) }),
    storedAt: async (range, rank) =>
      (
        await db.customer.findFirstOrThrow({
          where: where(range),
          orderBy: [{ createdAt: "asc" }, { id: "asc" }],
          skip: rank,
          select: { createdAt: true },
        })
      ).createdAt,
    storedIds: async (range) =>
      (await db.customer.findMany({ where: where(range), select: { id: true } })).map((r) => r.id),
    tombstone: (id) => ctx.store.deleteCustomer(shopId, id),
  };
}

/** Of these ids, the ones Shopify no longer has (read by id, 250 at a time). */
async function confirmedDeleted(
  ctx: SyncContext,
  gidType: "Order" | "Customer",
  ids: bigint[],
): Promise<bigint[]> {
  const deleted: bigint[] = [];
  for (let i = 0; i < ids.length; i += 250) {
    const chunk = ids.slice(i, i + 250);
    const { nodes } = await ctx.api.request(EXISTING_NODES, {
      ids: chunk.map((id) => `gid://shopify/${gidType}/${id}`),
    });
    chunk.forEach((id, index) => {
      if (nodes[index] === null || nodes[index] === undefined) deleted.push(id);
    });
  }
  return deleted;
}

async function sweepKind(ctx: SyncContext, kind: Kind, budget: { left: number }): Promise<number> {
  let tombstoned = 0;
  const pending: Range[] = [ALL_TIME];
  while (pending.length > 0) {
    const range = pending.pop()!;
    if (budget.left <= 0) throw new BudgetExhausted();
    budget.left--;
    const query = rangeQuery(kind.field, range);
    const [shopify, stored] = await Promise.all([
      kind.shopifyCount(query),
      kind.storedCount(range),
    ]);
    // Only a range where Kizuna stores more than Shopify has can hide a deletion worth the
    // listing. Objects not stored yet (reconciliation's part, which runs first) can mask one
    // in the same range; a later sweep finds it once they are stored.
    if (stored <= shopify) continue;
    const span = range.to.getTime() - range.from.getTime();
    if (stored <= LIST_AT_MOST || span <= 1_000) {
      const listed = await kind.shopifyIds(query);
      const missing = (await kind.storedIds(range)).filter((id) => !listed.has(id));
      for (const id of await confirmedDeleted(ctx, kind.gidType, missing)) {
        await kind.tombstone(id);
        tombstoned++;
      }
      continue;
    }
    // Split at the stored median, on a whole second inside the range.
    const median = await kind.storedAt(range, Math.floor(stored / 2));
    let at = Math.floor(median.getTime() / 1_000) * 1_000;
    if (at <= range.from.getTime()) at = range.from.getTime() + 1_000;
    if (at >= range.to.getTime()) at = range.to.getTime() - 1_000;
    const split = new Date(at);
    pending.push({ from: range.from, to: split }, { from: split, to: range.to });
  }
  return tombstoned;
}

class BudgetExhausted extends Error {}

export async function sweepDeletions(ctx: SyncContext, shopId: number): Promise<SweepResult> {
  const result: SweepResult = { orders: 0, customers: 0, countQueries: 0, incomplete: false };
  for (const kind of [orderKind(ctx, shopId), customerKind(ctx, shopId)]) {
    const budget = { left: MAX_COUNT_QUERIES };
    try {
      result[kind.name] = await sweepKind(ctx, kind, budget);
    } catch (error) {
      if (!(error instanceof BudgetExhausted)) throw error;
      result.incomplete = true;
    }
    result.countQueries += MAX_COUNT_QUERIES - budget.left;
  }
  return result;
}
