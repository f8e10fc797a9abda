/**
 * One KPI: value, target with a pass/fail badge, the trend from the snapshot history and
 * the definition in a popover.
 */
import { Badge, BlockStack, Card, InlineStack, Text } from "@shopify/polaris";
import type { Metric } from "../analytics/metric";
import type { TargetStatus } from "../analytics/targets";
import type { Format } from "../format";
import { metricName, useI18n } from "../i18n";
import type { SnapshotTarget } from "../metrics/snapshot";
import { Sparkline } from "./charts";
import { MetricInfo } from "./MetricInfo";

export function targetText(format: Format, target: SnapshotTarget, metric: Metric): string {
  const unit = metric.definition.unit;
  if (target.min !== null && target.max !== null) {
    return `${format.metric(target.min, unit)} – ${format.metric(target.max, unit)}`;
  }
  if (target.min !== null) return `≥ ${format.metric(target.min, unit)}`;
  if (target.max !== null) return `≤ ${format.metric(target.max, unit)}`;
  return target.label;
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
}: {
  metric: Metric;
  target: SnapshotTarget | null;
  status: TargetStatus | null;
  previousValue: number | null;
  trend: readonly (number | null)[];
  trendDates: readonly string[];
  format: Format;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const unit = metric.definition.unit;
  const name = metricName(i18n, metric.definition);
  const points = trend.filter((v) => v !== null).length;
  return (
    <Card>
      <div data-testid={`kpi-${metric.id}`} data-status={status ?? "none"}>
        <BlockStack gap="200">
          <InlineStack align="space-between" blockAlign="start" wrap={false} gap="200">
            <Text as="h2" variant="headingSm">
              {name}
            </Text>
            <MetricInfo definition={metric.definition} metric={metric} format={format} />
          </InlineStack>
          <InlineStack align="space-between" blockAlign="end" gap="200">
            <Text as="p" variant="heading2xl">
              <span data-testid={`kpi-value-${metric.id}`}>
                {format.metric(metric.value, unit)}
              </span>
            </Text>
            {points >= 2 && (
              <Sparkline
                values={trend}
                label={t("kpi.trend", {
                  name,
                  from: format.date(trendDates[0]),
                  to: format.date(trendDates[trendDates.length - 1]),
                })}
              />
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
