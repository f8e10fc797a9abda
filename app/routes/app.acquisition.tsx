import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Card,
  DataTable,
  InlineStack,
  Page,
  Select,
  Text,
} from "@shopify/polaris";
import { useState } from "react";
import type { AcquisitionRow } from "../analytics/acquisition";
import type { Share } from "../analytics/customer-groups";
import type { MetricDefinition } from "../analytics/metric";
import { TargetBarChart } from "../components/charts";
import { BlockPending, NoSnapshot } from "../components/EmptyStates";
import { MetricInfo } from "../components/MetricInfo";
import { ColumnDefinitions, ltvCell, shareCell, WithBase } from "../components/AcquisitionParts";
import { useFormat } from "../components/useFormat";
import { DASH, type Format } from "../format";
import { useI18n } from "../i18n";
import { acquisitionData, type AcquisitionView } from "../pages/acquisition.server";
import { sortAcquisitionRows, type AcquisitionSortKey } from "../pages/acquisition-sort";
import { channelName, marginText, paybackText, ratioText } from "../components/acquisition-text";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return acquisitionData(session.shop);
};

function Info({
  definition,
  view,
  format,
}: {
  definition: MetricDefinition;
  view: Pick<AcquisitionView, "period">;
  format: Format;
}) {
  return <MetricInfo definition={definition} period={view.period} format={format} />;
}

