/**
 * The settings page's target for every KPI: direction (≥ / ≤ / range / no target) and bounds,
 * one row per KPI, each saved on its own (the KPI page's target form, in a table). Pass/fail
 * follows at once: pages evaluate the stored values against the targets in force.
 */
import { useFetcher } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import {
  BlockStack,
  Button,
  Card,
  InlineGrid,
  Link,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useEffect, useState } from "react";
import type { MetricDefinition } from "../analytics/metric";
import type { KpiTarget, TargetDirection } from "../analytics/targets";
import { metricName, useI18n } from "../i18n";

export interface KpiTargetRowData {
  readonly id: string;
  readonly definition: MetricDefinition;
  readonly target: KpiTarget | null;
  readonly declined: boolean;
}

const tidy = (x: number): string => String(+x.toPrecision(12));
const DIRECTIONS: readonly TargetDirection[] = ["at_least", "at_most", "range", "none"];

function KpiTargetRow({ row }: { row: KpiTargetRowData }) {
  const i18n = useI18n();
  const { t } = i18n;
  const shopify = useAppBridge();
  const fetcher = useFetcher<{ intent: string; ok: boolean; message?: string }>();
  const unit = row.definition.unit;
  const toInput = (v: number | null | undefined) =>
    v === null || v === undefined ? "" : tidy(unit === "ratio" ? v * 100 : v);
  const [direction, setDirection] = useState<TargetDirection>(
    row.declined || !row.target ? "none" : row.target.direction,
  );
  const [min, setMin] = useState(toInput(row.target?.min));
  const [max, setMax] = useState(toInput(row.target?.max));
  const name = metricName(i18n, row.definition);
  const result = fetcher.data;
  useEffect(() => {
    if (fetcher.state === "idle" && result?.ok) shopify.toast.show(t("kpiTargets.saved", { name }));
  }, [fetcher.state, result, shopify, t, name]);
  const help = unit === "ratio" ? t("kpiPage.target.percentHelp") : undefined;
  return (
    <div data-testid={`kpi-target-${row.id}`} className="kz-target-row">
      <InlineGrid columns={{ xs: 1, md: "2fr 2fr 1fr 1fr auto" }} gap="300" alignItems="end">
        <BlockStack gap="050">
          <Link url={`/app/kpi/${row.id}`}>{name}</Link>
        </BlockStack>
        <Select
          label={t("kpiTargets.direction", { name })}
          labelHidden
          value={direction}
          onChange={(v) => setDirection(v as TargetDirection)}
          options={DIRECTIONS.map((d) => ({ value: d, label: t(`kpiPage.target.${d}`) }))}
        />
        <TextField
          label={t("kpiTargets.min", { name })}
          labelHidden
          value={direction === "at_least" || direction === "range" ? min : ""}
          onChange={setMin}
          disabled={!(direction === "at_least" || direction === "range")}
          autoComplete="off"
          helpText={help}
        />
        <TextField
          label={t("kpiTargets.max", { name })}
          labelHidden
          value={direction === "at_most" || direction === "range" ? max : ""}
          onChange={setMax}
          disabled={!(direction === "at_most" || direction === "range")}
          autoComplete="off"
          helpText={help}
        />
        <Button
          loading={fetcher.state !== "idle"}
          accessibilityLabel={t("kpiTargets.saveLabel", { name })}
          onClick={() =>
            fetcher.submit(
              { intent: "kpi-target", id: row.id, direction, min, max },
              { method: "post" },
            )
          }
        >
          {t("common.save")}
        </Button>
      </InlineGrid>
      {result && !result.ok && (
        <Text as="p" tone="critical">
          <span data-testid={`kpi-target-error-${row.id}`}>{t("kpiTargets.invalid")}</span>
        </Text>
      )}
    </div>
  );
}

export function KpiTargets({ rows }: { rows: readonly KpiTargetRowData[] }) {
  const { t } = useI18n();
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="p" variant="bodySm" tone="subdued">
          {rows.length === 0 ? t("kpiTargets.empty") : t("kpiTargets.help")}
        </Text>
        {rows.length > 0 && (
          <div aria-hidden="true" className="kz-target-head">
            <InlineGrid columns={{ xs: 1, md: "2fr 2fr 1fr 1fr auto" }} gap="300">
              <Text as="span" variant="headingSm">
                {t("kpiTargets.col.kpi")}
              </Text>
              <Text as="span" variant="headingSm">
                {t("kpiPage.target.direction")}
              </Text>
              <Text as="span" variant="headingSm">
                {t("kpiPage.target.min")}
              </Text>
              <Text as="span" variant="headingSm">
                {t("kpiPage.target.max")}
              </Text>
              <span className="kz-target-head-spacer" />
            </InlineGrid>
          </div>
        )}
        {rows.map((row) => (
          <KpiTargetRow key={row.id} row={row} />
        ))}
      </BlockStack>
    </Card>
  );
}
