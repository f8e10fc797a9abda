/**
 * The settings page's marketing spend: one entry at a time, a CSV import (what Excel saves
 * in Japanese or English, all rows or none, every problem listed with its line and column),
 * the template download and the stored entries.
 */
import { useFetcher } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Button,
  Card,
  DataTable,
  DropZone,
  FormLayout,
  InlineStack,
  Layout,
  List,
  Select,
  Text,
} from "@shopify/polaris";
import { useEffect, useState } from "react";
import { DASH } from "../format";
import type { MessageKey } from "../messages/en";
import type { SpendResult, SpendRow } from "../pages/settings.server";
import type { SpendImportError } from "../pages/spend-input";
import { useI18n, type Translator } from "../i18n";
import { downloadFile } from "./download";
import { FieldGroup } from "./FieldGroup";
import { useFormat } from "./useFormat";

type SpendField = "month" | "channel" | "campaign" | "amount";
type SpendActionData = { readonly intent: string } & SpendResult;

const EMPTY_ENTRY: Record<SpendField, string> = {
  month: "",
  channel: "",
  campaign: "",
  amount: "",
};
const ENCODINGS = ["auto", "utf-8", "shift_jis"] as const;

function fieldLabel(t: Translator["t"], field: SpendImportError["field"]): string {
  return field === "row" ? t("spend.row") : t(`spend.${field}`);
}

/** One problem of an import, in the merchant's language: where, what, and the value found. */
export function importErrorText(i18n: Translator, error: SpendImportError): string {
  const { t } = i18n;
  const message = t(error.key as MessageKey, {
    ...error.params,
    column: fieldLabel(t, error.field),
  });
  const found = error.value === undefined ? "" : t("spend.found", { value: error.value });
  return error.column === undefined
    ? t("spend.lineError", { line: error.line, message })
    : t("spend.cellError", {
        line: error.line,
        column: error.column,
        heading: error.heading ?? fieldLabel(t, error.field),
        message: message + found,
      });
}

