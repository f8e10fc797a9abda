import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Badge,
  Banner,
  BlockStack,
  Card,
  DataTable,
  InlineGrid,
  InlineStack,
  Layout,
  Page,
  Select,
  Text,
} from "@shopify/polaris";
import { evaluateTarget } from "../analytics/targets";
import { BarChart, LineChart } from "../components/charts";
import { NoSnapshot } from "../components/EmptyStates";
import { StatusBadge } from "../components/KpiCard";
import { MetricInfo } from "../components/MetricInfo";
import { useFormat } from "../components/useFormat";
import { DASH } from "../format";
import { segmentName, useI18n } from "../i18n";
import { npsPageData } from "../pages/nps.server";
import { NPS_GROUPS } from "../pages/nps-params";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return npsPageData(session.shop, new URL(request.url));
};

const scoreGroup = (score: number) =>
  score >= 9 ? "promoters" : score >= 7 ? "passives" : "detractors";

export default function Nps() {
  const data = useLoaderData<typeof loader>();
  const i18n = useI18n();
  const { t } = i18n;
  const format = useFormat(data.currency, data.timeZone);
  const [, setParams] = useSearchParams();
  const navigation = useNavigation();
  const nps = data.nps;
  if (!nps) {
    return (
      <Page>
        <TitleBar title={t("nps.title")} />
        <NoSnapshot status={data.status} format={format} />
      </Page>
    );
  }
  const overall = nps.overall;
  const responses = overall.denominator;
  const total = nps.distribution.reduce((s, d) => s + d.responses, 0);
  const count = (group: "promoters" | "passives" | "detractors") =>
    nps.distribution
      .filter((d) => scoreGroup(d.score) === group)
      .reduce((s, d) => s + d.responses, 0);
  const status = responses < data.minResponses ? null : evaluateTarget(nps.target, overall.value);
  const targetMin = nps.target?.min ?? null;
  const targetMax = nps.target?.max ?? null;
  const points = (v: number | null) => format.metric(v, "points");
  const segmentLabel = (key: string, fallback: string) =>
    key === "none"
      ? t("nps.noSegment")
      : segmentName(i18n, key, data.segmentNames[key] ?? fallback);
  const groupRows = (groups: typeof nps.bySegment, label: (g: (typeof groups)[number]) => string) =>
    groups.map((g) => [
      label(g),
      g.metric.denominator < data.minResponses && g.metric.denominator > 0
        ? `${points(g.metric.value)} (${t("nps.fewShort")})`
        : points(g.metric.value),
      format.number(g.metric.denominator),
    ]);

  return (
    <Page title={t("nps.title")}>
      <TitleBar title={t("nps.title")} />
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            {data.invalidGroup && <Banner tone="warning">{t("nps.invalidGroup")}</Banner>}
            <Card>
              <BlockStack gap="300">
                <InlineStack gap="200" blockAlign="center">
                  <Text as="h2" variant="headingMd">
                    {t("nps.last12")}
                  </Text>
                  <MetricInfo definition={overall.definition} metric={overall} format={format} />
                </InlineStack>
                <InlineStack gap="300" blockAlign="center">
                  <Text as="p" variant="heading2xl">
                    <span data-testid="nps-score">{points(overall.value)}</span>
                  </Text>
                  <StatusBadge status={status} />
                  <Text as="span" tone="subdued">
                    <span data-testid="nps-target">
                      {targetMin !== null && targetMax !== null
                        ? t("nps.target", { target: `${points(targetMin)} – ${points(targetMax)}` })
                        : targetMin !== null
                          ? t("nps.target", { target: `≥ ${points(targetMin)}` })
                          : targetMax !== null
                            ? t("nps.target", { target: `≤ ${points(targetMax)}` })
                            : t("kpiPage.target.declined")}
                    </span>
                  </Text>
                </InlineStack>
                <Text as="p" variant="bodySm" tone="subdued">
                  <span data-testid="nps-responses">
                    {t("nps.responses", { count: format.number(responses) })}
                  </span>
                </Text>
                {responses < data.minResponses && (
                  <Banner tone="warning">
                    <span data-testid="nps-few">
                      {t("nps.few", { min: format.number(data.minResponses) })}
                    </span>
                  </Banner>
                )}
                <InlineGrid columns={{ xs: 1, sm: 3 }} gap="300">
                  {(["promoters", "passives", "detractors"] as const).map((g) => (
                    <BlockStack gap="100" key={g}>
                      <Text as="h3" variant="headingSm">
                        {t(`nps.group.${g}`)}
                      </Text>
                      <Text as="p" variant="headingLg">
                        <span data-testid={`nps-${g}`}>{format.number(count(g))}</span>
                      </Text>
                      <Text as="p" variant="bodySm" tone="subdued">
                        {total > 0 ? format.percent(count(g) / total) : DASH}
                      </Text>
                    </BlockStack>
                  ))}
                </InlineGrid>
              </BlockStack>
            </Card>
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  {t("nps.chart.title")}
                </Text>
                <div data-testid="nps-chart">
                  <LineChart
                    title={t("nps.chart.title")}
                    xTitle={t("kpiPage.axisMonth")}
                    yTitle={t("nps.chart.y")}
                    xLabels={nps.months.map((m) => format.month(m.month))}
                    yFormat={(v) => format.number(v)}
                    series={[
                      {
                        label: t("nps.chart.score"),
                        values: nps.months.map((m) => (m.tooFew ? null : m.value)),
                      },
                      ...[targetMin, targetMax]
                        .filter((v): v is number => v !== null)
                        .map((v) => ({
                          label: `${t("kpiPage.targetLine")} ${points(v)}`,
                          values: nps.months.map(() => v),
                          dashed: true,
                          color: "#8a6116",
                        })),
                    ]}
                  />
                </div>
                <Text as="p" variant="bodySm" tone="subdued">
                  {t("nps.chart.note", { min: format.number(data.minResponses) })}
                </Text>
                <div data-testid="nps-months">
                  <DataTable
                    columnContentTypes={["text", "numeric", "numeric", "text"]}
                    headings={[
                      t("kpiPage.col.month"),
                      t("nps.col.score"),
                      t("nps.col.responses"),
                      t("kpiPage.col.status"),
                    ]}
                    rows={[...nps.months]
                      .reverse()
                      .map((m) => [
                        `${format.month(m.month)}${
                          m.partial
                            ? ` — ${t("kpiPage.partial", { date: format.date(m.end) })}`
                            : ""
                        }`,
                        m.tooFew ? t("nps.tooFew") : points(m.value),
                        format.number(m.responses),
                        <StatusBadge key="s" status={m.status} />,
                      ])}
                  />
                </div>
              </BlockStack>
            </Card>
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  {t("nps.distribution.title")}
                </Text>
                <div data-testid="nps-distribution">
                  <BarChart
                    title={t("nps.distribution.alt", {
                      counts: nps.distribution
                        .map((d) => `${d.score}: ${format.number(d.responses)}`)
                        .join(", "),
                    })}
                    xTitle={t("nps.distribution.x")}
                    yTitle={t("nps.distribution.y")}
                    yFormat={(v) => format.number(v)}
                    bars={nps.distribution.map((d) => ({
                      label: String(d.score),
                      value: d.responses,
                      title: `${d.score}: ${format.number(d.responses)}`,
                    }))}
                  />
                </div>
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>
        <Layout.Section>
          <BlockStack gap="400">
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  {t("nps.bySegment")}
                </Text>
                <div data-testid="nps-by-segment">
                  <DataTable
                    columnContentTypes={["text", "numeric", "numeric"]}
                    headings={[t("nps.col.segment"), t("nps.col.score"), t("nps.col.responses")]}
                    rows={groupRows(nps.bySegment, (g) => segmentLabel(g.key, g.name))}
                  />
                </div>
              </BlockStack>
            </Card>
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  {t("nps.byCohort")}
                </Text>
                <div data-testid="nps-by-cohort">
                  <DataTable
                    columnContentTypes={["text", "numeric", "numeric"]}
                    headings={[t("nps.col.cohort"), t("nps.col.score"), t("nps.col.responses")]}
                    rows={groupRows(
                      nps.byCohort.filter((g) => g.metric.denominator > 0),
                      (g) => (g.key === "none" ? t("nps.noCohort") : format.month(g.key)),
                    )}
                  />
                </div>
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                {t("nps.comments.title")}
              </Text>
              <Text as="p" variant="bodySm" tone="subdued">
                {t("nps.comments.note")}
              </Text>
              <Select
                label={t("nps.comments.filter")}
                value={data.group}
                disabled={navigation.state !== "idle"}
                onChange={(v) => setParams({ group: v })}
                options={NPS_GROUPS.map((g) => ({ value: g, label: t(`nps.group.${g}`) }))}
              />
              {nps.comments.length === 0 ? (
                <Text as="p" tone="subdued">
                  <span data-testid="nps-no-comments">{t("nps.comments.none")}</span>
                </Text>
              ) : (
                <ul className="kz-comments" data-testid="nps-comments">
                  {nps.comments.map((c) => (
                    <li key={c.id} data-testid="nps-comment">
                      <InlineStack gap="200" blockAlign="center">
                        <Badge
                          tone={
                            scoreGroup(c.score) === "promoters"
                              ? "success"
                              : scoreGroup(c.score) === "passives"
                                ? undefined
                                : "critical"
                          }
                        >
                          {t("nps.comments.score", { score: c.score })}
                        </Badge>
                        <Text as="span" variant="bodySm" tone="subdued">
                          {format.date(c.date)}
                          {" · "}
                          {c.segment === null
                            ? t("nps.noSegment")
                            : segmentName(
                                i18n,
                                c.segment,
                                data.segmentNames[c.segment] ?? c.segment,
                              )}
                        </Text>
                      </InlineStack>
                      {/* Customer-written text: rendered as text, never as HTML. */}
                      <p className="kz-comment-text" data-testid="nps-comment-text">
                        {c.text}
                      </p>
                    </li>
                  ))}
                </ul>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
