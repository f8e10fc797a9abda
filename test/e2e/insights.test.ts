/**
 * The Pareto (decile) and NPS pages in real Chromium, in English and Japanese: the numbers
 * on screen against the stored snapshot and answers, the period and comment filters, bad
 * query values, customer comments shown as text, and the accessibility check. Screenshots
 * go to test-results/screenshots/ (pareto-*.png, nps-*.png).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
import { createFormat } from "../../app/format";
import type { ShopSnapshot } from "../../app/metrics/snapshot/types";
import { expectAccessible } from "./axe";
import {
  ensureBuild,
  openBrowser,
  removeShops,
  screenshot,
  seedShop,
  startServer,
  storeName,
  type AppBrowser,
  type AppServer,
  type SeededShop,
} from "./harness";

let server: AppServer;
let app: AppBrowser;
let shop: SeededShop;
let snapshot: ShopSnapshot;
/** Markup a customer might type: must show as text, never as HTML. */
const HOSTILE = `<img src=x onerror="window.__pwned=1"> 梱包が丁寧 & "fast"`;

beforeAll(async () => {
  const build = ensureBuild();
  shop = await seedShop({
    store: storeName("e2e-insights"),
    customers: 800,
    seed: 11,
    npsResponses: 120,
  });
  // Comments on a few answers: a promoter's, a detractor's and the hostile one (a passive's).
  const answers = await prisma.npsResponse.findMany({
    where: { shopId: shop.shopId },
    orderBy: { id: "asc" },
  });
  const byScore = (test: (s: number) => boolean) => answers.find((a) => test(a.score))!;
  await prisma.npsResponse.update({
    where: { id: byScore((s) => s >= 9).id },
    data: { comment: "Lovely tea, fast delivery." },
  });
  await prisma.npsResponse.update({
    where: { id: byScore((s) => s <= 6).id },
    data: { comment: "箱が潰れていました。" },
  });
  await prisma.npsResponse.update({
    where: { id: byScore((s) => s === 7 || s === 8).id },
    data: { comment: HOSTILE },
  });
  snapshot = await shop.snapshot();
  await build;
  server = await startServer();
  app = await openBrowser(server);
}, 300_000);

afterAll(async () => {
  await app?.close();
  await server?.stop();
  await removeShops(shop ? [shop.domain] : []);
  await prisma.$disconnect();
});

const text = async (page: Page, testId: string) =>
  (await page.getByTestId(testId).first().textContent())?.trim() ?? "";

describe.each(["en", "ja"] as const)("Pareto page (%s)", (locale) => {
  const format = () => createFormat(locale, snapshot.currency, snapshot.timeZone);

  it("shows the revenue shares, the curve, the deciles and the top customers", async () => {
    const page = await app.open("/app/pareto", shop.store, locale);
    await page.getByTestId("pareto-deciles").waitFor();
    // The default period is the dashboard's: the last 12 months, the same top 20 %.
    const { topShare, gini, customers } = snapshot.pareto;
    expect(await text(page, "pareto-p20")).toBe(format().percent(topShare.value!));
    expect(await text(page, "pareto-gini")).toBe(format().number(gini.value!, 2));
    const rows = page.getByTestId("pareto-deciles").locator("tbody tr");
    await expect(rows.count()).resolves.toBe(10);
    const sizes = (await rows.locator("td:nth-child(2)").allTextContents()).map((t) =>
      Number(t.replace(/[^\d]/g, "")),
    );
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(customers);
    // The chart has axis titles and a text alternative that names the shares.
    const chart = page.getByTestId("pareto-chart").locator("svg");
    expect(await chart.getAttribute("aria-label")).toContain(format().percent(topShare.value!));
    expect(await chart.locator("text.kz-axis-title").count()).toBe(2);
    // Top customers: Shopify ids of this shop's customers, best first.
    const ids = await page.getByTestId("pareto-customer-id").allTextContents();
    expect(ids.length).toBe(Math.min(50, customers));
    const stored = await prisma.customer.count({
      where: { shopId: shop.shopId, id: { in: ids.map(BigInt) } },
    });
    expect(stored).toBe(ids.length);
    await expectAccessible(page, `pareto (${locale})`);
    await screenshot(page, `pareto-${locale}`);
    await page.close();
  });
});

