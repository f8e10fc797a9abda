/**
 * The post-purchase NPS survey's endpoint (extensions/nps-survey, route api.nps).
 *
 * The thank-you block authenticates with authenticate.public.checkout, the order-status
 * block with authenticate.public.customerAccount; both verify the same HS256 session
 * token. shopify-app-remix skips the audience (aud) check for extension tokens; it is
 * done here, so only tokens issued for Kizuna's client id pass.
 *
 * One answer per order: a second answer updates the row (upsert on shopId + orderId).
 * The answer is linked to the order's customer from the stored Order row, else from the
 * token's `sub` (present when the buyer is logged in). A logged-in buyer cannot write
 * or read the answer of an order that belongs to another customer.
 */
import { z } from "zod";
import type { Database } from "../db.server";
import { env } from "../env.server";
import { logger } from "../logger.server";
import { MAX_ID, parseJsonExact } from "../sync/ids";
import { authenticated, errorResponse, jsonResponse, shopDomainFromDest } from "./http.server";
import type { RateLimiter } from "./rate-limit.server";

export const NPS_SOURCES = ["thank-you", "order-status"] as const;
export type NpsSource = (typeof NPS_SOURCES)[number];

export const NPS_COMMENT_MAX = 1_000;
/** Writes allowed per order per window (a buyer changing their mind a few times). */
export const NPS_RATE_LIMIT = { limit: 5, windowSeconds: 3_600, name: "rate:nps" };
/** Far above any valid body (1,000 characters escaped as \uXXXX pairs is ~12 KB). */
const MAX_BODY_BYTES = 32 * 1024;

/** The thank-you page gives gid://shopify/Order/…, older versions …/OrderIdentity/…. */
const ORDER_GID = /^gid:\/\/shopify\/(?:Order|OrderIdentity)\/(\d{1,19})$/;
const CUSTOMER_GID = /^gid:\/\/shopify\/Customer\/(\d{1,19})$/;

const orderIdSchema = z
  .string({ error: "must be an order id like gid://shopify/Order/123" })
  .regex(ORDER_GID, "must be an order id like gid://shopify/Order/123")
  .transform((gid) => BigInt(ORDER_GID.exec(gid)![1]!))
  .refine((id) => id > 0n && id <= MAX_ID, "is out of range");

// C0 controls other than tab, line feed and carriage return (PostgreSQL rejects NUL).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

const commentSchema = z
  .string({ error: "must be text" })
  .refine(
    (text) => [...text].length <= NPS_COMMENT_MAX,
    `must be at most ${NPS_COMMENT_MAX} characters`,
  )
  .transform((text) => text.replace(CONTROL_CHARS, "").trim())
  .nullish()
  .transform((text) => (text ? text : null));

export const npsAnswerSchema = z.strictObject({
  orderId: orderIdSchema,
  score: z
    .number({ error: "must be an integer from 0 to 10" })
    .int("must be an integer from 0 to 10")
    .min(0, "must be an integer from 0 to 10")
    .max(10, "must be an integer from 0 to 10"),
  comment: commentSchema,
  source: z.enum(NPS_SOURCES, { error: `must be one of ${NPS_SOURCES.join(", ")}` }),
});
export type NpsAnswer = z.output<typeof npsAnswerSchema>;

const npsQuerySchema = z.strictObject({
  orderId: orderIdSchema,
  source: z.enum(NPS_SOURCES, { error: `must be one of ${NPS_SOURCES.join(", ")}` }),
});

/** What the route hands in: the app's services, replaceable in tests. */
export interface NpsDeps {
  db: Database;
  limiter: RateLimiter;
  /** The two authenticate.public helpers of shopify.server.ts. */
  authenticate: {
    checkout: ExtensionAuthenticate;
    customerAccount: ExtensionAuthenticate;
  };
}

type ExtensionAuthenticate = (request: Request) => Promise<{
  sessionToken: { dest: string; aud: string; sub?: string };
  cors: (response: Response) => Response;
}>;

interface Caller {
  shopId: number;
  shopDomain: string;
  /** From the token's `sub`, when the buyer is logged in. */
  customerId: bigint | null;
  cors: (response: Response) => Response;
}

function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
  }));
}

function invalid(caller: Caller, error: z.ZodError): Response {
  const issues = issuesOf(error);
  const message = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
  return caller.cors(errorResponse(400, "invalid_request", message, { issues }));
}

function sourceOf(value: unknown): NpsSource {
  return value === "order-status" ? "order-status" : "thank-you";
}

/**
 * Verifies the session token with the surface's helper, then its audience and shop.
 * Returns a Response (204 preflight, 401) when the request goes no further.
 */
async function authenticateCaller(
  deps: NpsDeps,
  request: Request,
  source: NpsSource,
): Promise<Caller | Response> {
  const surface =
    source === "order-status" ? deps.authenticate.customerAccount : deps.authenticate.checkout;
  const result = await authenticated(request, () => surface(request));
  if (!result.ok) return result.response;
  const { sessionToken, cors } = result.context;
  const unauthorized = (message: string) => cors(errorResponse(401, "unauthorized", message));
  if (sessionToken.aud !== env().SHOPIFY_API_KEY) {
    return unauthorized("The session token was not issued for this app");
  }
  const shopDomain = shopDomainFromDest(sessionToken.dest);
  const shop = shopDomain
    ? await deps.db.shop.findUnique({
        where: { domain: shopDomain },
        select: { id: true, status: true },
      })
    : null;
  if (!shopDomain || !shop || shop.status !== "installed") {
    return unauthorized("The session token's shop does not have Kizuna installed");
  }
  const sub = typeof sessionToken.sub === "string" ? CUSTOMER_GID.exec(sessionToken.sub) : null;
  return { shopId: shop.id, shopDomain, customerId: sub ? BigInt(sub[1]!) : null, cors };
}

