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
 * Two doors, one receiver: `receiveWebhook` takes a Fetch API Request (the webhooks.* routes,
 * as Remix's dev server serves them), `receiveNodeWebhook` Node's own request (app/server.ts
 * answers the registered webhook paths with it before Remix: routing a request through
 * Remix cost more CPU than the intake itself; decision 0077-webhook-fast-path). Both read
 * the same `Delivery` and answer the same statuses.
 *
 * It sits above app/sync and the shop lifecycle (it calls both), so neither imports it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
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

/** What the intake reads of a delivery, whichever door it came through. */
interface Delivery {
  readonly method: string;
  /** A request header by its lower-case name, or null. */
  header(name: string): string | null;
  /** The body, or 413 once it passes the limit (never buffered past it). */
  body(limit: number): Promise<Buffer | 413>;
}

/** The body, or a refusal once it passes the limit (never buffered past it). */
export async function boundedBody(request: Request, limit: number): Promise<Buffer | Response> {
  const body = await fetchBody(request, limit);
  return body === 413 ? refuse(413) : body;
}

async function fetchBody(request: Request, limit: number): Promise<Buffer | 413> {
  if (!(Number(request.headers.get("content-length") ?? 0) <= limit)) {
    await request.body?.cancel().catch(() => {});
    return 413;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body?.getReader();
  for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read()) {
    size += chunk.value.byteLength;
    if (size > limit) {
      await reader?.cancel().catch(() => {});
      return 413;
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Node's request body, or 413 once it passes the limit (declared or read). The rest of a
 * refused body is read and dropped, up to twice the limit, so that the client, still sending,
 * receives the 413 (a connection cut at once can reach it as a reset first); past that the
 * server reads no more and closes the connection after a grace (see dropRest).
 */
function nodeBody(request: IncomingMessage, limit: number): Promise<Buffer | 413> {
  if (!(Number(request.headers["content-length"] ?? 0) <= limit)) {
    dropRest(request, 2 * limit);
    return Promise.resolve(413);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      request.off("data", onData).off("end", onEnd).off("error", reject);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else {
        stop();
        dropRest(request, 2 * limit);
        resolve(413);
      }
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, size));
    };
    request.on("data", onData).on("end", onEnd).on("error", reject);
  });
}

/**
 * How long a connection that passed the drop bound stays open, unread, before it is closed:
 * a close with the client's data unread reaches the client as a reset, and a client still
 * writing then fails on its next write before it has read the 413 (seen in CI at 10 MB
 * dropped within 33 ms). Unread, the client's writes stop at TCP's window, so it reads the
 * answer meanwhile; the grace costs one idle socket, not reading.
 */
const CUT_GRACE_MS = 2_000;

/**
 * Reads and drops the rest of a refused body; past `most` bytes reads no more and closes the
 * connection after CUT_GRACE_MS.
 */
function dropRest(request: IncomingMessage, most: number): void {
  let dropped = 0;
  const onData = (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped <= most) return;
    // Both: a flowing request would start the socket reading again for its next chunk.
    request.off("data", onData).pause();
    request.socket.pause();
    setTimeout(() => request.socket.destroy(), CUT_GRACE_MS).unref();
  };
  request.on("data", onData);
  request.on("error", () => {}); // the close above, seen from the request
  request.resume();
}

export function signedBy(secret: string, body: Buffer, hmac: string): boolean {
  const expected = createHmac("sha256", secret).update(body).digest();
  const given = Buffer.from(hmac, "base64");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface VerifiedWebhook {
  shop: string;
  /** As the Shopify libraries name it: "orders/updated" → "ORDERS_UPDATED". */
  topic: string;
  webhookId: string;
  triggeredAt: string | null;
  payload: unknown;
}

const fetchDelivery = (request: Request): Delivery => ({
  method: request.method,
  header: (name) => request.headers.get(name),
  body: (limit) => fetchBody(request, limit),
});

const nodeDelivery = (request: IncomingMessage): Delivery => ({
  method: request.method ?? "",
  header(name) {
    const value = request.headers[name];
    return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
  },
  body: (limit) => nodeBody(request, limit),
});

/** The verified webhook, or the refusal to answer with (405, 415, 413, 400, 401). */
async function verifyDelivery(
  delivery: Delivery,
): Promise<VerifiedWebhook | 405 | 415 | 413 | 400 | 401> {
  if (delivery.method !== "POST") return 405;
  if (!JSON_TYPE.test(delivery.header("content-type") ?? "")) return 415;
  const body = await delivery.body(MAX_WEBHOOK_BODY_BYTES);
  if (body === 413) return body;
  const header = (name: string) => delivery.header(`x-shopify-${name}`);
  const hmac = header("hmac-sha256");
  if (!hmac) return 400;
  if (!signedBy(env().SHOPIFY_API_SECRET, body, hmac)) return 401;
  const [topic, shop, webhookId] = [header("topic"), header("shop-domain"), header("webhook-id")];
  if (!topic || !shop || !webhookId || !header("api-version")) return 400;
  let payload: unknown;
  try {
    // Ids past 2^53 (Shopify's samples have 18 digits) stay exact: digits, queued as text.
    payload = parseJsonExact(body.toString("utf8"));
  } catch {
    return 400;
  }
  return {
    shop,
    topic: topic.toUpperCase().replace(/[/.]/g, "_"),
    webhookId,
    triggeredAt: header("triggered-at"),
    payload,
  };
}

/** The webhooks.* routes' receiver (a Fetch API request). */
export async function receiveWebhook(request: Request): Promise<Response> {
  return new Response(null, { status: await receive(fetchDelivery(request)) });
}

/**
 * The production server's receiver (Node's request, no Fetch API request built): the status
 * to answer with, no body.
 */
export function receiveNodeWebhook(request: IncomingMessage): Promise<number> {
  return receive(nodeDelivery(request));
}

async function receive(delivery: Delivery): Promise<number> {
  const webhook = await verifyDelivery(delivery);
  if (typeof webhook === "number") return webhook;
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
  return 200;
}
