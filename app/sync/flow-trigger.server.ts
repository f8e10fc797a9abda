/**
 * The Shopify Flow trigger "Customer's RFM segment changed" (extensions/rfm-segment-changed),
 * fired by the tag sync for each customer whose segment tag it moved
 * (docs/decisions/0047-flow-trigger.md).
 *
 * - Outbox: the tag sync records a FlowTriggerEvent (customer id and segment keys only) in
 *   the same transaction that sets Customer.taggedSegment, so the change that caused it is
 *   either recorded with its trigger or seen again by the next run: never both, never lost.
 * - Delivery: pending events go to Flow in batches of FLOW_BATCH_SIZE aliased
 *   flowTriggerReceive mutations, each batch's payloads within FLOW_PAYLOAD_MAX_BYTES. A
 *   batch is claimed (claimedAt) before its request; an event claimed but never confirmed —
 *   the run stopped mid-request — is never resent (its workflow may have run) and is
 *   reported instead. Failures Shopify reports (throttling once the client's own retries are
 *   spent, HTTP errors, userErrors) are retried by later runs with exponential backoff, and
 *   given up after FLOW_MAX_ATTEMPTS with the reason kept for the tag sync status.
 * - Only when Flow says a workflow uses the trigger (the lifecycle callback,
 *   Shop.flowTriggerEnabled); never for Kizuna's first tagging of a shop unless the merchant
 *   turned on settings.tagSync.flowOnFirstTagging.
 */
import { z } from "zod";
import type { Database } from "../db.server";
import type { CustomerResult } from "../metrics/result-set";
import { customerResultsInRange, type ResultSource } from "../metrics/result-set.server";
import type {
  FlowTriggerReceiveBatchMutation as BatchResult,
  FlowTriggerReceiveBatchMutationVariables as BatchVariables,
} from "../types/admin.generated";
import { ShopifyApiError, type AdminApi } from "./admin-api.server";
import { fromMinorUnits } from "./money";
import { FLOW_TRIGGER_RECEIVE_BATCH } from "./operations";
import type { FailureReasons } from "./tag-sync-report";

/** The trigger extension's handle (extensions/rfm-segment-changed/shopify.extension.toml). */
export const FLOW_TRIGGER_HANDLE = "rfm-segment-changed";

/**
 * The payload's keys: `customer_id` for the toml's customer_reference field, the others the
 * `key`s of its custom fields (test/extensions/toml.test.ts checks they agree). Shopify CLI
 * accepts only letters and spaces in a trigger field's key, hence "Probability alive".
 */
export const FLOW_FIELDS = {
  previousSegment: "Previous segment",
  newSegment: "New segment",
  pAlive: "Probability alive",
  predictedLtv: "Predicted LTV",
  currency: "Currency",
} as const;

/** Triggers a request carries: the aliases of FLOW_TRIGGER_RECEIVE_BATCH. */
export const FLOW_BATCH_SIZE = 10;
/**
 * Kizuna's byte budget for one request's payloads together (each payload is about 200 bytes).
 * Shopify documents "less than 1 MB" per payload (docs/decisions/0047-flow-trigger.md); a
 * 50 KB figure for newer Flow pages could not be found, so this is Kizuna's own margin, far
 * inside the documented limit, not Shopify's number.
 */
export const FLOW_PAYLOAD_MAX_BYTES = 50_000;
/** Attempts of one trigger before Kizuna gives up on it. */
export const FLOW_MAX_ATTEMPTS = 8;
const RETRY_BASE_MS = 60_000;
const RETRY_MAX_MS = 6 * 3_600_000;
/** Events read at a time. */
const PAGE = 1_000;

const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

export interface SegmentMove {
  customerId: bigint;
  from: string | null;
  to: string;
}

export interface FlowDeliveryOptions {
  now?: () => Date;
  batchSize?: number;
  maxPayloadBytes?: number;
}

export interface FlowDeliveryResult {
  fired: number;
  /** Waiting for a retry (a later run). */
  pending: number;
  /** Given up: too many attempts, over the payload limit, or outcome unknown after a crash. */
  failed: number;
}

/**
 * The trigger's payload. Ids go out as exact integer literals (64-bit, never a float) and
 * the LTV as the exact decimal of its minor units. A value the model did not produce (no
 * fit) is left out rather than sent as 0.
 */
export function flowPayload(
  move: SegmentMove,
  result: Pick<CustomerResult, "pAlive" | "clvMinor"> | undefined,
  currency: string,
): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    customer_id: rawJSON(move.customerId.toString()),
    [FLOW_FIELDS.previousSegment]: move.from ?? "",
    [FLOW_FIELDS.newSegment]: move.to,
  };
  if (result?.pAlive !== null && result?.pAlive !== undefined && Number.isFinite(result.pAlive))
    payload[FLOW_FIELDS.pAlive] = Math.round(result.pAlive * 10_000) / 10_000;
  if (result?.clvMinor !== null && result?.clvMinor !== undefined) {
    payload[FLOW_FIELDS.predictedLtv] = rawJSON(fromMinorUnits(result.clvMinor, currency));
    payload[FLOW_FIELDS.currency] = currency;
  }
  return payload;
}

