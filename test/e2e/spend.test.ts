/**
 * Marketing spend on the settings page in real Chromium against the production build, in
 * English and Japanese: an entry with a campaign (field errors first), the CSV import of
 * Shift_JIS files as Japanese Excel saves them (automatic and chosen encodings), every bad
 * line listed with its line, column and value while nothing is stored, the good file stored
 * whole, the template download (UTF-8 with BOM, the locale's headings) and deletion.
 * axe-core checks each state that shows something new.
 */
import { readFileSync } from "node:fs";
import iconv from "iconv-lite";
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

beforeAll(async () => {
  const build = ensureBuild();
  shop = await seedShop({ store: storeName("e2e-spend"), customers: 60, seed: 4 });
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

/** The shop's entries, by code point (the databases' collations order Japanese differently). */
async function spendRows() {
  const rows = await prisma.marketingSpend.findMany({
    where: { shopId: shop.shopId },
    select: { month: true, channel: true, campaign: true, amountMinor: true },
  });
  const key = (r: (typeof rows)[number]) => [r.month, r.channel, r.campaign].join("\u0000");
  return rows.sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

const toast = (text: string) => page.getByTestId("toast").filter({ hasText: text }).last();
const spendForm = () => page.getByTestId("spend-form");
const errorList = () => page.getByTestId("spend-import-errors");

/** Drops a file (Shift_JIS unless bytes are given) and presses Import. */
async function importFile(name: string, content: string | Buffer): Promise<void> {
  const buffer = typeof content === "string" ? iconv.encode(content, "cp932") : content;
  await page
    .getByTestId("spend-dropzone")
    .locator('input[type="file"]')
    .setInputFiles({ name, mimeType: "text/csv", buffer });
  await page.getByText(name).waitFor();
  await page.locator("#spend-import-button").click();
}

/** The CSV Japanese Excel saves, with a bad line of each common kind. */
const BAD_FILE =
  "月,チャネル,キャンペーン,金額\r\n" +
  "2026-02,Google 広告,ブランド検索,300000\r\n" +
  "2026-13,Instagram,,100000\r\n" +
  "2026-02,Google 広告,ブランド検索,5\r\n" +
  "2026-03,Instagram,,▲4000\r\n" +
  "2026-03,LINE,,1,200,000\r\n";

async function downloadTemplate(): Promise<Buffer> {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: /template|テンプレート/ }).click(),
  ]);
  return readFileSync((await download.path())!);
}

