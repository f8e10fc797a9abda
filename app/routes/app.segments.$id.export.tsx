import type { LoaderFunctionArgs } from "@remix-run/node";
import { segmentCsvResponse } from "../pages/segment-customers.server";
import { authenticate } from "../shopify.server";

// Resource route: the segment's customers as CSV, fetched by the drill-down page.
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const response = await segmentCsvResponse(session.shop, params.id ?? "");
  if (!response) throw new Response("Segment not found", { status: 404 });
  return response;
};
