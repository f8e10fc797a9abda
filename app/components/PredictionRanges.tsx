/**
 * The LTV page's ranges: predicted LTV and expected purchases per segment and for the shop,
 * with their intervals from the parameters' uncertainty (metrics/snapshot ClvIntervalsJson),
 * or why there are none.
 */
import { BlockStack, Card, DataTable, Text } from "@shopify/polaris";
import type { Format } from "../format";
import { segmentName, useI18n } from "../i18n";
import type { ClvIntervalsJson, ClvOk, IntervalJson } from "../metrics/snapshot/types";

type Formatter = (value: number) => string;

/** "95% range: ¥1,200 – ¥1,500" in the admin's language. */
export function useRangeText(
  format: Format,
): (v: IntervalJson, level: number, f: Formatter) => string {
  const { t } = useI18n();
  return (v, level, f) =>
    t("ltv.range", { level: format.percent(level, 0), lower: f(v.lower), upper: f(v.upper) });
}

/** Why the predictions have no ranges, or null when they have them. */
export function IntervalsNote({ intervals }: { intervals: ClvIntervalsJson | undefined }) {
  const { t } = useI18n();
  if (intervals?.status === "ok") return null;
  const text =
    intervals === undefined
      ? t("ltv.intervals.pending")
      : intervals.code === "not-identified"
        ? t("ltv.intervals.notIdentified")
        : t("ltv.intervals.noStandardErrors");
  return (
    <Text as="p" variant="bodySm" tone="subdued">
      <span
        data-testid="intervals-unavailable"
        data-code={intervals === undefined ? "pending" : intervals.code}
      >
        {text}
      </span>
    </Text>
  );
}

/** Predicted LTV and expected purchases per segment, each with its range. */
export function SegmentRanges({ clv, format }: { clv: ClvOk; format: Format }) {
  const i18n = useI18n();
  const { t } = i18n;
  const intervals = clv.intervals;
  const between = (v: IntervalJson, f: Formatter) =>
    t("ltv.intervals.between", { lower: f(v.lower), upper: f(v.upper) });
  const money: Formatter = (v) => format.money(v);
  const count: Formatter = (v) => format.number(v, 2);
  const rows =
    intervals?.status === "ok"
      ? [
          ...intervals.segments.map((s) => ({
            key: s.segment,
            name: segmentName(i18n, s.segment, s.name),
            group: s,
          })),
          { key: "all", name: t("ltv.intervals.total"), group: intervals.shop },
        ].map(({ key, name, group }) => [
          <span key={key} data-testid={`ranges-${key}`}>
            {name}
          </span>,
          format.number(group.customers),
          format.money(group.averageClvMinor.estimate),
          between(group.averageClvMinor, money),
          format.number(group.averageExpectedPurchases90.estimate, 2),
          between(group.averageExpectedPurchases90, count),
        ])
      : [];
  const rangeHeading =
    intervals?.status === "ok"
      ? t("ltv.intervals.rangeHeading", { level: format.percent(intervals.level, 0) })
      : "";
  return (
    <Card padding="0">
      <BlockStack>
        <div style={{ padding: "var(--p-space-400)" }}>
          <BlockStack gap="100">
            <Text as="h2" variant="headingMd">
              {t("ltv.intervals.title")}
            </Text>
            {intervals?.status === "ok" ? (
              <Text as="p" variant="bodySm" tone="subdued">
                {t("ltv.intervals.help", {
                  level: format.percent(intervals.level, 0),
                  draws: format.number(intervals.draws),
                })}
              </Text>
            ) : (
              <IntervalsNote intervals={intervals} />
            )}
          </BlockStack>
        </div>
        {intervals?.status === "ok" && (
          <div data-testid="segment-ranges">
            <DataTable
              columnContentTypes={["text", "numeric", "numeric", "text", "numeric", "text"]}
              headings={[
                t("ltv.intervals.segment"),
                t("ltv.intervals.customers"),
                t("ltv.intervals.averageClv"),
                rangeHeading,
                t("ltv.intervals.expected90"),
                rangeHeading,
              ]}
              rows={rows}
            />
          </div>
        )}
      </BlockStack>
    </Card>
  );
}
