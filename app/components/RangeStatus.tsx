/**
 * A custom range that is not ready: "Computing…" while its job runs (the page polls), or
 * why it failed, in the merchant's language, with a Retry button that queues it again (the
 * page's action, intent "retry-range"). Shared by the dashboard and the KPI page.
 */
import { Form, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Button, InlineStack } from "@shopify/polaris";
import { useI18n } from "../i18n";
import type { RangeState } from "../pages/period-range.server";

export const RETRY_RANGE_INTENT = "retry-range";

export function RangeStatus({
  range,
  rangeText,
}: {
  range: RangeState | null;
  /** How the page names the range ("April 2025 – March 2026"). */
  rangeText: (from: string, to: string) => string;
}) {
  const { t } = useI18n();
  const navigation = useNavigation();
  if (range?.status === "computing") {
    return (
      <div data-testid="range-computing" role="status">
        <Banner tone="info" title={t("period.computingTitle")}>
          {t("period.computing", { range: rangeText(range.from, range.to) })}
        </Banner>
      </div>
    );
  }
  if (range?.status !== "failed") return null;
  const name = rangeText(range.from, range.to);
  return (
    <div data-testid="range-failed" data-problem={range.problem}>
      <Banner tone="critical" title={t("period.failedTitle")}>
        <BlockStack gap="200">
          <p>
            {range.problem === "error"
              ? t("period.failed", { range: name })
              : t("period.failed.data", { range: name })}
          </p>
          <Form method="post">
            <input type="hidden" name="intent" value={RETRY_RANGE_INTENT} />
            <input type="hidden" name="from" value={range.from} />
            <input type="hidden" name="to" value={range.to} />
            <InlineStack>
              <Button submit loading={navigation.state === "submitting"}>
                {t("period.retry")}
              </Button>
            </InlineStack>
          </Form>
        </BlockStack>
      </Banner>
    </div>
  );
}
