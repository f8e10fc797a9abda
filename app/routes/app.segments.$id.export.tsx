import type { LoaderFunctionArgs } from "@remix-run/node";
import { segmentCsvResponse } from "../pages/segment-customers.server";
import { authenticate } from "../shopify.server";

// Resource route: the segment's customers as CSV for Excel, fetched by the drill-down page
// with its filters and the admin's locale (the headers' language) in the query.
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const response = await segmentCsvResponse(session.shop, params.id ?? "", new URL(request.url));
  if (!response) throw new Response("Segment not found", { status: 404 });
  return response;
};
