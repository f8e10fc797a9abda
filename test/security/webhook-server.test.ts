/**
 * The production server's door for webhooks (app/server.ts → receiveNodeWebhook, decision
 * 0077-webhook-fast-path): over real HTTP, a registered webhook path is answered by the
 * intake without Remix, with the same answers as the webhooks.* routes give
 * (test/security/webhooks.test.ts): genuine deliveries queued with the payload's fields,
 * forged, unsigned, non-JSON and oversized ones refused with nothing queued, an endless body
 * never read far past the limit, and a path with no webhook route left to Remix (404).
 */
import { createHmac, randomUUID } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeQueues, getQueue, type WebhookJob } from "../../app/jobs/queues.server";
import { MAX_WEBHOOK_BODY_BYTES } from "../../app/webhook-intake.server";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { ensureBuild, startServer, type AppServer } from "../e2e/harness";
import { E2E_BUILD_DIR } from "../e2e/paths";
import { API_SECRET, storeName } from "./app-build";

const shop = `${storeName("sec-hook-door")}.myshopify.com`;
let server: AppServer | undefined;
const queuedIds: string[] = [];

beforeAll(async () => {
  await ensureBuild();
  server = await startServer();
}, 120_000);

afterAll(async () => {
  await server?.stop();
  const queue = getQueue("webhooks");
  for (const id of queuedIds) await (await queue.getJob(`wh-${id}`))?.remove();
  await closeQueues();
});

const sign = (body: string | Buffer) =>
  createHmac("sha256", API_SECRET).update(body).digest("base64");

interface Delivery {
  path?: string;
  body?: string | Buffer;
  hmac?: string | null;
  contentType?: string;
  webhookId?: string;
}

/** Posts a delivery to the server; its status and the webhook id it carried. */
async function deliver(options: Delivery = {}): Promise<{ status: number; webhookId: string }> {
  // Written out: a number literal past 2^53 would already be rounded here.
  const body = options.body ?? '{"id":820982911946154508,"note":"x"}';
  const webhookId = options.webhookId ?? randomUUID();
  const headers: Record<string, string> = {
    "Content-Type": options.contentType ?? "application/json",
    "X-Shopify-Topic": "customers/update",
    "X-Shopify-Shop-Domain": shop,
    "X-Shopify-API-Version": "2026-10",
    "X-Shopify-Webhook-Id": webhookId,
    "X-Shopify-Event-Id": webhookId,
    "X-Shopify-Triggered-At": "2026-11-16T02:00:00.000Z",
  };
  const hmac = options.hmac === undefined ? sign(body) : options.hmac;
  if (hmac !== null) headers["X-Shopify-Hmac-Sha256"] = hmac;
  const response = await fetch(
    new URL(options.path ?? "/webhooks/customers/update", server!.origin),
    { method: "POST", headers, body: typeof body === "string" ? body : new Uint8Array(body) },
  );
  await response.arrayBuffer();
  queuedIds.push(webhookId);
  return { status: response.status, webhookId };
}

const queued = async (webhookId: string): Promise<WebhookJob | null> =>
  ((await getQueue("webhooks").getJob(`wh-${webhookId}`))?.data as WebhookJob) ?? null;

