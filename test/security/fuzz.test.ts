/**
 * Property tests (fast-check) of every input an outsider or a merchant controls, through
 * the real server build in this process: webhook payloads of each topic under a valid HMAC
 * (the intake and the worker's processing), Shopify Flow's lifecycle callback (signed or
 * not), the settings form, marketing spend entries,
 * deletes and CSV imports, segment actions, segment list queries, the NPS API and the
 * customer-metrics API. 10,000 cases in all (about a quarter of them in `npm test`, see
 * RUNS). No input gives a 5xx or a crash, and none writes partly: a refused input leaves the
 * database as it was, an accepted one is stored whole.
 */
import { createHmac, randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
import { closeSharedRateLimiters } from "../../app/extensions/rate-limit.server";
import { closeQueues, getQueue } from "../../app/jobs/queues.server";
import type { WebhookJob } from "../../app/jobs/queues.server";
import { logger } from "../../app/logger.server";
import { allCustomerResults } from "../../app/metrics/result-set.server";
import {
  normalizeInput,
  SETTINGS_FIELD_NAMES,
  settingsToForm,
} from "../../app/pages/settings-form";
import { DEFAULT_SETTINGS, parseSettings, settingsSchema } from "../../app/settings";
import type { AdminApi } from "../../app/sync/admin-api.server";
import type { WebhookContext } from "../../app/sync/context.server";
import { processWebhook } from "../../app/sync/webhook-processing.server";
import { createRowStore, type RowStore } from "../../app/sync/store.server";
import { removeShops, seedShop, type SeededShop } from "../e2e/harness";
import {
  adminToken,
  API_SECRET,
  APP_ORIGIN,
  domainOf,
  extensionToken,
  loadApp,
  shopState,
  stable,
  storeName,
} from "./app-build";
import { variant } from "../helpers/variant";

const app = await loadApp();
const store = storeName("sec-fuzz");
const bystander = storeName("sec-fuzz-other");
let shop: SeededShop;
let other: SeededShop;
let rows: RowStore;
let ctx: WebhookContext;
let cases = 0;

/**
 * Runs per property: 10,000 cases in all in the full variant (`npm run bench:full`), a
 * quarter of them in `npm test` (test/helpers/variant.ts) — every property still draws both
 * accepted and refused inputs.
 */
const RUNS = {
  webhookIntake: variant(150, 40), // × each webhook topic (14 today)
  // × each topic the worker processes with a payload (15 today)
  webhookProcessing: variant(150, 40),
  // Accepted callbacks are rare draws (signed, well-formed, newer): the full count in both.
  flowLifecycle: 300,
  settings: variant(1_500, 400),
  spendAdd: variant(1_000, 250),
  spendDelete: variant(300, 80),
  spendImport: variant(800, 200),
  segmentAction: variant(600, 150),
  segmentQuery: variant(400, 100),
  nps: variant(1_300, 320),
  customerMetrics: variant(500, 120),
};
/** Cases the suite runs at least (18 webhook topics, 15 of them processed). */
const TOTAL = variant(10_000, 2_800);

type Outcome = "accepted" | "refused";

beforeAll(async () => {
  // Small shops, segmented anyway (the minimum is 50), so segments and customer rows exist.
  const settings = { minSegmentCustomers: 1 };
  shop = await seedShop({ store, customers: 30, npsResponses: 3, settings });
  other = await seedShop({ store: bystander, customers: 10, settings });
  rows = createRowStore(process.env.DATABASE_URL!);
  const api = {
    // Shopify knows none of the fuzzed orders, products or inventory items (each read takes
    // the field it asked for: a connection is always there, empty).
    request: () =>
      Promise.resolve({
        order: null,
        product: null,
        collection: null,
        products: { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } },
        inventoryItems: { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } },
      }),
  } as unknown as AdminApi;
  ctx = { db: prisma, store: rows, api: () => api, log: logger.child({ level: "silent" }) };
}, 120_000);

afterAll(async () => {
  await removeShops([shop.domain, other.domain, domainOf(storeName("sec-fuzz-hooks"))]);
  await rows.close();
  await app.close();
  closeSharedRateLimiters();
  await closeQueues();
});

/** Runs a property; returns how many inputs were accepted and refused. */
const run = async <T>(
  arbitrary: fc.Arbitrary<T>,
  numRuns: number,
  check: (value: T) => Promise<Outcome>,
): Promise<Record<Outcome, number>> => {
  const seen = { accepted: 0, refused: 0 };
  await fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      cases++;
      seen[await check(value)]++;
    }),
    { numRuns, endOnFailure: true },
  );
  return seen;
};

