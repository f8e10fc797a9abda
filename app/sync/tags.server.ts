/**
 * RFM segments written back to Shopify as customer tags (`rfm:champions`), so merchants
 * can target segments in email, discounts and Flow.
 *
 * Only customers whose tags differ from their segment are written: the old prefixed tag
 * removed, the new one added, the merchant's other tags never touched, Shopify's limits
 * (250 tags a customer, 255 characters a tag) respected. A customer without a segment
 * (no purchase left: every order cancelled or deleted) loses Kizuna's tag, and so does
 * every customer of a shop below the minimum for segments (settings.minSegmentCustomers:
 * nobody is segmented there, so no segment tag is written). Small change
 * sets go through tagsRemove/tagsAdd; large ones through two bulk mutations
 * (stagedUploadsCreate + bulkOperationRunMutation), whose result files are checked line
 * by line.
 *
 * The webhooks Shopify sends back for these writes (customers/update, customer.tags_added,
 * customer.tags_removed) only refresh the stored tags (app/sync/webhook-processing.server.ts)
 * and so never start another write.
 *
 * The old segment tag to take off is found in the stored tags, and also in what Kizuna last
 * wrote (Customer.taggedSegment): stored tags that went wrong (before issue 14, a
 * customer webhook without tags erased them) must not leave a second segment tag behind.
 * Customers whose tags Kizuna does not know yet are read from Shopify first.
 */
import { currentResultSet, customerResultsInRange } from "../metrics/result-set.server";
import { resultStore } from "../metrics/result-store.server";
import { parseSettings } from "../settings";
import type { AdminApi } from "./admin-api.server";
import type { SyncContext } from "./context.server";
import { getBulkOperation, readJsonl } from "./bulk.server";
import { learnUnknownTags } from "./customers.server";
import {
  deliverFlowTriggers,
  dropPendingFlowTriggers,
  recordTaggedSegments,
  type FlowDeliveryOptions,
} from "./flow-trigger.server";
import { keepShopifySegmentsInStep } from "./shopify-segments.server";
import {
  emptyTagSyncReport,
  FailureReasons,
  parseTagSyncReport,
  type TagSyncReport,
} from "./tag-sync-report";
import { BULK_RUN_MUTATION, STAGED_UPLOADS_CREATE, TAGS_ADD, TAGS_REMOVE } from "./operations";
import { splitTags, toGid } from "./rows";

export const MAX_TAGS = 250;
export const MAX_TAG_LENGTH = 255;
/** Above this many customers to write, bulk mutations beat one mutation per customer. */
export const BULK_MUTATION_THRESHOLD = 100;

const PAGE = 20_000;
const POLL_MS = 2_000;

export interface TagChange {
  customerId: bigint;
  /** The segment the customer will carry, or null when Kizuna's tags come off. */
  segment: string | null;
  add: string[];
  remove: string[];
  /** The customer's tags after the change. */
  tags: string[];
}

export interface TagSyncResult {
  mode: "sync" | "remove";
  written: number;
  failed: number;
  skippedTagLimit: number;
  viaBulk: boolean;
}

/**
 * The change that makes a customer's tags match their segment (null: remove Kizuna's
 * tags), or null when nothing needs writing. Shopify compares tags case-insensitively.
 * `lastWritten`: the segment Kizuna last tagged the customer with, taken off too when
 * the current tags do not show it (removing a tag a customer does not have is harmless).
 */
export function tagChange(
  customerId: bigint,
  currentTags: readonly string[],
  segment: string | null,
  prefix: string,
  lastWritten: string | null = null,
): TagChange | null {
  const lowerPrefix = prefix.toLowerCase();
  const desired = segment === null ? null : `${prefix}${segment}`;
  const ours = currentTags.filter((t) => t.toLowerCase().startsWith(lowerPrefix));
  const written = lastWritten === null ? null : `${prefix}${lastWritten}`;
  if (written && !ours.some((t) => t.toLowerCase() === written.toLowerCase())) ours.push(written);
  const remove = ours.filter((t) => desired === null || t.toLowerCase() !== desired.toLowerCase());
  const present =
    desired !== null && currentTags.some((t) => t.toLowerCase() === desired.toLowerCase());
  const add = desired !== null && !present ? [desired] : [];
  if (add.length === 0 && remove.length === 0) return null;
  const removed = new Set(remove.map((t) => t.toLowerCase()));
  const tags = [...currentTags.filter((t) => !removed.has(t.toLowerCase())), ...add];
  return { customerId, segment, add, remove, tags };
}

