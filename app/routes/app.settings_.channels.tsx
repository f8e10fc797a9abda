import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { SaveBar, TitleBar, useAppBridge } from "@shopify/app-bridge-react";
import { Banner, BlockStack, Card, Layout, Page, Text } from "@shopify/polaris";
import { useEffect, useRef, useState } from "react";
import {
  ChannelPreviewCard,
  ChannelRulesEditor,
  type PreviewState,
} from "../components/ChannelRulesEditor";
import { fieldErrorText } from "../components/FieldGroup";
import { useFormat } from "../components/useFormat";
import { useI18n } from "../i18n";
import type { RulesDraft } from "../pages/channel-rules-form";
import {
  channelRulesPageData,
  previewRules,
  saveChannelRules,
} from "../pages/channel-rules.server";
import { loadShop } from "../pages/page-base.server";
import type { FieldErrors } from "../pages/settings-form";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const [data, shop] = await Promise.all([
    channelRulesPageData(session.shop),
    loadShop(session.shop),
  ]);
  return { ...data, currency: shop?.currency ?? "USD", timeZone: shop?.timezone ?? "UTC" };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  switch (intent) {
    case "preview":
      return { intent, ...(await previewRules(session.shop, form)) } as const;
    case "save":
      return { intent, ...(await saveChannelRules(session.shop, form)) } as const;
    default:
      throw new Response("Unknown intent", { status: 400 });
  }
};

export default function ChannelRules() {
  const data = useLoaderData<typeof loader>();
  const i18n = useI18n();
  const { t } = i18n;
  const shopify = useAppBridge();
  const fetcher = useFetcher<typeof action>();
  const format = useFormat(data.currency, data.timeZone);
  const [draft, setDraft] = useState<RulesDraft>(data.draft);
  // A save's revalidation brings the stored rules: they become the new baseline.
  const baseline = JSON.stringify(data.draft);
  useEffect(() => setDraft(JSON.parse(baseline) as RulesDraft), [baseline]);
  const dirty = JSON.stringify(draft) !== baseline;

  const submitted = useRef<string>("");
  const [preview, setPreview] = useState<{ state: Omit<PreviewState, "stale">; of: string } | null>(
    null,
  );
  const result = fetcher.data;
  const errors: FieldErrors = result && !result.ok ? result.errors : {};
  const busy = fetcher.state !== "idle";

  useEffect(() => {
    if (fetcher.state !== "idle" || !result) return;
    if (!result.ok) {
      shopify.toast.show(t("channelRules.invalid"), { isError: true });
    } else if (result.intent === "preview") {
      setPreview({
        state: { preview: result.preview, tuples: result.tuples },
        of: submitted.current,
      });
    } else if (result.intent === "save") {
      shopify.toast.show(
        result.changed ? t("channelRules.saved") : t("channelRules.savedUnchanged"),
      );
      if (!result.jobsQueued) shopify.toast.show(t("settings.jobsUnavailable"), { isError: true });
    }
  }, [fetcher.state, result, shopify, t]);

  const submit = (intent: "preview" | "save") => {
    submitted.current = JSON.stringify(draft);
    fetcher.submit({ intent, rules: submitted.current }, { method: "post" });
  };
  const restore = () => {
    setDraft(data.defaults);
    shopify.toast.show(t("channelRules.restored"));
  };
  const previewState: PreviewState | null = preview
    ? { ...preview.state, stale: preview.of !== JSON.stringify(draft) }
    : null;

  return (
    <Page
      backAction={{ content: t("settings.title"), url: "/app/settings" }}
      title={t("channelRules.title")}
      primaryAction={{
        content: t("common.save"),
        onAction: () => submit("save"),
        loading: busy && fetcher.formData?.get("intent") === "save",
        disabled: !dirty,
        id: "channel-rules-save",
      }}
      secondaryActions={[
        {
          content: t("channelRules.preview"),
          onAction: () => submit("preview"),
          loading: busy && fetcher.formData?.get("intent") === "preview",
          id: "channel-rules-preview",
        },
        { content: t("channelRules.restore"), onAction: restore, id: "channel-rules-restore" },
      ]}
    >
      <TitleBar title={t("channelRules.title")} />
      <SaveBar id="channel-rules-save-bar" open={dirty}>
        <button variant="primary" onClick={() => submit("save")} disabled={busy}>
          {t("common.save")}
        </button>
        <button onClick={() => setDraft(data.draft)}>{t("common.discard")}</button>
      </SaveBar>
      <BlockStack gap="400">
        {Object.keys(errors).length > 0 && (
          <Banner tone="critical">
            <p>{t("channelRules.invalid")}</p>
            {errors.form && <p>{fieldErrorText(i18n, errors.form)}</p>}
          </Banner>
        )}
        <Layout>
          <Layout.Section>
            <BlockStack gap="400">
              <Card>
                <BlockStack gap="200">
                  <Text as="p">{t("channelRules.intro")}</Text>
                  <Text as="p">{t("channelRules.valuesHelp")}</Text>
                  <Text as="p">{t("channelRules.channelHelp")}</Text>
                </BlockStack>
              </Card>
              <ChannelRulesEditor
                draft={draft}
                onChange={setDraft}
                errors={errors}
                preview={previewState}
                format={format}
              />
            </BlockStack>
          </Layout.Section>
          <Layout.Section variant="oneThird">
            {/* Sticky: the counts stay in view beside a long list of rules. */}
            <div style={{ position: "sticky", top: "1rem" }}>
              <ChannelPreviewCard state={previewState} format={format} />
            </div>
          </Layout.Section>
        </Layout>
      </BlockStack>
    </Page>
  );
}
