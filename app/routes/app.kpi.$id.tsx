import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Button,
  ButtonGroup,
  Card,
  DataTable,
  InlineStack,
  Layout,
  Page,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useState } from "react";
import type { MetricUnit } from "../analytics/metric";
import type { TargetDirection } from "../analytics/targets";
import { LineChart } from "../components/charts";
import { StatusBadge, targetText } from "../components/KpiCard";
import { periodLabel } from "../components/period-label";
import { RangeStatus, RETRY_RANGE_INTENT } from "../components/RangeStatus";
import { usePolling } from "../components/ShopStatus";
import { useFormat } from "../components/useFormat";
import { metricBase, metricName, metricText, useI18n } from "../i18n";
import { kpiPageData, parseKpiPeriod, retryKpiRange, saveKpiTarget } from "../pages/kpi.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const search = new URL(request.url).searchParams;
  const period = parseKpiPeriod(search.get("period"));
  const data = await kpiPageData(session.shop, params.id ?? "", period, {
    from: search.get("from") ?? "",
    to: search.get("to") ?? "",
  });
  if (!data.found) throw new Response("Not found", { status: 404 });
  return data;
};

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const id = params.id ?? "";
  const form = await request.formData();
  if (form.get("intent") === RETRY_RANGE_INTENT) {
    await retryKpiRange(session.shop, String(form.get("from") ?? ""), String(form.get("to") ?? ""));
    return null;
  }
  const data = await kpiPageData(session.shop, id);
  const unit: MetricUnit = data.series?.definition.unit ?? "count";
  return saveKpiTarget(session.shop, id, unit, form);
};

const tidy = (x: number): string => String(+x.toPrecision(12));

