import {
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useRouteLoaderData,
} from "@remix-run/react";
import type { Locale } from "./i18n";

export default function App() {
  // The admin's language, resolved by the app layout's loader (routes/app.tsx), so the
  // server-rendered document already carries it (screen readers, fonts, hyphenation).
  const app = useRouteLoaderData<{ locale?: Locale }>("routes/app");
  return (
    <html lang={app?.locale ?? "en"}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <link rel="preconnect" href="https://cdn.shopify.com/" />
        <Meta />
        <Links />
      </head>
      <body>
        <Outlet />
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}
