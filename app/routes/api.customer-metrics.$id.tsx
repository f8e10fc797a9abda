import type { LoaderFunctionArgs } from "@remix-run/node";
import prisma from "../db.server";
import { env } from "../env.server";
import { customerMetricsResponse } from "../extensions/customer-metrics.server";
import { resultStore } from "../metrics/result-store.server";
import { authenticate } from "../shopify.server";

// The admin customer-page block's data (extensions/customer-segment-block). The admin's
// ID token names the shop; authenticate.admin answers preflights and bad tokens itself.
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session, cors } = await authenticate.admin(request);
  const results = resultStore(env().DATABASE_URL);
  return cors(await customerMetricsResponse(prisma, session.shop, params.id, results));
};
