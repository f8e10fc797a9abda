/**
 * Every route of the app's real server build, each loader and action, hit the ways an
 * attacker would: no token, an expired token, a token signed with another secret, a valid
 * token of another shop, and a valid token of a shop without an offline session (Shopify
 * refuses its token exchange). Only the legitimate request succeeds; no response carries
 * another shop's data and no other shop's row changes.
 *
 * The route list comes from the build's route manifest (checked against app/routes), so a
 * new route is covered the day it is added: it needs no entry here unless it is public
 * (then PUBLIC says why) or takes a parameter this file does not know yet.
 */
import { RETRY_RANGE_INTENT } from "../../app/components/RangeStatus";
import { DEFAULT_CHANNEL_RULES } from "../../app/analytics/channels";
import { ruleSetToDraft } from "../../app/pages/channel-rules-form";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { createHmac, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
import { closeSharedRateLimiters } from "../../app/extensions/rate-limit.server";
import { closeQueues, getQueue } from "../../app/jobs/queues.server";
import { allCustomerResults } from "../../app/metrics/result-set.server";
import { removeShops, seedShop, type SeededShop } from "../e2e/harness";
import {
  adminToken,
  API_SECRET,
  APP_ORIGIN,
  BROWSER_UA,
  domainOf,
  extensionToken,
  loadApp,
  shopState,
  storeName,
  type TokenOptions,
} from "./app-build";

const app = await loadApp();

// ---------------------------------------------------------------------------------------
// The route table.

type RouteEntry = (typeof app.build.routes)[string];

interface AppRoute {
  id: string;
  /** URL pattern, e.g. /app/segments/:id */
  path: string;
  hasLoader: boolean;
  hasAction: boolean;
  /** A page (document) route rather than a resource route. */
  document: boolean;
}

function pathOf(route: RouteEntry): string {
  const parts: string[] = [];
  for (
    let r: RouteEntry | undefined = route;
    r;
    r = r.parentId ? app.build.routes[r.parentId] : undefined
  ) {
    if (r.path) parts.unshift(r.path);
  }
  return `/${parts.join("/")}`;
}

const ROUTES: AppRoute[] = Object.values(app.build.routes)
  .filter((r) => r.id !== "root")
  .map((r) => ({
    id: r.id,
    path: pathOf(r),
    hasLoader: typeof r.module.loader === "function",
    hasAction: typeof r.module.action === "function",
    document: r.module.default != null,
  }))
  .sort((a, b) => a.id.localeCompare(b.id));

/**
 * Routes anyone may call, and why. They are still hit with every variant below: they
 * must answer without a 5xx, carry no shop's data and write nothing.
 */
const PUBLIC: Record<string, string> = {
  "routes/_index":
    "the landing page: product text and the login form; with ?shop it only redirects into /app",
  "routes/auth.login":
    "the login form (install entry outside the admin): checks a shop domain and redirects to Shopify's OAuth, reads nothing",
  "routes/auth.$":
    "shopify-app-remix's auth endpoints (session-token bounce page, exit-iframe, OAuth callback), which authenticate themselves",
};

/** Routes called with a checkout / customer-account extension token instead of an admin ID token. */
const EXTENSION_ROUTES = new Set(["routes/api.nps"]);
const isWebhook = (route: AppRoute) => route.path.startsWith("/webhooks/");
/**
 * Shopify Flow's trigger lifecycle callback: signed like a webhook (X-Shopify-Hmac-SHA256,
 * HMAC-SHA256 of the body with the app's secret; https://shopify.dev/docs/apps/build/flow/track-lifecycle-events),
 * carrying no session token. Unsigned, wrongly signed or session-token requests get 401.
 */
const FLOW_ROUTES = new Set(["routes/flow.lifecycle"]);
/** Routes Shopify calls with an HMAC over the body rather than a token. */
const isSigned = (route: AppRoute) => isWebhook(route) || FLOW_ROUTES.has(route.id);

// ---------------------------------------------------------------------------------------
// Shops: two installed shops with data (the caller's and the victim's) and an uninstalled
// one whose offline session is gone.

const stores = {
  own: storeName("sec-own"),
  victim: storeName("sec-victim"),
  gone: storeName("sec-gone"),
};
type Who = keyof typeof stores;
const seeded = {} as Record<Who, SeededShop>;
/** Text that only one shop's data contains. */
const markers = {} as Record<Who, string[]>;
/** Ids the requests use: a customer with scores, a segment, a spend row, an order. */
const ids = {} as Record<Who, { customer: bigint; segment: string; spend: number; order: bigint }>;
const WEBHOOK_STORE = storeName("sec-webhooks");

async function seed(who: Who): Promise<void> {
  const shop = await seedShop({
    store: stores[who],
    customers: 60,
    seed: who.length + 3,
    npsResponses: 5,
  });
  seeded[who] = shop;
  const marker = `${who}-${randomUUID()}`;
  const spend = await prisma.marketingSpend.create({
    data: {
      shopId: shop.shopId,
      month: "2025-01",
      channel: `channel-${marker}`,
      amountMinor: 123_456n,
    },
  });
  const [metric] = await allCustomerResults(prisma, shop.shopId);
  if (!metric) throw new Error("the shop has no results");
  await prisma.shop.update({
    where: { id: shop.shopId },
    data: {
      settings: JSON.stringify({ segmentActions: { [metric.segment]: `action-${marker}` } }),
    },
  });
  const order = await prisma.order.findFirstOrThrow({
    where: { shopId: shop.shopId, customerId: metric.customerId },
  });
  await prisma.npsResponse.create({
    data: {
      shopId: shop.shopId,
      orderId: order.id,
      customerId: metric.customerId,
      score: 3,
      comment: `comment-${marker}`,
      source: "thank-you",
    },
  });
  const customers = await prisma.customer.findMany({
    where: { shopId: shop.shopId },
    select: { id: true },
  });
  markers[who] = [marker, ...customers.map((c) => c.id.toString())];
  ids[who] = {
    customer: metric.customerId,
    segment: metric.segment,
    spend: spend.id,
    order: order.id,
  };
}

beforeAll(async () => {
  for (const who of Object.keys(stores) as Who[]) await seed(who);
  // Uninstalled: Shopify took the token back; the data waits for shop/redact.
  await prisma.session.deleteMany({ where: { shop: seeded.gone.domain } });
  await prisma.shop.update({
    where: { id: seeded.gone.shopId },
    data: { status: "uninstalled", uninstalledAt: new Date() },
  });
}, 120_000);

afterAll(async () => {
  await removeShops([...Object.values(stores).map(domainOf), domainOf(WEBHOOK_STORE)]);
  await app.close();
  closeSharedRateLimiters();
  await closeQueues();
});

// ---------------------------------------------------------------------------------------
// Requests.

type Variant =
  | "legit"
  | "no token"
  | "expired token"
  | "bad signature"
  | "other shop's token"
  | "no offline session";
const DENIED: Variant[] = [
  "no token",
  "expired token",
  "bad signature",
  "other shop's token",
  "no offline session",
];

/** Whose token the variant carries, and whose URL/ids it targets. */
function parties(variant: Variant): { token: Who | null; target: Who; options: TokenOptions } {
  switch (variant) {
    case "legit":
      return { token: "own", target: "own", options: {} };
    case "no token":
      return { token: null, target: "victim", options: {} };
    case "expired token":
      return { token: "victim", target: "victim", options: { expiresIn: -120 } };
    case "bad signature":
      return { token: "victim", target: "victim", options: { secret: "an-attackers-own-secret" } };
    case "other shop's token":
      return { token: "own", target: "victim", options: {} };
    case "no offline session":
      return { token: "gone", target: "gone", options: {} };
  }
}

function paramValue(route: AppRoute, name: string, target: Who): string {
  if (name === "*") return "session-token";
  if (name === "id" && route.path.includes("/segments/")) return ids[target].segment;
  if (name === "id" && route.path.includes("/customer-metrics/"))
    return ids[target].customer.toString();
  // KPI ids are the same in every shop; the session decides whose target is read or set.
  if (name === "id" && route.path.includes("/kpi/")) return "repeat_rate";
  throw new Error(`${route.id}: add a value for the parameter :${name} to paramValue()`);
}

function urlOf(route: AppRoute, target: Who): URL {
  const path = route.path.replace(/:(\w+)|\*/g, (match, name?: string) =>
    encodeURIComponent(paramValue(route, name ?? match, target)),
  );
  return new URL(path, APP_ORIGIN);
}

/** The forms each action is posted, aimed at the target shop's rows. */
function formsOf(route: AppRoute, target: Who): FormData[] {
  const form = (fields: Record<string, string | Blob>) => {
    const data = new FormData();
    for (const [k, v] of Object.entries(fields)) data.set(k, v);
    return data;
  };
  switch (route.id) {
    case "routes/app.settings":
      return [
        form({ intent: "spend-delete", id: String(ids[target].spend) }),
        form({ intent: "spend-add", month: "2025-02", channel: "posted", amount: "500" }),
        form({
          intent: "spend-import",
          file: new Blob(["month,channel,amount\n2025-03,imported,700\n"], { type: "text/csv" }),
        }),
      ];
    case "routes/app.settings_.channels": {
      const rules = JSON.stringify(ruleSetToDraft(DEFAULT_CHANNEL_RULES));
      return [form({ intent: "preview", rules }), form({ intent: "save", rules })];
    }
    case "routes/app.segments._index":
      return [
        form({ intent: "action", segment: ids[target].segment, text: "posted action" }),
        form({ intent: "shopify-segment", segment: ids[target].segment }),
      ];
    case "routes/app._index":
      return [form({ intent: RETRY_RANGE_INTENT, from: "2025-01", to: "2025-03" })];
    case "routes/app.kpi.$id":
      return [
        form({ direction: "at_least", min: "61" }),
        form({ intent: RETRY_RANGE_INTENT, from: "2025-01", to: "2025-03" }),
      ];
    case "routes/auth.login":
      return [form({ shop: domainOf(stores[target]) })];
    default:
      return [new FormData()];
  }
}

async function tokenFor(route: AppRoute, who: Who, options: TokenOptions): Promise<string> {
  return EXTENSION_ROUTES.has(route.id)
    ? extensionToken(stores[who], options)
    : adminToken(stores[who], options);
}

async function requestsFor(route: AppRoute, variant: Variant): Promise<Request[]> {
  const { token: tokenOwner, target, options } = parties(variant);
  const token = tokenOwner ? await tokenFor(route, tokenOwner, options) : null;
  const out: Request[] = [];
  const headers = (extra: Record<string, string> = {}) =>
    new Headers({ "User-Agent": BROWSER_UA, ...extra });

  if (isWebhook(route)) {
    return route.hasAction ? [webhookRequest(route, variant)] : [];
  }
  if (FLOW_ROUTES.has(route.id)) {
    return route.hasAction ? [flowCallbackRequest(route, variant, token)] : [];
  }
  if (EXTENSION_ROUTES.has(route.id)) {
    const auth: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
    const origin = { Origin: "https://extensions.shopifycdn.com" };
    const order = `gid://shopify/Order/${ids[target].order}`;
    if (route.hasLoader) {
      const url = urlOf(route, target);
      url.searchParams.set("orderId", order);
      url.searchParams.set("source", "thank-you");
      out.push(new Request(url, { headers: headers({ ...origin, ...auth }) }));
    }
    if (route.hasAction) {
      out.push(
        new Request(urlOf(route, target), {
          method: "POST",
          headers: headers({ ...origin, ...auth, "Content-Type": "application/json" }),
          body: JSON.stringify({
            orderId: order,
            score: 0,
            comment: "posted",
            source: "thank-you",
          }),
        }),
      );
    }
    return out;
  }

  // Admin routes. Pages load as the admin frames them (shop, host, id_token in the URL);
  // resource routes and actions are fetched with the ID token as a Bearer header.
  const shopQuery = (url: URL) => {
    url.searchParams.set("shop", domainOf(stores[target]));
    url.searchParams.set(
      "host",
      Buffer.from(`admin.shopify.com/store/${stores[target]}`).toString("base64url"),
    );
    return url;
  };
  const bearer: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  if (route.hasLoader) {
    const url = shopQuery(urlOf(route, target));
    if (route.document) {
      url.searchParams.set("embedded", "1");
      if (token) url.searchParams.set("id_token", token);
      out.push(new Request(url, { headers: headers() }));
    } else {
      out.push(new Request(url, { headers: headers(bearer) }));
    }
  }
  if (route.hasAction) {
    for (const form of formsOf(route, target)) {
      const url = shopQuery(urlOf(route, target));
      if (app.build.routes[route.id]?.index) url.searchParams.set("index", "");
      out.push(new Request(url, { method: "POST", headers: headers(bearer), body: form }));
    }
  }
  return out;
}

const webhookIds: string[] = [];

function webhookRequest(route: AppRoute, variant: Variant): Request {
  const topic = route.path.slice("/webhooks/".length);
  const { target } = parties(variant);
  const shop = variant === "legit" ? domainOf(WEBHOOK_STORE) : domainOf(stores[target]);
  const body = JSON.stringify({
    id: Number(ids[target].order),
    updated_at: "2031-01-01T00:00:00Z",
  });
  const webhookId = randomUUID();
  if (variant !== "legit") webhookIds.push(webhookId);
  const sign = (text: string, secret: string) =>
    createHmac("sha256", secret).update(text).digest("base64");
  const hmac: Record<Variant, string | null> = {
    legit: sign(body, API_SECRET),
    "no token": null,
    "expired token": sign(body.replace("2031", "2011"), API_SECRET), // the HMAC of another body
    "bad signature": sign(body, "an-attackers-own-secret"),
    "other shop's token": sign(body, "shpss_another-apps-secret"),
    "no offline session": "",
  };
  const headers = new Headers({
    "Content-Type": "application/json",
    "X-Shopify-Topic": topic,
    "X-Shopify-Shop-Domain": shop,
    "X-Shopify-API-Version": "2026-10",
    "X-Shopify-Webhook-Id": webhookId,
    "X-Shopify-Event-Id": webhookId,
    "X-Shopify-Triggered-At": new Date().toISOString(),
  });
  const value = hmac[variant];
  if (value !== null) headers.set("X-Shopify-Hmac-Sha256", value);
  return new Request(new URL(route.path, APP_ORIGIN), { method: "POST", headers, body });
}

/**
 * Flow's lifecycle callback for the variant's target shop (the legitimate one turns the own
 * shop's trigger on). Variants: unsigned, the signature of another body, signed with an
 * attacker's or another app's secret, a session token instead of a signature, and a correctly
 * signed callback for the shop whose offline session is gone (uninstalled).
 */
function flowCallbackRequest(route: AppRoute, variant: Variant, token: string | null): Request {
  const { target } = parties(variant);
  const body = JSON.stringify({
    flow_trigger_definition_id: "rfm-segment-changed",
    has_enabled_flow: true,
    shop_id: 690933842,
    shopify_domain: domainOf(stores[target]),
    timestamp: "2031-01-01T00:00:00.000Z",
  });
  const sign = (text: string, secret: string) =>
    createHmac("sha256", secret).update(text).digest("base64");
  const hmac: Record<Variant, string | null> = {
    legit: sign(body, API_SECRET),
    "no token": null,
    "expired token": sign(body.replace("true", "false"), API_SECRET), // the HMAC of another body
    "bad signature": sign(body, "an-attackers-own-secret"),
    "other shop's token": null, // the own shop's session token (Bearer) aimed at the victim
    "no offline session": sign(body, API_SECRET),
  };
  const headers = new Headers({ "Content-Type": "application/json" });
  const value = hmac[variant];
  if (value !== null) headers.set("X-Shopify-Hmac-Sha256", value);
  if (variant === "other shop's token" && token) headers.set("Authorization", `Bearer ${token}`);
  return new Request(new URL(route.path, APP_ORIGIN), { method: "POST", headers, body });
}

interface Answer {
  request: string;
  /** The request's URL and body: ids the caller sent may come back as an echo. */
  sent: string;
  status: number;
  body: string;
}

async function send(request: Request): Promise<Answer> {
  const label = `${request.method} ${new URL(request.url).pathname}`;
  const sent = `${request.url} ${request.method === "POST" ? await request.clone().text() : ""}`;
  const response = await app.handle(request);
  return { request: label, sent, status: response.status, body: await response.text() };
}

/** The shop's data in a response, beyond what the request itself sent. */
const leaks = (answer: Answer, who: Who) =>
  markers[who].filter((m) => answer.body.includes(m) && !answer.sent.includes(m));

// ---------------------------------------------------------------------------------------

describe("the route table", () => {
  it("is every file of app/routes", () => {
    const files = readdirSync(join(import.meta.dirname, "../../app/routes"))
      .filter((f) => !f.startsWith("."))
      .map((f) => `routes/${f.replace(/\.[jt]sx?$/, "")}`);
    expect(ROUTES.map((r) => r.id).sort()).toEqual(files.sort());
    expect(ROUTES.length).toBeGreaterThanOrEqual(30);
  });

  it("names a reason for every public route, and each of them exists", () => {
    for (const [id, reason] of Object.entries(PUBLIC)) {
      expect(ROUTES.map((r) => r.id)).toContain(id);
      expect(reason.length).toBeGreaterThan(20);
    }
  });
});

describe.each(ROUTES.filter((r) => r.hasLoader || r.hasAction))("$id ($path)", (route) => {
  const isPublic = route.id in PUBLIC;

  it("denies every request that is not the shop's own, reads and writes no other shop", async () => {
    const before = {
      victim: await shopState(seeded.victim.domain),
      gone: await shopState(seeded.gone.domain),
    };
    const exchangesBefore = app.exchanges.length;
    let sent = 0;
    for (const variant of DENIED) {
      const { token, target } = parties(variant);
      for (const request of await requestsFor(route, variant)) {
        sent++;
        const answer = await send(request);
        const context = `${variant}: ${answer.request} → ${answer.status}`;
        expect(answer.status, context).toBeLessThan(500);
        // Nothing of a shop the caller holds no valid token for.
        expect(leaks(answer, "victim"), context).toEqual([]);
        expect(leaks(answer, "gone"), context).toEqual([]);
        if (isPublic) continue;
        if (FLOW_ROUTES.has(route.id)) {
          // No valid signature: unauthenticated. Validly signed for a shop without a session:
          // Shopify's library refuses it as a bad request.
          expect(answer.status, context).toBe(variant === "no offline session" ? 400 : 401);
          continue;
        }
        if (variant === "other shop's token") {
          // The token names the shop: the request is served as the token's own shop or refused.
          expect(token).toBe("own");
          continue;
        }
        expect(answer.status, context).toBeGreaterThanOrEqual(300);
        expect(target).not.toBe("own");
      }
    }
    expect(sent).toBeGreaterThan(0);
    expect(await shopState(seeded.victim.domain)).toBe(before.victim);
    expect(await shopState(seeded.gone.domain)).toBe(before.gone);
    // Shopify was only asked to exchange the token of the shop without a session (and, for
    // admin routes, was asked: the refusal is what turned that request away).
    const exchanged = [...new Set(app.exchanges.slice(exchangesBefore))];
    const adminRoute = !isPublic && !isSigned(route) && !EXTENSION_ROUTES.has(route.id);
    expect(exchanged).toEqual(adminRoute ? [seeded.gone.domain] : []);
    if (isWebhook(route)) {
      for (const id of webhookIds.splice(0)) {
        expect(await getQueue("webhooks").getJob(`wh-${id}`)).toBeUndefined();
      }
    }
  });

  it("serves the shop's own legitimate request", async () => {
    const requests = await requestsFor(route, "legit");
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) {
      const answer = await send(request);
      const context = `legit: ${answer.request} → ${answer.status} ${answer.body.slice(0, 200)}`;
      expect(leaks(answer, "victim"), context).toEqual([]);
      if (isPublic) {
        expect(answer.status, context).toBeLessThan(500);
      } else {
        expect(answer.status, context).toBeGreaterThanOrEqual(200);
        expect(answer.status, context).toBeLessThan(300);
      }
    }
  });
});