/**
 * Writes changed segments as tags (or removes Kizuna's tags when tag sync is off), then fires
 * the Shopify Flow trigger for the customers whose segment moved (app/sync/flow-trigger.server.ts):
 * a Flow failure is recorded in the report and never fails the run or its tags.
 */
export async function syncShopTags(
  ctx: SyncContext,
  shopDomain: string,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  flowOptions: FlowDeliveryOptions = {},
): Promise<TagSyncResult> {
  const shop = await ctx.db.shop.findUniqueOrThrow({ where: { domain: shopDomain } });
  const { enabled, prefix, flowOnFirstTagging } = parseSettings(shop.settings).tagSync;
  const mode = enabled ? "sync" : "remove";
  // Flow triggers: only for a shop with an enabled workflow using the trigger, and not for
  // Kizuna's first tagging of the shop unless the merchant asked for it.
  const fire =
    enabled && shop.flowTriggerEnabled && (shop.firstTaggedAt !== null || flowOnFirstTagging);

  const changes: TagChange[] = [];
  /** The stored tags each change was computed from, and the segment Kizuna last tagged. */
  const before = new Map<bigint, string>();
  const previousOf = new Map<bigint, string | null>();
  let skippedTagLimit = 0;
  // Before the first compute there are no segments yet: nothing to write or take off. A shop
  // computed before result sets existed has none until its next compute: the same.
  const results = ctx.databaseUrl ? resultStore(ctx.databaseUrl) : ctx.db;
  const resultSet = enabled ? await currentResultSet(results, shop.id) : null;
  const computed = !enabled || (shop.computedAt !== null && resultSet !== null);
  if (computed) await learnUnknownTags({ ...ctx, api: () => ctx.api }, shop.id);
  let after: bigint | undefined;
  // Customers, not result-set entries, are paged: a customer whose purchases were all
  // cancelled or deleted has no row any more and must lose Kizuna's tag too.
  while (computed) {
    const customers = await ctx.db.customer.findMany({
      where: {
        shopId: shop.id,
        deleted: false,
        ...(after === undefined ? {} : { id: { gt: after } }),
      },
      orderBy: { id: "asc" },
      take: PAGE,
      select: { id: true, tags: true, taggedSegment: true },
    });
    if (customers.length === 0) break;
    const first = customers[0]!.id;
    after = customers.at(-1)!.id;
    // The result set's parts covering this id range (a few dozen reads, not a row a customer).
    const inRange = enabled
      ? await customerResultsInRange(results, shop.id, first, after, resultSet)
      : [];
    const segmentOf = new Map(inRange.map((m) => [m.customerId, m.segment]));
    for (const customer of customers) {
      const segment = enabled ? (segmentOf.get(customer.id) ?? null) : null;
      const tags = splitTags(customer.tags);
      const change = tagChange(customer.id, tags, segment, prefix, customer.taggedSegment);
      if (!change) continue;
      before.set(customer.id, customer.tags);
      previousOf.set(customer.id, customer.taggedSegment);
      if (change.tags.length > MAX_TAGS || change.add.some((t) => t.length > MAX_TAG_LENGTH)) {
        skippedTagLimit++;
        continue;
      }
      changes.push(change);
    }
  }

  const viaBulk = changes.length > BULK_MUTATION_THRESHOLD;
  const reasons = new FailureReasons();
  const succeeded = viaBulk
    ? await writeInBulk(ctx.api, changes, sleep, reasons)
    : await writeOneByOne(ctx.api, changes, reasons);

  await ctx.store.setCustomerTags(
    shop.id,
    succeeded.map((c) => ({
      id: c.customerId,
      before: before.get(c.customerId)!,
      tags: c.tags.join(", "),
    })),
  );
  await recordTaggedSegments(
    ctx.db,
    shop.id,
    succeeded.map((c) => ({
      customerId: c.customerId,
      segment: c.segment,
      previous: previousOf.get(c.customerId) ?? null,
    })),
    fire,
  );
  if (enabled && computed && shop.firstTaggedAt === null) {
    await ctx.db.shop.update({ where: { id: shop.id }, data: { firstTaggedAt: new Date() } });
  } else if (!enabled && shop.firstTaggedAt !== null) {
    await ctx.db.shop.update({ where: { id: shop.id }, data: { firstTaggedAt: null } });
  }
  const result = {
    mode,
    written: succeeded.length,
    failed: changes.length - succeeded.length,
    skippedTagLimit,
    viaBulk,
  } satisfies TagSyncResult;
  if (skippedTagLimit > 0) {
    reasons.add(
      `Shopify's limits: ${MAX_TAGS} tags a customer, ${MAX_TAG_LENGTH} characters a tag`,
      skippedTagLimit,
    );
  }
  const segments = await keepShopifySegmentsInStep(ctx, shop.id, parseSettings(shop.settings));
  const flowReasons = new FailureReasons();
  const flow =
    enabled && shop.flowTriggerEnabled
      ? await deliverFlowTriggers(
          ctx.db,
          ctx.api,
          results,
          { id: shop.id, currency: shop.currency },
          flowReasons,
          flowOptions,
        )
      : {
          fired: 0,
          pending: 0,
          failed: 0,
          dropped: await dropPendingFlowTriggers(ctx.db, shop.id),
        };
  const tagged = await ctx.db.customer.count({
    where: { shopId: shop.id, deleted: false, taggedSegment: { not: null } },
  });
  await writeTagSyncReport(ctx.db, shop.id, {
    finishedAt: new Date().toISOString(),
    mode,
    written: result.written,
    failed: result.failed,
    skippedTagLimit,
    tagged,
    failures: reasons.top(),
    error: null,
    errorAt: null,
    segmentsUpdated: segments.updated,
    segmentsDeleted: segments.deleted,
    segmentsFailed: segments.failed,
    flowEnabled: shop.flowTriggerEnabled,
    flowFired: flow.fired,
    flowPending: flow.pending,
    flowFailed: flow.failed,
    flowFailures: flowReasons.top(),
  });
  ctx.log.info({ shop: shopDomain, ...result, segments, flow }, "tags synced");
  return result;
}

