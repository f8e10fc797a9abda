import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData, useNavigation } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  BlockStack,
  Button,
  ButtonGroup,
  Card,
  DataTable,
  InlineGrid,
  InlineStack,
  Page,
  Text,
  TextField,
} from "@shopify/polaris";
import { useEffect, useState } from "react";
import type { Metric } from "../analytics/metric";
import { CohortFilterCard } from "../components/CohortFilter";
import { NoSnapshot } from "../components/EmptyStates";
import { HeatmapTable, type HeatRow } from "../components/Heatmap";
import { fieldErrorText } from "../components/FieldGroup";
import { MetricInfo, periodText } from "../components/MetricInfo";
import { useFormat } from "../components/useFormat";
import type { Format } from "../format";
import { metricName, segmentName, useI18n } from "../i18n";
import { pageAdminApi } from "../pages/customer-names.server";
import { migrationData, type MigrationErrors } from "../pages/migration.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return migrationData(session.shop, new URL(request.url), pageAdminApi(session));
};

function MetricTile({ metric, format }: { metric: Metric; format: Format }) {
  const i18n = useI18n();
  return (
    <Card>
      <BlockStack gap="200">
        <InlineStack align="space-between" blockAlign="start" gap="200" wrap={false}>
          <Text as="h3" variant="headingSm">
            {metricName(i18n, metric.definition)}
          </Text>
          <MetricInfo definition={metric.definition} metric={metric} format={format} />
        </InlineStack>
        <Text as="p" variant="heading2xl">
          <span data-testid={`metric-${metric.id}`}>
            {format.metric(metric.value, metric.definition.unit)}
          </span>
        </Text>
        <Text as="p" variant="bodySm" tone="subdued">
          {i18n.t("migration.ofBase", {
            numerator: format.number(metric.numerator),
            denominator: format.number(metric.denominator),
          })}
        </Text>
      </BlockStack>
    </Card>
  );
}

