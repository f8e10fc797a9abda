import type { LoaderFunctionArgs } from "@remix-run/node";
import { taggedCustomerCount } from "../pages/settings.server";
import { authenticate } from "../shopify.server";

// Resource route: how many customers carry Kizuna's tags, for the tag-sync-off confirmation.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return { count: await taggedCustomerCount(session.shop) };
};
