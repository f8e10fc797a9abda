/**
 * /api/nps, through the route module's loader and action with real Request objects and
 * session tokens minted like Shopify's: what is stored, what is refused, and that a
 * refused request stores nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
import { NPS_RATE_LIMIT } from "../../app/extensions/nps.server";
import { closeSharedRateLimiters, redisRateLimiter } from "../../app/extensions/rate-limit.server";
import { createRedis } from "../../app/redis.server";
import { action, loader } from "../../app/routes/api.nps";
import { freePort } from "../helpers/ports";
import { domainOf, extensionToken, storeName } from "./tokens";

const ORIGIN = "https://extensions.shopifycdn.com";
const URL_NPS = "https://kizuna.test/api/nps";

const store = storeName("nps-a");
const otherStore = storeName("nps-b");
const uninstalledStore = storeName("nps-gone");
const unknownStore = storeName("nps-unknown");
let shopId = 0;
let otherShopId = 0;

// Orders of the shop as sync stored them: one with a customer, one guest order.
const OWNED_ORDER = 5_000_000_001n;
const GUEST_ORDER = 5_000_000_002n;
const OWNER = 7_000_000_001n;
const STRANGER = 7_000_000_999n;
let nextOrder = 6_000_000_000n;
/** An order id no other test uses (not synced yet, like on the Thank you page). */
const freshOrder = () => ++nextOrder;
const gid = (id: bigint) => `gid://shopify/Order/${id}`;

type Args = Parameters<typeof action>[0];
const args = (request: Request): Args => ({ request, params: {}, context: {} });

async function post(body: unknown, token: string | null, raw?: string): Promise<Response> {
  const headers: Record<string, string> = { Origin: ORIGIN, "Content-Type": "application/json" };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  const request = new Request(URL_NPS, {
    method: "POST",
    headers,
    body: raw ?? JSON.stringify(body),
  });
  return action(args(request));
}

async function get(query: Record<string, string>, token: string): Promise<Response> {
  const request = new Request(`${URL_NPS}?${new URLSearchParams(query)}`, {
    headers: { Origin: ORIGIN, Authorization: `Bearer ${token}` },
  });
  return loader(args(request));
}

const rowsOf = (id: number, orderId: bigint) =>
  prisma.npsResponse.findMany({ where: { shopId: id, orderId } });

beforeAll(async () => {
  const shop = await prisma.shop.create({ data: { domain: domainOf(store) } });
  const other = await prisma.shop.create({ data: { domain: domainOf(otherStore) } });
  await prisma.shop.create({
    data: { domain: domainOf(uninstalledStore), status: "uninstalled" },
  });
  shopId = shop.id;
  otherShopId = other.id;
  const order = (id: bigint, customerId: bigint | null) => ({
    shopId,
    id,
    customerId,
    processedAt: new Date("2026-06-01T00:00:00Z"),
    grossMinor: 5_000n,
    netMinor: 5_000n,
    shopifyUpdatedAt: new Date("2026-06-01T00:00:00Z"),
  });
  await prisma.order.createMany({ data: [order(OWNED_ORDER, OWNER), order(GUEST_ORDER, null)] });
});

afterAll(async () => {
  await prisma.shop.deleteMany({
    where: { domain: { in: [store, otherStore, uninstalledStore].map(domainOf) } },
  });
  closeSharedRateLimiters();
  await prisma.$disconnect();
});