describe("marketing spend in English", () => {
  it("adds an entry with a campaign, with field errors first", async () => {
    page = await app.open("/app/settings", shop.store);
    await spendForm().waitFor();
    await spendForm().getByLabel("Month").fill("2026-13");
    await spendForm().getByLabel("Channel").fill("LINE");
    await spendForm().getByLabel("Campaign").fill("友だち追加");
    await spendForm().getByLabel("Amount").fill("1200.5");
    await page.getByRole("button", { name: "Save entry" }).click();
    await spendForm().getByText("Use a month like 2026-01, 2026/01 or 2026年1月").waitFor();
    expect(await spendForm().getByText("JPY amounts have no decimals").count()).toBe(1);
    expect(await spendRows()).toEqual([]);

    await spendForm().getByLabel("Month").fill("2026年1月");
    await spendForm().getByLabel("Amount").fill("¥12,000");
    await page.getByRole("button", { name: "Save entry" }).click();
    await toast("Spend entry saved").waitFor();
    expect(await spendRows()).toEqual([
      { month: "2026-01", channel: "LINE", campaign: "友だち追加", amountMinor: 12_000n },
    ]);
    await page.getByTestId("spend-table").getByText("友だち追加").waitFor();
  });

  it("lists every bad line of a Shift_JIS file and stores nothing", async () => {
    await importFile("spend-bad.csv", BAD_FILE);
    await errorList().waitFor();
    expect(await errorList().getByText("Nothing was imported: 4 problems").count()).toBe(1);
    expect(await errorList().locator("li").allTextContents()).toEqual([
      "Line 3, column A (月): Use a month like 2026-01, 2026/01 or 2026年1月 (found “2026-13”)",
      "Line 4: Same month, channel and campaign as line 2",
      "Line 5, column D (金額): Must not be negative (found “▲4000”)",
      'Line 6: 6 cells where the first line names 4: put an amount with commas in quotes ("1,200,000")',
    ]);
    await expectAccessible(page, "spend import errors (en)");
    await screenshot(page, "spend-import-errors-en");
    expect(await spendRows()).toHaveLength(1);
  });

  it("refuses a Shift_JIS file read as UTF-8 on the merchant's say-so, then reads it", async () => {
    const good =
      "月,チャネル,キャンペーン,金額\r\n" +
      '2026年2月,Google 広告,ブランド検索,"¥300,000"\r\n' +
      "2026/02,Google 広告,一般検索,１５００００円\r\n" +
      "2026-03,Instagram,,500000\r\n";
    await page.getByLabel("Character encoding").selectOption("utf-8");
    await importFile("spend.csv", good);
    await errorList()
      .getByText(
        "Line 1: This line is not valid UTF-8 text. If the file was saved by Excel as “CSV”, choose Shift_JIS.",
      )
      .waitFor();
    expect(await spendRows()).toHaveLength(1);

    await page.getByLabel("Character encoding").selectOption("auto");
    await importFile("spend-fixed.csv", good);
    await toast("3 entries imported (Shift_JIS)").waitFor();
    expect(await errorList().count()).toBe(0);
    expect(await spendRows()).toEqual([
      { month: "2026-01", channel: "LINE", campaign: "友だち追加", amountMinor: 12_000n },
      {
        month: "2026-02",
        channel: "Google 広告",
        campaign: "ブランド検索",
        amountMinor: 300_000n,
      },
      { month: "2026-02", channel: "Google 広告", campaign: "一般検索", amountMinor: 150_000n },
      { month: "2026-03", channel: "Instagram", campaign: "", amountMinor: 500_000n },
    ]);
    await page.getByTestId("spend-table").getByText("¥500,000").waitFor();
    await expectAccessible(page, "spend imported (en)");
    await screenshot(page, "spend-imported-en");
  });

  it("downloads the template in English with the entries, and deletes an entry", async () => {
    const file = await downloadTemplate();
    expect([...file.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = file.subarray(3).toString("utf8").split("\r\n");
    expect(lines[0]).toBe("month,channel,campaign,amount");
    expect(lines).toContain("2026-02,Google 広告,一般検索,150000");
    expect(lines).toHaveLength(6); // headings, 4 entries, the final line break

    await page.getByRole("button", { name: "Delete Google 広告 / 一般検索, Feb 2026" }).click();
    await toast("Spend entry deleted").waitFor();
    expect((await spendRows()).map((r) => r.campaign)).toEqual(["友だち追加", "ブランド検索", ""]);
  });
});

describe("marketing spend in Japanese", () => {
  it("explains every bad line in Japanese and stores nothing", async () => {
    page = await app.open("/app/settings", shop.store, "ja");
    await spendForm().waitFor();
    const before = await spendRows();
    await importFile("広告費_不備あり.csv", BAD_FILE);
    await errorList().waitFor();
    expect(await errorList().getByText("取り込みませんでした：問題が4件あります").count()).toBe(1);
    expect(await errorList().locator("li").allTextContents()).toEqual([
      "3行目 A列（月）：2026-01、2026/01、2026年1月のような月を入力してください（入力値「2026-13」）",
      "4行目：2行目と同じ月・チャネル・キャンペーンです",
      "5行目 D列（金額）：マイナスにはできません（入力値「▲4000」）",
      '6行目：1行目の列数は4ですが、この行は6セルあります。カンマ入りの金額は引用符で囲んでください（"1,200,000"）',
    ]);
    await expectAccessible(page, "spend import errors (ja)");
    await screenshot(page, "spend-import-errors-ja");
    expect(await spendRows()).toEqual(before);
  });

  it("imports a corrected file and offers the template with Japanese headings", async () => {
    await importFile(
      "広告費.csv",
      '月,チャネル,キャンペーン,金額\r\n2026/03,LINE,,"1,200,000"\r\n2026年3月,Instagram,,４５００００円\r\n',
    );
    await toast("2件を取り込みました（Shift_JIS）").waitFor();
    expect((await spendRows()).filter((r) => r.month === "2026-03")).toEqual([
      { month: "2026-03", channel: "Instagram", campaign: "", amountMinor: 450_000n },
      { month: "2026-03", channel: "LINE", campaign: "", amountMinor: 1_200_000n },
    ]);
    await page.getByTestId("spend-table").getByText("￥1,200,000").waitFor();
    await expectAccessible(page, "spend imported (ja)");
    await screenshot(page, "spend-imported-ja");

    const file = await downloadTemplate();
    expect([...file.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = file.subarray(3).toString("utf8").split("\r\n");
    expect(lines[0]).toBe("月,チャネル,キャンペーン,金額");
    expect(lines).toContain("2026-03,LINE,,1200000");
  });

  it("rendered without console errors", () => {
    expect(app.problems).toEqual([]);
  });
});
