/**
 * The monthly KPI history in real Chromium, in English and Japanese: dashboard sparklines
 * with the target line and the partial month, and a KPI page with its chart, table and
 * definition; a custom range computed by a real `periods` worker process (computing, then
 * its values without a reload; a failed range and its Retry). Screenshots go to
 * test-results/screenshots/ (trends-*.png).
 */
import { join } from "node:path";
import { Queue } from "bullmq";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RangeResult } from "../../app/metrics/period-range.server";
import type { ShopSnapshot } from "../../app/metrics/snapshot/types";
import type { AppBrowser, AppServer, SeededShop } from "./harness";
import { isolatedFile } from "../helpers/isolated-file";
import { startProcess, type TestProcess } from "../helpers/processes";

const { database } = await isolatedFile("trends");
const { default: prisma } = await import("../../app/db.server");
const { formatMonth, monthOfDay, parseDay } = await import("../../app/analytics");
const { createFormat } = await import("../../app/format");
const { periodRangeJobId } = await import("../../app/jobs/periods.server");
const { parseSettings } = await import("../../app/settings");
const { ensureBuild, openBrowser, removeShops, screenshot, seedShop, startServer, storeName } =
  await import("./harness");
const { expectAccessible } = await import("./axe");

const ROOT = join(import.meta.dirname, "..", "..");
// This file's server and worker get queues of their own, under the run's prefix (which the
// global teardown removes): no other file's worker takes its jobs, nor it theirs.
const QUEUE_PREFIX = `${process.env.QUEUE_PREFIX ?? "kizuna-test"}-trends-${process.pid}`;

let server: AppServer;
let worker: TestProcess;
let periods: Queue;
let app: AppBrowser;
let shop: SeededShop;
let snapshot: ShopSnapshot;

