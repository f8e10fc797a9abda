/**
 * A customer's tags when a source does not say them. Since Admin API 2025-01 customer
 * webhooks carry no tags; tag changes arrive as customer.tags_added / customer.tags_removed
 * events, each naming the tags it changed and when (occurredAt).
 *
 * The stored tags have a version, Customer.tagsUpdatedAt: when they were last Shopify's.
 * A tag event newer than that version is applied to the stored tags as it stands (adding a
 * tag that is there, or removing one that is not, changes nothing: a replay is harmless).
 * An event that is not newer is late: a newer change is already applied and the event
 * cannot be placed before it (a late tags_removed must not take off a tag added again
 * since), so the customer is read from the Admin API, as order webhooks read their order.
 * The same read answers an event for a customer, or tags, Kizuna does not know yet.
 *
 * Both writes are compare-and-set on the tags and version they were computed from: the
 * webhooks worker applies several webhooks at once, and a write based on a state another
 * job has changed meanwhile is computed again. A tombstone (deleted or redacted customer)
 * is never written.
 */
import type { Database } from "../db.server";
import type { CustomerSyncContext } from "./context.server";
import { CUSTOMER_FOR_SYNC, CUSTOMERS_BY_ID } from "./operations";
import { customerRowFrom, splitTags, tagsVersion, toGid, type CustomerRow } from "./rows";

/** What happened to the customer: tags written, or Shopify no longer has them. */
export type CustomerRefresh = "written" | "tombstone" | "deleted in Shopify";

export interface TagEvent {
  /** customer.tags_added adds these, customer.tags_removed removes them. */
  change: "add" | "remove";
  /** Null when the payload did not carry them: the customer is read instead. */
  tags: readonly string[] | null;
  occurredAt: Date | null;
}

/** Compare-and-set attempts before the job fails and BullMQ retries it later. */
const ATTEMPTS = 5;

/** Tags after adding or removing some, compared as Shopify does: trimmed, case-insensitive. */
function changedTags(
  tags: readonly string[],
  change: "add" | "remove",
  changed: readonly string[],
): string[] {
  const named = new Set(changed.map((t) => t.trim().toLowerCase()).filter(Boolean));
  if (change === "remove") return tags.filter((t) => !named.has(t.toLowerCase()));
  const present = new Set(tags.map((t) => t.toLowerCase()));
  const added: string[] = [];
  for (const raw of changed) {
    const tag = raw.trim();
    if (tag === "" || present.has(tag.toLowerCase())) continue;
    present.add(tag.toLowerCase());
    added.push(tag);
  }
  return [...tags, ...added];
}

const later = (a: Date | null, b: Date | null) => (a && b ? (a > b ? a : b) : (a ?? b));

type StoredTags = { tags: string; tagsUpdatedAt: Date | null; deleted: boolean } | null;

function storedTags(db: Database, shopId: number, id: bigint): Promise<StoredTags> {
  return db.customer.findUnique({
    where: { shopId_id: { shopId, id } },
    select: { tags: true, tagsUpdatedAt: true, deleted: true },
  });
}

/** Replaces tags computed from `from`; false when they changed meanwhile. */
async function compareAndSetTags(
  db: Database,
  shopId: number,
  id: bigint,
  from: NonNullable<StoredTags>,
  tags: string,
  tagsUpdatedAt: Date | null,
): Promise<boolean> {
  const { count } = await db.customer.updateMany({
    where: { shopId, id, deleted: false, tags: from.tags, tagsUpdatedAt: from.tagsUpdatedAt },
    data: { tags, tagsUpdatedAt },
  });
  return count === 1;
}

/** A customer.tags_added or customer.tags_removed webhook. */
export async function applyTagEvent(
  ctx: CustomerSyncContext,
  shopId: number,
  id: bigint,
  event: TagEvent,
): Promise<CustomerRefresh> {
  const { tags, occurredAt } = event;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const stored = await storedTags(ctx.db, shopId, id);
    if (stored?.deleted) return "tombstone";
    const applicable =
      stored !== null &&
      stored.tagsUpdatedAt !== null &&
      tags !== null &&
      occurredAt !== null &&
      occurredAt > stored.tagsUpdatedAt;
    if (!applicable) return refreshCustomer(ctx, shopId, id, occurredAt);
    const next = changedTags(splitTags(stored.tags), event.change, tags).join(", ");
    if (await compareAndSetTags(ctx.db, shopId, id, stored, next, occurredAt)) return "written";
  }
  throw new Error(`customer ${id}: its tags kept changing while a tag webhook was applied`);
}

/**
 * Reads the customer from the Admin API and stores its dates and tags. The read happens
 * after every change Kizuna has applied, so its tags win over the stored ones; their
 * version is the latest of its updatedAt (whole seconds), the stored version and
 * `atLeast` (the event that asked for the read, which the read includes).
 */
export async function refreshCustomer(
  ctx: CustomerSyncContext,
  shopId: number,
  id: bigint,
  atLeast: Date | null = null,
): Promise<CustomerRefresh> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const stored = await storedTags(ctx.db, shopId, id);
    if (stored?.deleted) return "tombstone";
    const { customer } = await ctx.api().request(CUSTOMER_FOR_SYNC, {
      id: toGid("Customer", id),
    });
    if (!customer) {
      await ctx.store.deleteCustomer(shopId, id);
      return "deleted in Shopify";
    }
    const row = customerRowFrom(customer);
    const version = later(later(tagsVersion(row), stored?.tagsUpdatedAt ?? null), atLeast);
    if (!stored) {
      // New to Kizuna: the upsert's own guards settle a race with another first write.
      await ctx.store.upsertCustomers(shopId, [{ ...row, tagsUpdatedAt: version }]);
      return "written";
    }
    await ctx.store.upsertCustomers(shopId, [{ ...row, tagsUpdatedAt: null }]);
    if (await compareAndSetTags(ctx.db, shopId, id, stored, row.tags, version)) return "written";
  }
  throw new Error(`customer ${id}: its tags kept changing while it was read from Shopify`);
}

const PAGE = 250;

/**
 * Reads the tags of the shop's customers whose tags Kizuna does not know (first seen in a
 * customers/create webhook without a tag event since), 250 per request. Before a tag
 * sync writes segment tags, and in reconciliation. Returns how many were read.
 */
export async function learnUnknownTags(ctx: CustomerSyncContext, shopId: number): Promise<number> {
  let learned = 0;
  let after: bigint | undefined;
  for (;;) {
    const unknown = await ctx.db.customer.findMany({
      where: {
        shopId,
        deleted: false,
        tagsUpdatedAt: null,
        ...(after === undefined ? {} : { id: { gt: after } }),
      },
      orderBy: { id: "asc" },
      take: PAGE,
      select: { id: true },
    });
    if (unknown.length === 0) return learned;
    after = unknown.at(-1)!.id;
    const { nodes } = await ctx.api().request(CUSTOMERS_BY_ID, {
      ids: unknown.map((c) => toGid("Customer", c.id)),
    });
    // A customer gone from Shopify is the deletion sweep's to confirm and tombstone.
    const rows: CustomerRow[] = nodes.flatMap((node) =>
      node && "id" in node ? [customerRowFrom(node)] : [],
    );
    await ctx.store.upsertCustomers(shopId, rows);
    learned += rows.length;
  }
}
