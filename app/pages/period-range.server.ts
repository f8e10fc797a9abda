/**
 * The dashboard's custom range (?period=range&from=YYYY-MM&to=YYYY-MM): checks it against
 * the shop's data, and reads its stored result for the latest snapshot, or queues the job
 * that computes it (app/metrics/period-range.server.ts) and says it is computing.
 */
import { Prisma } from "@prisma/client";
import {
  checkMonthRange,
  formatMonth,
  monthOfDay,
  parseDay,
  type RangeProblem,
} from "../analytics";
import prisma from "../db.server";
import { enqueuePeriodRange } from "../jobs/periods.server";
import type { RangeResult } from "../metrics/period-range.server";

export type RangeState =
  /** No range chosen yet. */
  | { readonly status: "none" }
  | {
      readonly status: "invalid";
      readonly problem: RangeProblem | "no_data";
      /** The month the message names (latest or first month with data). */
      readonly month: string | null;
    }
  | { readonly status: "computing"; readonly from: string; readonly to: string }
  | {
      readonly status: "failed";
      readonly from: string;
      readonly to: string;
      readonly reason: string;
    }
  | {
      readonly status: "ready";
      readonly from: string;
      readonly to: string;
      readonly result: RangeResult;
    };

function parseResult(text: string | null): RangeResult | null {
  if (!text) return null;
  try {
    const r = JSON.parse(text) as RangeResult;
    return Array.isArray(r.series) && Array.isArray(r.months) ? r : null;
  } catch {
    return null;
  }
}

export async function periodRangeState(
  shop: { readonly id: number; readonly domain: string },
  from: string,
  to: string,
  snapshot: { readonly asOfDate: string; readonly firstPurchaseDate: string | null },
): Promise<RangeState> {
  if (from === "" && to === "") return { status: "none" };
  const asOfDay = parseDay(snapshot.asOfDate);
  const firstDay = snapshot.firstPurchaseDate ? parseDay(snapshot.firstPurchaseDate) : null;
  const checked = checkMonthRange(from, to, { asOfDay, firstDay });
  if (!checked.ok) {
    if (checked.problem === "before_first_order" && firstDay === null) {
      return { status: "invalid", problem: "no_data", month: null };
    }
    const month =
      checked.problem === "future"
        ? formatMonth(monthOfDay(asOfDay))
        : checked.problem === "before_first_order" && firstDay !== null
          ? formatMonth(monthOfDay(firstDay))
          : null;
    return { status: "invalid", problem: checked.problem, month };
  }
  const head = await prisma.metricSnapshot.findFirst({
    where: { shopId: shop.id },
    orderBy: [{ computedAt: "desc" }, { id: "desc" }],
    select: { id: true },
  });
  if (!head) return { status: "invalid", problem: "no_data", month: null };
  const key = {
    shopId: shop.id,
    snapshotId: head.id,
    fromMonth: formatMonth(checked.fromMonth),
    toMonth: formatMonth(checked.toMonth),
  };
  const range = { from: key.fromMonth, to: key.toMonth };
  let row = await prisma.periodResult.findUnique({
    where: { shopId_snapshotId_fromMonth_toMonth: key },
    select: { id: true, status: true, data: true, error: true },
  });
  if (!row) {
    try {
      row = await prisma.periodResult.create({
        data: key,
        select: { id: true, status: true, data: true, error: true },
      });
    } catch (error) {
      // Two tabs asked at once: the other one created it.
      if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002")) {
        throw error;
      }
      row = await prisma.periodResult.findUniqueOrThrow({
        where: { shopId_snapshotId_fromMonth_toMonth: key },
        select: { id: true, status: true, data: true, error: true },
      });
    }
  }
  if (row.status === "done") {
    const result = parseResult(row.data);
    if (result) return { status: "ready", ...range, result };
    return { status: "failed", ...range, reason: "unreadable result" };
  }
  if (row.status === "failed") return { status: "failed", ...range, reason: row.error ?? "" };
  // Queued (again, idempotently: the job id is the row's) or running.
  if (row.status === "queued") await enqueuePeriodRange(shop.domain, row.id);
  return { status: "computing", ...range };
}
