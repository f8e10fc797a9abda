/**
 * The cohort filter's page data: a hand-made cut turned into the cohort page's rows and
 * pooled curve and the continuation page's table, the URL parameter, and the choices' names
 * in ja and en.
 */
import { describe, expect, it } from "vitest";
import { choiceName } from "../../app/components/CohortFilter";
import { createTranslator } from "../../app/i18n";
import type {
  CohortCutJson,
  CohortCutsBlock,
  ContinuationJson,
  ShopSnapshot,
} from "../../app/metrics/snapshot/types";
import { cohortFilterView, cutParam, selectedCut } from "../../app/pages/cohort-filter.server";
import { cutCohortRows, cutLtvCurve } from "../../app/pages/cohorts.server";
import { cutContinuation } from "../../app/pages/continuation.server";

/** Two cohorts: January (4 customers, 3 months complete), March (2 customers, 1 complete). */
const CUT: CohortCutJson = {
  key: "channel:google_ads",
  dimension: "channel",
  value: "google_ads",
  label: null,
  customers: 7,
  rows: [
    {
      month: "2024-01",
      size: 4,
      completeMonths: 3,
      activeCustomers: [4, 2, 1],
      netMinor: [8000, 4000, 2000],
      reached: [4, 2, 1, 0],
    },
    {
      month: "2024-03",
      size: 2,
      completeMonths: 1,
      activeCustomers: [2],
      netMinor: [3000],
      reached: [2, 0, 0, 0],
    },
  ],
  // One customer of a cohort older than the reported ones, with 2 purchases.
  totalReached: [7, 3, 1, 0],
};
const DISCOUNT: CohortCutJson = {
  ...CUT,
  key: "discount:yes",
  dimension: "discount",
  value: "yes",
};
const PRODUCT: CohortCutJson = { ...CUT, key: "product:9001", dimension: "product", value: "9001" };
const BLOCK: CohortCutsBlock = {
  asOfMonth: "2024-03",
  maxMonths: 36,
  maxPurchases: 4,
  customers: 20,
  discountUnknown: 3,
  topCampaigns: 10,
  topProducts: 10,
  cuts: [CUT, DISCOUNT, PRODUCT],
};

describe("the cohort page's rows of a cut", () => {
  it("derives shares and cumulative revenue per customer from the counts", () => {
    expect(cutCohortRows(CUT)).toEqual([
      {
        month: "2024-01",
        size: 4,
        completeMonths: 3,
        nps: null,
        npsResponses: 0,
        activeShare: [1, 0.5, 0.25],
        cumulativeNetPerCustomer: [2000, 3000, 3500],
      },
      {
        month: "2024-03",
        size: 2,
        completeMonths: 1,
        nps: null,
        npsResponses: 0,
        activeShare: [1],
        cumulativeNetPerCustomer: [1500],
      },
    ]);
  });

  it("pools the curve over the cohorts whose month k has ended", () => {
    // k = 0: (8000 + 3000) / 6; k = 1, 2: January alone.
    expect(cutLtvCurve(CUT)).toEqual({
      cumulativeNetPerCustomer: [1833, 3000, 3500],
      customers: [6, 4, 4],
    });
  });
});

describe("the continuation page's table of a cut", () => {
  const all = { definition: { id: "continuation" } } as unknown as ContinuationJson;
  it("gives shares per cohort and the pooled row over every cohort of the cut", () => {
    const table = cutContinuation(CUT, all, "2024-03");
    expect(table.maxPurchases).toBe(4);
    expect(table.definition).toBe(all.definition);
    expect(table.rows.map((r) => [r.label, r.size, r.ageMonths, r.share])).toEqual([
      ["2024-01", 4, 2, [1, 0.5, 0.25, 0]],
      ["2024-03", 2, 0, [1, 0, 0, 0]],
    ]);
    expect(table.total).toMatchObject({ label: "all", size: 7, reached: [7, 3, 1, 0] });
  });
});

describe("the filter parameter and choices", () => {
  const snapshot = { cohortCuts: BLOCK } as unknown as ShopSnapshot;

  it("reads the cut from the URL and finds it in the block", async () => {
    const request = new Request("https://app.test/app/cohorts?cut=discount%3Ayes");
    expect(cutParam(request)).toBe("discount:yes");
    expect(cutParam(new Request("https://app.test/app/cohorts?cut="))).toBeNull();
    expect(selectedCut(BLOCK, "discount:yes")).toBe(DISCOUNT);
    const view = await cohortFilterView(snapshot, "discount:yes", null);
    expect(view.selected).toMatchObject({ key: "discount:yes", customers: 7 });
    expect(view.customers).toBe(20);
    expect(view.discountUnknown).toBe(3);
    // No Admin API: the product keeps its id (the page names it "Product 9001").
    expect(view.choices.find((c) => c.dimension === "product")?.label).toBeNull();
  });

  it("shows all customers and says so for a key the snapshot does not have", async () => {
    const view = await cohortFilterView(snapshot, "channel:tv", null);
    expect(view.selected).toBeNull();
    expect(view.unknownKey).toBe("channel:tv");
    expect(selectedCut(BLOCK, "channel:tv")).toBeNull();
  });

  it("is unavailable on snapshots computed before the cuts", async () => {
    const view = await cohortFilterView({} as ShopSnapshot, null, null);
    expect(view.available).toBe(false);
  });

  it("names the choices in ja and en", async () => {
    const view = await cohortFilterView(snapshot, null, null);
    const names = (locale: "ja" | "en") =>
      view.choices.map((c) => choiceName(c, createTranslator(locale)));
    expect(names("en")).toEqual(["Google Ads", "Code used", "Product 9001"]);
    expect(names("ja")).toEqual(["Google 広告", "使用あり", "商品 9001"]);
  });
});
