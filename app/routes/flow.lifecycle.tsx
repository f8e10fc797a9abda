// Shopify Flow's trigger lifecycle callback for "Customer's RFM segment changed": Flow posts
// here (HMAC-signed with the app's secret) when a merchant enables or disables a workflow
// that uses the trigger; the tag sync fires it only while one is enabled.
// extensions/rfm-segment-lifecycle/shopify.extension.toml names this URL.
import type { ActionFunctionArgs } from "@remix-run/node";
import prisma from "../db.server";
import { authenticate } from "../shopify.server";
import { recordFlowTriggerUsage } from "../sync/flow-trigger.server";

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, payload } = await authenticate.flow(request);
  await recordFlowTriggerUsage(prisma, session.shop, payload);
  return new Response(null, { status: 200 });
};
