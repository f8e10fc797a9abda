/**
 * The extensions' shopify.extension.toml files: they parse, use the app's API version,
 * name the right targets with modules that exist, ask for the capabilities they need,
 * and every translation key exists in English and Japanese. The Shopify Flow trigger
 * follows Flow's trigger reference and its fields are the keys the app sends.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { API_VERSION } from "../../app/sync/api-version";
import { FLOW_FIELDS, FLOW_TRIGGER_HANDLE } from "../../app/sync/flow-trigger.server";
import { listExtensions, listUiExtensions } from "../../extensions/build.mjs";

interface ExtensionToml {
  api_version: string;
  extensions: {
    name: string;
    description?: string;
    handle: string;
    type: string;
    targeting: { target: string; module: string }[];
    capabilities?: { network_access?: boolean; api_access?: boolean };
  }[];
}

const root = "extensions";
const read = (name: string) =>
  parse(
    readFileSync(join(root, name, "shopify.extension.toml"), "utf8"),
  ) as unknown as ExtensionToml;
const locale = (name: string, file: string) =>
  JSON.parse(readFileSync(join(root, name, "locales", file), "utf8")) as Record<string, unknown>;

/** "a.b.c" paths of every string in a locale file. */
function keysOf(value: unknown, prefix = ""): string[] {
  if (typeof value === "string") return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, v]) =>
    keysOf(v, prefix ? `${prefix}.${key}` : key),
  );
}

const EXPECTED: Record<string, { targets: string[]; networkAccess: boolean }> = {
  "nps-survey": {
    targets: ["purchase.thank-you.block.render", "customer-account.order-status.block.render"],
    networkAccess: true,
  },
  "customer-segment-block": {
    targets: ["admin.customer-details.block.render"],
    networkAccess: false,
  },
};

const LIFECYCLE = "rfm-segment-lifecycle";

interface FlowTriggerToml {
  api_version?: string;
  extensions: { name: string; type: string; handle: string; description?: string }[];
  settings: { fields: { type: string; key?: string; description?: string }[] };
}

