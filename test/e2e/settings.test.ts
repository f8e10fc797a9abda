/**
 * The settings page in real Chromium against the production build: server-side validation
 * with field errors (nothing stored), a valid save through App Bridge's save bar that
 * stores the settings and queues what they need (recompute, nightly schedule in the shop's
 * zone, tag sync), the confirmation before tag sync goes off, and marketing spend entries
 * incl. CSV import with row-level errors.
 */
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
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
let redis: Redis;
const queues: Record<string, Queue> = {};
let page: Page;

const queue = (name: "compute" | "tags" | "housekeeping") =>
  (queues[name] ??= new Queue(name, { connection: redis, prefix: server.queuePrefix }));

beforeAll(async () => {
  const build = ensureBuild();
  shop = await seedShop({ store: storeName("e2e-settings"), customers: 400, seed: 3 });
  await build;
  server = await startServer();
  redis = new Redis(server.redisUrl, { maxRetriesPerRequest: 1 });
  app = await openBrowser(server);
}, 300_000);

afterAll(async () => {
  if (shop && redis) {
    await queue("compute")
      .remove(`compute-${shop.domain}`)
      .catch(() => {});
    await queue("tags")
      .remove(`tags-${shop.domain}`)
      .catch(() => {});
    await queue("housekeeping")
      .removeJobScheduler(`nightly-${shop.domain}`)
      .catch(() => {});
  }
  await Promise.all(Object.values(queues).map((q) => q.close()));
  redis?.disconnect();
  await app?.close();
  await server?.stop();
  if (shop) await removeShops([shop.domain]);
  await prisma.$disconnect();
});

const field = (name: string) => page.locator(`[id="field-${name}"]`);
const storedSettings = async () =>
  JSON.parse(
    (await prisma.shop.findUniqueOrThrow({ where: { domain: shop.domain } })).settings,
  ) as Record<string, unknown>;
const saveBar = () => page.locator("ui-save-bar").getByTestId("save-bar");
const toast = (text: string) => page.getByTestId("toast").filter({ hasText: text }).last();

describe("settings form", () => {
  it("shows the stored settings (defaults: the Japanese mail-order targets)", async () => {
    page = await app.open("/app/settings", shop.store);
    await field("targets.repeatRate").waitFor();
    await expect(field("targets.repeatRate").inputValue()).resolves.toBe("60");
    await expect(field("targets.secondPurchaseSurvival").inputValue()).resolves.toBe("87");
    await expect(field("targets.monthlyChurn").inputValue()).resolves.toBe("4");
    await expect(field("targets.nps").inputValue()).resolves.toBe("-10");
    await expect(field("churnInactivityDays").inputValue()).resolves.toBe("180");
    await expect(field("nightlyHour").inputValue()).resolves.toBe("3");
    await expect(saveBar().isVisible()).resolves.toBe(false);
    await screenshot(page, "settings");
  });

  it("validates on the server and shows field errors; nothing is stored", async () => {
    await field("targets.repeatRate").fill("150");
    await field("churnInactivityDays").fill("12.5");
    await field("grossMarginRatio").fill("abc");
    await field("tagSync.prefix").fill("rfm tags!");
    await saveBar().waitFor();
    await saveBar().locator('button[data-action="save"]').click();
    await toast("Please correct the highlighted fields").waitFor();
    await page.getByText("Must be at most 100").waitFor();
    expect(await page.getByText("Enter a whole number").count()).toBe(1);
    expect(await page.getByText("Enter a number").count()).toBe(1);
    expect(await page.getByText("Use 1–40 letters, digits or _ - : . /").count()).toBe(1);
    await screenshot(page, "settings-errors");
    expect(await storedSettings()).toEqual({});
  });

  it("saves valid settings and queues the recompute, the nightly schedule and tag sync", async () => {
    await field("targets.repeatRate").fill("55");
    await field("churnInactivityDays").fill("120");
    await field("grossMarginRatio").fill("40");
    await field("tagSync.prefix").fill("kizuna:");
    await field("tagSync.enabled").check();
    await field("nightlyHour").selectOption("5");
    await saveBar().locator('button[data-action="save"]').click();
    await toast("Settings saved. Your numbers are being recalculated.").waitFor();
    const stored = await storedSettings();
    expect(stored).toMatchObject({
      targets: { repeatRate: 0.55, secondPurchaseSurvival: 0.87, monthlyChurn: 0.04, nps: -10 },
      churnInactivityDays: 120,
      grossMarginRatio: 0.4,
      tagSync: { enabled: true, prefix: "kizuna:" },
      nightlyHour: 5,
    });
    await expect.poll(() => saveBar().isVisible()).toBe(false);
    expect(await page.getByText("Must be at most 100").count()).toBe(0);

    const compute = await queue("compute").getJob(`compute-${shop.domain}`);
    expect(compute?.data).toEqual({ shop: shop.domain });
    const tags = await queue("tags").getJob(`tags-${shop.domain}`);
    expect(tags?.data).toEqual({ shop: shop.domain });
    const nightly = await queue("housekeeping").getJobScheduler(`nightly-${shop.domain}`);
    expect(nightly).toMatchObject({ pattern: "0 5 * * *", tz: "Asia/Tokyo" });
  });

  it("asks before turning tag sync off, then removes Kizuna's tags through the tag job", async () => {
    await queue("tags").remove(`tags-${shop.domain}`);
    // Some customers carry Kizuna's tags now.
    const tagged = await prisma.customerMetric.findMany({
      where: { shopId: shop.shopId },
      take: 7,
      select: { customerId: true, segment: true },
    });
    for (const c of tagged) {
      await prisma.customerMetric.update({
        where: { shopId_customerId: { shopId: shop.shopId, customerId: c.customerId } },
        data: { taggedSegment: c.segment },
      });
    }
    page = await app.open("/app/settings", shop.store);
    await field("tagSync.prefix").waitFor();
    expect(await field("tagSync.prefix").isDisabled()).toBe(true);
    await field("tagSync.enabled").uncheck();
    await saveBar().locator('button[data-action="save"]').click();
    const confirm = page.getByTestId("tag-removal-confirm");
    await confirm.waitFor();
    await confirm
      .getByText(
        "Kizuna will remove its tags (starting with “kizuna:”) from 7 customers in Shopify.",
      )
      .waitFor();
    await screenshot(page, "settings-confirm-tag-removal");
    // Nothing is saved before the merchant confirms.
    expect((await storedSettings()).tagSync).toEqual({ enabled: true, prefix: "kizuna:" });
    await page.getByRole("button", { name: "Turn off and remove tags" }).click();
    await toast("Settings saved").waitFor();
    expect((await storedSettings()).tagSync).toEqual({ enabled: false, prefix: "kizuna:" });
    const job = await queue("tags").getJob(`tags-${shop.domain}`);
    expect(job?.data).toEqual({ shop: shop.domain });
  });
});

