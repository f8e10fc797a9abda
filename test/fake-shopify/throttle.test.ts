// Cost-based throttling: a burst of concurrent queries never spends more than the bucket
// holds plus what it restored, THROTTLED answers have Shopify's exact shape, REST overuse
// gets 429, and injected faults are counted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeShopify, type FakeShopify } from "./index";
import { adminGraphql, type GraphqlReply } from "./test-helpers";

let fake: FakeShopify;
let token: string;
const domain = "throttle.myshopify.com";

beforeAll(async () => {
  fake = await startFakeShopify({
    shops: [{ domain, customers: 600, seed: 41, plan: "basic", horizonDays: 0 }],
  });
  token = fake.shop().accessToken().accessToken;
}, 60_000);

afterAll(async () => {
  await fake.close();
});

const QUERY = `{ orders(first: 250, sortKey: ID) { nodes { id } } }`;

describe("leaky bucket", () => {
  it("never lets spent cost exceed the bucket plus what it restored", async () => {
    const started = performance.now();
    const replies: GraphqlReply[] = await Promise.all(
      Array.from({ length: 40 }, () => adminGraphql(fake, domain, token, QUERY)),
    );
    const elapsedSec = (performance.now() - started) / 1000;
    const ok = replies.filter((r) => r.body.data);
    const throttled = replies.filter((r) => r.body.errors?.[0]?.extensions?.code === "THROTTLED");
    expect(ok.length + throttled.length).toBe(40);
    expect(throttled.length).toBeGreaterThan(0);
    // Requested 252 each; the basic plan's bucket holds 2,000 and restores 100/s.
    const spent = ok.reduce((sum, r) => sum + (r.body.extensions?.cost?.actualQueryCost ?? 0), 0);
    expect(spent).toBeLessThanOrEqual(2000 + 100 * elapsedSec);
    for (const r of ok) {
      const cost = r.body.extensions?.cost;
      expect(cost?.requestedQueryCost).toBe(252);
      expect(cost?.actualQueryCost).toBeLessThanOrEqual(252);
      expect(cost?.throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(0);
    }
    const shape = throttled[0]?.body;
    expect(throttled[0]?.status).toBe(200);
    expect(shape).toEqual({
      errors: [
        {
          message: "Throttled",
          extensions: {
            code: "THROTTLED",
            documentation: "https://shopify.dev/api/usage/rate-limits",
          },
        },
      ],
      extensions: {
        cost: {
          requestedQueryCost: 252,
          actualQueryCost: null,
          throttleStatus: {
            maximumAvailable: 2000,
            currentlyAvailable: expect.any(Number) as unknown,
            restoreRate: 100,
          },
        },
      },
    });
    expect(shape?.extensions?.cost?.throttleStatus.currentlyAvailable).toBeLessThan(252);
    const stats = fake.shop().graphqlBucket.stats;
    expect(stats.wentNegative).toBe(false);
    expect(stats.minimumAvailable).toBeGreaterThanOrEqual(0);
    expect(stats.throttled).toBe(throttled.length);
  });

  it("refunds the difference between requested and actual cost", async () => {
    // The burst above emptied the bucket; 400 ms restores 40 points.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const before = fake.shop().graphqlBucket.status().currentlyAvailable;
    const reply = await adminGraphql(
      fake,
      domain,
      token,
      `{ customers(first: 20, query: "tag:nobody-has-this") { nodes { id } } }`,
    );
    expect(reply.body.extensions?.cost).toMatchObject({
      requestedQueryCost: 22,
      actualQueryCost: 2,
    });
    const after = reply.body.extensions?.cost?.throttleStatus.currentlyAvailable ?? 0;
    expect(after).toBeGreaterThanOrEqual(before - 2);
  });

  it("answers 429 with Retry-After to REST overuse", async () => {
    const replies = await Promise.all(
      Array.from({ length: 50 }, () =>
        fetch(`${fake.url}/_host/${domain}/admin/api/2026-10/shop.json`, {
          headers: { "x-shopify-access-token": token },
        }),
      ),
    );
    const limited = replies.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(5);
    expect(limited[0]?.headers.get("retry-after")).toMatch(/^\d+\.\d$/);
    expect(
      replies.find((r) => r.status === 200)?.headers.get("x-shopify-shop-api-call-limit"),
    ).toMatch(/^\d+\/40$/);
  });
});

describe("fault injection", () => {
  it("injects THROTTLED bursts, 5xx, 429 and hung requests, and counts them", async () => {
    const faults = fake.faults;
    faults.force("throttled", 3);
    faults.force("http5xx");
    faults.force("http429");
    faults.force("timeout");
    const small = `{ shop { id } }`;
    const statuses: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await adminGraphql(fake, domain, token, small);
      statuses.push(
        r.body.errors?.[0]?.extensions?.code === "THROTTLED" ? "THROTTLED" : String(r.status),
      );
    }
    expect(statuses.slice(0, 3)).toEqual(["THROTTLED", "THROTTLED", "THROTTLED"]);
    expect(statuses[3]).toMatch(/^50[0-4]$/);
    expect(statuses[4]).toBe("429");
    const hung = fetch(`${fake.url}/_host/${domain}/admin/api/2026-10/graphql.json`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-shopify-access-token": token },
      body: JSON.stringify({ query: small }),
      signal: AbortSignal.timeout(300),
    });
    await expect(hung).rejects.toThrow();
    expect(faults.counts).toMatchObject({ throttled: 3, http5xx: 1, http429: 1, timeout: 1 });
    // Injected throttling does not touch the bucket.
    expect(fake.shop().graphqlBucket.stats.wentNegative).toBe(false);

    faults.set({ http5xx: 0.2, slow: 0.1, slowMs: 5 });
    const replies = await Promise.all(
      Array.from({ length: 60 }, () => adminGraphql(fake, domain, token, small)),
    );
    faults.clear();
    const errors = replies.filter((r) => r.status >= 500).length;
    expect(errors).toBeGreaterThan(0);
    expect(faults.counts.http5xx).toBe(1 + errors);
    expect(faults.counts.slow).toBeGreaterThan(0);
  });
});
