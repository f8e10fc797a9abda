import type { LoaderFunctionArgs } from "@remix-run/node";
import {
  isRouteErrorResponse,
  useLoaderData,
  useNavigation,
  useRouteError,
  useSearchParams,
} from "@remix-run/react";
import { TitleBar, useAppBridge } from "@shopify/app-bridge-react";
import {
  BlockStack,
  Box,
  Card,
  EmptyState,
  IndexTable,
  InlineStack,
  Link,
  Page,
  Text,
  type IndexTableProps,
} from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { useState, type ReactNode } from "react";
import { EMPTY_IMAGE } from "../components/EmptyStates";
import { useFormat } from "../components/useFormat";
import { DASH } from "../format";
import { segmentDefaultAction, segmentName, useI18n } from "../i18n";
import { parseListQuery, segmentCustomers } from "../pages/segment-customers.server";
import { SORT_KEYS, type SortKey } from "../pages/types";
import { authenticate } from "../shopify.server";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const data = await segmentCustomers(
    session.shop,
    params.id ?? "",
    parseListQuery(new URL(request.url)),
  );
  if (!data) throw new Response("Segment not found", { status: 404 });
  return data;
};

// Column index of each sortable key in the table below.
const SORT_COLUMNS: Record<SortKey, number> = {
  recency: 2,
  frequency: 3,
  monetary: 4,
  pAlive: 5,
  expected90: 6,
  clv: 7,
};

