/**
 * Every page of the embedded app in real Chromium against the production build: the numbers
 * on screen are the stored snapshot's (formatted as the pages format them), the segment
 * drill-down pages and sorts what CustomerMetric holds, the CSV download carries the whole
 * segment, the Japanese admin gets Japanese pages, and new and tiny shops get their empty
 * states. A PNG of every page goes to test-results/screenshots/.
 */
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
import { createFormat, type Format } from "../../app/format";
import { KPI_IDS, type ShopSnapshot } from "../../app/metrics/snapshot";
import { formatDay, parseDay } from "../../app/analytics/time";
import { computeMigration } from "../../app/pages/migration.server";
import { loadShop } from "../../app/pages/shop.server";
import { adminToken } from "../extensions/tokens";
import {
  adminUrl,
  ensureBuild,
  openBrowser,
  SCREENSHOTS,
  removeShops,
  screenshot,
  seedBackfillingShop,
  seedShop,
  startServer,
  storeName,
  type AppBrowser,
  type AppServer,
  type SeededShop,
} from "./harness";

let server: AppServer;
let app: AppBrowser;
let main: SeededShop;
let tiny: SeededShop;
let fresh: SeededShop;
let snapshot: ShopSnapshot;
let en: Format;
let ja: Format;

beforeAll(async () => {
  const build = ensureBuild();
  main = await seedShop({
    store: storeName("e2e-main"),
    customers: 3000,
    seed: 21,
    history: 3,
    npsResponses: 150,
    spend: true,
  });
  tiny = await seedShop({ store: storeName("e2e-tiny"), customers: 12, seed: 5 });
  fresh = await seedBackfillingShop(storeName("e2e-new"));
  snapshot = await main.snapshot();
  en = createFormat("en", snapshot.currency, snapshot.timeZone);
  ja = createFormat("ja", snapshot.currency, snapshot.timeZone);
  await build;
  server = await startServer();
  app = await openBrowser(server);
}, 300_000);

afterAll(async () => {
  await app?.close();
  await server?.stop();
  await removeShops([main, tiny, fresh].filter(Boolean).map((s) => s.domain));
  await prisma.$disconnect();
});

const text = async (page: Page, testId: string) =>
  (await page.getByTestId(testId).first().textContent())?.trim() ?? "";

describe("dashboard", () => {
  let page: Page;

  it("shows every KPI of the stored snapshot with its target status and trend", async () => {
    page = await app.open("/app", main.store);
    await page.getByTestId("kpi-repeat_rate").waitFor();
    for (const id of KPI_IDS) {
      const card = snapshot.kpis[id];
      expect(await text(page, `kpi-value-${id}`), id).toBe(
        en.metric(card.metric.value, card.metric.definition.unit),
      );
      await expect(page.getByTestId(`kpi-${id}`).getAttribute("data-status")).resolves.toBe(
        card.status ?? "none",
      );
    }
    // Four computes (three weekly cut-offs and now): one trend point each.
    await expect(
      page.getByTestId("kpi-repeat_rate").locator("svg.kz-sparkline").getAttribute("data-points"),
    ).resolves.toBe("4");
    expect(await text(page, "fact-customers")).toBe(
      en.number(snapshot.counts.customersWithPurchases),
    );
    expect(await text(page, "fact-orders")).toBe(en.number(snapshot.counts.orders));
    expect(await text(page, "fact-revenue")).toBe(en.money(snapshot.counts.netRevenueMinor));
    expect(await text(page, "last-updated")).toBe(
      `Last updated ${en.dateTime(snapshot.computedAt)}`,
    );
    // NPS is the stored answers' (150 answers over ~300 days, 12 months counted).
    expect(snapshot.kpis.nps.metric.denominator).toBeGreaterThan(100);
  });

  it("explains a KPI's definition, period and base in a popover", async () => {
    await page
      .getByTestId("kpi-repeat_rate")
      .getByRole("button", { name: "How Repeat rate is calculated" })
      .click();
    const definition = page.getByTestId("definition-repeat_rate");
    await definition.waitFor();
    expect(await definition.textContent()).toBe(snapshot.kpis.repeat_rate.metric.definition.text);
    const period = snapshot.kpis.repeat_rate.metric.period!;
    expect(
      await page.getByText(`Period: ${en.date(period.start)} – ${en.date(period.end)}`).count(),
    ).toBe(1);
    await screenshot(page, "dashboard-definition");
    await page.keyboard.press("Escape");
    await screenshot(page, "dashboard");
  });
});

