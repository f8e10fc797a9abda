/**
 * Pieces the acquisition and entry-product tables share: the definitions of a table's
 * columns in one row above it (a sortable heading is a button, and popovers inside headings
 * made the columns too wide), and a value with its base on a second line.
 */
import { BlockStack, InlineStack, Text } from "@shopify/polaris";
import type { ReactNode } from "react";
import type { LtvPoint, Share } from "../analytics/customer-groups";
import type { MetricDefinition, MetricPeriod } from "../analytics/metric";
import { DASH, type Format } from "../format";
import type { Translator } from "../i18n";
import { MetricInfo } from "./MetricInfo";

export function ColumnDefinitions({
  columns,
  period,
  periodLabel,
  format,
}: {
  columns: readonly { readonly heading: string; readonly def?: MetricDefinition }[];
  period?: MetricPeriod | null;
  periodLabel?: string;
  format: Format;
}) {
  return (
    <InlineStack gap="300" blockAlign="center">
      {columns.map((c) =>
        c.def ? (
          <InlineStack key={c.heading} gap="100" blockAlign="center" wrap={false}>
            <Text as="span" variant="bodySm">
              {c.heading}
            </Text>
            <MetricInfo
              definition={c.def}
              period={period}
              periodLabel={periodLabel}
              format={format}
            />
          </InlineStack>
        ) : null,
      )}
    </InlineStack>
  );
}

export function WithBase({ value, base }: { value: string; base: string | null }) {
  if (base === null) return <>{value}</>;
  return (
    <BlockStack gap="0" inlineAlign="end">
      <span>{value}</span>
      <Text as="span" variant="bodySm" tone="subdued">
        {base}
      </Text>
    </BlockStack>
  );
}

/** A share's cell: its percentage, or a dash when it has no base. */
export function shareCell(format: Format, share: Share): string {
  return share.value === null ? DASH : format.percent(share.value);
}

/** An LTV point's cell: the amount over its customers, or a dash when there is none. */
export function ltvCell(
  t: Translator["t"],
  format: Format,
  point: LtvPoint | undefined,
): ReactNode {
  return point === undefined || point.valueMinor === null ? (
    DASH
  ) : (
    <WithBase
      value={format.money(point.valueMinor)}
      base={t("acq.base", { n: format.number(point.customers) })}
    />
  );
}
