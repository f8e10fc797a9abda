/**
 * The one receiver behind every webhooks.* route: verify, then either act at once
 * (lifecycle topics that are a single small write) or enqueue for the workers (job id =
 * the webhook id, durable in Redis before the 200), and answer in milliseconds.
 *
 * It checks what authenticate.webhook checks (POST, the HMAC of the raw body with the app
 * secret, Shopify's headers) but not through it: authenticate.webhook also loads, and
 * when expired refreshes, the shop's offline session on every delivery (a Prisma read,
 * sometimes a call to Shopify), which the intake never uses. Under a burst those reads
 * queued behind the workers' writes and acks took seconds; Shopify retries after 5 s.
 *
 * It sits above app/sync and the shop lifecycle (it calls both), so neither imports it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { env } from "./env.server";
import { enqueueWebhook } from "./jobs/webhooks.server";
import { onScopesUpdated, onShopUninstalled } from "./shop-lifecycle.server";
import { parseJsonExact } from "./sync/ids";
import { essentialPayload } from "./sync/webhook-processing.server";

/**
 * The largest webhook body the intake reads: a larger one is refused with 413, a declared
 * larger Content-Length unread, and a body without one is never buffered past the limit.
 * Far above any real payload (an order with hundreds of line items is well under 1 MB), far
 * below what would hurt a web process.
 */
export const MAX_WEBHOOK_BODY_BYTES = 5 * 1024 * 1024;

const refuse = (status: number) => new Response(null, { status });
const JSON_TYPE = /^application\/json\s*(;|$)/i;

/** The body, or a refusal once it passes the limit (never buffered past it). */
export async function boundedBody(request: Request, limit: number): Promise<Buffer | Response> {
  if (!(Number(request.headers.get("content-length") ?? 0) <= limit)) {
    await request.body?.cancel().catch(() => {});
    return refuse(413);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body?.getReader();
  for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read()) {
    size += chunk.value.byteLength;
    if (size > limit) {
      await reader?.cancel().catch(() => {});
      return refuse(413);
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks, size);
}

export function signedBy(secret: string, body: Buffer, hmac: string): boolean {
  const expected = createHmac("sha256", secret).update(body).digest();
  const given = Buffer.from(hmac, "base64");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface VerifiedWebhook {
  shop: string;
  /** As the Shopify libraries name it: "orders/updated" → "ORDERS_UPDATED". */
  topic: string;
  webhookId: string;
  triggeredAt: string | null;
  payload: unknown;
}

/** The verified webhook, or the refusal to answer with (405, 415, 413, 400, 401). */
export async function verifyWebhook(
  request: Request,
  limit = MAX_WEBHOOK_BODY_BYTES,
): Promise<VerifiedWebhook | Response> {
  if (request.method !== "POST") return refuse(405);
  if (!JSON_TYPE.test(request.headers.get("content-type") ?? "")) return refuse(415);
  const body = await boundedBody(request, limit);
  if (body instanceof Response) return body;
  const header = (name: string) => request.headers.get(`x-shopify-${name}`);
  const hmac = header("hmac-sha256");
  if (!hmac) return refuse(400);
  if (!signedBy(env().SHOPIFY_API_SECRET, body, hmac)) return refuse(401);
  const [topic, shop, webhookId] = [header("topic"), header("shop-domain"), header("webhook-id")];
  if (!topic || !shop || !webhookId || !header("api-version")) return refuse(400);
  let payload: unknown;
  try {
    // Ids past 2^53 (Shopify's samples have 18 digits) stay exact: digits, queued as text.
    payload = parseJsonExact(body.toString("utf8"));
  } catch {
    return refuse(400);
  }
  return {
    shop,
    topic: topic.toUpperCase().replace(/[/.]/g, "_"),
    webhookId,
    triggeredAt: header("triggered-at"),
    payload,
  };
}

export async function receiveWebhook(request: Request): Promise<Response> {
  const webhook = await verifyWebhook(request);
  if (webhook instanceof Response) return webhook;
  const { shop, topic, webhookId, payload } = webhook;
  switch (topic) {
    case "APP_UNINSTALLED":
      await onShopUninstalled(shop);
      break;
    case "APP_SCOPES_UPDATE": {
      const current = (payload as { current?: unknown } | null)?.current;
      await onScopesUpdated(shop, Array.isArray(current) ? current.map(String) : []);
      break;
    }
    default:
      await enqueueWebhook({
        shop,
        topic,
        webhookId,
        receivedAt: webhook.triggeredAt ?? new Date().toISOString(),
        payload: essentialPayload(topic, payload),
      });
  }
  return new Response(null, { status: 200 });
}
