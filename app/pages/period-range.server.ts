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
import {
  enqueuePeriodRange,
  periodRangeJobFailure,
  clearFinishedPeriodRange,
} from "../jobs/periods.server";
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
      /**
       * What the merchant is told: the range no longer fits the data (e.g. orders deleted
       * since), or the computation failed. The stored error stays on the server.
       */
      readonly problem: RangeProblem | "no_data" | "error";
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

const RANGE_PROBLEMS: readonly string[] = [
  "format",
  "end_before_start",
  "future",
  "before_first_order",
  "too_long",
] satisfies readonly RangeProblem[];

/** The merchant-facing kind of a stored error (the job writes "range: <problem>"). */
export function failureProblem(error: string | null): RangeProblem | "error" {
  const match = /^range: (\w+)$/.exec(error ?? "");
  return match && RANGE_PROBLEMS.includes(match[1]) ? (match[1] as RangeProblem) : "error";
}

type Checked =
  | { readonly ok: false; readonly state: RangeState }
  | {
      readonly ok: true;
      readonly key: {
        readonly shopId: number;
        readonly snapshotId: number;
        readonly fromMonth: string;
        readonly toMonth: string;
      };
    };

/** The range checked against the data, and its row's key (the latest snapshot's). */
async function checkRange(
  shop: { readonly id: number },
  from: string,
  to: string,
  snapshot: { readonly asOfDate: string; readonly firstPurchaseDate: string | null },
): Promise<Checked> {
  if (from === "" && to === "") return { ok: false, state: { status: "none" } };
  const asOfDay = parseDay(snapshot.asOfDate);
  const firstDay = snapshot.firstPurchaseDate ? parseDay(snapshot.firstPurchaseDate) : null;
  const checked = checkMonthRange(from, to, { asOfDay, firstDay });
  if (!checked.ok) {
    if (checked.problem === "before_first_order" && firstDay === null) {
      return { ok: false, state: { status: "invalid", problem: "no_data", month: null } };
    }
    const month =
      checked.problem === "future"
        ? formatMonth(monthOfDay(asOfDay))
        : checked.problem === "before_first_order" && firstDay !== null
          ? formatMonth(monthOfDay(firstDay))
          : null;
    return { ok: false, state: { status: "invalid", problem: checked.problem, month } };
  }
  const head = await prisma.metricSnapshot.findFirst({
    where: { shopId: shop.id },
    orderBy: [{ computedAt: "desc" }, { id: "desc" }],
    select: { id: true },
  });
  if (!head) return { ok: false, state: { status: "invalid", problem: "no_data", month: null } };
  return {
    ok: true,
    key: {
      shopId: shop.id,
      snapshotId: head.id,
      fromMonth: formatMonth(checked.fromMonth),
      toMonth: formatMonth(checked.toMonth),
    },
  };
}

/**
 * The range's state for a page: its stored result, or that it is computing (its job queued,
 * once per row), or why it failed. Reads stored rows only; the job computes.
 */
export async function periodRangeState(
  shop: { readonly id: number; readonly domain: string },
  from: string,
  to: string,
  snapshot: { readonly asOfDate: string; readonly firstPurchaseDate: string | null },
): Promise<RangeState> {
  const checked = await checkRange(shop, from, to, snapshot);
  if (!checked.ok) return checked.state;
  const key = checked.key;
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
    return { status: "failed", ...range, problem: "error" };
  }
  if (row.status === "failed") {
    return { status: "failed", ...range, problem: failureProblem(row.error) };
  }
  // Queued or running, unless its job failed for good without the row saying so.
  const lost = await periodRangeJobFailure(row.id);
  if (lost !== null) {
    await prisma.periodResult.updateMany({
      where: { id: row.id, shopId: shop.id, status: { in: ["queued", "running"] } },
      data: { status: "failed", error: lost.slice(0, 2000) },
    });
    return { status: "failed", ...range, problem: failureProblem(lost) };
  }
  // Queued (again, idempotently: the job id is the row's).
  if (row.status === "queued") await enqueuePeriodRange(shop.domain, row.id);
  return { status: "computing", ...range };
}

/**
 * The merchant's Retry on a failed range: the row goes back to "queued" and its job is
 * queued again (under the row's id, as the first time). Only a failed row is retried, and only by one of several concurrent asks
 * (the conditional update), so a range has at most one job however often Retry is pressed.
 */
export async function retryPeriodRange(
  shop: { readonly id: number; readonly domain: string },
  from: string,
  to: string,
  snapshot: { readonly asOfDate: string; readonly firstPurchaseDate: string | null },
): Promise<RangeState> {
  const checked = await checkRange(shop, from, to, snapshot);
  if (!checked.ok) return checked.state;
  const row = await prisma.periodResult.findUnique({
    where: { shopId_snapshotId_fromMonth_toMonth: checked.key },
    select: { id: true, status: true },
  });
  if (row?.status === "failed") {
    // The failed job goes before the row is "queued" again: a page reading the row in
    // between must not take that job's failure for the new attempt's.
    await clearFinishedPeriodRange(row.id);
    const flipped = await prisma.periodResult.updateMany({
      where: { id: row.id, shopId: shop.id, status: "failed" },
      data: { status: "queued", error: null },
    });
    if (flipped.count === 1) await enqueuePeriodRange(shop.domain, row.id);
  }
  return periodRangeState(shop, from, to, snapshot);
}
