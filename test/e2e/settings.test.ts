/**
 * The settings page in real Chromium against the production build: server-side validation
 * with field errors (nothing stored), a valid save through App Bridge's save bar that
 * stores the settings and queues what they need (recompute, nightly schedule in the shop's
 * zone, tag sync; the Flow trigger for the first tagging, off by default) and the
 * confirmation before tag sync goes off. Marketing spend entries
 * and their CSV import have their own file, spend.test.ts.
 */
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
import { allCustomerResults } from "../../app/metrics/result-set.server";
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
import { expectAccessible } from "./axe";

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
    await expect(field("minSegmentCustomers").inputValue()).resolves.toBe("50");
    await expect(field("nightlyHour").inputValue()).resolves.toBe("3");
    // The Flow trigger stays quiet for Kizuna's first tagging unless the merchant asks.
    await expect(field("tagSync.flowOnFirstTagging").isChecked()).resolves.toBe(false);
    await expect(saveBar().isVisible()).resolves.toBe(false);
    await expectAccessible(page, "settings");
    await screenshot(page, "settings");
  });

  it("validates on the server and shows field errors; nothing is stored", async () => {
    await field("targets.repeatRate").fill("150");
    await field("churnInactivityDays").fill("12.5");
    await field("grossMarginRatio").fill("abc");
    await field("minSegmentCustomers").fill("0");
    await field("tagSync.prefix").fill("rfm tags!");
    await saveBar().waitFor();
    await saveBar().locator('button[data-action="save"]').click();
    await toast("Please correct the highlighted fields").waitFor();
    await page.getByText("Must be at most 100").waitFor();
    expect(await page.getByText("Enter a whole number").count()).toBe(1);
    expect(await page.getByText("Enter a number").count()).toBe(1);
    expect(await page.getByText("Use 1–40 letters, digits or _ - : . /").count()).toBe(1);
    expect(await page.getByText("Must be at least 1").count()).toBe(1);
    await expectAccessible(page, "settings-errors");
    await screenshot(page, "settings-errors");
    expect(await storedSettings()).toEqual({});
  });

  it("saves valid settings and queues the recompute, the nightly schedule and tag sync", async () => {
    await field("targets.repeatRate").fill("55");
    await field("churnInactivityDays").fill("120");
    await field("grossMarginRatio").fill("40");
    await field("minSegmentCustomers").fill("100");
    await field("tagSync.prefix").fill("kizuna:");
    await field("tagSync.enabled").check();
    await field("tagSync.flowOnFirstTagging").check();
    await field("nightlyHour").selectOption("5");
    // Fiscal years from April (as many Japanese companies): quarters and years count from it.
    await field("fiscalYearStartMonth").selectOption("4");
    await saveBar().locator('button[data-action="save"]').click();
    await toast("Settings saved. Your numbers are being recalculated.").waitFor();
    const stored = await storedSettings();
    expect(stored).toMatchObject({
      targets: { repeatRate: 0.55, secondPurchaseSurvival: 0.87, monthlyChurn: 0.04, nps: -10 },
      churnInactivityDays: 120,
      grossMarginRatio: 0.4,
      minSegmentCustomers: 100,
      tagSync: { enabled: true, prefix: "kizuna:", flowOnFirstTagging: true },
      nightlyHour: 5,
      fiscalYearStartMonth: 4,
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
    const tagged = (await allCustomerResults(prisma, shop.shopId)).slice(0, 7);
    for (const c of tagged) {
      await prisma.customer.update({
        where: { shopId_id: { shopId: shop.shopId, id: c.customerId } },
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
    await expectAccessible(page, "settings-confirm-tag-removal");
    await screenshot(page, "settings-confirm-tag-removal");
    // Nothing is saved before the merchant confirms.
    expect((await storedSettings()).tagSync).toEqual({
      enabled: true,
      prefix: "kizuna:",
      flowOnFirstTagging: true,
    });
    await page.getByRole("button", { name: "Turn off and remove tags" }).click();
    await toast("Settings saved").waitFor();
    // The Flow choice is kept for when tag sync is turned on again (a first tagging again).
    expect((await storedSettings()).tagSync).toEqual({
      enabled: false,
      prefix: "kizuna:",
      flowOnFirstTagging: true,
    });
    const job = await queue("tags").getJob(`tags-${shop.domain}`);
    expect(job?.data).toEqual({ shop: shop.domain });
  });
});

describe("targets for every KPI", () => {
  const row = (id: string) => page.getByTestId(`kpi-target-${id}`);

  it("sets a range on a KPI without a seeded target and no target on another", async () => {
    page = await app.open("/app/settings", shop.store);
    await row("average_order_value").waitFor();
    // Every KPI of the monthly history has a row, with the seeded targets shown.
    const snapshot = await shop.snapshot();
    expect(await page.locator('[data-testid^="kpi-target-"]').count()).toBe(
      snapshot.trends!.series.length,
    );
    await expect(row("monthly_churn_rate").getByLabel("Direction for").inputValue()).resolves.toBe(
      "at_most",
    );
    await row("average_order_value").getByLabel("Direction for").selectOption("range");
    await row("average_order_value").getByLabel("Minimum for").fill("3,000");
    await row("average_order_value").getByLabel("Maximum for").fill("9000");
    await row("average_order_value").getByRole("button", { name: "Save target for" }).click();
    await toast("Target for Average order value saved").waitFor();
    await row("new_customers").getByLabel("Direction for").selectOption("at_most");
    await row("new_customers").getByLabel("Maximum for").fill("abc");
    await row("new_customers").getByRole("button", { name: "Save target for" }).click();
    await row("new_customers")
      .getByText("Enter a number for each bound, the minimum not above the maximum.")
      .waitFor();
    await row("repeat_rate").getByLabel("Direction for").selectOption("none");
    await row("repeat_rate").getByRole("button", { name: "Save target for" }).click();
    await toast("Target for Repeat rate saved").waitFor();
    expect((await storedSettings()).kpiTargets).toEqual({
      average_order_value: { direction: "range", min: 3000, max: 9000 },
      repeat_rate: { direction: "none", min: null, max: null },
    });
    await expectAccessible(page, "settings, KPI targets");
    await screenshot(page, "settings-kpi-targets");
    // The dashboard evaluates the new targets from the stored values at once.
    const dashboard = await app.open("/app", shop.store);
    await dashboard.getByTestId("kpi-average_order_value").waitFor();
    await expect(
      dashboard.getByTestId("kpi-repeat_rate").getAttribute("data-status"),
    ).resolves.toBe("none");
    await dashboard.close();
  });

  it("a new seeded target in the form above replaces the KPI's own target", async () => {
    page = await app.open("/app/settings", shop.store);
    await field("targets.repeatRate").waitFor();
    await field("targets.repeatRate").fill("58");
    await saveBar().locator('button[data-action="save"]').click();
    await toast("Settings saved").waitFor();
    const stored = await storedSettings();
    expect(stored.kpiTargets).toEqual({
      average_order_value: { direction: "range", min: 3000, max: 9000 },
    });
    expect((stored.targets as { repeatRate: number }).repeatRate).toBe(0.58);
    page = await app.open("/app/settings", shop.store);
    await expect(row("repeat_rate").getByLabel("Minimum for").inputValue()).resolves.toBe("58");
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
    await expectAccessible(page, "settings-ja");
    await screenshot(page, "settings-ja");
  });

  it("rendered without console errors", () => {
    expect(app.problems).toEqual([]);
  });
});
