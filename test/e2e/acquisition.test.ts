/**
 * The Acquisition and Entry products pages in real Chromium against the production build,
 * in English and Japanese, on blocks the real compute stored: the seeded shops' orders carry
 * first touches and line items (generateShop's `acquisition`) over the fake Shopify's
 * products, written through the row store, with unit costs for the main shop (margin on
 * costs, no gross margin set: uncosted lines at the costed lines' margin) and none for the
 * other (no margin known). The main shop has the fake's product types (some empty) and
 * collections (products in several, one or none), the other neither (the type and collection
 * tables' empty states). The pages are checked against the stored blocks; product titles
 * come live from the fake's `nodes(ids:)`. The empty states: a snapshot as stored before the compute had the blocks (they are
 * removed from one). The LTV page filtered by a channel (the cohort filter on its average LTV
 * to date and the channel's mean predicted LTV), and without the filter on cuts stored before
 * it. The migration page filtered by a channel. Screenshots and axe-core checks
 * of each page.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
import { channelName } from "../../app/components/acquisition-text";
import { createFormat } from "../../app/format";
import { createTranslator } from "../../app/i18n";
import { parseSnapshot } from "../../app/metrics/snapshot/codec";
import type { ShopSnapshot } from "../../app/metrics/snapshot/types";
import { SHOWN_ENTRY_PRODUCTS } from "../../app/pages/entry-products.server";
import { startFakeShopify, type FakeShopify } from "../fake-shopify/index";
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
let fake: FakeShopify;
let main: SeededShop;
let old: SeededShop;
let noMargin: SeededShop;
let stored: ShopSnapshot;
const titleOf = new Map<string, string>();

/** The shop's latest snapshot as stored before the compute had the two blocks. */
async function storedBeforeBlocks(shop: SeededShop): Promise<void> {
  const row = await prisma.metricSnapshot.findFirstOrThrow({
    where: { shopId: shop.shopId },
    orderBy: [{ computedAt: "desc" }, { id: "desc" }],
  });
  const { acquisition: _a, entryProducts: _e, ...before } = parseSnapshot(row.data)!;
  await prisma.metricSnapshot.update({
    where: { id: row.id },
    data: { data: JSON.stringify(before) },
  });
}

beforeAll(async () => {
  const build = ensureBuild();
  const mainStore = storeName("e2e-acq");
  fake = await startFakeShopify({
    shops: [{ domain: mainStore, customers: 600, currency: "JPY", timezone: "Asia/Tokyo" }],
    appUrl: null,
  });
  const customerIds = [...fake.shop().customers()].map((c) => c.id);
  const catalog = fake.shop().store.world.catalog.products;
  for (const p of catalog) titleOf.set(String(p.productId), p.title);
  const productIds = catalog.map((p) => BigInt(p.productId));
  const productTypes = fake
    .shop()
    .productTypes()
    .map((p) => ({
      productId: BigInt(p.productId),
      productType: p.productType,
      shopifyUpdatedAt: new Date(p.updatedAtSec * 1000),
    }));
  main = await seedShop({
    store: mainStore,
    customers: customerIds.length,
    customerIds,
    seed: 11,
    spend: true,
    acquisition: {
      productIds,
      costs: true,
      productTypes,
      collections: fake
        .shop()
        .collections()
        .map((c) => ({
          collectionId: BigInt(c.collectionId),
          title: c.title,
          productIds: c.productIds.map(BigInt),
        })),
    },
  });
  await prisma.session.update({
    where: { id: `offline_${main.domain}` },
    data: { accessToken: fake.shop().accessToken().accessToken },
  });
  stored = await main.snapshot();
  // The compute's blocks, not hand-built ones: the rest of the file reads them.
  expect(stored.acquisition?.margin).toMatchObject({
    basis: "costs",
    rate: null,
    uncostedRateSource: "costed_lines",
  });
  expect(stored.acquisition?.predictedLtv?.channels.length).toBeGreaterThan(0);
  expect(stored.entryProducts?.report.products.length).toBeGreaterThan(0);
  // Several types, "No product type" among them.
  expect(stored.entryProducts?.byType?.types.length).toBeGreaterThan(2);
  expect(stored.entryProducts?.byType?.types.some((t) => t.productType === "")).toBe(true);
  // Several collections; rows overlap (a product in several counts in each).
  const byCollection = stored.entryProducts?.byCollection;
  expect(byCollection?.collections.length).toBeGreaterThan(2);
  expect(byCollection!.collections.reduce((n, c) => n + c.customers, 0)).toBeGreaterThan(
    byCollection!.customersInCollections,
  );
  old = await seedShop({ store: storeName("e2e-acq-old"), customers: 30, seed: 3 });
  await storedBeforeBlocks(old);
  noMargin = await seedShop({
    store: storeName("e2e-acq-nomargin"),
    customers: 80,
    seed: 8,
    spend: true,
    acquisition: { productIds },
  });
  await build;
  server = await startServer({ FAKE_SHOPIFY_URL: fake.url });
  app = await openBrowser(server);
}, 300_000);

