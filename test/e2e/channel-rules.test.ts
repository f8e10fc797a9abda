/**
 * The channel-rules settings page in real Chromium against the production build: the
 * settings page's new fields (gross margin not set by default, the LTV:CAC target) and its
 * link to the editor; a rule edited wrong shows its error on the rule and field and nothing
 * is stored (the edit stays in the form); the preview counts customers per channel and per
 * rule (a shadowed rule says so) against counts worked out here from the shop's orders;
 * saving stores the rules. In English and Japanese, with screenshots and axe.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
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
let page: Page;

/** Expected first-purchase customers per channel, from the orders (not the app's code). */
const expected = { google_ads: 0, instagram: 0, direct: 0, total: 0 };

beforeAll(async () => {
  const build = ensureBuild();
  shop = await seedShop({ store: storeName("e2e-chanrules"), customers: 300, seed: 5 });
  // The generated shop has no first touches: give customers one by id, on all their orders.
  const customers = await prisma.customer.findMany({
    where: { shopId: shop.shopId, deleted: false },
    select: { id: true },
    orderBy: { id: "asc" },
  });
  const google = customers.filter((_, i) => i % 4 === 0).map((c) => c.id);
  const instagram = customers.filter((_, i) => i % 4 === 1).map((c) => c.id);
  await prisma.order.updateMany({
    where: { shopId: shop.shopId, customerId: { in: google } },
    data: { journey: "visit", utmSource: "google", utmMedium: "cpc", utmCampaign: "spring" },
  });
  await prisma.order.updateMany({
    where: { shopId: shop.shopId, customerId: { in: instagram } },
    data: { journey: "visit", referrerHost: "l.instagram.com" },
  });
  // A customer counts once they have a live order that is neither cancelled nor test.
  const buyers = new Set(
    (
      await prisma.order.findMany({
        where: { shopId: shop.shopId, deleted: false, test: false, cancelledAt: null },
        select: { customerId: true },
      })
    ).map((o) => o.customerId),
  );
  const googleSet = new Set(google);
  const instagramSet = new Set(instagram);
  for (const c of customers) {
    if (!buyers.has(c.id)) continue;
    expected.total++;
    if (googleSet.has(c.id)) expected.google_ads++;
    else if (instagramSet.has(c.id)) expected.instagram++;
    else expected.direct++;
  }
  await build;
  server = await startServer();
  app = await openBrowser(server);
}, 300_000);

afterAll(async () => {
  await app?.close();
  await server?.stop();
  if (shop) await removeShops([shop.domain]);
  await prisma.$disconnect();
});

const byId = (id: string) => page.locator(`[id="${id}"]`);
const storedSettings = async () =>
  JSON.parse(
    (await prisma.shop.findUniqueOrThrow({ where: { domain: shop.domain } })).settings,
  ) as Record<string, unknown>;
const saveBar = () => page.locator("ui-save-bar").getByTestId("save-bar");
const toast = (text: string) => page.getByTestId("toast").filter({ hasText: text }).last();
const previewTable = () => page.getByTestId("channel-preview").locator("table");
/** The preview row whose channel cell is exactly `name`. */
const row = (name: string) =>
  previewTable()
    .locator("tr")
    .filter({ has: page.getByRole("rowheader", { name, exact: true }) });
/** The full page and, for reading, the first screen of it (the rules list is long). */
async function screenshots(name: string): Promise<void> {
  await screenshot(page, name);
  await screenshot(page, `${name}-top`, { fullPage: false });
}
const number = (n: number) => n.toLocaleString("en-US");

