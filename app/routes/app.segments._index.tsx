import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { TitleBar, useAppBridge } from "@shopify/app-bridge-react";
import {
  Badge,
  BlockStack,
  Box,
  Button,
  ButtonGroup,
  Card,
  DataTable,
  InlineStack,
  Link,
  Modal,
  Page,
  Text,
  TextField,
} from "@shopify/polaris";
import { useEffect, useState } from "react";
import { NoSnapshot } from "../components/EmptyStates";
import { HeatmapTable, type HeatRow } from "../components/Heatmap";
import { MetricInfo } from "../components/MetricInfo";
import { ShopifySegmentsCard, TagSyncStatusCard } from "../components/TagSync";
import { useFormat } from "../components/useFormat";
import { DASH } from "../format";
import { segmentDefaultAction, segmentName, useI18n, type Translator } from "../i18n";
import type { MessageKey } from "../messages/en";
import { saveSegmentAction, segmentsData, type SegmentView } from "../pages/segments.server";
import { MAX_ACTION_LENGTH } from "../pages/segment-params";
import { shopifySegments, tagSyncStatus } from "../pages/tag-sync-status.server";
import { authenticate } from "../shopify.server";
import { syncContext } from "../sync/shop-context.server";
import { createShopifySegment } from "../sync/shopify-segments.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const [data, tagSync, kept] = await Promise.all([
    segmentsData(session.shop),
    tagSyncStatus(session.shop),
    shopifySegments(session.shop),
  ]);
  return { ...data, tagSync, shopifySegments: kept };
};

/** One page action (refused cross-site like every page's): "action" saves a segment's
 * suggested action, "shopify-segment" creates the segment's Shopify customer segment. */
export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  switch (intent) {
    case "action":
      return { intent, ...(await saveSegmentAction(session.shop, form)) } as const;
    case "shopify-segment": {
      const segment = String(form.get("segment") ?? "");
      const created = await createShopifySegment(syncContext(session.shop), session.shop, segment);
      return { intent, ...created } as const;
    }
    default:
      throw new Response("Unknown intent", { status: 400 });
  }
};

type Data = ReturnType<typeof useLoaderData<typeof loader>>;
type Row = NonNullable<Data["snapshot"]>["rows"][number];

/** The action text in the admin's language: the merchant's own text is shown as written. */
function actionText(i18n: Translator, action: SegmentView["action"]): string {
  return action.custom ? action.text : segmentDefaultAction(i18n, action.archetype, action.text);
}

