/**
 * The demo, end to end, in real Chromium: the demo's own set-up path (test/demo/setup.ts:
 * fake Shopify, the production build, BullMQ workers, install through token exchange,
 * backfill, compute, survey answers, recompute) on a small shop, then the fake admin page
 * framing the app. The dashboard's numbers are checked against the database itself, not the
 * snapshot: NPS against the stored survey answers, customers and repeat rate against the
 * stored orders.
 */
import type { FrameLocator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedFile } from "../helpers/isolated-file";

// A database of its own, and queues of its own under this run's prefix (which the global
// teardown removes): no other test file's job reaches workers redirected to this fake.
const { database } = await isolatedFile("demo", {
  env: { QUEUE_PREFIX: `${process.env.QUEUE_PREFIX ?? "kizuna"}-demo` },
});
const { default: prisma } = await import("../../app/db.server");
const { createFormat } = await import("../../app/format");
const { startDemo } = await import("../demo/setup");
const { freePort } = await import("../helpers/ports");
const harness = await import("./harness");
const { expectAccessible } = await import("./axe");

type Demo = Awaited<ReturnType<typeof startDemo>>;
type AppBrowser = Awaited<ReturnType<typeof harness.openBrowser>>;

const TIME_ZONE = "Asia/Tokyo";
const DAY = 86_400_000;
const localDate = (ms: number) =>
  new Intl.DateTimeFormat("sv-SE", { timeZone: TIME_ZONE }).format(ms);

const daysInMonth = (year: number, month: number) =>
  new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * "YYYY-MM-DD" start of the "last 12 months" ending on `date`: the day after the same date a
 * year earlier, where the same date of a month's last day is that month's last day (so the
 * 12 months ending 28 Feb 2025 start 1 Mar 2024, and those ending 28 Feb 2024 start 1 Mar 2023).
 */
function yearBeforeNextDay(date: string): string {
  const [y, m, d] = date.split("-").map(Number);
  const before = daysInMonth(y - 1, m);
  const same = d === daysInMonth(y, m) ? before : Math.min(d, before);
  return new Date(Date.UTC(y - 1, m - 1, same) + DAY).toISOString().slice(0, 10);
}

let demo: Demo;
let app: AppBrowser;
let page: Page;
let frame: FrameLocator;
const ja = createFormat("ja", "JPY", TIME_ZONE);

beforeAll(async () => {
  await harness.ensureBuild();
  demo = await startDemo({
    customers: 700,
    store: harness.storeName("e2e-demo"),
    appPort: await freePort(),
    locale: "ja",
    databaseUrl: database.url,
    redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    queuePrefix: process.env.QUEUE_PREFIX!,
    serverEntry: harness.SERVER_ENTRY,
    apiKey: process.env.SHOPIFY_API_KEY!,
    apiSecret: process.env.SHOPIFY_API_SECRET!,
    surveyAnswers: 900,
    logLevel: "error",
    stderr: "ignore",
  });
  await demo.recomputed();
  app = await harness.openBrowser({ origin: demo.appUrl });
  page = await app.visit(`${demo.adminUrl}/`);
  frame = page.frameLocator('iframe[title="Kizuna"]');
  await frame.locator('html[data-hydrated="true"]').waitFor();
  await frame.getByTestId("kpi-nps").waitFor();
}, 300_000);

afterAll(async () => {
  await app?.close();
  await demo?.stop();
  if (demo) await harness.removeShops([demo.domain]);
  await prisma.$disconnect();
  await database.drop();
});

/** The app's frame in the fake admin page. */
const appFrame = () => page.frames().find((f) => f.url().startsWith(demo.appUrl))!;

/** The data cut-off of the latest compute (an input of the numbers, not one of them). */
async function cutOff(): Promise<number> {
  const row = await prisma.metricSnapshot.findFirstOrThrow({
    where: { shopId: demo.shopId },
    orderBy: [{ computedAt: "desc" }, { id: "desc" }],
    select: { asOf: true },
  });
  return row.asOf.getTime();
}

const text = async (testId: string) =>
  (await frame.getByTestId(testId).first().textContent())?.trim() ?? "";

