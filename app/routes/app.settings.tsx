import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { SaveBar, TitleBar, useAppBridge } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Button,
  Card,
  Checkbox,
  DataTable,
  DropZone,
  FormLayout,
  InlineStack,
  Layout,
  List,
  Modal,
  Page,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useCallback, useEffect, useMemo, useState } from "react";
import { FieldGroup, fieldErrorText, FormSection, type FieldSpec } from "../components/FieldGroup";
import { useFormat } from "../components/useFormat";
import { useI18n } from "../i18n";
import {
  SETTINGS_FIELD_NAMES,
  type FieldError,
  type SettingsField,
  type SettingsFormValues,
} from "../pages/settings-form";
import {
  addSpend,
  deleteSpend,
  importSpendCsv,
  saveSettings,
  settingsPageData,
} from "../pages/settings.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return settingsPageData(session.shop);
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  switch (intent) {
    case "settings":
      return { intent, ...(await saveSettings(session.shop, form)) } as const;
    case "spend-add":
      return { intent, ...(await addSpend(session.shop, form)) } as const;
    case "spend-delete":
      return { intent, ...(await deleteSpend(session.shop, form)) } as const;
    case "spend-import":
      return { intent, ...(await importSpendCsv(session.shop, form)) } as const;
    default:
      throw new Response("Unknown intent", { status: 400 });
  }
};

type Errors = Partial<Record<string, FieldError>>;
type SpendField = "month" | "channel" | "amount";

