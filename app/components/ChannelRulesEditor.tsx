/**
 * The channel-rules editor: the ordered rules (channel, conditions), the fallback channel,
 * each rule's problems from the server, and the preview's counts beside each rule. Pure
 * presentation: the route owns the draft and posts it.
 */
import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Button,
  ButtonGroup,
  Card,
  DataTable,
  FormLayout,
  InlineError,
  InlineStack,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import {
  ATTRIBUTION_FIELDS,
  CONDITION_OPERATORS,
  type ChannelPreview,
} from "../analytics/channels";
import { channelMessageKey } from "../channel-names";
import type { Format } from "../format";
import { useI18n, type Translator } from "../i18n";
import type { MessageKey } from "../messages/en";
import {
  VALUE_OPERATORS,
  type ConditionDraft,
  type RuleDraft,
  type RulesDraft,
} from "../pages/channel-rules-form";
import type { FieldErrors } from "../pages/settings-form";
import { fieldErrorText } from "./FieldGroup";

/** A channel as the pages name it: the merchant's label, a default key's name, or the key. */
export function channelName(i18n: Translator, key: string, label: string | null): string {
  if (label) return label;
  const messageKey = channelMessageKey(key);
  return messageKey ? i18n.t(messageKey as MessageKey) : key;
}

const NEW_CONDITION: ConditionDraft = { field: "utmSource", op: "equals", values: "" };

export interface PreviewState {
  readonly preview: ChannelPreview;
  readonly tuples: number;
  /** The draft changed after the preview: its counts are of other rules. */
  readonly stale: boolean;
}