describe("POST /api/nps with a valid session token", () => {
  it("stores a guest's answer from the Thank you page, with CORS for the extension", async () => {
    const orderId = freshOrder();
    const response = await post(
      { orderId: gid(orderId), score: 9, source: "thank-you" },
      await extensionToken(store),
    );
    expect(response.status).toBe(201);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const body = (await response.json()) as { created: boolean; answer: Record<string, unknown> };
    expect(body.created).toBe(true);
    expect(body.answer).toMatchObject({ orderId: gid(orderId), score: 9, comment: null });
    const rows = await rowsOf(shopId, orderId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      score: 9,
      comment: null,
      source: "thank-you",
      customerId: null,
    });
  });

  it("links the answer to the stored order's customer", async () => {
    const response = await post(
      { orderId: gid(OWNED_ORDER), score: 10, source: "thank-you" },
      await extensionToken(store),
    );
    expect(response.status).toBe(201);
    expect((await rowsOf(shopId, OWNED_ORDER))[0]?.customerId).toBe(OWNER);
  });

  it("links an order not synced yet to the logged-in buyer of the token", async () => {
    const orderId = freshOrder();
    const token = await extensionToken(store, { customerId: STRANGER });
    expect(
      (await post({ orderId: gid(orderId), score: 4, source: "thank-you" }, token)).status,
    ).toBe(201);
    expect((await rowsOf(shopId, orderId))[0]?.customerId).toBe(STRANGER);
  });

  it("accepts the thank-you page's OrderIdentity gid as the same order", async () => {
    const orderId = freshOrder();
    const response = await post(
      { orderId: `gid://shopify/OrderIdentity/${orderId}`, score: 8, source: "thank-you" },
      await extensionToken(store),
    );
    expect(response.status).toBe(201);
    expect(await rowsOf(shopId, orderId)).toHaveLength(1);
  });

  it("updates the same row on a second answer, also from the order status page", async () => {
    const orderId = freshOrder();
    const token = await extensionToken(store, { customerId: OWNER });
    await post({ orderId: gid(orderId), score: 6, source: "thank-you" }, token);
    const first = (await rowsOf(shopId, orderId))[0]!;

    const second = await post(
      { orderId: gid(orderId), score: 9, comment: "  配送が早かった  ", source: "order-status" },
      token,
    );
    expect(second.status).toBe(200);
    expect(((await second.json()) as { created: boolean }).created).toBe(false);
    const rows = await rowsOf(shopId, orderId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: first.id,
      score: 9,
      comment: "配送が早かった",
      source: "order-status",
      customerId: OWNER,
    });
    expect(rows[0]!.createdAt.getTime()).toBe(first.createdAt.getTime());
  });

  it("keeps one row when two first answers to an order arrive at once", async () => {
    const orderId = freshOrder();
    const token = await extensionToken(store);
    const responses = await Promise.all(
      [4, 5, 6].map((score) => post({ orderId: gid(orderId), score, source: "thank-you" }, token)),
    );
    for (const response of responses) expect(response.status).toBeLessThan(300);
    expect(await rowsOf(shopId, orderId)).toHaveLength(1);
  });

  it("accepts a comment of exactly 1,000 characters, counting emoji as one", async () => {
    const orderId = freshOrder();
    const comment = "😀".repeat(500) + "あ".repeat(500);
    const response = await post(
      { orderId: gid(orderId), score: 0, comment, source: "thank-you" },
      await extensionToken(store),
    );
    expect(response.status).toBe(201);
    expect((await rowsOf(shopId, orderId))[0]?.comment).toBe(comment);
  });

  it("drops control characters PostgreSQL cannot store, keeping line breaks", async () => {
    const orderId = freshOrder();
    const response = await post(
      { orderId: gid(orderId), score: 7, comment: "good\u0000 value\nthanks", source: "thank-you" },
      await extensionToken(store),
    );
    expect(response.status).toBe(201);
    expect((await rowsOf(shopId, orderId))[0]?.comment).toBe("good value\nthanks");
  });

  it("keeps 64-bit order and customer ids exact (2^63 − 1, Shopify's 18-digit samples)", async () => {
    const orderId = 2n ** 63n - 1n;
    const buyer = 115310627314723954n;
    const token = await extensionToken(store, { customerId: buyer });
    const response = await post({ orderId: gid(orderId), score: 7, source: "thank-you" }, token);
    expect(response.status).toBe(201);
    const body = (await response.json()) as { answer: { orderId: string } };
    expect(body.answer.orderId).toBe("gid://shopify/Order/9223372036854775807");
    expect(await rowsOf(shopId, orderId)).toMatchObject([{ orderId, customerId: buyer }]);
    const own = await get({ orderId: gid(orderId), source: "order-status" }, token);
    expect(((await own.json()) as { answer: unknown }).answer).toMatchObject({ score: 7 });
    // Past the signed 64-bit range, and an id sent as a bare (rounded) JSON number.
    const tooLarge = await post({ orderId: gid(2n ** 63n), score: 7, source: "thank-you" }, token);
    expect(tooLarge.status).toBe(400);
    expect(await tooLarge.text()).toContain("orderId: is out of range");
    const bare = await post(
      null,
      token,
      '{"orderId":820982911946154508,"score":7,"source":"thank-you"}',
    );
    expect(bare.status).toBe(400);
    expect(await bare.text()).toContain("orderId: must be an order id");
    expect(await rowsOf(shopId, 820982911946154508n)).toEqual([]);
  });

  it("keeps shops apart: another shop's token writes only to that shop", async () => {
    const response = await post(
      { orderId: gid(OWNED_ORDER), score: 1, source: "thank-you" },
      await extensionToken(otherStore),
    );
    expect(response.status).toBe(201);
    expect((await rowsOf(otherShopId, OWNED_ORDER))[0]).toMatchObject({
      score: 1,
      customerId: null,
    });
    expect((await rowsOf(shopId, OWNED_ORDER))[0]?.score).toBe(10);
  });
});

