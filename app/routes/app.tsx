import type {
  HeadersFunction,
  LinksFunction,
  LoaderFunctionArgs,
  MetaFunction,
} from "@remix-run/node";
import {
  Link,
  Outlet,
  useLoaderData,
  useRouteError,
  type ShouldRevalidateFunction,
} from "@remix-run/react";
import { NavMenu } from "@shopify/app-bridge-react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { useEffect, useMemo } from "react";
import kizunaStyles from "../components/kizuna.css?url";
import { env } from "../env.server";
import { createTranslator, I18nContext, polarisTranslations, resolveLocale } from "../i18n";
import { appBridgeOverride } from "../pages/app-bridge.server";
import { authenticate } from "../shopify.server";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: polarisStyles },
  { rel: "stylesheet", href: kizunaStyles },
];

export const meta: MetaFunction = () => [{ title: "Kizuna" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  await authenticate.admin(request);
  // Shopify admin passes the staff member's locale, e.g. "ja" or "en-US".
  const locale = resolveLocale(new URL(request.url).searchParams.get("locale"));
  return { apiKey: env().SHOPIFY_API_KEY, locale, appBridgeUrl: appBridgeOverride() ?? null };
};

// The admin puts locale on the document URL only; in-app navigations drop the query, and
// re-running this loader then would switch a Japanese admin back to English.
export const shouldRevalidate: ShouldRevalidateFunction = ({ nextUrl, currentUrl }) => {
  const next = nextUrl.searchParams.get("locale");
  return next !== null && next !== currentUrl.searchParams.get("locale");
};

export default function App() {
  const { apiKey, locale, appBridgeUrl } = useLoaderData<typeof loader>();
  const i18n = useMemo(() => createTranslator(locale), [locale]);
  const { t } = i18n;
  useEffect(() => {
    // Lets browser tests (and anyone debugging) know the page is interactive. The
    // document's lang comes from this loader's locale (root.tsx).
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return (
    <AppProvider
      isEmbeddedApp
      apiKey={apiKey}
      i18n={polarisTranslations(locale)}
      {...(appBridgeUrl ? { __APP_BRIDGE_URL: appBridgeUrl } : {})}
    >
      <I18nContext.Provider value={i18n}>
        <NavMenu>
          <Link to="/app" rel="home">
            {t("nav.dashboard")}
          </Link>
          <Link to="/app/segments">{t("nav.segments")}</Link>
          <Link to="/app/cohorts">{t("nav.cohorts")}</Link>
          <Link to="/app/migration">{t("nav.migration")}</Link>
          <Link to="/app/continuation">{t("nav.continuation")}</Link>
          <Link to="/app/ltv">{t("nav.ltv")}</Link>
          <Link to="/app/pareto">{t("nav.pareto")}</Link>
          <Link to="/app/acquisition">{t("nav.acquisition")}</Link>
          <Link to="/app/entry-products">{t("nav.entryProducts")}</Link>
          <Link to="/app/nps">{t("nav.nps")}</Link>
          <Link to="/app/settings">{t("nav.settings")}</Link>
        </NavMenu>
        <Outlet />
      </I18nContext.Provider>
    </AppProvider>
  );
}

// Shopify needs Remix to catch thrown responses so its auth headers reach the client.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
