/**
 * The app's webhook routes behind a real HTTP server, as Remix would serve them: each
 * POST /webhooks/<a>/<b> runs the action of app/routes/webhooks.<a>.<b>.tsx with the raw
 * request, so Shopify's HMAC check and the enqueue run for real.
 */
import { createServer, type Server } from "node:http";

export interface AppEndpoint {
  url: string;
  received: number;
  statuses: number[];
  close(): Promise<void>;
}

type Action = (args: { request: Request; params: object; context: object }) => Promise<Response>;

export async function startAppEndpoint(): Promise<AppEndpoint> {
  const state = { received: 0, statuses: [] as number[] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        state.received++;
        const path = new URL(req.url ?? "/", "http://x").pathname;
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers))
          if (typeof v === "string") headers.set(k, v);
        const request = new Request(`https://kizuna.test${path}`, {
          method: req.method,
          headers,
          body: req.method === "POST" ? Buffer.concat(chunks) : undefined,
        });
        let status = 404;
        try {
          const route = (await import(
            `../../app/routes/${path.slice(1).replaceAll("/", ".")}.tsx`
          )) as { action: Action };
          status = (await route.action({ request, params: {}, context: {} })).status;
        } catch (error) {
          status = error instanceof Response ? error.status : 500;
        }
        state.statuses.push(status);
        res.writeHead(status).end();
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    get received() {
      return state.received;
    },
    get statuses() {
      return state.statuses;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
