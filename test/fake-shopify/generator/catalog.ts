// The shop's product catalog and selling plans. Small and derived from the seed; orders
// reference products by index so plans stay compact.
import { Rng } from "../util/random";
import type { ShopSpec } from "./spec";

export interface Product {
  index: number;
  productId: number;
  variantId: number;
  title: string;
  variantTitle: string | null;
  sku: string;
  vendor: string;
  /** Product.productType (the merchant's category), "" for none. */
  productType: string;
  /** Shop currency, minor units. */
  priceMinor: number;
  grams: number;
}

export interface SellingPlan {
  index: number;
  id: number;
  name: string;
  intervalDays: number;
  /** Percentage off the product price. */
  discountPercent: number;
  productIndex: number;
}

export interface Catalog {
  products: Product[];
  /** Products ordered by price, for picking a product near a target price. */
  byPrice: Product[];
  sellingPlans: SellingPlan[];
}

const JA_ADJ = ["有機", "季節の", "定番", "プレミアム", "手作り", "限定", "国産", "無添加"];
const JA_NOUN = [
  "ドリップコーヒー",
  "緑茶",
  "ハンドクリーム",
  "トートバッグ",
  "マグカップ",
  "石鹸",
  "靴下",
  "ノート",
  "はちみつ",
  "タオル",
];
const EN_ADJ = [
  "Organic",
  "Classic",
  "Premium",
  "Handmade",
  "Limited",
  "Everyday",
  "Vintage",
  "Eco",
];
const EN_NOUN = [
  "Coffee Beans",
  "Green Tea",
  "Hand Cream",
  "Tote Bag",
  "Mug",
  "Soap Bar",
  "Socks",
  "Notebook",
  "Honey",
  "Towel",
];
/**
 * Product type per noun above (same order), "" where the merchant set none. Derived from the
 * noun, so the catalog's random draws (and every seeded shop) stay as they were.
 */
const JA_TYPES = [
  "食品",
  "食品",
  "コスメ",
  "雑貨",
  "キッチン",
  "コスメ",
  "",
  "雑貨",
  "食品",
  "雑貨",
];
const EN_TYPES = [
  "Food",
  "Food",
  "Beauty",
  "Home",
  "Kitchen",
  "Beauty",
  "",
  "Home",
  "Food",
  "Home",
];
const VARIANTS = [null, "S", "M", "L", "Blue", "Red", "200g", "500g"];
const PRODUCT_COUNT = 120;
const PRODUCT_ID_BASE = 7_200_000_000_000;
const VARIANT_ID_BASE = 41_000_000_000_000;
const SELLING_PLAN_ID_BASE = 690_000_000;

function nicePrice(major: number, decimals: number, rng: Rng): number {
  if (decimals === 0) {
    if (major >= 1000) return Math.max(100, Math.round(major / 100) * 100 - 20);
    return Math.max(10, Math.round(major / 10) * 10);
  }
  const whole = Math.max(1, Math.round(major));
  const cents = rng.pick([99, 0, 95, 50]);
  return (cents === 0 ? whole : whole - 1) * 100 + cents;
}

export function buildCatalog(spec: ShopSpec): Catalog {
  const rng = new Rng(spec.seed, 0x0ca7a109);
  const japanese = spec.region.locale === "ja";
  const adjectives = japanese ? JA_ADJ : EN_ADJ;
  const nouns = japanese ? JA_NOUN : EN_NOUN;
  const types = japanese ? JA_TYPES : EN_TYPES;
  const products: Product[] = [];
  const typicalItem = spec.region.orderValue * 0.45;
  for (let i = 0; i < PRODUCT_COUNT; i++) {
    const major = typicalItem * Math.exp(0.75 * rng.normal());
    const adjective = rng.pick(adjectives);
    const noun = rng.pick(nouns);
    products.push({
      index: i,
      productId: PRODUCT_ID_BASE + i * 7919,
      variantId: VARIANT_ID_BASE + i * 104729,
      title: japanese ? `${adjective}${noun}` : `${adjective} ${noun}`,
      variantTitle: rng.pick(VARIANTS),
      sku: `SKU-${String(1000 + i)}`,
      vendor: spec.name,
      // Every 10th product has no type besides the nouns without one.
      productType: i % 10 === 9 ? "" : (types[nouns.indexOf(noun)] ?? ""),
      priceMinor: nicePrice(major, spec.currency.decimals, rng),
      grams: 100 + rng.int(1900),
    });
  }
  const byPrice = [...products].sort((a, b) => a.priceMinor - b.priceMinor || a.index - b.index);
  const planNames = japanese
    ? ["毎月お届け（10%オフ）", "2ヶ月ごとお届け（5%オフ）"]
    : ["Deliver every month, 10% off", "Deliver every 2 months, 5% off"];
  const sellingPlans: SellingPlan[] = [
    {
      index: 0,
      id: SELLING_PLAN_ID_BASE + 11,
      name: planNames[0] ?? "",
      intervalDays: 30,
      discountPercent: 10,
      productIndex: 0,
    },
    {
      index: 1,
      id: SELLING_PLAN_ID_BASE + 23,
      name: planNames[1] ?? "",
      intervalDays: 60,
      discountPercent: 5,
      productIndex: 1,
    },
  ];
  return { products, byPrice, sellingPlans };
}

/** A product priced near `targetMinor` (random among the neighbours). */
export function productNear(catalog: Catalog, targetMinor: number, rng: Rng): Product {
  const list = catalog.byPrice;
  let lo = 0;
  let hi = list.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid]?.priceMinor ?? 0) < targetMinor) lo = mid + 1;
    else hi = mid;
  }
  const spread = 6;
  const from = Math.max(0, lo - spread);
  const to = Math.min(list.length - 1, lo + spread);
  const pick = list[from + rng.int(to - from + 1)];
  if (!pick) throw new Error("empty catalog");
  return pick;
}