describe("the Flow lifecycle callback", () => {
  const route = ROUTES.find((r) => FLOW_ROUTES.has(r.id))!;
  const flowState = async (who: Who) =>
    prisma.shop.findUniqueOrThrow({
      where: { id: seeded[who].shopId },
      select: { flowTriggerEnabled: true, flowTriggerUsageAt: true },
    });

  it("turns on the trigger of the shop the signed callback names, and of no other", async () => {
    expect(route).toBeDefined();
    await prisma.shop.update({
      where: { id: seeded.own.shopId },
      data: { flowTriggerEnabled: false, flowTriggerUsageAt: null },
    });
    const victim = await flowState("victim");
    for (const variant of DENIED) {
      const [request] = await requestsFor(route, variant);
      expect((await send(request!)).status, variant).toBeGreaterThanOrEqual(400);
    }
    expect(await flowState("own")).toEqual({ flowTriggerEnabled: false, flowTriggerUsageAt: null });
    const [legit] = await requestsFor(route, "legit");
    const answer = await send(legit!);
    expect(answer.status).toBe(200);
    expect(answer.body).toBe("");
    expect(await flowState("own")).toEqual({
      flowTriggerEnabled: true,
      flowTriggerUsageAt: new Date("2031-01-01T00:00:00.000Z"),
    });
    expect(await flowState("victim")).toEqual(victim);
  });
});

