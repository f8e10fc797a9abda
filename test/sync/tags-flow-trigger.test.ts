/**
 * The Shopify Flow trigger "Customer's RFM segment changed" fired by the tag sync, against the
 * fake Shopify over HTTP (its flowTriggerReceive keeps what it accepted): one trigger per
 * customer whose segment tag moved, with the customer's exact 64-bit id and the right
 * fields; none for Kizuna's first tagging unless the merchant asks; none when no workflow
 * uses it; never twice after a crash; throttling and failures retried and reported without
 * touching the tags; batches within the payload limit.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminApi } from "../../app/sync/admin-api.server";

const { startSyncHarness } = await import("./harness");
const { closeRowStore } = await import("../../app/sync/context.server");
const { computeShop } = await import("../../app/metrics/compute.server");
const { reconcile } = await import("../../app/sync/reconcile.server");
const { syncShopTags } = await import("../../app/sync/tags.server");
const { DEFAULT_SETTINGS } = await import("../../app/settings");
const { allCustomerResults } = await import("../../app/metrics/result-set.server");
const { parseTagSyncReport } = await import("../../app/sync/tag-sync-report");
const { fromMinorUnits } = await import("../../app/sync/money");
const { FLOW_FIELDS, FLOW_BATCH_SIZE, OUTCOME_UNKNOWN, flowPayload, payloadBytes } =
  await import("../../app/sync/flow-trigger.server");

type Harness = Awaited<ReturnType<typeof startSyncHarness>>;
let h: Harness;
/** Ids within 10^13 of 2^63: a float would lose their last digits. */
const ID_BASE = 2n ** 63n - 10n ** 13n;

const received = () => h.shop.flow.received;

/** Received triggers by the HTTP request that carried them. */
function byRequest<T extends { request: number }>(items: readonly T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) out.set(item.request, [...(out.get(item.request) ?? []), item]);
  return out;
}
const idOf = (payload: Record<string, unknown>): bigint => BigInt(payload.customer_id as bigint);

async function setShop(data: {
  flowTriggerEnabled?: boolean;
  tagSync?: { enabled: boolean; flowOnFirstTagging?: boolean };
}) {
  await h.ctx.db.shop.update({
    where: { id: h.shopId },
    data: {
      ...(data.flowTriggerEnabled === undefined
        ? {}
        : { flowTriggerEnabled: data.flowTriggerEnabled }),
      ...(data.tagSync
        ? {
            settings: JSON.stringify({
              ...DEFAULT_SETTINGS,
              tagSync: { prefix: "rfm:", flowOnFirstTagging: false, ...data.tagSync },
            }),
          }
        : {}),
    },
  });
}

/** Customer id → the segment Kizuna last tagged them with. */
async function taggedSegments(): Promise<Map<bigint, string | null>> {
  const rows = await h.ctx.db.customer.findMany({
    where: { shopId: h.shopId, deleted: false },
    select: { id: true, taggedSegment: true },
  });
  return new Map(rows.map((r) => [r.id, r.taggedSegment]));
}

let round = 0;

/**
 * Time passes in Shopify (`days`) and a sixth of the customers buy again, some a lot; the
 * reconciliation brings the orders in and the compute moves segments (theirs and, the
 * scores being quantiles, others').
 */
async function recompute(days: number) {
  round++;
  // The fake's clock runs ahead of the app's by every round's days: the last reconciliation
  // was at the round's start in Shopify's time, as in production. (Left at the app's time,
  // each reconciliation read again every earlier round's orders, slower with each round.)
  const roundStart = new Date(h.fake.clock.nowMs());
  h.fake.advance({ days });
  const customers = await h.ctx.db.customer.findMany({
    where: { shopId: h.shopId, deleted: false },
    orderBy: { id: "asc" },
    select: { id: true },
  });
  customers
    .filter((_, i) => (i + round) % 6 === 0)
    .forEach((c, i) => {
      for (let n = 0; n <= i % 3; n++)
        h.shop.createOrder({
          customerId: c.id,
          lines: [{ quantity: 1 + (i % 3), unitMinor: 9_000 + 1_000 * round }],
        });
    });
  await h.ctx.db.shop.update({
    where: { id: h.shopId },
    data: { lastReconciledAt: roundStart },
  });
  expect((await reconcile(h.ctx, h.domain)).mode).toBe("paged");
  await computeShop(h.domain, { db: h.ctx.db, asOf: h.fake.clock.nowMs() });
}

