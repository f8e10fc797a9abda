import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { TitleBar } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Card,
  DataTable,
  EmptyState,
  InlineGrid,
  InlineStack,
  Page,
  Text,
} from "@shopify/polaris";
import type { Metric } from "../analytics/metric";
import { BarChart, LineChart } from "../components/charts";
import { CohortFilterCard } from "../components/CohortFilter";
import { EMPTY_IMAGE, NoSnapshot } from "../components/EmptyStates";
import { MetricInfo } from "../components/MetricInfo";
import { OtherModelsFit, PurchaseModelFit } from "../components/ModelFit";
import { SegmentRanges, useRangeText } from "../components/PredictionRanges";
import { useFormat } from "../components/useFormat";
import { DASH, type Format } from "../format";
import { metricName, useI18n } from "../i18n";
import type { ClvOk, ContinuationBlock, IntervalJson } from "../metrics/snapshot/types";
import { cutParam } from "../pages/cohort-filter.server";
import { pageAdminApi } from "../pages/customer-names.server";
import { ltvData } from "../pages/ltv.server";
import { authenticate } from "../shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  return ltvData(session.shop, { cut: cutParam(request), api: pageAdminApi(session) });
};

function Tile({
  label,
  value,
  help,
  range,
  metric,
  format,
  testId,
  helpTestId,
}: {
  label: string;
  value: string;
  help?: string;
  helpTestId?: string;
  /** The value's interval, e.g. "95% range: ¥1,200 – ¥1,500". */
  range?: string;
  metric?: Metric;
  format: Format;
  testId: string;
}) {
  return (
    <Card>
      <BlockStack gap="150">
        <InlineStack align="space-between" blockAlign="start" gap="200" wrap={false}>
          <Text as="h3" variant="headingSm">
            {label}
          </Text>
          {metric && <MetricInfo definition={metric.definition} metric={metric} format={format} />}
        </InlineStack>
        <Text as="p" variant="headingXl">
          <span data-testid={testId}>{value}</span>
        </Text>
        {range && (
          <Text as="p" variant="bodySm">
            <span data-testid={`${testId}-range`}>{range}</span>
          </Text>
        )}
        {help && (
          <Text as="p" variant="bodySm" tone="subdued">
            {helpTestId ? <span data-testid={helpTestId}>{help}</span> : help}
          </Text>
        )}
      </BlockStack>
    </Card>
  );
}

const num = (format: Format, x: number | null | undefined) =>
  x === null || x === undefined ? DASH : format.estimate(x);

/** Why predictions use the shop's average order value instead of Gamma-Gamma. */
function SpendFallback({
  clv,
  fallback,
  format,
}: {
  clv: ClvOk;
  fallback: NonNullable<ClvOk["aovFallback"]>;
  format: Format;
}) {
  const { t } = useI18n();
  const aov = format.money(clv.meanAovMinor);
  if (fallback.code === "too-few-spend-customers") {
    return (
      <Text as="p" variant="bodySm" tone="subdued">
        {t("ltv.params.noGammaGamma", { aov })}
      </Text>
    );
  }
  const body =
    fallback.code === "boundary"
      ? t("ltv.params.gammaGammaBoundary", {
          parameter: fallback.parameter ?? "",
          estimate: num(format, fallback.estimate),
          se: num(format, fallback.standardError),
          aov,
        })
      : fallback.code === "no-standard-errors"
        ? t("ltv.params.gammaGammaFlat", { aov })
        : t("ltv.params.gammaGammaNotConverged", { aov });
  return (
    <Banner tone="warning" title={t("ltv.params.gammaGammaNotIdentified")}>
      <p>{body}</p>
    </Banner>
  );
}

/**
 * Why the holdout card has no check, in the admin's language: the stored code (short history,
 * too few repeat buyers, no fit); snapshots stored before the code get a neutral sentence and,
 * in English, the stored reason.
 */