/** Saves a fetched file: App Bridge adds the session token to fetch, not to plain links. */
async function downloadCsv(url: string): Promise<void> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Export failed: ${response.status}`);
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? "kizuna-segment.csv";
  const href = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 30_000);
}

export default function SegmentCustomers() {
  const data = useLoaderData<typeof loader>();
  const i18n = useI18n();
  const { t } = i18n;
  const format = useFormat(data.currency, data.timeZone);
  const shopify = useAppBridge();
  const navigation = useNavigation();
  const [, setSearchParams] = useSearchParams();
  const [exporting, setExporting] = useState(false);
  const segment = data.segment;
  const name = segment.customRules ? segment.name : segmentName(i18n, segment.id, segment.name);
  const action = segment.action.custom
    ? segment.action.text
    : segmentDefaultAction(i18n, segment.action.archetype, segment.action.text);

  const go = (changes: Record<string, string>) =>
    setSearchParams((prev) => {
      const next = new URLSearchParams(prev);
      for (const [k, v] of Object.entries(changes)) next.set(k, v);
      return next;
    });

  const onSort: IndexTableProps["onSort"] = (index, direction) => {
    const key = SORT_KEYS.find((k) => SORT_COLUMNS[k] === index);
    if (key) go({ sort: key, direction: direction === "ascending" ? "asc" : "desc", page: "1" });
  };

  const exportCsv = async () => {
    setExporting(true);
    try {
      await downloadCsv(`/app/segments/${encodeURIComponent(segment.id)}/export`);
      shopify.toast.show(t("drill.exported"));
    } catch {
      shopify.toast.show(t("drill.exportFailed"), { isError: true });
    } finally {
      setExporting(false);
    }
  };

  const headings: IndexTableProps["headings"] = [
    { title: t("drill.customer") },
    { title: t("drill.rfm") },
    { title: t("drill.recency"), alignment: "end" },
    { title: t("drill.frequency"), alignment: "end" },
    { title: t("drill.monetary"), alignment: "end" },
    { title: t("drill.pAlive"), alignment: "end" },
    { title: t("drill.expected90"), alignment: "end" },
    { title: t("drill.clv"), alignment: "end" },
  ];

  return (
    <Page
      backAction={{ content: t("nav.segments"), url: "/app/segments" }}
      title={name}
      subtitle={t("drill.subtitle", { customers: format.number(segment.customers) })}
      primaryAction={{
        content: t("drill.export"),
        onAction: exportCsv,
        loading: exporting,
        id: "export-csv",
      }}
    >
      <TitleBar title={name} />
      <BlockStack gap="400">
        <Card>
          <BlockStack gap="200">
            <InlineStack gap="800" wrap>
              <Stat
                label={t("drill.customerShare")}
                value={
                  segment.customerShare === null ? DASH : format.percent(segment.customerShare)
                }
              />
              <Stat
                label={t("segments.table.revenueShare")}
                value={segment.revenueShare === null ? DASH : format.percent(segment.revenueShare)}
              />
              <Stat
                label={t("segments.table.clv")}
                value={
                  segment.averagePredictedClvMinor === null
                    ? DASH
                    : format.money(segment.averagePredictedClvMinor)
                }
              />
              <Stat
                label={t("segments.table.pAlive")}
                value={
                  segment.averagePAlive === null ? DASH : format.percent(segment.averagePAlive)
                }
              />
            </InlineStack>
            <Text as="p" variant="bodyMd">
              <Text as="span" fontWeight="semibold">
                {t("segments.table.action")}:{" "}
              </Text>
              {action}
            </Text>
          </BlockStack>
        </Card>
        <Card padding="0">
          <div data-testid="customer-table" data-page={data.page} data-sort={data.sort}>
            <IndexTable
              resourceName={{
                singular: t("drill.customerSingular"),
                plural: t("drill.customerPlural"),
              }}
              itemCount={data.rows.length}
              selectable={false}
              loading={navigation.state === "loading"}
              headings={headings as IndexTableProps["headings"]}
              sortable={[false, false, true, true, true, true, true, true]}
              sortColumnIndex={SORT_COLUMNS[data.sort]}
              sortDirection={data.direction === "asc" ? "ascending" : "descending"}
              defaultSortDirection="descending"
              onSort={onSort}
              pagination={{
                hasPrevious: data.page > 1,
                hasNext: data.page < data.pages,
                onPrevious: () => go({ page: String(data.page - 1) }),
                onNext: () => go({ page: String(data.page + 1) }),
                label: t("drill.page", { page: data.page, pages: data.pages }),
              }}
            >
              {data.rows.map((row, i) => (
                <IndexTable.Row id={row.id} key={row.id} position={i}>
                  <IndexTable.Cell>
                    <Link url={`shopify://admin/customers/${row.id}`} target="_top" removeUnderline>
                      <span data-testid="customer-id">{row.id}</span>
                    </Link>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    {row.r}-{row.f}-{row.m}
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Num>{t("drill.daysAgo", { days: format.number(row.recencyDays) })}</Num>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Num>{format.number(row.frequency)}</Num>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Num>{format.money(row.monetaryMinor)}</Num>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Num>{row.pAlive === null ? DASH : format.percent(row.pAlive)}</Num>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Num>{row.expected90 === null ? DASH : format.number(row.expected90, 2)}</Num>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Num testId="customer-clv">
                      {row.clvMinor === null ? DASH : format.money(row.clvMinor)}
                    </Num>
                  </IndexTable.Cell>
                </IndexTable.Row>
              ))}
            </IndexTable>
          </div>
        </Card>
        <Box paddingBlockEnd="400">
          <Text as="p" variant="bodySm" tone="subdued">
            {t("drill.privacy")}
          </Text>
        </Box>
      </BlockStack>
    </Page>
  );
}

function Num({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <Text as="span" alignment="end" numeric>
      <span data-testid={testId}>{children}</span>
    </Text>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <BlockStack gap="050">
      <Text as="span" variant="bodySm" tone="subdued">
        {label}
      </Text>
      <Text as="span" variant="headingMd">
        {value}
      </Text>
    </BlockStack>
  );
}

/** A segment that no longer exists (rules changed, old link): say so, offer the way back. */
export function ErrorBoundary() {
  const error = useRouteError();
  const { t } = useI18n();
  // Anything else, auth responses above all, is the app layout's (Shopify's) to handle.
  if (!isRouteErrorResponse(error) || error.status !== 404) return boundary.error(error);
  return (
    <Page backAction={{ content: t("nav.segments"), url: "/app/segments" }}>
      <Card>
        <div data-testid="segment-not-found">
          <EmptyState
            heading={t("drill.notFound.title")}
            image={EMPTY_IMAGE}
            action={{ content: t("drill.notFound.back"), url: "/app/segments" }}
          >
            <p>{t("drill.notFound.body")}</p>
          </EmptyState>
        </div>
      </Card>
    </Page>
  );
}
