import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Card,
  DataTable,
  InlineGrid,
  InlineStack,
  Link,
  Page,
  Text,
} from "@shopify/polaris";
import type { GapDistribution } from "../analytics/entry-products";
import { BarChart } from "../components/charts";
import { BlockPending, NoSnapshot } from "../components/EmptyStates";
import { MetricInfo } from "../components/MetricInfo";
import { EntryMeasuresTable, type EntryMeasuresRow } from "../components/EntryMeasuresTable";
import { useFormat } from "../components/useFormat";
import { DASH, type Format } from "../format";
import { useI18n, type Translator } from "../i18n";
import { pageAdminApi } from "../pages/customer-names.server";
import type { ReactNode } from "react";
import {
  entryProductsData,
  type EntryCollectionView,
  type EntryProductView,
  type EntryTypeView,
} from "../pages/entry-products.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return entryProductsData(session.shop, pageAdminApi(session));
};

function binLabel(i18n: Translator, format: Format, bin: GapDistribution["histogram"][number]) {
  return bin.toDay === null
    ? i18n.t("entry.gaps.binOpen", { from: format.number(bin.fromDay) })
    : i18n.t("entry.gaps.bin", { from: format.number(bin.fromDay), to: format.number(bin.toDay) });
}

function GapSummary({
  gaps,
  label,
  testId,
  format,
}: {
  gaps: GapDistribution;
  label: string;
  testId: string;
  format: Format;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const day = (d: number | null) => (d === null ? DASH : t("entry.gaps.days", { n: d }));
  return (
    <BlockStack gap="200">
      <Text as="h3" variant="headingSm">
        {label}
      </Text>
      <Text as="p" variant="bodySm">
        <span data-testid={`${testId}-summary`}>
          {gaps.count === 0
            ? t("entry.gaps.noneYet")
            : t("entry.gaps.summary", {
                count: gaps.count,
                n: format.number(gaps.count),
                q1: day(gaps.q1),
                median: day(gaps.median),
                q3: day(gaps.q3),
              })}
        </span>
      </Text>
      {gaps.byShare.map((s) => (
        <Text as="p" variant="bodySm" key={s.share}>
          <span data-testid={`${testId}-share-${Math.round(s.share * 100)}`}>
            {t("entry.gaps.byShare", { share: format.percent(s.share, 0), day: day(s.day) })}
          </span>
        </Text>
      ))}
      {gaps.count > 0 && (
        <div data-testid={`${testId}-chart`}>
          <BarChart
            bars={gaps.histogram.map((b) => ({
              label: binLabel(i18n, format, b),
              value: b.count,
            }))}
            yFormat={(v) => format.number(v)}
            title={t("entry.gaps.alt", { label })}
            xTitle={t("entry.gaps.x")}
            yTitle={t("entry.gaps.y")}
            height={200}
          />
        </div>
      )}
    </BlockStack>
  );
}

interface GroupTableCommon {
  ltvMonths: readonly number[];
  windowDays: number;
  periodLabel: string;
  format: Format;
}

/** A grouped table's rows: a label cell and the measures (app/pages GroupMeasures). */
type GroupTableRow = Omit<EntryMeasuresRow, "first"> & {
  readonly key: string;
  readonly label: ReactNode;
};

/**
 * Entry products by a group of the first purchase's products (product type, collection),
 * with the product table's definitions, period and bases; or its empty state.
 */
function GroupTable({
  testId,
  title,
  empty,
  note,
  column,
  table,
  ltvMonths,
  windowDays,
  periodLabel,
  format,
}: GroupTableCommon & {
  /** data-testid prefix: entry-types, entry-collections. */
  testId: string;
  title: string;
  /** Shown instead of the table when there is none. */
  empty: string;
  note: string;
  column: string;
  table: {
    rows: readonly GroupTableRow[];
    definitions: EntryTypeView["definitions"];
    base: string;
    /** Customers in no row, or null when none. */
    outside: string | null;
  } | null;
}) {
  if (!table) {
    return (
      <Card>
        <BlockStack gap="200">
          <Text as="h2" variant="headingMd">
            {title}
          </Text>
          <Text as="p" tone="subdued">
            <span data-testid={`${testId}-empty`}>{empty}</span>
          </Text>
        </BlockStack>
      </Card>
    );
  }
  const { rows, definitions, base, outside } = table;
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          {title}
        </Text>
        <Text as="p" variant="bodySm">
          <span data-testid={`${testId}-base`}>{base}</span>
        </Text>
        {outside !== null && (
          <Text as="p" variant="bodySm">
            <span data-testid={`${testId}-outside`}>{outside}</span>
          </Text>
        )}
        <Text as="p" variant="bodySm" tone="subdued">
          <span data-testid={`${testId}-note`}>{note}</span>
        </Text>
        <EntryMeasuresTable
          firstHeading={column}
          rows={rows.map((r) => ({ ...r, first: <span key={r.key}>{r.label}</span> }))}
          definitions={definitions}
          ltvMonths={ltvMonths}
          windowDays={windowDays}
          periodLabel={periodLabel}
          format={format}
          testId={testId}
        />
      </BlockStack>
    </Card>
  );
}