function HoldoutUnavailable({
  holdout,
  model,
  format,
}: {
  holdout: Extract<ClvOk["holdout"], { status: "insufficient-data" }>;
  model: string;
  format: Format;
}) {
  const { t, locale } = useI18n();
  const text =
    holdout.code === "short-history"
      ? t("ltv.holdout.insufficient")
      : holdout.code === "too-few-repeat-buyers"
        ? t("ltv.holdout.tooFewRepeat", {
            repeat: format.number(holdout.repeatCustomers ?? 0),
            required: format.number(holdout.requiredRepeatCustomers ?? 0),
          })
        : holdout.code === "no-fit"
          ? t("ltv.holdout.noFit", { model })
          : t("ltv.holdout.unavailable");
  return (
    <BlockStack gap="100">
      <Text as="p" variant="bodyMd" tone="subdued">
        <span data-testid="holdout-unavailable" data-code={holdout.code ?? ""}>
          {text}
        </span>
      </Text>
      {locale === "en" && holdout.code === undefined && (
        <Text as="p" variant="bodySm" tone="subdued">
          {holdout.reason}
        </Text>
      )}
    </BlockStack>
  );
}

/** Display names of the purchase models' parameters. */
const PARAMETER_NAMES: Readonly<Record<string, string>> = {
  r: "r",
  alpha: "α",
  a: "a",
  b: "b",
  s: "s",
  beta: "β",
};

