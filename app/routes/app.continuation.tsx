import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Card,
  DataTable,
  InlineGrid,
  InlineStack,
  Page,
  Text,
} from "@shopify/polaris";
import { MIN_TREND_BASE } from "../analytics/trends";
import { LineChart, type LineSeries } from "../components/charts";
import {
  continuationCurves,
  CURVE_COLUMNS,
  PROJECTION_COLOR,
} from "../components/continuation-series";
import { NoSnapshot } from "../components/EmptyStates";
import { HeatmapTable, type HeatRow } from "../components/Heatmap";
import { KpiCard } from "../components/KpiCard";
import { MetricInfo } from "../components/MetricInfo";
import { useFormat } from "../components/useFormat";
import { DASH, type Format } from "../format";
import { useI18n, type Translator } from "../i18n";
import type { ContinuationJson } from "../metrics/snapshot/types";
import { CohortFilterCard } from "../components/CohortFilter";
import { cutParam } from "../pages/cohort-filter.server";
import { continuationData } from "../pages/continuation.server";
import { pageAdminApi } from "../pages/customer-names.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return continuationData(session.shop, { cut: cutParam(request), api: pageAdminApi(session) });
};

/** Cohorts shown in the table, newest first. */
const TABLE_COHORTS = 24;

function ContinuationCard({
  table,
  title,
  help,
  format,
  i18n,
  testId,
  extra = [],
  columnLabel,
  pooledLine,
  xTitle,
  monthly = false,
}: {
  table: ContinuationJson;
  title: string;
  help: string;
  format: Format;
  i18n: Translator;
  testId: string;
  extra?: LineSeries[];
  columnLabel: (n: number) => string;
  pooledLine: (customers: string, second: string) => string;
  /** The x axis: purchases or deliveries. */
  xTitle: string;
  /** One purchase a month at most (subscriptions): later columns are not reachable yet. */
  monthly?: boolean;
}) {
  const { t } = i18n;
  const n = table.maxPurchases;
  const columns = Array.from({ length: Math.min(n, CURVE_COLUMNS) }, (_, k) => k + 1);
  const rows: HeatRow[] = [...table.rows]
    .reverse()
    .slice(0, TABLE_COHORTS)
    .map((row) => ({
      key: row.label,
      label: format.month(row.label),
      lead: [format.number(row.size)],
      few: row.size < MIN_TREND_BASE,
      cells: columns.map((k) =>
        monthly && k - 1 > row.ageMonths
          ? { value: null, text: "" }
          : {
              value: k === 1 ? null : row.share[k - 1],
              text: k === 1 ? "100%" : format.percent(row.share[k - 1], 0),
              title: t("continuation.cell", {
                cohort: format.month(row.label),
                n: columnLabel(k),
                customers: format.number(row.reached[k - 1]),
                share: format.percent(row.share[k - 1]),
              }),
              testId: `${testId}-${row.label}-${k}`,
            },
      ),
    }));
  const series: LineSeries[] = [
    ...continuationCurves(table, {
      monthly,
      cohortLabel: (month) => format.month(month),
      pooledLabel: t("continuation.pooled"),
    }),
    ...extra,
  ];
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack gap="200" blockAlign="center">
          <Text as="h2" variant="headingMd">
            {title}
          </Text>
          <MetricInfo definition={table.definition} format={format} />
        </InlineStack>
        <Text as="p" variant="bodySm" tone="subdued">
          {help}
        </Text>
        <LineChart
          title={title}
          series={series}
          xLabels={columns.map(columnLabel)}
          yFormat={(v) => format.percent(v, 0)}
          yMin={0}
          yMax={1}
          xTitle={xTitle}
          yTitle={t("continuation.axisShare")}
        />
        {table.total && (
          <Text as="p" variant="bodySm">
            <span data-testid={`${testId}-pooled`}>
              {pooledLine(
                format.number(table.total.size),
                format.percent(table.total.share[1] ?? 0),
              )}
            </span>
          </Text>
        )}
        <HeatmapTable
          testId={testId}
          caption={title}
          corner={t("cohorts.cohort")}
          leadHeaders={[t("cohorts.size")]}
          columns={columns.map(columnLabel)}
          rows={rows}
          fewMark={t("cohorts.fewMark", { min: format.number(MIN_TREND_BASE) })}
          max={Math.max(0.01, ...table.rows.flatMap((r) => r.share.slice(1, CURVE_COLUMNS)))}
        />
        {rows.some((r) => r.few) && (
          <Text as="p" variant="bodySm" tone="subdued">
            <span data-testid={`${testId}-few-legend`}>
              {t("cohorts.fewLegend", { min: format.number(MIN_TREND_BASE) })}
            </span>
          </Text>
        )}
      </BlockStack>
    </Card>
  );
}

