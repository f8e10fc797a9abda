/**
 * RFM segments written back to Shopify as customer tags (`rfm:champions`), so merchants
 * can target segments in email, discounts and Flow.
 *
 * Only customers whose tags differ from their segment are written: the old prefixed tag
 * removed, the new one added, the merchant's other tags never touched, Shopify's limits
 * (250 tags a customer, 255 characters a tag) respected. A customer without a segment
 * (no purchase left: every order cancelled or deleted) loses Kizuna's tag. Small change
 * sets go through tagsRemove/tagsAdd; large ones through two bulk mutations
 * (stagedUploadsCreate + bulkOperationRunMutation), whose result files are checked line
 * by line.
 *
 * The customers/update webhooks Shopify sends back for these writes only refresh the
 * stored tags (app/sync/webhook-processing.server.ts) and so never start another write.
 */
import { parseSettings } from "../settings";
import type { AdminApi } from "./admin-api.server";
import type { SyncContext } from "./backfill.server";
import { getBulkOperation, readJsonl } from "./bulk.server";
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
 */
export function tagChange(
  customerId: bigint,
  currentTags: readonly string[],
  segment: string | null,
  prefix: string,
): TagChange | null {
  const lowerPrefix = prefix.toLowerCase();
  const desired = segment === null ? null : `${prefix}${segment}`;
  const ours = currentTags.filter((t) => t.toLowerCase().startsWith(lowerPrefix));
  const remove = ours.filter((t) => desired === null || t.toLowerCase() !== desired.toLowerCase());
  const present = desired !== null && ours.some((t) => t.toLowerCase() === desired.toLowerCase());
  const add = desired !== null && !present ? [desired] : [];
  if (add.length === 0 && remove.length === 0) return null;
  const removed = new Set(remove.map((t) => t.toLowerCase()));
  const tags = [...currentTags.filter((t) => !removed.has(t.toLowerCase())), ...add];
  return { customerId, segment, add, remove, tags };
}

/** Writes changed segments as tags (or removes Kizuna's tags when tag sync is off). */
export async function syncShopTags(
  ctx: SyncContext,
  shopDomain: string,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<TagSyncResult> {
  const shop = await ctx.db.shop.findUniqueOrThrow({ where: { domain: shopDomain } });
  const { enabled, prefix } = parseSettings(shop.settings).tagSync;
  const mode = enabled ? "sync" : "remove";

  const changes: TagChange[] = [];
  let skippedTagLimit = 0;
  // Before the first compute there are no segments yet: nothing to write or take off.
  const computed = !enabled || shop.computedAt !== null;
  let after: bigint | undefined;
  // Customers, not CustomerMetric rows, are paged: a customer whose purchases were all
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
      select: { id: true, tags: true },
    });
    if (customers.length === 0) break;
    const first = customers[0]!.id;
    after = customers.at(-1)!.id;
    const metrics = enabled
      ? await ctx.db.customerMetric.findMany({
          // An id range, not an IN list: databases cap bound parameters (SQLite at 32,766).
          where: { shopId: shop.id, customerId: { gte: first, lte: after } },
          select: { customerId: true, segment: true },
        })
      : [];
    const segmentOf = new Map(metrics.map((m) => [m.customerId, m.segment]));
    for (const customer of customers) {
      const segment = segmentOf.get(customer.id) ?? null;
      const change = tagChange(customer.id, splitTags(customer.tags), segment, prefix);
      if (!change) continue;
      if (change.tags.length > MAX_TAGS || change.add.some((t) => t.length > MAX_TAG_LENGTH)) {
        skippedTagLimit++;
        continue;
      }
      changes.push(change);
    }
  }

  const viaBulk = changes.length > BULK_MUTATION_THRESHOLD;
  const succeeded = viaBulk
    ? await writeInBulk(ctx.api, changes, sleep)
    : await writeOneByOne(ctx.api, changes);

  await ctx.store.setCustomerTags(
    shop.id,
    succeeded.map((c) => ({ id: c.customerId, tags: c.tags.join(", ") })),
  );
  await recordTaggedSegments(ctx, shop.id, succeeded);
  const result = {
    mode,
    written: succeeded.length,
    failed: changes.length - succeeded.length,
    skippedTagLimit,
    viaBulk,
  } satisfies TagSyncResult;
  ctx.log.info({ shop: shopDomain, ...result }, "tags synced");
  return result;
}

async function recordTaggedSegments(ctx: SyncContext, shopId: number, done: TagChange[]) {
  const bySegment = new Map<string | null, bigint[]>();
  for (const c of done)
    bySegment.set(c.segment, [...(bySegment.get(c.segment) ?? []), c.customerId]);
  for (const [segment, ids] of bySegment) {
    for (let i = 0; i < ids.length; i += 500) {
      await ctx.db.customerMetric.updateMany({
        where: { shopId, customerId: { in: ids.slice(i, i + 500) } },
        data: { taggedSegment: segment },
      });
    }
  }
}

interface TagsMutationResult {
  node: { id: string } | null;
  userErrors: { field: string[] | null; message: string }[];
}

async function writeOneByOne(api: AdminApi, changes: TagChange[]): Promise<TagChange[]> {
  const done: TagChange[] = [];
  for (const change of changes) {
    const id = toGid("Customer", change.customerId);
    let ok = true;
    if (change.remove.length > 0) {
      const r = await api.request(TAGS_REMOVE, { id, tags: change.remove });
      ok &&= r.tagsRemove?.userErrors.length === 0;
    }
    if (ok && change.add.length > 0) {
      const r = await api.request(TAGS_ADD, { id, tags: change.add });
      ok &&= r.tagsAdd?.userErrors.length === 0;
    }
    if (ok) done.push(change);
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
    const ok = await runBulkMutation(api, mutation, key, lines, sleep);
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
      },
    });
  }
  return ok;
}
