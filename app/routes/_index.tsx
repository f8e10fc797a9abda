import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { login } from "../shopify.server";

export const meta: MetaFunction = () => [{ title: "Kizuna — retention, RFM and LTV for Shopify" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const url = new URL(request.url);
  // Opened from Shopify admin: go straight into the embedded app.
  if (url.searchParams.get("shop")) throw redirect(`/app?${url.searchParams.toString()}`);
  return { showForm: Boolean(login) };
};

export default function Landing() {
  const { showForm } = useLoaderData<typeof loader>();
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", maxWidth: 720, margin: "4rem auto" }}>
      <h1>Kizuna</h1>
      <p>
        The CRM numbers a direct-to-consumer shop runs on, computed from your Shopify orders: repeat
        rate, second-purchase survival, churn, retention, cohorts, RFM segments and predicted
        customer lifetime value — against your targets.
      </p>
      {showForm && (
        <Form method="post" action="/auth/login">
          <label>
            Shop domain <input type="text" name="shop" placeholder="example.myshopify.com" />
          </label>{" "}
          <button type="submit">Log in</button>
        </Form>
      )}
      <ul>
        <li>
          RFM segments written back to Shopify as customer tags, for email, discounts and Flow.
        </li>
        <li>LTV by cohort and per customer (BG/NBD + Gamma-Gamma), compared with your CAC.</li>
        <li>NPS collected after purchase, on the thank-you and order status pages.</li>
      </ul>
    </main>
  );
}