/** A single-fetch action's result: `ok` is the first boolean of each result object. */
function outcomeOf(body: string): Outcome {
  const accepted = body.includes('"ok",true');
  expect(accepted, body.slice(0, 300)).not.toBe(body.includes('"ok",false'));
  return accepted ? "accepted" : "refused";
}

/** Both kinds of input were generated: the property exercised each branch. */
const both = (seen: Record<Outcome, number>) => {
  expect(seen.accepted).toBeGreaterThan(0);
  expect(seen.refused).toBeGreaterThan(0);
};

// ---------------------------------------------------------------------------------------
// Inputs: arbitrary text, plus text that is nearly valid (where the bugs live).

const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom(
    "",
    " ",
    "-0",
    "1e309",
    "NaN",
    "Infinity",
    "0x10",
    "１２３",
    "9".repeat(40),
    "1,000",
    "¥1,000",
    "50%",
    "12.345",
    "-1",
    "\u0000",
    '\'; DROP TABLE "Shop"; --',
    "<script>",
    "2025-13",
    "2025/02",
    "true",
    "on",
  ),
  fc.integer().map(String),
  fc.double().map(String),
);

const sign = (body: string) => createHmac("sha256", API_SECRET).update(body).digest("base64");

async function post(path: string, body: FormData, token: string): Promise<Response> {
  return app.handle(
    new Request(new URL(path, APP_ORIGIN), {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
      body,
    }),
  );
}

/** The turbo-stream body of a single-fetch action, as text. */
const text = (response: Response) => response.text();

const form = (fields: Record<string, string | Blob>) => {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.set(k, v);
  return data;
};

async function settingsAndSpend(shopId: number) {
  const [s, spend] = await Promise.all([
    prisma.shop.findUniqueOrThrow({ where: { id: shopId }, select: { settings: true } }),
    prisma.marketingSpend.findMany({ where: { shopId }, orderBy: { id: "asc" } }),
  ]);
  return stable({ settings: s.settings, spend });
}

// ---------------------------------------------------------------------------------------

describe("webhooks under a valid HMAC", () => {
  const topics = Object.values(app.build.routes)
    .map((r) => r.path ?? "")
    .filter((p) => p.startsWith("webhooks/"))
    .map((p) => p.slice("webhooks/".length));
  const hookShop = domainOf(storeName("sec-fuzz-hooks"));

  it("the intake answers 200 (queued) or 4xx for any payload of any topic", async () => {
    expect(topics.length).toBeGreaterThanOrEqual(14);
    const payload = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string(),
      fc
        .record({ id: fc.oneof(fc.integer(), fc.string()), updated_at: nasty })
        .map((v) => JSON.stringify(v)),
    );
    const total = { accepted: 0, refused: 0 };
    for (const topic of topics) {
      const seen = await run(payload, RUNS.webhookIntake, async (body): Promise<Outcome> => {
        const webhookId = randomUUID();
        const response = await app.handle(
          new Request(new URL(`/webhooks/${topic}`, APP_ORIGIN), {
            method: "POST",
            headers: {
              "Content-Type": "application/json",
              "X-Shopify-Topic": topic,
              // A shop Kizuna does not know: the lifecycle topics act at once.
              "X-Shopify-Shop-Domain": hookShop,
              "X-Shopify-API-Version": "2026-10",
              "X-Shopify-Webhook-Id": webhookId,
              "X-Shopify-Hmac-Sha256": sign(body),
            },
            body,
          }),
        );
        await response.text();
        expect([200, 400]).toContain(response.status);
        const job = await getQueue("webhooks").getJob(`wh-${webhookId}`);
        if (response.status === 400) expect(job).toBeUndefined();
        if (job) await job.remove();
        return response.status === 200 ? "accepted" : "refused";
      });
      total.accepted += seen.accepted;
      total.refused += seen.refused;
    }
    both(total);
  }, 300_000);

  it("the worker applies a payload whole or refuses it without writing", async () => {
    // shop/redact takes no input but the shop: it is the GDPR suite's subject, not fuzzed.
    const processed = topics.filter((t) => t !== "shop/redact" && !t.startsWith("app/"));
    const customer = await prisma.customer.findFirstOrThrow({ where: { shopId: shop.shopId } });
    const order = await prisma.order.findFirstOrThrow({ where: { shopId: shop.shopId } });
    const id = fc.oneof(
      fc.constantFrom(Number(customer.id), Number(order.id), String(order.id)),
      fc.integer(),
      fc.string({ maxLength: 12 }),
      fc.constant(null),
    );
    const payload = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          id,
          order_id: id,
          updated_at: fc.oneof(
            nasty,
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          ),
          created_at: fc.oneof(
            nasty,
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          ),
          tags: nasty,
          customer: fc.record({ id }, { requiredKeys: [] }),
          orders_to_redact: fc.array(id, { maxLength: 3 }),
          admin_graphql_api_id: nasty,
          status: nasty,
        },
        { requiredKeys: [] },
      ),
    );
    const total = { accepted: 0, refused: 0 };
    for (const topic of processed) {
      const jobTopic = topic.toUpperCase().replace("/", "_");
      const seen = await run(payload, RUNS.webhookProcessing, async (body): Promise<Outcome> => {
        const job: WebhookJob = {
          shop: shop.domain,
          topic: jobTopic,
          webhookId: randomUUID(),
          receivedAt: new Date().toISOString(),
          payload: body,
        };
        const before = await shopState(shop.domain);
        let refused = false;
        try {
          await processWebhook(ctx, job);
        } catch (error) {
          // Refused input is a payload error (the job fails without retries), never another crash.
          expect((error as Error).name, String(error)).toBe("WebhookPayloadError");
          refused = true;
        }
        if (refused) {
          expect(await shopState(shop.domain)).toBe(before);
        } else if (
          !jobTopic.startsWith("CUSTOMERS_DATA") &&
          !jobTopic.startsWith("CUSTOMERS_REDACT")
        ) {
          // Applied: recorded as seen, so a redelivery is not applied again.
          const seen = await prisma.webhookEvent.count({
            where: { shopId: shop.shopId, webhookId: job.webhookId },
          });
          expect(seen).toBe(1);
        }
        return refused ? "refused" : "accepted";
      });
      total.accepted += seen.accepted;
      total.refused += seen.refused;
    }
    both(total);
  }, 300_000);
});