describe("Pareto periods", () => {
  it("switches to all time, and says so when the period is unknown", async () => {
    const page = await app.open("/app/pareto", shop.store);
    await page.getByTestId("pareto-deciles").waitFor();
    const before = await text(page, "pareto-range");
    await page.getByLabel("Period").selectOption("all");
    await page.waitForURL(/period=all/);
    await expect.poll(() => text(page, "pareto-range")).not.toBe(before);
    const all = await text(page, "pareto-range");
    expect(all).toContain(
      `${createFormat("en", "JPY", "Asia/Tokyo").number(snapshot.counts.customersWithPurchases)} customers`,
    );
    const bad = await app.open("/app/pareto?period=bogus", shop.store);
    await bad.getByText("That period is not available; showing the last 12 months.").waitFor();
    expect(await text(bad, "pareto-p20")).toBe(
      createFormat("en", "JPY", "Asia/Tokyo").percent(snapshot.pareto.topShare.value!),
    );
  });
});

describe.each(["en", "ja"] as const)("NPS page (%s)", (locale) => {
  const format = () => createFormat(locale, snapshot.currency, snapshot.timeZone);

  it("shows the score with its responses, the monthly line and table, and the split", async () => {
    const page = await app.open("/app/nps", shop.store, locale);
    await page.getByTestId("nps-chart").waitFor();
    const overall = snapshot.nps.overall;
    expect(await text(page, "nps-score")).toBe(format().metric(overall.value, "points"));
    expect(await text(page, "nps-responses")).toContain(format().number(overall.denominator));
    const counts = await Promise.all(
      ["promoters", "passives", "detractors"].map(async (g) =>
        Number((await text(page, `nps-${g}`)).replace(/[^\d]/g, "")),
      ),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(overall.denominator);
    expect(100 * ((counts[0]! - counts[2]!) / overall.denominator)).toBeCloseTo(overall.value!, 9);
    const months = page.getByTestId("nps-months").locator("tbody tr");
    await expect(months.count()).resolves.toBe(snapshot.trends!.months.length);
    // The target (≥ −10 by default) is drawn and its status shown.
    expect(await page.getByTestId("nps-chart").locator("path > title").allTextContents()).toContain(
      `${locale === "en" ? "Target" : "目標"} ${format().metric(-10, "points")}`,
    );
    expect(await page.getByTestId("nps-by-segment").locator("tbody tr").count()).toBe(
      snapshot.nps.bySegment.length,
    );
    await expectAccessible(page, `nps (${locale})`);
    await screenshot(page, `nps-${locale}`);
    await page.close();
  });
});

describe("NPS comments", () => {
  it("shows customers' comments as text, newest first, filtered by group", async () => {
    const page = await app.open("/app/nps", shop.store);
    await page.getByTestId("nps-comments").waitFor();
    const texts = await page.getByTestId("nps-comment-text").allTextContents();
    expect(texts).toHaveLength(3);
    expect(texts).toContain(HOSTILE);
    // Escaped: the markup is text, no element was created and nothing ran.
    expect(await page.getByTestId("nps-comments").locator("img").count()).toBe(0);
    expect(await page.evaluate(() => "__pwned" in window)).toBe(false);
    await page.getByLabel("Show").selectOption("detractors");
    await page.waitForURL(/group=detractors/);
    await expect
      .poll(() => page.getByTestId("nps-comment-text").allTextContents())
      .toEqual(["箱が潰れていました。"]);
    await expectAccessible(page, "nps comments");
    await screenshot(page, "nps-comments-detractors");
    const bad = await app.open("/app/nps?group=everyone", shop.store);
    await bad.getByText("That filter is not available; showing all comments.").waitFor();
    expect(await bad.getByTestId("nps-comment-text").count()).toBe(3);
  });

  it("rendered without console errors", () => {
    expect(app.problems).toEqual([]);
  });
});
