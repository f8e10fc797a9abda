import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Card,
  DataTable,
  InlineGrid,
  InlineStack,
  Link,
  Page,
  Select,
  Text,
} from "@shopify/polaris";
import { LineChart } from "../components/charts";
import { NoSnapshot } from "../components/EmptyStates";
import { MetricInfo } from "../components/MetricInfo";
import { useFormat } from "../components/useFormat";
import { DASH } from "../format";
import { segmentName, useI18n } from "../i18n";
import { paretoData } from "../pages/pareto.server";
import { MIN_PARETO_CUSTOMERS, PARETO_PERIODS, type ParetoPeriod } from "../pages/pareto-params";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return paretoData(session.shop, new URL(request.url));
};

export default function Pareto() {
  const data = useLoaderData<typeof loader>();
  const i18n = useI18n();
  const { t } = i18n;
  const format = useFormat(data.currency, data.timeZone);
  const [, setParams] = useSearchParams();
  const navigation = useNavigation();
  const pareto = data.pareto;
  if (!pareto) {
    return (
      <Page>
        <TitleBar title={t("pareto.title")} />
        <NoSnapshot status={data.status} format={format} />
      </Page>
    );
  }
  const pct = (v: number | null) => (v === null ? DASH : format.percent(v));
  const share = (key: "p10" | "p20" | "p50") => pct(pareto.topShare[key]);
  const curve = pareto.curve;
  return (
    <Page title={t("pareto.title")}>
      <TitleBar title={t("pareto.title")} />
      <BlockStack gap="400">
        {data.invalidPeriod && <Banner tone="warning">{t("pareto.invalidPeriod")}</Banner>}
        <Card>
          <BlockStack gap="300">
            <Select
              label={t("pareto.period")}
              value={data.period}
              disabled={navigation.state !== "idle"}
              onChange={(v) => setParams({ period: v })}
              options={PARETO_PERIODS.map((p: ParetoPeriod) => ({
                value: p,
                label: t(`pareto.period.${p}`),
              }))}
            />
            <Text as="p" variant="bodySm" tone="subdued">
              <span data-testid="pareto-range">
                {t("pareto.range", {
                  start: format.date(pareto.firstDate),
                  end: format.date(pareto.lastDate),
                  customers: format.number(pareto.customers),
                  orders: format.number(pareto.orders),
                  revenue: format.money(pareto.revenueMinor),
                })}
              </span>
            </Text>
            {pareto.customers < MIN_PARETO_CUSTOMERS && (
              <Banner tone="info">
                <span data-testid="pareto-few">
                  {t("pareto.few", { min: format.number(MIN_PARETO_CUSTOMERS) })}
                </span>
              </Banner>
            )}
            <InlineGrid columns={{ xs: 1, sm: 4 }} gap="300">
              {(["p10", "p20", "p50"] as const).map((key) => (
                <BlockStack gap="100" key={key}>
                  <Text as="h2" variant="headingSm">
                    {t(`pareto.top.${key}`)}
                  </Text>
                  <Text as="p" variant="heading2xl">
                    <span data-testid={`pareto-${key}`}>{share(key)}</span>
                  </Text>
                  <Text as="p" variant="bodySm" tone="subdued">
                    {t("pareto.top.ofRevenue")}
                  </Text>
                </BlockStack>
              ))}
              <BlockStack gap="100">
                <InlineStack gap="100" blockAlign="center">
                  <Text as="h2" variant="headingSm">
                    {t("pareto.gini")}
                  </Text>
                  <MetricInfo
                    definition={pareto.gini.definition}
                    metric={pareto.gini}
                    format={format}
                  />
                </InlineStack>
                <Text as="p" variant="heading2xl">
                  <span data-testid="pareto-gini">
                    {pareto.gini.value === null ? DASH : format.number(pareto.gini.value, 2)}
                  </span>
                </Text>
                <Text as="p" variant="bodySm" tone="subdued">
                  {t("pareto.giniNote")}
                </Text>
              </BlockStack>
            </InlineGrid>
          </BlockStack>
        </Card>
        <Card>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              {t("pareto.curve.title")}
            </Text>
            <div data-testid="pareto-chart">
              <LineChart
                title={t("pareto.curve.alt", { p10: share("p10"), p20: share("p20") })}
                xTitle={t("pareto.curve.x")}
                yTitle={t("pareto.curve.y")}
                xLabels={curve.map((_, k) => format.percent(k / 100, 0))}
                xTickEvery={10}
                yMin={0}
                yMax={1}
                yFormat={(v) => format.percent(v, 0)}
                series={[
                  { label: t("pareto.curve.shop"), values: curve },
                  {
                    label: t("pareto.curve.equal"),
                    values: curve.map((_, k) => k / 100),
                    dashed: true,
                    color: "#616161",
                    width: 1,
                  },
                ]}
              />
            </div>
            <Text as="p" variant="bodySm" tone="subdued">
              {t("pareto.curve.note")}
            </Text>
          </BlockStack>
        </Card>
        <Card>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              {t("pareto.deciles.title")}
            </Text>
            <div data-testid="pareto-deciles">
              <DataTable
                columnContentTypes={[
                  "text",
                  "numeric",
                  "numeric",
                  "numeric",
                  "numeric",
                  "numeric",
                  "numeric",
                ]}
                headings={[
                  t("pareto.col.decile"),
                  t("pareto.col.customers"),
                  t("pareto.col.revenue"),
                  t("pareto.col.share"),
                  t("pareto.col.cumulative"),
                  t("pareto.col.aov"),
                  t("pareto.col.ordersPerCustomer"),
                ]}
                rows={pareto.deciles.map((g) => [
                  t("pareto.decile", { n: g.decile }),
                  format.number(g.customers),
                  format.money(g.revenueMinor),
                  pct(g.share),
                  pct(g.cumulativeShare),
                  g.averageOrderMinor === null ? DASH : format.money(g.averageOrderMinor),
                  g.ordersPerCustomer === null ? DASH : format.number(g.ordersPerCustomer, 2),
                ])}
                totals={[
                  "",
                  format.number(pareto.customers),
                  format.money(pareto.revenueMinor),
                  pareto.revenueMinor > 0 ? format.percent(1) : DASH,
                  "",
                  pareto.orders > 0 ? format.money(pareto.revenueMinor / pareto.orders) : DASH,
                  pareto.customers > 0 ? format.number(pareto.orders / pareto.customers, 2) : DASH,
                ]}
                totalsName={{ singular: t("common.total"), plural: t("common.total") }}
              />
            </div>
          </BlockStack>
        </Card>
        <Card>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              {t("pareto.customers.title", { count: format.number(data.top.length) })}
            </Text>
            <Text as="p" variant="bodySm" tone="subdued">
              {t("pareto.customers.note")}
            </Text>
            <div data-testid="pareto-customers">
              <DataTable
                columnContentTypes={["numeric", "text", "text", "numeric", "numeric", "numeric"]}
                headings={[
                  t("pareto.col.rank"),
                  t("pareto.col.customer"),
                  t("pareto.col.segment"),
                  t("pareto.col.revenue"),
                  t("pareto.col.share"),
                  t("pareto.col.orders"),
                ]}
                rows={data.top.map((c) => [
                  format.number(c.rank),
                  <Link
                    key={c.id}
                    url={`shopify://admin/customers/${c.id}`}
                    target="_top"
                    removeUnderline
                  >
                    <span data-testid="pareto-customer-id">{c.id}</span>
                  </Link>,
                  c.segment === null
                    ? DASH
                    : segmentName(i18n, c.segment, data.segmentNames[c.segment] ?? c.segment),
                  format.money(c.revenueMinor),
                  pct(c.share),
                  format.number(c.orders),
                ])}
              />
            </div>
          </BlockStack>
        </Card>
      </BlockStack>
    </Page>
  );
}