describe("the demo shop in the fake admin", () => {
  it("installed through the real path and shows the app framed, in Japanese", async () => {
    const shop = await prisma.shop.findUniqueOrThrow({ where: { id: demo.shopId } });
    expect(shop.syncStatus).toBe("idle");
    expect(shop.backfilledAt).not.toBeNull();
    expect(await prisma.session.count({ where: { shop: demo.domain } })).toBeGreaterThan(0);
    expect(await frame.locator("html").getAttribute("lang")).toBe("ja");
    expect(await frame.getByTestId("kpi-nps").locator("h2").textContent()).toBe("NPS");
    await expectAccessible(appFrame(), "demo dashboard (ja)");
    await harness.screenshot(page, "demo-admin-ja");
  });

  it("shows the NPS of the stored survey answers of the last 12 months", async () => {
    const asOf = await cutOff();
    const end = localDate(asOf);
    const start = yearBeforeNextDay(end);
    const answers = await prisma.npsResponse.findMany({
      where: { shopId: demo.shopId },
      select: { score: true, createdAt: true },
    });
    expect(answers.length).toBe(demo.surveyAnswers);
    const counted = answers.filter((a) => {
      const day = localDate(a.createdAt.getTime());
      return day >= start && day <= end;
    });
    expect(counted.length).toBeGreaterThan(0);
    const promoters = counted.filter((a) => a.score >= 9).length;
    const detractors = counted.filter((a) => a.score <= 6).length;
    const nps = (100 * (promoters - detractors)) / counted.length;
    expect(await text("kpi-value-nps")).toBe(ja.metric(nps, "points"));
  });

  it("shows the customers and repeat rate a direct query of the stored orders gives", async () => {
    const asOf = await cutOff();
    const end = localDate(asOf);
    const start = yearBeforeNextDay(end);
    const orders = await prisma.order.findMany({
      where: {
        shopId: demo.shopId,
        deleted: false,
        test: false,
        cancelledAt: null,
        customerId: { not: null },
        processedAt: { lte: new Date(asOf) },
      },
      select: { customerId: true, processedAt: true },
    });
    // Purchases are shop-local days: two orders on one day are one purchase.
    const days = new Map<bigint, Set<string>>();
    for (const o of orders) {
      const set = days.get(o.customerId!) ?? new Set<string>();
      set.add(localDate(o.processedAt.getTime()));
      days.set(o.customerId!, set);
    }
    expect(await text("fact-customers")).toBe(ja.number(days.size));

    let buyers = 0;
    let repeaters = 0;
    for (const set of days.values()) {
      if (![...set].some((d) => d >= start && d <= end)) continue;
      buyers++;
      if (set.size >= 2) repeaters++;
    }
    expect(buyers).toBeGreaterThan(0);
    expect(await text("kpi-value-repeat_rate")).toBe(ja.metric(repeaters / buyers, "ratio"));
  });

  it("opens on a dashboard whose every KPI has 24 months of history and a target line", async () => {
    const snapshot = await harness.latestSnapshotOf(demo.shopId);
    const trends = snapshot.trends!;
    expect(trends.months).toHaveLength(25);
    const cards = await frame.locator('[data-testid^="sparkline-"]').all();
    const seen: Record<string, { points: number; targets: number }> = {};
    for (const spark of cards) {
      const id = (await spark.getAttribute("data-testid"))!.replace("sparkline-", "");
      seen[id] = {
        points: Number(await spark.locator("svg").getAttribute("data-points")),
        targets: await spark.locator("line.kz-target-line").count(),
      };
    }
    // Month-by-month KPIs: the 24 complete months and the one in progress (a trailing-year
    // KPI: a point per complete month). Cohort KPIs (F2, LTV by cohort, LTV:CAC) only count
    // cohorts old enough to be judged, so they have fewer points, but never none.
    for (const series of trends.series) {
      const card = seen[series.id];
      if (!card) continue;
      const expected = series.kind === "cohort_month" ? 1 : 24;
      expect(card.points, series.id).toBeGreaterThanOrEqual(expected);
    }
    for (const id of [
      "repeat_rate",
      "monthly_churn_rate",
      "nps",
      "cac",
      "new_customers",
      "average_order_value",
    ]) {
      expect(seen[id]?.points, id).toBeGreaterThanOrEqual(24);
    }
    // Every sparkline draws its target, and every card has one (the demo's example targets).
    for (const [id, card] of Object.entries(seen)) expect(card.targets, id).toBeGreaterThan(0);
    for (const card of await frame.locator('[data-testid^="kpi-"][data-status]').all()) {
      const id = await card.getAttribute("data-testid");
      expect(await card.getAttribute("data-status"), id!).not.toBe("none");
    }
    await expectAccessible(appFrame(), "demo dashboard with history (ja)");
    await harness.screenshot(page, "demo-dashboard-history-ja");
  });

  it("rendered without console errors or failed requests", () => {
    expect(app.problems).toEqual([]);
  });
});