export default function Acquisition() {
  const data = useLoaderData<typeof loader>();
  const i18n = useI18n();
  const { t } = i18n;
  const format = useFormat(data.currency, data.timeZone);
  const view = data.acquisition as AcquisitionView | null;
  const [sort, setSort] = useState<{ key: AcquisitionSortKey; dir: "ascending" | "descending" }>({
    key: "newCustomers",
    dir: "descending",
  });
  const [drill, setDrill] = useState<string>("");
  const [monthChannel, setMonthChannel] = useState<string>(() => {
    const rows = view?.channels ?? [];
    const top = [...rows].sort(
      (a, b) => b.spendMinor - a.spendMinor || b.newCustomers - a.newCustomers,
    )[0];
    return top?.channel ?? "";
  });
  if (!data.hasSnapshot) {
    return (
      <Page>
        <TitleBar title={t("acq.title")} />
        <NoSnapshot status={data.status} format={format} />
      </Page>
    );
  }
  if (!view) {
    return (
      <BlockPending
        title={t("acq.title")}
        heading={t("acq.empty.title")}
        body={t("acq.empty.body")}
        testId="acq-empty"
      />
    );
  }
  const name = (key: string) => channelName(i18n, key, view.labels);
  const pct = (s: Share) => shareCell(format, s);
  const money = (v: number | null | undefined) =>
    v === null || v === undefined ? DASH : format.money(v);
  const ltvAt = (row: AcquisitionRow, k: number) =>
    row.ltv.find((p) => p.months === view.ltvMonths[k]);
  // The table shows LTV at 6 and 12 months (those of the report's horizons).
  const shown = [6, 12].filter((m) => view.ltvMonths.includes(m));
  const ltvIndex = shown.map((m) => view.ltvMonths.indexOf(m));
  const predicted = view.predicted;
  const predictedCell = (row: AcquisitionRow) => {
    const p = predicted?.byChannel[row.channel];
    return p === undefined ? (
      DASH
    ) : (
      <WithBase
        value={format.money(p.meanClvMinor)}
        base={t("acq.base", { n: format.number(p.customers) })}
      />
    );
  };
  const predictedSort = Object.fromEntries(
    Object.entries(predicted?.byChannel ?? {}).map(([k, p]) => [k, p.meanClvMinor]),
  );
  const defs = view.definitions;
  const info = (d: MetricDefinition) => <Info definition={d} view={view} format={format} />;
  const columns: { key: AcquisitionSortKey; heading: string; def?: MetricDefinition }[] = [
    { key: "channel", heading: t("acq.col.channel") },
    { key: "newCustomers", heading: t("acq.col.newCustomers"), def: defs.newCustomers },
    { key: "spend", heading: t("acq.col.spend"), def: defs.spend },
    { key: "cac", heading: t("acq.col.cac"), def: defs.cac },
    { key: "f2", heading: t("acq.col.f2", { days: view.windowDays }), def: defs.f2 },
    { key: "repeat", heading: t("acq.col.repeat"), def: defs.repeat },
    ...shown.map((m, i) => ({
      key: (i === 0 ? "ltv0" : "ltv1") as AcquisitionSortKey,
      heading: t("acq.col.ltv", { months: m }),
      def: defs.ltv,
    })),
    // Only channels have a prediction (the block carries none per campaign).
    ...(predicted
      ? [
          {
            key: "predicted" as const,
            heading: t("acq.col.predictedLtv", { months: predicted.horizonMonths }),
            def: defs.predictedLtv,
          },
        ]
      : []),
    {
      key: "ltvToCac",
      heading: t("acq.col.ltvToCac", { months: view.ltvCacMonths }),
      def: defs.ltvToCac,
    },
    { key: "payback", heading: t("acq.col.payback"), def: defs.payback },
  ];
  const ltvMonthsForSort = ltvIndex.map((k) => view.ltvMonths[k]);
  const rowCells = (row: AcquisitionRow, first: string, withPredicted: boolean) => [
    first,
    format.number(row.newCustomers),
    row.spendMinor > 0 ? format.money(row.spendMinor) : DASH,
    money(row.cac?.value),
    pct(row.f2),
    pct(row.repeat),
    ...ltvIndex.map((k) => ltvCell(t, format, ltvAt(row, k))),
    ...(withPredicted && predicted ? [predictedCell(row)] : []),
    ratioText(i18n, format, row.ltvToCac),
    paybackText(i18n, format, row.payback),
  ];
  const sorted = sortAcquisitionRows(
    view.channels,
    sort.key,
    sort.dir,
    ltvMonthsForSort,
    predictedSort,
  );
  const types = columns.map((c): "text" | "numeric" => (c.key === "channel" ? "text" : "numeric"));
  const campaignColumns = columns.filter((c) => c.key !== "predicted");
  const monthRow = view.channelMonths.find((r) => r.channel === monthChannel);
  const drillRows = drill === "" ? [] : (view.campaigns[drill] ?? []);
  const bars = view.channels.map((r) => ({
    label: name(r.channel),
    value: r.ltvToCac.status === "ok" ? r.ltvToCac.value : null,
  }));
  const touchesTotal = view.touches.visit + view.touches.none + view.touches.unknown;
  return (
    // Full width: up to eleven columns of figures (narrower windows scroll the table).
    <Page title={t("acq.title")} fullWidth>
      <TitleBar title={t("acq.title")} />
      <BlockStack gap="400">
        <Card>
          <BlockStack gap="200">
            {view.period && (
              <Text as="p" variant="bodySm" tone="subdued">
                <span data-testid="acq-period">
                  {t("acq.period", {
                    start: format.date(view.period.start),
                    end: format.date(view.period.end),
                  })}
                </span>
              </Text>
            )}
            <Text as="p" variant="bodySm">
              <span data-testid="acq-touches">
                {t("acq.touches", {
                  total: format.number(touchesTotal),
                  visit: format.number(view.touches.visit),
                  none: format.number(view.touches.none),
                  unknown: format.number(view.touches.unknown),
                })}
              </span>
            </Text>
            <Text as="p" variant="bodySm">
              <span data-testid="acq-margin">{marginText(i18n, format, view.margin)}</span>
            </Text>
            {view.margin.basis === "none" && (
              <Banner tone="warning">
                <span data-testid="acq-margin-missing">{t("acq.margin.missing")}</span>
              </Banner>
            )}
          </BlockStack>
        </Card>
        <Card>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              {t("acq.channels.title")}
            </Text>
            <ColumnDefinitions columns={columns} period={view.period} format={format} />
            <div data-testid="acq-channels">
              <DataTable
                columnContentTypes={types}
                headings={columns.map((c) => c.heading)}
                sortable={columns.map(() => true)}
                defaultSortDirection="descending"
                initialSortColumnIndex={1}
                onSort={(index, direction) =>
                  setSort({
                    key: columns[index]?.key ?? "channel",
                    dir: direction === "ascending" ? "ascending" : "descending",
                  })
                }
                rows={sorted.map((r) => rowCells(r, name(r.channel), true))}
              />
            </div>
            <Text as="p" variant="bodySm" tone="subdued">
              {t("acq.channels.note", { days: view.windowDays })}
            </Text>
            <Text as="p" variant="bodySm" tone="subdued">
              <span data-testid="acq-predicted-note">
                {predicted
                  ? t("acq.predicted.note", { months: format.number(predicted.horizonMonths) })
                  : t("acq.predicted.none")}
              </span>
            </Text>
          </BlockStack>
        </Card>
        <Card>
          <BlockStack gap="300">
            <InlineStack gap="100" blockAlign="center">
              <Text as="h2" variant="headingMd">
                {t("acq.chart.title", { months: view.ltvCacMonths })}
              </Text>
              {info(defs.ltvToCac)}
            </InlineStack>
            {bars.some((b) => b.value !== null) ? (
              <div data-testid="acq-chart">
                <TargetBarChart
                  bars={bars}
                  target={view.target}
                  targetLabel={t("acq.chart.target", { value: format.number(view.target, 1) })}
                  format={(v) => format.number(v, 1)}
                  title={t("acq.chart.alt", { target: format.number(view.target, 1) })}
                  xTitle={t("acq.chart.x", { months: view.ltvCacMonths })}
                  yTitle={t("acq.chart.y")}
                />
              </div>
            ) : (
              <Text as="p" tone="subdued">
                <span data-testid="acq-chart-none">{t("acq.chart.none")}</span>
              </Text>
            )}
            <div data-testid="acq-chart-table">
              <DataTable
                columnContentTypes={["text", "text", "text"]}
                headings={[t("acq.col.channel"), t("acq.chart.value"), t("acq.chart.vsTarget")]}
                rows={view.channels.map((r) => [
                  name(r.channel),
                  ratioText(i18n, format, r.ltvToCac),
                  r.ltvToCac.status !== "ok" || r.ltvToCac.value === null
                    ? DASH
                    : r.ltvToCac.value >= view.target
                      ? t("acq.chart.meets")
                      : t("acq.chart.below"),
                ])}
              />
            </div>
          </BlockStack>
        </Card>
        <Card>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              {t("acq.campaigns.title")}
            </Text>
            <Select
              label={t("acq.campaigns.channel")}
              value={drill}
              onChange={setDrill}
              options={[
                { value: "", label: t("acq.campaigns.choose") },
                ...view.channels
                  .filter((r) => (view.campaigns[r.channel] ?? []).length > 0)
                  .map((r) => ({
                    value: r.channel,
                    label: `${name(r.channel)} (${format.number(view.campaigns[r.channel].length)})`,
                  })),
              ]}
            />
            {drill !== "" && (
              <div data-testid="acq-campaigns">
                <DataTable
                  columnContentTypes={campaignColumns.map((c) => types[columns.indexOf(c)])}
                  headings={[
                    t("acq.col.campaign"),
                    ...campaignColumns.slice(1).map((c) => c.heading),
                  ]}
                  rows={drillRows.map((r) => rowCells(r, r.campaign ?? DASH, false))}
                />
              </div>
            )}
            <Text as="p" variant="bodySm" tone="subdued">
              {t("acq.campaigns.note")}
            </Text>
          </BlockStack>
        </Card>
        <Card>
          <BlockStack gap="300">
            <InlineStack gap="100" blockAlign="center">
              <Text as="h2" variant="headingMd">
                {t("acq.months.title")}
              </Text>
              {info(defs.cac)}
            </InlineStack>
            <Text as="p" variant="bodySm" tone="subdued">
              {t("acq.months.note")}
            </Text>
            <Select
              label={t("acq.months.channel")}
              value={monthChannel}
              onChange={setMonthChannel}
              options={view.channels.map((r) => ({ value: r.channel, label: name(r.channel) }))}
            />
            <div data-testid="acq-months">
              <DataTable
                columnContentTypes={["text", "numeric", "numeric", "numeric"]}
                headings={[
                  t("acq.col.month"),
                  t("acq.col.newCustomers"),
                  t("acq.col.spend"),
                  t("acq.col.cac"),
                ]}
                rows={view.months.flatMap((m, i) => {
                  const c = monthRow?.cells[i] ?? null;
                  return c === null
                    ? []
                    : [
                        [
                          format.month(m),
                          format.number(c.newCustomers),
                          c.spendMinor > 0 ? format.money(c.spendMinor) : DASH,
                          money(c.cac?.value),
                        ],
                      ];
                })}
              />
            </div>
          </BlockStack>
        </Card>
        <Card>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              {t("acq.unmatched.title")}
            </Text>
            {view.unmatchedSpend.length === 0 ? (
              <Text as="p" tone="subdued">
                <span data-testid="acq-unmatched-none">{t("acq.unmatched.none")}</span>
              </Text>
            ) : (
              <div data-testid="acq-unmatched">
                <Text as="p" variant="bodySm" tone="subdued">
                  {t("acq.unmatched.note")}
                </Text>
                <DataTable
                  columnContentTypes={["text", "numeric"]}
                  headings={[t("acq.unmatched.channel"), t("acq.col.spend")]}
                  rows={view.unmatchedSpend.map((u) => [u.channel, format.money(u.amountMinor)])}
                />
              </div>
            )}
          </BlockStack>
        </Card>
      </BlockStack>
    </Page>
  );
}
