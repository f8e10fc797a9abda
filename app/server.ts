/**
 * `npm start`: the production HTTP server, the Remix build behind a small express app.
 *
 * Not remix-serve (docs/decisions/0008-http-server.md): its access log writes every URL with
 * its query string, and Shopify admin puts the merchant's session token (id_token) in the
 * URL of every embedded page load; and webhooks, which Shopify wants answered within 5 s
 * and which come in bursts, should not pass through compression and static-file lookups.
 */
import type { IncomingHttpHeaders } from "node:http";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  createReadableStreamFromReadable,
  createRequestHandler,
  installGlobals,
  writeReadableStreamToWritable,
  type ServerBuild,
} from "@remix-run/node";
import compression from "compression";
import express, { type NextFunction, type Request as ExpressRequest } from "express";
import type { Response as ExpressResponse } from "express";
import { env } from "./env.server";
import { logger } from "./logger.server";

const buildPath = resolve(process.argv[2] ?? "build/server/index.js");
const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;
installGlobals({ nativeFetch: build.future.v3_singleFetch });
const handleRequest = createRequestHandler(build, "production");
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
    if (name !== "set-cookie") res.append(name, value);
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

const app = express();
app.disable("x-powered-by");
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
app.post("/webhooks/*path", remix);
app.use(compression());
app.use(
  build.publicPath,
  express.static(build.assetsBuildDirectory, { immutable: true, maxAge: "1y" }),
);
app.use(express.static("public", { maxAge: "1h" }));
app.all("*path", remix);

const { PORT, HOST } = env();
const server = app.listen(PORT, HOST, () => {
  // A plain line on stdout, as remix-serve printed: tests and scripts wait for it.
  process.stdout.write(`[kizuna] http://${HOST}:${PORT}\n`);
});
server.on("error", (error) => {
  log.fatal({ err: error }, "server failed");
  process.exit(1);
});
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    log.info({ signal }, "closing: finishing requests in flight");
    server.close(() => process.exit(0));
  });
}