function Predictions({
  clv,
  sbg,
  format,
}: {
  clv: ClvOk;
  sbg: ContinuationBlock["sbg"];
  format: Format;
}) {
  const { t } = useI18n();
  const clvBars = clv.distributions.clvMinor.map((b) => ({
    label: b.to === null ? `${format.moneyCompact(b.from)}+` : format.moneyCompact(b.from),
    value: b.customers,
    title: t("ltv.dist.bin", {
      range:
        b.to === null
          ? `≥ ${format.money(b.from)}`
          : `${format.money(b.from)} – ${format.money(b.to)}`,
      customers: format.number(b.customers),
    }),
  }));
  const aliveBars = clv.distributions.pAlive.map((b) => ({
    label: format.percent(b.from, 0),
    value: b.customers,
    title: t("ltv.dist.bin", {
      range: `${format.percent(b.from, 0)} – ${format.percent(b.to ?? 1, 0)}`,
      customers: format.number(b.customers),
    }),
  }));
  const { gammaGamma, holdout, purchaseModel, intervals } = clv;
  // Snapshots stored before the card and the scenarios followed the chosen model: BG/NBD.
  const holdoutModel = holdout.status === "ok" ? (holdout.label ?? "BG/NBD") : purchaseModel.label;
  const scenarioModel = clv.scenarios[0]?.model ?? "bgnbd";
  const scenarioLabel =
    clv.modelChoice.models.find((m) => m.model === scenarioModel)?.label ?? "BG/NBD";
  const range = useRangeText(format);
  const money = (v: number) => format.money(v);
  // The scenarios' ranges, matched by their points (the same scenarios, in the same order).
  const scenarioRanges =
    intervals?.status === "ok" && intervals.scenarios !== null
      ? clv.scenarios.map((s) => intervals.scenarios!.find((r) => r.points === s.points))
      : null;
  const paramRows = Object.entries(purchaseModel.params).map(([key, v]) => [
    `${purchaseModel.label} ${PARAMETER_NAMES[key] ?? key}`,
    num(format, v),
    num(format, purchaseModel.standardErrors?.[key]),
  ]);
  if (gammaGamma) {
    paramRows.push(
      ...(
        [
          ["p", gammaGamma.params.p, gammaGamma.standardErrors?.p],
          ["q", gammaGamma.params.q, gammaGamma.standardErrors?.q],
          ["γ", gammaGamma.params.gamma, gammaGamma.standardErrors?.gamma],
        ] as const
      ).map(([name, v, se]) => [`Gamma-Gamma ${name}`, num(format, v), num(format, se)]),
    );
  }
  return (
    <>
      <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
        <Card>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              {t("ltv.dist.clv")}
            </Text>
            <BarChart
              bars={clvBars}
              yFormat={(v) => format.number(v)}
              title={t("ltv.dist.clv")}
              xTitle={t("ltv.axis.clv")}
              yTitle={t("ltv.axis.customers")}
            />
            <Text as="p" variant="bodySm" tone="subdued">
              <span data-testid="clv-quantiles">
                {clv.distributions.clvQuantiles
                  .map((q) => `P${Math.round(q.q * 100)} ${format.money(q.valueMinor)}`)
                  .join(" · ")}
              </span>
            </Text>
          </BlockStack>
        </Card>
        <Card>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              {t("ltv.dist.pAlive")}
            </Text>
            <BarChart
              bars={aliveBars}
              yFormat={(v) => format.number(v)}
              title={t("ltv.dist.pAlive")}
              color="#008060"
              xTitle={t("ltv.axis.pAlive")}
              yTitle={t("ltv.axis.customers")}
            />
            {clv.purchaseModel.oneTimeBuyersSurelyAlive && (
              <Text as="p" variant="bodySm" tone="subdued">
                <span data-testid="palive-one-time-fixed">{t("ltv.pAlive.oneTimeFixed")}</span>
              </Text>
            )}
          </BlockStack>
        </Card>
      </InlineGrid>
      <SegmentRanges clv={clv} format={format} />
      <PurchaseModelFit clv={clv} format={format} />
      <OtherModelsFit clv={clv} sbg={sbg} />
      <Card padding="0">
        <BlockStack>
          <div style={{ padding: "var(--p-space-400)" }}>
            <BlockStack gap="100">
              <Text as="h2" variant="headingMd">
                {t("ltv.scenario.title")}
              </Text>
              <Text as="p" variant="bodySm" tone="subdued">
                {t("ltv.scenario.help", { months: clv.horizonMonths })}
              </Text>
              <Text as="p" variant="bodySm" tone="subdued">
                <span data-testid="scenario-model" data-model={scenarioModel}>
                  {t("ltv.scenario.model", { model: scenarioLabel })}
                </span>
              </Text>
              {scenarioModel === "pareto-nbd" && (
                <Text as="p" variant="bodySm" tone="subdued">
                  {t("ltv.scenario.paretoNote")}
                </Text>
              )}
            </BlockStack>
          </div>
          <div data-testid="scenarios">
            <DataTable
              columnContentTypes={["text", "text", "numeric", "numeric"]}
              headings={[
                t("ltv.scenario.reduction"),
                t("ltv.scenario.dropout"),
                t("ltv.scenario.clvGain"),
                t("ltv.scenario.revenueGain"),
              ]}
              rows={clv.scenarios.map((s, j) => {
                const ranges = scenarioRanges?.[j];
                const gain = (text: string, v: IntervalJson | undefined) =>
                  v === undefined || intervals?.status !== "ok" ? (
                    text
                  ) : (
                    <BlockStack gap="050" inlineAlign="end">
                      <span>{text}</span>
                      <Text as="span" variant="bodySm" tone="subdued">
                        {range(v, intervals.level, money)}
                      </Text>
                    </BlockStack>
                  );
                return [
                  t("ltv.scenario.points", { points: s.points }),
                  `${format.percent(s.baselineDropout)} → ${format.percent(s.scenarioDropout)}${s.clamped ? " *" : ""}`,
                  gain(
                    `+${format.money(s.clvGain)} (+${format.percent(s.clvGainShare)})`,
                    ranges?.clvGain,
                  ),
                  gain(
                    `+${format.money(s.revenueGain)} (+${format.percent(s.revenueGainShare)})`,
                    ranges?.revenueGain,
                  ),
                ];
              })}
            />
          </div>
        </BlockStack>
      </Card>
      <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
        <Card padding="0">
          <BlockStack>
            <div style={{ padding: "var(--p-space-400)" }}>
              <BlockStack gap="100">
                <Text as="h2" variant="headingMd">
                  {t("ltv.params.title")}
                </Text>
                <Text as="p" variant="bodySm" tone="subdued">
                  {t("ltv.params.helpModel", {
                    model: purchaseModel.label,
                    customers: format.number(purchaseModel.customers),
                    unit: clv.unit === "week" ? t("ltv.unit.week") : t("ltv.unit.day"),
                    date: format.date(clv.calibrationEndDate),
                  })}
                </Text>
              </BlockStack>
            </div>
            <div data-testid="model-params">
              <DataTable
                columnContentTypes={["text", "numeric", "numeric"]}
                headings={[t("ltv.params.parameter"), t("ltv.params.estimate"), t("ltv.params.se")]}
                rows={paramRows}
              />
            </div>
            {clv.aovFallback && (
              <div
                style={{ padding: "var(--p-space-400)" }}
                data-testid="gamma-gamma-fallback"
                data-code={clv.aovFallback.code}
              >
                <SpendFallback clv={clv} fallback={clv.aovFallback} format={format} />
              </div>
            )}
          </BlockStack>
        </Card>
        <Card>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              {t("ltv.holdout.title")}
            </Text>
            {holdout.status === "ok" ? (
              <div data-testid="holdout-ok" data-model={holdout.model ?? "bgnbd"}>
                <BlockStack gap="300">
                  <Text as="p" variant="bodySm" tone="subdued">
                    {t("ltv.holdout.help", {
                      model: holdoutModel,
                      days: holdout.holdoutDays,
                      from: format.date(holdout.calibrationEndDate),
                      to: format.date(holdout.observationEndDate),
                      customers: format.number(holdout.customers),
                    })}
                  </Text>
                  <DataTable
                    columnContentTypes={["text", "numeric", "numeric"]}
                    headings={["", holdoutModel, t("ltv.holdout.naive")]}
                    rows={[
                      ["MAE", num(format, holdout.mae), num(format, holdout.naiveMae)],
                      ["RMSE", num(format, holdout.rmse), num(format, holdout.naiveRmse)],
                    ]}
                  />
                  <Text as="p" variant="bodyMd">
                    <span data-testid="holdout-totals">
                      {t("ltv.holdout.totals", {
                        predicted: format.number(holdout.predictedTotal),
                        actual: format.number(holdout.actualTotal),
                        error:
                          holdout.totalRelativeError === null
                            ? DASH
                            : format.percent(holdout.totalRelativeError),
                      })}
                    </span>
                  </Text>
                  <LineChart
                    title={t("ltv.holdout.byFrequency")}
                    xLabels={holdout.byFrequency.map((b) => b.label)}
                    series={[
                      {
                        label: t("ltv.holdout.predicted"),
                        values: holdout.byFrequency.map((b) => b.predictedMean),
                      },
                      {
                        label: t("ltv.holdout.actual"),
                        values: holdout.byFrequency.map((b) => b.actualMean),
                        dashed: true,
                      },
                    ]}
                    yFormat={(v) => format.number(v, 1)}
                    height={230}
                    xTitle={t("ltv.axis.pastPurchases")}
                    yTitle={t("ltv.axis.holdoutPurchases")}
                  />
                </BlockStack>
              </div>
            ) : (
              <HoldoutUnavailable holdout={holdout} model={purchaseModel.label} format={format} />
            )}
          </BlockStack>
        </Card>
      </InlineGrid>
    </>
  );
}