/** Entry products by product type, or its empty state when no type is synced. */
function TypeTable({ byType, ...common }: GroupTableCommon & { byType: EntryTypeView | null }) {
  const { t } = useI18n();
  const { format } = common;
  return (
    <GroupTable
      {...common}
      testId="entry-types"
      title={t("entry.types.title")}
      empty={t("entry.types.empty")}
      note={t("entry.types.note")}
      column={t("entry.types.col")}
      table={
        byType && {
          definitions: byType.definitions,
          base: t("entry.types.base", {
            typed: format.number(byType.customersTyped),
            products: format.number(byType.productsTyped),
          }),
          outside:
            byType.customersUntyped > 0
              ? t("entry.types.untyped", { untyped: format.number(byType.customersUntyped) })
              : null,
          rows: byType.rows.map((r) => ({
            ...r,
            key: r.productType,
            label:
              r.productType === "" ? (
                <Text as="span" tone="subdued">
                  <span data-testid="entry-type">{t("entry.types.noType")}</span>
                </Text>
              ) : (
                <span data-testid="entry-type">{r.productType}</span>
              ),
          })),
        }
      }
    />
  );
}

/**
 * Entry products by collection (docs/decisions/0069-collections.md), or its empty state
 * while no entry product is in a synced collection.
 */
function CollectionTable({
  byCollection: c,
  ...common
}: GroupTableCommon & { byCollection: EntryCollectionView | null }) {
  const { t } = useI18n();
  const { format } = common;
  return (
    <GroupTable
      {...common}
      testId="entry-collections"
      title={t("entry.collections.title")}
      empty={t("entry.collections.empty")}
      note={t("entry.collections.note")}
      column={t("entry.collections.col")}
      table={
        c && {
          definitions: c.definitions,
          base: t("entry.collections.base", {
            inCollections: format.number(c.customersInCollections),
            products: format.number(c.productsInCollections),
            shown: format.number(c.rows.length),
            total: format.number(c.totalCollections),
          }),
          outside:
            c.customersOutside > 0
              ? t("entry.collections.outside", { outside: format.number(c.customersOutside) })
              : null,
          rows: c.rows.map((r) => ({
            ...r,
            key: r.collectionId,
            label: (
              <span data-testid="entry-collection">
                {r.title === "" ? t("entry.collections.untitled", { id: r.collectionId }) : r.title}
              </span>
            ),
          })),
        }
      }
    />
  );
}

