// Token exchange, refresh and session tokens, driven by @shopify/shopify-api's own code
// through the fetch redirect (the library believes it talks to https://{shop}).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installFetchRedirect, startFakeShopify, type FakeShopify } from "./index";
import type { FetchRedirect } from "./redirect";

// The adapter captures globalThis.fetch when imported, so the redirect goes in first and
// the library is imported dynamically afterwards (register.mjs does the same for processes).
const redirect: FetchRedirect = installFetchRedirect();
const { shopifyApi, ApiVersion, RequestedTokenType, HttpResponseError, LogSeverity } =
  await import("@shopify/shopify-api");
await import("@shopify/shopify-api/adapters/node");

let fake: FakeShopify;
const domain = "auth-test.myshopify.com";

function api() {
  return shopifyApi({
    apiKey: fake.apiKey,
    apiSecretKey: fake.apiSecret,
    apiVersion: ApiVersion.October26,
    hostName: "kizuna.example.com",
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error },
  });
}

beforeAll(async () => {
  fake = await startFakeShopify({ shops: [{ domain, customers: 50, seed: 11 }] });
  redirect.setTarget(fake.url);
}, 60_000);

afterAll(async () => {
  redirect.setTarget(null);
  await fake.close();
});

describe("token exchange", () => {
  it("issues an expiring offline token with a refresh token, and the token works", async () => {
    const shopify = api();
    const sessionToken = fake.shop().sessionToken();
    const { session } = await shopify.auth.tokenExchange({
      shop: domain,
      sessionToken,
      requestedTokenType: RequestedTokenType.OfflineAccessToken,
      expiring: true,
    });
    expect(session.id).toBe(`offline_${domain}`);
    expect(session.accessToken).toMatch(/^shpat_/);
    expect(session.refreshToken).toMatch(/^shprt_/);
    expect(session.expires?.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    expect(session.refreshTokenExpires?.getTime()).toBeGreaterThan(Date.now() + 80 * 86_400_000);
    expect(session.scope).toBe(
      "read_orders,read_all_orders,read_customers,write_customers,read_products",
    );

    const client = new shopify.clients.Graphql({ session });
    const reply = await client.request(`#graphql
      query { shop { myshopifyDomain currencyCode } }`);
    expect(reply.data).toEqual({ shop: { myshopifyDomain: domain, currencyCode: "JPY" } });
    expect(reply.extensions).toMatchObject({ cost: { requestedQueryCost: 1, actualQueryCost: 1 } });

    // Refresh rotates both tokens; the old access token stops working.
    const refreshed = await shopify.auth.refreshToken({
      shop: domain,
      refreshToken: session.refreshToken ?? "",
    });
    expect(refreshed.session.accessToken).not.toBe(session.accessToken);
    expect(refreshed.session.refreshToken).not.toBe(session.refreshToken);
    await expect(
      new shopify.clients.Graphql({ session }).request("{ shop { id } }"),
    ).rejects.toThrow(/401|Unauthorized/);
    await expect(
      shopify.auth.refreshToken({ shop: domain, refreshToken: session.refreshToken ?? "" }),
    ).rejects.toBeInstanceOf(HttpResponseError);
  });

  it("issues non-expiring offline tokens and online tokens with the associated user", async () => {
    const shopify = api();
    const offline = await shopify.auth.tokenExchange({
      shop: domain,
      sessionToken: fake.shop().sessionToken(),
      requestedTokenType: RequestedTokenType.OfflineAccessToken,
    });
    expect(offline.session.expires).toBeUndefined();
    expect(offline.session.refreshToken).toBeUndefined();

    const online = await shopify.auth.tokenExchange({
      shop: domain,
      sessionToken: fake.shop().sessionToken({ userId: 42 }),
      requestedTokenType: RequestedTokenType.OnlineAccessToken,
    });
    expect(online.session.isOnline).toBe(true);
    expect(online.session.onlineAccessInfo?.associated_user.id).toBe(42);

    // Migration to an expiring token revokes the old one.
    const migrated = await shopify.auth.migrateToExpiringToken({
      shop: domain,
      nonExpiringOfflineAccessToken: offline.session.accessToken ?? "",
    });
    expect(migrated.session.refreshToken).toMatch(/^shprt_/);
    expect(fake.tokens.check(offline.session.accessToken ?? null, domain)).toBeNull();
  });

  it("rejects session tokens signed with another secret or for another app", async () => {
    const shopify = api();
    const forged = fake.shop().sessionToken({ claims: { aud: "someone-else" } });
    // The library verifies the JWT itself first; a token with the wrong audience never leaves.
    await expect(
      shopify.auth.tokenExchange({
        shop: domain,
        sessionToken: forged,
        requestedTokenType: RequestedTokenType.OfflineAccessToken,
      }),
    ).rejects.toThrow(/API key/);

    const res = await fetch(`https://${domain}/admin/oauth/access_token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_id: fake.apiKey,
        client_secret: fake.apiSecret,
        grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token: fake.shop().sessionToken({ ttlSec: -120 }),
        subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
        requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_subject_token" });
  });

  it("mints session tokens @shopify/shopify-api decodes with Shopify's claims", async () => {
    const shopify = api();
    const payload = await shopify.session.decodeSessionToken(
      fake.shop().sessionToken({ userId: 7 }),
    );
    expect(payload).toMatchObject({
      iss: `https://${domain}/admin`,
      dest: `https://${domain}`,
      aud: fake.apiKey,
      sub: "7",
    });
    expect(payload.exp - payload.iat).toBe(60);
    expect(typeof payload.jti).toBe("string");
    expect(typeof payload.sid).toBe("string");
  });

  it("answers 401 for missing, unknown and expired access tokens", async () => {
    const endpoint = `https://${domain}/admin/api/2026-10/graphql.json`;
    const body = JSON.stringify({ query: "{ shop { id } }" });
    const missing = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({
      errors: "[API] Invalid API key or access token (unrecognized login or wrong password)",
    });
    const { accessToken } = fake.shop().accessToken({ expiring: true });
    fake.tokens.expire(accessToken);
    const expired = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", "x-shopify-access-token": accessToken },
      body,
    });
    expect(expired.status).toBe(401);
    expect(redirect.count).toBeGreaterThan(0);
  });
});