export default function PredictiveLtv() {
  const data = useLoaderData<typeof loader>();
  const i18n = useI18n();
  const { t } = i18n;
  const format = useFormat(data.currency, data.timeZone);
  const rangeText = useRangeText(format);
  const clv = data.clv;
  if (!clv || !data.historical || !data.predicted || !data.modelChurn) {
    return (
      <Page>
        <TitleBar title={t("ltv.title")} />
        <NoSnapshot status={data.status} format={format} />
      </Page>
    );
  }
  const historical = data.historical;
  // Filtered: the tile says whose LTV it is and the all-customers value beside it.
  const allCustomers = data.filter?.selected ? data.historicalAll : null;
  const cutPredicted = data.cutPredicted;
  const intervals = clv.status === "ok" ? clv.intervals : undefined;
  const shopRanges =
    intervals?.status === "ok" ? { ...intervals.shop, level: intervals.level } : undefined;
  return (
    <Page fullWidth>
      <TitleBar title={t("ltv.title")} />
      <BlockStack gap="400">
        <CohortFilterCard
          filter={data.filter}
          asOfDate={data.asOfDate}
          format={format}
          note={t(cutPredicted ? "cohortFilter.ltvNotePredicted" : "cohortFilter.ltvNote")}
          applied="cohortFilter.appliedLtv"
        />
        {clv.status === "ok" ? (
          <>
            <InlineGrid columns={{ xs: 1, sm: 2, lg: cutPredicted ? 5 : 4 }} gap="400">
              <Tile
                label={metricName(i18n, data.predicted.definition)}
                value={format.metric(clv.averages.clvMinor, "minor")}
                help={t("ltv.horizon", { months: clv.horizonMonths })}
                range={
                  shopRanges &&
                  rangeText(shopRanges.averageClvMinor, shopRanges.level, (v) => format.money(v))
                }
                metric={data.predicted}
                format={format}
                testId="ltv-average-clv"
              />
              <Tile
                label={t("ltv.pAlive")}
                value={format.metric(clv.averages.pAlive, "ratio")}
                help={
                  t("ltv.modelChurn", { share: format.metric(data.modelChurn.value, "ratio") }) +
                  (clv.purchaseModel.oneTimeBuyersSurelyAlive
                    ? ` ${t("ltv.pAlive.oneTimeFixed")}`
                    : "")
                }
                metric={data.modelChurn}
                format={format}
                testId="ltv-average-palive"
              />
              <Tile
                label={t("ltv.expected90")}
                value={format.metric(clv.averages.expectedPurchases90, "count")}
                help={t("ltv.expected90.total", {
                  total: format.number(clv.totals.expectedPurchases90),
                })}
                range={
                  shopRanges &&
                  rangeText(shopRanges.averageExpectedPurchases90, shopRanges.level, (v) =>
                    format.number(v, 2),
                  )
                }
                format={format}
                testId="ltv-expected90"
              />
              <Tile
                label={metricName(i18n, historical.definition)}
                value={format.metric(historical.value, "minor")}
                help={
                  allCustomers
                    ? t("ltv.historical.filtered", {
                        total: format.money(historical.numerator),
                        customers: format.number(historical.denominator),
                        all: format.metric(allCustomers.value, "minor"),
                      })
                    : t("ltv.totalClv", { total: format.money(clv.totals.clv) })
                }
                metric={historical}
                format={format}
                testId="ltv-historical"
                helpTestId="ltv-historical-help"
              />
              {cutPredicted && (
                <Tile
                  label={t("ltv.cutPredicted")}
                  value={format.metric(cutPredicted.meanClvMinor, "minor")}
                  help={
                    cutPredicted.meanClvMinor === null
                      ? t("ltv.cutPredicted.none", {
                          customers: format.number(cutPredicted.customers),
                        })
                      : t("ltv.cutPredicted.help", {
                          modelled: format.number(cutPredicted.modelled),
                          customers: format.number(cutPredicted.customers),
                          months: cutPredicted.horizonMonths,
                          all: format.metric(clv.averages.clvMinor, "minor"),
                        })
                  }
                  format={format}
                  testId="ltv-cut-predicted"
                  helpTestId="ltv-cut-predicted-help"
                />
              )}
            </InlineGrid>
            <Predictions clv={clv} sbg={data.sbg} format={format} />
          </>
        ) : (
          <Card>
            <div data-testid="ltv-insufficient">
              <EmptyState heading={t("ltv.insufficient.title")} image={EMPTY_IMAGE}>
                <BlockStack gap="200">
                  <p>
                    {t("ltv.insufficient.body", {
                      repeat: format.number(clv.repeatCustomers),
                      required: format.number(clv.requiredRepeatCustomers),
                      customers: format.number(clv.customers),
                    })}
                  </p>
                  <Text as="p" variant="bodySm" tone="subdued">
                    <span data-testid="ltv-insufficient-historical">
                      {t("ltv.insufficient.historical", {
                        value: format.metric(historical.value, "minor"),
                      })}
                    </span>
                  </Text>
                  <Text as="p" variant="bodySm" tone="subdued">
                    {clv.reason}
                  </Text>
                </BlockStack>
              </EmptyState>
            </div>
          </Card>
        )}
      </BlockStack>
    </Page>
  );
}
