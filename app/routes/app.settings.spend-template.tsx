import type { LoaderFunctionArgs } from "@remix-run/node";
import { resolveLocale } from "../i18n";
import { spendTemplateResponse } from "../pages/settings.server";
import { authenticate } from "../shopify.server";

// Resource route: the spend import template (with the shop's entries), fetched by the page.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const locale = resolveLocale(new URL(request.url).searchParams.get("locale"));
  const response = await spendTemplateResponse(session.shop, locale);
  if (!response) throw new Response("Shop not found", { status: 404 });
  return response;
};
