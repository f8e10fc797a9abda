import type { LoaderFunctionArgs } from "@remix-run/node";
import {
  Form,
  isRouteErrorResponse,
  useLoaderData,
  useNavigation,
  useRouteError,
  useSearchParams,
} from "@remix-run/react";
import { TitleBar, useAppBridge } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  EmptyState,
  IndexTable,
  InlineStack,
  Link,
  Page,
  Text,
  TextField,
  type IndexTableProps,
} from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { useEffect, useState, type ReactNode } from "react";
import { downloadFile } from "../components/download";
import { EMPTY_IMAGE } from "../components/EmptyStates";
import { useFormat } from "../components/useFormat";
import { DASH } from "../format";
import { segmentDefaultAction, segmentName, useI18n } from "../i18n";
import type { MessageKey } from "../messages/en";
import { pageAdminApi } from "../pages/customer-names.server";
import { parseListQuery, segmentCustomers } from "../pages/segment-customers.server";
import { SORT_KEYS, type SortKey } from "../metrics/customer-sort";
import { FILTER_PARAMS, type FilterParam, type FilterValues } from "../pages/segment-params";
import { authenticate } from "../shopify.server";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  // Names and emails of this page's customers come live from Shopify (never stored).
  const data = await segmentCustomers(
    session.shop,
    params.id ?? "",
    parseListQuery(new URL(request.url)),
    { api: pageAdminApi(session), scope: session.scope },
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
      // The export carries the page's filters and the admin's language (its headers).
      const query = new URLSearchParams({ locale: i18n.locale });
      for (const key of FILTER_PARAMS) if (data.filters[key]) query.set(key, data.filters[key]);
      await downloadFile(
        `/app/segments/${encodeURIComponent(segment.id)}/export?${query}`,
        "kizuna-segment.csv",
      );
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
    // Sorted by days since the last purchase: ascending is the most recent first, so this
    // column starts there when clicked (the others start with the highest value).
    { title: t("drill.recency"), alignment: "end", defaultSortDirection: "ascending" },
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
        // exportCsv reports its own failure in a toast.
        onAction: () => void exportCsv(),
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
        <FilterCard data={data} />
        {(data.names === "scope" || data.names === "failed") && (
          <div data-testid="names-unavailable" data-reason={data.names}>
            <Banner tone="warning">
              <p>{t(data.names === "scope" ? "drill.namesScope" : "drill.namesFailed")}</p>
            </Banner>
          </div>
        )}
        <Card padding="0">
          <div
            data-testid="customer-table"
            data-page={data.page}
            data-sort={data.sort}
            data-direction={data.direction}
            data-names={data.names}
          >
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
                    <CustomerCell row={row} />
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    {row.r}-{row.f}-{row.m}
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <BlockStack gap="0" inlineAlign="end">
                      <Text as="span" numeric>
                        <span data-testid="customer-last-purchase">
                          {format.date(row.lastPurchase)}
                        </span>
                      </Text>
                      <Text as="span" variant="bodySm" tone="subdued" numeric>
                        {t("drill.daysAgo", { days: format.number(row.recencyDays) })}
                      </Text>
                    </BlockStack>
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

type Data = ReturnType<typeof useLoaderData<typeof loader>>;
type Row = Data["rows"][number];

/**
 * The customer's name and email (live from Shopify), linked to the customer in Shopify admin;
 * the id when the name is unavailable. `shopify://admin/…` is App Bridge's admin link: inside
 * the embedded app it navigates the admin itself (target _top), not the app's iframe.
 */
function CustomerCell({ row }: { row: Row }) {
  const { t } = useI18n();
  const label = row.name ?? (row.email ? t("drill.noName") : t("drill.customerId", { id: row.id }));
  return (
    <BlockStack gap="0">
      <Link url={`shopify://admin/customers/${row.id}`} target="_top" removeUnderline>
        <span data-testid="customer-name">{label}</span>
      </Link>
      {row.email && (
        <Text as="span" variant="bodySm" tone="subdued">
          <span data-testid="customer-email">{row.email}</span>
        </Text>
      )}
      <Text as="span" variant="bodySm" tone="subdued">
        <span data-testid="customer-id">{row.id}</span>
      </Text>
    </BlockStack>
  );
}

/** P(alive) and predicted LTV ranges: a GET form, so the filters live in the URL. */
function FilterCard({ data }: { data: Data }) {
  const { t } = useI18n();
  const format = useFormat(data.currency, data.timeZone);
  const [values, setValues] = useState<FilterValues>(data.filters);
  useEffect(() => setValues(data.filters), [data.filters]);
  const field = (key: FilterParam, label: string) => (
    <div style={{ minWidth: 160, flex: 1 }}>
      <TextField
        label={label}
        name={key}
        value={values[key]}
        onChange={(value) => setValues((v) => ({ ...v, [key]: value }))}
        inputMode="decimal"
        autoComplete="off"
        error={data.filterErrors[key] ? t(data.filterErrors[key] as MessageKey) : undefined}
      />
    </div>
  );
  return (
    <Card>
      <Form method="get" data-testid="customer-filters">
        <input type="hidden" name="sort" value={data.sort} />
        <input type="hidden" name="direction" value={data.direction} />
        <BlockStack gap="300">
          <Text as="h2" variant="headingSm">
            {t("drill.filters.title")}
          </Text>
          <InlineStack gap="300" wrap blockAlign="end">
            {field("pAliveMin", t("drill.filters.pAliveMin"))}
            {field("pAliveMax", t("drill.filters.pAliveMax"))}
            {field("clvMin", t("drill.filters.clvMin", { currency: data.currency }))}
            {field("clvMax", t("drill.filters.clvMax", { currency: data.currency }))}
            <Button submit variant="primary">
              {t("drill.filters.apply")}
            </Button>
            {data.filtered && (
              // Clearing the filters keeps the merchant's sort.
              <Button
                url={`/app/segments/${encodeURIComponent(data.segment.id)}?${new URLSearchParams({
                  sort: data.sort,
                  direction: data.direction,
                }).toString()}`}
              >
                {t("drill.filters.clear")}
              </Button>
            )}
          </InlineStack>
          {data.filtered && (
            <Text as="p" variant="bodySm" tone="subdued">
              <span data-testid="filter-matching">
                {t("drill.filters.matching", {
                  count: format.number(data.matching),
                  total: format.number(data.segment.customers),
                })}
              </span>{" "}
              {t("drill.filters.exportNote")}
            </Text>
          )}
        </BlockStack>
      </Form>
    </Card>
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
