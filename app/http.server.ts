/**
 * What the production server (app/server.ts) adds around the Remix build: a 403 for the
 * cross-site actions Remix itself refuses with a 500, and the security headers of every
 * response. The security tests run the build through the same handler.
 */
import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import { matchRoutes } from "@remix-run/react";

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * On every response of the production server.
 * - nosniff: a response is only ever what its Content-Type says (no script from a CSV export).
 * - Referrer-Policy strict-origin-when-cross-origin: the admin opens the app with the session
 *   token, shop and host in the query; another origin (Shopify's CDN, a link out) learns the
 *   app's origin at most, never that URL. Same-origin requests keep their Referer and
 *   their Origin header: `no-referrer` would turn the Origin of the app's own form posts into
 *   "null", and Remix refuses an action whose Origin is not its Host. It is what current
 *   browsers default to, stated so an older default cannot leak the token.
 * - HSTS in production only (a development server speaks plain http): a year, without
 *   includeSubDomains, since the app's host says nothing of its domain's other hosts.
 * No X-Frame-Options: Shopify admin frames the app, and the frame-ancestors of the
 * Content-Security-Policy (shopify-app-remix's addDocumentResponseHeaders, entry.server.tsx)
 * already names who may.
 */
export function securityHeaders(production: boolean): Record<string, string> {
  return {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    ...(production ? { "Strict-Transport-Security": "max-age=31536000" } : {}),
  };
}

/** Remix's own test (server-runtime's throwIfPotentialCSRFAttack): Origin names another host. */
function crossOrigin(headers: Headers): boolean {
  const origin = headers.get("origin");
  if (origin === null) return false;
  let originHost = origin;
  if (origin !== "null") {
    if (!URL.canParse(origin)) return true; // Remix would fail to parse it: a 500 as well
    originHost = new URL(origin).host;
  }
  const forwarded = headers.get("x-forwarded-host")?.split(",")[0]?.trim();
  const host = forwarded || headers.get("host");
  return !host || originHost !== host;
}

type RouteTree = Parameters<typeof matchRoutes>[0];

/** The build's flat route manifest as the nested routes react-router matches. */
function routeTree(build: ServerBuild, parentId?: string): RouteTree {
  return Object.values(build.routes)
    .filter((route) => route.parentId === parentId)
    .map((route) => ({
      id: route.id,
      path: route.path,
      index: route.index,
      caseSensitive: route.caseSensitive,
      ...(route.index ? {} : { children: routeTree(build, route.id) }),
    })) as RouteTree;
}

/**
 * Remix refuses a cross-origin POST/PUT/PATCH/DELETE to a page (a document or single-fetch
 * `.data` request) by throwing a plain Error, which it answers with 500. Resource routes are
 * not refused: the extension endpoints are called cross-origin, with a session token.
 */
export function crossSiteActionRefusal(build: ServerBuild): (request: Request) => boolean {
  const tree = routeTree(build);
  return (request) => {
    if (!UNSAFE_METHODS.has(request.method) || !crossOrigin(request.headers)) return false;
    const url = new URL(request.url);
    if (url.searchParams.has("_data")) return false; // Remix's legacy data requests: no check
    if (build.future.v3_singleFetch && url.pathname.endsWith(".data")) return true;
    const matches = matchRoutes(tree, url.pathname, build.basename);
    const deepest = matches?.at(-1)?.route.id;
    const module = deepest ? build.routes[deepest]?.module : undefined;
    const resource = module != null && module.default == null && module.ErrorBoundary == null;
    return !resource;
  };
}

/** The build's request handler, with cross-site actions answered 403 rather than 500. */
export function createAppRequestHandler(
  build: ServerBuild,
  mode: string = "production",
): (request: Request) => Promise<Response> {
  const handle = createRequestHandler(build, mode);
  const refused = crossSiteActionRefusal(build);
  return async (request) => {
    if (refused(request)) {
      return new Response("Cross-site request refused", {
        status: 403,
        headers: { "Content-Type": "text/plain; charset=utf-8" },
      });
    }
    return handle(request);
  };
}
