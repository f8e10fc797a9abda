/**
 * The Acquisition page: channels, campaigns and CAC by month from the latest snapshot's
 * acquisition block (computed by the workers; nothing is recomputed here), for the session's
 * shop only. A snapshot stored before the block existed shows an empty state until the next
 * compute fills it.
 */
import type { AcquisitionRow } from "../analytics/acquisition";
import type { MetricPeriod } from "../analytics/metric";
import { parseDay } from "../analytics/time";
import type { AcquisitionBlock } from "../metrics/snapshot/types";
import { acquisitionDefinitions } from "./acquisition-definitions";
import { loadPage } from "./page-base.server";

export interface AcquisitionView {
  readonly channels: readonly AcquisitionRow[];
  /** Merchant labels by channel key (null: the UI names a default key or shows the key). */
  readonly labels: Readonly<Record<string, string | null>>;
  /** Campaign rows per channel key, by new customers (ties: campaign name). */
  readonly campaigns: Readonly<Record<string, readonly AcquisitionRow[]>>;
  /** Acquisition months, oldest first, and per channel its row of each month (or null). */
  readonly months: readonly string[];
  readonly channelMonths: readonly {
    readonly channel: string;
    readonly cells: readonly (AcquisitionRow | null)[];
  }[];
  readonly unmatchedSpend: AcquisitionBlock["report"]["unmatchedSpend"];
  readonly touches: AcquisitionBlock["touches"];
  readonly margin: AcquisitionBlock["margin"];
  /**
   * The CLV model's mean predicted LTV per channel key over the next horizonMonths; null
   * when the model was not fitted (or the snapshot predates it).
   */
  readonly predicted: {
    readonly horizonMonths: number;
    readonly byChannel: Readonly<
      Record<string, { readonly customers: number; readonly meanClvMinor: number }>
    >;
  } | null;
  readonly target: number;
  readonly ltvMonths: readonly number[];
  readonly ltvCacMonths: number;
  readonly windowDays: number;
  /** First acquisition month's first day through the as-of date. */
  readonly period: MetricPeriod | null;
  readonly definitions: ReturnType<typeof acquisitionDefinitions>;
}

const byCustomers = (a: AcquisitionRow, b: AcquisitionRow) =>
  b.newCustomers - a.newCustomers || (a.campaign ?? "").localeCompare(b.campaign ?? "");

/** The page's view of a block (pure: the unit tests run it on real reports). */
export function acquisitionView(block: AcquisitionBlock, asOfDate: string): AcquisitionView {
  const { report } = block;
  const campaigns: Record<string, AcquisitionRow[]> = {};
  for (const row of report.campaigns) (campaigns[row.channel] ??= []).push(row);
  for (const list of Object.values(campaigns)) list.sort(byCustomers);
  const months = [...new Set(report.channelMonths.map((r) => r.month ?? ""))]
    .filter((m) => m !== "")
    .sort();
  const cell = new Map(report.channelMonths.map((r) => [`${r.channel} ${r.month}`, r]));
  const period: MetricPeriod | null =
    months.length === 0
      ? null
      : {
          startDay: parseDay(`${months[0]}-01`),
          endDay: parseDay(asOfDate) + 1,
          start: `${months[0]}-01`,
          end: asOfDate,
        };
  return {
    channels: report.channels,
    labels: Object.fromEntries(block.channels.map((c) => [c.key, c.label])),
    campaigns,
    months,
    channelMonths: report.channels.map((ch) => ({
      channel: ch.channel,
      cells: months.map((m) => cell.get(`${ch.channel} ${m}`) ?? null),
    })),
    unmatchedSpend: [...report.unmatchedSpend].sort((a, b) => b.amountMinor - a.amountMinor),
    touches: block.touches,
    margin: block.margin,
    predicted: block.predictedLtv
      ? {
          horizonMonths: block.predictedLtv.horizonMonths,
          byChannel: Object.fromEntries(
            block.predictedLtv.channels.map((c) => [
              c.channel,
              { customers: c.customers, meanClvMinor: c.meanClvMinor },
            ]),
          ),
        }
      : null,
    target: block.ltvCacTarget,
    ltvMonths: report.params.ltvMonths,
    ltvCacMonths: report.params.ltvCacMonths,
    windowDays: report.params.windowDays,
    period,
    definitions: acquisitionDefinitions({
      windowDays: report.params.windowDays,
      ltvCacMonths: report.params.ltvCacMonths,
      marginBasis: block.margin.basis,
      predictedMonths: block.predictedLtv?.horizonMonths ?? 0,
    }),
  };
}

export async function acquisitionData(domain: string) {
  const { base, snapshot } = await loadPage(domain);
  const block = snapshot?.acquisition;
  return {
    ...base,
    hasSnapshot: snapshot !== null,
    acquisition: block && snapshot ? acquisitionView(block, snapshot.asOfDate) : null,
  };
}
