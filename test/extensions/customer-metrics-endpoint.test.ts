/**
 * /api/customer-metrics/$id, through the route's loader with admin ID tokens minted like
 * Shopify's: one customer's scores of the token's shop, and nothing of any other shop.
 * Each shop has a stored offline session, as after install, so no token exchange runs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
import { loader } from "../../app/routes/api.customer-metrics.$id";
import { seedResults } from "../helpers/result-set";
import { adminToken, domainOf, storeName } from "./tokens";
import { installOfflineSession } from "../helpers/sessions";

const ORIGIN = "https://extensions.shopifycdn.com";
const store = storeName("metrics-a");
const otherStore = storeName("metrics-b");
const CUSTOMER = 8_000_000_001n;
const OTHER_SHOPS_CUSTOMER = 8_000_000_002n;
const UNSCORED = 8_000_000_003n;
/** Ids past 2^53: 2^63 − 1 and Shopify's 18-digit sample customer id. */
const LARGEST = 2n ** 63n - 1n;
const SAMPLE_CUSTOMER = 115310627314723954n;

/** Calls the loader as Remix would; authenticate.admin throws its 401 and 204 responses. */
async function call(request: Request, id: string): Promise<Response> {
  try {
    return await loader({ request, params: { id }, context: {} });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

async function fetchMetrics(id: string, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Origin: ORIGIN };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  const request = new Request(`https://kizuna.test/api/customer-metrics/${id}`, { headers });
  return call(request, decodeURIComponent(id));
}

async function installShop(domain: string, currency: string): Promise<number> {
  const shop = await prisma.shop.create({ data: { domain, currency } });
  await installOfflineSession(prisma, domain, {
    accessToken: "shpat_test",
    expires: new Date(Date.now() + 24 * 3600_000),
  });
  return shop.id;
}

const metric = (customerId: bigint, segment: string) => ({
  customerId,
  segment,
  recencyScore: 5,
  frequencyScore: 4,
  monetaryScore: 3,
  recencyDays: 12,
  frequency: 6,
  monetaryMinor: 48_000n,
  pAlive: 0.93,
  expected90: 1.25,
  clvMinor: 123_456n,
});
const COMPUTED_AT = new Date("2026-11-20T03:00:00Z");

beforeAll(async () => {
  const shopId = await installShop(domainOf(store), "JPY");
  const otherId = await installShop(domainOf(otherStore), "USD");
  const url = process.env.DATABASE_URL!;
  const ours = [
    metric(CUSTOMER, "champions"),
    metric(SAMPLE_CUSTOMER, "at_risk"),
    metric(LARGEST, "loyal"),
  ].sort((a, b) => (a.customerId < b.customerId ? -1 : 1));
  await seedResults(url, shopId, ours, COMPUTED_AT);
  await seedResults(
    url,
    otherId,
    [{ ...metric(OTHER_SHOPS_CUSTOMER, "lost"), pAlive: null, clvMinor: null }],
    COMPUTED_AT,
  );
});

afterAll(async () => {
  const domains = [store, otherStore].map(domainOf);
  await prisma.session.deleteMany({ where: { shop: { in: domains } } });
  await prisma.shop.deleteMany({ where: { domain: { in: domains } } });
  await prisma.$disconnect();
});

describe("GET /api/customer-metrics/$id", () => {
  it("returns the customer's segment, scores, P(alive), expected purchases and CLV", async () => {
    const response = await fetchMetrics(String(CUSTOMER), await adminToken(store));
    expect(response.status).toBe(200);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(await response.json()).toEqual({
      customerId: String(CUSTOMER),
      metric: {
        segment: { id: "champions", name: "Champions", custom: false },
        scores: { recency: 5, frequency: 4, monetary: 3 },
        recencyDays: 12,
        frequency: 6,
        monetary: { minor: "48000", amount: "48000", currency: "JPY" },
        pAlive: 0.93,
        expected90: 1.25,
        clv: { minor: "123456", amount: "123456", currency: "JPY" },
        computedAt: "2026-11-20T03:00:00.000Z",
      },
      segmentPath: "/app/segments/champions",
    });
  });

  it("accepts the customer's gid, as the admin hands it to the block", async () => {
    const id = encodeURIComponent(`gid://shopify/Customer/${CUSTOMER}`);
    const response = await fetchMetrics(id, await adminToken(store));
    expect(response.status).toBe(200);
  });

  it("keeps money exact in the shop's currency and nulls what the model has not run for", async () => {
    const response = await fetchMetrics(String(OTHER_SHOPS_CUSTOMER), await adminToken(otherStore));
    const body = (await response.json()) as { metric: Record<string, unknown> };
    expect(body.metric).toMatchObject({
      monetary: { minor: "48000", amount: "480.00", currency: "USD" },
      pAlive: null,
      clv: null,
    });
  });

  it("gives a token of another shop nothing", async () => {
    const response = await fetchMetrics(String(CUSTOMER), await adminToken(otherStore));
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      customerId: String(CUSTOMER),
      metric: null,
      segmentPath: null,
    });
    const reverse = await fetchMetrics(String(OTHER_SHOPS_CUSTOMER), await adminToken(store));
    expect(reverse.status).toBe(404);
  });

  it("finds customers by ids past 2^53 exactly, and refuses ids past 2^63 − 1", async () => {
    const token = await adminToken(store);
    for (const [id, segment] of [
      [LARGEST, "loyal"],
      [SAMPLE_CUSTOMER, "at_risk"],
    ] as const) {
      for (const raw of [String(id), encodeURIComponent(`gid://shopify/Customer/${id}`)]) {
        const response = await fetchMetrics(raw, token);
        expect(response.status, raw).toBe(200);
        expect(await response.json(), raw).toMatchObject({
          customerId: String(id),
          metric: { segment: { id: segment } },
        });
      }
    }
    // One past: 2^63 (and the rounded neighbour of the sample id finds nobody).
    expect((await fetchMetrics(String(2n ** 63n), token)).status).toBe(400);
    expect((await fetchMetrics("115310627314723950", token)).status).toBe(404);
  });

  it("answers 404 for a customer without scores and 400 for a malformed id", async () => {
    expect((await fetchMetrics(String(UNSCORED), await adminToken(store))).status).toBe(404);
    const bad = await fetchMetrics("abc", await adminToken(store));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe(
      "invalid_customer_id",
    );
  });

  it.each([
    ["an expired token", () => adminToken(store, { expiresIn: -60 })],
    ["a token for another app", () => adminToken(store, { overrides: { aud: "other-app" } })],
    ["a token signed with another secret", () => adminToken(store, { secret: "not-ours" })],
  ])("refuses %s with 401 and no data", async (_label, mint) => {
    const response = await fetchMetrics(String(CUSTOMER), await mint());
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain("champions");
  });

  it("answers the CORS preflight", async () => {
    const request = new Request(`https://kizuna.test/api/customer-metrics/${CUSTOMER}`, {
      method: "OPTIONS",
      headers: { Origin: ORIGIN, "Access-Control-Request-Method": "GET" },
    });
    const response = await call(request, String(CUSTOMER));
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
  });
});