describe("Content-Security-Policy frame-ancestors on document responses", () => {
  const pages = ROUTES.filter((r) => r.document && r.hasLoader && !(r.id in PUBLIC));
  const frameAncestors = (response: Response) =>
    /frame-ancestors ([^;]*)/
      .exec(response.headers.get("Content-Security-Policy") ?? "")?.[1]
      ?.split(/\s+/) ?? [];

  it("names the shop of the request and Shopify admin, and no other shop, on every page", async () => {
    expect(pages.length).toBeGreaterThanOrEqual(8);
    for (const route of pages) {
      for (const who of ["own", "victim"] as const) {
        const url = urlOf(route, who);
        url.searchParams.set("embedded", "1");
        url.searchParams.set("shop", domainOf(stores[who]));
        url.searchParams.set(
          "host",
          Buffer.from(`admin.shopify.com/store/${stores[who]}`).toString("base64url"),
        );
        url.searchParams.set("id_token", await adminToken(stores[who]));
        const response = await app.handle(
          new Request(url, { headers: { "User-Agent": BROWSER_UA } }),
        );
        await response.text();
        const context = `${route.id} for ${who}`;
        expect(response.status, context).toBe(200);
        expect(response.headers.get("Content-Type"), context).toContain("text/html");
        const sources = frameAncestors(response);
        expect(sources, context).toContain(`https://${domainOf(stores[who])}`);
        expect(sources, context).toContain("https://admin.shopify.com");
        const other = who === "own" ? "victim" : "own";
        expect(sources, context).not.toContain(`https://${domainOf(stores[other])}`);
        expect(
          sources.every((s) => s.startsWith("https://")),
          context,
        ).toBe(true);
      }
    }
  });

  it("lets no one frame a document that names no valid shop", async () => {
    const landing = await app.handle(
      new Request(new URL("/", APP_ORIGIN), { headers: { "User-Agent": BROWSER_UA } }),
    );
    const login = await app.handle(
      new Request(new URL("/auth/login", APP_ORIGIN), { headers: { "User-Agent": BROWSER_UA } }),
    );
    // A shop parameter that is no Shopify domain never reaches the policy.
    const forged = await app.handle(
      new Request(new URL("/auth/login?shop=evil.example.com", APP_ORIGIN), {
        headers: { "User-Agent": BROWSER_UA },
      }),
    );
    for (const response of [landing, login, forged]) {
      await response.text();
      expect(response.status).toBe(200);
      expect(frameAncestors(response)).toEqual(["'none'"]);
    }
  });
});