describe("marketing spend", () => {
  const spendRows = () =>
    prisma.marketingSpend.findMany({
      where: { shopId: shop.shopId },
      orderBy: [{ month: "asc" }, { channel: "asc" }],
      select: { month: true, channel: true, amountMinor: true },
    });
  const spendForm = () => page.getByTestId("spend-form");

  it("adds an entry in major units of the shop currency, with field errors first", async () => {
    page = await app.open("/app/settings", shop.store);
    await spendForm().waitFor();
    await spendForm().getByLabel("Month").fill("2026-13");
    await spendForm().getByLabel("Channel").fill("LINE");
    await spendForm().getByLabel("Amount").fill("1200.5");
    await page.getByRole("button", { name: "Save entry" }).click();
    await page.getByText("Use a month like 2026-01").waitFor();
    expect(await page.getByText("Too many decimals for JPY").count()).toBe(1);
    expect(await spendRows()).toEqual([]);

    await spendForm().getByLabel("Month").fill("2026-01");
    await spendForm().getByLabel("Amount").fill("12,000");
    await page.getByRole("button", { name: "Save entry" }).click();
    await toast("Spend entry saved").waitFor();
    expect(await spendRows()).toEqual([
      { month: "2026-01", channel: "LINE", amountMinor: 12_000n },
    ]);
    await page.getByTestId("spend-table").getByText("¥12,000").waitFor();
  });

  it("imports a CSV file only when every row is valid, naming the bad rows", async () => {
    const input = page.getByTestId("spend-dropzone").locator('input[type="file"]');
    await input.setInputFiles({
      name: "spend.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(
        "month,channel,amount\n2026-02,google,30000\n2026-2x,meta,100\n2026-02,google,5\n2026-03,meta,-4\n",
      ),
    });
    await page.locator("#spend-import-button").click();
    const errors = page.getByTestId("spend-import-errors");
    await errors.waitFor();
    expect(await errors.getByText("Nothing was imported: 3 problems").count()).toBe(1);
    expect(await errors.locator("li").allTextContents()).toEqual([
      "Line 3, Month: Use a month like 2026-01",
      "Line 4, Row: Same month and channel as line 2",
      "Line 5, Amount: Must not be negative",
    ]);
    await screenshot(page, "settings-spend-errors");
    expect(await spendRows()).toHaveLength(1);

    await input.setInputFiles({
      name: "spend-ja.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(
        '\uFEFF月,チャネル,金額\n2026/02,google,"30,000"\n2026-03,meta,45000\n2026-01,LINE,15000\n',
      ),
    });
    await page.locator("#spend-import-button").click();
    await toast("3 entries imported").waitFor();
    expect(await spendRows()).toEqual([
      { month: "2026-01", channel: "LINE", amountMinor: 15_000n },
      { month: "2026-02", channel: "google", amountMinor: 30_000n },
      { month: "2026-03", channel: "meta", amountMinor: 45_000n },
    ]);
    expect(await page.getByTestId("spend-import-errors").count()).toBe(0);
    await screenshot(page, "settings-spend");
  });

  it("deletes an entry", async () => {
    await page.getByRole("button", { name: "Delete meta, Mar 2026" }).click();
    await toast("Spend entry deleted").waitFor();
    expect((await spendRows()).map((r) => r.channel)).toEqual(["LINE", "google"]);
  });
});

describe("settings in Japanese", () => {
  it("shows Japanese labels and validation messages", async () => {
    page = await app.open("/app/settings", shop.store, "ja");
    await field("targets.repeatRate").waitFor();
    expect(await page.getByText("KPI目標").count()).toBeGreaterThan(0);
    await field("targets.repeatRate").fill("abc");
    await saveBar().locator('button[data-action="save"]').click();
    await page.getByText("数値を入力してください").waitFor();
    await screenshot(page, "settings-ja");
  });

  it("rendered without console errors", () => {
    expect(app.problems).toEqual([]);
  });
});