async function writeTagSyncReport(db: SyncContext["db"], shopId: number, report: TagSyncReport) {
  await db.shop.update({ where: { id: shopId }, data: { tagSyncReport: JSON.stringify(report) } });
}

/**
 * A run that failed as a whole (the worker retries it): its reason joins the last report, whose
 * counts stay those of the last run that finished.
 */
export async function recordTagSyncFailure(
  db: SyncContext["db"],
  shopDomain: string,
  error: unknown,
): Promise<void> {
  const shop = await db.shop.findUnique({
    where: { domain: shopDomain },
    select: { id: true, tagSyncReport: true },
  });
  if (!shop) return;
  const previous = parseTagSyncReport(shop.tagSyncReport) ?? emptyTagSyncReport();
  const message = error instanceof Error ? error.message : String(error);
  await writeTagSyncReport(db, shop.id, {
    ...previous,
    error: message.slice(0, 500),
    errorAt: new Date().toISOString(),
  });
}

interface TagsMutationResult {
  node: { id: string } | null;
  userErrors: { field: string[] | null; message: string }[];
}

async function writeOneByOne(
  api: AdminApi,
  changes: TagChange[],
  reasons: FailureReasons,
): Promise<TagChange[]> {
  const done: TagChange[] = [];
  for (const change of changes) {
    const id = toGid("Customer", change.customerId);
    let errors: { message: string }[] = [];
    if (change.remove.length > 0) {
      const r = await api.request(TAGS_REMOVE, { id, tags: change.remove });
      errors = r.tagsRemove?.userErrors ?? [{ message: "tagsRemove returned nothing" }];
    }
    if (errors.length === 0 && change.add.length > 0) {
      const r = await api.request(TAGS_ADD, { id, tags: change.add });
      errors = r.tagsAdd?.userErrors ?? [{ message: "tagsAdd returned nothing" }];
    }
    if (errors.length === 0) done.push(change);
    else reasons.add(errors.map((e) => e.message).join("; "));
  }
  return done;
}

/** The mutation text bulkOperationRunMutation runs once per JSONL line of variables. */
const BULK_TAGS_REMOVE = `mutation tagsRemove($id: ID!, $tags: [String!]!) { tagsRemove(id: $id, tags: $tags) { node { id } userErrors { field message } } }`;
const BULK_TAGS_ADD = `mutation tagsAdd($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { node { id } userErrors { field message } } }`;