describe("POST /api/nps refuses", () => {
  const body = (orderId: bigint) => ({ orderId: gid(orderId), score: 5, source: "thank-you" });

  it.each([
    ["an expired token", () => extensionToken(store, { expiresIn: -60 })],
    ["a token for another app", () => extensionToken(store, { overrides: { aud: "other-app" } })],
    ["a token signed with another secret", () => extensionToken(store, { secret: "not-ours" })],
    ["a token of a shop without Kizuna", () => extensionToken(unknownStore)],
    ["a token of a shop that uninstalled Kizuna", () => extensionToken(uninstalledStore)],
    ["a token not valid yet", () => extensionToken(store, { overrides: { nbf: 4_102_444_800 } })],
    ["garbage", async () => "not.a.jwt"],
  ])("%s with 401 and stores nothing", async (_label, mint) => {
    const orderId = freshOrder();
    const response = await post(body(orderId), await mint());
    expect(response.status).toBe(401);
    // CORS headers even on the refusal, so the extension can read the status.
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(await prisma.npsResponse.count({ where: { orderId } })).toBe(0);
  });

  it("a request without a token with 401", async () => {
    const orderId = freshOrder();
    expect((await post(body(orderId), null)).status).toBe(401);
    expect(await prisma.npsResponse.count({ where: { orderId } })).toBe(0);
  });

  it("a bad token with 401 before looking at a malformed body", async () => {
    const response = await post(null, await extensionToken(store, { secret: "x" }), "{oops");
    expect(response.status).toBe(401);
  });

  const longComment = "a".repeat(1_001);
  it.each<[string, (orderId: string) => unknown, string]>([
    ["a score above 10", (o) => ({ orderId: o, score: 11, source: "thank-you" }), "score"],
    ["a negative score", (o) => ({ orderId: o, score: -1, source: "thank-you" }), "score"],
    ["a fractional score", (o) => ({ orderId: o, score: 7.5, source: "thank-you" }), "score"],
    ["a score as text", (o) => ({ orderId: o, score: "7", source: "thank-you" }), "score"],
    ["no score", (o) => ({ orderId: o, source: "thank-you" }), "score"],
    [
      "a 1,001-character comment",
      (o) => ({ orderId: o, score: 7, comment: longComment, source: "thank-you" }),
      "comment",
    ],
    [
      "a comment that is not text",
      (o) => ({ orderId: o, score: 7, comment: 42, source: "thank-you" }),
      "comment",
    ],
    ["a numeric order id", () => ({ orderId: "123", score: 7, source: "thank-you" }), "orderId"],
    [
      "a product gid",
      () => ({ orderId: "gid://shopify/Product/1", score: 7, source: "thank-you" }),
      "orderId",
    ],
    [
      "an order id above 2^63",
      () => ({ orderId: gid(2n ** 63n), score: 7, source: "thank-you" }),
      "orderId",
    ],
    ["an unknown source", (o) => ({ orderId: o, score: 7, source: "email" }), "source"],
    [
      "an unknown field",
      (o) => ({ orderId: o, score: 7, source: "thank-you", customerId: "1" }),
      "customerId",
    ],
    ["an array", () => [], "(body)"],
  ])("%s with 400 naming the field, and stores nothing", async (_label, make, field) => {
    const orderId = freshOrder();
    const response = await post(make(gid(orderId)), await extensionToken(store));
    expect(response.status).toBe(400);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("invalid_request");
    expect(error.message).toContain(field);
    expect(await prisma.npsResponse.count({ where: { shopId, orderId } })).toBe(0);
  });

  it.each([
    ["not JSON", "{score: 7"],
    ["empty", ""],
  ])("a body that is %s with 400", async (_label, raw) => {
    const response = await post(null, await extensionToken(store), raw);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      "invalid_json",
    );
  });

  it("a body over 32 KB with 413", async () => {
    const raw = JSON.stringify({ pad: "x".repeat(40_000) });
    const response = await post(null, await extensionToken(store), raw);
    expect(response.status).toBe(413);
  });

  it("a logged-in buyer answering another customer's order with 403", async () => {
    const token = await extensionToken(store, { customerId: STRANGER });
    const response = await post(
      { orderId: gid(OWNED_ORDER), score: 0, source: "order-status" },
      token,
    );
    expect(response.status).toBe(403);
    expect((await rowsOf(shopId, OWNED_ORDER))[0]).toMatchObject({ score: 10, customerId: OWNER });
  });

  it("other methods with 405", async () => {
    const request = new Request(URL_NPS, { method: "PUT", body: "{}" });
    expect((await action(args(request))).status).toBe(405);
  });

  it("the sixth answer to one order within the hour with 429, keeping the fifth", async () => {
    const orderId = freshOrder();
    const token = await extensionToken(store);
    for (let score = 1; score <= NPS_RATE_LIMIT.limit; score++) {
      const response = await post({ orderId: gid(orderId), score, source: "thank-you" }, token);
      expect(response.status).toBeLessThan(300);
    }
    const limited = await post({ orderId: gid(orderId), score: 10, source: "thank-you" }, token);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await rowsOf(shopId, orderId))[0]?.score).toBe(NPS_RATE_LIMIT.limit);
    // The counter lives under the run's key prefix, so the run's teardown removes it.
    const redis = createRedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", "worker");
    const key = `${process.env.QUEUE_PREFIX}:rate:nps:${domainOf(store)}:${orderId}`;
    expect(await redis.get(key)).toBe(String(NPS_RATE_LIMIT.limit + 1));
    redis.disconnect();
    // Other orders are not affected.
    const other = await post({ orderId: gid(freshOrder()), score: 10, source: "thank-you" }, token);
    expect(other.status).toBe(201);
  });
});