export function ChannelRulesEditor({
  draft,
  onChange,
  errors,
  preview,
  format,
}: {
  draft: RulesDraft;
  onChange: (draft: RulesDraft) => void;
  errors: FieldErrors;
  preview: PreviewState | null;
  format: Format;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const setRule = (i: number, rule: RuleDraft) =>
    onChange({ ...draft, rules: draft.rules.map((r, k) => (k === i ? rule : r)) });
  const move = (i: number, by: -1 | 1) => {
    const rules = [...draft.rules];
    [rules[i], rules[i + by]] = [rules[i + by], rules[i]];
    onChange({ ...draft, rules });
  };
  const remove = (i: number) =>
    onChange({ ...draft, rules: draft.rules.filter((_, k) => k !== i) });
  const add = () =>
    onChange({
      ...draft,
      rules: [...draft.rules, { channel: "", label: "", conditions: [NEW_CONDITION] }],
    });
  const error = (key: string) => fieldErrorText(i18n, errors[key]);
  const fieldOptions = ATTRIBUTION_FIELDS.map((f) => ({
    value: f,
    label: t(`channelRules.field.${f}` as MessageKey),
  }));
  const opOptions = CONDITION_OPERATORS.map((op) => ({
    value: op,
    label: t(`channelRules.op.${op}` as MessageKey),
  }));
  const counts = preview && !preview.stale ? preview.preview : null;

  return (
    <BlockStack gap="400">
      {draft.rules.map((rule, i) => {
        const at = `rules.${i}`;
        const problem = Object.keys(errors).some((k) => k === at || k.startsWith(`${at}.`));
        const defaultName = channelMessageKey(rule.channel);
        const matched = counts?.rules[i]?.customers;
        return (
          <Card key={i}>
            <section aria-labelledby={`rule-${i}-title`} data-testid={`rule-${i}`}>
              <BlockStack gap="300">
                <InlineStack align="space-between" blockAlign="center" gap="200">
                  <InlineStack gap="200" blockAlign="center">
                    <Text as="h3" variant="headingSm" id={`rule-${i}-title`}>
                      {t("channelRules.rule", { n: i + 1 })}
                    </Text>
                    {matched !== undefined &&
                      (matched > 0 ? (
                        <Badge tone="success">
                          {t("channelRules.matches", {
                            count: matched,
                            customers: format.number(matched),
                          })}
                        </Badge>
                      ) : (
                        <Badge tone="warning">{t("channelRules.never")}</Badge>
                      ))}
                  </InlineStack>
                  <ButtonGroup>
                    <Button size="slim" disabled={i === 0} onClick={() => move(i, -1)}>
                      {t("channelRules.moveUp")}
                    </Button>
                    <Button
                      size="slim"
                      disabled={i === draft.rules.length - 1}
                      onClick={() => move(i, 1)}
                    >
                      {t("channelRules.moveDown")}
                    </Button>
                    <Button size="slim" tone="critical" variant="plain" onClick={() => remove(i)}>
                      {t("channelRules.removeRule")}
                    </Button>
                  </ButtonGroup>
                </InlineStack>
                {problem && (
                  <div role="alert" data-testid={`rule-${i}-problem`}>
                    <InlineError message={t("channelRules.ruleProblem")} fieldID={`rule-${i}`} />
                  </div>
                )}
                <FormLayout>
                  <FormLayout.Group>
                    <TextField
                      label={t("channelRules.channel")}
                      id={`rule-${i}-channel`}
                      value={rule.channel}
                      onChange={(v) => setRule(i, { ...rule, channel: v })}
                      helpText={
                        defaultName
                          ? t("channelRules.defaultName", { name: t(defaultName as MessageKey) })
                          : undefined
                      }
                      error={error(`${at}.channel`)}
                      autoComplete="off"
                    />
                    <TextField
                      label={t("channelRules.label")}
                      id={`rule-${i}-label`}
                      value={rule.label}
                      onChange={(v) => setRule(i, { ...rule, label: v })}
                      error={error(`${at}.label`)}
                      autoComplete="off"
                    />
                  </FormLayout.Group>
                </FormLayout>
                {rule.conditions.map((c, j) => {
                  const where = `${at}.conditions.${j}`;
                  const setCondition = (next: ConditionDraft) =>
                    setRule(i, {
                      ...rule,
                      conditions: rule.conditions.map((x, k) => (k === j ? next : x)),
                    });
                  const takesValues = (VALUE_OPERATORS as readonly string[]).includes(c.op);
                  return (
                    <Box
                      key={j}
                      paddingInlineStart="200"
                      borderInlineStartWidth="025"
                      borderColor="border"
                    >
                      <FormLayout>
                        <FormLayout.Group condensed>
                          <Select
                            label={t("channelRules.field")}
                            id={`rule-${i}-cond-${j}-field`}
                            options={fieldOptions}
                            value={c.field}
                            onChange={(v) => setCondition({ ...c, field: v })}
                            error={error(`${where}.field`)}
                          />
                          <Select
                            label={t("channelRules.op")}
                            id={`rule-${i}-cond-${j}-op`}
                            options={opOptions}
                            value={c.op}
                            onChange={(v) => setCondition({ ...c, op: v })}
                            error={error(`${where}.op`)}
                          />
                          <TextField
                            label={t("channelRules.values")}
                            id={`rule-${i}-cond-${j}-values`}
                            value={c.values}
                            onChange={(v) => setCondition({ ...c, values: v })}
                            multiline={c.values.includes("\n") ? 3 : true}
                            disabled={!takesValues && c.values === "" && !errors[`${where}.values`]}
                            error={error(`${where}.values`)}
                            autoComplete="off"
                          />
                        </FormLayout.Group>
                        <InlineStack>
                          <Button
                            variant="plain"
                            tone="critical"
                            onClick={() =>
                              setRule(i, {
                                ...rule,
                                conditions: rule.conditions.filter((_, k) => k !== j),
                              })
                            }
                          >
                            {t("channelRules.removeCondition", { n: j + 1 })}
                          </Button>
                        </InlineStack>
                      </FormLayout>
                    </Box>
                  );
                })}
                {errors[`${at}.conditions`] && (
                  <InlineError
                    message={error(`${at}.conditions`) ?? ""}
                    fieldID={`rule-${i}-add-condition`}
                  />
                )}
                <InlineStack>
                  <Button
                    size="slim"
                    id={`rule-${i}-add-condition`}
                    onClick={() =>
                      setRule(i, { ...rule, conditions: [...rule.conditions, NEW_CONDITION] })
                    }
                  >
                    {t("channelRules.addCondition")}
                  </Button>
                </InlineStack>
              </BlockStack>
            </section>
          </Card>
        );
      })}
      <InlineStack>
        <Button onClick={add} id="add-rule">
          {t("channelRules.addRule")}
        </Button>
      </InlineStack>
      <Card>
        <section aria-labelledby="fallback-title">
          <BlockStack gap="300">
            <InlineStack gap="200" blockAlign="center">
              <Text as="h3" variant="headingSm" id="fallback-title">
                {t("channelRules.fallback.title")}
              </Text>
              {counts && (
                <Badge tone={counts.fallbackCustomers > 0 ? "info" : undefined}>
                  {t("channelRules.matches", {
                    count: counts.fallbackCustomers,
                    customers: format.number(counts.fallbackCustomers),
                  })}
                </Badge>
              )}
            </InlineStack>
            <Text as="p" tone="subdued">
              {t("channelRules.fallback.help")}
            </Text>
            <FormLayout>
              <FormLayout.Group>
                <TextField
                  label={t("channelRules.channel")}
                  id="fallback-channel"
                  value={draft.fallback.channel}
                  onChange={(v) =>
                    onChange({ ...draft, fallback: { ...draft.fallback, channel: v } })
                  }
                  helpText={
                    channelMessageKey(draft.fallback.channel)
                      ? t("channelRules.defaultName", {
                          name: channelName(i18n, draft.fallback.channel, null),
                        })
                      : t("channelRules.channelHelp")
                  }
                  error={error("fallback.channel")}
                  autoComplete="off"
                />
                <TextField
                  label={t("channelRules.label")}
                  id="fallback-label"
                  value={draft.fallback.label}
                  onChange={(v) =>
                    onChange({ ...draft, fallback: { ...draft.fallback, label: v } })
                  }
                  error={error("fallback.label")}
                  autoComplete="off"
                />
              </FormLayout.Group>
            </FormLayout>
          </BlockStack>
        </section>
      </Card>
    </BlockStack>
  );
}

/** The preview's channel counts as a table, with what they are based on. */
export function ChannelPreviewCard({
  state,
  format,
}: {
  state: PreviewState | null;
  format: Format;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  if (state === null) {
    return (
      <Card>
        <Text as="p" tone="subdued">
          {t("channelRules.preview.none")}
        </Text>
      </Card>
    );
  }
  const { preview } = state;
  const share = (n: number) =>
    preview.customers > 0 ? format.percent(n / preview.customers) : "—";
  return (
    <Card>
      <section aria-labelledby="preview-title" data-testid="channel-preview">
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd" id="preview-title">
            {t("channelRules.preview.title")}
          </Text>
          {state.stale && (
            <Banner tone="warning">
              <p>{t("channelRules.preview.stale")}</p>
            </Banner>
          )}
          <Text as="p" tone="subdued" id="preview-base">
            {t("channelRules.preview.base", {
              count: preview.customers,
              customers: format.number(preview.customers),
              tuples: format.number(state.tuples),
            })}
          </Text>
          <Text as="p" tone="subdued">
            {t("channelRules.neverHelp")}
          </Text>
          <DataTable
            columnContentTypes={["text", "numeric", "numeric"]}
            headings={[
              t("channelRules.preview.channel"),
              t("channelRules.preview.customers"),
              t("channelRules.preview.share"),
            ]}
            rows={preview.channels.map((c) => [
              channelName(i18n, c.key, c.label),
              format.number(c.customers),
              share(c.customers),
            ])}
          />
        </BlockStack>
      </section>
    </Card>
  );
}
