/**
 * First-touch attribution of an order, from Shopify's Order.customerJourneySummary, reduced
 * to categorical values (docs/decisions/0046-order-attribution-sync.md): the first visit's
 * source and marketing tactic, its UTM parameters, the referrer's host and the landing
 * page's path. Never a whole URL (a query string can carry an email address, a token or a
 * click id), never a name: a value that looks like an email address is dropped, and a path
 * segment that looks like a token is replaced.
 */
import { z } from "zod";

/** What Kizuna keeps of an order's customer journey. */
export type Journey =
  | { kind: "none" }
  | {
      kind: "visit";
      source: string | null;
      sourceType: string | null;
      utmSource: string | null;
      utmMedium: string | null;
      utmCampaign: string | null;
      utmContent: string | null;
      utmTerm: string | null;
      referrerHost: string | null;
      landingPath: string | null;
    };

const MAX_VALUE = 100;
const MAX_PATH = 200;
const EMAIL_LIKE = /[^\s@]+@[^\s@]+/;

/** The regex backtracks over every start of a long value without "@": test that first. */
const looksLikeEmail = (text: string) => text.includes("@") && EMAIL_LIKE.test(text);

/**
 * At most `max` code points (never half a surrogate pair). A text of at most `max` UTF-16
 * units has at most `max` code points and is returned as it is, without spreading it into
 * characters (a bulk file maps several values per order).
 */
const firstCodePoints = (text: string, max: number) =>
  text.length <= max ? text : [...text].slice(0, max).join("");

/** A categorical value as stored: trimmed, at most 100 characters, never an email address. */
export function categorical(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed === "" || looksLikeEmail(trimmed)) return null;
  return firstCodePoints(trimmed, MAX_VALUE);
}

/** The host of a URL, lower case, without "www."; null when it has none. */
export function hostOf(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const host = new URL(url).hostname.toLowerCase().replace(/^www\./, "");
    return categorical(host);
  } catch {
    return null;
  }
}

/** A path segment that is an id or token rather than a page name (≥ 16 chars with digits). */
const TOKEN_SEGMENT = /^(?=.*\d)[A-Za-z0-9_-]{16,}$/;

/**
 * The path of a landing page URL, without query or fragment; segments that look like
 * tokens (order status pages, checkout links) become ":token". Relative URLs are read
 * against a placeholder origin.
 */
export function pathOf(url: string | null | undefined): string | null {
  if (!url) return null;
  let path: string;
  try {
    path = new URL(url, "https://shop.invalid").pathname;
  } catch {
    return null;
  }
  const cleaned = path
    .split("/")
    .map((segment) => (TOKEN_SEGMENT.test(segment) || looksLikeEmail(segment) ? ":token" : segment))
    .join("/");
  return firstCodePoints(cleaned, MAX_PATH) || "/";
}

const utmSchema = z.object({
  source: z.string().nullish(),
  medium: z.string().nullish(),
  campaign: z.string().nullish(),
  content: z.string().nullish(),
  term: z.string().nullish(),
});

/** CustomerVisit as the operations select it. */
export const visitSchema = z.object({
  source: z.string().nullish(),
  sourceType: z.string().nullish(),
  referrerUrl: z.string().nullish(),
  landingPage: z.string().nullish(),
  utmParameters: utmSchema.nullish(),
});

/** CustomerJourneySummary as the operations select it. */
export const journeySchema = z.object({
  ready: z.boolean(),
  firstVisit: visitSchema.nullish(),
});

type Summary = z.output<typeof journeySchema>;
type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const optionalText = (v: unknown) => v === null || v === undefined || typeof v === "string";

/** The summary schema's fast path (one per order of a bulk file); undefined: use the schema. */
function checkedSummary(summary: unknown): Summary | undefined {
  if (!isObject(summary) || typeof summary.ready !== "boolean") return undefined;
  const visit = summary.firstVisit;
  if (visit === null || visit === undefined) {
    return { ready: summary.ready, firstVisit: visit as null | undefined };
  }
  if (!isObject(visit)) return undefined;
  const { source, sourceType, referrerUrl, landingPage, utmParameters: utm } = visit;
  if (![source, sourceType, referrerUrl, landingPage].every(optionalText)) return undefined;
  if (utm !== null && utm !== undefined) {
    if (!isObject(utm)) return undefined;
    if (![utm.source, utm.medium, utm.campaign, utm.content, utm.term].every(optionalText)) {
      return undefined;
    }
  }
  return { ready: summary.ready, firstVisit: visit as Summary["firstVisit"] };
}

/**
 * The first touch of a summary: null while Shopify has not attributed the order yet
 * (`ready: false`: the stored value stays); "none" when there is no summary or no first
 * visit (orders not placed through the online store, or no session recorded).
 */
export function journeyFrom(summary: unknown): Journey | null {
  if (summary === null || summary === undefined) return { kind: "none" };
  const parsed = checkedSummary(summary) ?? journeySchema.parse(summary);
  if (!parsed.ready) return null;
  const visit = parsed.firstVisit;
  if (!visit) return { kind: "none" };
  const utm = visit.utmParameters ?? {};
  return {
    kind: "visit",
    source: categorical(visit.source),
    sourceType: categorical(visit.sourceType),
    utmSource: categorical(utm.source),
    utmMedium: categorical(utm.medium),
    utmCampaign: categorical(utm.campaign),
    utmContent: categorical(utm.content),
    utmTerm: categorical(utm.term),
    referrerHost: hostOf(visit.referrerUrl),
    landingPath: pathOf(visit.landingPage),
  };
}