afterAll(async () => {
  await app?.close();
  await server?.stop();
  await removeShops([main, old, noMargin].filter(Boolean).map((s) => s.domain));
  await fake?.close();
  await prisma.$disconnect();
});

const cellsOf = async (page: Page, testId: string) =>
  page
    .getByTestId(testId)
    .locator("tbody tr")
    .evaluateAll((rows) =>
      rows.map((r) => [...r.querySelectorAll("th,td")].map((c) => c.textContent?.trim() ?? "")),
    );

describe("acquisition page", () => {
  for (const locale of ["en", "ja"] as const) {
    it(`shows channels, the LTV:CAC chart, campaigns and CAC by month (${locale})`, async () => {
      const format = createFormat(locale, stored.currency, stored.timeZone);
      const i18n = createTranslator(locale);
      const block = stored.acquisition!;
      const page = await app.open("/app/acquisition", main.store, locale);
      await page.getByTestId("acq-channels").waitFor();
      const rows = await cellsOf(page, "acq-channels");
      expect(rows).toHaveLength(block.report.channels.length);
      // Default sort: new customers, most first; each row's figures as the report has them.
      const byCustomers = [...block.report.channels].sort(
        (a, b) => b.newCustomers - a.newCustomers || a.channel.localeCompare(b.channel),
      );
      expect(rows.map((r) => r[1])).toEqual(byCustomers.map((r) => format.number(r.newCustomers)));
      const instagram = block.report.channels.find((r) => r.channel === "instagram")!;
      const igRow = rows.find((r) => r[0] === "Instagram")!;
      expect(igRow[2]).toBe(format.money(instagram.spendMinor));
      expect(igRow[3]).toBe(format.money(instagram.cac!.value!));
      // A channel without spend says so instead of a ratio.
      const email = rows.find((r) => r[0] === (locale === "ja" ? "メール・メルマガ" : "Email"))!;
      expect(email.at(-2)).toBe(locale === "ja" ? "広告費が未入力です" : "No spend entered");
      // "google" spend matches no channel of the rules: listed, never attributed.
      const unmatched = await cellsOf(page, "acq-unmatched");
      expect(unmatched.map((r) => r[0])).toEqual(["google"]);
      // Costs, no margin set: uncosted lines count at the costed lines' margin, named as such.
      const margin = await page.getByTestId("acq-margin").textContent();
      expect(margin).toContain(format.percent(block.margin.uncostedRate!));
      expect(margin).toContain(
        locale === "ja" ? "原価のある明細の粗利率" : "the margin of the lines with a cost",
      );
      expect(margin).toContain(format.number(block.margin.linesWithoutCost));
      // The model's predicted LTV per channel, with its base and horizon; "—" where none.
      const predicted = block.predictedLtv!;
      const labels = Object.fromEntries(block.channels.map((c) => [c.key, c.label]));
      const predictedIndex =
        6 + block.report.params.ltvMonths.filter((m) => m === 6 || m === 12).length;
      for (const r of rows) {
        const key = block.report.channels.find(
          (c) => channelName(i18n, c.channel, labels) === r[0],
        )?.channel;
        const p = predicted.channels.find((c) => c.channel === key);
        expect(r[predictedIndex], r[0]).toBe(
          p === undefined
            ? "—"
            : format.money(p.meanClvMinor) + i18n.t("acq.base", { n: format.number(p.customers) }),
        );
      }
      expect(await page.getByTestId("acq-predicted-note").textContent()).toContain(
        locale === "ja"
          ? `今後${predicted.horizonMonths}か月`
          : `next ${predicted.horizonMonths} months`,
      );
      expect(await page.getByTestId("acq-touches").textContent()).toContain(
        format.number(block.touches.none),
      );
      await page.getByTestId("acq-chart").locator("svg[role=img]").waitFor();
      const chartRows = await cellsOf(page, "acq-chart-table");
      expect(chartRows).toHaveLength(block.report.channels.length);
      // CAC by month: the channel with the most spend first (Instagram: 300,000 a month).
      const igMonths = block.report.channelMonths.filter((r) => r.channel === "instagram");
      const monthRows = await cellsOf(page, "acq-months");
      expect(monthRows).toEqual(
        igMonths.map((r) => [
          format.month(r.month!),
          format.number(r.newCustomers),
          r.spendMinor > 0 ? format.money(r.spendMinor) : "—",
          r.cac?.value == null ? "—" : format.money(r.cac.value),
        ]),
      );
      await expectAccessible(page, `acquisition (${locale})`);

      // Sort by CAC (most expensive first on the first click): rows without spend go last.
      // Polaris names the heading button by its icon, then the heading: "sort descending by CAC".
      await page.getByTestId("acq-channels").getByRole("button", { name: /CAC$/ }).first().click();
      const cacs = block.report.channels
        .map((r) => r.cac?.value ?? null)
        .filter((v): v is number => v !== null)
        .sort((a, b) => b - a)
        .map((v) => format.money(v));
      const withDash = [...cacs, ...Array<string>(rows.length - cacs.length).fill("—")];
      await expect
        .poll(async () => (await cellsOf(page, "acq-channels")).map((r) => r[3]))
        .toEqual(withDash);

      // Campaign drill-down of Google Ads.
      await page
        .getByLabel(locale === "ja" ? "チャネル" : "Channel", { exact: true })
        .selectOption("google_ads");
      await page.getByTestId("acq-campaigns").waitFor();
      const campaigns = await cellsOf(page, "acq-campaigns");
      expect(campaigns.map((r) => r[0]).sort()).toEqual(
        block.report.campaigns
          .filter((r) => r.channel === "google_ads")
          .map((r) => r.campaign!)
          .sort(),
      );
      await expectAccessible(page, `acquisition campaigns (${locale})`);
      await screenshot(page, `acquisition-${locale}`);
      await page.close();
    });
  }

  it("says what is missing instead of LTV:CAC and payback without a gross margin", async () => {
    const page = await app.open("/app/acquisition", noMargin.store, "en");
    await page.getByTestId("acq-margin-missing").waitFor();
    const rows = await cellsOf(page, "acq-channels");
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.slice(-2), r[0]).toEqual([
        "Set a gross margin or sync product costs",
        "Set a gross margin or sync product costs",
      ]);
    }
    expect(await page.getByTestId("acq-chart").count()).toBe(0);
    await page.getByTestId("acq-chart-none").waitFor();
    expect(await page.getByTestId("acq-margin").textContent()).toBe(
      "No gross margin is known: LTV:CAC and payback are not calculated.",
    );
    await expectAccessible(page, "acquisition without margin (en)");
    await screenshot(page, "acquisition-no-margin-en");
    await page.close();
  });

  it("says the next calculation fills it when the snapshot has no channel figures", async () => {
    const page = await app.open("/app/acquisition", old.store, "ja");
    await page.getByTestId("acq-empty").waitFor();
    expect(await page.getByTestId("acq-empty").textContent()).toContain("次回の計算");
    await expectAccessible(page, "acquisition empty (ja)");
    await screenshot(page, "acquisition-empty-ja");
    await page.close();
  });
});

