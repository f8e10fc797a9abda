/**
 * The security headers of the production server (app/server.ts, as `npm start` runs it), on
 * every kind of response it gives: documents, the auth pages shopify-app-remix renders, a
 * static asset, a refusal and a webhook's answer. HSTS only under NODE_ENV=production.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuild, startServer, type AppServer } from "../e2e/harness";
import { E2E_BUILD_DIR } from "../e2e/paths";
import { adminToken, domainOf, storeName } from "../extensions/tokens";
import { BROWSER_UA } from "./app-build";

const ROOT = join(import.meta.dirname, "..", "..");
const store = storeName("sec-headers");
const host = Buffer.from(`admin.shopify.com/store/${store}`).toString("base64url");

let production: AppServer | undefined;
let development: AppServer | undefined;

beforeAll(async () => {
  await ensureBuild();
  [production, development] = await Promise.all([
    startServer(),
    startServer({ NODE_ENV: "development" }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([production?.stop(), development?.stop()]);
});

/** One request of each kind the server answers. */
async function responses(server: AppServer): Promise<Record<string, Response>> {
  const get = (path: string, init: RequestInit = {}) =>
    fetch(new URL(path, server.origin), {
      redirect: "manual",
      ...init,
      headers: { "User-Agent": BROWSER_UA, ...init.headers },
    });
  const asset = readdirSync(join(ROOT, E2E_BUILD_DIR, "client", "assets")).find((f) =>
    f.endsWith(".js"),
  );
  const shop = `shop=${domainOf(store)}&host=${host}`;
  const all = {
    landing: await get("/"),
    login: await get("/auth/login"),
    // A page loaded as the admin frames it, with an expired token: off to the bounce page.
    page: await get(
      `/app?embedded=1&${shop}&id_token=${await adminToken(store, { expiresIn: -120 })}`,
    ),
    "bounce page": await get(`/auth/session-token?${shop}`),
    "refused exit-iframe": await get(`/auth/exit-iframe?${shop}&exitIframe=https://evil.example`),
    "cross-site post": await get("/app/settings", {
      method: "POST",
      headers: { Origin: "https://evil.example.com" },
      body: new URLSearchParams({ intent: "spend-add" }),
    }),
    webhook: await get("/webhooks/orders/create", { method: "POST", body: "{}" }),
    asset: await get(`/assets/${asset}`),
  };
  for (const response of Object.values(all)) await response.arrayBuffer();
  return all;
}

describe("security headers", () => {
  it("are on every response of the production server, with HSTS", async () => {
    const all = await responses(production!);
    expect(all["cross-site post"]!.status).toBe(403);
    expect(all["refused exit-iframe"]!.status).toBe(400);
    expect(all.asset!.status).toBe(200);
    expect(all.page!.headers.get("Location")).toContain("/auth/session-token");
    for (const [kind, response] of Object.entries(all)) {
      expect(response.headers.get("X-Content-Type-Options"), kind).toBe("nosniff");
      expect(response.headers.get("Referrer-Policy"), kind).toBe("strict-origin-when-cross-origin");
      expect(response.headers.get("Strict-Transport-Security"), kind).toBe("max-age=31536000");
      // Shopify admin frames the app: who may is the CSP's frame-ancestors, never XFO.
      expect(response.headers.get("X-Frame-Options"), kind).toBeNull();
    }
    // The documents keep shopify-app-remix's frame-ancestors (entry.server.tsx).
    expect(all["bounce page"]!.headers.get("Content-Security-Policy")).toContain(
      `frame-ancestors https://${domainOf(store)} https://admin.shopify.com`,
    );
    expect(all.login!.headers.get("Content-Security-Policy")).toBe("frame-ancestors 'none';");
  });

  it("leave HSTS out outside production (plain http in development)", async () => {
    const all = await responses(development!);
    for (const [kind, response] of Object.entries(all)) {
      expect(response.headers.get("X-Content-Type-Options"), kind).toBe("nosniff");
      expect(response.headers.get("Referrer-Policy"), kind).toBe("strict-origin-when-cross-origin");
      expect(response.headers.get("Strict-Transport-Security"), kind).toBeNull();
    }
  });
});
