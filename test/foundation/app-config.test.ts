import { readdirSync, readFileSync } from "node:fs";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { API_VERSION } from "../../app/sync/api-version";
import { payloadFields, WEBHOOK_TOPICS } from "../../app/sync/webhook-processing.server";

interface Subscription {
  topics?: string[];
  compliance_topics?: string[];
  uri: string;
  include_fields?: string[];
}
interface AppToml {
  embedded: boolean;
  access_scopes: { scopes: string };
  webhooks: { api_version: string; subscriptions: Subscription[] };
}

const toml = parse(readFileSync("shopify.app.toml", "utf8")) as unknown as AppToml;
const routeFiles = readdirSync("app/routes");

/** The topic as the Shopify libraries and Kizuna's jobs name it: "orders/create" → "ORDERS_CREATE". */
const storageName = (topic: string) => topic.toUpperCase().replace(/[/.]/g, "_");
/** Topics the intake handles itself (a single small write), not the webhooks worker. */
const INTAKE_TOPICS = ["APP_UNINSTALLED", "APP_SCOPES_UPDATE"];

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
      // "customer.tags_added" → /webhooks/customer/tags_added (a dot would split the route
      // file name anyway: webhooks.customer.tags_added.tsx).
      expect(s.uri).toBe(`/webhooks/${topics[0]!.replaceAll(".", "/")}`);
    }
  });

  it("subscribes to exactly the topics Kizuna processes", () => {
    const subscribed = toml.webhooks.subscriptions
      .flatMap((s) => [...(s.topics ?? []), ...(s.compliance_topics ?? [])])
      .map(storageName);
    expect(subscribed.filter((t) => !INTAKE_TOPICS.includes(t)).sort()).toEqual(
      [...WEBHOOK_TOPICS].sort(),
    );
  });

  it("asks for exactly the fields processing reads of the webhooks it trims", () => {
    // Their payloads carry names, emails and addresses: include_fields keeps them at Shopify.
    const personal = /^(orders|refunds|customers)\/|^customer\./;
    let trimmed = 0;
    for (const s of toml.webhooks.subscriptions) {
      for (const topic of s.topics ?? []) {
        if (!personal.test(topic) && s.include_fields === undefined) continue;
        const reads = payloadFields(storageName(topic));
        expect(reads.length, `${topic}: processing reads no field`).toBeGreaterThan(0);
        expect([...(s.include_fields ?? [])].sort(), topic).toEqual([...reads].sort());
        trimmed++;
      }
      // Compliance payloads are not trimmed: the intake keeps the customer's id only.
      if (s.compliance_topics) expect(s.include_fields).toBeUndefined();
    }
    // The 10 order, refund and customer topics, the 2 cost topics (their payloads are
    // only notifications: products/update would carry every variant) and the 3 collection
    // topics (notifications: the collection is read by id).
    expect(trimmed).toBe(15);
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

describe("shopify.web.toml", () => {
  const web = parse(readFileSync("shopify.web.toml", "utf8")) as {
    roles?: string[];
    webhooks_path?: string;
    commands?: { dev?: string };
  };
  const scripts = (
    JSON.parse(readFileSync("package.json", "utf8")) as {
      scripts: Record<string, string>;
    }
  ).scripts;

  it("makes `shopify app dev` start the app for pages and webhooks alike", () => {
    expect(web.roles?.sort()).toEqual(["backend", "frontend"]);
    // Every npm script the dev command runs exists.
    const used = [...(web.commands?.dev ?? "").matchAll(/npm run (?:-s )?([\w:-]+)/g)].map(
      (m) => m[1]!,
    );
    expect(used).toContain("dev");
    for (const name of used) expect(Object.keys(scripts)).toContain(name);
  });

  it("names a webhook path the app serves", () => {
    expect(routeFiles).toContain(routeFileFor(web.webhooks_path ?? ""));
  });
});
