/**
 * The migration page's two chosen dates (validated, computed on demand from the stored orders
 * in the shop's zone, for the session's shop only), the snapshot summary column the dashboard
 * reads (and its fallback for snapshots written before it), and the App Bridge preload header
 * with the loopback stand-in.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCalendar, formatDay, parseDay } from "../../app/analytics/time";
import prisma from "../../app/db.server";
import { parseSnapshot, parseSummary, summaryOf } from "../../app/metrics/snapshot/codec";
import { allowStandInAdmin } from "../../app/pages/app-bridge.server";
import { dashboardData, MONTHLY_CARD_IDS } from "../../app/pages/dashboard.server";
import { clearHistoryCache } from "../../app/pages/history.server";
import {
  computeMigration,
  migrationData,
  parseMigrationQuery,
} from "../../app/pages/migration.server";
import { clearSnapshotCache, latestSummary, loadShop } from "../../app/pages/page-base.server";
import { removeShops, seedShop, storeName, type SeededShop } from "../e2e/harness";

const TODAY = parseDay("2026-11-22");
const query = (search: string) =>
  parseMigrationQuery(new URL(`https://kizuna.test/app/migration${search}`), TODAY);

describe("the migration page's dates", () => {
  it("shows the snapshot's view when no date is given", () => {
    expect(query("")).toEqual({ kind: "default" });
  });

  it("accepts two real dates at most one year apart, up to today", () => {
    expect(query("?from=2025-11-22&to=2026-11-22")).toEqual({
      kind: "dates",
      fromDay: parseDay("2025-11-22"),
      toDay: parseDay("2026-11-22"),
    });
    expect(query("?from=2024-02-29&to=2025-02-28")).toMatchObject({ kind: "dates" });
    expect(query("?from=2026-01-01&to=2026-03-31")).toMatchObject({ kind: "dates" });
  });

  it("allows at most the 12 months ending on `to`, across 29 February", () => {
    // (2023-02-27, 2024-02-28] holds 28 Feb twice: the 12 months ending 2024-02-28 start 1 Mar.
    expect(query("?from=2023-02-27&to=2024-02-28")).toEqual({
      kind: "invalid",
      errors: { to: { key: "migration.error.tooLong", params: { max: "2024-02-27" } } },
    });
    expect(query("?from=2023-02-28&to=2024-02-28")).toMatchObject({ kind: "dates" });
    expect(query("?from=2023-02-28&to=2024-02-29")).toMatchObject({ kind: "dates" });
    // The latest allowed date is itself allowed, the day after it is not.
    expect(query("?from=2024-02-28&to=2025-02-28")).toEqual({
      kind: "invalid",
      errors: { to: { key: "migration.error.tooLong", params: { max: "2025-02-27" } } },
    });
    expect(query("?from=2024-02-28&to=2025-02-27")).toMatchObject({ kind: "dates" });
  });

  it("answers a clear error per field for bad input", () => {
    expect(query("?from=2026-02-30&to=2026-03-01")).toEqual({
      kind: "invalid",
      errors: { from: { key: "migration.error.date" } },
    });
    expect(query("?from=yesterday&to=")).toEqual({
      kind: "invalid",
      errors: { from: { key: "migration.error.date" }, to: { key: "migration.error.required" } },
    });
    expect(query("?to=2026-03-01")).toEqual({
      kind: "invalid",
      errors: { from: { key: "migration.error.required" } },
    });
    expect(query("?from=2026-03-01&to=2026-03-01")).toEqual({
      kind: "invalid",
      errors: { to: { key: "migration.error.order" } },
    });
    expect(query("?from=2025-01-01&to=2026-01-02")).toEqual({
      kind: "invalid",
      errors: { to: { key: "migration.error.tooLong", params: { max: "2026-01-01" } } },
    });
    expect(query("?from=2026-01-01&to=2026-11-23")).toEqual({
      kind: "invalid",
      errors: { to: { key: "migration.error.future", params: { max: "2026-11-22" } } },
    });
    expect(query("?from=1999-12-31&to=2000-06-01")).toEqual({
      kind: "invalid",
      errors: { from: { key: "migration.error.tooEarly", params: { min: "2000-01-01" } } },
    });
  });
});

describe("stored shops", () => {
  let shop: SeededShop;
  let other: SeededShop;

  beforeAll(async () => {
    // Two weekly cut-offs before now: the dashboard's trend lines have points to read.
    shop = await seedShop({
      store: storeName("pages-migration"),
      customers: 400,
      seed: 3,
      history: 2,
      npsResponses: 40,
    });
    // A second shop with more, other orders: nothing of it may reach the first one's numbers.
    other = await seedShop({ store: storeName("pages-migration-other"), customers: 600, seed: 4 });
  }, 120_000);

  afterAll(async () => {
    await removeShops([shop, other].filter(Boolean).map((s) => s.domain));
  });

  it("recomputes the snapshot's migration from the stored orders for the same dates", async () => {
    const snapshot = await shop.snapshot();
    const context = (await loadShop(shop.domain))!;
    const { fromDate, toDate } = snapshot.migration.segments;
    const block = await computeMigration(context, parseDay(fromDate), parseDay(toDate));
    expect(block).toEqual(snapshot.migration);
  });

  it("answers other dates in the shop's zone, and keeps the snapshot's numbers on bad input", async () => {
    const snapshot = await shop.snapshot();
    const today = createCalendar("Asia/Tokyo").dayOf(Date.now());
    const to = snapshot.asOfDate;
    const from = formatDay(parseDay(to) - 200);
    const url = (search: string) => new URL(`https://kizuna.test/app/migration${search}`);

    const chosen = await migrationData(shop.domain, url(`?from=${from}&to=${to}`));
    expect(chosen.custom).toBe(true);
    expect(chosen.errors).toBeNull();
    expect(chosen.dates).toEqual({ from, to });
    expect(chosen.migration!.segments.fromDate).toBe(from);
    expect(chosen.migration!.yoy.current).toMatchObject({
      start: formatDay(parseDay(to) - 199),
      end: to,
    });
    // 200 days inside the snapshot's 12 months ending on the same day: fewer first buyers.
    expect(chosen.migration!.yoy.currentNew).toBeGreaterThan(0);
    expect(chosen.migration!.yoy.currentNew).toBeLessThanOrEqual(snapshot.migration.yoy.currentNew);

    const bad = await migrationData(shop.domain, url(`?from=${to}&to=${from}`));
    expect(bad.custom).toBe(false);
    expect(bad.errors).toEqual({ to: { key: "migration.error.order" } });
    expect(bad.dates).toEqual({ from: to, to: from });
    expect(bad.migration!.yoy).toEqual(snapshot.migration.yoy);
    expect(bad.today).toBe(
      new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Tokyo" }).format(Date.now()),
    );
    expect(parseDay(bad.today!)).toBe(today);
  });

  it("stores a summary beside each snapshot, and reads older snapshots without one", async () => {
    const row = await prisma.metricSnapshot.findFirstOrThrow({
      where: { shopId: shop.shopId },
      orderBy: [{ computedAt: "desc" }, { id: "desc" }],
    });
    const snapshot = parseSnapshot(row.data)!;
    expect(parseSummary(row.summary)).toEqual(summaryOf(snapshot));
    expect(row.summary!.length).toBeLessThan(row.data.length / 2);

    clearSnapshotCache();
    clearHistoryCache();
    const withColumn = await dashboardData(shop.domain);
    await prisma.metricSnapshot.updateMany({
      where: { shopId: shop.shopId },
      data: { summary: null },
    });
    clearSnapshotCache();
    clearHistoryCache();
    expect(await latestSummary(shop.shopId)).toEqual(summaryOf(snapshot));
    const withoutColumn = await dashboardData(shop.domain);
    expect(withoutColumn).toEqual(withColumn);
    expect(withColumn.snapshot!.trendDates.length).toBe(3);
    expect(withColumn.snapshot!.kpis.find((k) => k.id === "nps")!.trend).toHaveLength(3);
    // The snapshot's cards first, then the cards drawn from the monthly history only.
    const cards = Object.values(snapshot.kpis);
    expect(withColumn.snapshot!.kpis.slice(0, cards.length).map((k) => k.metric.value)).toEqual(
      cards.map((card) => card.metric.value),
    );
    expect(withColumn.snapshot!.kpis.slice(cards.length).map((k) => k.id)).toEqual(
      MONTHLY_CARD_IDS,
    );
  });
});

describe("the App Bridge preload", () => {
  const shopifyHeaders = () =>
    new Headers({
      Link: '<https://cdn.shopify.com/shopifycloud/app-bridge.js>; rel="preload"; as="script";',
      "Content-Security-Policy":
        "frame-ancestors https://a.myshopify.com https://admin.shopify.com;",
    });

  it("preloads the loopback stand-in the page loads instead of the CDN script", () => {
    const before = process.env.KIZUNA_APP_BRIDGE_URL;
    process.env.KIZUNA_APP_BRIDGE_URL = "http://127.0.0.1:4321/app-bridge.js";
    try {
      const headers = shopifyHeaders();
      allowStandInAdmin(headers);
      expect(headers.get("Link")).toBe(
        '<http://127.0.0.1:4321/app-bridge.js>; rel="preload"; as="script"',
      );
      expect(headers.get("Content-Security-Policy")).toBe(
        "frame-ancestors http://127.0.0.1:4321 https://a.myshopify.com https://admin.shopify.com;",
      );
    } finally {
      if (before === undefined) delete process.env.KIZUNA_APP_BRIDGE_URL;
      else process.env.KIZUNA_APP_BRIDGE_URL = before;
    }
  });

  it("leaves Shopify's CDN preload alone without a stand-in", () => {
    const before = process.env.KIZUNA_APP_BRIDGE_URL;
    delete process.env.KIZUNA_APP_BRIDGE_URL;
    try {
      const headers = shopifyHeaders();
      allowStandInAdmin(headers);
      expect(headers.get("Link")).toBe(shopifyHeaders().get("Link"));
      expect(headers.get("Content-Security-Policy")).toBe(
        shopifyHeaders().get("Content-Security-Policy"),
      );
    } finally {
      if (before !== undefined) process.env.KIZUNA_APP_BRIDGE_URL = before;
    }
  });
});
