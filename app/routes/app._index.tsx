import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import { Banner, BlockStack, Card, InlineGrid, InlineStack, Page, Text } from "@shopify/polaris";
import { NoSnapshot } from "../components/EmptyStates";
import { KpiCard } from "../components/KpiCard";
import { isBusy, StatusCard, usePolling } from "../components/ShopStatus";
import { useFormat } from "../components/useFormat";
import { useI18n } from "../i18n";
import { dashboardData } from "../pages/dashboard.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return dashboardData(session.shop);
};

function Fact({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <BlockStack gap="050">
      <Text as="span" variant="bodySm" tone="subdued">
        {label}
      </Text>
      <Text as="span" variant="headingMd">
        <span data-testid={testId}>{value}</span>
      </Text>
    </BlockStack>
  );
}

export default function Dashboard() {
  const data = useLoaderData<typeof loader>();
  const { t } = useI18n();
  const format = useFormat(data.currency, data.timeZone);
  const snapshot = data.snapshot;
  usePolling(snapshot !== null && isBusy(data.status));

  return (
    <Page>
      <TitleBar title={t("dashboard.title")} />
      <BlockStack gap="400">
        {!snapshot ? (
          <NoSnapshot status={data.status} format={format} />
        ) : (
          <>
            {data.status && (
              <StatusCard
                status={data.status}
                format={format}
                computedAt={snapshot.computedAt}
                asOfDate={snapshot.asOfDate}
              />
            )}
            {snapshot.tiny && (
              <div data-testid="tiny-shop">
                <Banner tone="info" title={t("dashboard.tiny.title")}>
                  <p>
                    {t("dashboard.tiny.body", {
                      count: snapshot.customersWithPurchases,
                      customers: format.number(snapshot.customersWithPurchases),
                    })}
                  </p>
                </Banner>
              </div>
            )}
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingSm">
                  {t("dashboard.summary")}
                </Text>
                <InlineStack gap="800" wrap>
                  <Fact
                    label={t("dashboard.customers")}
                    value={format.number(snapshot.customersWithPurchases)}
                    testId="fact-customers"
                  />
                  <Fact
                    label={t("dashboard.orders")}
                    value={format.number(snapshot.orders)}
                    testId="fact-orders"
                  />
                  <Fact
                    label={t("dashboard.revenue")}
                    value={format.money(snapshot.netRevenueMinor)}
                    testId="fact-revenue"
                  />
                  {snapshot.firstPurchaseDate && snapshot.lastPurchaseDate && (
                    <Fact
                      label={t("dashboard.range")}
                      value={`${format.date(snapshot.firstPurchaseDate)} – ${format.date(snapshot.lastPurchaseDate)}`}
                    />
                  )}
                </InlineStack>
              </BlockStack>
            </Card>
            <InlineGrid columns={{ xs: 1, sm: 2, lg: 3 }} gap="400">
              {snapshot.kpis.map((kpi) => (
                <KpiCard
                  key={kpi.id}
                  metric={kpi.metric}
                  target={kpi.target}
                  status={kpi.status}
                  previousValue={kpi.previousValue}
                  trend={kpi.trend}
                  trendDates={snapshot.trendDates}
                  format={format}
                />
              ))}
            </InlineGrid>
          </>
        )}
      </BlockStack>
    </Page>
  );
}
