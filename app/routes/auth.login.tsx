import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import {
  AppProvider as PolarisAppProvider,
  Button,
  Card,
  FormLayout,
  Page,
  Text,
  TextField,
} from "@shopify/polaris";
import polarisTranslations from "@shopify/polaris/locales/en.json";
import { LoginErrorType, type LoginError } from "@shopify/shopify-app-remix/server";
import { useState } from "react";
import { login } from "../shopify.server";

function loginErrorMessage(errors: LoginError): string | undefined {
  if (errors.shop === LoginErrorType.MissingShop) return "Please enter your shop domain to log in";
  if (errors.shop === LoginErrorType.InvalidShop)
    return "Please enter a valid shop domain to log in";
  return undefined;
}

export const loader = async ({ request }: LoaderFunctionArgs) => ({
  error: loginErrorMessage(await login(request)),
});

export const action = async ({ request }: ActionFunctionArgs) => {
  // login() reads the form itself and throws (a 500) on a body that is no form, or on a
  // shop field that is a file.
  const form = await request
    .clone()
    .formData()
    .catch(() => null);
  const shop = form?.get("shop") ?? null;
  if (!new URL(request.url).searchParams.has("shop") && (!form || shop instanceof File)) {
    return data({ error: loginErrorMessage({ shop: LoginErrorType.InvalidShop }) }, 400);
  }
  return { error: loginErrorMessage(await login(request)) };
};

export default function Login() {
  const loaderData = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [shop, setShop] = useState("");
  const error = actionData?.error ?? loaderData.error;
  return (
    <PolarisAppProvider i18n={polarisTranslations}>
      <Page>
        <Card>
          <Form method="post">
            <FormLayout>
              <Text variant="headingMd" as="h2">
                Log in
              </Text>
              <TextField
                type="text"
                name="shop"
                label="Shop domain"
                helpText="example.myshopify.com"
                value={shop}
                onChange={setShop}
                autoComplete="on"
                error={error}
              />
              <Button submit>Log in</Button>
            </FormLayout>
          </Form>
        </Card>
      </Page>
    </PolarisAppProvider>
  );
}