describe("LTV page filtered by acquisition channel", () => {
  for (const locale of ["en", "ja"] as const) {
    it(`picks a channel: the average LTV to date of its customers and the base (${locale})`, async () => {
      const format = createFormat(locale, stored.currency, stored.timeZone);
      const block = stored.cohortCuts!;
      const cut = block.cuts.find((c) => c.key === "channel:instagram")!;
      const all = stored.kpis.average_historical_ltv.metric;
      const page = await app.open("/app/ltv", main.store, locale);
      await page.getByTestId("cohort-filter").waitFor();
      const date = format.date(stored.asOfDate);
      const total = format.number(block.customers);
      expect(await page.getByTestId("cohort-filter-base").textContent()).toBe(
        locale === "ja"
          ? `${date}までに初回購入したすべての顧客（${total}人）。`
          : `All ${total} customers with a first purchase up to ${date}.`,
      );
      // The tile, or the line under "not enough data" when the models could not be fitted.
      const historical =
        stored.clv.status === "ok" ? "ltv-historical" : "ltv-insufficient-historical";
      const value = (v: number | null) => format.metric(v, "minor");
      expect(await page.getByTestId(historical).textContent()).toContain(value(all.value));

      await page.getByTestId("cohort-filter").locator("select").selectOption(cut.key);
      await page.waitForURL((url) => url.searchParams.get("cut") === cut.key);
      const filtered = value(cut.netToDateMinor! / cut.customers);
      await expect
        .poll(async () => page.getByTestId(historical).first().textContent())
        .toContain(filtered);
      const customers = format.number(cut.customers);
      expect(await page.getByTestId("cohort-filter-base").textContent()).toBe(
        locale === "ja"
          ? `獲得チャネル「Instagram」で絞り込み中。${date}までに初回購入した${total}人のうち${customers}人で、平均LTV（実績）はこの顧客だけで集計しています。`
          : `Filtered to Acquisition channel: Instagram. ${customers} of the ${total} customers with a first purchase up to ${date}; the average LTV to date counts only them.`,
      );
      // What the filter does not cover, in words: with per-cut predictions, the others.
      const perCut = block.predictedLtv !== undefined;
      expect(
        await page
          .getByText(
            locale === "ja"
              ? perCut
                ? "そのほかの予測（予測LTV・平均P(alive)・予測購入数・分布・セグメント別・シナリオ・モデルの当てはまり・ホールドアウト精度）はすべての顧客が対象で、モデルはショップ全体で推定しています"
                : "予測（予測LTV・平均P(alive)・予測購入数・分布・セグメント別・シナリオ・モデルの当てはまり・ホールドアウト精度）はすべての顧客が対象です"
              : perCut
                ? "The other predictions (predicted LTV, P(alive), expected purchases, the distributions, segments, scenarios, model fit and holdout check) cover all customers, and the models are fitted to the whole shop"
                : "The predictions (predicted LTV, P(alive), expected purchases, the distributions, segments, scenarios, model fit and holdout check) cover all customers",
          )
          .count(),
      ).toBe(1);
      if (stored.clv.status === "ok") {
        // Whose LTV the tile is, and all customers' beside it; the predictions stay the shop's.
        expect(await page.getByTestId("ltv-historical-help").textContent()).toBe(
          locale === "ja"
            ? `${customers}人の基準日までの純売上${format.money(cut.netToDateMinor!)}（全顧客：${value(all.value)}）`
            : `${format.money(cut.netToDateMinor!)} net revenue to date of ${customers} customers (all customers: ${value(all.value)})`,
        );
        expect(await page.getByTestId("ltv-average-clv").textContent()).toBe(
          format.metric(stored.clv.averages.clvMinor, "minor"),
        );
        // Beside it: the mean of these customers' own predictions, with its base.
        const mine = block.predictedLtv!.cuts.find((c) => c.key === cut.key)!;
        expect(await page.getByTestId("ltv-cut-predicted").textContent()).toBe(
          value(mine.meanClvMinor),
        );
        const allClv = value(stored.clv.averages.clvMinor);
        const months = stored.clv.horizonMonths;
        expect(await page.getByTestId("ltv-cut-predicted-help").textContent()).toBe(
          locale === "ja"
            ? `この${customers}人のうちモデルの対象の${format.number(mine.customers)}人の予測の平均、今後${months}か月（割引後）（全顧客：${allClv}）`
            : `Mean of the model's predictions for the ${format.number(mine.customers)} of these ${customers} customers it covers, next ${months} months, discounted (all customers: ${allClv})`,
        );
      } else {
        expect(await page.getByTestId("ltv-cut-predicted").count()).toBe(0);
      }
      expect(filtered).not.toBe(value(all.value));
      await expectAccessible(page, `ltv filtered (${locale})`);
      await screenshot(page, `ltv-filtered-${locale}`);
      await page.close();
    });
  }

  it("says the filter comes with the next calculation on a snapshot without it", async () => {
    // As the cohort filter's first version stored the cuts: without net revenue to date. A
    // new row (the server keeps parsed snapshots by id: rows are never updated).
    const row = await prisma.metricSnapshot.findFirstOrThrow({
      where: { shopId: old.shopId },
      orderBy: [{ computedAt: "desc" }, { id: "desc" }],
    });
    const snapshot = parseSnapshot(row.data)!;
    const cuts = snapshot.cohortCuts!;
    await prisma.metricSnapshot.create({
      data: {
        shopId: old.shopId,
        computedAt: row.computedAt,
        asOf: row.asOf,
        summary: row.summary,
        data: JSON.stringify({
          ...snapshot,
          cohortCuts: { ...cuts, cuts: cuts.cuts.map(({ netToDateMinor: _n, ...c }) => c) },
        }),
      },
    });
    const key = cuts.cuts[0]!.key;
    const page = await app.open(`/app/ltv?cut=${key}`, old.store, "en");
    await page.getByTestId("cohort-filter-unavailable").waitFor();
    expect(await page.getByTestId("cohort-filter-unavailable").textContent()).toBe(
      "Filters become available after the next computation.",
    );
    await expectAccessible(page, "ltv filter unavailable (en)");
    await page.close();
    // The cohort page still filters with those cuts.
    const cohorts = await app.open(`/app/cohorts?cut=${key}`, old.store, "en");
    await cohorts.getByTestId("cohort-heatmap").waitFor();
    expect(await cohorts.getByTestId("cohort-filter-base").textContent()).toMatch(/^Filtered to /);
    await cohorts.close();
  });
});

