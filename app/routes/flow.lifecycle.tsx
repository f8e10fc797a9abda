// Shopify Flow's trigger lifecycle callback for "Customer's RFM segment changed": Flow posts
// here when a merchant enables or disables a workflow that uses the trigger; the tag sync
// fires it only while one is enabled. extensions/rfm-segment-lifecycle/shopify.extension.toml
// names this URL.
//
// Flow signs the body as it signs webhooks (X-Shopify-Hmac-SHA256, HMAC-SHA256 of the raw
// body with the app's secret). A request without that signature or with a wrong one is
// unauthenticated: 401, checked here because authenticate.flow answers 400 for it as for a
// shop without an offline session. authenticate.flow then checks it again and finds the
// shop's offline session (400 without one: an uninstalled shop changes nothing).
import type { ActionFunctionArgs } from "@remix-run/node";
import prisma from "../db.server";
import { env } from "../env.server";
import { authenticate } from "../shopify.server";
import { flowLifecycleSchema, recordFlowTriggerUsage } from "../sync/flow-trigger.server";
import { boundedBody, signedBy } from "../webhook-intake.server";

/** A callback is about 200 bytes; anything far larger is refused unread (413). */
const MAX_CALLBACK_BYTES = 64 * 1024;

const refuse = (status: number) => new Response(null, { status });

export const action = async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return refuse(405);
  const body = await boundedBody(request, MAX_CALLBACK_BYTES);
  if (body instanceof Response) return body;
  const hmac = request.headers.get("x-shopify-hmac-sha256");
  if (!hmac || !signedBy(env().SHOPIFY_API_SECRET, body, hmac)) return refuse(401);
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    return refuse(400);
  }
  if (!flowLifecycleSchema.safeParse(json).success) return refuse(400);
  const { session, payload } = await authenticate.flow(
    new Request(request.url, {
      method: "POST",
      headers: request.headers,
      body: new Uint8Array(body),
    }),
  );
  await recordFlowTriggerUsage(prisma, session.shop, payload);
  return new Response(null, { status: 200 });
};
