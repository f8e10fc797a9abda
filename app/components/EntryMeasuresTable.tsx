/**
 * The entry-products page's two tables, by product and by product type: one first column
 * (the product or the type) and the same six measures of the customers it brought in.
 */
import type { ReactNode } from "react";
import { DataTable } from "@shopify/polaris";
import type { LtvPoint, Share } from "../analytics/customer-groups";
import type { MetricDefinition } from "../analytics/metric";
import { DASH, type Format } from "../format";
import { useI18n } from "../i18n";
import { ColumnDefinitions, ltvCell, shareCell } from "./AcquisitionParts";

/** One row's measures, after its first cell. */
export interface EntryMeasuresRow {
  /** The first column's cell (the product or the type). */
  readonly first: ReactNode;
  readonly customers: number;
  readonly f2: Share;
  readonly repeat: Share;
  readonly ltv: readonly LtvPoint[];
  readonly toSubscription: Share;
  /** Median days from the first to the second purchase. */
  readonly medianDays: number | null;
}

export interface EntryMeasuresDefinitions {
  readonly customers: MetricDefinition;
  readonly f2: MetricDefinition;
  readonly repeat: MetricDefinition;
  readonly ltv: MetricDefinition;
  readonly toSubscription: MetricDefinition;
  readonly median: MetricDefinition;
}

/** The columns' definitions, then the table (inside the caller's card). */
export function EntryMeasuresTable({
  firstHeading,
  rows,
  definitions: defs,
  ltvMonths,
  windowDays,
  periodLabel,
  format,
  testId,
}: {
  firstHeading: string;
  rows: readonly EntryMeasuresRow[];
  definitions: EntryMeasuresDefinitions;
  ltvMonths: readonly number[];
  windowDays: number;
  periodLabel: string;
  format: Format;
  testId: string;
}) {
  const { t } = useI18n();
  const pct = (s: Share) => shareCell(format, s);
  const columns = [
    { heading: t("entry.col.customers"), def: defs.customers },
    { heading: t("acq.col.f2", { days: windowDays }), def: defs.f2 },
    { heading: t("acq.col.repeat"), def: defs.repeat },
    ...ltvMonths.map((m) => ({ heading: t("acq.col.ltv", { months: m }), def: defs.ltv })),
    { heading: t("entry.col.toSubscription"), def: defs.toSubscription },
    { heading: t("entry.col.median"), def: defs.median },
  ];
  return (
    <>
      <ColumnDefinitions columns={columns} periodLabel={periodLabel} format={format} />
      <div data-testid={testId}>
        <DataTable
          columnContentTypes={[
            "text",
            "numeric",
            "numeric",
            "numeric",
            ...ltvMonths.map(() => "numeric" as const),
            "numeric",
            "numeric",
          ]}
          headings={[firstHeading, ...columns.map((c) => c.heading)]}
          rows={rows.map((r) => [
            r.first,
            format.number(r.customers),
            pct(r.f2),
            pct(r.repeat),
            ...ltvMonths.map((m) =>
              ltvCell(
                t,
                format,
                r.ltv.find((p) => p.months === m),
              ),
            ),
            pct(r.toSubscription),
            r.medianDays === null ? DASH : t("entry.gaps.days", { n: r.medianDays }),
          ])}
        />
      </div>
    </>
  );
}
