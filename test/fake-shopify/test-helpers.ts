// Helpers shared by the fake's own tests: a raw Admin GraphQL client, a webhook receiver
// and a throttle-respecting pager. Not part of the fake's public API.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { FakeShopify } from "./index";

export interface GraphqlReply {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{
      message: string;
      extensions?: Record<string, unknown>;
      locations?: unknown;
      path?: unknown;
    }>;
    extensions?: {
      cost?: {
        requestedQueryCost: number;
        actualQueryCost: number | null;
        throttleStatus: {
          maximumAvailable: number;
          currentlyAvailable: number;
          restoreRate: number;
        };
      };
      search?: unknown;
    };
  };
}

/** POSTs to the shop's Admin GraphQL endpoint through the fake's direct /_host/ route. */
export async function adminGraphql(
  fake: FakeShopify,
  domain: string,
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphqlReply> {
  const res = await fetch(`${fake.url}/_host/${domain}/admin/api/2026-10/graphql.json`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { "x-shopify-access-token": token } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as GraphqlReply["body"] };
}

/** Retries THROTTLED answers after the time the bucket needs, like a well-behaved app. */
export async function throttledGraphql(
  fake: FakeShopify,
  domain: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphqlReply> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const reply = await adminGraphql(fake, domain, token, query, variables);
    const throttled = reply.body.errors?.some((e) => e.extensions?.code === "THROTTLED");
    if (!throttled) return reply;
    const cost = reply.body.extensions?.cost;
    const wait = cost
      ? ((cost.requestedQueryCost - cost.throttleStatus.currentlyAvailable) /
          cost.throttleStatus.restoreRate) *
        1000
      : 100;
    await new Promise((resolve) => setTimeout(resolve, Math.max(20, wait)));
  }
  throw new Error("still throttled after 200 attempts");
}

export interface ReceivedWebhook {
  topic: string;
  headers: Record<string, string>;
  rawBody: string;
  req: IncomingMessage;
  res: ServerResponse;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Decides the HTTP status per delivery (default 200). */
  status: (hook: ReceivedWebhook, index: number) => number;
  /** Lets a test inspect the request before the response is sent (e.g. validate HMAC). */
  onReceive: ((hook: ReceivedWebhook) => Promise<void>) | null;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = {
    url: "",
    received: [],
    status: () => 200,
    onReceive: null,
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      const hook: ReceivedWebhook = {
        topic: headers["x-shopify-topic"] ?? "",
        headers,
        rawBody: Buffer.concat(chunks).toString("utf8"),
        req,
        res,
      };
      const index = receiver.received.push(hook) - 1;
      void (async () => {
        if (receiver.onReceive) await receiver.onReceive(hook);
        if (!res.headersSent) {
          res.statusCode = receiver.status(hook, index);
          res.end();
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  receiver.url = `http://127.0.0.1:${address.port}`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}

export async function waitFor<T>(
  check: () => T | null | undefined | false,
  timeoutMs = 20_000,
  everyMs = 25,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error("waitFor timed out");
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