describe("migration page filtered by acquisition channel", () => {
  for (const locale of ["en", "ja"] as const) {
    it(`picks a channel: its customers' year-over-year migration and the base (${locale})`, async () => {
      const format = createFormat(locale, stored.currency, stored.timeZone);
      const block = stored.cohortCuts!;
      const cut = block.cuts.find((c) => c.key === "channel:instagram")!;
      const m = cut.migration!;
      const all = stored.migration.yoy;
      const page = await app.open("/app/migration", main.store, locale);
      await page.getByTestId("cohort-filter").waitFor();
      const date = format.date(stored.asOfDate);
      const total = format.number(block.customers);
      expect(await page.getByTestId("cohort-filter-base").textContent()).toBe(
        locale === "ja"
          ? `${date}までに初回購入したすべての顧客（${total}人）。`
          : `All ${total} customers with a first purchase up to ${date}.`,
      );
      const ratioText = (n: number, d: number) => format.metric(d > 0 ? n / d : null, "ratio");
      expect(await page.getByTestId("metric-yoy_retention").textContent()).toBe(
        format.metric(all.retention.value, "ratio"),
      );

      await page.getByTestId("cohort-filter").locator("select").selectOption(cut.key);
      await page.waitForURL((url) => url.searchParams.get("cut") === cut.key);
      const previous = m.previousNew + m.previousExisting;
      const retention = ratioText(m.retainedNew + m.retainedExisting, previous);
      await expect
        .poll(async () => page.getByTestId("metric-yoy_retention").textContent())
        .toBe(retention);
      expect(await page.getByTestId("metric-yoy_migration_new").textContent()).toBe(
        ratioText(m.retainedNew, m.previousNew),
      );
      expect(await page.getByTestId("metric-yoy_migration_existing").textContent()).toBe(
        ratioText(m.retainedExisting, m.previousExisting),
      );
      const customers = format.number(cut.customers);
      expect(await page.getByTestId("cohort-filter-base").textContent()).toBe(
        locale === "ja"
          ? `獲得チャネル「Instagram」で絞り込み中。${date}までに初回購入した${total}人のうち${customers}人で、前年比の移行とセグメント移行表はこの顧客だけで集計しています。`
          : `Filtered to Acquisition channel: Instagram. ${customers} of the ${total} customers with a first purchase up to ${date}; the year-over-year migration and the segment matrix count only them.`,
      );
      // The matrix: the cut's customers in the shop's segments (row totals).
      const rowTotals = m.segmentCounts.map((row) => row.reduce((a, b) => a + b, 0));
      expect(rowTotals.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(
        await page
          .getByText(
            locale === "ja"
              ? "セグメントはショップ全体の基準です。"
              : "Segments are the shop's: RFM scores rank each customer among all customers",
          )
          .count(),
      ).toBe(1);
      await expectAccessible(page, `migration filtered (${locale})`);
      await screenshot(page, `migration-filtered-${locale}`);
      await page.close();
    });
  }

  it("says the filter applies to the computed period when dates are chosen", async () => {
    const page = await app.open(
      "/app/migration?from=2025-01-01&to=2025-06-30&cut=channel%3Ainstagram",
      main.store,
      "en",
    );
    await page.getByTestId("migration-filter-dates").waitFor();
    expect(await page.getByTestId("migration-filter-dates").textContent()).toMatch(
      /^Filters apply to the latest computation's period \(.+ → .+\); reset the dates to filter\.$/,
    );
    expect(await page.getByTestId("cohort-filter").count()).toBe(0);
    await page.close();
  });
});

describe("entry products page", () => {
  for (const locale of ["en", "ja"] as const) {
    it(`shows entry products with live titles, pairs and time between purchases (${locale})`, async () => {
      const format = createFormat(locale, stored.currency, stored.timeZone);
      const report = stored.entryProducts!.report;
      const page = await app.open("/app/entry-products", main.store, locale);
      await page.getByTestId("entry-products").waitFor();
      const rows = await cellsOf(page, "entry-products");
      const shown = report.products.slice(0, SHOWN_ENTRY_PRODUCTS);
      expect(rows.map((r) => r[0])).toEqual(shown.map((p) => titleOf.get(p.product)));
      expect(rows.map((r) => r[1])).toEqual(shown.map((p) => format.number(p.customers)));
      const pairs = await cellsOf(page, "entry-pairs");
      expect(pairs.map((r) => [r[0], r[1], r[2]])).toEqual(
        report.pairs.map((p) => [
          titleOf.get(p.fromProduct),
          titleOf.get(p.toProduct),
          format.number(p.customers),
        ]),
      );
      expect(await page.getByTestId("entry-customers").textContent()).toContain(
        format.number(report.customersWithoutProducts),
      );
      const median = report.firstToSecond.median!;
      expect(await page.getByTestId("entry-gap12-summary").textContent()).toContain(
        locale === "ja" ? `${median}日目` : `day ${median}`,
      );
      const day80 = report.firstToSecond.byShare.find((s) => s.share === 0.8)!.day!;
      expect(await page.getByTestId("entry-gap12-share-80").textContent()).toContain(
        locale === "ja" ? `${day80}日目` : `day ${day80}`,
      );
      expect(await page.getByTestId("entry-gaps-base").textContent()).toMatch(
        locale === "ja" ? /リピートした顧客のみ/ : /Repeaters only/,
      );
      await page.getByTestId("entry-gap12-chart").locator("svg[role=img]").waitFor();
      expect(await page.getByTestId("entry-titles-failed").count()).toBe(0);

      // By product type: every stored row, "" as "No product type", figures in the locale.
      const byType = stored.entryProducts!.byType!;
      const t = createTranslator(locale);
      const typeRows = await cellsOf(page, "entry-types");
      expect(typeRows.map((r) => r[0])).toEqual(
        byType.types.map((r) => (r.productType === "" ? t.t("entry.types.noType") : r.productType)),
      );
      expect(typeRows.map((r) => r[1])).toEqual(
        byType.types.map((r) => format.number(r.customers)),
      );
      const first = byType.types[0]!;
      expect(typeRows[0]![2]).toBe(first.f2.value === null ? "—" : format.percent(first.f2.value));
      const ltv6 = first.ltv.find((p) => p.months === 6)!;
      expect(typeRows[0]![4]).toContain(format.money(ltv6.valueMinor!));
      expect(typeRows[0]![4]).toContain(format.number(ltv6.customers));
      const typeMedian = first.firstToSecond.median;
      expect(typeRows[0]!.at(-1)).toBe(
        typeMedian === null ? "—" : locale === "ja" ? `${typeMedian}日目` : `day ${typeMedian}`,
      );
      expect(await page.getByTestId("entry-types-base").textContent()).toContain(
        format.number(byType.customersTyped),
      );
      expect(await page.getByTestId("entry-types-empty").count()).toBe(0);

      // By collection: every stored row with its title, the overlap note, figures in the locale.
      const byCollection = stored.entryProducts!.byCollection!;
      const collectionRows = await cellsOf(page, "entry-collections");
      expect(collectionRows.map((r) => r[0])).toEqual(byCollection.collections.map((c) => c.title));
      expect(collectionRows.map((r) => r[1])).toEqual(
        byCollection.collections.map((c) => format.number(c.customers)),
      );
      const top = byCollection.collections[0]!;
      expect(collectionRows[0]![2]).toBe(
        top.f2.value === null ? "—" : format.percent(top.f2.value),
      );
      expect(await page.getByTestId("entry-collections-base").textContent()).toContain(
        format.number(byCollection.customersInCollections),
      );
      expect(await page.getByTestId("entry-collections-note").textContent()).toBe(
        t.t("entry.collections.note"),
      );
      await expectAccessible(page, `entry products (${locale})`);
      await screenshot(page, `entry-products-${locale}`);
      await page.close();
    });
  }

  for (const locale of ["en", "ja"] as const) {
    it(`says product types are not synced yet when none are (${locale})`, async () => {
      const page = await app.open("/app/entry-products", noMargin.store, locale);
      await page.getByTestId("entry-products").waitFor();
      expect(await page.getByTestId("entry-types-empty").textContent()).toBe(
        locale === "ja"
          ? "商品タイプは商品と一緒に同期されます。まだ同期された商品タイプはありません。"
          : "Product types sync with products; none yet.",
      );
      expect(await page.getByTestId("entry-types").count()).toBe(0);
      expect(await page.getByTestId("entry-collections-empty").textContent()).toBe(
        locale === "ja"
          ? "コレクションは商品カタログと一緒に同期されます。入口商品を含むコレクションはまだありません。"
          : "Collections sync with the catalogue; none holds an entry product yet.",
      );
      expect(await page.getByTestId("entry-collections").count()).toBe(0);
      await expectAccessible(page, `entry products without types (${locale})`);
      await page.close();
    });
  }

  it("says the next calculation fills it when the snapshot has no entry products", async () => {
    const page = await app.open("/app/entry-products", old.store, "en");
    await page.getByTestId("entry-empty").waitFor();
    expect(await page.getByTestId("entry-empty").textContent()).toContain("next calculation");
    await expectAccessible(page, "entry products empty (en)");
    await screenshot(page, "entry-products-empty-en");
    await page.close();
  });

  it("rendered without console errors", () => {
    expect(app.problems).toEqual([]);
  });
});
