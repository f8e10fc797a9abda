/**
 * The extensions build with the project's esbuild into extensions/<name>/dist: one ESM
 * bundle per target module, with a default export (what Shopify's runtime calls), the
 * app's URL compiled in and no Node globals left, under Shopify's size limit.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  appUrlFrom,
  buildExtensions,
  EXTENSIONS_DIR,
  MAX_BUNDLE_BYTES,
} from "../../extensions/build.mjs";

describe("extensions/build.mjs", () => {
  it("bundles every extension to extensions/<name>/dist", async () => {
    const results = await buildExtensions();
    expect(results.map((r) => r.name)).toEqual(["customer-segment-block", "nps-survey"]);
    const files = results.flatMap((r) => r.bundles.map((b) => b.file));
    expect(files).toEqual([
      join(EXTENSIONS_DIR, "customer-segment-block", "dist", "CustomerSegmentBlock.js"),
      join(EXTENSIONS_DIR, "nps-survey", "dist", "ThankYou.js"),
      join(EXTENSIONS_DIR, "nps-survey", "dist", "OrderStatus.js"),
    ]);
    for (const bundle of results.flatMap((r) => r.bundles)) {
      expect(existsSync(bundle.file)).toBe(true);
      expect(bundle.bytes).toBeGreaterThan(1_000);
      expect(bundle.bytes).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
      const code = readFileSync(bundle.file, "utf8");
      expect(code).toMatch(/export\s*\{\s*\w+ as default\s*\}/);
      expect(code).toContain(process.env.SHOPIFY_APP_URL);
      expect(code).not.toMatch(/\bprocess\.env\b/);
      // Preact and the signals bridge are bundled in, not left as imports.
      expect(code).not.toMatch(/\bimport\s*[{"']/);
    }
  });

  it("names the packages to install when one is missing", async () => {
    const error = await buildExtensions({
      root: join(EXTENSIONS_DIR, "..", "test", "extensions", "fixtures"),
      outRoot: join(EXTENSIONS_DIR, "..", "test-results", "extensions-build"),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('Could not resolve "not-installed-package"');
    expect((error as Error).message).toContain("@shopify/ui-extensions");
  });

  it("fails without SHOPIFY_APP_URL, naming the variable", () => {
    const env = { ...process.env };
    delete env.SHOPIFY_APP_URL;
    delete env.APP_URL;
    const run = spawnSync(process.execPath, [join(EXTENSIONS_DIR, "build.mjs")], {
      env,
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("Set SHOPIFY_APP_URL (or APP_URL)");
    expect(run.stdout).toBe("");
  });

  it("refuses an app URL that is not http(s), naming the variable", () => {
    expect(() => appUrlFrom({ SHOPIFY_APP_URL: "kizuna.example.com" })).toThrow(
      'SHOPIFY_APP_URL must be an http(s) URL, got "kizuna.example.com"',
    );
    expect(() => appUrlFrom({ APP_URL: "ftp://kizuna.example.com" })).toThrow(
      "APP_URL must be an http(s) URL",
    );
    expect(appUrlFrom({ SHOPIFY_APP_URL: "https://kizuna.example.com/x?y" })).toBe(
      "https://kizuna.example.com",
    );
  });
});
