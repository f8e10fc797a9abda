// What a synthetic shop looks like: options a test passes, and the resolved spec the
// generator and the API work from. Everything here is plain data derived from the options.
import { currencyInfo, type CurrencyCode, type CurrencyInfo } from "../util/money";
import { DAY, nowSec, toSec } from "../util/time";

export type ShopPlanName = "basic" | "shopify" | "advanced" | "plus" | "enterprise" | "development";

/** Knobs of the purchase process; defaults give ~4 orders per customer over 3 years. */
export interface GenerationMix {
  /** Customers who signed up (newsletter, account) but never ordered. */
  neverOrderedShare: number;
  /** Guest checkouts (orders without a customer) per customer. */
  guestOrdersPerCustomer: number;
  /** Ordering customers who also run a selling-plan subscription. */
  subscriberShare: number;
  cancelShare: number;
  /** Non-cancelled orders that get at least one refund. */
  refundShare: number;
  /** Refunds that return the whole order (the rest return part of a line). */
  fullRefundShare: number;
  /** Orders presented in a second currency (shopMoney ≠ presentmentMoney). */
  presentmentShare: number;
  /** Orders whose processedAt is backdated before createdAt (imports, drafts). */
  backdatedShare: number;
  /** Orders edited after checkout (a line added). */
  editShare: number;
  /** Purchase rate per year, Gamma(shape, rate) across customers (BG/NBD λ). */
  purchaseRateShape: number;
  purchaseRateRate: number;
  /** Drop-out probability after each purchase, Beta(a, b) across customers (BG/NBD p). */
  dropoutA: number;
  dropoutB: number;
  /** Growth of new-customer acquisition per year (0.4 = +40 %/year). */
  annualGrowth: number;
}

export const DEFAULT_MIX: GenerationMix = {
  neverOrderedShare: 0.15,
  guestOrdersPerCustomer: 0.5,
  subscriberShare: 0.05,
  cancelShare: 0.03,
  refundShare: 0.06,
  fullRefundShare: 0.3,
  presentmentShare: 0.07,
  backdatedShare: 0.02,
  editShare: 0.015,
  purchaseRateShape: 1.0,
  purchaseRateRate: 0.25,
  dropoutA: 0.8,
  dropoutB: 3.6,
  annualGrowth: 0.35,
};

export interface ShopOptions {
  /** "kizuna-demo" or "kizuna-demo.myshopify.com". */
  domain?: string;
  name?: string;
  seed?: number;
  /** Customers visible at `end` (including the merchant's own staff account). */
  customers?: number;
  currency?: CurrencyCode;
  timezone?: string;
  plan?: ShopPlanName;
  /** Generation "now" (end of the visible history). Default: the current time. */
  end?: Date | string | number;
  historyDays?: number;
  /** Days of future the generator prepares for `advance()` (new orders, refunds, …). */
  horizonDays?: number;
  /** Scopes granted on install. Default: the app's scopes from shopify.app.toml. */
  scopes?: string[];
  mix?: Partial<GenerationMix>;
  /**
   * Added to every order and customer id. Shopify's ids are 64-bit and its samples have 18
   * digits; a shop near 2^63 (e.g. 2n ** 63n - 10n ** 13n) proves no id passes a float.
   */
  idBase?: bigint;
}

interface Regional {
  timezone: string;
  /** Typical order value in major units. */
  orderValue: number;
  taxRate: number;
  taxesIncluded: boolean;
  presentment: { currency: CurrencyCode; rate: number };
  /** Free shipping threshold and flat fee, major units. */
  freeShippingOver: number;
  shippingFee: number;
  seasonality: "japan" | "western";
  locale: string;
  tags: { newsletter: string; vip: string; wholesale: string; risky: string; staff: string };
  orderTags: string[];
}