describe("the production server's webhook door", () => {
  it("is open for every webhook path the app subscribes to (shopify.app.toml)", async () => {
    const root = join(import.meta.dirname, "..", "..");
    const build = (await import(
      pathToFileURL(join(root, E2E_BUILD_DIR, "server", "index.js")).href
    )) as ServerBuild;
    // app/server.ts answers a path with the entry module's intake when a route has it.
    expect(typeof (build.entry.module as { receiveNodeWebhook?: unknown }).receiveNodeWebhook).toBe(
      "function",
    );
    const routed = new Set(Object.values(build.routes).map((route) => `/${route.path}`));
    const toml = readFileSync(join(root, "shopify.app.toml"), "utf8");
    const subscribed = [...toml.matchAll(/uri = "(\/webhooks\/[^"]+)"/g)].map((m) => m[1]);
    expect(subscribed.length).toBeGreaterThan(15);
    for (const uri of subscribed) expect(routed, uri).toContain(uri);
  });

  it("queues a genuine delivery with its 64-bit ids exact, as the routes do", async () => {
    const { status, webhookId } = await deliver();
    expect(status).toBe(200);
    const job = await queued(webhookId);
    expect(job).toMatchObject({
      shop,
      topic: "CUSTOMERS_UPDATE",
      webhookId,
      receivedAt: "2026-11-16T02:00:00.000Z",
    });
    // The id past 2^53 stays digits: never through a float.
    expect(JSON.stringify(job?.payload)).toContain("820982911946154508");
  });

  it("refuses forged, unsigned, non-JSON and wrongly typed deliveries, queuing nothing", async () => {
    const cases: [Delivery, number][] = [
      [{ hmac: sign("something else") }, 401],
      [{ hmac: null }, 400],
      [{ body: "not json", hmac: sign("not json") }, 400],
      [{ contentType: "text/plain" }, 415],
    ];
    for (const [delivery, expected] of cases) {
      const { status, webhookId } = await deliver(delivery);
      expect(status, JSON.stringify(delivery)).toBe(expected);
      expect(await queued(webhookId)).toBeNull();
    }
  });

  it(`takes a body of ${MAX_WEBHOOK_BODY_BYTES} bytes and refuses one byte more with 413`, async () => {
    const padded = (size: number) => {
      const head = '{"id":1,"pad":"';
      return head + " ".repeat(size - head.length - 2) + '"}';
    };
    const limit = await deliver({ body: padded(MAX_WEBHOOK_BODY_BYTES) });
    expect(limit.status).toBe(200);
    expect(await queued(limit.webhookId)).not.toBeNull();
    const over = await deliver({ body: padded(MAX_WEBHOOK_BODY_BYTES + 1) });
    expect(over.status).toBe(413);
    expect(await queued(over.webhookId)).toBeNull();
  });

  it("answers an endless body with 413 and cuts it off once it has dropped twice the limit", async () => {
    const webhookId = randomUUID();
    const url = new URL("/webhooks/customers/update", server!.origin);
    // Chunked, no Content-Length: the server can only stop reading.
    const request = http.request(url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "customers/update",
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-Hmac-Sha256": sign("{}"),
        "X-Shopify-Webhook-Id": webhookId,
        "X-Shopify-API-Version": "2026-10",
      },
    });
    queuedIds.push(webhookId);
    // The server closes the connection after its answer: writes still on the way fail.
    request.on("error", () => {});
    let answer: http.IncomingMessage | null = null;
    const answered = once(request, "response").then(([response]) => {
      answer = response as http.IncomingMessage;
    });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let written = 0;
    // Writes while the socket takes them; once the server stops reading, they back up.
    while (!answer && written < 20 * MAX_WEBHOOK_BODY_BYTES) {
      written += chunk.length;
      if (!request.write(chunk)) {
        await Promise.race([once(request, "drain"), answered]);
      }
    }
    await answered;
    const response = answer as unknown as http.IncomingMessage;
    expect(response.statusCode).toBe(413);
    response.resume();
    // The client goes on sending; the server drops up to twice the limit, then reads no more
    // and closes the connection after a grace (app/webhook-intake.server.ts, dropRest). The close
    // reaches the client as a reset (an 'error' on the request) or as a plain close, whichever
    // the two kernels make of it: either ends the sending, neither is a failure here.
    const socket = request.socket!;
    const closed = new Promise((resolve) => socket.once("close", resolve));
    while (!socket.destroyed && written < 20 * MAX_WEBHOOK_BODY_BYTES) {
      written += chunk.length;
      if (!request.write(chunk)) {
        await Promise.race([once(request, "drain").catch(() => {}), closed]);
      }
    }
    expect(socket.destroyed).toBe(true);
    // The server read the limit and dropped twice the limit; the rest is what the two
    // sockets' kernel buffers can hold on the way (their largest sizes on this machine).
    const largest = (file: string) => Number(readFileSync(file, "utf8").trim().split(/\s+/)[2]);
    const buffers = largest("/proc/sys/net/ipv4/tcp_rmem") + largest("/proc/sys/net/ipv4/tcp_wmem");
    expect(written).toBeLessThanOrEqual(3 * MAX_WEBHOOK_BODY_BYTES + buffers + 2 * chunk.length);
    expect(await queued(webhookId)).toBeNull();
  });

  it("leaves a path without a webhook route to Remix: 404, nothing queued", async () => {
    const { status, webhookId } = await deliver({ path: "/webhooks/customers/nothing" });
    expect(status).toBe(404);
    expect(await queued(webhookId)).toBeNull();
  });
});
