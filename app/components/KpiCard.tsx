/**
 * One KPI: value, target with a pass/fail badge, the trend from the snapshot history and
 * the definition in a popover.
 */
import { Badge, BlockStack, Card, InlineStack, Link, Text } from "@shopify/polaris";
import type { Metric } from "../analytics/metric";
import type { TargetStatus } from "../analytics/targets";
import type { Format } from "../format";
import { metricName, useI18n } from "../i18n";
import type { SnapshotTarget } from "../metrics/snapshot/types";
import type { PeriodView } from "../pages/dashboard.server";
import { Sparkline } from "./charts";
import { MetricInfo } from "./MetricInfo";
import { periodLabel } from "./period-label";

export function targetText(format: Format, target: SnapshotTarget, metric: Metric): string {
  const unit = metric.definition.unit;
  if (target.min !== null && target.max !== null) {
    return `${format.metric(target.min, unit)} – ${format.metric(target.max, unit)}`;
  }
  if (target.min !== null) return `≥ ${format.metric(target.min, unit)}`;
  if (target.max !== null) return `≤ ${format.metric(target.max, unit)}`;
  return target.label;
}

/** The KPI page's query for the card's period (a range names its months). */
function kpiQuery(view: PeriodView): string {
  const g = view.granularity;
  if (g === "month") return "";
  if (g !== "range") return `?period=${g}`;
  const from = view.latest?.month ?? "";
  const to = (view.latest?.end ?? "").slice(0, 7);
  return from && to ? `?period=range&from=${from}&to=${to}` : "";
}

export function StatusBadge({ status }: { status: TargetStatus | null }) {
  const { t } = useI18n();
  if (status === "pass") return <Badge tone="success">{t("kpi.pass")}</Badge>;
  if (status === "fail") return <Badge tone="critical">{t("kpi.fail")}</Badge>;
  if (status === "no_data") return <Badge>{t("kpi.noData")}</Badge>;
  return null;
}

