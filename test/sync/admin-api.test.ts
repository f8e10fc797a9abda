import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createAdminApi,
  resetThrottleState,
  ShopifyApiError,
} from "../../app/sync/admin-api.server";

/** A scripted Admin API: each request takes the next answer. */
type Answer = { status: number; body?: unknown; headers?: Record<string, string> };
let script: Answer[] = [];
const seen: { token: string | undefined; body: string }[] = [];
let server: Server;
let base = "";

const cost = (available: number) => ({
  cost: {
    requestedQueryCost: 10,
    actualQueryCost: 10,
    throttleStatus: { maximumAvailable: 100, currentlyAvailable: available, restoreRate: 50 },
  },
});

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ token: req.headers["x-shopify-access-token"] as string | undefined, body });
      const answer = script.shift() ?? { status: 500 };
      res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
      res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

beforeEach(() => {
  script = [];
  seen.length = 0;
  resetThrottleState();
});

const sleeps: number[] = [];
function client(maxAttempts = 4) {
  sleeps.length = 0;
  return createAdminApi({
    shop: "api-test.myshopify.com",
    accessToken: async () => "shpat_token",
    maxAttempts,
    // Point https://{shop}/admin/... at the scripted server, keeping the path.
    fetch: (input, init) => fetch(`${base}${new URL(String(input)).pathname}`, init),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
}

describe("the Admin API client", () => {
  it("sends the token to the versioned endpoint and returns data", async () => {
    script = [{ status: 200, body: { data: { shop: { name: "x" } }, extensions: cost(90) } }];
    const data = (await client().request("{ shop { name } }")) as { shop: { name: string } };
    expect(data.shop.name).toBe("x");
    expect(seen[0]!.token).toBe("shpat_token");
    expect(JSON.parse(seen[0]!.body)).toEqual({ query: "{ shop { name } }" });
  });

  it("retries THROTTLED after the time the bucket needs to refill", async () => {
    script = [
      {
        status: 200,
        body: {
          errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }],
          extensions: cost(0),
        },
      },
      { status: 200, body: { data: { ok: true }, extensions: cost(0) } },
    ];
    expect(await client().request("{ ok }")).toEqual({ ok: true });
    // 10 points at 50 points/s = 200 ms.
    expect(sleeps[0]).toBe(200);
  });

  it("waits before a request the known bucket cannot cover", async () => {
    const api = client();
    script = [
      { status: 200, body: { data: { a: 1 }, extensions: cost(2) } },
      { status: 200, body: { data: { a: 2 }, extensions: cost(50) } },
    ];
    await api.request("{ a }");
    await api.request("{ a }");
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(100);
    expect(sleeps[0]).toBeLessThanOrEqual(160);
  });

  it("honours Retry-After on 429 and backs off on 5xx", async () => {
    script = [
      { status: 429, headers: { "retry-after": "2" } },
      { status: 503 },
      { status: 200, body: { data: { ok: 1 }, extensions: cost(100) } },
    ];
    expect(await client().request("{ ok }")).toEqual({ ok: 1 });
    expect(sleeps[0]).toBe(2_000);
    expect(sleeps[1]).toBeGreaterThan(0);
  });

  it("gives up after the bound with a clear error", async () => {
    script = [{ status: 502 }, { status: 502 }, { status: 502 }];
    const error = await client(3)
      .request("{ ok }")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShopifyApiError);
    expect((error as Error).message).toBe(
      "Shopify Admin API (api-test.myshopify.com): HTTP 502 — gave up after 3 attempts",
    );
    expect(seen).toHaveLength(3);
  });

  it("does not retry a GraphQL error or a refused token", async () => {
    script = [
      {
        status: 200,
        body: { errors: [{ message: "Field 'nope' doesn't exist on type 'Shop'" }] },
      },
      { status: 401 },
    ];
    await expect(client().request("{ shop { nope } }")).rejects.toThrow(
      "GraphQL error: Field 'nope' doesn't exist on type 'Shop'",
    );
    await expect(client().request("{ shop { name } }")).rejects.toThrow("HTTP 401");
    expect(seen).toHaveLength(2);
  });
});