beforeAll(async () => {
  const build = ensureBuild();
  shop = await seedShop({
    store: storeName("e2e-trends"),
    customers: 800,
    seed: 7,
    npsResponses: 120,
    spend: true,
  });
  snapshot = await shop.snapshot();
  await build;
  server = await startServer({ QUEUE_PREFIX });
  // The custom ranges' worker, as `npm run workers -- --queues periods` runs it.
  worker = startProcess(
    process.execPath,
    ["--import", "tsx", join(ROOT, "workers", "main.ts"), "--queues", "periods"],
    { cwd: ROOT, env: { ...process.env, QUEUE_PREFIX, LOG_LEVEL: "info" } },
  );
  periods = new Queue("periods", {
    connection: { url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" },
    prefix: QUEUE_PREFIX,
  });
  await worker.waitFor('"msg":"workers started"', 60_000);
  app = await openBrowser(server);
}, 300_000);

afterAll(async () => {
  await app?.close();
  await server?.stop();
  await worker?.stop();
  await periods?.obliterate({ force: true }).catch(() => {});
  await periods?.close();
  await removeShops(shop ? [shop.domain] : []);
  await prisma.$disconnect();
  await database.drop();
});

describe.each(["en", "ja"] as const)("monthly history (%s)", (locale) => {
  let page: Page;
  const format = () => createFormat(locale, snapshot.currency, snapshot.timeZone);

  it("dashboard cards carry 24 months, the target line and the partial month", async () => {
    const trends = snapshot.trends!;
    expect(trends.months).toHaveLength(25);
    page = await app.open("/app", shop.store, locale);
    const card = page.getByTestId("kpi-repeat_rate");
    await card.waitFor();
    const spark = page.getByTestId("sparkline-repeat_rate");
    await expect(spark.getAttribute("data-partial")).resolves.toBe(String(trends.partial));
    // The default repeat target (≥ 60 %) is drawn as a line.
    expect(await spark.locator("line.kz-target-line").count()).toBe(1);
    const points = Number(await spark.locator("svg").getAttribute("data-points"));
    expect(points).toBeGreaterThanOrEqual(20);
    const series = trends.series.find((s) => s.id === "repeat_rate")!;
    const latest = series.points[trends.partial ? 23 : 24];
    const monthly = await page.getByTestId("kpi-monthly-repeat_rate").textContent();
    expect(monthly).toContain(format().percent(latest.value!));
    expect(monthly).toContain(format().month(latest.month));
    for (const id of ["average_order_value", "new_customers"]) {
      await page.getByTestId(`kpi-${id}`).waitFor();
    }
    await expectAccessible(page, `dashboard (${locale})`);
    await screenshot(page, `trends-dashboard-${locale}`);
  });

  it("the period selector switches the cards, kept in the URL", async () => {
    const quarter = snapshot.trends!.periods!.quarter;
    const series = quarter.series.find((s) => s.id === "repeat_rate")!;
    const latest =
      series.points[quarter.partial ? series.points.length - 2 : series.points.length - 1];
    page = await app.open("/app", shop.store, locale);
    const selector = page.getByTestId("period-selector");
    await selector.waitFor();
    const monthValue = await page.getByTestId("kpi-value-repeat_rate").textContent();
    await selector.getByRole("button", { name: locale === "en" ? "Quarterly" : "四半期" }).click();
    const card = page.getByTestId("kpi-repeat_rate");
    await page.waitForURL(/period=quarter/);
    await expect.poll(() => card.getAttribute("data-period")).toBe("quarter");
    const value = await page.getByTestId("kpi-value-repeat_rate").textContent();
    expect(value).toBe(format().percent(latest.value!));
    expect(value).not.toBe(monthValue);
    const line = (await page.getByTestId("kpi-monthly-repeat_rate").textContent()) ?? "";
    expect(line).toContain(locale === "en" ? "vs previous quarter" : "前四半期比");
    expect(line).toContain(locale === "en" ? "vs same quarter last year" : "前年同期比");
    const spark = page.getByTestId("sparkline-repeat_rate");
    await expect(spark.getAttribute("data-period")).resolves.toBe("quarter");
    expect(Number(await spark.locator("svg").getAttribute("data-points"))).toBe(
      series.points.filter((p) => p.value !== null && p.denominator >= series.minBase).length,
    );
    await expectAccessible(page, `dashboard by quarter (${locale})`);
    await screenshot(page, `trends-dashboard-quarter-${locale}`);

    // Years, then a reload keeps the choice.
    await selector.getByRole("button", { name: locale === "en" ? "Yearly" : "年次" }).click();
    await page.waitForURL(/period=year/);
    await expect.poll(() => card.getAttribute("data-period")).toBe("year");
    await page.reload();
    await expect
      .poll(() => page.getByTestId("kpi-repeat_rate").getAttribute("data-period"))
      .toBe("year");
    expect(await page.getByTestId("kpi-monthly-repeat_rate").textContent()).toContain(
      locale === "en" ? "vs previous year" : "前年比",
    );

    // A custom range that ends before it starts is refused in the merchant's language.
    await page
      .getByTestId("period-selector")
      .getByRole("button", { name: locale === "en" ? "Custom range" : "期間指定" })
      .click();
    const form = page.getByTestId("range-form");
    await form.waitFor();
    await form.getByLabel(locale === "en" ? "From month" : "開始月").fill("2025-06");
    await form.getByLabel(locale === "en" ? "To month" : "終了月").fill("2025-03");
    await form
      .getByRole("button", { name: locale === "en" ? "Show range" : "この期間で表示" })
      .click();
    await expect
      .poll(() => page.getByTestId("range-error").textContent())
      .toBe(
        locale === "en"
          ? "The end month is before the start month."
          : "終了月が開始月より前になっています。",
      );
    await expectAccessible(page, `dashboard with a refused range (${locale})`);
    await screenshot(page, `trends-dashboard-range-error-${locale}`);
  });

  it("the KPI page shows the chart, the month table and the definition", async () => {
    page = await app.open("/app/kpi/repeat_rate", shop.store, locale);
    await page.getByTestId("kpi-chart").waitFor();
    const rows = page.getByTestId("kpi-table").locator("tbody tr");
    await expect(rows.count()).resolves.toBe(25);
    const series = snapshot.trends!.series.find((s) => s.id === "repeat_rate")!;
    const newest = series.points[24];
    const firstRow = (await rows.first().textContent()) ?? "";
    expect(firstRow).toContain(format().month(newest.month));
    expect(firstRow).toContain(`${format().number(newest.denominator)}`);
    expect(await page.getByTestId("kpi-definition").textContent()).toBe(
      locale === "en"
        ? series.definition.text
        : "期間中に購入した顧客のうち、期間末までに通算2回以上購入した顧客の割合（同じ日の注文は1回の購入と数えます）。",
    );
    expect(await page.locator("svg.kz-chart title").first().textContent()).toMatch(
      locale === "en" ? /Repeat rate by month/ : /リピート率の月次推移/,
    );
    await expectAccessible(page, `KPI page (${locale})`);
    await screenshot(page, `trends-kpi-repeat_rate-${locale}`);

    // By quarter: one row per quarter, labelled as quarters.
    await page
      .getByTestId("kpi-period")
      .getByRole("link", { name: locale === "en" ? "Quarterly" : "四半期" })
      .click();
    await page.waitForURL(/period=quarter/);
    await expect
      .poll(() => page.getByTestId("kpi-chart").getAttribute("data-period"))
      .toBe("quarter");
    const quarterRows = page.getByTestId("kpi-table").locator("tbody tr");
    await expect(quarterRows.count()).resolves.toBe(
      snapshot.trends!.periods!.quarter.months.length,
    );
    expect(await quarterRows.first().textContent()).toMatch(
      locale === "en" ? /Q\d \d{4}/ : /第\d四半期/,
    );
    await expectAccessible(page, `KPI page by quarter (${locale})`);
    await screenshot(page, `trends-kpi-repeat_rate-quarter-${locale}`);
  });
});

describe("targets", () => {
  it("a new target re-evaluates pass/fail at once from the stored values", async () => {
    const page = await app.open("/app/kpi/average_order_value", shop.store);
    await page.getByTestId("kpi-chart").waitFor();
    await page.getByLabel("Direction").selectOption("at_least");
    await page.getByLabel("Minimum").fill("1");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Target saved").waitFor();
    const table = page.getByTestId("kpi-table");
    await table.getByText("On target").first().waitFor();
    const computedBefore = snapshot.computedAt;
    expect((await shop.snapshot()).computedAt).toBe(computedBefore);
    const dashboard = await app.open("/app", shop.store);
    await expect(
      dashboard.getByTestId("kpi-average_order_value").getAttribute("data-status"),
    ).resolves.toBe("pass");
    await expectAccessible(page, "KPI page after a target change");
    await screenshot(page, "trends-kpi-target-en");
  });

  it("a range whose minimum is above its maximum is refused in the merchant's language", async () => {
    const page = await app.open("/app/kpi/repeat_rate", shop.store, "ja");
    await page.getByTestId("kpi-chart").waitFor();
    const storedTarget = async () => {
      const row = await prisma.shop.findUniqueOrThrow({ where: { id: shop.shopId } });
      return parseSettings(row.settings).kpiTargets.repeat_rate ?? null;
    };
    const before = await storedTarget();
    await page.getByLabel("目標の種類").selectOption("range");
    await page.getByLabel("下限").fill("70");
    await page.getByLabel("上限").fill("60");
    await page.getByRole("button", { name: "保存" }).click();
    await page.getByText("下限が上限を上回っています。").waitFor();
    expect(await storedTarget()).toEqual(before);
    await expectAccessible(page, "KPI page with a refused target (ja)");
  });
});

/** "YYYY-MM" of the month `back` months before the snapshot's as-of month. */
const monthBack = (back: number) => formatMonth(monthOfDay(parseDay(snapshot.asOfDate)) - back);

/** The stored result of a range (the worker wrote it), once done. */
async function storedRange(from: string, to: string): Promise<RangeResult> {
  const row = await prisma.periodResult.findFirstOrThrow({
    where: { shopId: shop.shopId, fromMonth: from, toMonth: to, status: "done" },
    orderBy: { id: "desc" },
  });
  return JSON.parse(row.data!) as RangeResult;
}

async function latestSnapshotId(): Promise<number> {
  const head = await prisma.metricSnapshot.findFirstOrThrow({
    where: { shopId: shop.shopId },
    orderBy: [{ computedAt: "desc" }, { id: "desc" }],
    select: { id: true },
  });
  return head.id;
}

/** Marks the page; a reload (or navigation by document) loses the mark. */
const markDocument = (page: Page) =>
  page.evaluate(() => ((window as unknown as { kzMark: string }).kzMark = "kept"));
const documentKept = (page: Page) =>
  page.evaluate(() => (window as unknown as { kzMark?: string }).kzMark === "kept");

describe.each(["en", "ja"] as const)("custom range computed by the worker (%s)", (locale) => {
  const format = () => createFormat(locale, snapshot.currency, snapshot.timeZone);
  // Different ranges per language: each is computed here, not read from the other's run.
  const [from, to] = locale === "en" ? [12, 1] : [7, 2];

  /** The cards show the stored range: values, the year-earlier line, the months' sparkline. */
  async function expectRangeCards(page: Page, result: RangeResult) {
    const card = page.getByTestId("kpi-repeat_rate");
    await expect.poll(() => card.getAttribute("data-period"), { timeout: 30_000 }).toBe("range");
    const series = result.series.find((s) => s.id === "repeat_rate")!;
    await expect
      .poll(() => page.getByTestId("kpi-value-repeat_rate").textContent(), { timeout: 30_000 })
      .toBe(format().percent(series.values[1]!));
    const line = (await page.getByTestId("kpi-monthly-repeat_rate").textContent()) ?? "";
    expect(line).toContain(locale === "en" ? "vs the same months a year earlier" : "前年同期比");
    const spark = page.getByTestId("sparkline-repeat_rate");
    await expect(spark.getAttribute("data-period")).resolves.toBe("range");
    expect(await spark.locator("line.kz-target-line").count()).toBe(1);
    const monthly = result.monthly!.series.find((s) => s.id === "repeat_rate")!;
    expect(Number(await spark.locator("svg").getAttribute("data-points"))).toBe(
      monthly.values.filter((v, k) => v !== null && monthly.bases[k] >= monthly.minBase).length,
    );
    expect(await spark.locator("svg").getAttribute("aria-label")).toContain(
      format().month(result.monthly!.months[0]),
    );
  }

  it("choose a range: computing, then its values appear without a reload", async () => {
    const range = { from: monthBack(from), to: monthBack(to) };
    // The queue waits until the page has shown that it is computing.
    await periods.pause();
    const page = await app.open("/app", shop.store, locale);
    await page
      .getByTestId("period-selector")
      .getByRole("button", { name: locale === "en" ? "Custom range" : "期間指定" })
      .click();
    const form = page.getByTestId("range-form");
    await form.waitFor();
    await form.getByLabel(locale === "en" ? "From month" : "開始月").fill(range.from);
    await form.getByLabel(locale === "en" ? "To month" : "終了月").fill(range.to);
    await form
      .getByRole("button", { name: locale === "en" ? "Show range" : "この期間で表示" })
      .click();
    await page.waitForURL(new RegExp(`from=${range.from}&to=${range.to}`));
    const computing = page.getByTestId("range-computing");
    await computing.waitFor();
    expect(await computing.textContent()).toContain(locale === "en" ? "Computing…" : "計算中…");
    const row = await prisma.periodResult.findFirstOrThrow({
      where: { shopId: shop.shopId, fromMonth: range.from, toMonth: range.to },
    });
    expect(row.status).toBe("queued");
    expect(await periods.getJob(periodRangeJobId(row.id))).toBeTruthy();
    await expectAccessible(page, `dashboard computing a range (${locale})`);
    await screenshot(page, `trends-range-computing-${locale}`);

    await markDocument(page);
    await periods.resume();
    await computing.waitFor({ state: "detached", timeout: 60_000 });
    const result = await storedRange(range.from, range.to);
    await expectRangeCards(page, result);
    expect(await documentKept(page)).toBe(true);
    await expectAccessible(page, `dashboard with a computed range (${locale})`);
    await screenshot(page, `trends-range-ready-${locale}`);

    // The card opens the range's KPI page: its months, the range and the year earlier.
    await page
      .getByTestId("kpi-repeat_rate")
      .getByRole("link", {
        name: locale === "en" ? /Repeat rate by period \(Custom range\)/ : /期間指定/,
      })
      .click();
    await page.waitForURL(/\/app\/kpi\/repeat_rate\?period=range/);
    const chart = page.getByTestId("kpi-chart");
    await chart.waitFor();
    await expect(chart.getAttribute("data-period")).resolves.toBe("range");
    const months = result.monthly!.months;
    const rows = page.getByTestId("kpi-table").locator("tbody tr");
    await expect(rows.count()).resolves.toBe(months.length + 2);
    const series = result.series.find((s) => s.id === "repeat_rate")!;
    expect(await rows.nth(0).textContent()).toContain(format().percent(series.values[1]!));
    expect(await rows.nth(1).textContent()).toContain(format().percent(series.values[0]!));
    expect(await rows.nth(2).textContent()).toContain(format().month(months.at(-1)!));
    expect(await page.getByTestId("kpi-range-summary").textContent()).toContain(
      format().percent(series.values[1]!),
    );
    // Axis titles and the target line, as on the other periods' charts.
    const svg = page.locator("svg.kz-chart");
    expect(await svg.locator("title").first().textContent()).toMatch(
      locale === "en" ? /Repeat rate by month/ : /リピート率の月次推移/,
    );
    expect(await svg.textContent()).toContain(locale === "en" ? "Month" : "月");
    expect(await svg.textContent()).toContain(locale === "en" ? "Target" : "目標");
    await expectAccessible(page, `KPI page of a range (${locale})`);
    await screenshot(page, `trends-kpi-range-${locale}`);
  }, 120_000);

  it("a failed range says so in the merchant's language; Retry computes it", async () => {
    const range = { from: monthBack(from + 3), to: monthBack(to + 3) };
    // As a job leaves it after its last attempt.
    const row = await prisma.periodResult.create({
      data: {
        shopId: shop.shopId,
        snapshotId: await latestSnapshotId(),
        fromMonth: range.from,
        toMonth: range.to,
        status: "failed",
        error: "connect ECONNREFUSED 127.0.0.1:5432",
      },
    });
    const page = await app.open(
      `/app?period=range&from=${range.from}&to=${range.to}`,
      shop.store,
      locale,
    );
    const failed = page.getByTestId("range-failed");
    await failed.waitFor();
    const text = (await failed.textContent()) ?? "";
    expect(text).toContain(locale === "en" ? "Calculation failed" : "計算に失敗しました");
    expect(text).not.toContain("ECONNREFUSED");
    await expectAccessible(page, `dashboard with a failed range (${locale})`);
    await screenshot(page, `trends-range-failed-${locale}`);

    await periods.pause();
    await markDocument(page);
    await failed.getByRole("button", { name: locale === "en" ? "Retry" : "再試行" }).click();
    await page.getByTestId("range-computing").waitFor();
    expect(await prisma.periodResult.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({
      status: "queued",
      error: null,
    });
    const jobs = await periods.getJobs(["waiting", "active", "delayed", "failed"]);
    expect(jobs.filter((j) => j.id === periodRangeJobId(row.id))).toHaveLength(1);
    await periods.resume();
    await page.getByTestId("range-computing").waitFor({ state: "detached", timeout: 60_000 });
    await expectRangeCards(page, await storedRange(range.from, range.to));
    expect(await documentKept(page)).toBe(true);
    expect(
      await prisma.periodResult.count({
        where: { shopId: shop.shopId, fromMonth: range.from, toMonth: range.to },
      }),
    ).toBe(1);
  }, 120_000);
});
