/**
 * Small HTTP helpers shared by the endpoints UI extensions call (app/routes/api.*).
 */
import { env } from "../env.server";

export interface ApiErrorBody {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

export function jsonResponse(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("Content-Type", "application/json; charset=utf-8");
  // Ids are bigints in the database; they leave as decimal strings.
  const text = JSON.stringify(body, (_key, value: unknown) =>
    typeof value === "bigint" ? value.toString() : value,
  );
  return new Response(text, { ...init, headers });
}

export function errorResponse(
  status: number,
  code: string,
  message: string,
  extra: Partial<ApiErrorBody["error"]> = {},
  headers?: HeadersInit,
): Response {
  return jsonResponse({ error: { code, message, ...extra } } satisfies ApiErrorBody, {
    status,
    headers,
  });
}

/**
 * The CORS headers shopify-app-remix's `cors` helper sets, for the responses it throws
 * itself before handing out that helper (401 on a bad session token): without them the
 * extension's fetch sees an opaque network error instead of the status.
 */
export function withCors(request: Request, response: Response): Response {
  const origin = request.headers.get("Origin");
  if (!origin || origin === env().SHOPIFY_APP_URL) return response;
  if (!response.headers.has("Access-Control-Allow-Origin")) {
    response.headers.set("Access-Control-Allow-Origin", "*");
    response.headers.set("Access-Control-Allow-Headers", "Authorization, Content-Type");
  }
  return response;
}

/**
 * The shop's myshopify domain from a session token's `dest`: admin ID tokens carry
 * "https://shop.myshopify.com", checkout and customer-account tokens the bare domain.
 */
export function shopDomainFromDest(dest: unknown): string | null {
  if (typeof dest !== "string" || dest === "") return null;
  try {
    const host = new URL(dest.includes("://") ? dest : `https://${dest}`).hostname;
    return host === "" ? null : host.toLowerCase();
  } catch {
    return null;
  }
}

/** Runs an authenticate.* call; a Response it throws (204 preflight, 401) is returned. */
export async function authenticated<T>(
  request: Request,
  authenticate: () => Promise<T>,
): Promise<{ ok: true; context: T } | { ok: false; response: Response }> {
  try {
    return { ok: true, context: await authenticate() };
  } catch (thrown) {
    if (thrown instanceof Response) return { ok: false, response: withCors(request, thrown) };
    throw thrown;
  }
}
