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

// The demo's app and workers get queues of their own, under this run's prefix (which the
// global teardown removes): no other test file's job reaches workers redirected to this fake.
// Set before any app module reads the environment, hence the dynamic imports below.
process.env.QUEUE_PREFIX = `${process.env.QUEUE_PREFIX ?? "kizuna"}-demo`;
const { default: prisma } = await import("../../app/db.server");
const { createFormat } = await import("../../app/format");
const { startDemo } = await import("../demo/setup");
const { freePort } = await import("../helpers/ports");
const harness = await import("./harness");

type Demo = Awaited<ReturnType<typeof startDemo>>;
type AppBrowser = Awaited<ReturnType<typeof harness.openBrowser>>;

const TIME_ZONE = "Asia/Tokyo";
const DAY = 86_400_000;
const localDate = (ms: number) =>
  new Intl.DateTimeFormat("sv-SE", { timeZone: TIME_ZONE }).format(ms);

/** "YYYY-MM-DD" of the day after the same date one year earlier: the start of "last 12 months". */
function yearBeforeNextDay(date: string): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y - 1, m - 1, d) + DAY).toISOString().slice(0, 10);
}

let demo: Demo;
let app: AppBrowser;
let page: Page;
let frame: FrameLocator;
const ja = createFormat("ja", "JPY", TIME_ZONE);

beforeAll(async () => {
  await harness.ensureBuild();
  demo = await startDemo({
    customers: 400,
    store: harness.storeName("e2e-demo"),
    appPort: await freePort(),
    locale: "ja",
    databaseUrl: process.env.DATABASE_URL!,
    redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    queuePrefix: process.env.QUEUE_PREFIX!,
    serverEntry: harness.SERVER_ENTRY,
    apiKey: process.env.SHOPIFY_API_KEY!,
    apiSecret: process.env.SHOPIFY_API_SECRET!,
    surveyAnswers: 120,
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
});

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

  it("rendered without console errors or failed requests", () => {
    expect(app.problems).toEqual([]);
  });
});