/** The two dates to compare; a GET form, so the choice lives in the URL. */
function DatesForm({
  dates,
  errors,
  today,
  custom,
  timeZone,
}: {
  dates: { from: string; to: string };
  errors: MigrationErrors | null;
  today: string | null;
  custom: boolean;
  timeZone: string;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const navigation = useNavigation();
  const [from, setFrom] = useState(dates.from);
  const [to, setTo] = useState(dates.to);
  useEffect(() => {
    setFrom(dates.from);
    setTo(dates.to);
  }, [dates.from, dates.to]);
  const loading =
    navigation.state === "loading" && navigation.location.pathname === "/app/migration";
  return (
    <Card>
      <Form method="get" data-testid="migration-dates">
        <BlockStack gap="300">
          <BlockStack gap="100">
            <Text as="h2" variant="headingMd">
              {t("migration.dates.title")}
            </Text>
            <Text as="p" variant="bodySm" tone="subdued">
              {t("migration.dates.help", { zone: timeZone })}
            </Text>
          </BlockStack>
          <InlineStack gap="300" blockAlign="start" wrap>
            <TextField
              label={t("migration.dates.from")}
              type="date"
              name="from"
              id="migration-from"
              value={from}
              onChange={setFrom}
              max={today ?? undefined}
              error={fieldErrorText(i18n, errors?.from)}
              autoComplete="off"
            />
            <TextField
              label={t("migration.dates.to")}
              type="date"
              name="to"
              id="migration-to"
              value={to}
              onChange={setTo}
              max={today ?? undefined}
              error={fieldErrorText(i18n, errors?.to)}
              autoComplete="off"
            />
          </InlineStack>
          <InlineStack gap="200">
            <Button submit variant="primary" loading={loading} id="migration-compare">
              {t("migration.dates.apply")}
            </Button>
            {(custom || errors) && (
              <Button url="/app/migration" id="migration-reset">
                {t("migration.dates.reset")}
              </Button>
            )}
          </InlineStack>
          {custom && (
            <Text as="p" variant="bodySm" tone="subdued">
              <span data-testid="migration-custom">{t("migration.dates.custom")}</span>
            </Text>
          )}
        </BlockStack>
      </Form>
    </Card>
  );
}

export default function Migration() {
  const data = useLoaderData<typeof loader>();
  const i18n = useI18n();
  const { t } = i18n;
  const format = useFormat(data.currency, data.timeZone);
  const [measure, setMeasure] = useState<"customers" | "revenue">("customers");
  const migration = data.migration;
  if (!migration) {
    return (
      <Page>
        <TitleBar title={t("migration.title")} />
        <NoSnapshot status={data.status} format={format} />
      </Page>
    );
  }
  const { yoy, segments } = migration;
  const label = (id: string, name: string) =>
    id === "none"
      ? t("migration.notYet")
      : migration.customRules
        ? name
        : segmentName(i18n, id, name);
  const names = segments.labels.map((id, i) => label(id, segments.names[i]));
  const matrix = measure === "customers" ? segments.counts : segments.revenueMinor;
  // Scored customers stay scored: the "not a customer" column is empty unless rules changed.
  const columns = segments.labels
    .map((id, c) => c)
    .filter((c) => segments.labels[c] !== "none" || segments.counts.some((row) => row[c] > 0));
  const heatRows: HeatRow[] = segments.labels.map((id, r) => {
    const rowTotal = segments.counts[r].reduce((a, b) => a + b, 0);
    return {
      key: id,
      label: names[r],
      lead: [format.number(rowTotal)],
      cells: columns.map((c) => {
        const to = segments.labels[c];
        const count = segments.counts[r][c];
        const v = matrix[r][c];
        return {
          // Shade by the share of the row: where last year's customers went.
          value: rowTotal > 0 ? count / rowTotal : null,
          text:
            count === 0 ? "·" : measure === "customers" ? format.number(v) : format.moneyCompact(v),
          title: t("migration.matrix.cell", {
            from: names[r],
            to: names[c],
            customers: format.number(count),
            share: rowTotal > 0 ? format.percent(count / rowTotal) : "—",
            revenue: format.money(segments.revenueMinor[r][c]),
          }),
          testId: `migration-${id}-${to}`,
        };
      }),
    };
  });

  const current = periodText(format, yoy.current);
  const previous = periodText(format, yoy.previous);
  const r = yoy.currentRevenueMinor;

  return (
    <Page fullWidth>
      <TitleBar title={t("migration.title")} />
      <BlockStack gap="400">
        {data.dates && (
          <DatesForm
            dates={data.dates}
            errors={data.errors}
            today={data.today}
            custom={data.custom}
            timeZone={data.timeZone}
          />
        )}
        <CohortFilterCard
          filter={data.filter}
          asOfDate={data.asOfDate}
          format={format}
          note={t("cohortFilter.migrationNote")}
          applied="cohortFilter.appliedMigration"
          fallback={
            <Text as="p" variant="bodySm" tone="subdued">
              <span data-testid="migration-filter-dates">
                {t("migration.filterDates", {
                  from: format.date(migration.snapshotDates.from),
                  to: format.date(migration.snapshotDates.to),
                })}
              </span>
            </Text>
          }
        />
        <Card>
          <BlockStack gap="100">
            <Text as="h2" variant="headingMd">
              {t("migration.yoy.title")}
            </Text>
            <Text as="p" variant="bodySm" tone="subdued">
              {t("migration.yoy.periods", { current: current ?? "", previous: previous ?? "" })}
            </Text>
          </BlockStack>
        </Card>
        <InlineGrid columns={{ xs: 1, md: 3 }} gap="400">
          <MetricTile metric={yoy.retention} format={format} />
          <MetricTile metric={yoy.newMigration} format={format} />
          <MetricTile metric={yoy.existingMigration} format={format} />
        </InlineGrid>
        <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
          <Card padding="0">
            <BlockStack>
              <div style={{ padding: "var(--p-space-400)" }}>
                <Text as="h3" variant="headingSm">
                  {t("migration.previous.title", { period: previous ?? "" })}
                </Text>
              </div>
              <DataTable
                columnContentTypes={["text", "numeric", "numeric"]}
                headings={["", t("migration.buyers"), t("migration.retained")]}
                rows={[
                  [
                    t("migration.new"),
                    format.number(yoy.previousNew),
                    format.number(yoy.retainedNew),
                  ],
                  [
                    t("migration.existing"),
                    format.number(yoy.previousExisting),
                    format.number(yoy.retainedExisting),
                  ],
                ]}
                totals={[
                  "",
                  format.number(yoy.previousBuyers),
                  format.number(yoy.retainedNew + yoy.retainedExisting),
                ]}
                totalsName={{ singular: t("common.total"), plural: t("common.total") }}
              />
            </BlockStack>
          </Card>
          <Card padding="0">
            <BlockStack>
              <div style={{ padding: "var(--p-space-400)" }}>
                <Text as="h3" variant="headingSm">
                  {t("migration.current.title", { period: current ?? "" })}
                </Text>
              </div>
              <DataTable
                columnContentTypes={["text", "numeric", "numeric"]}
                headings={["", t("migration.buyers"), t("migration.revenue")]}
                rows={[
                  [t("migration.new"), format.number(yoy.currentNew), format.money(r.new)],
                  [
                    t("migration.retainedBuyers"),
                    format.number(yoy.currentRetained),
                    format.money(r.retained),
                  ],
                  [
                    t("migration.reactivated"),
                    format.number(yoy.currentReactivated),
                    format.money(r.reactivated),
                  ],
                ]}
                totals={[
                  "",
                  format.number(yoy.currentNew + yoy.currentRetained + yoy.currentReactivated),
                  format.money(r.new + r.retained + r.reactivated),
                ]}
                totalsName={{ singular: t("common.total"), plural: t("common.total") }}
              />
            </BlockStack>
          </Card>
        </InlineGrid>
        <Card>
          <BlockStack gap="300">
            <InlineStack align="space-between" blockAlign="center" gap="200">
              <BlockStack gap="100">
                <Text as="h2" variant="headingMd">
                  {data.custom
                    ? t("migration.matrix.titleDates", {
                        from: format.date(segments.fromDate),
                        to: format.date(segments.toDate),
                      })
                    : t("migration.matrix.title")}
                </Text>
                <Text as="p" variant="bodySm" tone="subdued">
                  {t("migration.matrix.help", {
                    from: format.date(segments.fromDate),
                    to: format.date(segments.toDate),
                  })}
                </Text>
              </BlockStack>
              <ButtonGroup variant="segmented">
                <Button pressed={measure === "customers"} onClick={() => setMeasure("customers")}>
                  {t("segments.grid.byCustomers")}
                </Button>
                <Button pressed={measure === "revenue"} onClick={() => setMeasure("revenue")}>
                  {t("segments.grid.byRevenue")}
                </Button>
              </ButtonGroup>
            </InlineStack>
            <HeatmapTable
              testId="migration-matrix"
              caption={t("migration.matrix.title")}
              corner={t("migration.matrix.corner")}
              leadHeaders={[t("migration.matrix.total")]}
              columns={columns.map((c) => names[c])}
              rows={heatRows}
              max={1}
            />
          </BlockStack>
        </Card>
      </BlockStack>
    </Page>
  );
}