describe("segments", () => {
  let page: Page;

  it("shows the R × FM grid and the segment table of the snapshot", async () => {
    page = await app.open("/app/segments", main.store);
    await page.getByTestId("rfm-grid").waitFor();
    const { grid } = snapshot;
    for (const [r, k] of [
      [4, 8],
      [0, 0],
      [2, 4],
    ]) {
      const cell = page.getByTestId(`grid-${grid.recencyScores[r]}-${grid.fmValues[k]}`);
      expect(await cell.locator(".kz-value").textContent()).toBe(en.number(grid.customers[r][k]));
    }
    for (const row of snapshot.segments.rows) {
      expect(await text(page, `segment-customers-${row.id}`)).toBe(en.number(row.customers));
    }
    expect(await text(page, "segment-action-promising")).toBe(
      snapshot.segments.rows.find((r) => r.id === "promising")!.action,
    );
    await screenshot(page, "segments");
    await page.getByTestId("rfm-grid").screenshot({ path: `${SCREENSHOTS}/segments-grid.png` });
  });

  it("lets the merchant rewrite a recommended action, saved in the settings", async () => {
    await page.getByRole("button", { name: "Recommended action for Lost" }).click();
    const editor = page.getByTestId("action-editor");
    await editor.locator("textarea").first().fill("Send the autumn catalogue once, then stop.");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByTestId("toast").filter({ hasText: "Recommended action saved" }).waitFor();
    await expect
      .poll(() => text(page, "segment-action-lost"))
      .toBe("Send the autumn catalogue once, then stop.");
    const stored = await prisma.shop.findUniqueOrThrow({ where: { domain: main.domain } });
    expect(JSON.parse(stored.settings).segmentActions).toEqual({
      lost: "Send the autumn catalogue once, then stop.",
    });
  });
});

describe("segment drill-down", () => {
  let page: Page;
  const segment = () => [...snapshot.segments.rows].sort((a, b) => b.customers - a.customers)[0]!;

  it("lists the segment's customers by predicted LTV, linked to Shopify admin", async () => {
    page = await app.open("/app/segments", main.store);
    const { id, customers } = segment();
    await page.getByTestId(`segment-link-${id}`).click();
    await page.waitForURL(`**/app/segments/${id}**`);
    await page.getByTestId("customer-table").waitFor();
    const expected = await prisma.customerMetric.findMany({
      where: { shopId: main.shopId, segment: id },
      orderBy: [{ clvMinor: "desc" }, { customerId: "desc" }],
      take: 50,
    });
    const ids = await page.getByTestId("customer-id").allTextContents();
    expect(ids).toEqual(expected.map((r) => r.customerId.toString()));
    expect(await page.getByTestId("customer-clv").first().textContent()).toBe(
      en.money(Number(expected[0]!.clvMinor)),
    );
    await expect(
      page.locator(`a[href="shopify://admin/customers/${ids[0]}"]`).getAttribute("target"),
    ).resolves.toBe("_top");
    expect(await page.getByText(`Page 1 of ${Math.ceil(customers / 50)}`).count()).toBe(1);
    await screenshot(page, "segment-drilldown");
  });

  it("sorts by another column and pages through", async () => {
    const { id } = segment();
    await page.getByRole("button", { name: "Purchases", exact: true }).click();
    await page.waitForURL(/sort=frequency/);
    await expect
      .poll(() => page.getByTestId("customer-table").getAttribute("data-sort"))
      .toBe("frequency");
    const top = await prisma.customerMetric.findMany({
      where: { shopId: main.shopId, segment: id },
      orderBy: [{ frequency: "desc" }, { customerId: "desc" }],
      skip: 50,
      take: 50,
    });
    await page.getByRole("button", { name: "Next" }).click();
    await page.waitForURL(/page=2/);
    await expect
      .poll(() => page.getByTestId("customer-id").allTextContents())
      .toEqual(top.map((r) => r.customerId.toString()));
  });

  it("downloads the whole segment as CSV", async () => {
    const { id, customers } = segment();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.locator("#export-csv").click(),
    ]);
    expect(download.suggestedFilename()).toBe(`kizuna-${id}-${snapshot.asOfDate}.csv`);
    const rows = parse(readFileSync((await download.path())!, "utf8"), {
      columns: true,
    }) as Record<string, string>[];
    expect(rows).toHaveLength(customers);
    expect(Object.keys(rows[0]!)).toEqual([
      "customer_id",
      "segment",
      "recency_score",
      "frequency_score",
      "monetary_score",
      "recency_days",
      "purchases",
      "net_revenue",
      "p_alive",
      "expected_purchases_90d",
      "predicted_clv",
      "currency",
      "computed_at",
    ]);
    const stored = await prisma.customerMetric.findMany({
      where: { shopId: main.shopId, segment: id },
      orderBy: { customerId: "asc" },
    });
    expect(rows.map((r) => r.customer_id)).toEqual(stored.map((s) => s.customerId.toString()));
    expect(rows[0]).toMatchObject({
      segment: id,
      purchases: String(stored[0]!.frequency),
      net_revenue: stored[0]!.monetaryMinor.toString(),
      currency: "JPY",
    });
    await page.getByTestId("toast").filter({ hasText: "CSV downloaded" }).waitFor();
  });

  it("says so when the segment does not exist", async () => {
    const missing = await app.open("/app/segments/no_such_segment", main.store);
    await missing.getByTestId("segment-not-found").waitFor();
    expect(await missing.getByText("This segment does not exist").count()).toBe(1);
    // The 404 document itself is expected; nothing else may fail.
    const index = app.problems.findIndex(
      (p) => p.includes("response 404") && p.includes("no_such_segment"),
    );
    expect(index).toBeGreaterThanOrEqual(0);
    app.problems.splice(index, 1);
  });
});

