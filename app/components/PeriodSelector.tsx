/**
 * The dashboard's period selector: monthly, quarterly, yearly, the last 12 months or a custom
 * month range. The choice lives in the URL (?period=quarter, ?period=range&from=…&to=…), so
 * it survives a reload and can be shared.
 */
import { Form, useSearchParams } from "@remix-run/react";
import { BlockStack, Button, ButtonGroup, InlineStack, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { useI18n } from "../i18n";
import { DASHBOARD_PERIODS, type DashboardPeriod } from "../pages/dashboard-period";

export function PeriodSelector({
  period,
  from,
  to,
  fiscalNote,
}: {
  period: DashboardPeriod;
  from: string;
  to: string;
  /** "Fiscal year from April" when the shop counts fiscal years. */
  fiscalNote: string | null;
}) {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const [rangeFrom, setRangeFrom] = useState(from);
  const [rangeTo, setRangeTo] = useState(to);
  const choose = (p: DashboardPeriod) => {
    const next = new URLSearchParams(params);
    next.set("period", p);
    if (p !== "range") {
      next.delete("from");
      next.delete("to");
    }
    setParams(next);
  };
  return (
    <BlockStack gap="300">
      <InlineStack gap="300" blockAlign="center" wrap>
        <Text as="h2" variant="headingSm">
          <span id="period-label">{t("period.label")}</span>
        </Text>
        <div role="group" aria-labelledby="period-label" data-testid="period-selector">
          <ButtonGroup variant="segmented">
            {DASHBOARD_PERIODS.map((p) => (
              <Button key={p} pressed={p === period} onClick={() => choose(p)}>
                {t(`period.${p}`)}
              </Button>
            ))}
          </ButtonGroup>
        </div>
        {fiscalNote && (
          <Text as="span" variant="bodySm" tone="subdued">
            {fiscalNote}
          </Text>
        )}
      </InlineStack>
      {period === "range" && (
        <Form method="get" data-testid="range-form">
          <input type="hidden" name="period" value="range" />
          <InlineStack gap="300" blockAlign="end" wrap>
            <TextField
              label={t("period.from")}
              name="from"
              type="month"
              value={rangeFrom}
              onChange={setRangeFrom}
              autoComplete="off"
              placeholder="2025-04"
            />
            <TextField
              label={t("period.to")}
              name="to"
              type="month"
              value={rangeTo}
              onChange={setRangeTo}
              autoComplete="off"
              placeholder="2026-03"
            />
            <Button submit>{t("period.show")}</Button>
          </InlineStack>
          <Text as="p" variant="bodySm" tone="subdued">
            {t("period.rangeHelp")}
          </Text>
        </Form>
      )}
    </BlockStack>
  );
}