describe("Shopify Flow's lifecycle callback", () => {
  it("unsigned: 401 and nothing changes; signed: applied to the shop it names, or 400", async () => {
    const flowState = () =>
      prisma.shop.findMany({
        where: { id: { in: [shop.shopId, other.shopId] } },
        orderBy: { id: "asc" },
        select: { id: true, flowTriggerEnabled: true, flowTriggerUsageAt: true },
      });
    const callback = fc.record(
      {
        flow_trigger_definition_id: fc.oneof(fc.constant("rfm-segment-changed"), nasty),
        has_enabled_flow: fc.oneof(fc.boolean(), nasty),
        shop_id: fc.oneof(fc.integer(), nasty),
        shopify_domain: fc.oneof(fc.constantFrom(shop.domain, other.domain), nasty),
        timestamp: fc.oneof(
          fc
            .date({
              min: new Date("2020-01-01T00:00:00Z"),
              max: new Date("2040-01-01T00:00:00Z"),
              noInvalidDate: true,
            })
            .map((d) => d.toISOString()),
          nasty,
        ),
      },
      { requiredKeys: [] },
    );
    const input = fc.record({
      body: fc.oneof(
        callback.map((v) => JSON.stringify(v)),
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.string(),
      ),
      signed: fc.boolean(),
    });
    const seen = await run(input, RUNS.flowLifecycle, async ({ body, signed }) => {
      const before = await flowState();
      const response = await app.handle(
        new Request(new URL("/flow/lifecycle", APP_ORIGIN), {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            ...(signed ? { "X-Shopify-Hmac-Sha256": sign(body) } : {}),
          },
          body,
        }),
      );
      await response.text();
      const after = await flowState();
      if (!signed) expect(response.status).toBe(401);
      else expect([200, 400]).toContain(response.status);
      if (response.status !== 200) {
        expect(stable(after)).toBe(stable(before));
        return "refused";
      }
      // Applied to the shop the callback names, and only when newer than the one applied.
      const parsed = JSON.parse(body) as {
        shopify_domain: string;
        has_enabled_flow: boolean;
        timestamp: string;
      };
      const named = parsed.shopify_domain === shop.domain ? shop.shopId : other.shopId;
      const at = new Date(parsed.timestamp);
      for (const [i, row] of after.entries()) {
        const was = before[i]!;
        if (row.id !== named || (was.flowTriggerUsageAt && was.flowTriggerUsageAt >= at)) {
          expect(stable(row)).toBe(stable(was));
        } else {
          expect(row).toEqual({
            id: named,
            flowTriggerEnabled: parsed.has_enabled_flow,
            flowTriggerUsageAt: at,
          });
        }
      }
      return "accepted";
    });
    both(seen);
  }, 300_000);
});

