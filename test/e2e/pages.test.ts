/**
 * Every page of the embedded app in real Chromium against the production build: the numbers
 * on screen are the stored snapshot's (formatted as the pages format them), the segment
 * drill-down pages and sorts what the result set holds with each customer's name and email
 * live from a fake Shopify (the main shop's customers are the fake's, ids near 2^63), the CSV
 * download carries the whole segment for Excel, the Japanese admin gets Japanese pages, and new and tiny shops get their empty
 * states. A PNG of every page goes to test-results/screenshots/.
 */
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
import { createFormat, type Format } from "../../app/format";
import { createTranslator, segmentName } from "../../app/i18n";
import { KPI_IDS, type ShopSnapshot } from "../../app/metrics/snapshot/types";
import { allCustomerResults, type CustomerResult } from "../../app/metrics/result-set.server";
import { formatDay, parseDay } from "../../app/analytics/time";
import { MIN_TREND_BASE } from "../../app/analytics/trends";
import { computeMigration } from "../../app/pages/migration.server";
import { loadShop } from "../../app/pages/page-base.server";
import { adminToken } from "../extensions/tokens";
import { startFakeShopify, type FakeShopify } from "../fake-shopify/index";
import { customerEmail } from "../fake-shopify/graphql/nodes";
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
import { expectAccessible } from "./axe";

let server: AppServer;
let app: AppBrowser;
let main: SeededShop;
let tiny: SeededShop;
let fresh: SeededShop;
let snapshot: ShopSnapshot;
let en: Format;
let ja: Format;
let fake: FakeShopify;

beforeAll(async () => {
  const build = ensureBuild();
  const mainStore = storeName("e2e-main");
  // The main shop's customers are this fake shop's, so the drill-down's names resolve.
  fake = await startFakeShopify({
    shops: [
      {
        domain: mainStore,
        customers: 3000,
        currency: "JPY",
        timezone: "Asia/Tokyo",
        idBase: 2n ** 63n - 10n ** 13n,
      },
    ],
    appUrl: null,
  });
  const customerIds = [...fake.shop().customers()].map((c) => c.id);
  main = await seedShop({
    store: mainStore,
    customers: customerIds.length,
    customerIds,
    seed: 21,
    history: 3,
    npsResponses: 150,
    spend: true,
  });
  tiny = await seedShop({ store: storeName("e2e-tiny"), customers: 12, seed: 5 });
  fresh = await seedBackfillingShop(storeName("e2e-new"));
  await prisma.session.update({
    where: { id: `offline_${main.domain}` },
    data: { accessToken: fake.shop().accessToken().accessToken },
  });
  snapshot = await main.snapshot();
  en = createFormat("en", snapshot.currency, snapshot.timeZone);
  ja = createFormat("ja", snapshot.currency, snapshot.timeZone);
  await build;
  server = await startServer({ FAKE_SHOPIFY_URL: fake.url });
  app = await openBrowser(server);
}, 300_000);

