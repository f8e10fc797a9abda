/**
 * The LTV page's fit-quality cards: the purchase models compared on the holdout (each one's
 * error and status, which one the predictions use and why), then Gamma-Gamma and sBG with
 * their own status and the reason the compute stored.
 */
import { Badge, BlockStack, Card, DataTable, Text } from "@shopify/polaris";
import type { ReactNode } from "react";
import { DASH, type Format } from "../format";
import { useI18n } from "../i18n";
import type { MessageKey } from "../messages/en";
import type { ClvOk, ContinuationBlock, PurchaseModelRow } from "../metrics/snapshot/types";

type Status = PurchaseModelRow["status"] | "no-data";

const STATUS: Record<
  Status,
  { key: MessageKey; tone: "success" | "critical" | "attention" | undefined }
> = {
  converged: { key: "ltv.fit.status.converged", tone: "success" },
  "not-identified": { key: "ltv.fit.status.notIdentified", tone: "critical" },
  "too-little-data": { key: "ltv.fit.status.tooLittleData", tone: "attention" },
  "not-compared": { key: "ltv.fit.status.notCompared", tone: undefined },
  "no-data": { key: "ltv.fit.status.noData", tone: undefined },
};

function StatusBadge({ status }: { status: Status }) {
  const { t } = useI18n();
  const { key, tone } = STATUS[status];
  return <Badge tone={tone}>{t(key)}</Badge>;
}

const Reason = ({ children, title }: { children: ReactNode; title?: string }) => (
  <span title={title}>
    <Text as="span" variant="bodySm" tone="subdued" breakWord>
      {children}
    </Text>
  </span>
);

type Translate = ReturnType<typeof useI18n>["t"];

/** The compute's reason codes (analytics/clv/status.ts, choice.ts, AovFallback), worded. */
const CODE: Record<string, MessageKey> = {
  boundary: "ltv.fit.code.boundary",
  "no-standard-errors": "ltv.fit.code.noStandardErrors",
  "not-converged": "ltv.fit.code.notConverged",
  "fit-failed": "ltv.fit.code.fitFailed",
  "too-few-spend-customers": "ltv.fit.code.tooFewSpendCustomers",
};

/**
 * A stored reason in the admin's language: the compute stores English sentences (with
 * figures) for logs and definitions, and a code; other languages word the code, and the
 * English sentence stays available as the cell's title.
 */
function reasonText(
  t: Translate,
  locale: string,
  status: Status,
  code: string | null,
  parameter: string | null,
  stored: string,
): string {
  if (locale === "en") return stored;
  const byCode = code === null ? undefined : CODE[code];
  if (byCode !== undefined) return t(byCode, { parameter: parameter ?? "—" });
  if (status === "converged") return t("ltv.fit.code.converged");
  if (status === "too-little-data") return t("ltv.fit.code.tooLittleData");
  if (status === "not-compared") return t("ltv.fit.code.notCompared");
  return stored;
}

function fallbackRow(
  t: Translate,
  locale: string,
  status: Status,
  code: string | null,
  parameter: string | null,
  stored: string,
): [Status, string] {
  return [status, reasonText(t, locale, status, code, parameter, stored)];
}

/** Why the predictions use the model they use, in the admin's language. */
function whyUsed(t: Translate, choice: ClvOk["modelChoice"], label: string): string {
  if (choice.status === "not-compared") return t("ltv.fit.why.notCompared", { model: label });
  if (choice.models.every((m) => m.status === "too-little-data")) {
    return t("ltv.fit.why.tooFewRepeat", { model: label });
  }
  if (choice.chosen === null) return t("ltv.fit.why.noneIdentified", { model: label });
  if (choice.chosen !== choice.used) {
    const chosen = choice.models.find((m) => m.model === choice.chosen)?.label ?? choice.chosen;
    return t("ltv.fit.why.refitFailed", { chosen, model: label });
  }
  return t("ltv.fit.why.chosen", { model: label });
}