describe("the merchant's forms", () => {
  let token = "";
  beforeAll(async () => {
    token = await adminToken(store);
  });
  // ID tokens live a minute: a fresh one now and then keeps the runs independent of time.
  let used = 0;
  const fresh = async () => {
    if (++used % 200 === 0) token = await adminToken(store);
    return token;
  };

  it("settings: stored whole when valid, untouched otherwise", async () => {
    const valid = settingsToForm(DEFAULT_SETTINGS);
    // Mostly valid forms with a few bad fields. With the 13 fields drawn evenly, a wholly
    // valid form came up about twice in 1,500 runs and some seeds drew none (a red CI).
    // Weighted, each field is off its default in 1 run in 6, and about a quarter of the
    // forms are valid (412 of 1,500 in one run).
    const fields = fc.record(
      Object.fromEntries(
        SETTINGS_FIELD_NAMES.map((f) => [
          f,
          fc.oneof(
            { arbitrary: fc.constant(valid[f]), weight: 10 },
            { arbitrary: nasty, weight: 1 },
            { arbitrary: fc.integer({ min: -5, max: 120 }).map(String), weight: 1 },
          ),
        ]),
      ) as Record<(typeof SETTINGS_FIELD_NAMES)[number], fc.Arbitrary<string>>,
    );
    const seen = await run(fields, RUNS.settings, async (values) => {
      const before = await prisma.shop.findUniqueOrThrow({ where: { id: shop.shopId } });
      const response = await post(
        "/app/settings.data",
        form({ ...values, intent: "settings", confirmTagRemoval: "true" }),
        await fresh(),
      );
      const body = await text(response);
      expect(response.status, body.slice(0, 300)).toBeLessThan(400);
      const after = await prisma.shop.findUniqueOrThrow({ where: { id: shop.shopId } });
      const outcome = outcomeOf(body);
      if (outcome === "refused") {
        expect(after.settings).toBe(before.settings);
      } else {
        // Whole: every field was stored and reads back as the engine will use it.
        const stored: unknown = JSON.parse(after.settings);
        expect(settingsSchema.safeParse(stored).success).toBe(true);
        // JSON has no −0: a typed "-0" is stored as hour 0.
        const hour = Number(normalizeInput(values.nightlyHour)) + 0;
        expect(stored).toMatchObject({ nightlyHour: hour });
      }
      return outcome;
    });
    both(seen);
  }, 300_000);

  it("spend entries and deletes: one row written or none", async () => {
    const entry = fc.record({
      month: fc.oneof(
        nasty,
        fc
          .tuple(fc.integer({ min: 1990, max: 2100 }), fc.integer({ min: 0, max: 13 }))
          .map(([y, m]) => `${y}-${m}`),
      ),
      channel: nasty,
      amount: fc.oneof(nasty, fc.bigInt({ min: -10n, max: 10n ** 16n }).map(String)),
    });
    both(
      await run(entry, RUNS.spendAdd, async (fields) => {
        const before = await prisma.marketingSpend.count({ where: { shopId: shop.shopId } });
        const response = await post(
          "/app/settings.data",
          form({ ...fields, intent: "spend-add" }),
          await fresh(),
        );
        const body = await text(response);
        expect(response.status, body.slice(0, 300)).toBeLessThan(400);
        const after = await prisma.marketingSpend.count({ where: { shopId: shop.shopId } });
        expect(after - before).toBeGreaterThanOrEqual(0);
        expect(after - before).toBeLessThanOrEqual(1);
        const outcome = outcomeOf(body);
        if (outcome === "refused") expect(after).toBe(before);
        return outcome;
      }),
    );
    const otherSpend = await prisma.marketingSpend.create({
      data: { shopId: other.shopId, month: "2025-05", channel: "bystander", amountMinor: 1n },
    });
    const id = fc.oneof(
      nasty,
      fc.constant(String(otherSpend.id)),
      fc.integer({ min: -1, max: otherSpend.id + 5 }).map(String),
    );
    await run(id, RUNS.spendDelete, async (value) => {
      const before = await settingsAndSpend(shop.shopId);
      const response = await post(
        "/app/settings.data",
        form({ id: value, intent: "spend-delete" }),
        await fresh(),
      );
      const body = await text(response);
      expect(response.status).toBeLessThan(400);
      const outcome = outcomeOf(body);
      if (outcome === "refused") expect(await settingsAndSpend(shop.shopId)).toBe(before);
      // Another shop's row is never deleted, whatever id is sent.
      expect(await prisma.marketingSpend.count({ where: { id: otherSpend.id } })).toBe(1);
      return outcome;
    });
  }, 300_000);

  it("spend CSV imports: all rows or none", async () => {
    const line = fc
      .tuple(nasty, nasty, nasty)
      .map((cells) =>
        cells.map((c) => (/[",\n\r]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(","),
      );
    const goodLine = fc
      .tuple(
        fc.integer({ min: 2000, max: 2099 }),
        fc.integer({ min: 1, max: 12 }),
        fc.stringMatching(/^[a-z]{1,10}$/),
        fc.integer({ min: 0, max: 10_000_000 }),
      )
      .map(([y, m, c, a]) => `${y}-${String(m).padStart(2, "0")},${c},${a}`);
    const csv = fc
      .tuple(
        fc.oneof(fc.constant("month,channel,amount"), fc.constant("月,チャネル,金額"), nasty),
        fc.array(fc.oneof(goodLine, goodLine, line), { maxLength: 8 }),
        fc.constantFrom("\n", "\r\n"),
      )
      .map(([header, lines, eol]) => [header, ...lines].join(eol));
    const seen = await run(csv, RUNS.spendImport, async (content) => {
      const before = await settingsAndSpend(shop.shopId);
      const file = new Blob([content], { type: "text/csv" });
      const response = await post(
        "/app/settings.data",
        form({ file, intent: "spend-import" }),
        await fresh(),
      );
      const body = await text(response);
      expect(response.status, body.slice(0, 300)).toBeLessThan(400);
      if (outcomeOf(body) === "refused") {
        expect(await settingsAndSpend(shop.shopId)).toBe(before);
        return "refused";
      }
      // Accepted: every data line is now a stored row with its amount.
      // (the generated well-formed lines; the others are checked by the all-or-nothing rule)
      const lines = content.split(/\r?\n/).filter((l) => /^\d{4}-\d{2},[a-z]+,\d+$/.test(l));
      for (const line of lines) {
        const [month, channel, amount] = line.split(",");
        const row = await prisma.marketingSpend.findUnique({
          where: {
            shopId_month_channel_campaign: {
              shopId: shop.shopId,
              month: month!,
              channel: channel!,
              campaign: "",
            },
          },
        });
        expect(row?.amountMinor, line).toBe(BigInt(amount!));
      }
      return "accepted";
    });
    both(seen);
  }, 300_000);

  it("segment actions: saved for a known segment, nothing otherwise", async () => {
    const [metric] = await allCustomerResults(prisma, shop.shopId);
    if (!metric) throw new Error("the shop has no results");
    const input = fc.record({
      segment: fc.oneof(
        fc.constant(metric.segment),
        nasty,
        fc.constantFrom("champions", "__proto__", "constructor"),
      ),
      text: fc.oneof(nasty, fc.string({ minLength: 495, maxLength: 510 })),
    });
    const seen = await run(input, RUNS.segmentAction, async ({ segment, text: actionText }) => {
      const before = await prisma.shop.findUniqueOrThrow({ where: { id: shop.shopId } });
      const response = await post(
        "/app/segments.data?index",
        form({ intent: "action", segment, text: actionText }),
        await fresh(),
      );
      const body = await text(response);
      expect(response.status, body.slice(0, 300)).toBeLessThan(400);
      const after = await prisma.shop.findUniqueOrThrow({ where: { id: shop.shopId } });
      const outcome = outcomeOf(body);
      if (outcome === "refused") {
        expect(after.settings).toBe(before.settings);
      } else {
        const stored = parseSettings(after.settings).segmentActions[segment];
        // Form encoding turns every line break into CRLF, as a browser's does.
        expect(stored ?? "").toBe(actionText.replace(/\r\n|\r|\n/g, "\r\n").trim());
      }
      return outcome;
    });
    both(seen);
  }, 300_000);

  it("segment lists: any id and query is a page or a 404", async () => {
    const input = fc.record({ id: nasty, sort: nasty, direction: nasty, page: nasty });
    await run(input, RUNS.segmentQuery, async ({ id, sort, direction, page }) => {
      const url = new URL(`/app/segments/${encodeURIComponent(id)}.data`, APP_ORIGIN);
      url.search = new URLSearchParams({ sort, direction, page }).toString();
      const response = await app.handle(
        new Request(url, { headers: { Authorization: `Bearer ${await fresh()}` } }),
      );
      await response.text();
      expect(response.status).toBeLessThan(500);
      return response.status === 200 ? "accepted" : "refused";
    });
  }, 300_000);
});

describe("the extension APIs", () => {
  it("NPS: stored whole (one row) or refused without a write", async () => {
    const order = fc.oneof(
      fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }).map((n) => `gid://shopify/Order/${n}`),
      nasty,
      fc.bigInt({ min: 2n ** 63n - 2n, max: 2n ** 66n }).map((n) => `gid://shopify/Order/${n}`),
    );
    // Valid answers (to new orders) as often as anything else: both branches get exercised.
    const valid = fc
      .record({
        orderId: fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }).map((n) => `gid://shopify/Order/${n}`),
        score: fc.integer({ min: 0, max: 10 }),
        comment: fc.oneof(nasty, fc.constant(null)),
        source: fc.constantFrom("thank-you", "order-status"),
      })
      .map((v) => JSON.stringify(v));
    const body = fc.oneof(
      valid,
      fc
        .record(
          {
            orderId: order,
            score: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.double(), nasty),
            comment: fc.oneof(
              nasty,
              fc.string({ minLength: 990, maxLength: 1_010 }),
              fc.constant(null),
            ),
            source: fc.oneof(fc.constantFrom("thank-you", "order-status"), nasty),
            extra: fc.anything(),
          },
          { requiredKeys: ["orderId", "score", "source"] },
        )
        .map((v) => JSON.stringify(v)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string(),
    );
    const checkoutToken = await extensionToken(store, { expiresIn: 600 });
    const seen = await run(body, RUNS.nps, async (raw): Promise<Outcome> => {
      const before = await prisma.npsResponse.findMany({
        where: { shopId: shop.shopId },
        orderBy: { id: "asc" },
      });
      const response = await app.handle(
        new Request(new URL("/api/nps", APP_ORIGIN), {
          method: "POST",
          headers: {
            Origin: "https://extensions.shopifycdn.com",
            Authorization: `Bearer ${checkoutToken}`,
            "Content-Type": "application/json",
          },
          body: raw,
        }),
      );
      const answer = await response.text();
      expect(response.status, answer.slice(0, 300)).toBeLessThan(500);
      const after = await prisma.npsResponse.findMany({
        where: { shopId: shop.shopId },
        orderBy: { id: "asc" },
      });
      if (response.status >= 400) {
        expect(stable(after)).toBe(stable(before));
        return "refused";
      }
      expect(after.length - before.length).toBeGreaterThanOrEqual(0);
      expect(after.length - before.length).toBeLessThanOrEqual(1);
      return "accepted";
    });
    both(seen);
  }, 300_000);

  it("customer metrics: any id is the shop's own row, a 404 or a 4xx, never another shop's", async () => {
    const [otherCustomer] = await allCustomerResults(prisma, other.shopId);
    if (!otherCustomer) throw new Error("the other shop has no results");
    const id = fc.oneof(
      nasty,
      fc.constant(otherCustomer.customerId.toString()),
      fc.constant(`gid://shopify/Customer/${otherCustomer.customerId}`),
      fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String),
    );
    let token = await adminToken(store);
    let used = 0;
    await run(id, RUNS.customerMetrics, async (value) => {
      if (++used % 200 === 0) token = await adminToken(store);
      const response = await app.handle(
        new Request(new URL(`/api/customer-metrics/${encodeURIComponent(value)}`, APP_ORIGIN), {
          headers: {
            Authorization: `Bearer ${token}`,
            Origin: "https://extensions.shopifycdn.com",
          },
        }),
      );
      const answer = await response.text();
      expect(response.status, answer.slice(0, 200)).toBeLessThan(500);
      if (value.includes(otherCustomer.customerId.toString()))
        expect(answer).toContain('"metric":null');
      return response.status === 200 ? "accepted" : "refused";
    });
  }, 300_000);
});

describe("the count", () => {
  it(`ran ${TOTAL.toLocaleString("en")} cases`, () => {
    expect(cases).toBeGreaterThanOrEqual(TOTAL);
  });
});
