/**
 * The NPS page: the monthly score from the latest snapshot's history (with response counts
 * and pass/fail against the target in force now), the last 12 months' score, its 0–10
 * distribution and its split by segment and first-purchase cohort, and the survey's
 * comments. Comments are the customers' own words for the merchant only: they are read here
 * for the session's shop, rendered as text (React escapes them), exported by
 * customers/data_request and deleted by redaction with the rest of the answer
 * (app/sync/privacy.server.ts).
 */
import {
  createCalendar,
  evaluateTarget,
  formatDay,
  MIN_NPS_RESPONSES,
  type TargetStatus,
} from "../analytics";
import prisma from "../db.server";
import { targetFor } from "../settings";
import { readable } from "./kpi.server";
import { NPS_GROUPS, type NpsGroupFilter } from "./nps-params";
import { loadPage } from "./page-base.server";
import { env } from "../env.server";
import { resultStore } from "../metrics/result-store.server";
import { segmentsOf } from "../metrics/result-set.server";

const COMMENTS_SHOWN = 50;

const SCORE_RANGE: Record<NpsGroupFilter, { gte: number; lte: number }> = {
  all: { gte: 0, lte: 10 },
  promoters: { gte: 9, lte: 10 },
  passives: { gte: 7, lte: 8 },
  detractors: { gte: 0, lte: 6 },
};

/** Reads `?group=`; null when it names no group. */
export function parseNpsGroup(url: URL): NpsGroupFilter | null {
  const raw = url.searchParams.get("group");
  if (raw === null || raw === "") return "all";
  return (NPS_GROUPS as readonly string[]).includes(raw) ? (raw as NpsGroupFilter) : null;
}

export interface NpsComment {
  readonly id: number;
  readonly score: number;
  /** Shop-local date of the answer. */
  readonly date: string;
  readonly text: string;
  readonly segment: string | null;
}

export async function npsPageData(domain: string, url: URL) {
  const { base, snapshot, shop } = await loadPage(domain);
  const requested = parseNpsGroup(url);
  const group = requested ?? "all";
  const common = {
    ...base,
    group,
    invalidGroup: requested === null,
    minResponses: MIN_NPS_RESPONSES,
  };
  if (!snapshot || !shop)
    return { ...common, nps: null, segmentNames: {} as Record<string, string> };
  const calendar = createCalendar(shop.timezone);
  const target = targetFor(shop.settings, "nps");
  const series = snapshot.trends?.series.find((s) => s.id === "nps") ?? null;
  const months =
    series?.points.map((p) => {
      const tooFew = !readable(p, series.minBase);
      return {
        month: p.month,
        end: p.end,
        value: p.value,
        responses: p.denominator,
        partial: p.partial,
        tooFew,
        status: (tooFew ? null : evaluateTarget(target, p.value)) as TargetStatus | null,
      };
    }) ?? [];

  const period = snapshot.nps.period;
  const from = new Date(calendar.dayStartMs(period.startDay));
  const to = new Date(calendar.dayStartMs(period.endDay));
  const counts = await prisma.npsResponse.groupBy({
    by: ["score"],
    where: { shopId: shop.id, createdAt: { gte: from, lt: to } },
    _count: { _all: true },
  });
  const distribution = Array.from({ length: 11 }, (_, score) => ({
    score,
    responses: counts.find((c) => c.score === score)?._count._all ?? 0,
  }));

  const rows = await prisma.npsResponse.findMany({
    where: {
      shopId: shop.id,
      comment: { not: null },
      NOT: { comment: "" },
      score: SCORE_RANGE[group],
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: COMMENTS_SHOWN,
    select: { id: true, score: true, comment: true, createdAt: true, customerId: true },
  });
  const customerIds = rows.flatMap((r) => (r.customerId === null ? [] : [r.customerId]));
  const segments = await segmentsOf(resultStore(env().DATABASE_URL), shop.id, customerIds);
  const comments: NpsComment[] = rows.map((r) => ({
    id: r.id,
    score: r.score,
    date: formatDay(calendar.dayOf(r.createdAt.getTime())),
    text: r.comment ?? "",
    segment: r.customerId === null ? null : (segments.get(r.customerId) ?? null),
  }));

  return {
    ...common,
    nps: {
      target,
      definition: series?.definition ?? snapshot.nps.overall.definition,
      months,
      overall: snapshot.nps.overall,
      distribution,
      bySegment: snapshot.nps.bySegment,
      byCohort: snapshot.nps.byCohort,
      comments,
    },
    segmentNames: Object.fromEntries(snapshot.segments.rows.map((r) => [r.id, r.name])) as Record<
      string,
      string
    >,
  };
}