export function KpiCard({
  metric,
  target,
  status,
  previousValue,
  trend,
  trendDates,
  format,
  monthly = null,
}: {
  metric: Metric;
  target: SnapshotTarget | null;
  status: TargetStatus | null;
  previousValue: number | null;
  trend: readonly (number | null)[];
  trendDates: readonly string[];
  format: Format;
  /** The KPI in the dashboard's chosen period (months by default). */
  monthly?: PeriodView | null;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const unit = metric.definition.unit;
  const name = metricName(i18n, metric.definition);
  const points = trend.filter((v) => v !== null).length;
  const monthlyPoints = monthly ? monthly.values.filter((v) => v !== null).length : 0;
  const g = monthly?.granularity ?? "month";
  const label = (month: string, end: string) =>
    periodLabel(i18n, format, g, monthly?.fiscalStartMonth ?? 1, month, end);
  const previousKey = (
    {
      month: "kpi.vsPreviousMonth",
      quarter: "kpi.vsPrevious.quarter",
      year: "kpi.vsPrevious.year",
      last12: "kpi.vsPrevious.last12",
      range: null,
    } as const
  )[g];
  const lastYearKey = (
    {
      month: "kpi.vsLastYear",
      quarter: "kpi.vsLastYear.quarter",
      year: null,
      last12: null,
      range: "kpi.vsLastYear.range",
    } as const
  )[g];
  /** Change as the unit reads it: percentage points for ratios, else the unit's own. */
  const change = (from: number | null | undefined): string | null => {
    const to = monthly?.latest?.value;
    if (to === null || to === undefined || from === null || from === undefined) return null;
    const d = to - from;
    const sign = d > 0 ? "+" : d < 0 ? "−" : "±";
    if (unit === "ratio")
      return t("kpi.changePoints", { sign, value: format.number(Math.abs(d) * 100, 1) });
    return `${sign}${format.metric(Math.abs(d), unit).replace(/^[+]/, "")}`;
  };
  return (
    <Card>
      <div data-testid={`kpi-${metric.id}`} data-status={status ?? "none"} data-period={g}>
        <BlockStack gap="200">
          <InlineStack align="space-between" blockAlign="start" wrap={false} gap="200">
            <Text as="h2" variant="headingSm">
              {name}
            </Text>
            {metric.definition.text !== "" && (
              <MetricInfo definition={metric.definition} metric={metric} format={format} />
            )}
          </InlineStack>
          <InlineStack align="space-between" blockAlign="end" gap="200">
            <Text as="p" variant="heading2xl">
              <span data-testid={`kpi-value-${metric.id}`}>
                {format.metric(metric.value, unit)}
              </span>
            </Text>
            {g === "range" ? (
              monthly?.inside && (
                <span
                  data-testid={`sparkline-${metric.id}`}
                  data-partial={monthly.inside.partial}
                  data-period={g}
                >
                  <Sparkline
                    values={monthly.inside.values}
                    target={target}
                    partialLast={monthly.inside.partial}
                    label={t("kpi.monthlyTrend", {
                      name,
                      from: format.month(monthly.inside.months[0]),
                      to: format.month(monthly.inside.months.at(-1) ?? ""),
                    })}
                  />
                </span>
              )
            ) : monthly && monthlyPoints >= 1 ? (
              <span
                data-testid={`sparkline-${metric.id}`}
                data-partial={monthly.partial}
                data-period={g}
              >
                <Sparkline
                  values={monthly.values}
                  target={target}
                  partialLast={monthly.partial}
                  label={
                    g === "month"
                      ? t("kpi.monthlyTrend", {
                          name,
                          from: format.month(monthly.months[0]),
                          to: format.month(monthly.months[monthly.months.length - 1]),
                        })
                      : t(`kpi.periodTrend.${g}`, {
                          name,
                          from: label(monthly.months[0], monthly.ends[0] ?? ""),
                          to: label(monthly.months.at(-1) ?? "", monthly.ends.at(-1) ?? ""),
                        })
                  }
                />
              </span>
            ) : (
              points >= 2 && (
                <Sparkline
                  values={trend}
                  label={t("kpi.trend", {
                    name,
                    from: format.date(trendDates[0]),
                    to: format.date(trendDates[trendDates.length - 1]),
                  })}
                />
              )
            )}
          </InlineStack>
          <InlineStack gap="200" blockAlign="center">
            <StatusBadge status={status} />
            <Text as="span" variant="bodySm" tone="subdued">
              {target
                ? t("kpi.target", { target: targetText(format, target, metric) })
                : t("kpi.noTarget")}
            </Text>
          </InlineStack>
          {monthly?.latest && (
            <Text as="p" variant="bodySm" tone="subdued">
              <span data-testid={`kpi-monthly-${metric.id}`}>
                {[
                  g === "month"
                    ? t("kpi.latestMonth", {
                        month: format.month(monthly.latest.month),
                        value: format.metric(monthly.latest.value, unit),
                      })
                    : t("kpi.periodLine", {
                        period: label(monthly.latest.month, monthly.latest.end),
                        value: format.metric(monthly.latest.value, unit),
                      }),
                  change(monthly.previous?.value) &&
                    previousKey &&
                    t(previousKey, { change: change(monthly.previous?.value) ?? "" }),
                  change(monthly.lastYear?.value) &&
                    lastYearKey &&
                    t(lastYearKey, { change: change(monthly.lastYear?.value) ?? "" }),
                ]
                  .filter(Boolean)
                  .join(" · ")}
              </span>
            </Text>
          )}
          {monthly && (
            <Text as="p" variant="bodySm">
              <Link url={`/app/kpi/${monthly.id}${kpiQuery(monthly)}`} removeUnderline>
                {g === "month"
                  ? t("kpi.open", { name })
                  : t("kpi.openPeriod", { name, period: t(`period.${g}`) })}
              </Link>
            </Text>
          )}
          {previousValue !== null && (
            <Text as="p" variant="bodySm" tone="subdued">
              {t("kpi.previous", { value: format.metric(previousValue, unit) })}
            </Text>
          )}
        </BlockStack>
      </div>
    </Card>
  );
}
