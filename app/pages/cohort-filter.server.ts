/**
 * The cohort filter both cohort pages share (issue 17): which cut the URL's `cut` parameter
 * names, the choices for the select, and product titles for the entry-product choices (read
 * live, never stored; ids when Shopify does not answer).
 */
import type { AdminApi } from "../sync/admin-api.server";
import type { CohortCutJson, CohortCutsBlock, ShopSnapshot } from "../metrics/snapshot/types";
import { productTitles } from "./product-titles.server";

/** The URL parameter naming the cut ("channel:google_ads", "discount:yes", …). */
export const CUT_PARAM = "cut";

export interface CohortFilterChoice {
  readonly key: string;
  readonly dimension: CohortCutJson["dimension"];
  readonly value: string;
  /** The merchant's channel label or the product's title; null: the page names the value. */
  readonly label: string | null;
  readonly customers: number;
}

export interface CohortFilterView {
  /** Null: snapshots computed before cohort filters existed. */
  readonly available: boolean;
  readonly choices: CohortFilterChoice[];
  /** The chosen cut's choice, or null for all customers. */
  readonly selected: CohortFilterChoice | null;
  /** The URL named a cut this snapshot does not have (shown, and all customers used). */
  readonly unknownKey: string | null;
  /** Customers with a first purchase up to the as-of date (the filter's base). */
  readonly customers: number;
  readonly discountUnknown: number;
  readonly topCampaigns: number;
  readonly topProducts: number;
}

/** The cut the URL names, or null (all customers / unknown key). */
export function selectedCut(
  block: CohortCutsBlock | undefined,
  key: string | null,
): CohortCutJson | null {
  if (!block || !key) return null;
  return block.cuts.find((c) => c.key === key) ?? null;
}

export async function cohortFilterView(
  snapshot: Pick<ShopSnapshot, "cohortCuts">,
  key: string | null,
  api: AdminApi | null,
): Promise<CohortFilterView> {
  const block = snapshot.cohortCuts;
  if (!block) {
    return {
      available: false,
      choices: [],
      selected: null,
      unknownKey: key || null,
      customers: 0,
      discountUnknown: 0,
      topCampaigns: 0,
      topProducts: 0,
    };
  }
  const productIds = block.cuts.filter((c) => c.dimension === "product").map((c) => c.value);
  const titles = await productTitles(api, productIds);
  const choices = block.cuts.map((c): CohortFilterChoice => ({
    key: c.key,
    dimension: c.dimension,
    value: c.value,
    label: c.dimension === "product" ? (titles.byId[c.value] ?? null) : c.label,
    customers: c.customers,
  }));
  const selected = key ? (choices.find((c) => c.key === key) ?? null) : null;
  return {
    available: true,
    choices,
    selected,
    unknownKey: key && !selected ? key : null,
    customers: block.customers,
    discountUnknown: block.discountUnknown,
    topCampaigns: block.topCampaigns,
    topProducts: block.topProducts,
  };
}

/** The `cut` parameter of a request URL ("" and absent: all customers). */
export function cutParam(request: Request): string | null {
  const value = new URL(request.url).searchParams.get(CUT_PARAM);
  return value ? value.slice(0, 300) : null;
}
