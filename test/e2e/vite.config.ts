/**
 * The app's own Vite config with the build written to test-results/e2e-build, so the
 * browser tests never race a `npm run build` (or the demo) writing build/. Only the Remix
 * plugin is replaced; its options must match vite.config.ts.
 */
import { vitePlugin as remix } from "@remix-run/dev";
import { fileURLToPath } from "node:url";
import type { PluginOption, UserConfig } from "vite";
import base from "../../vite.config";
import { E2E_BUILD_DIR } from "./paths";

const root = fileURLToPath(new URL("../..", import.meta.url));

const isRemixPlugin = (p: PluginOption): boolean =>
  Array.isArray(p)
    ? p.some(isRemixPlugin)
    : typeof p === "object" && p !== null && "name" in p && String(p.name).startsWith("remix");

export default {
  ...base,
  root,
  plugins: [
    remix({
      ignoredRouteFiles: ["**/.*"],
      buildDirectory: E2E_BUILD_DIR,
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_lazyRouteDiscovery: true,
        v3_singleFetch: true,
        v3_routeConfig: false,
      },
    }),
    ...(base.plugins ?? []).filter((p) => !isRemixPlugin(p)),
  ],
} satisfies UserConfig;
