/**
 * "How is this calculated?": a metric's definition, period and base (with the counts behind
 * the value) in a popover, in the admin's language.
 */
import { BlockStack, Box, Button, Popover, Text } from "@shopify/polaris";
import { useCallback, useState } from "react";
import type { Metric, MetricDefinition, MetricPeriod } from "../analytics/metric";
import type { Format } from "../format";
import { metricBase, metricName, metricText, useI18n } from "../i18n";

export function periodText(format: Format, period: MetricPeriod | null): string | null {
  if (!period) return null;
  return period.start === period.end
    ? format.date(period.start)
    : `${format.date(period.start)} – ${format.date(period.end)}`;
}

export function MetricInfo({
  definition,
  metric,
  period: ownPeriod,
  periodLabel,
  format,
}: {
  definition: MetricDefinition;
  metric?: Metric;
  /** The period of a figure that is not a Metric record (its own when both are given). */
  period?: MetricPeriod | null;
  /** A period said in words ("every first purchase up to …"), when it has no start date. */
  periodLabel?: string;
  format: Format;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const [active, setActive] = useState(false);
  const toggle = useCallback(() => setActive((a) => !a), []);
  const period = periodLabel ?? periodText(format, metric ? metric.period : (ownPeriod ?? null));
  const name = metricName(i18n, definition);
  return (
    <Popover
      active={active}
      onClose={toggle}
      preferredAlignment="right"
      activator={
        // One line: a wrapped "定義" reads as "定 義", not as the start of its name.
        <span className="kz-nowrap">
          <Button
            variant="plain"
            onClick={toggle}
            accessibilityLabel={t("metric.info.label", { name })}
            disclosure={active ? "up" : "down"}
          >
            {t("metric.info.button")}
          </Button>
        </span>
      }
    >
      <Box padding="400" maxWidth="360px">
        <BlockStack gap="200">
          <Text as="h3" variant="headingSm">
            {name}
          </Text>
          <Text as="p" variant="bodySm" tone="subdued">
            <span data-testid={`definition-${definition.id}`}>{metricText(i18n, definition)}</span>
          </Text>
          {period && (
            <Text as="p" variant="bodySm">
              {t("metric.info.period", { period })}
            </Text>
          )}
          <Text as="p" variant="bodySm">
            {t("metric.info.base", { base: metricBase(i18n, definition) })}
          </Text>
          {metric && metric.denominator > 0 && definition.unit === "ratio" && (
            <Text as="p" variant="bodySm" tone="subdued">
              {t("metric.info.counts", {
                numerator: format.number(metric.numerator),
                denominator: format.number(metric.denominator),
              })}
            </Text>
          )}
        </BlockStack>
      </Box>
    </Popover>
  );
}
