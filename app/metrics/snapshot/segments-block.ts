/** The segments page's blocks: the RFM segments with their rules and actions, and the R × FM grid. */
import {
  FM_VALUES,
  metricPeriod,
  rfmDefinition,
  summarizeSegments,
  type RfmGrid,
  type RfmResult,
  type SegmentRule,
} from "../../analytics";
import { segmentAction } from "../segment-actions";
import { finiteOrNull, plain } from "./json";
import type { ClvStage, Context } from "./stages";
import { NO_SEGMENT_ID, type GridBlock, type SegmentRow, type SegmentsBlock } from "./types";

export function segmentsBlock(
  ctx: Context,
  rfm: RfmResult,
  clv: ClvStage,
): { block: SegmentsBlock; names: Map<string, string> } {
  const summary = summarizeSegments(rfm, { predictedClvMinor: clv.clv, pAlive: clv.pAlive });
  const overrides = ctx.input.settings.segmentActions;
  const rows = summary.segments.map((s, g): SegmentRow => {
    const rule = rfm.rules[g];
    const action = segmentAction(rule, overrides);
    return {
      id: s.id,
      name: s.name,
      recency: [rule.recency[0], rule.recency[1]],
      fm: [rule.fm[0], rule.fm[1]],
      customers: s.customers,
      customerShare: finiteOrNull(s.customerShare),
      revenueMinor: plain(s.revenueMinor),
      revenueShare: finiteOrNull(s.revenueShare),
      orders: s.orders,
      purchases: s.purchases,
      averageOrderValueMinor: finiteOrNull(s.averageOrderValueMinor),
      averageRecencyDays: finiteOrNull(s.averageRecencyDays),
      averageFrequency: finiteOrNull(s.averageFrequency),
      averageMonetaryMinor: finiteOrNull(s.averageMonetaryMinor),
      averagePredictedClvMinor: finiteOrNull(s.averagePredictedClvMinor),
      averagePAlive: finiteOrNull(s.averagePAlive),
      action: action.text,
      actionIsCustom: action.custom,
    };
  });
  const cuts = (values: readonly (number | null)[]): (number | null)[] =>
    values.map((v) => finiteOrNull(v));
  return {
    block: {
      window: metricPeriod(summary.window),
      scoredCustomers: summary.scoredCount,
      segmented: rfm.segmented,
      minCustomers: rfm.minCustomers,
      definition: rfmDefinition(rfm.minCustomers),
      revenueMinor: plain(summary.revenueMinor),
      orders: summary.orders,
      thresholds: {
        recencyDays: cuts(rfm.thresholds.recency),
        frequency: cuts(rfm.thresholds.frequency),
        monetaryMinor: cuts(rfm.thresholds.monetary),
      },
      customRules: ctx.input.settings.segmentRules !== null,
      rows,
    },
    names: new Map(rows.map((r) => [r.id, r.name])),
  };
}

export function gridBlock(grid: RfmGrid, rules: readonly SegmentRule[]): GridBlock {
  const columns = FM_VALUES.length;
  const matrix = <T>(cell: (i: number) => T): T[][] =>
    Array.from({ length: 5 }, (_, r) =>
      Array.from({ length: columns }, (_, k) => cell(r * columns + k)),
    );
  return {
    recencyScores: [1, 2, 3, 4, 5],
    fmValues: [...FM_VALUES],
    customers: matrix((i) => grid.customers[i]),
    revenueMinor: matrix((i) => plain(grid.revenueMinor[i])),
    segment: matrix((i) => rules[grid.segment[i]]?.id ?? NO_SEGMENT_ID),
  };
}