describe("OPTIONS and GET /api/nps", () => {
  it("answers the CORS preflight", async () => {
    const request = new Request(URL_NPS, {
      method: "OPTIONS",
      headers: {
        Origin: ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
      },
    });
    const response = await loader(args(request));
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(response.headers.get("Access-Control-Allow-Headers")).toContain("Authorization");
  });

  it("gives a logged-in buyer their own answer back, and nobody else", async () => {
    const query = { orderId: gid(OWNED_ORDER), source: "order-status" };
    const own = await get(query, await extensionToken(store, { customerId: OWNER }));
    expect(own.status).toBe(200);
    expect(((await own.json()) as { answer: unknown }).answer).toMatchObject({ score: 10 });

    for (const token of [
      await extensionToken(store),
      await extensionToken(store, { customerId: STRANGER }),
      await extensionToken(otherStore, { customerId: OWNER }),
    ]) {
      const response = await get(query, token);
      expect(((await response.json()) as { answer: unknown }).answer).toBeNull();
    }
  });

  it("refuses a bad token and a malformed order id", async () => {
    const query = { orderId: gid(OWNED_ORDER), source: "order-status" };
    expect((await get(query, await extensionToken(store, { expiresIn: -60 }))).status).toBe(401);
    const bad = await get({ orderId: "1", source: "thank-you" }, await extensionToken(store));
    expect(bad.status).toBe(400);
  });
});

describe("the rate limiter", () => {
  it("lets answers through when Redis is unreachable", async () => {
    const redis = createRedis(`redis://127.0.0.1:${await freePort()}`, "producer");
    redis.on("error", () => {});
    const limiter = redisRateLimiter(redis, { ...NPS_RATE_LIMIT, readyTimeoutMs: 200 });
    await expect(limiter.hit("any")).resolves.toMatchObject({ allowed: true });
    redis.disconnect();
  });
});
