// The HTTP front: routes redirected Shopify hosts (x-fake-shopify-host header, or a
// /_host/<host>/ path prefix for direct use) to shop APIs, OAuth, storage and the
// test control API under /__fake/.
import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { TokenRegistry } from "./auth/oauth";
import { gcsError, RESULTS_HOST, UPLOADS_HOST, type FileStorage } from "./bulk/storage";
import type { FaultInjector, RequestFault } from "./faults";
import { executeGraphql, parseRequestBody, throttledBody } from "./graphql/executor";
import { ADMIN_API_VERSION } from "./graphql/schema";
import type { FakeShop, WorldClock } from "./shop";
import { parseJson, stringifyJson } from "./util/json";
import { writeFile } from "node:fs/promises";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";

export const HOST_HEADER = "x-fake-shopify-host";
const MAX_BODY = 120 * 1024 * 1024;

export interface RequestLogEntry {
  at: string;
  method: string;
  host: string;
  path: string;
  status: number;
  ms: number;
  fault: string | null;
  cost: number | null;
}

export type ControlHandler = (
  method: string,
  path: string[],
  query: URLSearchParams,
  body: unknown,
  res: ServerResponse,
) => Promise<boolean>;

export interface ServerDeps {
  shops: Map<string, FakeShop>;
  tokens: TokenRegistry;
  storage: FileStorage;
  faults: FaultInjector;
  clock: WorldClock;
  control: ControlHandler;
}

export class RequestLog {
  readonly entries: RequestLogEntry[] = [];
  private readonly limit: number;

