import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import { BlockStack, Card, InlineStack, Page, Select, Text } from "@shopify/polaris";
import { useState } from "react";
import { MIN_TREND_BASE } from "../analytics/trends";
import { LineChart, type LineSeries } from "../components/charts";
import { NoSnapshot } from "../components/EmptyStates";
import { HeatmapTable, type HeatRow } from "../components/Heatmap";
import { MetricInfo } from "../components/MetricInfo";
import { useFormat } from "../components/useFormat";
import { useI18n } from "../i18n";
import { CohortFilterCard } from "../components/CohortFilter";
import { cutParam } from "../pages/cohort-filter.server";
import { cohortsData } from "../pages/cohorts.server";
import { pageAdminApi } from "../pages/customer-names.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return cohortsData(session.shop, { cut: cutParam(request), api: pageAdminApi(session) });
};

/** Cohorts drawn as curves: the newest few with enough months to compare. */
const CURVE_COHORTS = 6;

export default function Cohorts() {
  const data = useLoaderData<typeof loader>();
  const { t } = useI18n();
  const format = useFormat(data.currency, data.timeZone);
  const [measure, setMeasure] = useState<"share" | "revenue">("share");
  const [months, setMonths] = useState("12");
  const cohorts = data.cohorts;
  if (!cohorts) {
    return (
      <Page>
        <TitleBar title={t("cohorts.title")} />
        <NoSnapshot status={data.status} format={format} />
      </Page>
    );
  }
  const width = Number(months);
  const newestFirst = [...cohorts.rows].reverse();
  const heatRows: HeatRow[] = newestFirst.map((row) => {
    const values = measure === "share" ? row.activeShare : row.cumulativeNetPerCustomer;
    return {
      key: row.month,
      label: format.month(row.month),
      lead: [format.number(row.size), row.nps === null ? "—" : format.metric(row.nps, "points")],
      few: row.size < MIN_TREND_BASE,
      cells: Array.from({ length: width + 1 }, (_, k) => {
        const v = values[k];
        if (v === undefined) return { value: null, text: "" };
        const partial = k >= row.completeMonths;
        return {
          value: v,
          partial,
          ...(partial ? { sub: t("cohorts.partialShort") } : {}),
          text: measure === "share" ? format.percent(v, 0) : format.moneyCompact(v),
          title: `${format.month(row.month)} · M${k}: ${
            measure === "share" ? format.percent(v) : format.money(v)
          }${k >= row.completeMonths ? ` (${t("cohorts.partial")})` : ""}`,
          testId: `cohort-${row.month}-${k}`,
        };
      }),
    };
  });
  // Month 0 is everyone by definition: shade the later months against each other.
  const shareMax = Math.max(
    0.01,
    ...cohorts.rows.flatMap((r) => r.activeShare.slice(1, width + 1)),
  );

  const curveRows = cohorts.rows.filter((r) => r.completeMonths >= 2).slice(-CURVE_COHORTS);
  const curveMonths = Math.min(
    width,
    Math.max(1, ...curveRows.map((r) => r.cumulativeNetPerCustomer.length - 1)),
  );
  const series: LineSeries[] = [
    ...curveRows.map((r) => ({
      label: format.month(r.month),
      values: r.cumulativeNetPerCustomer.slice(0, Math.min(r.completeMonths, curveMonths + 1)),
    })),
    {
      label: t("cohorts.curve.pooled"),
      values: cohorts.ltvCurve.cumulativeNetPerCustomer.slice(0, curveMonths + 1),
      color: "#202223",
      dashed: true,
      width: 2.5,
    },
  ];

  return (
    <Page fullWidth>
      <TitleBar title={t("cohorts.title")} />
      <BlockStack gap="400">
        <CohortFilterCard
          filter={data.filter}
          asOfDate={data.asOfDate}
          format={format}
          note={t("cohortFilter.cohortsNote")}
        />
        <Card>
          <BlockStack gap="300">
            <InlineStack align="space-between" blockAlign="end" gap="300">
              <BlockStack gap="100">
                <InlineStack gap="200" blockAlign="center">
                  <Text as="h2" variant="headingMd">
                    {t("cohorts.heatmap.title")}
                  </Text>
                  <MetricInfo
                    definition={
                      measure === "share"
                        ? cohorts.definitions.activeShare
                        : cohorts.definitions.cumulativeNetPerCustomer
                    }
                    format={format}
                  />
                </InlineStack>
                <Text as="p" variant="bodySm" tone="subdued">
                  {t("cohorts.heatmap.help", {
                    shown: format.number(cohorts.rows.length),
                    total: format.number(cohorts.totalCohorts),
                  })}
                </Text>
              </BlockStack>
              <InlineStack gap="300">
                <Select
                  label={t("cohorts.measure")}
                  labelInline
                  options={[
                    { label: t("cohorts.measure.share"), value: "share" },
                    { label: t("cohorts.measure.revenue"), value: "revenue" },
                  ]}
                  value={measure}
                  onChange={(v) => setMeasure(v === "revenue" ? "revenue" : "share")}
                />
                <Select
                  label={t("cohorts.months")}
                  labelInline
                  options={["12", "24", "36"].map((m) => ({ label: m, value: m }))}
                  value={months}
                  onChange={setMonths}
                />
              </InlineStack>
            </InlineStack>
            <HeatmapTable
              testId="cohort-heatmap"
              caption={t("cohorts.heatmap.title")}
              corner={t("cohorts.cohort")}
              leadHeaders={[t("cohorts.size"), t("cohorts.nps")]}
              columns={Array.from({ length: width + 1 }, (_, k) => `M${k}`)}
              rows={heatRows}
              max={measure === "share" ? shareMax : undefined}
              fewMark={t("cohorts.fewMark", { min: format.number(MIN_TREND_BASE) })}
            />
            {heatRows.some((r) => r.few) && (
              <Text as="p" variant="bodySm" tone="subdued">
                <span data-testid="cohort-few-legend">
                  {t("cohorts.fewLegend", { min: format.number(MIN_TREND_BASE) })}
                </span>
              </Text>
            )}
            <Text as="p" variant="bodySm" tone="subdued">
              <span data-testid="cohort-partial-legend">
                <span className="kz-partial-swatch" aria-hidden="true" />
                {t("cohorts.partialLegend", {
                  date: data.asOfDate ? format.date(data.asOfDate) : "",
                })}
              </span>
            </Text>
          </BlockStack>
        </Card>
        <Card>
          <BlockStack gap="300">
            <InlineStack gap="200" blockAlign="center">
              <Text as="h2" variant="headingMd">
                {t("cohorts.curve.title")}
              </Text>
              <MetricInfo definition={cohorts.ltvCurve.definition} format={format} />
            </InlineStack>
            <Text as="p" variant="bodySm" tone="subdued">
              {t("cohorts.curve.help")}
            </Text>
            <div data-testid="cohort-curves">
              <LineChart
                title={t("cohorts.curve.title")}
                series={series}
                xTitle={t("cohorts.curve.x")}
                yTitle={t("cohorts.curve.y")}
                xLabels={Array.from({ length: curveMonths + 1 }, (_, k) => `M${k}`)}
                yFormat={(v) => format.moneyCompact(v)}
              />
            </div>
          </BlockStack>
        </Card>
      </BlockStack>
    </Page>
  );
}
