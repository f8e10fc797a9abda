/**
 * Bundles each UI extension in extensions/ the way the Shopify CLI does (esbuild, ESM,
 * Preact's automatic JSX runtime), one file per module its shopify.extension.toml
 * names: extensions/<name>/dist/<Module>.js. Lets CI check the extensions compile and
 * stay under Shopify's size limit without the CLI or a Partner account.
 *
 *   node extensions/build.mjs [name ...]
 *
 * The app's origin is compiled in as process.env.APP_URL (from APP_URL, else
 * SHOPIFY_APP_URL), as the Shopify CLI does. NODE_PATH is honoured like Node does, so
 * the packages can come from outside the project's node_modules.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { basename, delimiter, dirname, extname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { parse } from "smol-toml";

export const EXTENSIONS_DIR = dirname(fileURLToPath(import.meta.url));

/** Shopify's limit for a UI extension's compiled script. */
export const MAX_BUNDLE_BYTES = 64 * 1024;

/** What the extensions import; missing ones are named in the build error. */
export const EXTENSION_PACKAGES = ["preact", "@preact/signals", "@shopify/ui-extensions"];

/** Folders of extensions/ that hold a shopify.extension.toml, sorted. */
export function listExtensions(root = EXTENSIONS_DIR) {
  return readdirSync(root)
    .filter((name) => existsSync(join(root, name, "shopify.extension.toml")))
    .sort();
}

/**
 * The extensions with code to bundle (ui_extension). Configuration-only ones, such as a
 * Shopify Flow trigger (type flow_trigger), have nothing to build.
 */
export function listUiExtensions(root = EXTENSIONS_DIR) {
  return listExtensions(root).filter((name) => {
    const toml = parse(readFileSync(join(root, name, "shopify.extension.toml"), "utf8"));
    return (toml.extensions ?? []).some((e) => e.type === "ui_extension");
  });
}

/** The distinct modules the extension's targets name, relative to its folder. */
export function extensionModules(dir) {
  const toml = parse(readFileSync(join(dir, "shopify.extension.toml"), "utf8"));
  const modules = new Set();
  for (const extension of toml.extensions ?? []) {
    for (const targeting of extension.targeting ?? []) {
      if (typeof targeting.module === "string") modules.add(targeting.module);
    }
  }
  return [...modules];
}

/**
 * The app's origin the bundles call, from APP_URL or SHOPIFY_APP_URL (the Shopify CLI sets
 * the latter). Missing or not an http(s) URL: an error naming the variable.
 */
export function appUrlFrom(env) {
  const name = env.APP_URL ? "APP_URL" : "SHOPIFY_APP_URL";
  const value = env[name];
  const usage =
    "the extensions call the app at that URL, e.g. " +
    "SHOPIFY_APP_URL=https://kizuna.example.com npm run build:extensions";
  if (!value) throw new Error(`Set SHOPIFY_APP_URL (or APP_URL): ${usage}`);
  let url;
  try {
    url = new URL(value);
  } catch {
    url = null;
  }
  if (!url || !["https:", "http:"].includes(url.protocol)) {
    throw new Error(`${name} must be an http(s) URL, got "${value}": ${usage}`);
  }
  return url.origin;
}

/**
 * Builds the named extensions (all by default) and returns each bundle's size. Throws
 * when a module does not compile or a bundle is over MAX_BUNDLE_BYTES.
 */
export async function buildExtensions(options = {}) {
  const root = options.root ?? EXTENSIONS_DIR;
  const names = options.names ?? listUiExtensions(root);
  const appUrl = options.appUrl ?? appUrlFrom(process.env);
  const nodePaths = (process.env.NODE_PATH ?? "").split(delimiter).filter(Boolean);
  const results = [];
  for (const name of names) {
    const dir = join(root, name);
    const outdir = options.outRoot ? join(options.outRoot, name) : join(dir, "dist");
    rmSync(outdir, { recursive: true, force: true });
    const modules = extensionModules(dir);
    if (modules.length === 0) throw new Error(`${name}: no module in shopify.extension.toml`);
    try {
      await build({
        absWorkingDir: dir,
        entryPoints: modules,
        outdir,
        entryNames: "[name]",
        bundle: true,
        format: "esm",
        platform: "browser",
        target: "es2020",
        minify: true,
        // The extension's own tsconfig (Preact JSX), not the app's.
        tsconfig: existsSync(join(dir, "tsconfig.json")) ? join(dir, "tsconfig.json") : undefined,
        jsx: "automatic",
        jsxImportSource: "preact",
        legalComments: "none",
        define: {
          "process.env.APP_URL": JSON.stringify(appUrl),
          "process.env.NODE_ENV": JSON.stringify("production"),
        },
        nodePaths,
        logLevel: "silent",
      });
    } catch (error) {
      const text = (error.errors ?? [])
        .map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ""}${e.text}`)
        .join("\n");
      const unresolved = /Could not resolve "([^"]+)"/.test(text);
      const hint = unresolved
        ? `\nThe extensions need these packages installed: ${EXTENSION_PACKAGES.join(", ")}`
        : "";
      throw new Error(`${name}: build failed\n${text || error.message}${hint}`, { cause: error });
    }
    const bundles = modules.map((module) => {
      const file = join(outdir, `${basename(module, extname(module))}.js`);
      const bytes = statSync(file).size;
      const gzipBytes = gzipSync(readFileSync(file)).length;
      return { module, file, bytes, gzipBytes };
    });
    for (const bundle of bundles) {
      if (bundle.bytes > MAX_BUNDLE_BYTES) {
        throw new Error(
          `${name}: ${bundle.module} is ${bundle.bytes} bytes, over Shopify's ${MAX_BUNDLE_BYTES}`,
        );
      }
    }
    results.push({ name, outdir, bundles });
  }
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  try {
    const results = await buildExtensions(names.length > 0 ? { names } : {});
    for (const { name, bundles } of results) {
      for (const b of bundles) {
        const file = relative(process.cwd(), b.file);
        process.stdout.write(`${name}: ${file} ${b.bytes} bytes (${b.gzipBytes} gzipped)\n`);
      }
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