const sync = (api?: AdminApi, flowOptions = {}) =>
  syncShopTags(api ? { ...h.ctx, api } : h.ctx, h.domain, async () => {}, flowOptions);

async function report() {
  const shop = await h.ctx.db.shop.findUniqueOrThrow({ where: { id: h.shopId } });
  return parseTagSyncReport(shop.tagSyncReport)!;
}

/** The moves between two snapshots of taggedSegment: "id from→to". */
function moves(before: Map<bigint, string | null>, after: Map<bigint, string | null>): string[] {
  const out: string[] = [];
  for (const [id, to] of after) {
    const from = before.get(id) ?? null;
    if (to !== null && to !== from) out.push(`${id} ${from ?? ""}→${to}`);
  }
  return out.sort();
}

const firedMoves = (from = 0) =>
  received()
    .slice(from)
    .map(
      (r) =>
        `${idOf(r.payload)} ${String(r.payload[FLOW_FIELDS.previousSegment])}→${String(r.payload[FLOW_FIELDS.newSegment])}`,
    )
    .sort();

/** An AdminApi that runs `hook` around the FlowTriggerReceiveBatch requests. */
function around(
  hook: (call: number, send: () => Promise<unknown>) => Promise<unknown>,
  match: RegExp = /FlowTriggerReceiveBatch/,
): AdminApi {
  let calls = 0;
  return {
    shop: h.ctx.api.shop,
    request: ((query: string, variables?: Record<string, unknown>) =>
      match.test(query)
        ? hook(++calls, () => h.ctx.api.request(query, variables as never))
        : h.ctx.api.request(query, variables as never)) as AdminApi["request"],
  };
}

beforeAll(async () => {
  h = await startSyncHarness("flow-trigger", {
    customers: 400,
    seed: 41,
    currency: "JPY",
    // Plus limits: the reconciliations between rounds page quickly (throttling is forced).
    plan: "plus",
    idBase: ID_BASE,
  });
  await h.runBackfill();
  await computeShop(h.domain, { db: h.ctx.db, asOf: h.fake.clock.nowMs() });
}, 180_000);

afterAll(async () => {
  await closeRowStore();
  await h?.close();
});