// ---------------------------------------------------------------------------------------
// Refusals. shopify-app-remix and Remix refuse each of these requests by throwing a plain
// error, which Remix answers with a 500 (and logs as a server fault); each is the caller's
// fault and must be a 4xx.

describe("refusals are 4xx, never 500", () => {
  const adminRoutes = ROUTES.filter(
    (r) =>
      (r.hasLoader || r.hasAction) &&
      !(r.id in PUBLIC) &&
      !isSigned(r) &&
      !EXTENSION_ROUTES.has(r.id),
  );
  const hostOf = (who: Who) =>
    Buffer.from(`admin.shopify.com/store/${stores[who]}`).toString("base64url");
  /** Pages as the admin loads them; resource routes and actions with a Bearer token. */
  function adminRequests(route: AppRoute, token: string, host = hostOf("own")): Request[] {
    const out: Request[] = [];
    const page = () => {
      const url = urlOf(route, "own");
      url.searchParams.set("shop", domainOf(stores.own));
      url.searchParams.set("host", host);
      return url;
    };
    const bearer = { "User-Agent": BROWSER_UA, Authorization: `Bearer ${token}` };
    if (route.hasLoader && route.document) {
      const url = page();
      url.searchParams.set("embedded", "1");
      url.searchParams.set("id_token", token);
      out.push(new Request(url, { headers: { "User-Agent": BROWSER_UA } }));
    } else if (route.hasLoader) {
      out.push(new Request(page(), { headers: bearer }));
    }
    if (route.hasAction) {
      const url = page();
      if (app.build.routes[route.id]?.index) url.searchParams.set("index", "");
      out.push(
        new Request(url, { method: "POST", headers: bearer, body: formsOf(route, "own")[0] }),
      );
    }
    return out;
  }

  it("refuses a validly signed session token whose dest is no shop's URL with 401", async () => {
    const exchangesBefore = app.exchanges.length;
    // Another host, a bare word, the bare domain an extension's token carries, none at all.
    const dests = ["https://evil.example.com", "not a shop", domainOf(stores.own), ""];
    let sent = 0;
    for (const route of adminRoutes) {
      for (const dest of dests) {
        const token = await adminToken(stores.own, { overrides: { dest } });
        for (const request of adminRequests(route, token)) {
          const answer = await send(request);
          expect(answer.status, `dest ${JSON.stringify(dest)}: ${answer.request}`).toBe(401);
          expect(leaks(answer, "own")).toEqual([]);
          sent++;
        }
      }
    }
    expect(sent).toBeGreaterThanOrEqual(adminRoutes.length * dests.length);
    // Refused before Shopify is asked to exchange it.
    expect(app.exchanges.length).toBe(exchangesBefore);
  });

  it("refuses a host parameter that decodes to no host name with 400", async () => {
    // base64 of "a b", "[::1" and "hello world": base64 the library decodes, then fails on.
    const hosts = ["YSBi", "Wzo6MQ==", "aGVsbG8gd29ybGQ"];
    for (const route of adminRoutes) {
      for (const host of hosts) {
        const token = await adminToken(stores.own);
        for (const request of adminRequests(route, token, host)) {
          const answer = await send(request);
          expect(answer.status, `host ${host}: ${answer.request}`).toBe(400);
          expect(answer.body).not.toContain(host);
          expect(leaks(answer, "own")).toEqual([]);
        }
      }
    }
    // The public routes pass it on (the landing page into /app) or ignore it.
    for (const path of ["/", "/auth/login", "/auth/session-token"]) {
      const url = new URL(path, APP_ORIGIN);
      url.searchParams.set("shop", domainOf(stores.own));
      url.searchParams.set("host", hosts[0]!);
      const answer = await send(new Request(url, { headers: { "User-Agent": BROWSER_UA } }));
      expect(answer.status, path).toBeLessThan(500);
    }
  });

  it("refuses a cross-origin form POST without a token with 403, and lets same-origin ones through", async () => {
    const before = await shopState(seeded.own.domain);
    const crossSite = {
      "User-Agent": BROWSER_UA,
      Host: new URL(APP_ORIGIN).host,
      Origin: "https://evil.example.com",
      "Content-Type": "application/x-www-form-urlencoded",
    };
    const posted = ROUTES.filter((r) => r.hasAction);
    expect(posted.length).toBeGreaterThanOrEqual(5);
    for (const route of posted) {
      const url = urlOf(route, "own");
      url.searchParams.set("shop", domainOf(stores.own));
      url.searchParams.set("host", hostOf("own"));
      if (app.build.routes[route.id]?.index) url.searchParams.set("index", "");
      const urls = route.document
        ? [url, new URL(`${url.pathname}.data${url.search}`, url)]
        : [url];
      for (const target of urls) {
        const body = new URLSearchParams({ intent: "spend-add", shop: domainOf(stores.own) });
        const answer = await send(
          new Request(target, { method: "POST", headers: crossSite, body }),
        );
        const context = `${answer.request} → ${answer.status}`;
        // Pages: refused as cross-site. Resource routes (webhooks, extension endpoints)
        // are called cross-origin by design and refuse the missing token or HMAC themselves.
        if (route.document) expect(answer.status, context).toBe(403);
        else expect([400, 401, 405, 415], context).toContain(answer.status);
      }
    }
    expect(await shopState(seeded.own.domain)).toBe(before);

    // The login form, posted by the browser from the app's own origin.
    const login = await send(
      new Request(new URL("/auth/login", APP_ORIGIN), {
        method: "POST",
        headers: { ...crossSite, Origin: APP_ORIGIN },
        body: new URLSearchParams({ shop: stores.own }),
      }),
    );
    expect(login.status).toBe(302);
    // A same-origin action with the session token still does its work.
    const save = await send(
      new Request(new URL(`/app/settings?shop=${domainOf(stores.own)}`, APP_ORIGIN), {
        method: "POST",
        headers: {
          ...crossSite,
          Origin: APP_ORIGIN,
          Authorization: `Bearer ${await adminToken(stores.own)}`,
        },
        body: new URLSearchParams({
          intent: "spend-add",
          month: "2025-04",
          channel: "same-origin",
          amount: "100",
        }),
      }),
    );
    expect(save.status).toBe(200);
    expect(
      await prisma.marketingSpend.count({
        where: { shopId: seeded.own.shopId, channel: "same-origin" },
      }),
    ).toBe(1);
  });

  it("refuses a login post that is no form, or whose shop is a file, with 400", async () => {
    const json = await send(
      new Request(new URL("/auth/login", APP_ORIGIN), {
        method: "POST",
        headers: { "User-Agent": BROWSER_UA, "Content-Type": "application/json" },
        body: JSON.stringify({ shop: stores.own }),
      }),
    );
    const form = new FormData();
    form.set("shop", new Blob([domainOf(stores.own)]), "shop.txt");
    const file = await send(
      new Request(new URL("/auth/login", APP_ORIGIN), {
        method: "POST",
        headers: { "User-Agent": BROWSER_UA },
        body: form,
      }),
    );
    for (const answer of [json, file]) {
      expect(answer.status).toBe(400);
      expect(answer.body).toContain("Please enter a valid shop domain");
    }
  });

  it("refuses an exit-iframe redirect to an untrusted destination with 400", async () => {
    const exit = (destination: string) => {
      const url = new URL("/auth/exit-iframe", APP_ORIGIN);
      url.searchParams.set("shop", domainOf(stores.own));
      url.searchParams.set("host", hostOf("own"));
      url.searchParams.set("exitIframe", destination);
      return send(new Request(url, { headers: { "User-Agent": BROWSER_UA } }));
    };
    const untrusted = [
      "https://evil.example.com/",
      "//evil.example.com/",
      "javascript:alert(1)",
      `https://${domainOf(stores.own)}/`, // the storefront, not its admin
      "https://admin.shopify.com.evil.example/",
      "https://admin.shopify.com:8443/",
      "",
    ];
    for (const destination of untrusted) {
      const answer = await exit(destination);
      expect(answer.status, destination).toBe(400);
      expect(answer.body).not.toContain("window.open");
    }
    for (const destination of ["/app", `https://admin.shopify.com/store/${stores.own}/apps`]) {
      const answer = await exit(destination);
      expect(answer.status, destination).toBe(200);
      expect(answer.body).toContain("window.open");
    }
  });
});
