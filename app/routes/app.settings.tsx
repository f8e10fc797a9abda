import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { SaveBar, TitleBar, useAppBridge } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Button,
  Checkbox,
  InlineStack,
  Layout,
  Modal,
  Page,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useCallback, useEffect, useMemo, useState } from "react";
import { channelName } from "../components/ChannelRulesEditor";
import { FieldGroup, fieldErrorText, FormSection, type FieldSpec } from "../components/FieldGroup";
import { KpiTargets } from "../components/KpiTargets";
import { SpendSection } from "../components/SpendSection";
import { TagSyncStatusCard } from "../components/TagSync";
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
import { kpiPageData, saveKpiTarget } from "../pages/kpi.server";
import { tagSyncStatus } from "../pages/tag-sync-status.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const [data, tagSync] = await Promise.all([
    settingsPageData(session.shop),
    tagSyncStatus(session.shop),
  ]);
  return { ...data, tagSync };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  switch (intent) {
    case "settings":
      return { intent, ...(await saveSettings(session.shop, form)) } as const;
    case "kpi-target": {
      const id = String(form.get("id") ?? "");
      const kpi = await kpiPageData(session.shop, id);
      const unit = kpi.series?.definition.unit ?? "count";
      return { intent, ...(await saveKpiTarget(session.shop, id, unit, form)) } as const;
    }
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
      placeholder: t("settings.grossMarginRatio.placeholder"),
      ...percent,
    },
    {
      field: "ltvCacTarget",
      label: t("settings.ltvCacTarget"),
      help: t("settings.ltvCacTarget.help"),
      suffix: t("settings.unit.times"),
      numeric: true,
    },
    {
      field: "clvHorizonMonths",
      label: t("settings.clvHorizonMonths"),
      suffix: t("settings.unit.months"),
      numeric: true,
    },
    { field: "annualDiscountRate", label: t("settings.annualDiscountRate"), ...percent },
    {
      field: "minSegmentCustomers",
      label: t("settings.minSegmentCustomers"),
      help: t("settings.minSegmentCustomers.help"),
      suffix: t("settings.unit.customers"),
      numeric: true,
    },
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
          <Layout.AnnotatedSection
            id="kpi-targets"
            title={t("kpiTargets.title")}
            description={t("kpiTargets.description")}
          >
            <KpiTargets rows={data.kpiTargets} />
          </Layout.AnnotatedSection>
          <FormSection
            id="windows"
            title={t("settings.windows.title")}
            description={t("settings.windows.description")}
          >
            <FieldGroup fields={windowFields} idPrefix="field-" {...common} />
            <Select
              label={t("settings.fiscalYearStartMonth")}
              id="field-fiscalYearStartMonth"
              helpText={t("settings.fiscalYearStartMonth.help")}
              options={Array.from({ length: 12 }, (_, m) => ({
                label: new Intl.DateTimeFormat(i18n.locale === "ja" ? "ja-JP" : "en-US", {
                  month: "long",
                  timeZone: "UTC",
                }).format(Date.UTC(2000, m, 1)),
                value: String(m + 1),
              }))}
              value={values.fiscalYearStartMonth}
              onChange={(v) => set("fiscalYearStartMonth", v)}
              error={fieldErrorText(i18n, errors.fiscalYearStartMonth)}
            />
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
            <Checkbox
              label={t("settings.tags.flowOnFirstTagging")}
              id="field-tagSync.flowOnFirstTagging"
              checked={values["tagSync.flowOnFirstTagging"] === "true"}
              onChange={(checked) => set("tagSync.flowOnFirstTagging", String(checked))}
              helpText={t("settings.tags.flowOnFirstTaggingHelp")}
              error={fieldErrorText(i18n, errors["tagSync.flowOnFirstTagging"])}
            />
          </FormSection>
          {data.tagSync && (
            <Layout.Section>
              <TagSyncStatusCard status={data.tagSync} format={format} />
            </Layout.Section>
          )}
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
          <FormSection
            id="channels"
            title={t("settings.channels.title")}
            description={t("settings.channels.description")}
          >
            <Text as="p">
              {t("settings.channels.summary", {
                count: data.channelRules.count,
                fallback: channelName(
                  i18n,
                  data.channelRules.fallback.channel,
                  data.channelRules.fallback.label,
                ),
              })}
            </Text>
            <InlineStack>
              <Button url="/app/settings/channels" id="edit-channel-rules">
                {t("settings.channels.edit")}
              </Button>
            </InlineStack>
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