function ActionEditor({ row, onClose }: { row: Row; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const shopify = useAppBridge();
  const fetcher = useFetcher<typeof action>();
  const defaultText = segmentDefaultAction(
    i18n,
    row.action.defaultArchetype,
    row.action.defaultText,
  );
  const [text, setText] = useState(row.action.custom ? row.action.text : "");
  const saving = fetcher.state !== "idle";
  const result = fetcher.data?.intent === "action" ? fetcher.data : undefined;
  useEffect(() => {
    if (fetcher.state === "idle" && result?.ok) {
      shopify.toast.show(t("segments.action.saved"));
      onClose();
    }
  }, [fetcher.state, result, onClose, shopify, t]);
  const submit = (value: string) =>
    fetcher.submit({ intent: "action", segment: row.id, text: value }, { method: "post" });
  const tooLong = text.trim().length > MAX_ACTION_LENGTH;
  const error =
    result && !result.ok
      ? t(result.error as MessageKey, { max: MAX_ACTION_LENGTH })
      : tooLong
        ? t("errors.actionTooLong", { max: MAX_ACTION_LENGTH })
        : undefined;
  return (
    <Modal
      open
      onClose={onClose}
      title={t("segments.action.editTitle", { name: segmentName(i18n, row.id, row.name) })}
      primaryAction={{
        content: t("common.save"),
        onAction: () => submit(text),
        loading: saving,
        disabled: tooLong,
      }}
      secondaryActions={[
        { content: t("segments.action.reset"), onAction: () => submit(""), disabled: saving },
      ]}
    >
      <Modal.Section>
        <div data-testid="action-editor">
          <TextField
            label={t("segments.action.label")}
            value={text}
            onChange={setText}
            multiline={4}
            autoComplete="off"
            placeholder={defaultText}
            helpText={t("segments.action.help")}
            maxLength={MAX_ACTION_LENGTH}
            showCharacterCount
            error={error}
            name="text"
          />
        </div>
      </Modal.Section>
    </Modal>
  );
}

export default function Segments() {
  const data = useLoaderData<typeof loader>();
  const i18n = useI18n();
  const { t } = i18n;
  const format = useFormat(data.currency, data.timeZone);
  const [shade, setShade] = useState<"customers" | "revenue">("customers");
  const [editing, setEditing] = useState<string | null>(null);
  const snapshot = data.snapshot;
  if (!snapshot) {
    return (
      <Page>
        <TitleBar title={t("segments.title")} />
        <NoSnapshot status={data.status} format={format} />
      </Page>
    );
  }
  if (!snapshot.segmented) {
    return (
      <Page>
        <TitleBar title={t("segments.title")} />
        <Card>
          <div data-testid="segments-not-yet">
            <BlockStack gap="300">
              <InlineStack align="space-between" blockAlign="start" gap="200" wrap={false}>
                <Text as="h2" variant="headingMd">
                  {t("segments.notYet.title")}
                </Text>
                <MetricInfo definition={snapshot.definition} format={format} />
              </InlineStack>
              <Text as="p" variant="bodyMd">
                {t("segments.notYet.body", {
                  customers: format.number(snapshot.scoredCustomers),
                  min: format.number(snapshot.minCustomers),
                })}
              </Text>
            </BlockStack>
          </div>
        </Card>
      </Page>
    );
  }
  const names = new Map(
    snapshot.rows.map((r) => [
      r.id,
      snapshot.customRules ? r.name : segmentName(i18n, r.id, r.name),
    ]),
  );
  const grid = snapshot.grid;
  // Rows top to bottom: R5 (most recent) … R1.
  const order = [...grid.recencyScores].reverse().map((score) => score - 1);
  const seen = new Set<string>();
  const heatRows: HeatRow[] = order.map((r, i) => {
    const score = r + 1;
    const segmentAt = (row: number | undefined, k: number) =>
      row === undefined ? undefined : grid.segment[row]?.[k];
    return {
      key: String(score),
      label: `R${score}`,
      cells: grid.fmValues.map((fm, k) => {
        const customers = grid.customers[r][k];
        const revenue = grid.revenueMinor[r][k];
        const id = grid.segment[r][k];
        const segment = names.get(id) ?? id;
        // The first cell of a segment (reading order) carries its name.
        const first = !seen.has(id);
        seen.add(id);
        return {
          value: shade === "customers" ? customers : revenue,
          text: format.number(customers),
          sub: format.moneyCompact(revenue),
          caption: first ? segment : undefined,
          edges: {
            top: segmentAt(order[i - 1], k) !== id,
            bottom: segmentAt(order[i + 1], k) !== id,
            left: grid.segment[r][k - 1] !== id,
            right: grid.segment[r][k + 1] !== id,
          },
          title: t("segments.grid.cell", {
            segment,
            r: score,
            fm,
            customers: format.number(customers),
            revenue: format.money(revenue),
          }),
          testId: `grid-${score}-${fm}`,
        };
      }),
    };
  });
  const editingRow = snapshot.rows.find((r) => r.id === editing) ?? null;

  const rows = snapshot.rows.map((row) => [
    <BlockStack gap="050" key="name">
      <Link url={`/app/segments/${row.id}`} removeUnderline dataPrimaryLink>
        <span data-testid={`segment-link-${row.id}`}>{names.get(row.id)}</span>
      </Link>
      <Text as="span" variant="bodySm" tone="subdued">
        R {row.recency[0]}–{row.recency[1]} · FM {row.fm[0]}–{row.fm[1]}
      </Text>
    </BlockStack>,
    <span key="customers" data-testid={`segment-customers-${row.id}`}>
      {format.number(row.customers)}
    </span>,
    row.revenueShare === null ? DASH : format.percent(row.revenueShare),
    row.averageOrderValueMinor === null ? DASH : format.money(row.averageOrderValueMinor),
    row.averagePredictedClvMinor === null ? DASH : format.money(row.averagePredictedClvMinor),
    row.averagePAlive === null ? DASH : format.percent(row.averagePAlive),
    row.nps === null ? (
      DASH
    ) : (
      <span key="nps" title={t("segments.table.npsAnswers", { count: row.npsResponses })}>
        {format.metric(row.nps, "points")}
      </span>
    ),
    <div key="action" style={{ whiteSpace: "normal", minWidth: 260, maxWidth: 420 }}>
      <BlockStack gap="100">
        <Text as="p" variant="bodySm">
          <span data-testid={`segment-action-${row.id}`}>{actionText(i18n, row.action)}</span>
        </Text>
        <InlineStack gap="200" blockAlign="center">
          {row.action.custom && <Badge tone="info">{t("segments.action.custom")}</Badge>}
          <Button
            variant="plain"
            onClick={() => setEditing(row.id)}
            accessibilityLabel={t("segments.action.editLabel", { name: names.get(row.id) ?? "" })}
          >
            {t("common.edit")}
          </Button>
        </InlineStack>
      </BlockStack>
    </div>,
  ]);

  return (
    <Page fullWidth>
      <TitleBar title={t("segments.title")} />
      <BlockStack gap="400">
        <Card>
          <BlockStack gap="300">
            <InlineStack align="space-between" blockAlign="center" gap="200">
              <BlockStack gap="100">
                <InlineStack gap="200" blockAlign="center">
                  <Text as="h2" variant="headingMd">
                    {t("segments.grid.title")}
                  </Text>
                  <MetricInfo definition={snapshot.definition} format={format} />
                </InlineStack>
                <Text as="p" variant="bodySm" tone="subdued">
                  {t("segments.grid.help", {
                    customers: format.number(snapshot.scoredCustomers),
                    date: format.date(snapshot.asOfDate),
                  })}
                </Text>
              </BlockStack>
              <ButtonGroup variant="segmented">
                <Button pressed={shade === "customers"} onClick={() => setShade("customers")}>
                  {t("segments.grid.byCustomers")}
                </Button>
                <Button pressed={shade === "revenue"} onClick={() => setShade("revenue")}>
                  {t("segments.grid.byRevenue")}
                </Button>
              </ButtonGroup>
            </InlineStack>
            <HeatmapTable
              testId="rfm-grid"
              caption={t("segments.grid.title")}
              corner={t("segments.grid.corner")}
              columns={grid.fmValues.map((fm) => `FM ${fm}`)}
              rows={heatRows}
            />
          </BlockStack>
        </Card>
        <Card padding="0">
          <Box padding="400">
            <BlockStack gap="100">
              <Text as="h2" variant="headingMd">
                {t("segments.table.title")}
              </Text>
              <Text as="p" variant="bodySm" tone="subdued">
                {snapshot.clvOk ? t("segments.table.help") : t("segments.table.noClv")}
              </Text>
            </BlockStack>
          </Box>
          <div data-testid="segment-table">
            <DataTable
              columnContentTypes={[
                "text",
                "numeric",
                "numeric",
                "numeric",
                "numeric",
                "numeric",
                "numeric",
                "text",
              ]}
              headings={[
                t("segments.table.segment"),
                t("segments.table.customers"),
                t("segments.table.revenueShare"),
                t("segments.table.aov"),
                t("segments.table.clv"),
                t("segments.table.pAlive"),
                t("segments.table.nps"),
                t("segments.table.action"),
              ]}
              rows={rows}
              verticalAlign="top"
              totals={[
                "",
                format.number(snapshot.scoredCustomers),
                format.percent(1),
                "",
                "",
                "",
                "",
                "",
              ]}
              totalsName={{ singular: t("common.total"), plural: t("common.total") }}
              showTotalsInFooter
            />
          </div>
        </Card>
        <ShopifySegmentsCard
          segments={snapshot.rows.map((r) => ({ id: r.id, name: names.get(r.id) ?? r.id }))}
          kept={data.shopifySegments}
          tagSyncEnabled={data.tagSync?.enabled ?? false}
          prefix={data.tagSync?.prefix ?? ""}
        />
        {data.tagSync && <TagSyncStatusCard status={data.tagSync} format={format} />}
      </BlockStack>
      {editingRow && <ActionEditor row={editingRow} onClose={() => setEditing(null)} />}
    </Page>
  );
}