describe("analysis pages", () => {
  it("cohorts: the retention heatmap and revenue curves", async () => {
    const page = await app.open("/app/cohorts", main.store);
    await page.getByTestId("cohort-heatmap").waitFor();
    const rows = snapshot.cohorts.rows;
    const cohort = rows[rows.length - 4]!;
    expect(await text(page, `cohort-${cohort.month}-1`)).toBe(
      en.percent(cohort.activeShare[1]!, 0),
    );
    expect(await text(page, `cohort-${cohort.month}-0`)).toBe("100%");
    expect(await page.getByTestId("cohort-curves").locator("path").count()).toBeGreaterThan(2);
    await screenshot(page, "cohorts");
  });

  it("migration: year over year and the segment matrix", async () => {
    const page = await app.open("/app/migration", main.store);
    await page.getByTestId("migration-matrix").waitFor();
    const { yoy, segments } = snapshot.migration;
    expect(await text(page, "metric-yoy_retention")).toBe(en.metric(yoy.retention.value, "ratio"));
    const from = segments.labels.indexOf("champions");
    const to = segments.labels.indexOf("at_risk");
    const count = segments.counts[from]![to]!;
    expect(
      await page.getByTestId("migration-champions-at_risk").locator(".kz-value").textContent(),
    ).toBe(count === 0 ? "·" : en.number(count));
    await screenshot(page, "migration");
  });

  it("migration: two chosen dates, computed from the stored orders; bad dates are refused", async () => {
    const page = await app.open("/app/migration", main.store);
    await page.getByTestId("migration-dates").waitFor();
    const toDay = parseDay(snapshot.asOfDate);
    const from = formatDay(toDay - 150);
    const to = formatDay(toDay - 20);
    await page.locator("#migration-from").fill(from);
    await page.locator("#migration-to").fill(to);
    await page.locator("#migration-compare").click();
    await page.getByTestId("migration-custom").waitFor();
    expect(new URL(page.url()).searchParams.get("from")).toBe(from);
    const shop = (await loadShop(main.domain))!;
    const expected = await computeMigration(shop, parseDay(from), parseDay(to));
    expect(expected.segments.toDate).toBe(to);
    expect(await text(page, "metric-yoy_retention")).toBe(
      en.metric(expected.yoy.retention.value, "ratio"),
    );
    expect(await text(page, "metric-yoy_migration_new")).toBe(
      en.metric(expected.yoy.newMigration.value, "ratio"),
    );
    const row = expected.segments.labels.indexOf("loyal");
    const column = expected.segments.labels.indexOf("loyal");
    const count = expected.segments.counts[row]![column]!;
    expect(await page.getByTestId("migration-loyal-loyal").locator(".kz-value").textContent()).toBe(
      count === 0 ? "·" : en.number(count),
    );
    await screenshot(page, "migration-dates");

    // The second date before the first: the field says why, the page keeps its numbers.
    await page.locator("#migration-from").fill(to);
    await page.locator("#migration-to").fill(from);
    await page.locator("#migration-compare").click();
    await page.getByText("Must be after the first date").waitFor();
    expect(await page.getByTestId("migration-custom").count()).toBe(0);
    expect(await text(page, "metric-yoy_retention")).toBe(
      en.metric(snapshot.migration.yoy.retention.value, "ratio"),
    );
    await screenshot(page, "migration-dates-error");
  });

  it("continuation: survival by purchase count and the subscription curve", async () => {
    const page = await app.open("/app/continuation", main.store);
    await page.getByTestId("continuation-all").waitFor();
    const total = snapshot.continuation.all.total!;
    expect(await text(page, "continuation-all-pooled")).toBe(
      `All ${en.number(total.size)} customers: ${en.percent(total.share[1]!)} made a second purchase.`,
    );
    // The generated shop has monthly subscribers.
    await page.getByTestId("continuation-sub").waitFor();
    expect(snapshot.continuation.subscription).not.toBeNull();
    await screenshot(page, "continuation");
  });

  it("predictive LTV: distributions, parameters, holdout and scenarios", async () => {
    const page = await app.open("/app/ltv", main.store);
    await page.getByTestId("scenarios").waitFor();
    const clv = snapshot.clv;
    if (clv.status !== "ok") throw new Error(`expected CLV predictions: ${clv.reason}`);
    expect(await text(page, "ltv-average-clv")).toBe(en.metric(clv.averages.clvMinor, "minor"));
    expect(await text(page, "ltv-average-palive")).toBe(en.metric(clv.averages.pAlive, "ratio"));
    expect(await page.getByTestId("scenarios").locator("tbody tr").count()).toBe(
      clv.scenarios.length,
    );
    expect(await page.getByTestId("model-params").textContent()).toContain(
      en.number(clv.bgnbd.params.r, 3),
    );
    if (clv.holdout.status === "ok") await page.getByTestId("holdout-ok").waitFor();
    await screenshot(page, "ltv");
  });
});

