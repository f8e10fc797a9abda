// Tag sync status (settings and segments pages) and the Shopify segments card (segments page).
import { useFetcher } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import { Banner, BlockStack, Button, Card, InlineStack, Link, List, Text } from "@shopify/polaris";
import { useEffect } from "react";
import type { Format } from "../format";
import { DASH } from "../format";
import { useI18n } from "../i18n";
import type { ShopifySegmentView, TagSyncStatusView } from "../pages/tag-sync-status.server";
import type { CreateSegmentResult } from "../sync/shopify-segments.server";

type Jsonified<T> = T extends object ? { [K in keyof T]: Jsonified<T[K]> } : T;

/** One term of the status's <dl>: a plain <div> around <dt> and <dd>, the only wrapper a
 * description list allows (Polaris stacks would nest a second <div>). */
function Fact({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div style={{ display: "grid", gap: "var(--p-space-050)" }}>
      <Text as="dt" variant="bodySm" tone="subdued">
        {label}
      </Text>
      <Text as="dd" variant="headingSm">
        <span data-testid={testId}>{value}</span>
      </Text>
    </div>
  );
}

/** A run's failures grouped by reason, most frequent first; nothing when there were none. */
function FailureList({
  heading,
  headingAs,
  testId,
  failures,
}: {
  heading: string;
  headingAs: "h3" | "h4";
  testId: string;
  failures: readonly { reason: string; count: number }[];
}) {
  const { t } = useI18n();
  if (failures.length === 0) return null;
  return (
    <BlockStack gap="100">
      <Text as={headingAs} variant={headingAs === "h3" ? "headingSm" : "headingXs"}>
        {heading}
      </Text>
      <div data-testid={testId}>
        <List type="bullet">
          {failures.map((f) => (
            <List.Item key={f.reason}>
              {f.reason} — {t("tagSync.failureCount", { count: f.count })}
            </List.Item>
          ))}
        </List>
      </div>
    </BlockStack>
  );
}

export function TagSyncStatusCard({
  status,
  format,
}: {
  status: Jsonified<TagSyncStatusView>;
  format: Format;
}) {
  const { t } = useI18n();
  const report = status.report;
  const at = (iso: string | null) => (iso ? format.dateTime(Date.parse(iso)) : DASH);
  const next = status.next;
  const nextText =
    next.kind === "running"
      ? t("tagSync.nextRunning")
      : next.kind === "queued"
        ? next.at === null
          ? t("tagSync.nextQueued")
          : t("tagSync.nextRetry", { time: format.dateTime(next.at) })
        : next.kind === "nightly" && next.at !== null
          ? t("tagSync.nextNightly", { time: format.dateTime(next.at) })
          : t("tagSync.nextNone");
  return (
    <Card>
      <div data-testid="tag-sync-status">
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            {t("tagSync.title")}
          </Text>
          {!status.enabled && (
            <Text as="p" variant="bodyMd">
              {t("tagSync.off")}
            </Text>
          )}
          {status.enabled && !report && (
            <Text as="p" variant="bodyMd">
              {t("tagSync.never")}
            </Text>
          )}
          {report?.error && (
            <Banner tone="critical">
              <p data-testid="tag-sync-error">
                {t("tagSync.error", { time: at(report.errorAt), error: report.error })}
              </p>
            </Banner>
          )}
          {report && (
            <dl style={{ margin: 0, display: "flex", flexWrap: "wrap", gap: "var(--p-space-800)" }}>
              <Fact
                label={t("tagSync.lastRun")}
                testId="tag-sync-last-run"
                value={
                  at(report.finishedAt) +
                  (report.mode === "remove" ? ` · ${t("tagSync.modeRemove")}` : "")
                }
              />
              <Fact
                label={t("tagSync.tagged")}
                testId="tag-sync-tagged"
                value={format.number(report.tagged)}
              />
              <Fact
                label={t("tagSync.written")}
                testId="tag-sync-written"
                value={format.number(report.written)}
              />
              <Fact
                label={t("tagSync.pending")}
                testId="tag-sync-pending"
                value={format.number(status.pending)}
              />
              <Fact label={t("tagSync.next")} testId="tag-sync-next" value={nextText} />
            </dl>
          )}
          {status.pending > 0 && (
            <Text as="p" variant="bodySm" tone="subdued">
              {t("tagSync.pendingHelp")}
            </Text>
          )}
          {status.newerCompute && (
            <Text as="p" variant="bodySm">
              {t("tagSync.newerCompute")}
            </Text>
          )}
          {report && (
            <FailureList
              heading={t("tagSync.failures")}
              headingAs="h3"
              testId="tag-sync-failures"
              failures={report.failures}
            />
          )}
          {status.enabled && report && (
            <BlockStack gap="200">
              <Text as="h3" variant="headingSm">
                {t("tagSync.flowTitle")}
              </Text>
              {!status.flowEnabled && (
                <Text as="p" variant="bodySm" tone="subdued">
                  <span data-testid="tag-sync-flow-off">{t("tagSync.flowOff")}</span>
                </Text>
              )}
              {(status.flowEnabled ||
                report.flowFired + report.flowPending + report.flowFailed > 0) && (
                <dl
                  style={{
                    margin: 0,
                    display: "flex",
                    flexWrap: "wrap",
                    gap: "var(--p-space-800)",
                  }}
                >
                  <Fact
                    label={t("tagSync.flowFired")}
                    testId="tag-sync-flow-fired"
                    value={format.number(report.flowFired)}
                  />
                  <Fact
                    label={t("tagSync.flowPending")}
                    testId="tag-sync-flow-pending"
                    value={format.number(report.flowPending)}
                  />
                  <Fact
                    label={t("tagSync.flowFailed")}
                    testId="tag-sync-flow-failed"
                    value={format.number(report.flowFailed)}
                  />
                </dl>
              )}
              <FailureList
                heading={t("tagSync.flowFailures")}
                headingAs="h4"
                testId="tag-sync-flow-failures"
                failures={report.flowFailures}
              />
            </BlockStack>
          )}
          {report && report.segmentsFailed > 0 && (
            <Text as="p" variant="bodySm" tone="critical">
              {t("tagSync.segmentsFailed", { count: report.segmentsFailed })}
            </Text>
          )}
        </BlockStack>
      </div>
    </Card>
  );
}

