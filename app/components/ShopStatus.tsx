/**
 * Sync and recompute status in plain words: progress bars while a backfill or compute runs,
 * when the numbers were last updated, and what went wrong (the technical reason folded away).
 */
import { useRevalidator } from "@remix-run/react";
import {
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  Collapsible,
  InlineStack,
  ProgressBar,
  Text,
} from "@shopify/polaris";
import { useEffect, useState } from "react";
import type { Format } from "../format";
import { useI18n } from "../i18n";
import type { ShopStatus } from "../pages/shop-status";

export const POLL_MS = 3000;

/** A backfill or compute runs or waits: pages refresh their data while it does. */
export function isBusy(status: ShopStatus | null): boolean {
  if (!status) return false;
  return (
    status.syncStatus === "backfilling" ||
    status.syncStatus === "reconciling" ||
    status.computeStatus === "running" ||
    status.computeStatus === "queued"
  );
}

/** Re-runs the page's loaders every few seconds while `active`. */
export function usePolling(active: boolean): void {
  const revalidator = useRevalidator();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle" && document.visibilityState === "visible") {
        revalidator.revalidate();
      }
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [active, revalidator]);
}

function Details({ text }: { text: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <BlockStack gap="100">
      <InlineStack>
        <Button
          variant="plain"
          onClick={() => setOpen((o) => !o)}
          disclosure={open ? "up" : "down"}
        >
          {t("status.details")}
        </Button>
      </InlineStack>
      <Collapsible id="status-details" open={open}>
        <Text as="p" variant="bodySm" tone="subdued" breakWord>
          {text}
        </Text>
      </Collapsible>
    </BlockStack>
  );
}

export function StatusProblems({ status }: { status: ShopStatus }) {
  const { t } = useI18n();
  return (
    <>
      {status.syncStatus === "failed" && (
        <Banner tone="critical" title={t("status.syncFailed.title")}>
          <BlockStack gap="200">
            <p>{t("status.syncFailed.body")}</p>
            {status.syncError && <Details text={status.syncError} />}
          </BlockStack>
        </Banner>
      )}
      {status.computeStatus === "failed" && (
        <Banner tone="critical" title={t("status.computeFailed.title")}>
          <BlockStack gap="200">
            <p>{t("status.computeFailed.body")}</p>
            {status.computeError && <Details text={status.computeError} />}
          </BlockStack>
        </Banner>
      )}
      {status.computeStatus === "queued" && status.computeError && (
        <Banner tone="warning" title={t("status.computeRetry.title")}>
          <BlockStack gap="200">
            <p>{t("status.computeRetry.body")}</p>
            <Details text={status.computeError} />
          </BlockStack>
        </Banner>
      )}
    </>
  );
}

export function StatusProgress({ status, format }: { status: ShopStatus; format: Format }) {
  const { t } = useI18n();
  const backfill = status.syncStatus === "backfilling";
  const syncPercent =
    status.syncTotal > 0
      ? Math.min(100, Math.round((100 * status.syncDone) / status.syncTotal))
      : 0;
  return (
    <BlockStack gap="300">
      {backfill && (
        <BlockStack gap="100">
          <InlineStack align="space-between">
            <Text as="span" variant="bodyMd">
              {t("status.backfilling")}
            </Text>
            <Text as="span" variant="bodySm" tone="subdued">
              {status.syncTotal > 0
                ? t("status.records", {
                    done: format.number(status.syncDone),
                    total: format.number(status.syncTotal),
                  })
                : t("status.starting")}
            </Text>
          </InlineStack>
          <div data-testid="sync-progress" data-value={syncPercent}>
            <ProgressBar progress={syncPercent} size="small" tone="highlight" />
          </div>
        </BlockStack>
      )}
      {status.syncStatus === "reconciling" && (
        <Text as="p" variant="bodyMd">
          {t("status.reconciling")}
        </Text>
      )}
      {status.computeStatus === "running" && (
        <BlockStack gap="100">
          <InlineStack align="space-between">
            <Text as="span" variant="bodyMd">
              {t("status.computing")}
            </Text>
            <Text as="span" variant="bodySm" tone="subdued">
              {format.percent(status.computeProgress / 100, 0)}
            </Text>
          </InlineStack>
          <div data-testid="compute-progress" data-value={status.computeProgress}>
            <ProgressBar progress={status.computeProgress} size="small" tone="primary" />
          </div>
        </BlockStack>
      )}
      {status.computeStatus === "queued" && !status.computeError && (
        <Text as="p" variant="bodyMd" tone="subdued">
          {backfill ? t("status.queuedAfterBackfill") : t("status.queued")}
        </Text>
      )}
    </BlockStack>
  );
}

/** The dashboard's status card. */
export function StatusCard({
  status,
  format,
  computedAt,
  asOfDate,
}: {
  status: ShopStatus;
  format: Format;
  computedAt: number | null;
  asOfDate: string | null;
}) {
  const { t } = useI18n();
  const busy = isBusy(status);
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center" gap="200">
          <Text as="h2" variant="headingSm">
            {t("status.title")}
          </Text>
          <Text as="span" variant="bodySm" tone="subdued">
            <span data-testid="last-updated">
              {computedAt !== null
                ? t("status.lastUpdated", { when: format.dateTime(computedAt) })
                : t("status.neverUpdated")}
            </span>
            {asOfDate && <> · {t("status.dataThrough", { date: format.date(asOfDate) })}</>}
          </Text>
        </InlineStack>
        {busy ? (
          <StatusProgress status={status} format={format} />
        ) : (
          <Box>
            <Text as="p" variant="bodySm" tone="subdued">
              {t("status.idle")}
            </Text>
          </Box>
        )}
        <StatusProblems status={status} />
      </BlockStack>
    </Card>
  );
}