/** FLOW_TRIGGER_RECEIVE_BATCH's variables: payload k in pK, sK true for each one sent. */
export function batchVariables(payloads: readonly unknown[]): BatchVariables {
  const p = (k: number) => (k < payloads.length ? payloads[k] : null);
  const s = (k: number) => k < payloads.length;
  return {
    handle: FLOW_TRIGGER_HANDLE,
    ...{ p0: p(0), p1: p(1), p2: p(2), p3: p(3), p4: p(4) },
    ...{ p5: p(5), p6: p(6), p7: p(7), p8: p(8), p9: p(9) },
    ...{ s1: s(1), s2: s(2), s3: s(3), s4: s(4), s5: s(5) },
    ...{ s6: s(6), s7: s(7), s8: s(8), s9: s(9) },
  };
}

export const payloadBytes = (payload: unknown): number =>
  Buffer.byteLength(JSON.stringify(payload), "utf8");

/** Consecutive groups of at most `maxCount` items whose bytes sum to at most `maxBytes`. */
export function batchBySize(sizes: readonly number[], maxCount: number, maxBytes: number) {
  const out: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  sizes.forEach((size, i) => {
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  });
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Records Customer.taggedSegment for the written changes, with the Flow triggers of those
 * that moved (from their last tagged segment to another segment) in the same transaction.
 */
export async function recordTaggedSegments(
  db: Database,
  shopId: number,
  done: readonly { customerId: bigint; segment: string | null; previous: string | null }[],
  fire: boolean,
): Promise<number> {
  const bySegment = new Map<string | null, (typeof done)[number][]>();
  for (const c of done) bySegment.set(c.segment, [...(bySegment.get(c.segment) ?? []), c]);
  let recorded = 0;
  for (const [segment, changes] of bySegment) {
    for (let i = 0; i < changes.length; i += 500) {
      const slice = changes.slice(i, i + 500);
      const moves = fire ? slice.filter((c) => c.segment !== null && c.segment !== c.previous) : [];
      await db.$transaction([
        db.customer.updateMany({
          where: { shopId, id: { in: slice.map((c) => c.customerId) }, deleted: false },
          data: { taggedSegment: segment },
        }),
        db.flowTriggerEvent.createMany({
          data: moves.map((c) => ({
            shopId,
            customerId: c.customerId,
            fromSegment: c.previous,
            toSegment: c.segment!,
          })),
        }),
      ]);
      recorded += moves.length;
    }
  }
  return recorded;
}

const backoffMs = (attempts: number) =>
  Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));

