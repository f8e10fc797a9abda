/**
 * The extension endpoints behind Remix's own request handler: the flat-route file names
 * give the URLs the extensions call, and a CORS preflight (OPTIONS) reaches the loader,
 * which answers it, instead of Remix's 405 for methods it does not route.
 */
import { type ServerBuild, createRequestHandler } from "@remix-run/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prisma from "../../app/db.server";
import { closeSharedRateLimiters } from "../../app/extensions/rate-limit.server";
import * as customerMetricsRoute from "../../app/routes/api.customer-metrics.$id";
import * as npsRoute from "../../app/routes/api.nps";
import { domainOf, extensionToken, storeName } from "./tokens";

const ORIGIN = "https://extensions.shopifycdn.com";
const store = storeName("nps-remix");

/** Remix flat routes: "api.customer-metrics.$id" is /api/customer-metrics/:id. */
const pathOf = (file: string) => file.replaceAll(".", "/").replace(/\$(\w+)/g, ":$1");

type RouteModule = ServerBuild["routes"][string]["module"];
// Remix's type requires a default export; resource routes have none, which is how Remix
// tells them apart at run time (module.default == null).
const resourceRoute = (module: Omit<RouteModule, "default">) => module as RouteModule;

const routes: ServerBuild["routes"] = {
  root: { id: "root", path: "", module: resourceRoute({}) },
  "routes/api.nps": {
    id: "routes/api.nps",
    parentId: "root",
    path: pathOf("api.nps"),
    module: resourceRoute(npsRoute),
  },
  "routes/api.customer-metrics.$id": {
    id: "routes/api.customer-metrics.$id",
    parentId: "root",
    path: pathOf("api.customer-metrics.$id"),
    module: resourceRoute(customerMetricsRoute),
  },
};

const build: ServerBuild = {
  mode: "production",
  entry: { module: { default: () => new Response("document", { status: 500 }) } },
  routes,
  assets: { entry: { imports: [], module: "" }, routes: {}, url: "", version: "test" },
  publicPath: "/",
  assetsBuildDirectory: "build/client",
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: true,
  },
  isSpaMode: false,
};
const handle = createRequestHandler(build, "production");

beforeAll(async () => {
  await prisma.shop.create({ data: { domain: domainOf(store) } });
});

afterAll(async () => {
  await prisma.shop.deleteMany({ where: { domain: domainOf(store) } });
  closeSharedRateLimiters();
  await prisma.$disconnect();
});

describe("the extension endpoints in Remix", () => {
  it.each(["/api/nps", "/api/customer-metrics/123"])(
    "answers the preflight of %s",
    async (path) => {
      const response = await handle(
        new Request(`https://kizuna.test${path}`, {
          method: "OPTIONS",
          headers: {
            Origin: ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
          },
        }),
      );
      expect(response.status).toBe(204);
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
      expect(response.headers.get("Access-Control-Allow-Headers")).toContain("Authorization");
    },
  );

  it("stores an answer POSTed to /api/nps", async () => {
    const orderId = 9_400_000_001n;
    const response = await handle(
      new Request("https://kizuna.test/api/nps", {
        method: "POST",
        headers: {
          Origin: ORIGIN,
          Authorization: `Bearer ${await extensionToken(store)}`,
          "Content-Type": "application/json",
        },
        body: JSON.stringify({
          orderId: `gid://shopify/Order/${orderId}`,
          score: 10,
          source: "thank-you",
        }),
      }),
    );
    expect(response.status).toBe(201);
    expect(await prisma.npsResponse.count({ where: { orderId } })).toBe(1);
  });

  it("sends a bad token's 401 from authenticate.admin as is", async () => {
    const response = await handle(
      new Request("https://kizuna.test/api/customer-metrics/123", {
        headers: { Origin: ORIGIN, Authorization: "Bearer not.a.jwt" },
      }),
    );
    expect(response.status).toBe(401);
  });
});
