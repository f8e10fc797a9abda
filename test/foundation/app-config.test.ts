import { readdirSync, readFileSync } from "node:fs";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { API_VERSION } from "../../app/sync/api-version";

interface Subscription {
  topics?: string[];
  compliance_topics?: string[];
  uri: string;
}
interface AppToml {
  embedded: boolean;
  access_scopes: { scopes: string };
  webhooks: { api_version: string; subscriptions: Subscription[] };
}

const toml = parse(readFileSync("shopify.app.toml", "utf8")) as unknown as AppToml;
const routeFiles = readdirSync("app/routes");

/** Remix flat routes: "/webhooks/orders/create" is app/routes/webhooks.orders.create.tsx. */
function routeFileFor(uri: string): string {
  return `${uri.replace(/^\//, "").replaceAll("/", ".")}.tsx`;
}
function uriOf(routeFile: string): string {
  return `/${routeFile.replace(/\.tsx?$/, "").replaceAll(".", "/")}`;
}

describe("shopify.app.toml and the routes stay in step", () => {
  it("has a route for every declared webhook uri", () => {
    for (const { uri } of toml.webhooks.subscriptions) {
      expect(routeFiles, `no route file for ${uri}`).toContain(routeFileFor(uri));
    }
  });

  it("declares every webhook route", () => {
    const declared = new Set(toml.webhooks.subscriptions.map((s) => s.uri));
    const webhookRoutes = routeFiles.filter((f) => f.startsWith("webhooks."));
    expect(webhookRoutes.length).toBeGreaterThan(0);
    for (const file of webhookRoutes) {
      expect(declared.has(uriOf(file)), `${file} is not declared in shopify.app.toml`).toBe(true);
    }
  });

  it("names each uri after its one topic", () => {
    for (const s of toml.webhooks.subscriptions) {
      const topics = [...(s.topics ?? []), ...(s.compliance_topics ?? [])];
      expect(topics).toHaveLength(1);
      expect(s.uri).toBe(`/webhooks/${topics[0]}`);
    }
  });

  it("declares the compliance topics an App Store app must handle", () => {
    const compliance = toml.webhooks.subscriptions.flatMap((s) => s.compliance_topics ?? []);
    expect(compliance.sort()).toEqual([
      "customers/data_request",
      "customers/redact",
      "shop/redact",
    ]);
  });

  it("uses the code's API version for webhooks", () => {
    expect(readFileSync("app/shopify.server.ts", "utf8")).toContain("apiVersion: API_VERSION,");
    expect(API_VERSION).toBe("2026-10");
    expect(toml.webhooks.api_version).toBe(API_VERSION);
  });

  it("asks for the scopes the code asks for", () => {
    const env = readFileSync("app/env.server.ts", "utf8");
    const defaultScopes = /\.default\("(read_orders[^"]*)"\)/.exec(env)?.[1];
    expect(toml.access_scopes.scopes).toBe(defaultScopes);
    expect(toml.embedded).toBe(true);
  });
});