/** The endpoint: OPTIONS (preflight), GET (the caller's own answer), POST (answer). */
export async function handleNpsRequest(deps: NpsDeps, request: Request): Promise<Response> {
  switch (request.method) {
    case "OPTIONS": {
      // The helper answers the preflight itself by throwing a 204 with the CORS headers.
      const result = await authenticated(request, () => deps.authenticate.checkout(request));
      return result.ok ? result.context.cors(new Response(null, { status: 204 })) : result.response;
    }
    case "GET":
      return readAnswer(deps, request);
    case "POST":
      return writeAnswer(deps, request);
    default: {
      const allow = { Allow: "GET, POST, OPTIONS" };
      return errorResponse(405, "method_not_allowed", "Use GET or POST", {}, allow);
    }
  }
}

async function readAnswer(deps: NpsDeps, request: Request): Promise<Response> {
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const caller = await authenticateCaller(deps, request, sourceOf(params.source));
  if (caller instanceof Response) return caller;
  const query = npsQuerySchema.safeParse(params);
  if (!query.success) return invalid(caller, query.error);
  const row = await deps.db.npsResponse.findUnique({
    where: { shopId_orderId: { shopId: caller.shopId, orderId: query.data.orderId } },
  });
  // Only a logged-in buyer gets their own answer back; order ids are guessable.
  const own = row && caller.customerId !== null && row.customerId === caller.customerId;
  return caller.cors(
    jsonResponse({
      answer: own
        ? { score: row.score, comment: row.comment, updatedAt: row.updatedAt.toISOString() }
        : null,
    }),
  );
}

type JsonBody = { ok: true; value: unknown } | { ok: false; tooLarge: boolean };

/** Reads at most MAX_BODY_BYTES, whatever Content-Length says, and parses it. */
async function readJsonBody(request: Request): Promise<JsonBody> {
  if (Number(request.headers.get("Content-Length") ?? 0) > MAX_BODY_BYTES) {
    return { ok: false, tooLarge: true };
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      size += chunk.value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        return { ok: false, tooLarge: true };
      }
      chunks.push(chunk.value);
    }
  }
  try {
    return { ok: true, value: parseJsonExact(Buffer.concat(chunks).toString("utf8")) };
  } catch {
    return { ok: false, tooLarge: false };
  }
}

async function writeAnswer(deps: NpsDeps, request: Request): Promise<Response> {
  const body = await readJsonBody(request);
  const declared =
    body.ok && typeof body.value === "object" && body.value !== null
      ? (body.value as Record<string, unknown>).source
      : undefined;
  // Authenticate before judging the body: an unauthenticated caller learns nothing.
  const caller = await authenticateCaller(deps, request, sourceOf(declared));
  if (caller instanceof Response) return caller;
  if (!body.ok) {
    const response = body.tooLarge
      ? errorResponse(413, "too_large", `The body must be under ${MAX_BODY_BYTES} bytes`)
      : errorResponse(400, "invalid_json", "The body must be a JSON object");
    return caller.cors(response);
  }
  const parsed = npsAnswerSchema.safeParse(body.value);
  if (!parsed.success) return invalid(caller, parsed.error);
  return caller.cors(await storeAnswer(deps, caller, parsed.data));
}

async function storeAnswer(deps: NpsDeps, caller: Caller, answer: NpsAnswer): Promise<Response> {
  const { db } = deps;
  const key = { shopId: caller.shopId, orderId: answer.orderId };
  const [order, existing] = await Promise.all([
    db.order.findUnique({
      where: { shopId_id: { shopId: caller.shopId, id: answer.orderId } },
      select: { customerId: true, deleted: true },
    }),
    db.npsResponse.findUnique({ where: { shopId_orderId: key }, select: { customerId: true } }),
  ]);
  if (order?.deleted) return errorResponse(404, "order_not_found", "The order no longer exists");
  const owner = order?.customerId ?? existing?.customerId ?? null;
  if (caller.customerId !== null && owner !== null && owner !== caller.customerId) {
    return errorResponse(403, "forbidden", "The order belongs to another customer");
  }

  const limit = await deps.limiter.hit(`${caller.shopDomain}:${answer.orderId}`);
  if (!limit.allowed) {
    return errorResponse(
      429,
      "rate_limited",
      `Too many answers for this order; try again in ${limit.retryAfterSeconds} s`,
      {},
      { "Retry-After": String(limit.retryAfterSeconds) },
    );
  }

  // The synced order's customer wins; the token's stands in until the order arrives.
  const customerId = order?.customerId ?? caller.customerId ?? existing?.customerId ?? null;
  const data = { score: answer.score, comment: answer.comment, source: answer.source, customerId };
  const upsert = () =>
    db.npsResponse.upsert({
      where: { shopId_orderId: key },
      create: { ...key, ...data },
      update: data,
    });
  const row = await upsert().catch((error: unknown) => {
    // Two first answers racing: the loser's insert hits the unique key; update instead.
    if ((error as { code?: unknown }).code !== "P2002") throw error;
    return upsert();
  });
  const created = existing === null;
  logger.info(
    { shop: caller.shopDomain, orderId: String(answer.orderId), source: answer.source, created },
    "nps answer stored",
  );
  return jsonResponse(
    {
      ok: true,
      created,
      answer: {
        orderId: `gid://shopify/Order/${row.orderId}`,
        score: row.score,
        comment: row.comment,
        source: row.source,
        updatedAt: row.updatedAt.toISOString(),
      },
    },
    { status: created ? 201 : 200 },
  );
}