export function SpendSection({ spend, currency }: { spend: SpendRow[]; currency: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const shopify = useAppBridge();
  const format = useFormat(currency, "UTC");
  const adder = useFetcher<SpendActionData>();
  const deleter = useFetcher<SpendActionData>();
  const importer = useFetcher<SpendActionData>();
  const [entry, setEntry] = useState(EMPTY_ENTRY);
  const [file, setFile] = useState<File | null>(null);
  const [encoding, setEncoding] = useState<(typeof ENCODINGS)[number]>("auto");
  const [showResult, setShowResult] = useState(false);
  const [downloading, setDownloading] = useState(false);

  const added = adder.data?.intent === "spend-add" ? adder.data : undefined;
  const imported = importer.data?.intent === "spend-import" ? importer.data : undefined;
  useEffect(() => {
    if (adder.state === "idle" && added?.ok) {
      shopify.toast.show(t("spend.added"));
      setEntry(EMPTY_ENTRY);
    }
  }, [adder.state, added, shopify, t]);
  useEffect(() => {
    if (importer.state === "idle" && imported?.ok) {
      shopify.toast.show(
        t("spend.imported", {
          count: imported.saved,
          encoding: t(`spend.encodingName.${imported.encoding ?? "utf-8"}`),
        }),
      );
      setFile(null);
    }
  }, [importer.state, imported, shopify, t]);
  useEffect(() => {
    if (deleter.state === "idle" && deleter.data?.ok) shopify.toast.show(t("spend.deleted"));
  }, [deleter.state, deleter.data, shopify, t]);

  const fieldErrors = added && !added.ok ? (added.errors ?? {}) : {};
  const rowErrors = showResult && imported && !imported.ok ? (imported.rowErrors ?? []) : [];
  const errorCount = imported && !imported.ok ? (imported.errorCount ?? rowErrors.length) : 0;

  const upload = () => {
    if (!file) return;
    const data = new FormData();
    data.set("intent", "spend-import");
    data.set("encoding", encoding);
    data.set("file", file);
    setShowResult(true);
    importer.submit(data, { method: "post", encType: "multipart/form-data" });
  };

  const downloadTemplate = async () => {
    setDownloading(true);
    try {
      await downloadFile(`/app/settings/spend-template?locale=${i18n.locale}`, "kizuna-spend.csv");
    } catch {
      shopify.toast.show(t("spend.templateFailed"), { isError: true });
    } finally {
      setDownloading(false);
    }
  };

  const entryName = (s: SpendRow) => (s.campaign ? `${s.channel} / ${s.campaign}` : s.channel);

  return (
    <Layout.AnnotatedSection
      id="spend"
      title={t("spend.title")}
      description={t("spend.description", { currency })}
    >
      <BlockStack gap="400">
        <Card>
          <BlockStack gap="300">
            <Text as="h3" variant="headingSm">
              {t("spend.add")}
            </Text>
            <div data-testid="spend-form">
              <FormLayout>
                <FieldGroup<SpendField>
                  fields={[
                    { field: "month", label: t("spend.month"), placeholder: "2026-01" },
                    { field: "channel", label: t("spend.channel"), placeholder: "Instagram" },
                    {
                      field: "campaign",
                      label: t("spend.campaign"),
                      help: t("spend.campaignHelp"),
                    },
                    { field: "amount", label: t("spend.amount"), suffix: currency, numeric: true },
                  ]}
                  values={entry}
                  errors={fieldErrors}
                  onChange={(field, value) => setEntry((e) => ({ ...e, [field]: value }))}
                  perRow={2}
                  condensed
                />
              </FormLayout>
            </div>
            <InlineStack>
              <Button
                onClick={() => adder.submit({ intent: "spend-add", ...entry }, { method: "post" })}
                loading={adder.state !== "idle"}
              >
                {t("spend.addButton")}
              </Button>
            </InlineStack>
          </BlockStack>
        </Card>
        <Card>
          <BlockStack gap="300">
            <Text as="h3" variant="headingSm">
              {t("spend.import")}
            </Text>
            <Text as="p" variant="bodySm" tone="subdued">
              {t("spend.importHelp")}
            </Text>
            <InlineStack>
              <Button onClick={() => void downloadTemplate()} loading={downloading} variant="plain">
                {t("spend.template")}
              </Button>
            </InlineStack>
            <Select
              label={t("spend.encoding")}
              id="spend-encoding"
              options={ENCODINGS.map((value) => ({
                value,
                label: t(`spend.encoding.${value}`),
              }))}
              value={encoding}
              onChange={(value) => setEncoding(value as (typeof ENCODINGS)[number])}
              helpText={t("spend.encodingHelp")}
            />
            <div data-testid="spend-dropzone">
              <DropZone
                accept=".csv,.txt,text/csv,text/plain"
                type="file"
                allowMultiple={false}
                onDrop={(_all, accepted) => {
                  setFile(accepted[0] ?? null);
                  setShowResult(false);
                }}
                label={t("spend.file")}
                labelHidden
              >
                {file ? (
                  <div style={{ padding: "var(--p-space-400)" }}>
                    <Text as="p" variant="bodyMd">
                      {file.name}
                    </Text>
                  </div>
                ) : (
                  <DropZone.FileUpload
                    actionTitle={t("spend.chooseFile")}
                    actionHint={t("spend.dropHint")}
                  />
                )}
              </DropZone>
            </div>
            <InlineStack>
              <Button
                onClick={upload}
                disabled={!file}
                loading={importer.state !== "idle"}
                id="spend-import-button"
              >
                {t("spend.importButton")}
              </Button>
            </InlineStack>
            {rowErrors.length > 0 && (
              <div data-testid="spend-import-errors" role="alert">
                <Banner tone="critical" title={t("spend.importFailed", { count: errorCount })}>
                  <BlockStack gap="200">
                    <List type="bullet">
                      {rowErrors.map((e, i) => (
                        <List.Item key={i}>{importErrorText(i18n, e)}</List.Item>
                      ))}
                    </List>
                    {errorCount > rowErrors.length && (
                      <Text as="p" variant="bodySm">
                        {t("spend.moreErrors", { count: errorCount - rowErrors.length })}
                      </Text>
                    )}
                  </BlockStack>
                </Banner>
              </div>
            )}
          </BlockStack>
        </Card>
        <Card padding="0">
          <div data-testid="spend-table">
            {spend.length === 0 ? (
              <div style={{ padding: "var(--p-space-400)" }}>
                <Text as="p" variant="bodyMd" tone="subdued">
                  {t("spend.empty")}
                </Text>
              </div>
            ) : (
              <DataTable
                columnContentTypes={["text", "text", "text", "numeric", "text"]}
                headings={[
                  t("spend.month"),
                  t("spend.channel"),
                  t("spend.campaign"),
                  t("spend.amount"),
                  "",
                ]}
                rows={spend.map((s) => [
                  format.month(s.month),
                  s.channel,
                  s.campaign || DASH,
                  format.money(s.amountMinor),
                  <Button
                    key={s.id}
                    variant="plain"
                    tone="critical"
                    accessibilityLabel={t("spend.deleteLabel", {
                      month: format.month(s.month),
                      channel: entryName(s),
                    })}
                    onClick={() =>
                      deleter.submit(
                        { intent: "spend-delete", id: String(s.id) },
                        { method: "post" },
                      )
                    }
                  >
                    {t("common.delete")}
                  </Button>,
                ])}
              />
            )}
          </div>
        </Card>
      </BlockStack>
    </Layout.AnnotatedSection>
  );
}
