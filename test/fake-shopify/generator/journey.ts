// An order's sales channel (Order.attribution) and customer journey
// (Order.customerJourneySummary), on the Admin API 2026-10 shapes. Derived from the seed and
// the order's rank by hashing, not drawn from the generator's random stream: adding them
// changed no other generated value. Sources: test/fake-shopify/README.md.
import type { OrderState } from "../model/order-state";
import { hash32 } from "../util/random";
import { gid } from "../util/gid";
import { isoUtc } from "../util/time";
import type { World } from "./world";

export interface UtmParameters {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  content: string | null;
  term: string | null;
}

/** A CustomerVisit as the fake serves it (plain object fields). */
export interface FakeVisit {
  id: string;
  source: string;
  sourceType: string | null;
  sourceDescription: string | null;
  referrerUrl: string | null;
  landingPage: string | null;
  landingPageHtml: string | null;
  referralCode: string | null;
  referralInfoHtml: string;
  occurredAt: string;
  utmParameters: UtmParameters | null;
  marketingEvent: null;
}

export interface FakeJourneySummary {
  ready: boolean;
  firstVisit: FakeVisit | null;
  lastVisit: FakeVisit | null;
  momentsCount: { count: number; precision: "EXACT" } | null;
  customerOrderIndex: number;
  daysToConversion: number | null;
}

/** Sources whose orders come through the online store (and so have a journey). */
const ONLINE = new Set(["web", "iphone", "android"]);

/** Order.attribution of a source name (null: Shopify names none, e.g. an unknown app). */
export function attributionOf(sourceName: string): { handle: string; displayName: string } | null {
  switch (sourceName) {
    case "web":
    case "iphone":
    case "android":
      return { handle: "online_store", displayName: "Online Store" };
    case "pos":
      return { handle: "pos", displayName: "Point of Sale" };
    case "shopify_draft_order":
      return { handle: "draft_orders", displayName: "Draft Orders" };
    case "subscription_contract":
      return { handle: "subscriptions", displayName: "Subscriptions" };
    default:
      return null;
  }
}

type Touch = Omit<FakeVisit, "id" | "occurredAt" | "marketingEvent" | "referralInfoHtml">;

const utm = (
  source: string,
  medium: string,
  campaign: string,
  content: string | null = null,
  term: string | null = null,
): UtmParameters => ({ source, medium, campaign, content, term });

/** The kinds of first touch, by hash bucket (0–99). */
function touch(world: World, bucket: number, h: number): Touch | null {
  const shop = `https://${world.spec.domain}`;
  const products = ["/products/starter-set", "/products/trial-size", "/collections/new", "/"];
  const page = products[h % products.length] ?? "/";
  const base = {
    sourceDescription: null,
    referralCode: null,
    landingPageHtml: null,
  };
  if (bucket < 28) {
    // Paid search with UTM and a click id in the landing URL (never stored).
    const campaign = ["brand_jp", "generic_skincare", "retargeting_q4"][h % 3] ?? "brand_jp";
    return {
      ...base,
      source: "google",
      sourceType: "AD",
      referrerUrl: "https://www.google.com/",
      landingPage: `${shop}${page}?utm_source=google&utm_medium=cpc&utm_campaign=${campaign}&gclid=Cj0KCQiA${h.toString(36)}`,
      utmParameters: utm("google", "cpc", campaign),
    };
  }
  if (bucket < 43) {
    // Social referral without UTM.
    return {
      ...base,
      source: "instagram",
      sourceType: null,
      referrerUrl: "https://l.instagram.com/",
      landingPage: `${shop}${page}`,
      utmParameters: null,
    };
  }
  if (bucket < 57) {
    // Newsletter with UTM; the email tool appended the subscriber's address (never stored).
    return {
      ...base,
      source: "email",
      sourceType: "NEWSLETTER",
      referrerUrl: null,
      landingPage: `${shop}${page}?utm_source=newsletter&utm_medium=email&utm_campaign=winter_sale&email=subscriber${h % 97}%40example.com`,
      utmParameters: utm("newsletter", "email", "winter_sale", `subscriber${h % 97}@example.com`),
    };
  }
  if (bucket < 72) {
    return {
      ...base,
      source: "direct",
      sourceType: null,
      referrerUrl: null,
      landingPage: `${shop}/`,
      utmParameters: null,
    };
  }
  if (bucket < 86) {
    // Organic search, no UTM.
    return {
      ...base,
      source: "google",
      sourceType: "SEO",
      referrerUrl: "https://www.google.co.jp/",
      landingPage: `${shop}${page}`,
      utmParameters: null,
    };
  }
  if (bucket < 96) {
    // A LINE ad with every UTM parameter and a referral code.
    return {
      ...base,
      source: "line",
      sourceType: "AD",
      referrerUrl: "https://line.me/",
      referralCode: `r${h % 1000}`,
      landingPage: `${shop}${page}?utm_source=line&utm_medium=social&utm_campaign=new_year&utm_content=banner_a&utm_term=gift`,
      utmParameters: utm("line", "social", "new_year", "banner_a", "gift"),
    };
  }
  return null; // no session recorded (missing attribution)
}

function visit(order: OrderState, n: number, t: Touch, at: number): FakeVisit {
  return {
    ...t,
    id: gid("CustomerVisit", BigInt(order.rank) * 4n + BigInt(n) + 1n),
    occurredAt: isoUtc(at),
    referralInfoHtml: t.referrerUrl ? `<a href="${t.referrerUrl}">${t.source}</a>` : t.source,
    marketingEvent: null,
  };
}

/**
 * The journey summary of an order: null for orders not placed through the online store; a
 * summary without visits for 4 % of online orders; otherwise a first visit (28 % paid search
 * with UTM, 15 % Instagram without UTM, 14 % newsletter with UTM, 15 % direct, 14 % organic
 * search, 10 % LINE ad with every UTM parameter) and, for about 40 %, a different last visit
 * (multi-touch).
 */
export function journeyOf(world: World, order: OrderState): FakeJourneySummary | null {
  if (!ONLINE.has(order.plan.sourceName)) return null;
  const h = hash32(world.spec.seed, order.rank, 0x6a6f75);
  const first = touch(world, h % 100, h >>> 8);
  const index = 1 + order.plan.local;
  if (!first) {
    return {
      ready: true,
      firstVisit: null,
      lastVisit: null,
      momentsCount: { count: 0, precision: "EXACT" },
      customerOrderIndex: index,
      daysToConversion: null,
    };
  }
  const days = (h >>> 4) % 20;
  const firstAt = order.createdAt - days * 86_400 - 600;
  const multi = ((h >>> 12) & 0xff) < 102;
  const lastTouch = multi ? touch(world, 57 + ((h >>> 20) % 15), h >>> 3) : null;
  const firstVisit = visit(order, 0, first, firstAt);
  const lastVisit = lastTouch ? visit(order, 1, lastTouch, order.createdAt - 300) : firstVisit;
  return {
    ready: true,
    firstVisit,
    lastVisit,
    momentsCount: { count: multi ? 2 + ((h >>> 24) % 3) : 1, precision: "EXACT" },
    customerOrderIndex: index,
    daysToConversion: days,
  };
}
