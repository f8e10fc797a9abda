/**
 * The segment drill-down and its CSV export, through the routes' loaders with admin ID tokens:
 * a shop whose customers are a fake Shopify shop's (ids near 2^63), so the page's names and
 * emails come live from the fake's `nodes(ids:)`, one request a page, and fall back to ids
 * when Shopify fails or the scope is missing. The P(alive) and LTV filters and the sort by
 * last purchase are checked against every stored result. The CSV is read back with
 * csv-parse, cell by cell: BOM, headers in Japanese and English, ids as Excel text,
 * formula-leading segment names neutralised (OWASP), dates in the shop's zone.
 */
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
import { allCustomerResults, type CustomerResult } from "../../app/metrics/result-set.server";
import type { ShopSnapshot } from "../../app/metrics/snapshot/types";
import { formatDay, parseDay } from "../../app/analytics/time";
import { segmentCustomers, parseListQuery } from "../../app/pages/segment-customers.server";
import { pageAdminApi } from "../../app/pages/customer-names.server";
import { loader as drillLoader } from "../../app/routes/app.segments.$id";
import { loader as exportLoader } from "../../app/routes/app.segments.$id.export";
import { startFakeShopify, type FakeShopify } from "../fake-shopify/index";
import { customerEmail } from "../fake-shopify/graphql/nodes";
import { removeShops, seedShop, type SeededShop } from "../e2e/harness";
import { adminToken, storeName } from "../extensions/tokens";

const store = storeName("drill");
/** Ids near 2^63: any id that passed through a double would come back changed. */
const ID_BASE = 2n ** 63n - 10n ** 13n;
const TIME_ZONE = "Asia/Tokyo";
/** Custom segments named like formulas: the merchant's text is what could reach Excel. */
const RULES = [
  { id: "tab", name: "\tTab", recency: [5, 5], fm: [1, 5] },
  { id: "eq", name: '=HYPERLINK("https://evil.example","click")', recency: [4, 4], fm: [1, 5] },
  { id: "plus", name: "+SUM(1,2)", recency: [3, 3], fm: [1, 5] },
  { id: "minus", name: "-2+3", recency: [2, 2], fm: [1, 5] },
  { id: "cr", name: "\rCR", recency: [1, 1], fm: [1, 2.5] },
  { id: "at", name: "@SUM(1)", recency: [1, 1], fm: [3, 5] },
];

let fake: FakeShopify;
let shop: SeededShop;
let snapshot: ShopSnapshot;
let results: CustomerResult[];
let accessToken: string;

beforeAll(async () => {
  fake = await startFakeShopify({
    shops: [
      { domain: store, customers: 400, currency: "JPY", timezone: TIME_ZONE, idBase: ID_BASE },
    ],
    redirect: true,
    appUrl: null,
  });
  const ids = [...fake.shop().customers()].map((c) => c.id);
  shop = await seedShop({
    store,
    customers: ids.length,
    seed: 11,
    customerIds: ids,
    settings: { segmentRules: RULES },
  });
  accessToken = fake.shop().accessToken().accessToken;
  await prisma.session.update({
    where: { id: `offline_${shop.domain}` },
    data: { accessToken },
  });
  snapshot = await shop.snapshot();
  results = await allCustomerResults(prisma, shop.shopId);
}, 120_000);

afterAll(async () => {
  await removeShops([shop?.domain].filter(Boolean) as string[]);
  await fake?.close();
  await prisma.$disconnect();
});

/** The segment with the most customers. */
const biggest = () => [...snapshot.segments.rows].sort((a, b) => b.customers - a.customers)[0]!;

