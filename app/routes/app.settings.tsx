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
import { useFormat } from "../components/useFormat";
import { useI18n, type Translator } from "../i18n";
import type { MessageKey } from "../messages/en";
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

const errorText = (i18n: Translator, error: FieldError | undefined): string | undefined =>
  error ? i18n.t(error.key as MessageKey, error.params) : undefined;

type Errors = Partial<Record<string, FieldError>>;

function NumberField({
  field,
  label,
  help,
  suffix,
  values,
  errors,
  onChange,
  step,
}: {
  field: SettingsField;
  label: string;
  help?: string;
  suffix?: string;
  values: SettingsFormValues;
  errors: Errors;
  onChange: (field: SettingsField, value: string) => void;
  step?: number;
}) {
  const i18n = useI18n();
  return (
    <TextField
      label={label}
      name={field}
      id={`field-${field}`}
      type="text"
      inputMode="decimal"
      value={values[field]}
      onChange={(v) => onChange(field, v)}
      suffix={suffix}
      helpText={help}
      error={errorText(i18n, errors[field])}
      autoComplete="off"
      step={step}
    />
  );
}

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
  const [entry, setEntry] = useState({ month: "", channel: "", amount: "" });
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
                <FormLayout.Group condensed>
                  <TextField
                    label={t("spend.month")}
                    name="month"
                    placeholder="2026-01"
                    value={entry.month}
                    onChange={(month) => setEntry((e) => ({ ...e, month }))}
                    error={errorText(i18n, fieldErrors.month)}
                    autoComplete="off"
                  />
                  <TextField
                    label={t("spend.channel")}
                    name="channel"
                    placeholder="Instagram"
                    value={entry.channel}
                    onChange={(channel) => setEntry((e) => ({ ...e, channel }))}
                    error={errorText(i18n, fieldErrors.channel)}
                    autoComplete="off"
                  />
                  <TextField
                    label={t("spend.amount")}
                    name="amount"
                    inputMode="decimal"
                    suffix={currency}
                    value={entry.amount}
                    onChange={(amount) => setEntry((e) => ({ ...e, amount }))}
                    error={errorText(i18n, fieldErrors.amount)}
                    autoComplete="off"
                  />
                </FormLayout.Group>
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
                          message: errorText(i18n, e) ?? "",
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
            <p>{errorText(i18n, errors.form)}</p>
          </Banner>
        )}
        <Layout>
          <Layout.AnnotatedSection
            id="targets"
            title={t("settings.targets.title")}
            description={t("settings.targets.description")}
          >
            <Card>
              <FormLayout>
                <FormLayout.Group>
                  <NumberField
                    field="targets.repeatRate"
                    label={t("settings.targets.repeatRate")}
                    help={t("settings.targets.min")}
                    suffix="%"
                    {...common}
                  />
                  <NumberField
                    field="targets.secondPurchaseSurvival"
                    label={t("settings.targets.secondPurchaseSurvival")}
                    help={t("settings.targets.min")}
                    suffix="%"
                    {...common}
                  />
                </FormLayout.Group>
                <FormLayout.Group>
                  <NumberField
                    field="targets.monthlyChurn"
                    label={t("settings.targets.monthlyChurn")}
                    help={t("settings.targets.max")}
                    suffix="%"
                    {...common}
                  />
                  <NumberField
                    field="targets.nps"
                    label={t("settings.targets.nps")}
                    help={t("settings.targets.min")}
                    {...common}
                  />
                </FormLayout.Group>
              </FormLayout>
            </Card>
          </Layout.AnnotatedSection>
          <Layout.AnnotatedSection
            id="windows"
            title={t("settings.windows.title")}
            description={t("settings.windows.description")}
          >
            <Card>
              <FormLayout>
                <FormLayout.Group>
                  <NumberField
                    field="churnInactivityDays"
                    label={t("settings.churnInactivityDays")}
                    help={t("settings.churnInactivityDays.help")}
                    suffix={t("settings.unit.days")}
                    {...common}
                  />
                  <NumberField
                    field="f2WindowDays"
                    label={t("settings.f2WindowDays")}
                    suffix={t("settings.unit.days")}
                    {...common}
                  />
                </FormLayout.Group>
                <FormLayout.Group>
                  <NumberField
                    field="subscriptionWindowDays"
                    label={t("settings.subscriptionWindowDays")}
                    suffix={t("settings.unit.days")}
                    {...common}
                  />
                  <NumberField
                    field="grossMarginRatio"
                    label={t("settings.grossMarginRatio")}
                    help={t("settings.grossMarginRatio.help")}
                    suffix="%"
                    {...common}
                  />
                </FormLayout.Group>
                <FormLayout.Group>
                  <NumberField
                    field="clvHorizonMonths"
                    label={t("settings.clvHorizonMonths")}
                    suffix={t("settings.unit.months")}
                    {...common}
                  />
                  <NumberField
                    field="annualDiscountRate"
                    label={t("settings.annualDiscountRate")}
                    suffix="%"
                    {...common}
                  />
                </FormLayout.Group>
              </FormLayout>
            </Card>
          </Layout.AnnotatedSection>
          <Layout.AnnotatedSection
            id="tags"
            title={t("settings.tags.title")}
            description={t("settings.tags.description")}
          >
            <Card>
              <FormLayout>
                <Checkbox
                  label={t("settings.tags.enabled")}
                  id="field-tagSync.enabled"
                  checked={values["tagSync.enabled"] === "true"}
                  onChange={(checked) => set("tagSync.enabled", String(checked))}
                  helpText={t("settings.tags.enabledHelp", {
                    example: `${values["tagSync.prefix"]}champions`,
                  })}
                  error={errorText(i18n, errors["tagSync.enabled"])}
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
                  error={errorText(i18n, errors["tagSync.prefix"])}
                  autoComplete="off"
                />
              </FormLayout>
            </Card>
          </Layout.AnnotatedSection>
          <Layout.AnnotatedSection
            id="nightly"
            title={t("settings.nightly.title")}
            description={t("settings.nightly.description", { zone: data.timeZone })}
          >
            <Card>
              <Select
                label={t("settings.nightly.hour")}
                id="field-nightlyHour"
                options={Array.from({ length: 24 }, (_, h) => ({
                  label: `${String(h).padStart(2, "0")}:00`,
                  value: String(h),
                }))}
                value={values.nightlyHour}
                onChange={(v) => set("nightlyHour", v)}
                error={errorText(i18n, errors.nightlyHour)}
              />
            </Card>
          </Layout.AnnotatedSection>
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