describe("Japanese admin", () => {
  it("renders Japanese labels and numbers, also after in-app navigation", async () => {
    const page = await app.open("/app", main.store, "ja");
    await page.getByTestId("kpi-repeat_rate").waitFor();
    expect(await page.getByTestId("kpi-repeat_rate").locator("h2").textContent()).toBe(
      "リピート率",
    );
    expect(await text(page, "kpi-value-monthly_churn_rate")).toBe(
      ja.metric(snapshot.kpis.monthly_churn_rate.metric.value, "ratio"),
    );
    expect(await page.locator("html").getAttribute("lang")).toBe("ja");
    const badge = snapshot.kpis.repeat_rate.status === "pass" ? "目標達成" : "目標未達";
    expect(await page.getByTestId("kpi-repeat_rate").getByText(badge).count()).toBe(1);
    expect(await text(page, "last-updated")).toBe(`最終更新 ${ja.dateTime(snapshot.computedAt)}`);
    await screenshot(page, "dashboard-ja");

    // The admin's navigation (the stub draws it) moves client-side; the locale stays.
    await page.getByTestId("nav-menu").getByText("セグメント", { exact: true }).click();
    await page.waitForURL("**/app/segments");
    await page.getByTestId("segment-link-champions").waitFor();
    expect(await text(page, "segment-link-champions")).toBe("優良顧客");
    expect(await text(page, "segment-action-promising")).toMatch(/^再購入オファー/);
    await screenshot(page, "segments-ja");
  });

  it("serves the document in Japanese and preloads the App Bridge the page loads", async () => {
    const url = adminUrl(server, "/app", main.store, await adminToken(main.store), "ja");
    const response = await fetch(url, {
      // shopify-app-remix turns bots away: this is the merchant's browser.
      headers: { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36" },
    });
    expect(response.status).toBe(200);
    // Shopify's template preloads App Bridge (Link header); here the page loads the stand-in.
    expect(response.headers.get("link")).toBe(
      `<${server.appBridgeUrl}>; rel="preload"; as="script"`,
    );
    expect(await response.text()).toMatch(/^(<!DOCTYPE html>)?<html lang="ja">/i);
  });

  it("shows metric definitions in Japanese", async () => {
    const page = await app.open("/app/cohorts", main.store, "ja");
    await page.getByTestId("cohort-heatmap").waitFor();
    expect(await page.getByRole("heading", { name: "初回購入月別の継続状況" }).count()).toBe(1);
    await page.getByRole("button", { name: "購入継続率の計算方法" }).click();
    await expect(page.getByTestId("definition-cohort_active_share").textContent()).resolves.toMatch(
      /コホートの顧客のうち/,
    );
    await screenshot(page, "cohorts-ja");
  });
});

describe("new and small shops", () => {
  it("a shop still importing sees the import's progress instead of numbers", async () => {
    const page = await app.open("/app", fresh.store);
    const empty = page.getByTestId("empty-state");
    await empty.waitFor();
    await expect(empty.getAttribute("data-kind")).resolves.toBe("backfill");
    await expect(page.getByTestId("sync-progress").getAttribute("data-value")).resolves.toBe("40");
    expect(await page.getByText("12,400 of 31,000 records").count()).toBe(1);
    await screenshot(page, "dashboard-backfill");
    const segments = await app.open("/app/segments", fresh.store);
    await segments.getByTestId("empty-state").waitFor();
  });

  it("a tiny shop is told its numbers are noisy, and predictions need more data", async () => {
    const page = await app.open("/app", tiny.store);
    await page.getByTestId("tiny-shop").waitFor();
    await screenshot(page, "dashboard-tiny");
    const ltv = await app.open("/app/ltv", tiny.store);
    await ltv.getByTestId("ltv-insufficient").waitFor();
    expect(await ltv.getByText("Not enough data for predictions yet").count()).toBe(1);
    await screenshot(ltv, "ltv-insufficient");
  });

  it("rendered without console errors (no hydration mismatches)", () => {
    expect(app.problems).toEqual([]);
  });
});
