import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import { BlockStack, Card, Layout, Page, Text } from "@shopify/polaris";
import prisma from "../db.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await prisma.shop.findUnique({
    where: { domain: session.shop },
    select: { syncStatus: true, syncDone: true, syncTotal: true, computedAt: true },
  });
  return {
    shop: session.shop,
    syncStatus: shop?.syncStatus ?? "idle",
    syncDone: shop?.syncDone ?? 0,
    syncTotal: shop?.syncTotal ?? 0,
    computedAt: shop?.computedAt?.toISOString() ?? null,
  };
};

export default function Dashboard() {
  const data = useLoaderData<typeof loader>();
  return (
    <Page>
      <TitleBar title="Kizuna" />
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                {data.shop}
              </Text>
              <Text as="p">
                Sync: {data.syncStatus} ({data.syncDone} / {data.syncTotal})
              </Text>
              <Text as="p">Last computed: {data.computedAt ?? "not yet"}</Text>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