function SegmentRow({
  id,
  name,
  kept,
}: {
  id: string;
  name: string;
  kept: ShopifySegmentView | undefined;
}) {
  const { t } = useI18n();
  const shopify = useAppBridge();
  const fetcher = useFetcher<CreateSegmentResult>();
  const result = fetcher.data;
  useEffect(() => {
    if (fetcher.state === "idle" && result?.ok) shopify.toast.show(t("shopifySegments.created"));
  }, [fetcher.state, result, shopify, t]);
  const failure =
    result && !result.ok
      ? result.error === "shopify"
        ? t("shopifySegments.error", { detail: result.detail ?? "" })
        : result.error === "tagSyncOff"
          ? t("shopifySegments.tagSyncOff")
          : t(result.error === "noShop" ? "errors.noShop" : "errors.unknownSegment")
      : kept?.error
        ? t("shopifySegments.error", { detail: kept.error })
        : null;
  // The button and link are named by their visible text; the list item, which starts with
  // the segment's name, gives them their context (WCAG 2.4.4, link purpose in context).
  return (
    <li data-testid={`shopify-segment-${id}`} style={{ listStyle: "none" }}>
      <BlockStack gap="100">
        <InlineStack gap="300" blockAlign="center" align="space-between">
          <Text as="span" variant="bodyMd">
            {name}
          </Text>
          {kept ? (
            <Link url={kept.url} target="_top">
              {t("shopifySegments.open")}
            </Link>
          ) : (
            <Button
              loading={fetcher.state !== "idle"}
              // The segments page's own action (this card only appears there).
              onClick={() =>
                fetcher.submit({ intent: "shopify-segment", segment: id }, { method: "post" })
              }
            >
              {t("shopifySegments.create")}
            </Button>
          )}
        </InlineStack>
        {kept?.orphaned && (
          <Text as="p" variant="bodySm" tone="subdued">
            {t("shopifySegments.orphaned")}
          </Text>
        )}
        {failure && (
          <Text as="p" variant="bodySm" tone="critical">
            <span data-testid={`shopify-segment-error-${id}`}>{failure}</span>
          </Text>
        )}
      </BlockStack>
    </li>
  );
}

export function ShopifySegmentsCard({
  segments,
  kept,
  tagSyncEnabled,
  prefix,
}: {
  segments: readonly { readonly id: string; readonly name: string }[];
  kept: readonly ShopifySegmentView[];
  tagSyncEnabled: boolean;
  prefix: string;
}) {
  const { t } = useI18n();
  const byId = new Map(kept.map((k) => [k.segmentId, k]));
  return (
    <Card>
      <div data-testid="shopify-segments">
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            {t("shopifySegments.title")}
          </Text>
          {tagSyncEnabled ? (
            <>
              <Text as="p" variant="bodySm" tone="subdued">
                {t("shopifySegments.help", { example: `${prefix}at_risk` })}
              </Text>
              <ul style={{ margin: 0, padding: 0, display: "grid", gap: 12 }}>
                {segments.map((s) => (
                  <SegmentRow key={s.id} id={s.id} name={s.name} kept={byId.get(s.id)} />
                ))}
              </ul>
            </>
          ) : (
            <Text as="p" variant="bodyMd">
              <span data-testid="shopify-segments-need-tag-sync">
                {t("shopifySegments.needsTagSync")}
              </span>
            </Text>
          )}
        </BlockStack>
      </div>
    </Card>
  );
}