export default function EntryProducts() {
  const data = useLoaderData<typeof loader>();
  const i18n = useI18n();
  const { t } = i18n;
  const format = useFormat(data.currency, data.timeZone);
  const view = data.entry as EntryProductView | null;
  if (!data.hasSnapshot) {
    return (
      <Page>
        <TitleBar title={t("entry.title")} />
        <NoSnapshot status={data.status} format={format} />
      </Page>
    );
  }
  if (!view) {
    return (
      <BlockPending
        title={t("entry.title")}
        heading={t("entry.empty.title")}
        body={t("entry.empty.body")}
        testId="entry-empty"
      />
    );
  }
  const titles = data.titles as Record<string, string>;
  const product = (id: string) => (
    <Link url={`shopify://admin/products/${id}`} target="_top" removeUnderline key={id}>
      <span data-testid="entry-product" data-id={id}>
        {titles[id] ?? t("entry.productId", { id })}
      </span>
    </Link>
  );
  const defs = view.definitions;
  const periodLabel = t("entry.period", {
    date: data.asOfDate ? format.date(data.asOfDate) : DASH,
  });
  const gapRows = view.firstToSecond.histogram.map((b, i) => [
    binLabel(i18n, format, b),
    format.number(b.count),
    format.number(view.secondToThird.histogram[i]?.count ?? 0),
  ]);
  return (
    <Page title={t("entry.title")}>
      <TitleBar title={t("entry.title")} />
      <BlockStack gap="400">
        {data.titlesStatus === "failed" && (
          <Banner tone="info">
            <span data-testid="entry-titles-failed">{t("entry.titlesFailed")}</span>
          </Banner>
        )}
        <Card>
          <BlockStack gap="200">
            <Text as="p" variant="bodySm">
              <span data-testid="entry-customers">
                {t("entry.customers", {
                  customers: format.number(view.customers),
                  without: format.number(view.customersWithoutProducts),
                  products: format.number(view.totalProducts),
                  date: data.asOfDate ? format.date(data.asOfDate) : DASH,
                })}
              </span>
            </Text>
            <Text as="p" variant="bodySm" tone="subdued">
              {t("entry.multiNote")}
            </Text>
          </BlockStack>
        </Card>
        <TypeTable
          byType={view.byType}
          ltvMonths={view.ltvMonths}
          windowDays={view.windowDays}
          periodLabel={periodLabel}
          format={format}
        />
        <CollectionTable
          byCollection={view.byCollection}
          ltvMonths={view.ltvMonths}
          windowDays={view.windowDays}
          periodLabel={periodLabel}
          format={format}
        />
        <Card>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              {t("entry.products.title", { count: format.number(view.products.length) })}
            </Text>
            <EntryMeasuresTable
              firstHeading={t("entry.col.product")}
              rows={view.products.map((r) => ({
                ...r,
                first: product(r.product),
                medianDays: r.firstToSecond.median,
              }))}
              definitions={{ ...defs, median: defs.gaps }}
              ltvMonths={view.ltvMonths}
              windowDays={view.windowDays}
              periodLabel={periodLabel}
              format={format}
              testId="entry-products"
            />
          </BlockStack>
        </Card>
        <Card>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              {t("entry.pairs.title")}
            </Text>
            <Text as="p" variant="bodySm" tone="subdued">
              {t("entry.pairs.note")}
            </Text>
            {view.pairs.length === 0 ? (
              <Text as="p" tone="subdued">
                {t("entry.pairs.none")}
              </Text>
            ) : (
              <div data-testid="entry-pairs">
                <DataTable
                  columnContentTypes={["text", "text", "numeric"]}
                  headings={[
                    t("entry.pairs.first"),
                    t("entry.pairs.second"),
                    t("entry.pairs.customers"),
                  ]}
                  rows={view.pairs.map((p) => [
                    product(p.fromProduct),
                    product(p.toProduct),
                    format.number(p.customers),
                  ])}
                />
              </div>
            )}
          </BlockStack>
        </Card>
        <Card>
          <BlockStack gap="300">
            <InlineStack gap="100" blockAlign="center">
              <Text as="h2" variant="headingMd">
                {t("entry.gaps.title")}
              </Text>
              <MetricInfo definition={defs.gaps} periodLabel={periodLabel} format={format} />
            </InlineStack>
            <Banner tone="info">
              <span data-testid="entry-gaps-base">{t("entry.gaps.base")}</span>
            </Banner>
            <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
              <GapSummary
                gaps={view.firstToSecond}
                label={t("entry.gaps.first")}
                testId="entry-gap12"
                format={format}
              />
              <GapSummary
                gaps={view.secondToThird}
                label={t("entry.gaps.second")}
                testId="entry-gap23"
                format={format}
              />
            </InlineGrid>
            <div data-testid="entry-gaps-table">
              <DataTable
                columnContentTypes={["text", "numeric", "numeric"]}
                headings={[t("entry.gaps.x"), t("entry.gaps.first"), t("entry.gaps.second")]}
                rows={gapRows}
              />
            </div>
          </BlockStack>
        </Card>
      </BlockStack>
    </Page>
  );
}
