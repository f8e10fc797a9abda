/**
 * `npm start`: the production HTTP server, the Remix build behind a small express app.
 *
 * Not remix-serve (docs/decisions/0008-http-server.md): its access log writes every URL with
 * its query string, and Shopify admin puts the merchant's session token (id_token) in the
 * URL of every embedded page load; and webhooks, which Shopify wants answered within 5 s
 * and which come in bursts, should not pass through compression and static-file lookups.
 * SIGTERM/SIGINT: no new connections, requests in flight answered (those still running at
 * the deadline get a 503 Shopify retries), exit within SHUTDOWN_TIMEOUT_MS
 * (app/shutdown.server.ts).
 */
import "./load-env.server"; // first: .env before anything reads the environment
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  createReadableStreamFromReadable,
  installGlobals,
  writeReadableStreamToWritable,
  type ServerBuild,
} from "@remix-run/node";
import compression from "compression";
import express, { type NextFunction, type Request as ExpressRequest } from "express";
import type { Response as ExpressResponse } from "express";
import { env } from "./env.server";
import { createAppRequestHandler, securityHeaders } from "./http.server";
import { logger } from "./logger.server";
import { installShutdown, startedByHarness, within } from "./shutdown.server";

const buildPath = resolve(process.argv[2] ?? "build/server/index.js");
const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;
installGlobals({ nativeFetch: build.future.v3_singleFetch });
const handleRequest = createAppRequestHandler(build, "production");
const log = logger.child({ component: "http" });

function fetchHeaders(headers: IncomingHttpHeaders): Headers {
  const result = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) result.append(name, item);
  }
  return result;
}

/** The Fetch API request Remix expects; aborted when the client goes away mid-answer. */
function fetchRequest(req: ExpressRequest, res: ExpressResponse): Request {
  const url = new URL(req.originalUrl, `${req.protocol}://${req.get("host") ?? "localhost"}`);
  let controller: AbortController | null = new AbortController();
  res.on("finish", () => (controller = null));
  res.on("close", () => controller?.abort());
  const init: RequestInit & { duplex?: "half" } = {
    method: req.method,
    headers: fetchHeaders(req.headers),
    signal: controller.signal,
  };
  if (req.method !== "GET" && req.method !== "HEAD") {
    init.body = createReadableStreamFromReadable(req);
    init.duplex = "half";
  }
  return new Request(url, init);
}

async function sendResponse(res: ExpressResponse, response: Response): Promise<void> {
  res.statusMessage = response.statusText;
  res.status(response.status);
  for (const [name, value] of response.headers) {
    // A header the response names itself replaces the server-wide one (securityHeaders).
    if (name !== "set-cookie") res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  if (!response.body) {
    res.end();
    return;
  }
  // Streamed answers (deferred data) must not wait in compression's buffer.
  if (response.headers.get("content-type")?.startsWith("text/event-stream")) res.flushHeaders();
  await writeReadableStreamToWritable(response.body, res);
}

async function remix(req: ExpressRequest, res: ExpressResponse, next: NextFunction) {
  try {
    let request: Request;
    try {
      request = fetchRequest(req, res);
    } catch {
      res.status(400).end(); // a Host header no URL can be built from
      return;
    }
    await sendResponse(res, await handleRequest(request));
  } catch (error) {
    next(error);
  }
}

/**
 * What the build's entry module offers: to close its Redis and database connections, and
 * the webhook intake for Node's requests (app/webhook-intake.server.ts).
 */
const entry = build.entry.module as {
  closeConnections?: () => Promise<void>;
  receiveNodeWebhook?: (request: IncomingMessage) => Promise<number>;
};
/** The webhook paths the build has routes for (its webhooks.* routes). */
const webhookPaths = new Set(
  Object.values(build.routes).flatMap((route) =>
    route.path?.startsWith("webhooks/") ? [`/${route.path}`] : [],
  ),
);

/**
 * A registered webhook path goes straight to the intake, not through Remix: matching the
 * request against every route and building a Fetch API request cost more CPU than the
 * intake's own work, and under a burst the web process's one core is what bounds the acks
 * (docs/decisions/0077-webhook-fast-path.md). Any other path under /webhooks/ goes to Remix
 * (404). The intake's answers have no body.
 */
async function webhook(req: ExpressRequest, res: ExpressResponse, next: NextFunction) {
  const receive = entry.receiveNodeWebhook;
  if (!receive || !webhookPaths.has(req.path)) return remix(req, res, next);
  try {
    res.status(await receive(req)).end();
  } catch (error) {
    next(error);
  }
}

const { PORT, HOST, NODE_ENV, SHUTDOWN_TIMEOUT_MS } = env();
const app = express();
app.disable("x-powered-by");
/** Requests not yet answered, for the shutdown. */
const inFlight = new Set<ExpressResponse>();
let stopping = false;
app.use((_req, res, next) => {
  inFlight.add(res);
  res.on("close", () => inFlight.delete(res));
  // A keep-alive client learns to go elsewhere for its next request.
  if (stopping) res.set("Connection", "close");
  next();
});
const headers = securityHeaders(NODE_ENV === "production");
app.use((_req, res, next) => {
  res.set(headers);
  next();
});
// Access log without query strings: they carry session tokens (id_token) and HMACs.
app.use((req, res, next) => {
  const started = process.hrtime.bigint();
  res.on("finish", () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const line = { method: req.method, path: req.path, status: res.statusCode, ms };
    if (res.statusCode >= 500) log.error(line, "request");
    else log.info(line, "request");
  });
  next();
});
// Webhooks first: no compression or static-file lookups on the way to their 200.
app.post("/webhooks/*path", webhook);
app.use(compression());
app.use(
  build.publicPath,
  express.static(build.assetsBuildDirectory, { immutable: true, maxAge: "1y" }),
);
app.use(express.static("public", { maxAge: "1h" }));
app.all("*path", remix);

const server = app.listen(PORT, HOST, () => {
  // A plain line on stdout, as remix-serve printed: tests and scripts wait for it.
  process.stdout.write(`[kizuna] http://${HOST}:${PORT}\n`);
});
server.on("error", (error) => {
  log.fatal({ err: error }, "server failed");
  process.exit(1);
});

const answered = () =>
  new Promise<void>((resolve) => {
    const check = () => (inFlight.size === 0 ? resolve() : setTimeout(check, 20));
    check();
  });

installShutdown({
  what: "app server",
  timeoutMs: SHUTDOWN_TIMEOUT_MS,
  log,
  withParent: startedByHarness(),
  async stop(deadline) {
    stopping = true;
    // No new connections; idle keep-alive ones are closed (Node closes them on close()).
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const reserve = Math.min(2_000, deadline.remaining() / 4);
    await deadline.step(
      "requests in flight",
      within(deadline.remaining() - reserve, answered(), 0),
    );
    if (inFlight.size > 0) {
      log.warn(
        { requests: inFlight.size },
        "requests still running at the deadline: refused (503)",
      );
      for (const res of inFlight) {
        if (res.headersSent) res.destroy();
        else res.status(503).set({ "Retry-After": "5", Connection: "close" }).end();
      }
    }
    server.closeAllConnections();
    await deadline.step("http server", within(500, closed, undefined));
    const share = Math.max(0, deadline.remaining() - 100);
    await deadline.step(
      "connections",
      within(share, entry.closeConnections?.() ?? Promise.resolve(), undefined),
    );
  },
});