async function writeInBulk(
  api: AdminApi,
  changes: TagChange[],
  sleep: (ms: number) => Promise<void>,
  reasons: FailureReasons,
): Promise<TagChange[]> {
  const failed = new Set<bigint>();
  const removals = changes.filter((c) => c.remove.length > 0);
  const additions = changes.filter((c) => c.add.length > 0);
  for (const [mutation, batch, key] of [
    [BULK_TAGS_REMOVE, removals, "tagsRemove"],
    [BULK_TAGS_ADD, additions, "tagsAdd"],
  ] as const) {
    const pending = batch.filter((c) => !failed.has(c.customerId));
    if (pending.length === 0) continue;
    const lines = pending.map((c) =>
      JSON.stringify({
        id: toGid("Customer", c.customerId),
        tags: key === "tagsRemove" ? c.remove : c.add,
      }),
    );
    const ok = await runBulkMutation(api, mutation, key, lines, sleep, reasons);
    pending.forEach((c, i) => {
      if (!ok.has(i)) failed.add(c.customerId);
    });
  }
  return changes.filter((c) => !failed.has(c.customerId));
}

/** Runs one bulk mutation; returns the 0-based indexes of the lines that succeeded. */
async function runBulkMutation(
  api: AdminApi,
  mutation: string,
  key: "tagsAdd" | "tagsRemove",
  lines: string[],
  sleep: (ms: number) => Promise<void>,
  reasons: FailureReasons,
): Promise<Set<number>> {
  const staged = await api.request(STAGED_UPLOADS_CREATE, {
    input: [
      {
        resource: "BULK_MUTATION_VARIABLES",
        filename: `kizuna-${key}.jsonl`,
        mimeType: "text/jsonl",
        httpMethod: "POST",
      },
    ],
  });
  const target = staged.stagedUploadsCreate?.stagedTargets?.[0];
  const uploadErrors = staged.stagedUploadsCreate?.userErrors ?? [];
  if (!target?.url || uploadErrors.length > 0) {
    throw new Error(`stagedUploadsCreate failed: ${uploadErrors.map((e) => e.message).join("; ")}`);
  }
  const form = new FormData();
  for (const { name, value } of target.parameters) form.append(name, value);
  form.append(
    "file",
    new Blob([lines.join("\n") + "\n"], { type: "text/jsonl" }),
    `kizuna-${key}.jsonl`,
  );
  const upload = await fetch(target.url, { method: "POST", body: form });
  if (!upload.ok) throw new Error(`Staged upload failed: HTTP ${upload.status}`);
  await upload.body?.cancel();
  const path = target.parameters.find((p) => p.name === "key")?.value;
  if (!path) throw new Error("Staged upload target has no key parameter");

  const started = await api.request(BULK_RUN_MUTATION, {
    mutation,
    stagedUploadPath: path,
  });
  const op = started.bulkOperationRunMutation?.bulkOperation;
  if (!op) {
    const errors = started.bulkOperationRunMutation?.userErrors ?? [];
    throw new Error(`bulkOperationRunMutation refused: ${errors.map((e) => e.message).join("; ")}`);
  }
  let state = await getBulkOperation(api, op.id);
  while (state.status === "CREATED" || state.status === "RUNNING") {
    await sleep(POLL_MS);
    state = await getBulkOperation(api, op.id);
  }
  const url = state.status === "COMPLETED" ? state.url : state.partialDataUrl;
  const ok = new Set<number>();
  if (url) {
    await readJsonl(url, {
      onLine: (text, lineNumber) => {
        const result = JSON.parse(text) as {
          data?: Record<string, TagsMutationResult | null>;
          errors?: unknown[];
          __lineNumber?: number;
        };
        const payload = result.data?.[key];
        const index = result.__lineNumber ?? lineNumber - 1;
        if (!result.errors?.length && payload && payload.userErrors.length === 0) ok.add(index);
        else if (payload?.userErrors.length)
          reasons.add(payload.userErrors.map((e) => e.message).join("; "));
        else reasons.add(`${key} failed in a bulk mutation`);
      },
    });
  }
  // Lines missing from a failed operation's partial result were never run.
  const missing = lines.length - ok.size;
  if (!url && missing > 0) reasons.add(`Bulk ${key} ${state.status.toLowerCase()}`, missing);
  return ok;
}