const REGIONS: Record<CurrencyCode, Regional> = {
  JPY: {
    timezone: "Asia/Tokyo",
    orderValue: 6500,
    taxRate: 0.1,
    taxesIncluded: true,
    presentment: { currency: "USD", rate: 0.0067 },
    freeShippingOver: 5000,
    shippingFee: 770,
    seasonality: "japan",
    locale: "ja",
    tags: { newsletter: "メルマガ", vip: "VIP", wholesale: "卸", risky: "要注意", staff: "staff" },
    orderTags: ["ギフト", "要確認", "同梱"],
  },
  KRW: {
    timezone: "Asia/Seoul",
    orderValue: 75000,
    taxRate: 0.1,
    taxesIncluded: true,
    presentment: { currency: "USD", rate: 0.00073 },
    freeShippingOver: 50000,
    shippingFee: 3000,
    seasonality: "japan",
    locale: "ko",
    tags: {
      newsletter: "newsletter",
      vip: "VIP",
      wholesale: "wholesale",
      risky: "watch",
      staff: "staff",
    },
    orderTags: ["gift", "check"],
  },
  USD: {
    timezone: "America/New_York",
    orderValue: 85,
    taxRate: 0.08875,
    taxesIncluded: false,
    presentment: { currency: "CAD", rate: 1.37 },
    freeShippingOver: 75,
    shippingFee: 7.99,
    seasonality: "western",
    locale: "en",
    tags: {
      newsletter: "newsletter",
      vip: "VIP",
      wholesale: "wholesale",
      risky: "do-not-contact",
      staff: "staff",
    },
    orderTags: ["gift", "needs-review", "influencer"],
  },
  EUR: {
    timezone: "Europe/Berlin",
    orderValue: 75,
    taxRate: 0.19,
    taxesIncluded: true,
    presentment: { currency: "USD", rate: 1.08 },
    freeShippingOver: 60,
    shippingFee: 4.9,
    seasonality: "western",
    locale: "de",
    tags: {
      newsletter: "newsletter",
      vip: "VIP",
      wholesale: "Großhandel",
      risky: "prüfen",
      staff: "staff",
    },
    orderTags: ["Geschenk", "prüfen"],
  },
  GBP: {
    timezone: "Europe/London",
    orderValue: 65,
    taxRate: 0.2,
    taxesIncluded: true,
    presentment: { currency: "EUR", rate: 1.17 },
    freeShippingOver: 50,
    shippingFee: 3.95,
    seasonality: "western",
    locale: "en",
    tags: {
      newsletter: "newsletter",
      vip: "VIP",
      wholesale: "trade",
      risky: "do-not-contact",
      staff: "staff",
    },
    orderTags: ["gift", "needs-review"],
  },
  CAD: {
    timezone: "America/Toronto",
    orderValue: 110,
    taxRate: 0.13,
    taxesIncluded: false,
    presentment: { currency: "USD", rate: 0.73 },
    freeShippingOver: 100,
    shippingFee: 9.99,
    seasonality: "western",
    locale: "en",
    tags: {
      newsletter: "newsletter",
      vip: "VIP",
      wholesale: "wholesale",
      risky: "do-not-contact",
      staff: "staff",
    },
    orderTags: ["gift", "needs-review"],
  },
  AUD: {
    timezone: "Australia/Sydney",
    orderValue: 120,
    taxRate: 0.1,
    taxesIncluded: true,
    presentment: { currency: "USD", rate: 0.66 },
    freeShippingOver: 99,
    shippingFee: 9.95,
    seasonality: "western",
    locale: "en",
    tags: {
      newsletter: "newsletter",
      vip: "VIP",
      wholesale: "wholesale",
      risky: "do-not-contact",
      staff: "staff",
    },
    orderTags: ["gift", "needs-review"],
  },
};

export interface ShopSpec {
  domain: string;
  name: string;
  seed: number;
  customers: number;
  currency: CurrencyInfo;
  presentment: { currency: CurrencyInfo; rate: number };
  timezone: string;
  plan: ShopPlanName;
  /** Epoch seconds: start of history, generation "now", end of the prepared future. */
  startSec: number;
  endSec: number;
  horizonSec: number;
  scopes: string[] | null;
  mix: GenerationMix;
  region: Regional;
  /** Minor units per major unit of the shop currency. */
  minorPerMajor: number;
  idBase: bigint;
}

export function normalizeDomain(domain: string): string {
  const lower = domain.trim().toLowerCase();
  const full = lower.endsWith(".myshopify.com") ? lower : `${lower}.myshopify.com`;
  if (!/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(full)) {
    throw new Error(`invalid shop domain: ${domain}`);
  }
  return full;
}

export function resolveSpec(options: ShopOptions, index = 0): ShopSpec {
  const currencyCode = options.currency ?? "JPY";
  const region = REGIONS[currencyCode];
  const currency = currencyInfo(currencyCode);
  const domain = normalizeDomain(options.domain ?? `fake-shop-${index + 1}`);
  const handle = domain.replace(/\.myshopify\.com$/, "");
  const endSec = options.end === undefined ? nowSec() : toSec(options.end);
  const historyDays = options.historyDays ?? 3 * 365;
  const horizonDays = options.horizonDays ?? 90;
  const customers = Math.max(1, Math.floor(options.customers ?? 1000));
  if (customers > 5_000_000) throw new Error("the fake supports at most 5M customers per shop");
  return {
    domain,
    name: options.name ?? handle.replace(/-/g, " ").replace(/\b\w/g, (c) => c.toUpperCase()),
    seed: options.seed ?? 1,
    customers,
    currency,
    presentment: {
      currency: currencyInfo(region.presentment.currency),
      rate: region.presentment.rate,
    },
    timezone: options.timezone ?? region.timezone,
    plan: options.plan ?? "shopify",
    startSec: endSec - historyDays * DAY,
    endSec,
    horizonSec: endSec + horizonDays * DAY,
    scopes: options.scopes ?? null,
    mix: { ...DEFAULT_MIX, ...options.mix },
    region,
    minorPerMajor: 10 ** currency.decimals,
    idBase: options.idBase ?? 0n,
  };
}
