/** The NPS page's block: NPS of the last 12 months, all time, by segment and by cohort. */
import { metricPeriod, type NpsGroup } from "../../analytics";
import { cleanMetric } from "./json";
import type { Context, Descriptive } from "./stages";
import type { NpsBlock, NpsGroupJson } from "./types";

/** `segmentNames`: segment id → name, from the segments block. */
export function npsBlock(
  ctx: Context,
  d: Descriptive,
  segmentNames: ReadonlyMap<string, string>,
): NpsBlock {
  return {
    period: metricPeriod(ctx.last12),
    overall: cleanMetric(d.npsLast12),
    allTime: cleanMetric(d.npsAllTime),
    bySegment: npsGroups(d.npsBySegment, segmentNames, "No segment or guest"),
    byCohort: npsGroups(d.npsByCohort, new Map(), "No purchase or guest"),
  };
}

function npsGroups(
  groups: readonly NpsGroup[],
  names: ReadonlyMap<string, string>,
  noneName: string,
): NpsGroupJson[] {
  return groups.map((g) => ({
    key: g.key,
    name: g.key === "none" ? noneName : (names.get(g.key) ?? g.key),
    metric: cleanMetric(g.metric),
  }));
}