export default function Continuation() {
  const data = useLoaderData<typeof loader>();
  const i18n = useI18n();
  const { t } = i18n;
  const format = useFormat(data.currency, data.timeZone);
  const c = data.continuation;
  if (!c) {
    return (
      <Page>
        <TitleBar title={t("continuation.title")} />
        <NoSnapshot status={data.status} format={format} />
      </Page>
    );
  }
  const sbg = c.sbg;
  const estimate = (x: number | null) => (x === null ? DASH : format.estimate(x));
  const sbgSeries: LineSeries[] =
    sbg?.status === "ok"
      ? [
          {
            label: t("continuation.sbg.projection"),
            // S(t) is "still subscribed after t renewals": the (t + 1)-th delivery.
            values: sbg.survival.slice(0, CURVE_COLUMNS),
            color: PROJECTION_COLOR,
            width: 2,
          },
        ]
      : [];
  return (
    <Page fullWidth>
      <TitleBar title={t("continuation.title")} />
      <BlockStack gap="400">
        <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
          <KpiCard {...c.f2} trend={[]} trendDates={[]} format={format} />
          <KpiCard {...c.secondDelivery} trend={[]} trendDates={[]} format={format} />
        </InlineGrid>
        <CohortFilterCard
          filter={data.filter}
          asOfDate={data.asOfDate}
          format={format}
          note={t("cohortFilter.continuationNote")}
        />
        <ContinuationCard
          table={c.all}
          title={t("continuation.all.title")}
          help={t("continuation.all.help")}
          format={format}
          i18n={i18n}
          testId="continuation-all"
          columnLabel={(n) => t("continuation.purchaseN", { n })}
          xTitle={t("continuation.axisPurchase")}
          pooledLine={(customers, second) => t("continuation.pooledLine", { customers, second })}
        />
        {c.subscription ? (
          <>
            <ContinuationCard
              table={c.subscription}
              title={t("continuation.sub.title")}
              help={t(
                sbg?.status === "ok" ? "continuation.sub.help" : "continuation.sub.helpNoModel",
                {
                  customers: format.number(c.subscriptionCustomers),
                },
              )}
              format={format}
              i18n={i18n}
              testId="continuation-sub"
              extra={sbgSeries}
              columnLabel={(n) => t("continuation.deliveryN", { n })}
              xTitle={t("continuation.axisDelivery")}
              pooledLine={(customers, second) =>
                t("continuation.pooledLineSub", { customers, second })
              }
              monthly
            />
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  {t("continuation.sbg.title")}
                </Text>
                {sbg?.status === "ok" ? (
                  <div data-testid="sbg-ok">
                    <BlockStack gap="300">
                      <Text as="p" variant="bodySm" tone="subdued">
                        {t("continuation.sbg.help", {
                          subscribers: format.number(sbg.subscribers),
                          cohorts: format.number(sbg.cohorts),
                        })}
                      </Text>
                      <DataTable
                        columnContentTypes={["text", "numeric", "numeric"]}
                        headings={[
                          t("ltv.params.parameter"),
                          t("ltv.params.estimate"),
                          t("ltv.params.se"),
                        ]}
                        rows={(["alpha", "beta"] as const).map((p) => [
                          p === "alpha" ? "α" : "β",
                          format.estimate(sbg.params[p]),
                          sbg.standardErrors ? format.estimate(sbg.standardErrors[p]) : "—",
                        ])}
                      />
                      <Text as="p" variant="bodyMd">
                        {sbg.expectedLifetime === null
                          ? t("continuation.sbg.lifetimeInfinite", {
                              horizon: format.number(sbg.horizonLifetime, 1),
                            })
                          : t("continuation.sbg.lifetime", {
                              deliveries: format.number(sbg.expectedLifetime, 1),
                            })}
                      </Text>
                    </BlockStack>
                  </div>
                ) : sbg?.status === "not-identified" ? (
                  <div data-testid="sbg-not-identified" data-code={sbg.code}>
                    <Banner tone="warning" title={t("continuation.sbg.notIdentified")}>
                      <p>
                        {t(
                          sbg.code === "boundary"
                            ? "continuation.sbg.boundary"
                            : sbg.code === "no-standard-errors"
                              ? "continuation.sbg.flat"
                              : "continuation.sbg.notConverged",
                          {
                            subscribers: format.number(sbg.subscribers),
                            cohorts: format.number(sbg.cohorts),
                            parameter: sbg.parameter ?? "",
                            estimate: estimate(sbg.estimate),
                            se: estimate(sbg.standardError),
                          },
                        )}
                      </p>
                    </Banner>
                  </div>
                ) : (
                  <Banner tone="info" title={t("continuation.sbg.insufficient")}>
                    <p>
                      {t("continuation.sbg.insufficientBody", {
                        subscribers: format.number(sbg?.subscribers ?? 0),
                      })}
                    </p>
                  </Banner>
                )}
              </BlockStack>
            </Card>
          </>
        ) : (
          <Card>
            <div data-testid="no-subscriptions">
              <Text as="p" variant="bodyMd" tone="subdued">
                {t("continuation.noSubscriptions")}
              </Text>
            </div>
          </Card>
        )}
      </BlockStack>
    </Page>
  );
}
