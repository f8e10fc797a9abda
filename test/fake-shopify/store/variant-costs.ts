// The shop's variants with their inventory items and unit costs (InventoryItem.unitCost).
// Derived from the catalog (one variant per product, as the fake's orders use them) plus a
// gift card product, so every case the app maps is there: a cost in the shop currency, no
// cost set, a cost in another currency, and a gift card (no cost). Merchant edits
// (setCost) move the inventory item's and the product's updatedAt, as Shopify does; a
// product type edit (setProductType) moves the product's.
import type { Catalog } from "../generator/catalog";
import type { ShopSpec } from "../generator/spec";
import { currencyInfo, type CurrencyCode } from "../util/money";

export interface FakeVariant {
  /** Catalog index, or -1 for the gift card. */
  index: number;
  productId: number;
  variantId: number;
  inventoryItemId: number;
  giftCard: boolean;
  /** Product.productType of the variant's product ("" for none). */
  productType: string;
  /** Minor units of `currency`; null when no cost is set. */
  costMinor: number | null;
  currency: CurrencyCode;
  /** Epoch seconds. */
  itemUpdatedAt: number;
  productUpdatedAt: number;
}

const INVENTORY_ITEM_ID_BASE = 43_000_000_000_000;
const GIFT_CARD_PRODUCT_ID = 7_299_999_999_001;
const GIFT_CARD_VARIANT_ID = 41_999_999_999_001;

export class VariantCostStore {
  private readonly variants: FakeVariant[] = [];
  private readonly byVariant = new Map<number, FakeVariant>();
  private readonly byItem = new Map<number, FakeVariant>();

  constructor(catalog: Catalog, spec: ShopSpec) {
    const other: CurrencyCode = spec.currency.code === "JPY" ? "USD" : "JPY";
    const at = spec.startSec;
    for (const product of catalog.products) {
      const i = product.index;
      // Every 9th without a cost, every 13th (of the rest) costed in another currency.
      const none = i % 9 === 4;
      const foreign = !none && i % 13 === 7;
      const currency = foreign ? other : spec.currency.code;
      const scale = 10 ** (currencyInfo(currency).decimals - spec.currency.decimals);
      this.add({
        index: i,
        productId: product.productId,
        variantId: product.variantId,
        inventoryItemId: INVENTORY_ITEM_ID_BASE + i * 7907,
        giftCard: false,
        productType: product.productType,
        costMinor: none ? null : Math.max(1, Math.round(product.priceMinor * 0.4 * scale)),
        currency,
        itemUpdatedAt: at,
        productUpdatedAt: at,
      });
    }
    this.add({
      index: -1,
      productId: GIFT_CARD_PRODUCT_ID,
      variantId: GIFT_CARD_VARIANT_ID,
      inventoryItemId: INVENTORY_ITEM_ID_BASE - 1,
      giftCard: true,
      productType: "giftcard",
      costMinor: null,
      currency: spec.currency.code,
      itemUpdatedAt: at,
      productUpdatedAt: at,
    });
  }

  private add(variant: FakeVariant) {
    this.variants.push(variant);
    this.byVariant.set(variant.variantId, variant);
    this.byItem.set(variant.inventoryItemId, variant);
  }

  /** Every variant, by variant id (Shopify's default order). */
  list(): readonly FakeVariant[] {
    return [...this.variants].sort((a, b) => a.variantId - b.variantId);
  }

  ofCatalogIndex(index: number): FakeVariant | undefined {
    return this.variants[index]?.index === index ? this.variants[index] : undefined;
  }

  byVariantId(id: number): FakeVariant | undefined {
    return this.byVariant.get(id);
  }

  byInventoryItemId(id: number): FakeVariant | undefined {
    return this.byItem.get(id);
  }

  ofProduct(productId: number): FakeVariant[] {
    return this.list().filter((v) => v.productId === productId);
  }

  /** The products, one variant each (the first by variant id), by product id. */
  products(): FakeVariant[] {
    const seen = new Set<number>();
    return this.list()
      .filter((v) => (seen.has(v.productId) ? false : (seen.add(v.productId), true)))
      .sort((a, b) => a.productId - b.productId);
  }

  /** The merchant edits a product's type ("" clears it), at `atSec`. */
  setProductType(productId: number, productType: string, atSec: number) {
    const variants = this.ofProduct(productId);
    if (variants.length === 0) throw new Error(`no product ${productId}`);
    const at = Math.max(atSec, ...variants.map((v) => v.productUpdatedAt + 1));
    for (const v of variants) {
      v.productType = productType;
      v.productUpdatedAt = at;
    }
    return variants;
  }

  /** The merchant edits a variant's cost (null clears it), at `atSec`. */
  setCost(variantId: number, costMinor: number | null, atSec: number, currency?: CurrencyCode) {
    const variant = this.byVariant.get(variantId);
    if (!variant) throw new Error(`no variant ${variantId}`);
    variant.costMinor = costMinor;
    if (currency) variant.currency = currency;
    variant.itemUpdatedAt = Math.max(atSec, variant.itemUpdatedAt + 1);
    variant.productUpdatedAt = Math.max(atSec, variant.productUpdatedAt + 1);
    return variant;
  }
}
