import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import { Banner, BlockStack, Card, InlineGrid, InlineStack, Page, Text } from "@shopify/polaris";
import { NoSnapshot } from "../components/EmptyStates";
import { KpiCard } from "../components/KpiCard";
import { periodLabel } from "../components/period-label";
import { PeriodSelector } from "../components/PeriodSelector";
import { RangeStatus, RETRY_RANGE_INTENT } from "../components/RangeStatus";
import { isBusy, StatusCard, usePolling } from "../components/ShopStatus";
import { useFormat } from "../components/useFormat";
import { useI18n } from "../i18n";
import { parsePeriod } from "../pages/dashboard-period";
import { dashboardData, retryRange } from "../pages/dashboard.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const params = new URL(request.url).searchParams;
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  const period = parsePeriod(params.get("period"));
  return { ...(await dashboardData(session.shop, { period, from, to })), from, to };
};

/** Retry of a failed custom range: queues it again; the loader then shows it computing. */
export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  if (form.get("intent") !== RETRY_RANGE_INTENT) {
    throw new Response("Unknown action", { status: 400 });
  }
  const state = await retryRange(
    session.shop,
    String(form.get("from") ?? ""),
    String(form.get("to") ?? ""),
  );
  return { retried: state?.status ?? null };
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
  const i18n = useI18n();
  const snapshot = data.snapshot;
  const range = data.range;
  usePolling(snapshot !== null && (isBusy(data.status) || range?.status === "computing"));
  const rangeText = (from: string, to: string) =>
    periodLabel(i18n, format, "range", 1, from, `${to}-01`);
  const fiscalNote =
    snapshot && snapshot.fiscalStartMonth !== 1
      ? t("period.fiscalNote", {
          month: new Intl.DateTimeFormat(i18n.locale === "ja" ? "ja-JP" : "en-US", {
            month: "long",
            timeZone: "UTC",
          }).format(Date.UTC(2000, snapshot.fiscalStartMonth - 1, 1)),
        })
      : null;

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
            {(snapshot.tiny || !snapshot.segmented) && (
              <div data-testid={snapshot.tiny ? "tiny-shop" : "small-shop"}>
                <Banner
                  tone="info"
                  title={
                    snapshot.tiny ? t("dashboard.tiny.title") : t("dashboard.noSegments.title")
                  }
                >
                  <BlockStack gap="200">
                    {snapshot.tiny && (
                      <p>
                        {t("dashboard.tiny.body", {
                          count: snapshot.customersWithPurchases,
                          customers: format.number(snapshot.customersWithPurchases),
                        })}
                      </p>
                    )}
                    {!snapshot.segmented && (
                      <p data-testid="no-segments">
                        {t("dashboard.noSegments.body", {
                          min: format.number(snapshot.minSegmentCustomers),
                          customers: format.number(snapshot.customersWithPurchases),
                        })}
                      </p>
                    )}
                  </BlockStack>
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
            <Card>
              <BlockStack gap="300">
                <PeriodSelector
                  period={data.period}
                  from={data.from}
                  to={data.to}
                  fiscalNote={fiscalNote}
                />
                {data.period !== "month" && data.period !== "range" && !snapshot.hasPeriods && (
                  <Banner tone="info">{t("period.noPeriods")}</Banner>
                )}
                {range?.status === "invalid" && (
                  <div data-testid="range-error">
                    <Banner tone="critical">
                      {t(`period.error.${range.problem}`, {
                        month: range.month ? format.month(range.month) : "",
                      })}
                    </Banner>
                  </div>
                )}
                <RangeStatus range={range} rangeText={rangeText} />
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
                  monthly={kpi.monthly}
                />
              ))}
            </InlineGrid>
          </>
        )}
      </BlockStack>
    </Page>
  );
}