describe("channel rules in English", () => {
  it("settings: gross margin not set, the LTV:CAC target, the link to the channel rules", async () => {
    page = await app.open("/app/settings", shop.store);
    await byId("field-grossMarginRatio").waitFor();
    await expect(byId("field-grossMarginRatio").inputValue()).resolves.toBe("");
    await expect(byId("field-grossMarginRatio").getAttribute("placeholder")).resolves.toBe(
      "Not set",
    );
    await page
      .getByText("LTV:CAC and payback need it unless product costs are synced from Shopify.", {
        exact: false,
      })
      .waitFor();
    await expect(byId("field-ltvCacTarget").inputValue()).resolves.toBe("3");
    await byId("field-ltvCacTarget").fill("2.5");
    await saveBar().locator('button[data-action="save"]').click();
    await toast("Settings saved").waitFor();
    const stored = await storedSettings();
    expect(stored.ltvCacTarget).toBe(2.5);
    expect(stored.grossMarginRatio).toBeNull();
    await page.getByText("27 rules, then “Direct / unknown” for everything else.").waitFor();
    await byId("field-grossMarginRatio").scrollIntoViewIfNeeded();
    await expectAccessible(page, "settings with channel rules");
    await screenshot(page, "settings-margin-ltvcac", { fullPage: false });
    await page.getByRole("link", { name: "Edit channel rules" }).click();
    await page.waitForURL(/\/app\/settings\/channels/);
    await byId("rule-0-channel").waitFor();
  });

  it("shows a problem on its rule and field, stores nothing, and keeps the edit", async () => {
    await expect(byId("rule-2-channel").inputValue()).resolves.toBe("google_ads");
    await page.getByText("Shown as “Google Ads”").first().waitFor();
    await byId("rule-0-channel").fill("Store POS");
    await byId("rule-2-cond-1-values").fill(" , ");
    await saveBar().waitFor();
    await saveBar().locator('button[data-action="save"]').click();
    await toast("Some rules have problems, so nothing was saved.").waitFor();
    const rule0 = page.getByTestId("rule-0");
    await rule0.getByText("Use 1–40 lower-case letters, digits, _ or -").waitFor();
    await rule0.getByText("This rule has a problem; see the marked fields.").waitFor();
    await page.getByTestId("rule-2").getByText("Enter at least one value").waitFor();
    expect(await page.getByTestId("rule-1").getByText("This rule has a problem").count()).toBe(0);
    expect(await byId("rule-0-channel").getAttribute("aria-invalid")).toBe("true");
    // The merchant's edit is still there to fix.
    await expect(byId("rule-0-channel").inputValue()).resolves.toBe("Store POS");
    expect((await storedSettings()).channelRules).toBeUndefined();
    await expectAccessible(page, "channel-rules-errors");
    await screenshots("channel-rules-errors");
  }, 90_000);

  it("previews counts per channel and per rule, a shadowed rule included", async () => {
    await byId("rule-0-channel").fill("pos");
    await byId("rule-2-cond-1-values").fill("cpc, ppc");
    // A rule for Instagram's link shim below the Instagram rule: it can never apply.
    await page.getByRole("button", { name: "Add rule" }).click();
    await byId("rule-27-channel").fill("ig_shim");
    await byId("rule-27-label").fill("Instagram link");
    await byId("rule-27-cond-0-field").selectOption("referrerHost");
    await byId("rule-27-cond-0-op").selectOption("domain");
    await byId("rule-27-cond-0-values").fill("l.instagram.com");
    await page.getByRole("button", { name: "Preview", exact: true }).click();
    await page
      .getByText(
        `Based on all ${number(expected.total)} customers with a first purchase (3 distinct first visits)`,
        { exact: false },
      )
      .waitFor();
    await expect(row("Google Ads").locator("td").first().textContent()).resolves.toBe(
      number(expected.google_ads),
    );
    await expect(row("Instagram").locator("td").first().textContent()).resolves.toBe(
      number(expected.instagram),
    );
    await expect(row("Direct / unknown").locator("td").first().textContent()).resolves.toBe(
      number(expected.direct),
    );
    await page
      .getByTestId("rule-2")
      .getByText(`Matches ${number(expected.google_ads)} customers`)
      .waitFor();
    await page.getByTestId("rule-27").getByText("Never applies or shadowed").waitFor();
    await page.getByTestId("rule-0").getByText("Never applies or shadowed").waitFor();
    // Nothing saved by a preview.
    expect((await storedSettings()).channelRules).toBeUndefined();
    await expectAccessible(page, "channel-rules-preview");
    await screenshots("channel-rules-preview");

    // Editing after the preview says its counts are of other rules.
    await byId("rule-27-label").fill("IG link");
    await page.getByText("The rules changed after this preview.", { exact: false }).waitFor();
  }, 90_000);

  it("saves the rules", async () => {
    await saveBar().locator('button[data-action="save"]').click();
    await toast("Channel rules saved. Your numbers are being recalculated.").waitFor();
    const rules = (await storedSettings()).channelRules as {
      rules: { channel: string; label?: string; conditions: unknown[] }[];
      fallback: { channel: string };
    };
    expect(rules.rules).toHaveLength(28);
    expect(rules.rules[2].conditions[1]).toEqual({
      field: "utmMedium",
      op: "equals",
      values: ["cpc", "ppc"],
    });
    expect(rules.rules[27]).toEqual({
      channel: "ig_shim",
      label: "IG link",
      conditions: [{ field: "referrerHost", op: "domain", values: ["l.instagram.com"] }],
    });
    expect(rules.fallback).toEqual({ channel: "direct" });
    await expect.poll(() => saveBar().isVisible()).toBe(false);
  });
});

describe("channel rules in Japanese", () => {
  it("shows Japanese names and errors", async () => {
    page = await app.open("/app/settings/channels", shop.store, "ja");
    await byId("rule-0-channel").waitFor();
    await page.getByText("「Google 広告」と表示").first().waitFor();
    await byId("rule-0-channel").fill("ＰＯＳ 店舗");
    await saveBar().locator('button[data-action="save"]').click();
    await page
      .getByTestId("rule-0")
      .getByText("半角英小文字・数字・_・-で1〜40文字にしてください")
      .waitFor();
    await expectAccessible(page, "channel-rules-ja-errors");
    await screenshots("channel-rules-ja-errors");
  }, 90_000);

  it("previews in Japanese", async () => {
    await byId("rule-0-channel").fill("pos");
    await page.getByRole("button", { name: "プレビュー", exact: true }).click();
    await page.getByText("チャネル別のプレビュー").waitFor();
    await page
      .getByText(`初回購入のある全顧客${number(expected.total)}人`, { exact: false })
      .waitFor();
    await expect(row("Google 広告").locator("td").first().textContent()).resolves.toBe(
      number(expected.google_ads),
    );
    await expect(row("直接・不明").locator("td").first().textContent()).resolves.toBe(
      number(expected.direct),
    );
    await page.getByTestId("rule-27").getByText("該当なし・上のルールで処理済み").waitFor();
    await expectAccessible(page, "channel-rules-ja-preview");
    await screenshots("channel-rules-ja-preview");
  }, 90_000);

  it("rendered without console errors", () => {
    expect(app.problems).toEqual([]);
  });
});