export function PurchaseModelFit({ clv, format }: { clv: ClvOk; format: Format }) {
  const { t, locale } = useI18n();
  const choice = clv.modelChoice;
  // The used model's verdict on all customers (absent in snapshots stored before it).
  const quality = clv.purchaseModel.quality;
  const err = (v: number | null) => (v === null ? DASH : format.number(v, 4));
  const rows = choice.models.map((m) => [
    <span key="model" data-testid={`fit-model-${m.model}`} data-status={m.status}>
      {m.label}
    </span>,
    err(m.rmse),
    err(m.mae),
    <StatusBadge key="status" status={m.status} />,
    m.model === choice.used ? (
      <Badge key="used" tone="info">
        {t("ltv.fit.usedMark")}
      </Badge>
    ) : (
      ""
    ),
    <Reason key="reason" title={m.reason}>
      {reasonText(t, locale, m.status, m.code, m.parameter, m.reason)}
    </Reason>,
  ]);
  return (
    <Card padding="0">
      <BlockStack>
        <div style={{ padding: "var(--p-space-400)" }}>
          <BlockStack gap="100">
            <Text as="h2" variant="headingMd">
              {t("ltv.fit.title")}
            </Text>
            <Text as="p" variant="bodySm" tone="subdued">
              {choice.status === "compared" && choice.holdoutDays !== null
                ? t("ltv.fit.help", {
                    date:
                      clv.holdout.status === "ok"
                        ? format.date(clv.holdout.calibrationEndDate)
                        : DASH,
                    days: choice.holdoutDays,
                    customers: format.number(choice.customers ?? 0),
                    naive: err(choice.naiveRmse),
                  })
                : t("ltv.fit.helpNotCompared")}
            </Text>
          </BlockStack>
        </div>
        <div data-testid="model-fit">
          <DataTable
            columnContentTypes={["text", "numeric", "numeric", "text", "text", "text"]}
            headings={[
              t("ltv.fit.model"),
              t("ltv.fit.rmse"),
              t("ltv.fit.mae"),
              t("ltv.fit.status"),
              t("ltv.fit.used"),
              t("ltv.fit.reason"),
            ]}
            rows={rows}
          />
        </div>
        <div style={{ padding: "var(--p-space-400)" }}>
          <BlockStack gap="100">
            <Text as="p" variant="bodyMd">
              <span data-testid="model-used" data-model={choice.used}>
                {whyUsed(t, choice, clv.purchaseModel.label)}
              </span>
            </Text>
            {locale === "en" && <Reason>{choice.reason}</Reason>}
            {quality?.status === "not-identified" && (
              <Text as="p" variant="bodyMd">
                <span data-testid="model-used-not-identified">
                  {t("ltv.fit.usedNotIdentified", {
                    model: clv.purchaseModel.label,
                    reason: reasonText(
                      t,
                      locale,
                      "not-identified",
                      quality.code,
                      quality.parameter,
                      quality.reason,
                    ),
                  })}
                </span>
              </Text>
            )}
          </BlockStack>
        </div>
      </BlockStack>
    </Card>
  );
}

export function OtherModelsFit({ clv, sbg }: { clv: ClvOk; sbg: ContinuationBlock["sbg"] }) {
  const { t, locale } = useI18n();
  const gg: [Status, string] =
    clv.aovFallback === null
      ? [
          "converged",
          t("ltv.fit.gammaGammaOk", { message: clv.gammaGamma?.convergence.message ?? "" }),
        ]
      : fallbackRow(
          t,
          locale,
          clv.aovFallback.code === "too-few-spend-customers" ? "too-little-data" : "not-identified",
          clv.aovFallback.code,
          clv.aovFallback.parameter,
          clv.aovFallback.reason,
        );
  const sb: [Status, string] =
    sbg === null
      ? ["no-data", t("ltv.fit.sbgNone")]
      : sbg.status === "ok"
        ? ["converged", t("ltv.fit.sbgOk", { message: sbg.convergence.message })]
        : sbg.status === "not-identified"
          ? fallbackRow(t, locale, "not-identified", sbg.code, sbg.parameter, sbg.reason)
          : fallbackRow(t, locale, "too-little-data", null, null, sbg.reason);
  const rows = (
    [
      ["gamma-gamma", t("ltv.fit.gammaGamma"), gg],
      ["sbg", t("ltv.fit.sbg"), sb],
    ] as const
  ).map(([id, label, [status, reason]]) => [
    <span key="model" data-testid={`fit-model-${id}`} data-status={status}>
      {label}
    </span>,
    <StatusBadge key="status" status={status} />,
    <Reason key="reason">{reason}</Reason>,
  ]);
  return (
    <Card padding="0">
      <BlockStack>
        <div style={{ padding: "var(--p-space-400)" }}>
          <Text as="h2" variant="headingMd">
            {t("ltv.fit.otherTitle")}
          </Text>
        </div>
        <div data-testid="other-model-fit">
          <DataTable
            columnContentTypes={["text", "text", "text"]}
            headings={[t("ltv.fit.otherModel"), t("ltv.fit.status"), t("ltv.fit.reason")]}
            rows={rows}
          />
        </div>
      </BlockStack>
    </Card>
  );
}
