/**
 * The extensions' shopify.extension.toml files: they parse, use the app's API version,
 * name the right targets with modules that exist, ask for the capabilities they need,
 * and every translation key exists in English and Japanese.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { API_VERSION } from "../../app/sync/api-version";
import { listExtensions } from "../../extensions/build.mjs";

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

describe("extension tomls", () => {
  it("has exactly the expected extensions", () => {
    expect(listExtensions()).toEqual(Object.keys(EXPECTED).sort());
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