export default function KpiPage() {
  const data = useLoaderData<typeof loader>();
  const saved = useActionData<typeof action>();
  const navigation = useNavigation();
  const i18n = useI18n();
  const { t } = i18n;
  const format = useFormat(data.currency, data.timeZone);
  const series = data.series;
  const unit: MetricUnit = series?.definition.unit ?? "count";
  const toInput = (v: number | null) => (v === null ? "" : tidy(unit === "ratio" ? v * 100 : v));
  const [direction, setDirection] = useState<TargetDirection>(
    data.declined ? "none" : (data.target?.direction ?? "none"),
  );
  const [min, setMin] = useState(toInput(data.target?.min ?? null));
  const [max, setMax] = useState(toInput(data.target?.max ?? null));
  const name = series ? metricName(i18n, series.definition) : data.id;
  const target = data.target;
  const bounds = target
    ? {
        min: target.direction === "at_most" ? null : target.min,
        max: target.direction === "at_least" ? null : target.max,
        label: "",
      }
    : null;
  const valueOf = (p: { value: number | null; tooFew: boolean }) => (p.tooFew ? null : p.value);
  const g = data.period;
  // A range's chart and table go month by month.
  const label = (p: { month: string; end: string }) =>
    periodLabel(i18n, format, g === "range" ? "month" : g, data.fiscalStartMonth, p.month, p.end);
  const range = data.range;
  usePolling(range?.status === "computing");
  const rangeText = (from: string, to: string) =>
    periodLabel(i18n, format, "range", 1, from, `${to}-01`);
  const rangeName = range && "from" in range ? rangeText(range.from, range.to) : "";
  const rows = data.rangeRows;
  const chartTitle =
    g === "month"
      ? t("kpiPage.chartTitle", { name })
      : g === "range"
        ? t("kpiPage.chartTitle.range", { name, range: rangeName })
        : t(`kpiPage.chartTitle.${g}`, { name });
  const periodQuery = (p: typeof g) =>
    p === "month"
      ? ""
      : p === "range" && range && "from" in range
        ? `?period=range&from=${range.from}&to=${range.to}`
        : `?period=${p}`;
  const noteOf = (p: { partial: boolean; immature: boolean; end: string }) =>
    p.partial
      ? ` — ${t("kpiPage.partial", { date: format.date(p.end) })}`
      : p.immature
        ? ` — ${t("kpiPage.immature")}`
        : "";
  const row = (p: (typeof series & object)["points"][number], text: string) => [
    `${text}${noteOf(p)}`,
    p.tooFew ? t("kpiPage.tooFew") : format.metric(p.value, unit),
    `${format.number(p.numerator, 0)} / ${format.number(p.denominator)}`,
    <StatusBadge key="s" status={p.status} />,
  ];

  return (
    <Page backAction={{ content: t("kpiPage.back"), url: "/app" }} title={name}>
      <TitleBar title={name} />
      <Layout>
        {!series ? (
          <Layout.Section>
            <Banner tone="info">{t("kpiPage.noHistory")}</Banner>
          </Layout.Section>
        ) : (
          <>
            <Layout.Section>
              <Card>
                <BlockStack gap="300">
                  <InlineStack align="space-between" blockAlign="center" gap="200" wrap>
                    <Text as="h2" variant="headingMd">
                      {chartTitle}
                    </Text>
                    <div role="group" aria-label={t("period.label")} data-testid="kpi-period">
                      <ButtonGroup variant="segmented">
                        {(g === "range"
                          ? (["month", "quarter", "year", "last12", "range"] as const)
                          : (["month", "quarter", "year", "last12"] as const)
                        ).map((p) => (
                          <Button
                            key={p}
                            pressed={p === g}
                            url={`/app/kpi/${data.id}${periodQuery(p)}`}
                          >
                            {t(`period.${p}`)}
                          </Button>
                        ))}
                      </ButtonGroup>
                    </div>
                  </InlineStack>
                  {range?.status === "none" && (
                    <Banner tone="info">{t("kpiPage.rangeChoose")}</Banner>
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
                  {rows && (
                    <Text as="p" variant="bodyMd">
                      <span data-testid="kpi-range-summary">
                        {t("kpiPage.rangeSummary", {
                          range: rangeName,
                          value: rows.range.tooFew
                            ? t("kpiPage.tooFew")
                            : format.metric(rows.range.value, unit),
                          earlier: periodLabel(
                            i18n,
                            format,
                            "range",
                            1,
                            rows.lastYear.month,
                            rows.lastYear.end,
                          ),
                          before: rows.lastYear.tooFew
                            ? t("kpiPage.tooFew")
                            : format.metric(rows.lastYear.value, unit),
                        })}
                      </span>
                    </Text>
                  )}
                  {g !== "month" && g !== "range" && (
                    <Text as="p" variant="bodySm" tone="subdued">
                      {t("kpiPage.periodNote", { period: t(`kpiPage.periodNoun.${g}`) })}
                    </Text>
                  )}
                  {series.points.length > 0 && (
                    <div data-testid="kpi-chart" data-period={g}>
                      <LineChart
                        title={chartTitle}
                        xTitle={
                          g === "month" || g === "range"
                            ? t("kpiPage.axisMonth")
                            : t(`kpiPage.axis.${g}`)
                        }
                        yTitle={name}
                        xLabels={series.points.map(label)}
                        yFormat={(v) => format.metric(v, unit)}
                        series={[
                          { label: name, values: series.points.map(valueOf) },
                          ...(bounds?.min != null
                            ? [
                                {
                                  label: `${t("kpiPage.targetLine")} ${format.metric(bounds.min, unit)}`,
                                  values: series.points.map(() => bounds.min),
                                  dashed: true,
                                  color: "#8a6116",
                                },
                              ]
                            : []),
                          ...(bounds?.max != null
                            ? [
                                {
                                  label: `${t("kpiPage.targetLine")} ${format.metric(bounds.max, unit)}`,
                                  values: series.points.map(() => bounds.max),
                                  dashed: true,
                                  color: "#8a6116",
                                },
                              ]
                            : []),
                        ]}
                      />
                    </div>
                  )}
                </BlockStack>
              </Card>
            </Layout.Section>
            <Layout.Section variant="oneThird">
              <BlockStack gap="400">
                <Card>
                  <BlockStack gap="200">
                    <Text as="h2" variant="headingMd">
                      {t("kpiPage.definition")}
                    </Text>
                    <p data-testid="kpi-definition">{metricText(i18n, series.definition)}</p>
                    <Text as="p" variant="bodySm" tone="subdued">
                      {t("kpiPage.base", { base: metricBase(i18n, series.definition) })}
                    </Text>
                  </BlockStack>
                </Card>
                <Card>
                  <Form method="post">
                    <BlockStack gap="300">
                      <Text as="h2" variant="headingMd">
                        {t("kpiPage.target.title")}
                      </Text>
                      <Text as="p" variant="bodySm" tone="subdued">
                        <span data-testid="kpi-target-now">
                          {data.declined || !target
                            ? t("kpiPage.target.declined")
                            : t("kpiPage.target.current", {
                                target: targetText(format, bounds!, {
                                  definition: series.definition,
                                } as never),
                              })}
                        </span>
                      </Text>
                      <Select
                        label={t("kpiPage.target.direction")}
                        name="direction"
                        value={direction}
                        onChange={(v) => setDirection(v as TargetDirection)}
                        options={(["at_least", "at_most", "range", "none"] as const).map((d) => ({
                          value: d,
                          label: t(`kpiPage.target.${d}`),
                        }))}
                      />
                      {(direction === "at_least" || direction === "range") && (
                        <TextField
                          label={t("kpiPage.target.min")}
                          name="min"
                          value={min}
                          onChange={setMin}
                          autoComplete="off"
                          helpText={unit === "ratio" ? t("kpiPage.target.percentHelp") : undefined}
                        />
                      )}
                      {(direction === "at_most" || direction === "range") && (
                        <TextField
                          label={t("kpiPage.target.max")}
                          name="max"
                          value={max}
                          onChange={setMax}
                          autoComplete="off"
                          helpText={unit === "ratio" ? t("kpiPage.target.percentHelp") : undefined}
                        />
                      )}
                      {saved && !saved.ok && (
                        <Banner tone="critical">{t(`kpiPage.error.${saved.error}`)}</Banner>
                      )}
                      {saved?.ok && navigation.state === "idle" && (
                        <Banner tone="success">{t("kpiPage.target.saved")}</Banner>
                      )}
                      <Button submit variant="primary" loading={navigation.state !== "idle"}>
                        {t("common.save")}
                      </Button>
                    </BlockStack>
                  </Form>
                </Card>
              </BlockStack>
            </Layout.Section>
            {(rows !== null || series.points.length > 0) && (
              <Layout.Section>
                <Card>
                  <BlockStack gap="300">
                    <Text as="h2" variant="headingMd">
                      {g === "month" ? t("kpiPage.table") : t(`kpiPage.table.${g}`)}
                    </Text>
                    <div data-testid="kpi-table">
                      <DataTable
                        columnContentTypes={["text", "numeric", "numeric", "text"]}
                        headings={[
                          g === "month" ? t("kpiPage.col.month") : t("kpiPage.col.period"),
                          t("kpiPage.col.value"),
                          t("kpiPage.col.base"),
                          t("kpiPage.col.status"),
                        ]}
                        rows={[
                          ...(rows
                            ? [
                                row(rows.range, t("kpiPage.row.range", { range: rangeName })),
                                row(
                                  rows.lastYear,
                                  t("kpiPage.row.lastYear", {
                                    range: periodLabel(
                                      i18n,
                                      format,
                                      "range",
                                      1,
                                      rows.lastYear.month,
                                      rows.lastYear.end,
                                    ),
                                  }),
                                ),
                              ]
                            : []),
                          ...[...series.points].reverse().map((p) => row(p, label(p))),
                        ]}
                      />
                    </div>
                  </BlockStack>
                </Card>
              </Layout.Section>
            )}
          </>
        )}
      </Layout>
    </Page>
  );
}
