/** @jsxImportSource preact */
/**
 * admin.customer-details.block.render: the customer's RFM segment, R/F/M scores,
 * P(alive), expected purchases in the next 90 days and predicted CLV from Kizuna's last
 * compute, with a link to the segment's page in the app. The data comes from the app's
 * /api/customer-metrics/<id>, authenticated with the admin's ID token.
 */
import "@shopify/ui-extensions/preact";
import type { Api } from "@shopify/ui-extensions/admin.customer-details.block.render";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import type {
  CustomerMetricsBody,
  CustomerMetricView,
} from "../../../app/extensions/customer-metrics-wire";
import { APP_URL } from "./config";

declare const shopify: Api;

export default async () => {
  render(<CustomerSegmentBlock />, document.body);
};

type State =
  | { kind: "loading" }
  | { kind: "ready"; metric: CustomerMetricView; segmentPath: string | null }
  | { kind: "missing" }
  | { kind: "error" };

/** gid://shopify/Customer/123 → "123". */
function numericId(gid: string | undefined): string | null {
  return gid ? (/\/(\d+)$/.exec(gid)?.[1] ?? null) : null;
}

async function loadMetrics(customerId: string): Promise<State> {
  const token = await shopify.auth.idToken();
  const response = await fetch(`${APP_URL}/api/customer-metrics/${customerId}`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  if (response.status === 404) return { kind: "missing" };
  if (!response.ok) return { kind: "error" };
  const body = (await response.json()) as CustomerMetricsBody;
  return body.metric
    ? { kind: "ready", metric: body.metric, segmentPath: body.segmentPath }
    : { kind: "missing" };
}

function CustomerSegmentBlock() {
  const { i18n } = shopify;
  const t = (key: string, options?: Record<string, string | number>) =>
    i18n.translate(key, options);
  const customerId = numericId(shopify.data.selected[0]?.id);
  const [state, setState] = useState<State>({ kind: "loading" });

  useEffect(() => {
    if (!customerId) {
      setState({ kind: "missing" });
      return;
    }
    let cancelled = false;
    loadMetrics(customerId).then(
      (next) => !cancelled && setState(next),
      () => !cancelled && setState({ kind: "error" }),
    );
    return () => {
      cancelled = true;
    };
  }, [customerId]);

  if (state.kind === "loading") {
    return (
      <s-admin-block heading={t("heading")}>
        <s-spinner accessibilityLabel={t("loading")} />
      </s-admin-block>
    );
  }
  if (state.kind !== "ready") {
    return (
      <s-admin-block heading={t("heading")}>
        <s-text color="subdued">{t(state.kind === "missing" ? "missing" : "error")}</s-text>
      </s-admin-block>
    );
  }

  const { metric, segmentPath } = state;
  const segmentName = metric.segment.custom
    ? metric.segment.name
    : t(`segments.${metric.segment.id}`);
  const notModeled = t("notModeled");
  return (
    <s-admin-block heading={t("heading")} collapsedSummary={segmentName}>
      <s-stack gap="base">
        <s-stack direction="inline" gap="small" alignItems="center">
          <s-badge tone="info">{segmentName}</s-badge>
          {segmentPath ? (
            // app: paths open inside the embedded app.
            <s-link href={`app:${segmentPath.replace(/^\//, "")}`}>{t("viewSegment")}</s-link>
          ) : null}
        </s-stack>
        <s-stack direction="inline" gap="large">
          <Figure
            label={t("scores.recency")}
            value={t("scores.outOf", { score: metric.scores.recency })}
          />
          <Figure
            label={t("scores.frequency")}
            value={t("scores.outOf", { score: metric.scores.frequency })}
          />
          <Figure
            label={t("scores.monetary")}
            value={t("scores.outOf", { score: metric.scores.monetary })}
          />
        </s-stack>
        <s-stack direction="inline" gap="large">
          <Figure
            label={t("pAlive")}
            value={
              metric.pAlive === null
                ? notModeled
                : i18n.formatNumber(metric.pAlive, { style: "percent", maximumFractionDigits: 0 })
            }
          />
          <Figure
            label={t("expected90")}
            value={
              metric.expected90 === null
                ? notModeled
                : i18n.formatNumber(metric.expected90, { maximumFractionDigits: 2 })
            }
          />
          <Figure
            label={t("clv")}
            value={
              metric.clv === null
                ? notModeled
                : i18n.formatCurrency(Number(metric.clv.amount), {
                    currency: metric.clv.currency,
                  })
            }
          />
        </s-stack>
        <s-text color="subdued">
          {t("computedAt", { date: i18n.formatDate(new Date(metric.computedAt)) })}
        </s-text>
      </s-stack>
    </s-admin-block>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <s-stack gap="small-300">
      <s-text color="subdued">{label}</s-text>
      <s-text type="strong">{value}</s-text>
    </s-stack>
  );
}