describe("extension tomls", () => {
  it("has exactly the expected extensions", () => {
    expect(listExtensions()).toEqual(
      [...Object.keys(EXPECTED), FLOW_TRIGGER_HANDLE, LIFECYCLE].sort(),
    );
    expect(listUiExtensions()).toEqual(Object.keys(EXPECTED).sort());
  });

  // https://shopify.dev/docs/apps/build/flow/triggers/reference: type flow_trigger; handle at
  // most 30 characters, alphanumerics and hyphens; [[settings.fields]] with one reference
  // field per resource (customer_reference → payload key customer_id) and custom fields
  // whose `key` is the payload's key.
  describe("the Shopify Flow trigger", () => {
    const toml = parse(
      readFileSync(join(root, FLOW_TRIGGER_HANDLE, "shopify.extension.toml"), "utf8"),
    ) as unknown as FlowTriggerToml;
    const [extension] = toml.extensions;

    it("is one flow_trigger whose handle is the folder and the app's constant", () => {
      expect(toml.extensions).toHaveLength(1);
      expect(extension).toMatchObject({
        type: "flow_trigger",
        handle: FLOW_TRIGGER_HANDLE,
        name: "Customer's RFM segment changed",
      });
      expect(FLOW_TRIGGER_HANDLE).toMatch(/^[A-Za-z0-9-]{1,30}$/);
      expect(extension!.description?.length ?? 0).toBeGreaterThan(0);
    });

    it("references the customer and declares exactly the fields the app sends", () => {
      const fields = toml.settings.fields;
      expect(fields.filter((f) => f.type === "customer_reference")).toHaveLength(1);
      expect(fields[0]).toEqual({ type: "customer_reference" });
      const custom = fields.filter((f) => !f.type.endsWith("_reference"));
      expect(custom.map((f) => f.key).sort()).toEqual(Object.values(FLOW_FIELDS).sort());
      const typeOf = new Map(custom.map((f) => [f.key, f.type]));
      expect(typeOf.get(FLOW_FIELDS.previousSegment)).toBe("single_line_text_field");
      expect(typeOf.get(FLOW_FIELDS.newSegment)).toBe("single_line_text_field");
      expect(typeOf.get(FLOW_FIELDS.pAlive)).toBe("number_decimal");
      expect(typeOf.get(FLOW_FIELDS.predictedLtv)).toBe("number_decimal");
      expect(typeOf.get(FLOW_FIELDS.currency)).toBe("single_line_text_field");
      for (const field of custom) expect(field.description, field.key).toBeTruthy();
    });

    // Shopify CLI refuses to deploy a flow_trigger whose custom field key has anything but
    // letters and spaces (FlowTriggerSettingsSchema, /^[a-zA-Z\s]*$/, in Shopify/cli
    // packages/app/src/cli/models/extensions/specifications/flow_trigger.ts).
    it("has keys Shopify CLI deploys: letters and spaces only", () => {
      for (const field of toml.settings.fields.filter((f) => f.key !== undefined)) {
        expect(field.key, field.key).toMatch(/^[a-zA-Z\s]*$/);
      }
      for (const key of Object.values(FLOW_FIELDS)) expect(key).toMatch(/^[a-zA-Z\s]+$/);
    });
  });

  // https://shopify.dev/docs/apps/build/flow/track-lifecycle-events: Flow posts to the URL
  // when a workflow using the app's trigger is enabled or disabled. The module type is Shopify
  // CLI's `flow_trigger_lifecycle_callback` (name, handle, url: Shopify/cli
  // packages/app/src/cli/models/extensions/specifications/flow_trigger_lifecycle_callback.ts).
  it("the lifecycle callback points at the app's route", () => {
    const toml = parse(readFileSync(join(root, LIFECYCLE, "shopify.extension.toml"), "utf8")) as {
      extensions: { name: string; type: string; handle: string; url: string }[];
    };
    const app = parse(readFileSync("shopify.app.toml", "utf8")) as { application_url: string };
    const [extension] = toml.extensions;
    expect(extension).toMatchObject({ type: "flow_trigger_lifecycle_callback", handle: LIFECYCLE });
    expect(extension!.name.length).toBeGreaterThan(0);
    const url = new URL(extension!.url);
    expect(url.protocol).toBe("https:");
    expect(url.origin).toBe(new URL(app.application_url).origin);
    const route = `app/routes/${url.pathname.slice(1).replaceAll("/", ".")}.tsx`;
    expect(existsSync(route), route).toBe(true);
  });

  describe.each(Object.entries(EXPECTED))("%s", (name, expected) => {
    const toml = read(name);
    const [extension] = toml.extensions;

    it("is one ui_extension on the app's API version, handle = folder", () => {
      expect(toml.api_version).toBe(API_VERSION);
      expect(API_VERSION).toBe("2026-10");
      expect(toml.extensions).toHaveLength(1);
      expect(extension).toMatchObject({ type: "ui_extension", handle: name });
    });

    it("renders on its targets with modules that exist", () => {
      expect(extension!.targeting.map((t) => t.target)).toEqual(expected.targets);
      for (const { module } of extension!.targeting) {
        expect(existsSync(join(root, name, module)), module).toBe(true);
      }
    });

    it("asks for the capabilities it needs", () => {
      expect(extension!.capabilities?.network_access ?? false).toBe(expected.networkAccess);
    });

    it("is translated: the toml's t: keys and the same keys in en and ja", () => {
      const en = locale(name, "en.default.json");
      const ja = locale(name, "ja.json");
      expect(keysOf(ja).sort()).toEqual(keysOf(en).sort());
      for (const value of [extension!.name, extension!.description]) {
        const key = value?.replace(/^t:/, "");
        expect(value).toMatch(/^t:/);
        expect(typeof en[key!]).toBe("string");
      }
    });

    it("uses only translation keys the locale files have", () => {
      const keys = new Set(keysOf(locale(name, "en.default.json")));
      const src = join(root, name, "src");
      for (const file of readdirSync(src).filter((f) => f.endsWith(".tsx"))) {
        const source = readFileSync(join(src, file), "utf8");
        // t("key") and keys chosen in code ("errors.failed"); `segments.${id}` by prefix.
        const literal = [
          ...source.matchAll(/\bt\("([\w.]+)"/g),
          ...source.matchAll(/"(errors\.\w+)"/g),
        ];
        for (const [, key] of literal) {
          expect(keys.has(key!), `${file}: ${key}`).toBe(true);
        }
        for (const [, prefix] of source.matchAll(/\bt\(`([\w.]+)\$\{/g)) {
          expect(
            [...keys].some((k) => k.startsWith(prefix!)),
            `${file}: ${prefix}`,
          ).toBe(true);
        }
      }
    });
  });
});
