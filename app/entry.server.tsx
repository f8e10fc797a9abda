import { PassThrough } from "node:stream";
import { renderToPipeableStream } from "react-dom/server";
import { RemixServer } from "@remix-run/react";
import { createReadableStreamFromReadable, type EntryContext } from "@remix-run/node";
import { isbot } from "isbot";
import { allowStandInAdmin } from "./pages/app-bridge.server";
import { addDocumentResponseHeaders } from "./shopify.server";
import prisma from "./db.server";
import { closeQueues } from "./jobs/queues.server";

export const streamTimeout = 5000;

/** The webhook intake for Node's requests: app/server.ts answers webhook paths with it. */
export { receiveNodeWebhook } from "./webhook-intake.server";

/**
 * Closes the build's Redis (queue producers) and database connections: app/server.ts calls
 * it through the build's entry module when it stops. Neither waits on a server that is gone
 * (the producer connection is disconnected; the caller bounds the whole).
 */
export async function closeConnections(): Promise<void> {
  await Promise.allSettled([closeQueues(), prisma.$disconnect()]);
}

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
) {
  // Shopify's embedded-app headers, incl. the per-shop CSP frame-ancestors.
  addDocumentResponseHeaders(request, responseHeaders);
  allowStandInAdmin(responseHeaders);
  // A document that names no valid shop (landing, login) is never framed by anyone.
  if (!responseHeaders.has("Content-Security-Policy")) {
    responseHeaders.set("Content-Security-Policy", "frame-ancestors 'none';");
  }
  const userAgent = request.headers.get("user-agent");
  const readyEvent = userAgent && isbot(userAgent) ? "onAllReady" : "onShellReady";

  return new Promise((resolve, reject) => {
    const { pipe, abort } = renderToPipeableStream(
      <RemixServer context={remixContext} url={request.url} />,
      {
        [readyEvent]: () => {
          const body = new PassThrough();
          const stream = createReadableStreamFromReadable(body);
          responseHeaders.set("Content-Type", "text/html");
          resolve(new Response(stream, { headers: responseHeaders, status: responseStatusCode }));
          pipe(body);
        },
        onShellError(error) {
          reject(error);
        },
        onError(error) {
          responseStatusCode = 500;
          console.error(error);
        },
      },
    );
    // Abort a little after the stream timeout so rejected boundaries can flush.
    setTimeout(abort, streamTimeout + 1000);
  });
}