/** Sends the shop's due triggers; failures go to `reasons`, never thrown as Shopify's. */
export async function deliverFlowTriggers(
  db: Database,
  api: AdminApi,
  results: ResultSource,
  shop: { id: number; currency: string },
  reasons: FailureReasons,
  options: FlowDeliveryOptions = {},
): Promise<FlowDeliveryResult> {
  const now = options.now ?? (() => new Date());
  const batchSize = Math.min(options.batchSize ?? FLOW_BATCH_SIZE, FLOW_BATCH_SIZE);
  const maxBytes = options.maxPayloadBytes ?? FLOW_PAYLOAD_MAX_BYTES;
  let fired = 0;
  let failed = 0;

  // Claimed by a run that stopped before Flow's answer: the workflow may have run. Never resent.
  const inDoubt = await db.flowTriggerEvent.updateMany({
    where: { shopId: shop.id, claimedAt: { not: null }, sentAt: null, failedAt: null },
    data: { failedAt: now(), error: OUTCOME_UNKNOWN },
  });
  if (inDoubt.count > 0) {
    reasons.add(OUTCOME_UNKNOWN, inDoubt.count);
    failed += inDoubt.count;
  }

  let after = 0;
  let stopped = false;
  while (!stopped) {
    const due = await db.flowTriggerEvent.findMany({
      where: {
        shopId: shop.id,
        id: { gt: after },
        sentAt: null,
        failedAt: null,
        OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: now() } }],
      },
      orderBy: { id: "asc" },
      take: PAGE,
    });
    if (due.length === 0) break;
    after = due.at(-1)!.id;
    const ids = due.map((e) => e.customerId);
    const min = ids.reduce((a, b) => (b < a ? b : a));
    const max = ids.reduce((a, b) => (b > a ? b : a));
    const wanted = new Set(ids);
    const resultOf = new Map(
      (await customerResultsInRange(results, shop.id, min, max))
        .filter((r) => wanted.has(r.customerId))
        .map((r) => [r.customerId, r]),
    );
    const payloads = due.map((e) =>
      flowPayload(
        { customerId: e.customerId, from: e.fromSegment, to: e.toSegment },
        resultOf.get(e.customerId),
        shop.currency,
      ),
    );
    const sizes = payloads.map(payloadBytes);
    const tooBig = due.filter((_, i) => sizes[i]! > maxBytes);
    if (tooBig.length > 0) {
      const reason = `Payload over Flow's limit of ${maxBytes} bytes`;
      await db.flowTriggerEvent.updateMany({
        where: { id: { in: tooBig.map((e) => e.id) } },
        data: { failedAt: now(), error: reason },
      });
      reasons.add(reason, tooBig.length);
      failed += tooBig.length;
    }
    const sendable = due.map((_, i) => i).filter((i) => sizes[i]! <= maxBytes);
    for (const group of batchBySize(
      sendable.map((i) => sizes[i]!),
      batchSize,
      maxBytes,
    )) {
      const batch = group.map((g) => sendable[g]!);
      const events = batch.map((i) => due[i]!);
      await db.flowTriggerEvent.updateMany({
        where: { id: { in: events.map((e) => e.id) } },
        data: { claimedAt: now(), attempts: { increment: 1 } },
      });
      let data: BatchResult;
      try {
        data = await api.request(
          FLOW_TRIGGER_RECEIVE_BATCH,
          batchVariables(batch.map((i) => payloads[i])),
        );
      } catch (error) {
        // Shopify answered with a failure (or the client gave up on it): nothing ran.
        // Anything else is a crash: the claim stays and the next run reports it.
        if (!(error instanceof ShopifyApiError)) throw error;
        failed += await retryLater(db, events, error.message, now(), reasons);
        stopped = true; // Flow or the API is unavailable: the rest waits for the next run
        break;
      }
      const answers = [data.t0, data.t1, data.t2, data.t3, data.t4];
      answers.push(data.t5, data.t6, data.t7, data.t8, data.t9);
      const ok: number[] = [];
      for (const [k, event] of events.entries()) {
        const result = answers[k];
        const errors = result ? result.userErrors : [{ message: "flowTriggerReceive: no result" }];
        if (errors.length === 0) ok.push(event.id);
        else
          failed += await retryLater(
            db,
            [event],
            errors.map((e) => e.message).join("; "),
            now(),
            reasons,
          );
      }
      if (ok.length > 0) {
        await db.flowTriggerEvent.updateMany({
          where: { id: { in: ok } },
          data: { sentAt: now(), error: null },
        });
        fired += ok.length;
      }
    }
  }
  const pending = await db.flowTriggerEvent.count({
    where: { shopId: shop.id, sentAt: null, failedAt: null },
  });
  return { fired, pending, failed };
}

export const OUTCOME_UNKNOWN =
  "Outcome unknown: the run stopped while sending it (not resent, so no workflow runs twice)";

/** Unclaims failed events for a later attempt, or gives them up; returns those given up. */
async function retryLater(
  db: Database,
  events: readonly { id: number; attempts: number }[],
  reason: string,
  now: Date,
  reasons: FailureReasons,
): Promise<number> {
  const message = `Flow: ${reason}`.slice(0, 300);
  reasons.add(message, events.length);
  let givenUp = 0;
  for (const event of events) {
    const attempts = event.attempts + 1;
    const last = attempts >= FLOW_MAX_ATTEMPTS;
    if (last) givenUp++;
    await db.flowTriggerEvent.update({
      where: { id: event.id },
      data: {
        claimedAt: null,
        error: message,
        ...(last
          ? { failedAt: now }
          : { nextAttemptAt: new Date(now.getTime() + backoffMs(attempts)) }),
      },
    });
  }
  return givenUp;
}

/** Unsent triggers of a shop whose Flow workflows are off, or whose tag sync was turned off. */
export async function dropPendingFlowTriggers(db: Database, shopId: number): Promise<number> {
  const { count } = await db.flowTriggerEvent.deleteMany({
    where: { shopId, sentAt: null, claimedAt: null, failedAt: null },
  });
  return count;
}

/** The body of Flow's trigger lifecycle callback (the docs' properties; shop_id unused). */
export const flowLifecycleSchema = z.object({
  flow_trigger_definition_id: z.string(),
  has_enabled_flow: z.boolean(),
  shopify_domain: z.string(),
  timestamp: z.iso.datetime({ offset: true }),
});

/**
 * Flow's trigger lifecycle callback (https://shopify.dev/docs/apps/build/flow/track-lifecycle-events):
 * whether the shop has an enabled workflow using the trigger. A callback older than the one
 * applied is ignored, as the docs ask. Returns whether it was applied.
 */
export async function recordFlowTriggerUsage(
  db: Database,
  shopDomain: string,
  body: unknown,
): Promise<boolean> {
  const parsed = flowLifecycleSchema.safeParse(body);
  if (!parsed.success) return false;
  const at = new Date(parsed.data.timestamp);
  const { count } = await db.shop.updateMany({
    where: {
      domain: shopDomain,
      OR: [{ flowTriggerUsageAt: null }, { flowTriggerUsageAt: { lt: at } }],
    },
    data: { flowTriggerEnabled: parsed.data.has_enabled_flow, flowTriggerUsageAt: at },
  });
  return count > 0;
}
