/**
 * Net Promoter Score from post-purchase survey answers: % promoters (9–10) − % detractors
 * (0–6), in points from −100 to 100. Every response counts (a customer answering twice
 * counts twice). Scores that are not integers 0..10 are left out and counted as invalid.
 */
import type { PurchaseHistory } from "./history";
import type { Metric, MetricDefinition } from "./metric";
import { makeMetric, validateRange } from "./metric";
import type { RfmResult } from "./rfm";
import { NO_SEGMENT } from "./rfm";
import type { Calendar, DayRange } from "./time";
import { formatMonth } from "./time";
import type { NpsResponse } from "./types";

const NPS_DEFINITION: MetricDefinition = {
  id: "nps",
  name: "Net Promoter Score",
  text: "Percentage of responses scoring 9–10 (promoters) minus percentage scoring 0–6 (detractors), from −100 to 100.",
  base: "Survey responses with a score from 0 to 10 received in the period",
  unit: "points",
  params: {},
};

interface Tally {
  promoters: number;
  passives: number;
  detractors: number;
}

function tallyMetric(t: Tally, invalid: number, period: DayRange | null): Metric {
  const n = t.promoters + t.passives + t.detractors;
  return makeMetric(
    NPS_DEFINITION,
    t.promoters - t.detractors,
    n,
    period,
    n > 0 ? (100 * (t.promoters - t.detractors)) / n : null,
    { promoters: t.promoters, passives: t.passives, detractors: t.detractors, invalid },
  );
}

/** Tallies responses in the period, grouped by key (−1 … any integer); returns invalid count. */
function tally(
  responses: readonly NpsResponse[],
  calendar: Calendar,
  period: DayRange | undefined,
  keyOf: (response: NpsResponse) => number,
): { groups: Map<number, Tally>; invalid: number } {
  if (period !== undefined) validateRange(period);
  const groups = new Map<number, Tally>();
  let invalid = 0;
  for (const response of responses) {
    if (period !== undefined) {
      const day = calendar.dayOf(response.respondedAt);
      if (!(day >= period.startDay && day < period.endDay)) continue;
    }
    const s = response.score;
    if (!Number.isInteger(s) || s < 0 || s > 10) {
      invalid++;
      continue;
    }
    const key = keyOf(response);
    let t = groups.get(key);
    if (t === undefined) {
      t = { promoters: 0, passives: 0, detractors: 0 };
      groups.set(key, t);
    }
    if (s >= 9) t.promoters++;
    else if (s >= 7) t.passives++;
    else t.detractors++;
  }
  return { groups, invalid };
}

/** NPS over all responses (in the period when given). */
export function nps(
  responses: readonly NpsResponse[],
  calendar: Calendar,
  period?: DayRange,
): Metric {
  const { groups, invalid } = tally(responses, calendar, period, () => 0);
  return tallyMetric(
    groups.get(0) ?? { promoters: 0, passives: 0, detractors: 0 },
    invalid,
    period ?? null,
  );
}

export interface NpsGroup {
  /** Segment id, cohort "YYYY-MM", or "none" (guest / no segment / no purchase). */
  readonly key: string;
  readonly metric: Metric;
}

/**
 * NPS per RFM segment of the responding customer (segments as in `rfm`). Guests and
 * customers without a segment form the group "none". Segments without responses are listed
 * with value null.
 */
export function npsBySegment(
  responses: readonly NpsResponse[],
  calendar: Calendar,
  rfm: RfmResult,
  period?: DayRange,
): NpsGroup[] {
  const { groups, invalid } = tally(responses, calendar, period, (r) => {
    const c = r.customer;
    return c >= 0 && c < rfm.customerCount ? rfm.segment[c] : NO_SEGMENT;
  });
  const empty = { promoters: 0, passives: 0, detractors: 0 };
  const out: NpsGroup[] = rfm.rules.map((rule, g) => ({
    key: rule.id,
    metric: tallyMetric(groups.get(g) ?? empty, 0, period ?? null),
  }));
  out.push({
    key: "none",
    metric: tallyMetric(groups.get(NO_SEGMENT) ?? empty, invalid, period ?? null),
  });
  return out;
}

/**
 * NPS per first-purchase cohort month of the responding customer, oldest first; guests and
 * customers without purchases form the group "none" (listed last when present).
 */
export function npsByCohort(
  responses: readonly NpsResponse[],
  history: PurchaseHistory,
  period?: DayRange,
): NpsGroup[] {
  const { purchaseStart, purchaseDay } = history;
  const { groups, invalid } = tally(responses, history.calendar, period, (r) => {
    const c = r.customer;
    if (c < 0 || c >= history.customerCount || purchaseStart[c] === purchaseStart[c + 1]) return -1;
    return history.monthOf(purchaseDay[purchaseStart[c]]);
  });
  const months = [...groups.keys()].filter((k) => k >= 0).sort((a, b) => a - b);
  const out: NpsGroup[] = months.map((month) => ({
    key: formatMonth(month),
    metric: tallyMetric(
      groups.get(month) ?? { promoters: 0, passives: 0, detractors: 0 },
      0,
      period ?? null,
    ),
  }));
  const none = groups.get(-1);
  if (none !== undefined || invalid > 0) {
    out.push({
      key: "none",
      metric: tallyMetric(
        none ?? { promoters: 0, passives: 0, detractors: 0 },
        invalid,
        period ?? null,
      ),
    });
  }
  return out;
}