describe("the Flow trigger of the tag sync", () => {
  it("fires nothing for Kizuna's first tagging of the shop", async () => {
    await setShop({ flowTriggerEnabled: true, tagSync: { enabled: true } });
    const result = await sync();
    expect(result.written).toBeGreaterThan(100);
    expect(received()).toEqual([]);
    expect(await h.ctx.db.flowTriggerEvent.count({ where: { shopId: h.shopId } })).toBe(0);
    const shop = await h.ctx.db.shop.findUniqueOrThrow({ where: { id: h.shopId } });
    expect(shop.firstTaggedAt).not.toBeNull();
  }, 60_000);

  it("fires one trigger per customer whose segment changed, with the customer and fields", async () => {
    const before = await taggedSegments();
    await recompute(30);
    await sync();
    const after = await taggedSegments();
    const expected = moves(before, after);
    expect(expected.length).toBeGreaterThan(20);
    expect(firedMoves()).toEqual(expected);

    // Every field from the result set the tag sync wrote from; ids exact near 2^63.
    const results = new Map(
      (await allCustomerResults(h.ctx.db, h.shopId)).map((r) => [r.customerId, r]),
    );
    for (const { payload, handle } of received()) {
      expect(handle).toBe("rfm-segment-changed");
      expect(typeof payload.customer_id).toBe("bigint");
      const id = idOf(payload);
      expect(id > ID_BASE).toBe(true);
      const result = results.get(id)!;
      expect(payload[FLOW_FIELDS.newSegment]).toBe(result.segment);
      expect(payload[FLOW_FIELDS.pAlive]).toBe(Math.round(result.pAlive! * 10_000) / 10_000);
      expect(String(payload[FLOW_FIELDS.predictedLtv])).toBe(
        String(Number(fromMinorUnits(result.clvMinor!, "JPY"))),
      );
      expect(payload[FLOW_FIELDS.currency]).toBe("JPY");
    }
    // Batched: at most FLOW_BATCH_SIZE a request, as few requests as that allows.
    const perRequest = byRequest(received());
    expect(Math.max(...[...perRequest.values()].map((g) => g.length))).toBe(FLOW_BATCH_SIZE);
    expect(perRequest.size).toBe(Math.ceil(expected.length / FLOW_BATCH_SIZE));
    const r = await report();
    expect(r).toMatchObject({ flowFired: expected.length, flowPending: 0, flowFailed: 0 });
    expect(r.flowFailures).toEqual([]);

    // Stored: ids and segment keys only.
    const stored = await h.ctx.db.flowTriggerEvent.findFirstOrThrow({
      where: { shopId: h.shopId },
    });
    expect(Object.keys(stored).sort()).toEqual(
      [
        "attempts",
        "claimedAt",
        "createdAt",
        "customerId",
        "error",
        "failedAt",
        "fromSegment",
        "id",
        "nextAttemptAt",
        "sentAt",
        "shopId",
        "toSegment",
      ].sort(),
    );
  }, 120_000);

  it("fires nothing again when the same tag sync runs again", async () => {
    const count = received().length;
    await sync();
    expect(received().length).toBe(count);
    expect((await report()).flowFired).toBe(0);
  }, 60_000);

  it("a run that crashed while writing tags fires each change once when re-run", async () => {
    const start = received().length;
    const before = await taggedSegments();
    await recompute(24);
    // The process dies after the first tag write (one mutation, or the bulk removals): not an
    // API failure, so nothing catches it. Shopify has part of the tags, Kizuna none.
    const crashing = around(async (call, send) => {
      if (call === 2) throw new Error("worker killed");
      return send();
    }, /mutation (TagsAdd|TagsRemove|BulkRunMutation)\b/);
    await expect(sync(crashing)).rejects.toThrow("worker killed");
    expect(received().length).toBe(start);
    await sync();
    const expected = moves(before, await taggedSegments());
    expect(expected.length).toBeGreaterThan(5);
    expect(firedMoves(start)).toEqual(expected);
  }, 120_000);

  it("a run that crashed after Flow accepted a batch never sends it again", async () => {
    const start = received().length;
    const before = await taggedSegments();
    await recompute(24);
    const crashing = around(async (call, send) => {
      const data = await send();
      if (call === 2) throw new Error("worker killed mid-request");
      return data;
    });
    await expect(sync(crashing)).rejects.toThrow("worker killed mid-request");
    const afterCrash = received().length;
    await sync();
    const expected = moves(before, await taggedSegments());
    const fired = firedMoves(start);
    // Nothing twice; everything once, the batch that was in flight included.
    expect(new Set(fired).size).toBe(fired.length);
    expect(fired).toEqual(expected);
    expect(afterCrash - start).toBe(2 * FLOW_BATCH_SIZE);
    const r = await report();
    expect(r.flowFailed).toBe(FLOW_BATCH_SIZE);
    expect(r.flowFailures).toEqual([{ reason: OUTCOME_UNKNOWN, count: FLOW_BATCH_SIZE }]);
    const unknown = await h.ctx.db.flowTriggerEvent.count({
      where: { shopId: h.shopId, error: OUTCOME_UNKNOWN, sentAt: null },
    });
    expect(unknown).toBe(FLOW_BATCH_SIZE);
  }, 120_000);

  it("throttled by Shopify: retried until Flow takes every trigger", async () => {
    const start = received().length;
    const before = await taggedSegments();
    await recompute(20);
    const throttling = around(async (call, send) => {
      if (call === 1) h.fake.faults.force("throttled", 3);
      if (call === 2) h.fake.faults.force("http429", 2);
      return send();
    });
    await sync(throttling);
    expect(h.fake.faults.counts.throttled).toBeGreaterThanOrEqual(3);
    const expected = moves(before, await taggedSegments());
    expect(firedMoves(start)).toEqual(expected);
    expect((await report()).flowFailed).toBe(0);
  }, 120_000);

  it("Flow failing: recorded with its reason, retried later, tags written", async () => {
    const start = received().length;
    const before = await taggedSegments();
    await recompute(40);
    // Flow refuses two triggers; then the API fails for good (5xx past the client's retries).
    h.shop.flow.rejectNext(2, "Flow is unavailable");
    const failing = around(async (call, send) => {
      if (call === 2) h.fake.faults.force("http5xx", 40);
      return send();
    });
    const result = await sync(failing);
    h.fake.faults.clear();
    const after = await taggedSegments();
    const expected = moves(before, after);
    // Tagging went on: every change written, the tags in Shopify are the segments.
    expect(result.failed).toBe(0);
    expect(expected.length).toBeGreaterThan(2 * FLOW_BATCH_SIZE);
    const r = await report();
    expect(r.failed).toBe(0);
    expect(r.flowFired).toBe(FLOW_BATCH_SIZE - 2);
    expect(r.flowPending).toBe(expected.length - r.flowFired);
    expect(r.flowFailures.map((f) => f.reason)).toEqual(
      expect.arrayContaining([
        "Flow: Flow is unavailable",
        expect.stringMatching(/^Flow: Shopify Admin API .*HTTP 5\d\d/) as unknown,
      ]),
    );
    // The next run sends those never tried; the failed ones wait for their backoff …
    const failedOnes = 2 + FLOW_BATCH_SIZE;
    await sync();
    expect(received().length - start).toBe(expected.length - failedOnes);
    expect((await report()).flowPending).toBe(failedOnes);
    // … and go out once it is over.
    await sync(undefined, { now: () => new Date(Date.now() + 7 * 3_600_000) });
    expect(firedMoves(start)).toEqual(expected);
    const last = await report();
    expect(last).toMatchObject({ flowPending: 0, flowFired: failedOnes, flowFailed: 0 });
  }, 180_000);

  it("keeps each request's payloads within the size limit, and sends no payload over it", async () => {
    const start = received().length;
    const before = await taggedSegments();
    await recompute(30);
    const one = payloadBytes(
      flowPayload(
        { customerId: ID_BASE, from: "need_attention", to: "about_to_sleep" },
        { pAlive: 0.1234, clvMinor: 123_456n },
        "JPY",
      ),
    );
    const limit = Math.floor(one * 2.5);
    await sync(undefined, { maxPayloadBytes: limit });
    const expected = moves(before, await taggedSegments());
    expect(firedMoves(start)).toEqual(expected);
    // Each request's payloads within the limit, and a request ends only when the next
    // trigger would not fit (or the batch is full): the limit, not the count, cut them.
    const requests = [...byRequest(received().slice(start)).values()];
    expect(requests.length).toBeGreaterThan(Math.ceil(expected.length / FLOW_BATCH_SIZE));
    const bytes = (group: readonly { bytes: number }[]) => group.reduce((s, r) => s + r.bytes, 0);
    requests.forEach((group, i) => {
      expect(bytes(group)).toBeLessThanOrEqual(limit);
      const next = requests[i + 1]?.[0];
      if (next && group.length < FLOW_BATCH_SIZE)
        expect(bytes(group) + next.bytes).toBeGreaterThan(limit);
    });

    // A limit no payload fits: nothing sent, each given up with the reason.
    const next = received().length;
    const before2 = await taggedSegments();
    await recompute(30);
    await sync(undefined, { maxPayloadBytes: 40 });
    const expected2 = moves(before2, await taggedSegments());
    expect(received().length).toBe(next);
    expect((await report()).flowFailures).toEqual([
      { reason: "Payload over Flow's limit of 40 bytes", count: expected2.length },
    ]);
  }, 180_000);

  it("fires nothing while no workflow uses the trigger", async () => {
    await setShop({ flowTriggerEnabled: false });
    const start = received().length;
    await recompute(30);
    const result = await sync();
    expect(result.written).toBeGreaterThan(0);
    expect(received().length).toBe(start);
    expect(
      await h.ctx.db.flowTriggerEvent.count({
        where: { shopId: h.shopId, sentAt: null, failedAt: null },
      }),
    ).toBe(0);
    expect((await report()).flowEnabled).toBe(false);
  }, 120_000);

  it("fires for a first tagging when the merchant enables it (turning tag sync on again)", async () => {
    await setShop({ flowTriggerEnabled: true, tagSync: { enabled: false } });
    await sync();
    expect((await taggedSegments()).size).toBeGreaterThan(0);
    expect([...(await taggedSegments()).values()].every((s) => s === null)).toBe(true);
    const shop = await h.ctx.db.shop.findUniqueOrThrow({ where: { id: h.shopId } });
    expect(shop.firstTaggedAt).toBeNull();

    const start = received().length;
    await setShop({ tagSync: { enabled: true, flowOnFirstTagging: true } });
    await sync();
    const tagged = [...(await taggedSegments())].filter(([, s]) => s !== null);
    expect(tagged.length).toBeGreaterThan(100);
    expect(firedMoves(start)).toEqual(tagged.map(([id, s]) => `${id} →${s}`).sort());
  }, 180_000);
});
