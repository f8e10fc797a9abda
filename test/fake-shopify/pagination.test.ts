// Cursor pagination returns every object exactly once, in order, for each sort key and
// filter; and the 25,000-object cap stops deep pagination the way apps must plan for.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeShopify, type FakeShopify } from "./index";
import { throttledGraphql } from "./test-helpers";

let fake: FakeShopify;
const small = "pages.myshopify.com";
const large = "deep-pages.myshopify.com";

beforeAll(async () => {
  fake = await startFakeShopify({
    shops: [
      { domain: small, customers: 1500, seed: 31, plan: "plus", horizonDays: 0 },
      { domain: large, customers: 7000, seed: 32, plan: "enterprise", horizonDays: 0 },
    ],
  });
}, 120_000);

afterAll(async () => {
  await fake.close();
});

interface Node {
  id: string;
  updatedAt: string;
  createdAt: string;
}

async function pageAll(
  domain: string,
  field: "orders" | "customers",
  args: string,
  size = 250,
  direction: "forward" | "backward" = "forward",
): Promise<Node[]> {
  const token = fake.shop(domain).accessToken().accessToken;
  const out: Node[] = [];
  let cursor: string | null = null;
  for (;;) {
    const paging =
      direction === "forward" ? `first: ${size}, after: $cursor` : `last: ${size}, before: $cursor`;
    const query = `query($cursor: String) { ${field}(${paging}${args ? `, ${args}` : ""}) {
      edges { cursor node { id updatedAt createdAt } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    const reply = await throttledGraphql(fake, domain, token, query, { cursor });
    if (reply.body.errors) throw new Error(JSON.stringify(reply.body.errors));
    const connection = reply.body.data?.[field] as {
      edges: Array<{ cursor: string; node: Node }>;
      pageInfo: {
        hasNextPage: boolean;
        hasPreviousPage: boolean;
        startCursor: string | null;
        endCursor: string | null;
      };
    };
    const nodes = connection.edges.map((e) => e.node);
    if (direction === "forward") out.push(...nodes);
    else out.unshift(...nodes);
    const more =
      direction === "forward"
        ? connection.pageInfo.hasNextPage
        : connection.pageInfo.hasPreviousPage;
    if (!more) return out;
    cursor =
      direction === "forward" ? connection.pageInfo.endCursor : connection.pageInfo.startCursor;
    if (direction === "backward" && out.length === 0) return out;
  }
}

const numericId = (gid: string) => BigInt(gid.split("/").at(-1)!);
const ascending = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

describe("pagination", () => {
  it("returns every order exactly once in id order", async () => {
    const truth = [...fake.shop(small).orders()].map((o) => o.id).sort(ascending);
    const got = (await pageAll(small, "orders", "sortKey: ID")).map((n) => numericId(n.id));
    expect(truth.length).toBeGreaterThan(4000);
    expect(new Set(got).size).toBe(got.length);
    expect(got).toEqual(truth);
    // The default sort key of `orders` is PROCESSED_AT: backdated orders sort earlier.
    const byDefault = (await pageAll(small, "orders", "", 250)).map((n) => numericId(n.id));
    expect([...byDefault].sort(ascending)).toEqual(truth);
    expect(byDefault).not.toEqual(truth);
  });

  it("filters with updated_at:>'…' sorted by UPDATED_AT, forwards and reversed", async () => {
    const orders = [...fake.shop(small).orders()];
    const pivot = [...orders].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt))[
      Math.floor(orders.length * 0.8)
    ];
    if (!pivot) throw new Error("no pivot");
    const expected = orders
      .filter((o) => o.updatedAt > pivot.updatedAt)
      .map((o) => o.id)
      .sort(ascending);
    const got = await pageAll(
      small,
      "orders",
      `sortKey: UPDATED_AT, query: "updated_at:>'${pivot.updatedAt}'"`,
      97,
    );
    expect(got.map((n) => numericId(n.id)).sort(ascending)).toEqual(expected);
    const times = got.map((n) => n.updatedAt);
    expect([...times].sort()).toEqual(times);
    const reversed = await pageAll(
      small,
      "orders",
      `sortKey: UPDATED_AT, reverse: true, query: "updated_at:>='${pivot.updatedAt}'"`,
      100,
    );
    expect(reversed.length).toBeGreaterThanOrEqual(expected.length + 1);
    expect([...reversed.map((n) => n.updatedAt)].sort().reverse()).toEqual(
      reversed.map((n) => n.updatedAt),
    );
  });

  it("returns every customer exactly once by CREATED_AT, and pages backwards with last/before", async () => {
    const truth = [...fake.shop(small).customers()].map((c) => c.id).sort(ascending);
    const forward = await pageAll(small, "customers", "sortKey: CREATED_AT", 250);
    expect(forward.map((n) => numericId(n.id)).sort(ascending)).toEqual(truth);
    const created = forward.map((n) => n.createdAt);
    expect([...created].sort()).toEqual(created);
    const token = fake.shop(small).accessToken().accessToken;
    const last = await throttledGraphql(
      fake,
      small,
      token,
      `{ customers(first: 250, sortKey: CREATED_AT, reverse: true) { edges { cursor } } }`,
    );
    const firstCursor = (last.body.data?.customers as { edges: Array<{ cursor: string }> }).edges[0]
      ?.cursor;
    const tail = await throttledGraphql(
      fake,
      small,
      token,
      `query($c: String) { customers(last: 5, before: $c, sortKey: CREATED_AT) { nodes { id } } }`,
      { c: firstCursor },
    );
    const tailIds = (tail.body.data?.customers as { nodes: Array<{ id: string }> }).nodes.map((n) =>
      numericId(n.id),
    );
    expect(tailIds).toEqual(forward.slice(-6, -1).map((n) => numericId(n.id)));
  });

  it("stops at 25,000 objects; narrowing the query by created_at reaches the rest", async () => {
    const truth = new Set([...fake.shop(large).orders()].map((o) => o.id));
    expect(truth.size).toBeGreaterThan(25_000);
    const capped = await pageAll(large, "orders", "sortKey: CREATED_AT", 250);
    expect(capped.length).toBe(25_000);
    const seen = new Set(capped.map((n) => numericId(n.id)));
    let from = capped.at(-1)?.createdAt ?? "";
    for (;;) {
      const next = await pageAll(
        large,
        "orders",
        `sortKey: CREATED_AT, query: "created_at:>='${from}'"`,
        250,
      );
      const before = seen.size;
      for (const n of next) seen.add(numericId(n.id));
      if (next.length < 25_000 || seen.size === before) break;
      from = next.at(-1)?.createdAt ?? from;
    }
    expect(seen.size).toBe(truth.size);
    const stats = fake.shop(large).graphqlBucket.stats;
    expect(stats.wentNegative).toBe(false);
  }, 120_000);
});