afterAll(async () => {
  await app?.close();
  await server?.stop();
  await removeShops([main, tiny, fresh].filter(Boolean).map((s) => s.domain));
  await fake?.close();
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
    // Four computes (three weekly cut-offs and now): one trend point each, on the model-based
    // cards; the others draw their monthly history from the orders.
    await expect(
      page
        .getByTestId("kpi-model_churn_share")
        .locator("svg.kz-sparkline")
        .getAttribute("data-points"),
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
      .getByRole("button", { name: "Definition: how Repeat rate is calculated" })
      .click();
    const definition = page.getByTestId("definition-repeat_rate");
    await definition.waitFor();
    expect(await definition.textContent()).toBe(snapshot.kpis.repeat_rate.metric.definition.text);
    const period = snapshot.kpis.repeat_rate.metric.period!;
    expect(
      await page.getByText(`Period: ${en.date(period.start)} – ${en.date(period.end)}`).count(),
    ).toBe(1);
    await expectAccessible(page, "dashboard-definition");
    await screenshot(page, "dashboard-definition");
    await page.keyboard.press("Escape");
    await expectAccessible(page, "dashboard");
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
    // The scoring rule, ties and the minimum of customers included, is one click away.
    await page.getByRole("button", { name: "Definition: how RFM score is calculated" }).click();
    expect(await text(page, "definition-rfm_scores")).toBe(snapshot.segments.definition.text);
    await page.keyboard.press("Escape");
    await expectAccessible(page, "segments");
    await screenshot(page, "segments");
    await page.getByTestId("rfm-grid").screenshot({ path: `${SCREENSHOTS}/segments-grid.png` });
  });

  it("lets the merchant rewrite a recommended action, saved in the settings", async () => {
    await page.getByRole("button", { name: "Edit recommended action for Lost" }).click();
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

describe("Shopify segments and tag sync status", () => {
  const report = {
    mode: "sync",
    written: 41,
    failed: 2,
    skippedTagLimit: 1,
    tagged: 2874,
    failures: [{ reason: "Customer does not exist", count: 2 }],
  };
  let settingsBefore: string;

  beforeAll(async () => {
    // Tag sync on, and the report of a run that ended a minute after the compute (written by
    // the tag sync job in production; its content is the tags tests' concern).
    const shop = await prisma.shop.findUniqueOrThrow({ where: { domain: main.domain } });
    settingsBefore = shop.settings;
    await prisma.shop.update({
      where: { id: shop.id },
      data: {
        settings: JSON.stringify({ ...JSON.parse(shop.settings), tagSync: { enabled: true } }),
        tagSyncReport: JSON.stringify({
          ...report,
          finishedAt: new Date(snapshot.computedAt + 60_000).toISOString(),
        }),
      },
    });
  });

  afterAll(async () => {
    // The later tests see the shop as it was: tag sync off, no Shopify segment kept.
    await prisma.shopifySegment.deleteMany({ where: { shopId: main.shopId } });
    await prisma.shop.update({
      where: { id: main.shopId },
      data: { settings: settingsBefore, tagSyncReport: null },
    });
  });

  /**
   * Clicks the create button in the segment's list item (which starts with the segment's name:
   * the button's context); returns the Shopify segment the fake now holds.
   */
  const createInShopify = async (page: Page, segment: string, name: string, label: string) => {
    const before = fake.shop().segments.list().length;
    const row = page.getByTestId(`shopify-segment-${segment}`);
    expect((await row.textContent())?.startsWith(`${name}${label}`)).toBe(true);
    await row.getByRole("button", { name: label, exact: true }).click();
    await row.getByRole("link").waitFor();
    const created = fake.shop().segments.list();
    expect(created).toHaveLength(before + 1);
    return { row, created: created.at(-1)! };
  };

  it("creates a segment in Shopify with one click and links to it (English)", async () => {
    const i18n = createTranslator("en");
    const { t } = i18n;
    const name = segmentName(i18n, "at_risk", "At Risk");
    const page = await app.open("/app/segments", main.store);
    await page.getByTestId("shopify-segments").waitFor();
    expect(await text(page, "shopify-segments")).toContain("rfm:at_risk");
    const { row, created } = await createInShopify(
      page,
      "at_risk",
      name,
      t("shopifySegments.create"),
    );
    await page
      .getByTestId("toast")
      .filter({ hasText: t("shopifySegments.created") })
      .waitFor();
    expect(created).toMatchObject({
      name: "Kizuna: At Risk (rfm:at_risk)",
      query: "customer_tags CONTAINS 'rfm:at_risk'",
    });
    // The link opens the segment in Shopify admin, outside the app's frame.
    const link = row.getByRole("link", { name: t("shopifySegments.open"), exact: true });
    expect(await link.textContent()).toBe(t("shopifySegments.open"));
    await expect(link.getAttribute("href")).resolves.toBe(
      `shopify://admin/customers/segments/${created.id}`,
    );
    await expect(link.getAttribute("target")).resolves.toBe("_top");
    const [kept] = await prisma.shopifySegment.findMany({ where: { shopId: main.shopId } });
    expect(kept).toMatchObject({
      segmentId: "at_risk",
      gid: `gid://shopify/Segment/${created.id}`,
    });
    // The other segments still offer the button.
    const champions = page.getByTestId("shopify-segment-champions");
    expect(await champions.getByRole("button").textContent()).toBe(t("shopifySegments.create"));

    // The tag sync status: the last run's report, pending changes and failures by reason.
    expect(await text(page, "tag-sync-last-run")).toBe(en.dateTime(snapshot.computedAt + 60_000));
    expect(await text(page, "tag-sync-tagged")).toBe(en.number(report.tagged));
    expect(await text(page, "tag-sync-written")).toBe(en.number(report.written));
    expect(await text(page, "tag-sync-pending")).toBe(en.number(3));
    expect(await text(page, "tag-sync-next")).toBe(t("tagSync.nextNone"));
    expect(await text(page, "tag-sync-failures")).toBe(
      `Customer does not exist — ${t("tagSync.failureCount", { count: 2 })}`,
    );
    expect(await text(page, "tag-sync-status")).toContain(t("tagSync.pendingHelp"));
    await expectAccessible(page, "segments-shopify");
    await screenshot(page, "segments-shopify");
    await page.close();
  });

  it("does the same in Japanese", async () => {
    const i18n = createTranslator("ja");
    const { t } = i18n;
    const name = segmentName(i18n, "champions", "Champions");
    const page = await app.open("/app/segments", main.store, "ja");
    await page.getByTestId("shopify-segments").waitFor();
    expect(await text(page, "shopify-segments")).toContain(t("shopifySegments.title"));
    // The segment created in English is kept: opened, not created again.
    const atRisk = page.getByTestId("shopify-segment-at_risk").getByRole("link");
    expect(await atRisk.textContent()).toBe(t("shopifySegments.open"));
    const { row, created } = await createInShopify(
      page,
      "champions",
      name,
      t("shopifySegments.create"),
    );
    await page
      .getByTestId("toast")
      .filter({ hasText: t("shopifySegments.created") })
      .waitFor();
    // Shopify's segment names stay English (decision 0044-shopify-segments).
    expect(created).toMatchObject({
      name: "Kizuna: Champions (rfm:champions)",
      query: "customer_tags CONTAINS 'rfm:champions'",
    });
    const link = row.getByRole("link", { name: t("shopifySegments.open"), exact: true });
    await expect(link.getAttribute("href")).resolves.toBe(
      `shopify://admin/customers/segments/${created.id}`,
    );
    expect(await text(page, "tag-sync-status")).toContain(t("tagSync.title"));
    expect(await text(page, "tag-sync-last-run")).toBe(ja.dateTime(snapshot.computedAt + 60_000));
    expect(await text(page, "tag-sync-tagged")).toBe(ja.number(report.tagged));
    expect(await text(page, "tag-sync-next")).toBe(t("tagSync.nextNone"));
    expect(await text(page, "tag-sync-failures")).toBe(
      `Customer does not exist — ${t("tagSync.failureCount", { count: 2 })}`,
    );
    await expectAccessible(page, "segments-shopify-ja");
    await screenshot(page, "segments-shopify-ja");
    await page.close();
  });
});

describe("segment drill-down", () => {
  let page: Page;
  const segment = () => [...snapshot.segments.rows].sort((a, b) => b.customers - a.customers)[0]!;
  /** The segment's customers by a value, descending, ties by id descending (as the page). */
  const segmentDescending = async (id: string, value: (r: CustomerResult) => number) =>
    (await allCustomerResults(prisma, main.shopId))
      .filter((r) => r.segment === id)
      .sort((a, b) => value(b) - value(a) || (b.customerId > a.customerId ? 1 : -1));
  /** Each test after the first starts on the segment's page as a merchant opens it. */
  const openSegment = async (id: string) => {
    await page.close();
    page = await app.open(`/app/segments/${id}`, main.store);
    await page.getByTestId("customer-table").waitFor();
  };

  it("lists the segment's customers by predicted LTV with names from Shopify", async () => {
    page = await app.open("/app/segments", main.store);
    const { id, customers } = segment();
    await page.getByTestId(`segment-link-${id}`).click();
    await page.waitForURL(`**/app/segments/${id}**`);
    await page.getByTestId("customer-table").waitFor();
    const expected = (await segmentDescending(id, (r) => Number(r.clvMinor))).slice(0, 50);
    const ids = await page.getByTestId("customer-id").allTextContents();
    expect(ids).toEqual(expected.map((r) => r.customerId.toString()));
    await expect(page.getByTestId("customer-table").getAttribute("data-names")).resolves.toBe("ok");
    expect(await page.getByTestId("names-unavailable").count()).toBe(0);
    // Each row: the name and email Shopify holds, linking to the customer in Shopify admin.
    const shop = fake.shop();
    const names = await page.getByTestId("customer-name").allTextContents();
    const emails = await page.getByTestId("customer-email").allTextContents();
    ids.forEach((customerId, i) => {
      const slot = shop.store.slotOfCustomerId(BigInt(customerId));
      const plan = shop.store.customerPlan(slot)!;
      expect(names[i]).toBe(`${plan.firstName} ${plan.lastName}`);
      expect(emails[i]).toBe(customerEmail(shop.store.customerState(slot)!));
    });
    const link = page.locator(`a[href="shopify://admin/customers/${ids[0]}"]`);
    await expect(link.getAttribute("target")).resolves.toBe("_top");
    expect(await link.textContent()).toBe(names[0]);
    expect(await page.getByTestId("customer-clv").first().textContent()).toBe(
      en.money(Number(expected[0]!.clvMinor)),
    );
    expect(await page.getByText(`Page 1 of ${Math.ceil(customers / 50)}`).count()).toBe(1);
    await expectAccessible(page, "segment-drilldown");
    await screenshot(page, "segment-drilldown");
  });

  it("sorts by last purchase from the most recent, and filters by P(alive)", async () => {
    const { id } = segment();
    await openSegment(id);
    await page.getByRole("button", { name: "Last purchase", exact: true }).click();
    await page.waitForURL(/sort=recency/);
    await expect
      .poll(() => page.getByTestId("customer-table").getAttribute("data-direction"))
      .toBe("asc");
    const recent = (await allCustomerResults(prisma, main.shopId))
      .filter((r) => r.segment === id)
      .sort((a, b) => a.recencyDays - b.recencyDays || (a.customerId > b.customerId ? 1 : -1));
    await expect
      .poll(() => page.getByTestId("customer-id").allTextContents())
      .toEqual(recent.slice(0, 50).map((r) => r.customerId.toString()));
    await page.getByLabel("P(alive) from (%)").fill("50");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForURL(/pAliveMin=50/);
    const alive = recent.filter((r) => r.pAlive !== null && r.pAlive >= 0.5);
    await expect
      .poll(() => page.getByTestId("customer-id").allTextContents())
      .toEqual(alive.slice(0, 50).map((r) => r.customerId.toString()));
    expect(await text(page, "filter-matching")).toBe(
      `${en.number(alive.length)} of ${en.number(recent.length)} customers match`,
    );
    // Back at the top: the table's sticky header (shown once the table scrolls under it)
    // carries Polaris' faded loading row, which is not part of the page at rest.
    await page.evaluate(() => window.scrollTo(0, 0));
    await expectAccessible(page, "segment-drilldown-filtered");
    await screenshot(page, "segment-drilldown-filtered");
    await page.getByRole("link", { name: "Clear filters" }).click();
    await page.waitForURL((url) => !url.search.includes("pAliveMin"));
    await expect
      .poll(() => page.getByTestId("customer-id").allTextContents())
      .toEqual(recent.slice(0, 50).map((r) => r.customerId.toString()));
  });

  it("sorts by another column and pages through", async () => {
    const { id } = segment();
    await openSegment(id);
    await page.getByRole("button", { name: "Purchases", exact: true }).click();
    await page.waitForURL(/sort=frequency/);
    await expect
      .poll(() => page.getByTestId("customer-table").getAttribute("data-sort"))
      .toBe("frequency");
    const top = (await segmentDescending(id, (r) => r.frequency)).slice(50, 100);
    await page.getByRole("button", { name: "Next" }).click();
    await page.waitForURL(/page=2/);
    await expect
      .poll(() => page.getByTestId("customer-id").allTextContents())
      .toEqual(top.map((r) => r.customerId.toString()));
  });

  it("downloads the whole segment as CSV", async () => {
    const { id, customers } = segment();
    await openSegment(id);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.locator("#export-csv").click(),
    ]);
    expect(download.suggestedFilename()).toBe(`kizuna-${id}-${snapshot.asOfDate}.csv`);
    const bytes = readFileSync((await download.path())!);
    // UTF-8 with a BOM, for Excel.
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(bytes.toString("utf8"), { bom: true, columns: true }) as Record<
      string,
      string
    >[];
    expect(rows).toHaveLength(customers);
    expect(Object.keys(rows[0]!)).toEqual([
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
    const stored = (await allCustomerResults(prisma, main.shopId)).filter((r) => r.segment === id);
    // Ids as Excel text: the exact 19 digits, never 9.2E+18.
    expect(rows.map((r) => r["Customer ID"])).toEqual(
      stored.map((s) => `="${s.customerId.toString()}"`),
    );
    expect(rows[0]).toMatchObject({
      Segment: segmentName(
        createTranslator("en"),
        id,
        snapshot.segments.rows.find((r) => r.id === id)!.name,
      ),
      Purchases: String(stored[0]!.frequency),
      "Net revenue (JPY)": stored[0]!.monetaryMinor.toString(),
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
    // The month in progress is hatched and says "so far", not shaded like a collapse. On a
    // month's last day (CI's 29 Feb anchor) that month is complete: nothing is hatched.
    const newest = rows[rows.length - 1]!;
    if (newest.activeShare.length > newest.completeMonths) {
      const current = page.getByTestId(`cohort-${newest.month}-${newest.completeMonths}`);
      await expect(current.getAttribute("data-partial")).resolves.toBe("true");
      expect(await current.textContent()).toContain("so far");
      expect(await current.evaluate((td) => getComputedStyle(td).backgroundImage)).toContain(
        "repeating-linear-gradient",
      );
    } else {
      const nextDay = new Date(`${snapshot.asOfDate}T00:00:00Z`);
      nextDay.setUTCDate(nextDay.getUTCDate() + 1);
      expect(nextDay.getUTCDate(), "only a month's last day completes its month").toBe(1);
      expect(await page.locator('[data-partial="true"]').count()).toBe(0);
    }
    await expect(
      page.getByTestId(`cohort-${cohort.month}-1`).getAttribute("data-partial"),
    ).resolves.toBeNull();
    expect(await text(page, "cohort-partial-legend")).toContain("months still in progress");
    expect(await page.getByTestId("cohort-curves").locator("path").count()).toBeGreaterThan(2);
    // Keyboard: the heatmap is one tab stop, arrow keys and Home move between its cells, and
    // the focused cell's details (a mouse's tooltip) are written out under the table.
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute("data-testid"));
    await page.getByTestId(`cohort-${cohort.month}-1`).focus();
    await page.keyboard.press("ArrowRight");
    expect(await focused()).toBe(`cohort-${cohort.month}-2`);
    const title = await page.getByTestId(`cohort-${cohort.month}-2`).getAttribute("title");
    expect(title).toContain(en.month(cohort.month));
    expect(await text(page, "cohort-heatmap-detail")).toBe(title);
    await page.keyboard.press("ArrowDown");
    const older = rows[rows.length - 5]!;
    expect(await focused()).toBe(`cohort-${older.month}-2`);
    await page.keyboard.press("Home");
    expect(await focused()).toBe(`cohort-${older.month}-0`);
    expect(await page.getByTestId("cohort-heatmap").locator('td[tabindex="0"]').count()).toBe(1);
    await expectAccessible(page, "cohorts");
    await screenshot(page, "cohorts");
  });

  it("cohorts filtered to one cut: the select, the base line and the cut's numbers", async () => {
    const cuts = snapshot.cohortCuts!;
    // The largest cut that is not everybody (the seeded shop has no first touches: all its
    // customers are "Direct / unknown"; one-time vs subscription splits it).
    const cut = [...cuts.cuts]
      .filter((c) => c.customers < cuts.customers)
      .sort((a, b) => b.customers - a.customers)[0]!;
    const page = await app.open("/app/cohorts", main.store);
    await page.getByTestId("cohort-heatmap").waitFor();
    expect(await text(page, "cohort-filter-base")).toContain(en.number(cuts.customers));
    await page.getByTestId("cohort-filter").locator("select").selectOption(cut.key);
    await page.waitForURL((url) => url.searchParams.get("cut") === cut.key);
    await page
      .getByText(`${en.number(cut.customers)} of the ${en.number(cuts.customers)}`)
      .waitFor();
    const row = cut.rows.filter((r) => r.completeMonths >= 2).at(-1)!;
    expect(await text(page, `cohort-${row.month}-1`)).toBe(
      en.percent(Math.round((row.activeCustomers[1]! / row.size) * 1e4) / 1e4, 0),
    );
    expect(await text(page, "cohort-filter-base")).toMatch(/^Filtered to /);
    await expectAccessible(page, "cohorts-filtered");
    await screenshot(page, "cohorts-filtered");
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
    await expectAccessible(page, "migration");
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
    await expectAccessible(page, "migration-dates");
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
    await expectAccessible(page, "migration-dates-error");
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
    // The sBG projection is drawn only for an identified fit; otherwise the page says why.
    const sbg = snapshot.continuation.sbg;
    const projection = page.locator("svg.kz-chart path > title", { hasText: "Model projection" });
    if (sbg?.status === "not-identified") {
      const flagged = page.getByTestId("sbg-not-identified");
      await expect(flagged.getAttribute("data-code")).resolves.toBe(sbg.code);
      expect(await flagged.textContent()).toContain(
        "The model cannot be estimated from these subscribers yet",
      );
      expect(await projection.count()).toBe(0);
    } else if (sbg?.status === "ok") {
      await page.getByTestId("sbg-ok").waitFor();
      expect(await projection.count()).toBe(1);
    }
    // Cohorts under the trends' minimum base are marked and left unshaded, with a legend
    // (the generated shop's subscription cohorts are all small).
    const shown = snapshot.continuation.subscription!.rows.slice(-24);
    const few = shown.filter((r) => r.size < MIN_TREND_BASE).length;
    expect(few).toBeGreaterThan(0);
    const subTable = page.getByTestId("continuation-sub");
    expect(await subTable.locator('tr[data-few="true"]').count()).toBe(few);
    const fewStyle = await subTable.locator("td.kz-few").first().getAttribute("style");
    expect(fewStyle ?? "").not.toContain("background");
    expect(await text(page, "continuation-sub-few-legend")).toContain(
      `fewer than ${MIN_TREND_BASE} customers`,
    );
    await expectAccessible(page, "continuation");
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
    const params = await page.getByTestId("model-params").textContent();
    // The parameters of the purchase model the predictions use.
    expect(params).toContain(`${clv.purchaseModel.label} r`);
    expect(params).toContain(en.number(clv.purchaseModel.params.r!, 3));
    // Fit quality per model: each purchase model's holdout error and status, which is used
    // and why; Gamma-Gamma and sBG each with their own status.
    const fit = page.getByTestId("model-fit");
    expect(await fit.locator("tbody tr").count()).toBe(clv.modelChoice.models.length);
    for (const row of clv.modelChoice.models) {
      const cell = page.getByTestId(`fit-model-${row.model}`);
      await expect(cell.getAttribute("data-status")).resolves.toBe(row.status);
      const rowText = await fit.locator("tbody tr", { has: cell }).textContent();
      if (row.rmse !== null) expect(rowText).toContain(en.number(row.rmse, 4));
      expect(rowText).toContain(row.reason);
    }
    await expect(page.getByTestId("model-used").getAttribute("data-model")).resolves.toBe(
      clv.modelChoice.used,
    );
    expect(await text(page, "model-used")).toContain(clv.purchaseModel.label);
    expect(await page.getByTestId("other-model-fit").locator("tbody tr").count()).toBe(2);
    const spendStatus = clv.aovFallback === null ? "converged" : undefined;
    if (spendStatus) {
      await expect(
        page.getByTestId("fit-model-gamma-gamma").getAttribute("data-status"),
      ).resolves.toBe(spendStatus);
    } else {
      expect(await page.getByTestId("other-model-fit").textContent()).toContain(
        clv.aovFallback!.reason,
      );
    }
    const sbgStatus = snapshot.continuation.sbg;
    await expect(page.getByTestId("fit-model-sbg").getAttribute("data-status")).resolves.toBe(
      sbgStatus === null
        ? "no-data"
        : sbgStatus.status === "ok"
          ? "converged"
          : sbgStatus.status === "not-identified"
            ? "not-identified"
            : "too-little-data",
    );
    // Under BG/NBD one-time buyers' P(alive) is 1 by construction: the page says so.
    expect(await page.getByTestId("palive-one-time-fixed").count()).toBe(
      clv.modelChoice.used === "bgnbd" ? 1 : 0,
    );
    // Gamma-Gamma rows only for an identified fit; otherwise the reason and the mean used.
    if (clv.aovFallback) {
      expect(params).not.toContain("Gamma-Gamma");
      const fallback = page.getByTestId("gamma-gamma-fallback");
      await expect(fallback.getAttribute("data-code")).resolves.toBe(clv.aovFallback.code);
      expect(await fallback.textContent()).toContain(en.money(clv.meanAovMinor));
    } else {
      expect(params).toContain("Gamma-Gamma p");
    }
    // The holdout card and the scenarios name the model the predictions use.
    if (clv.holdout.status === "ok") {
      const card = page.getByTestId("holdout-ok");
      await card.waitFor();
      await expect(card.getAttribute("data-model")).resolves.toBe(clv.modelChoice.used);
      expect(await card.textContent()).toContain(clv.purchaseModel.label);
    }
    await expect(page.getByTestId("scenario-model").getAttribute("data-model")).resolves.toBe(
      clv.modelChoice.used,
    );
    expect(await text(page, "scenario-model")).toContain(clv.purchaseModel.label);
    // Ranges from the parameters' uncertainty: the shop's tiles, per segment, the scenarios.
    const iv = clv.intervals;
    if (iv === undefined || iv.status !== "ok") throw new Error("expected the predictions' ranges");
    expect(await text(page, "ltv-average-clv-range")).toBe(
      `95% range: ${en.money(iv.shop.averageClvMinor.lower)} – ${en.money(iv.shop.averageClvMinor.upper)}`,
    );
    expect(await text(page, "ltv-expected90-range")).toBe(
      `95% range: ${en.number(iv.shop.averageExpectedPurchases90.lower, 2)} – ${en.number(iv.shop.averageExpectedPurchases90.upper, 2)}`,
    );
    const ranges = page.getByTestId("segment-ranges");
    expect(await ranges.locator("tbody tr").count()).toBe(iv.segments.length + 1);
    const first = iv.segments[0];
    expect(
      await ranges
        .locator("tbody tr", { has: page.getByTestId(`ranges-${first.segment}`) })
        .textContent(),
    ).toContain(
      `${en.money(first.averageClvMinor.lower)} – ${en.money(first.averageClvMinor.upper)}`,
    );
    const scenarioText = await page.getByTestId("scenarios").textContent();
    for (const s of iv.scenarios!) {
      expect(scenarioText).toContain(
        `95% range: ${en.money(s.clvGain.lower)} – ${en.money(s.clvGain.upper)}`,
      );
    }
    await expectAccessible(page, "ltv");
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
    await expectAccessible(page, "dashboard-ja");
    await screenshot(page, "dashboard-ja");

    // The admin's navigation (the stub draws it) moves client-side; the locale stays.
    await page.getByTestId("nav-menu").getByText("セグメント", { exact: true }).click();
    await page.waitForURL("**/app/segments");
    await page.getByTestId("segment-link-champions").waitFor();
    expect(await text(page, "segment-link-champions")).toBe("優良顧客");
    expect(await text(page, "segment-action-promising")).toMatch(/^再購入オファー/);
    await expectAccessible(page, "segments-ja");
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
    await page.getByRole("button", { name: "定義：購入継続率の計算方法" }).click();
    await expect(page.getByTestId("definition-cohort_active_share").textContent()).resolves.toMatch(
      /コホートの顧客のうち/,
    );
    await expectAccessible(page, "cohorts-ja");
    await screenshot(page, "cohorts-ja");
  });

  it("continuation filtered by the URL's cut, in Japanese", async () => {
    const cut = snapshot.cohortCuts!.cuts.find((c) => c.key === "first_order:one_time")!;
    const page = await app.open(`/app/continuation?cut=${cut.key}`, main.store, "ja");
    await page.getByTestId("continuation-all").waitFor();
    expect(await text(page, "cohort-filter-base")).toContain(`初回購入「単品購入」で絞り込み中。`);
    expect(await text(page, "cohort-filter-base")).toContain(`${ja.number(cut.customers)}人`);
    const second = cut.totalReached[1]! / cut.totalReached[0]!;
    expect(await text(page, "continuation-all-pooled")).toBe(
      `全${ja.number(cut.totalReached[0]!)}人のうち${ja.percent(second)}が2回目の購入をしました。`,
    );
    await expectAccessible(page, "continuation-filtered-ja");
    await screenshot(page, "continuation-filtered-ja");
  });
  it("the analysis pages and the drill-down in Japanese pass the accessibility check", async () => {
    const segment = [...snapshot.segments.rows].sort((a, b) => b.customers - a.customers)[0]!;
    for (const [path, ready, name] of [
      [`/app/segments/${segment.id}`, "customer-table", "segment-drilldown-ja"],
      ["/app/migration", "migration-matrix", "migration-ja"],
      ["/app/continuation", "continuation-all", "continuation-ja"],
      ["/app/ltv", "scenarios", "ltv-ja"],
    ] as const) {
      const page = await app.open(path, main.store, "ja");
      await page.getByTestId(ready).waitFor();
      expect(await page.locator("html").getAttribute("lang")).toBe("ja");
      if (name === "ltv-ja") {
        // The fit-quality tables in Japanese.
        expect(await page.getByRole("heading", { name: "モデルごとの当てはまり" }).count()).toBe(1);
        expect(await page.getByTestId("model-fit").locator("tbody tr").count()).toBe(3);
        expect(await page.getByTestId("model-fit").textContent()).toContain("予測に使用");
        expect(await page.getByTestId("other-model-fit").locator("tbody tr").count()).toBe(2);
        // Reasons are worded from the compute's codes, not its English sentences.
        const fitText = await page.getByTestId("model-fit").textContent();
        if (snapshot.clv.status !== "ok") throw new Error("expected CLV predictions");
        for (const row of snapshot.clv.modelChoice.models) {
          expect(fitText).not.toContain(row.reason);
        }
        // The ranges in Japanese.
        const iv = snapshot.clv.intervals;
        if (iv === undefined || iv.status !== "ok") throw new Error("expected ranges");
        expect(await text(page, "ltv-average-clv-range")).toBe(
          `95%範囲：${ja.money(iv.shop.averageClvMinor.lower)}〜${ja.money(iv.shop.averageClvMinor.upper)}`,
        );
        expect(await page.getByRole("heading", { name: "セグメント別の予測LTV" }).count()).toBe(1);
        expect(await page.getByTestId("segment-ranges").textContent()).toContain("95%範囲");
      }
      await expectAccessible(page, name);
      await screenshot(page, name);
      await page.close();
    }
  }, 60_000);
});

describe("new and small shops", () => {
  it("a shop still importing sees the import's progress instead of numbers", async () => {
    const page = await app.open("/app", fresh.store);
    const empty = page.getByTestId("empty-state");
    await empty.waitFor();
    await expect(empty.getAttribute("data-kind")).resolves.toBe("backfill");
    await expect(page.getByTestId("sync-progress").getAttribute("data-value")).resolves.toBe("40");
    expect(await page.getByText("12,400 of 31,000 records").count()).toBe(1);
    await expectAccessible(page, "dashboard-backfill");
    await screenshot(page, "dashboard-backfill");
    const segments = await app.open("/app/segments", fresh.store);
    await segments.getByTestId("empty-state").waitFor();
  });

  it("a tiny shop is told its numbers are noisy, and predictions need more data", async () => {
    const page = await app.open("/app", tiny.store);
    await page.getByTestId("tiny-shop").waitFor();
    // Below the minimum of 50 customers: no segments, and the page says so.
    const tinySnapshot = await tiny.snapshot();
    expect(tinySnapshot.segments.segmented).toBe(false);
    const buyers = en.number(tinySnapshot.counts.customersWithPurchases);
    expect(await text(page, "no-segments")).toBe(
      `Kizuna segments customers once 50 of them have bought; so far ${buyers} have. With fewer, RFM scores compare too few people to mean anything, so no customer is segmented or tagged in Shopify yet. You can change the minimum in Settings.`,
    );
    await expectAccessible(page, "dashboard-tiny");
    await screenshot(page, "dashboard-tiny");
    const segments = await app.open("/app/segments", tiny.store);
    await segments.getByTestId("segments-not-yet").waitFor();
    expect(await segments.getByText("Not enough customers for segments yet").count()).toBe(1);
    expect(await segments.getByTestId("rfm-grid").count()).toBe(0);
    await expectAccessible(segments, "segments-not-yet");
    await screenshot(segments, "segments-not-yet");
    const ltv = await app.open("/app/ltv", tiny.store);
    await ltv.getByTestId("ltv-insufficient").waitFor();
    expect(await ltv.getByText("Not enough data for predictions yet").count()).toBe(1);
    await expectAccessible(ltv, "ltv-insufficient");
    await screenshot(ltv, "ltv-insufficient");
  });

  it("rendered without console errors (no hydration mismatches)", () => {
    expect(app.problems).toEqual([]);
  });
});