  constructor(limit = 20_000) {
    this.limit = limit;
  }

  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = stringifyJson(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error("request body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function parseForm(body: string, contentType: string): Record<string, string> {
  if (contentType.includes("application/json")) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (typeof parsed !== "object" || parsed === null) return {};
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(body));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class FakeShopifyServer {
  readonly server: Server;
  readonly log = new RequestLog();
  private readonly deps: ServerDeps;
  private readonly sockets = new Set<Socket>();
  private readonly holds = new Set<NodeJS.Timeout>();

  constructor(deps: ServerDeps) {
    this.deps = deps;
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (!res.headersSent)
          sendJson(res, 500, { errors: `fake-shopify internal error: ${message}` });
        else res.destroy();
      });
    });
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  listen(port: number, host: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        const address = this.server.address();
        if (address === null || typeof address === "string") return reject(new Error("no address"));
        resolve(`http://${host}:${address.port}`);
      });
    });
  }

  close(): Promise<void> {
    for (const hold of this.holds) clearTimeout(hold);
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? "/", "http://fake-shopify.local");
    let host =
      typeof req.headers[HOST_HEADER] === "string"
        ? String(req.headers[HOST_HEADER]).toLowerCase()
        : null;
    let path = url.pathname;
    const direct = /^\/_host\/([^/]+)(\/.*)?$/.exec(path);
    if (!host && direct) {
      host = (direct[1] ?? "").toLowerCase();
      path = direct[2] ?? "/";
    }
    const method = req.method ?? "GET";
    const entry: RequestLogEntry = {
      at: new Date().toISOString(),
      method,
      host: host ?? "",
      path,
      status: 0,
      ms: 0,
      fault: null,
      cost: null,
    };
    res.on("finish", () => {
      entry.status = res.statusCode;
      entry.ms = Math.round(performance.now() - started);
      if (!path.startsWith("/__fake")) this.log.add(entry);
    });

    if (!host) {
      if (path.startsWith("/__fake")) {
        const body = method === "GET" ? null : await readBody(req);
        let parsed: unknown = null;
        if (body && body.length > 0) {
          try {
            parsed = parseJson(body.toString("utf8"));
          } catch {
            return sendJson(res, 400, { error: "control API bodies are JSON" });
          }
        }
        const segments = path.split("/").filter(Boolean).slice(1).map(decodeURIComponent);
        if (await this.deps.control(method, segments, url.searchParams, parsed, res)) return;
        return sendJson(res, 404, { error: `no control route ${method} ${path}` });
      }
      if (this.deps.shops.size === 1 && path.startsWith("/admin/"))
        host = [...this.deps.shops.keys()][0] ?? null;
    }
    if (host === RESULTS_HOST)
      return this.download(req, res, new URL(`https://${RESULTS_HOST}${path}${url.search}`), entry);
    if (host === UPLOADS_HOST) return this.upload(req, res);
    const shop = host ? this.deps.shops.get(host) : undefined;
    if (!shop) return sendJson(res, 404, { errors: "Not Found" });
    return this.shopRoute(shop, req, res, path, url, entry);
  }

  private async shopRoute(
    shop: FakeShop,
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    url: URL,
    entry: RequestLogEntry,
  ): Promise<void> {
    const method = req.method ?? "GET";
    if (path === "/admin/oauth/access_token" && method === "POST") {
      const body = (await readBody(req)).toString("utf8");
      const result = this.deps.tokens.exchange(
        shop.domain,
        parseForm(body, String(req.headers["content-type"] ?? "")),
      );
      return sendJson(res, result.status, result.body);
    }
    if (path === "/admin/oauth/authorize" && method === "GET") {
      const result = this.deps.tokens.authorize(shop.domain, url.searchParams);
      if ("location" in result) {
        res.writeHead(302, { location: result.location });
        res.end();
        return;
      }
      return sendJson(res, result.status, result.body);
    }
    const api = /^\/admin\/api\/(\d{4}-\d{2}|unstable)\/(.+)$/.exec(path);
    if (!api) return sendJson(res, 404, { errors: "Not Found" });
    const resource = api[2] ?? "";
    const token =
      typeof req.headers["x-shopify-access-token"] === "string"
        ? req.headers["x-shopify-access-token"]
        : null;
    const auth = shop.installed ? this.deps.tokens.check(token, shop.domain) : null;
    const body = await readBody(req);
    if (!auth) {
      return sendJson(res, 401, {
        errors: "[API] Invalid API key or access token (unrecognized login or wrong password)",
      });
    }
    const headers = { "x-request-id": randomUUID(), "x-shopify-api-version": ADMIN_API_VERSION };
    const fault = this.deps.faults.request(shop.domain);
    entry.fault = fault.kind === "none" ? null : fault.kind;
    if (await this.applyFault(fault, res, headers, shop)) return;

    if (resource === "graphql.json" && method === "POST") {
      // Catch up with the world clock first, so reads include what happened since.
      shop.catchUp();
      const parsed = parseRequestBody(
        body.toString("utf8"),
        String(req.headers["content-type"] ?? ""),
      );
      if (!parsed)
        return sendJson(
          res,
          400,
          { errors: { query: "Required parameter missing or invalid" } },
          headers,
        );
      const result = await executeGraphql(parsed, {
        ctx: shop.context(new Set(auth.scopes), true),
        bucket: shop.graphqlBucket,
        forceThrottle: fault.kind === "throttled",
      });
      const cost = (result.body as { extensions?: { cost?: { actualQueryCost?: number | null } } })
        .extensions?.cost;
      entry.cost = cost?.actualQueryCost ?? null;
      return sendJson(res, result.status, result.body, headers);
    }
    return this.rest(shop, res, resource, method, headers);
  }

  /** Applies an injected fault; true when the response was handled (or withheld). */
  private async applyFault(
    fault: RequestFault,
    res: ServerResponse,
    headers: Record<string, string>,
    shop: FakeShop,
  ): Promise<boolean> {
    switch (fault.kind) {
      case "none":
      case "throttled":
        return false;
      case "slow":
        await sleep(fault.ms);
        return false;
      case "http5xx":
        sendJson(
          res,
          fault.status,
          { errors: fault.status === 503 ? "Service Unavailable" : "Internal Server Error" },
          headers,
        );
        return true;
      case "http429":
        sendJson(
          res,
          429,
          {
            errors:
              "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.",
          },
          {
            ...headers,
            "retry-after": "1.0",
          },
        );
        return true;
      case "timeout": {
        // Hold the request open, then drop the connection without an answer.
        const hold = setTimeout(() => {
          this.holds.delete(hold);
          res.socket?.destroy();
        }, fault.holdMs);
        this.holds.add(hold);
        void shop;
        return true;
      }
    }
  }

  private rest(
    shop: FakeShop,
    res: ServerResponse,
    resource: string,
    method: string,
    headers: Record<string, string>,
  ): void {
    const bucket = shop.restBucket;
    if (!bucket.tryCharge(1)) {
      const status = bucket.status();
      return sendJson(
        res,
        429,
        {
          errors:
            "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.",
        },
        {
          ...headers,
          "retry-after": bucket.secondsUntil(1).toFixed(1),
          "x-shopify-shop-api-call-limit": `${status.maximumAvailable}/${status.maximumAvailable}`,
        },
      );
    }
    const status = bucket.status();
    const limitHeaders = {
      ...headers,
      "x-shopify-shop-api-call-limit": `${status.maximumAvailable - status.currentlyAvailable}/${status.maximumAvailable}`,
    };
    if (method !== "GET") return sendJson(res, 404, { errors: "Not Found" }, limitHeaders);
    shop.catchUp();
    const store = shop.store;
    if (resource === "shop.json")
      return sendJson(res, 200, { shop: shop.payloads.shop() }, limitHeaders);
    if (resource === "orders/count.json")
      return sendJson(res, 200, { count: store.counts().orders }, limitHeaders);
    if (resource === "customers/count.json")
      return sendJson(res, 200, { count: store.counts().customers }, limitHeaders);
    const order = /^orders\/(\d+)\.json$/.exec(resource);
    if (order) {
      const serial = store.serialOfOrderId(BigInt(order[1]!));
      if (serial < 0 || !store.isOrderVisible(serial))
        return sendJson(res, 404, { errors: "Not Found" }, limitHeaders);
      return sendJson(res, 200, { order: shop.payloads.order(serial, store.upTo) }, limitHeaders);
    }
    const customer = /^customers\/(\d+)\.json$/.exec(resource);
    if (customer) {
      const slot = store.slotOfCustomerId(BigInt(customer[1]!));
      const state = slot >= 0 && store.isCustomerVisible(slot) ? store.customerState(slot) : null;
      if (!state) return sendJson(res, 404, { errors: "Not Found" }, limitHeaders);
      return sendJson(res, 200, { customer: shop.payloads.customer(state) }, limitHeaders);
    }
    return sendJson(res, 404, { errors: "Not Found" }, limitHeaders);
  }

  private async download(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    entry: RequestLogEntry,
  ): Promise<void> {
    const check = this.deps.storage.checkResultUrl(url, this.deps.clock.nowSec());
    const xml = (status: number, code: string, message: string) => {
      res.writeHead(status, { "content-type": "application/xml; charset=UTF-8" });
      res.end(gcsError(code, message));
    };
    if (!check.ok) return xml(check.status, check.code, check.message);
    const size = await this.deps.storage.size(check.key);
    if (size === null) return xml(404, "NoSuchKey", "The specified key does not exist.");
    let start = 0;
    let end = size - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ""));
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size) {
        res.writeHead(416, { "content-range": `bytes */${size}` });
        res.end();
        return;
      }
    }
    const length = Math.max(0, end - start + 1);
    const cut = this.deps.faults.download();
    if (cut) entry.fault = "downloadCut";
    res.writeHead(range ? 206 : 200, {
      "content-type": "application/jsonl",
      "content-length": String(length),
      "accept-ranges": "bytes",
      ...(range ? { "content-range": `bytes ${start}-${end}/${size}` } : {}),
    });
    if (length === 0) return void res.end();
    const stream = createReadStream(this.deps.storage.pathOf(check.key), {
      start,
      end: cut ? start + Math.floor(length / 2) : end,
    });
    stream.pipe(res, { end: !cut });
    if (cut) stream.on("end", () => res.socket?.destroy());
  }

  private async upload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const xml = (status: number, code: string, message: string) => {
      res.writeHead(status, { "content-type": "application/xml; charset=UTF-8" });
      res.end(gcsError(code, message));
    };
    if (req.method !== "POST") return xml(405, "MethodNotAllowed", "Use a POST policy upload.");
    const body = await readBody(req);
    const form = await new Request("http://upload.local/", {
      method: "POST",
      headers: { "content-type": String(req.headers["content-type"] ?? "") },
      body: new Uint8Array(body),
    })
      .formData()
      .catch(() => null);
    if (!form) return xml(400, "InvalidArgument", "Expected multipart/form-data.");
    const fields = new Map<string, string>();
    let file: File | null = null;
    for (const [name, value] of form.entries()) {
      if (typeof value === "string") fields.set(name, value);
      else if (name === "file") file = value;
    }
    const check = this.deps.storage.checkUpload(fields, this.deps.clock.nowSec());
    if (!check.ok) return xml(check.status, check.code, check.message);
    if (!file) return xml(400, "InvalidArgument", "Missing file field.");
    if (file.size > 100 * 1024 * 1024)
      return xml(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.");
    const path = this.deps.storage.pathOf(check.key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, Buffer.from(await file.arrayBuffer()));
    const status = fields.get("success_action_status") === "201" ? 201 : 204;
    const bucket = "shopify-staged-uploads";
    const xmlBody = `<?xml version="1.0" encoding="UTF-8"?><PostResponse><Location>https://${UPLOADS_HOST}/${check.key}</Location><Bucket>${bucket}</Bucket><Key>${check.key}</Key><ETag>"${randomUUID().replace(/-/g, "")}"</ETag></PostResponse>`;
    res.writeHead(status, { "content-type": "application/xml; charset=UTF-8" });
    res.end(status === 201 ? xmlBody : undefined);
  }
}

export { throttledBody };