async function call(
  loader: typeof drillLoader | typeof exportLoader,
  path: string,
  id: string,
): Promise<Response | Awaited<ReturnType<typeof drillLoader>>> {
  const request = new Request(`https://kizuna.test${path}`, {
    headers: { Authorization: `Bearer ${await adminToken(store)}` },
  });
  try {
    return await loader({ request, params: { id }, context: {} });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

const page = async (id: string, query = "") => {
  const data = await call(drillLoader, `/app/segments/${id}${query}`, id);
  if (data instanceof Response) throw new Error(`drill-down answered ${data.status}`);
  return data;
};

/** Admin API requests the fake has answered (only the drill-down calls it here). */
const namesRequests = () => fake.requests().filter((r) => r.path.endsWith("/graphql.json")).length;

/** The fake's own record of a customer's display name and email. */
function truth(id: string): { name: string; email: string } {
  const store = fake.shop().store;
  const slot = store.slotOfCustomerId(BigInt(id));
  const plan = store.customerPlan(slot)!;
  return {
    name: `${plan.firstName} ${plan.lastName}`,
    email: customerEmail(store.customerState(slot)!),
  };
}

const inSegment = (id: string) => results.filter((r) => r.segment === id);
const byIdAsc = (a: CustomerResult, b: CustomerResult) =>
  a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0;

describe("drill-down", () => {
  it("shows each customer's name and email from Shopify, one request a page", async () => {
    const { id, customers } = biggest();
    const before = namesRequests();
    const data = await page(id);
    expect(namesRequests() - before).toBe(1);
    expect(data.names).toBe("ok");
    expect(data.rows).toHaveLength(Math.min(50, customers));
    for (const row of data.rows) {
      expect(BigInt(row.id)).toBeGreaterThan(2n ** 62n);
      expect({ name: row.name, email: row.email }).toEqual(truth(row.id));
    }
    // Predicted LTV, highest first, ties by id descending: the stored order.
    const expected = inSegment(id)
      .sort((a, b) => Number(b.clvMinor) - Number(a.clvMinor) || -byIdAsc(a, b))
      .slice(0, 50);
    expect(data.rows.map((r) => r.id)).toEqual(expected.map((r) => r.customerId.toString()));
    // Names live only in the response: nothing Kizuna stores carries them.
    const stored = JSON.stringify(await prisma.shop.findUnique({ where: { id: shop.shopId } }));
    expect(stored).not.toContain(data.rows[0]!.name!);
  });

  it("falls back to ids and says why when Shopify fails", async () => {
    const { id } = biggest();
    // Both attempts the page allows answer 503.
    fake.faults.force("http5xx", 2);
    const data = await page(id);
    expect(data.names).toBe("failed");
    expect(data.rows.length).toBeGreaterThan(0);
    for (const row of data.rows) {
      expect(row).toMatchObject({ name: null, email: null });
      expect(row.id).toMatch(/^\d{19}$/);
    }
  });

  it("falls back to ids when the app may not read customers", async () => {
    const { id } = biggest();
    const scopes = [...fake.shop().scopes];
    fake.shop().updateScopes(scopes.filter((s) => !/_customers$/.test(s)));
    try {
      const data = await page(id);
      expect(data.names).toBe("scope");
      expect(data.rows.every((r) => r.name === null && r.email === null)).toBe(true);
    } finally {
      fake.shop().updateScopes(scopes);
    }
    // A session granted without read_customers is not even asked.
    const before = namesRequests();
    const data = await segmentCustomers(shop.domain, id, parseListQuery(new URL("https://x/")), {
      api: pageAdminApi({ shop: shop.domain, accessToken, scope: "read_orders" }),
      scope: "read_orders",
    });
    expect(data?.names).toBe("scope");
    expect(namesRequests()).toBe(before);
  });

  it("sorts by last purchase starting with the most recent", async () => {
    const { id, customers } = biggest();
    const data = await page(id, "?sort=recency");
    expect(data.direction).toBe("asc");
    const expected = inSegment(id).sort((a, b) => a.recencyDays - b.recencyDays || byIdAsc(a, b));
    expect(data.rows.map((r) => r.id)).toEqual(
      expected.slice(0, 50).map((r) => r.customerId.toString()),
    );
    expect(data.rows[0]!.lastPurchase).toBe(
      formatDay(parseDay(snapshot.asOfDate) - expected[0]!.recencyDays),
    );
    expect(data.pages).toBe(Math.ceil(customers / 50));
  });

  it("filters by P(alive) and predicted LTV ranges, in any sort, page by page", async () => {
    const { id } = biggest();
    const members = inSegment(id).filter((r) => r.pAlive !== null && r.clvMinor !== null);
    const pAlives = members.map((r) => r.pAlive!).sort((a, b) => a - b);
    const clvs = members.map((r) => Number(r.clvMinor)).sort((a, b) => a - b);
    // Bounds inside the segment's spread, in the units the page takes (percent, yen).
    const pMin = Math.floor(pAlives[Math.floor(pAlives.length * 0.2)]! * 1000) / 10;
    const pMax = Math.ceil(pAlives[Math.floor(pAlives.length * 0.95)]! * 1000) / 10;
    const lMin = clvs[Math.floor(clvs.length * 0.1)]!;
    const matches = inSegment(id).filter(
      (r) =>
        r.pAlive !== null &&
        r.pAlive >= pMin / 100 &&
        r.pAlive <= pMax / 100 &&
        r.clvMinor !== null &&
        Number(r.clvMinor) >= lMin,
    );
    expect(matches.length).toBeGreaterThan(0);
    expect(matches.length).toBeLessThan(inSegment(id).length);
    const query = `?pAliveMin=${pMin}&pAliveMax=${pMax}&clvMin=${lMin}&sort=frequency&direction=desc`;
    const expected = matches
      .sort((a, b) => b.frequency - a.frequency || -byIdAsc(a, b))
      .map((r) => r.customerId.toString());
    const first = await page(id, query);
    expect(first.filtered).toBe(true);
    expect(first.matching).toBe(matches.length);
    expect(first.pages).toBe(Math.max(1, Math.ceil(matches.length / 50)));
    expect(first.rows.map((r) => r.id)).toEqual(expected.slice(0, 50));
    expect(first.names).toBe("ok");
    if (first.pages > 1) {
      const second = await page(id, `${query}&page=2`);
      expect(second.rows.map((r) => r.id)).toEqual(expected.slice(50, 100));
    }
  });

  it("ignores a bound that is not a number in range and says which", async () => {
    const { id, customers } = biggest();
    const data = await page(id, "?pAliveMin=abc&pAliveMax=250&clvMin=9000&clvMax=100");
    expect(data.filterErrors).toEqual({
      pAliveMin: "errors.filterPercent",
      pAliveMax: "errors.filterPercent",
      clvMin: "errors.filterOrder",
    });
    expect(data.filtered).toBe(false);
    expect(data.matching).toBe(customers);
  });
});

describe("CSV export for Excel", () => {
  const download = async (id: string, query: string) => {
    const response = await call(exportLoader, `/app/segments/${id}/export${query}`, id);
    if (!(response instanceof Response)) throw new Error("the export is a response");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    return new Uint8Array(await response.arrayBuffer());
  };
  const read = (bytes: Uint8Array) => {
    // UTF-8 BOM first, so Excel reads the file as UTF-8 (Japanese headers and names).
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes.subarray(3));
    expect(text).toContain("\r\n");
    return parse(text, { relax_column_count: false }) as string[][];
  };
  const shopLocal = (epochMs: number) =>
    new Intl.DateTimeFormat("sv-SE", {
      timeZone: TIME_ZONE,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    }).format(epochMs);

  it("writes Japanese headers, ids as text, shop-zone dates and every stored value", async () => {
    const { id } = biggest();
    const [header, ...rows] = read(await download(id, "?locale=ja"));
    expect(header).toEqual([
      "顧客ID",
      "セグメント",
      "Rスコア",
      "Fスコア",
      "Mスコア",
      "最終購入日（Asia/Tokyo）",
      "最終購入からの日数",
      "購入回数",
      "純売上（JPY）",
      "P(alive)（%）",
      "90日間の予測購入数",
      "予測LTV（JPY）",
      "計算日時（Asia/Tokyo）",
      "Shopify管理画面のリンク",
    ]);
    const stored = inSegment(id).sort(byIdAsc);
    expect(rows).toHaveLength(stored.length);
    const computed = await prisma.shop.findUniqueOrThrow({ where: { id: shop.shopId } });
    const computedAt = shopLocal(computed.computedAt!.getTime());
    const name = RULES.find((r) => r.id === id)!.name;
    rows.forEach((cells, i) => {
      const r = stored[i]!;
      expect(cells).toEqual([
        `="${r.customerId}"`,
        // Merchant-named segments keep their text, neutralised by a leading apostrophe.
        `'${name}`,
        String(r.recencyScore),
        String(r.frequencyScore),
        String(r.monetaryScore),
        formatDay(parseDay(snapshot.asOfDate) - r.recencyDays),
        String(r.recencyDays),
        String(r.frequency),
        r.monetaryMinor.toString(),
        r.pAlive === null ? "" : (r.pAlive * 100).toFixed(1),
        r.expected90 === null ? "" : r.expected90.toFixed(4),
        r.clvMinor === null ? "" : r.clvMinor.toString(),
        computedAt,
        `https://admin.shopify.com/store/${store}/customers/${r.customerId}`,
      ]);
      // The id Excel shows is the exact 19-digit id, past anything a double holds.
      expect(BigInt(/^="(\d+)"$/.exec(cells[0]!)![1]!)).toBe(r.customerId);
      expect(r.customerId).toBeGreaterThan(2n ** 53n);
    });
    // The shop's zone, not UTC: 02:00Z on the anchor is 11:00 in Tokyo.
    expect(computedAt).not.toBe(computed.computedAt!.toISOString().slice(0, 19).replace("T", " "));
  });

  it("writes English headers for an English admin", async () => {
    const { id } = biggest();
    const [header] = read(await download(id, "?locale=en"));
    expect(header).toEqual([
      "Customer ID",
      "Segment",
      "R score",
      "F score",
      "M score",
      "Last purchase date (Asia/Tokyo)",
      "Days since last purchase",
      "Purchases",
      "Net revenue (JPY)",
      "P(alive) (%)",
      "Exp. purchases (90 d)",
      "Predicted LTV (JPY)",
      "Computed at (Asia/Tokyo)",
      "Shopify admin link",
    ]);
  });

  it("neutralises every formula-leading segment name (= + - @ tab CR)", async () => {
    const seen: string[] = [];
    for (const rule of RULES) {
      if (!inSegment(rule.id).length) continue;
      const [, first] = read(await download(rule.id, "?locale=en"));
      expect(first![1]).toBe(`'${rule.name}`);
      seen.push(rule.name[0]!);
    }
    // The seeded shop has customers in at least four of the six.
    expect(seen.length).toBeGreaterThanOrEqual(4);
  });

  it("exports only the customers the filters match", async () => {
    const { id } = biggest();
    const members = inSegment(id).filter((r) => r.pAlive !== null);
    const median = members.map((r) => r.pAlive!).sort((a, b) => a - b)[members.length >> 1]!;
    const pMin = Math.round(median * 1000) / 10;
    const [, ...rows] = read(await download(id, `?locale=en&pAliveMin=${pMin}`));
    const expected = members.filter((r) => r.pAlive! >= pMin / 100).sort(byIdAsc);
    expect(rows.map((c) => c[0])).toEqual(expected.map((r) => `="${r.customerId}"`));
  });
});