function SpendSection({
  spend,
  currency,
}: {
  spend: ReturnType<typeof useLoaderData<typeof loader>>["spend"];
  currency: string;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const shopify = useAppBridge();
  const format = useFormat(currency, "UTC");
  const adder = useFetcher<typeof action>();
  const deleter = useFetcher<typeof action>();
  const importer = useFetcher<typeof action>();
  const [entry, setEntry] = useState<Record<SpendField, string>>({
    month: "",
    channel: "",
    amount: "",
  });
  const [file, setFile] = useState<File | null>(null);

  const added = adder.data?.intent === "spend-add" ? adder.data : undefined;
  const imported = importer.data?.intent === "spend-import" ? importer.data : undefined;
  useEffect(() => {
    if (adder.state === "idle" && added?.ok) {
      shopify.toast.show(t("spend.added"));
      setEntry({ month: "", channel: "", amount: "" });
    }
  }, [adder.state, added, shopify, t]);
  useEffect(() => {
    if (importer.state === "idle" && imported?.ok) {
      shopify.toast.show(t("spend.imported", { count: imported.saved }));
      setFile(null);
    }
  }, [importer.state, imported, shopify, t]);
  useEffect(() => {
    if (deleter.state === "idle" && deleter.data?.ok) shopify.toast.show(t("spend.deleted"));
  }, [deleter.state, deleter.data, shopify, t]);

  const fieldErrors = added && !added.ok ? (added.errors ?? {}) : {};
  const rowErrors = imported && !imported.ok ? (imported.rowErrors ?? []) : [];
  const fieldLabel = (field: string) =>
    field === "month"
      ? t("spend.month")
      : field === "channel"
        ? t("spend.channel")
        : field === "amount"
          ? t("spend.amount")
          : t("spend.row");

  const upload = () => {
    if (!file) return;
    const data = new FormData();
    data.set("intent", "spend-import");
    data.set("file", file);
    importer.submit(data, { method: "post", encType: "multipart/form-data" });
  };

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
                    { field: "amount", label: t("spend.amount"), suffix: currency, numeric: true },
                  ]}
                  values={entry}
                  errors={fieldErrors}
                  onChange={(field, value) => setEntry((e) => ({ ...e, [field]: value }))}
                  perRow={3}
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
            <div data-testid="spend-dropzone">
              <DropZone
                accept=".csv,text/csv"
                type="file"
                allowMultiple={false}
                onDrop={(_all, accepted) => setFile(accepted[0] ?? null)}
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
              <div data-testid="spend-import-errors">
                <Banner
                  tone="critical"
                  title={t("spend.importFailed", { count: rowErrors.length })}
                >
                  <List type="bullet">
                    {rowErrors.map((e, i) => (
                      <List.Item key={i}>
                        {t("spend.rowError", {
                          line: e.line,
                          field: fieldLabel(e.field),
                          message: fieldErrorText(i18n, e) ?? "",
                        })}
                      </List.Item>
                    ))}
                  </List>
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
                columnContentTypes={["text", "text", "numeric", "text"]}
                headings={[t("spend.month"), t("spend.channel"), t("spend.amount"), ""]}
                rows={spend.map((s) => [
                  format.month(s.month),
                  s.channel,
                  format.money(s.amountMinor),
                  <Button
                    key={s.id}
                    variant="plain"
                    tone="critical"
                    accessibilityLabel={t("spend.deleteLabel", {
                      month: format.month(s.month),
                      channel: s.channel,
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

export default function Settings() {
  const data = useLoaderData<typeof loader>();
  const i18n = useI18n();
  const { t } = i18n;
  const shopify = useAppBridge();
  const fetcher = useFetcher<typeof action>();
  const [values, setValues] = useState<SettingsFormValues>(data.values);
  const [confirming, setConfirming] = useState(false);
  const tagCount = useFetcher<{ count: number }>();
  const loadTagCount = tagCount.load;
  useEffect(() => {
    if (confirming) loadTagCount("/app/settings/tag-count");
  }, [confirming, loadTagCount]);
  const format = useFormat(data.currency, data.timeZone);
  // A save's revalidation brings the stored values: they become the new baseline. Keyed on
  // content, so other revalidations (a spend entry added) keep unsaved edits.
  const baseline = JSON.stringify(data.values);
  useEffect(() => setValues(JSON.parse(baseline) as SettingsFormValues), [baseline]);

  const dirty = useMemo(
    () => SETTINGS_FIELD_NAMES.some((f) => values[f] !== data.values[f]),
    [values, data.values],
  );
  const result = fetcher.data?.intent === "settings" ? fetcher.data : undefined;
  const errors: Errors = result && !result.ok ? result.errors : {};
  const saving = fetcher.state !== "idle";

  useEffect(() => {
    if (fetcher.state !== "idle" || !result) return;
    if (result.ok) {
      shopify.toast.show(result.recompute ? t("settings.savedRecompute") : t("settings.saved"));
      if (!result.jobsQueued) shopify.toast.show(t("settings.jobsUnavailable"), { isError: true });
    } else if (result.needsConfirmation) {
      setConfirming(true);
    } else {
      shopify.toast.show(t("settings.invalid"), { isError: true });
    }
  }, [fetcher.state, result, shopify, t]);

  const set = useCallback(
    (field: SettingsField, value: string) => setValues((v) => ({ ...v, [field]: value })),
    [],
  );
  const submit = (confirmTagRemoval: boolean) =>
    fetcher.submit(
      { intent: "settings", ...values, confirmTagRemoval: String(confirmTagRemoval) },
      { method: "post" },
    );
  const turningOff = data.storedTagSync.enabled && values["tagSync.enabled"] !== "true";
  const save = () => (turningOff ? setConfirming(true) : submit(false));
  const discard = () => setValues(data.values);
  const prefixLocked = data.storedTagSync.enabled && values["tagSync.enabled"] === "true";
  const common = { values, errors, onChange: set };
  const percent = { suffix: "%", numeric: true };
  const days = { suffix: t("settings.unit.days"), numeric: true };
  const atLeast = t("settings.targets.min");
  const targetFields: FieldSpec<SettingsField>[] = [
    {
      field: "targets.repeatRate",
      label: t("settings.targets.repeatRate"),
      help: atLeast,
      ...percent,
    },
    {
      field: "targets.secondPurchaseSurvival",
      label: t("settings.targets.secondPurchaseSurvival"),
      help: atLeast,
      ...percent,
    },
    {
      field: "targets.monthlyChurn",
      label: t("settings.targets.monthlyChurn"),
      help: t("settings.targets.max"),
      ...percent,
    },
    { field: "targets.nps", label: t("settings.targets.nps"), help: atLeast, numeric: true },
  ];
  const windowFields: FieldSpec<SettingsField>[] = [
    {
      field: "churnInactivityDays",
      label: t("settings.churnInactivityDays"),
      help: t("settings.churnInactivityDays.help"),
      ...days,
    },
    { field: "f2WindowDays", label: t("settings.f2WindowDays"), ...days },
    { field: "subscriptionWindowDays", label: t("settings.subscriptionWindowDays"), ...days },
    {
      field: "grossMarginRatio",
      label: t("settings.grossMarginRatio"),
      help: t("settings.grossMarginRatio.help"),
      ...percent,
    },
    {
      field: "clvHorizonMonths",
      label: t("settings.clvHorizonMonths"),
      suffix: t("settings.unit.months"),
      numeric: true,
    },
    { field: "annualDiscountRate", label: t("settings.annualDiscountRate"), ...percent },
  ];

  return (
    <Page
      primaryAction={{
        content: t("common.save"),
        onAction: save,
        loading: saving,
        disabled: !dirty,
        id: "settings-save",
      }}
    >
      <TitleBar title={t("settings.title")} />
      <SaveBar id="settings-save-bar" open={dirty}>
        <button variant="primary" onClick={save} disabled={saving}>
          {t("common.save")}
        </button>
        <button onClick={discard}>{t("common.discard")}</button>
      </SaveBar>
      <BlockStack gap="500">
        {errors.form && (
          <Banner tone="critical">
            <p>{fieldErrorText(i18n, errors.form)}</p>
          </Banner>
        )}
        <Layout>
          <FormSection
            id="targets"
            title={t("settings.targets.title")}
            description={t("settings.targets.description")}
          >
            <FieldGroup fields={targetFields} idPrefix="field-" {...common} />
          </FormSection>
          <FormSection
            id="windows"
            title={t("settings.windows.title")}
            description={t("settings.windows.description")}
          >
            <FieldGroup fields={windowFields} idPrefix="field-" {...common} />
          </FormSection>
          <FormSection
            id="tags"
            title={t("settings.tags.title")}
            description={t("settings.tags.description")}
          >
            <Checkbox
              label={t("settings.tags.enabled")}
              id="field-tagSync.enabled"
              checked={values["tagSync.enabled"] === "true"}
              onChange={(checked) => set("tagSync.enabled", String(checked))}
              helpText={t("settings.tags.enabledHelp", {
                example: `${values["tagSync.prefix"]}champions`,
              })}
              error={fieldErrorText(i18n, errors["tagSync.enabled"])}
            />
            <TextField
              label={t("settings.tags.prefix")}
              id="field-tagSync.prefix"
              name="tagSync.prefix"
              value={values["tagSync.prefix"]}
              onChange={(v) => set("tagSync.prefix", v)}
              disabled={prefixLocked}
              helpText={
                prefixLocked ? t("settings.tags.prefixLocked") : t("settings.tags.prefixHelp")
              }
              error={fieldErrorText(i18n, errors["tagSync.prefix"])}
              autoComplete="off"
            />
          </FormSection>
          <FormSection
            id="nightly"
            title={t("settings.nightly.title")}
            description={t("settings.nightly.description", { zone: data.timeZone })}
          >
            <Select
              label={t("settings.nightly.hour")}
              id="field-nightlyHour"
              options={Array.from({ length: 24 }, (_, h) => ({
                label: `${String(h).padStart(2, "0")}:00`,
                value: String(h),
              }))}
              value={values.nightlyHour}
              onChange={(v) => set("nightlyHour", v)}
              error={fieldErrorText(i18n, errors.nightlyHour)}
            />
          </FormSection>
          <SpendSection spend={data.spend} currency={data.currency} />
        </Layout>
      </BlockStack>
      <Modal
        open={confirming}
        onClose={() => setConfirming(false)}
        title={t("settings.tags.confirmTitle")}
        primaryAction={{
          content: t("settings.tags.confirmButton"),
          destructive: true,
          loading: saving,
          onAction: () => {
            setConfirming(false);
            submit(true);
          },
        }}
        secondaryActions={[{ content: t("common.cancel"), onAction: () => setConfirming(false) }]}
      >
        <Modal.Section>
          <div data-testid="tag-removal-confirm">
            <Text as="p">
              {tagCount.data
                ? t("settings.tags.confirmBody", {
                    prefix: data.storedTagSync.prefix,
                    count: tagCount.data.count,
                    customers: format.number(tagCount.data.count),
                  })
                : t("settings.tags.confirmBodyCounting", { prefix: data.storedTagSync.prefix })}
            </Text>
          </div>
        </Modal.Section>
      </Modal>
    </Page>
  );
}
