/**
 * What a page shows before there are numbers: the first import still running, the first
 * calculation waiting, or a shop too small for a section.
 */
import { BlockStack, Card, EmptyState, Page, Text } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import type { Format } from "../format";
import { useI18n } from "../i18n";
import type { ShopStatus } from "../pages/shop-status";
import { isBusy, StatusProblems, StatusProgress, usePolling } from "./ShopStatus";

// A small inline illustration: nothing to fetch from a CDN.
export const EMPTY_IMAGE =
  "data:image/svg+xml," +
  encodeURIComponent(
    `<svg xmlns="http://www.w3.org/2000/svg" width="226" height="160" viewBox="0 0 226 160"><rect x="18" y="20" width="190" height="120" rx="12" fill="#f1f2f4"/><rect x="44" y="92" width="22" height="30" rx="3" fill="#91a5c8"/><rect x="78" y="72" width="22" height="50" rx="3" fill="#6a8bc4"/><rect x="112" y="56" width="22" height="66" rx="3" fill="#2c6ecb"/><rect x="146" y="40" width="22" height="82" rx="3" fill="#1f4e99"/><path d="M44 70 L89 52 L123 38 L157 26" stroke="#e27c1c" stroke-width="3" fill="none" stroke-linecap="round"/></svg>`,
  );

/** No snapshot yet: why, with progress while the first import or calculation runs. */
export function NoSnapshot({ status, format }: { status: ShopStatus | null; format: Format }) {
  const { t } = useI18n();
  const busy = isBusy(status);
  usePolling(busy);
  const backfill = status?.syncStatus === "backfilling";
  const heading = backfill
    ? t("empty.backfill.title")
    : busy
      ? t("empty.computing.title")
      : t("empty.none.title");
  const body = backfill
    ? t("empty.backfill.body")
    : busy
      ? t("empty.computing.body")
      : t("empty.none.body");
  return (
    <Card>
      <div
        data-testid="empty-state"
        data-kind={backfill ? "backfill" : busy ? "computing" : "none"}
      >
        <EmptyState heading={heading} image={EMPTY_IMAGE}>
          <BlockStack gap="400">
            <p>{body}</p>
            {status && <StatusProgress status={status} format={format} />}
            {status && <StatusProblems status={status} />}
          </BlockStack>
        </EmptyState>
      </div>
    </Card>
  );
}

/** A snapshot stored before the page's block existed: the next calculation fills the page. */
export function BlockPending(props: {
  title: string;
  heading: string;
  body: string;
  testId: string;
}) {
  return (
    <Page title={props.title}>
      <TitleBar title={props.title} />
      <Card>
        <div data-testid={props.testId}>
          <BlockStack gap="200">
            <Text as="h2" variant="headingMd">
              {props.heading}
            </Text>
            <Text as="p">{props.body}</Text>
          </BlockStack>
        </div>
      </Card>
    </Page>
  );
}
