/**
 * KIZUNA_APP_BRIDGE_URL: where the page loads App Bridge from instead of Shopify's CDN.
 * Tests and the demo only: offline, the CDN script is unreachable, so they serve a minimal
 * stand-in (test/e2e/app-bridge-stub.ts). Only a loopback http(s) URL is honoured, so a
 * stray value in production cannot make merchants' admin pages load a foreign script.
 */
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
let warned = false;

export function appBridgeOverride(
  value: string | undefined = process.env.KIZUNA_APP_BRIDGE_URL,
): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    if ((url.protocol === "http:" || url.protocol === "https:") && LOOPBACK.has(url.hostname)) {
      return url.toString();
    }
  } catch {
    // not a URL: ignored like any other unusable value
  }
  if (!warned)
    console.warn("KIZUNA_APP_BRIDGE_URL ignored: only a loopback http(s) URL is allowed");
  warned = true;
  return undefined;
}

/**
 * The test/demo admin that serves the App Bridge stand-in also frames the app: let it,
 * next to the Shopify admin origins shopify-app-remix's CSP frame-ancestors names. The
 * library's Link header preloads App Bridge from Shopify's CDN, as Shopify's app template
 * does; with the stand-in, preload the script the page really loads instead.
 */
export function allowStandInAdmin(headers: Headers): void {
  const override = appBridgeOverride();
  if (!override) return;
  if (headers.has("Link")) headers.set("Link", appBridgePreload(override));
  const csp = headers.get("Content-Security-Policy");
  if (!csp?.includes("frame-ancestors ")) return;
  const origin = new URL(override).origin;
  headers.set(
    "Content-Security-Policy",
    csp.replace("frame-ancestors ", `frame-ancestors ${origin} `),
  );
}

/** A Link header value preloading App Bridge from `url`. */
export function appBridgePreload(url: string): string {
  return `<${url}>; rel="preload"; as="script"`;
}
