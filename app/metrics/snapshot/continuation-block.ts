/** The continuation page's block: purchases reached per cohort, and the sBG fit of subscriptions. */
import { fitShiftedBetaGeometric, sbgProblem } from "../../analytics/clv";
import type { ContinuationRow, ContinuationTable } from "../../analytics";
import { cleanConvergence, finiteOrNull, list } from "./json";
import type { Descriptive } from "./stages";
import {
  MAX_COHORT_ROWS,
  type ContinuationBlock,
  type ContinuationJson,
  type ContinuationRowJson,
} from "./types";

/** Subscribers needed before the sBG fit is shown. */
export const MIN_SBG_SUBSCRIBERS = 30;

export function continuationBlock(
  d: Descriptive,
  subscriptionCustomers: number,
): ContinuationBlock {
  return {
    all: continuationJson(d.continuation),
    subscription: subscriptionCustomers > 0 ? continuationJson(d.subscription) : null,
    sbg: sbgBlock(d.subscription),
  };
}

function continuationRow(row: ContinuationRow): ContinuationRowJson {
  return {
    label: row.label,
    size: row.size,
    ageMonths: row.ageMonths,
    reached: list(row.reached),
    share: list(row.share),
  };
}

function continuationJson(table: ContinuationTable): ContinuationJson {
  return {
    maxPurchases: table.maxPurchases,
    definition: table.definition,
    total: table.total === null ? null : continuationRow(table.total),
    totalCohorts: table.rows.length,
    rows: table.rows.slice(-MAX_COHORT_ROWS).map(continuationRow),
  };
}

/**
 * sBG on subscription cohorts, reading one delivery as one renewal period (monthly cadence):
 * a cohort aged a months has its survivor counts final for t < a renewals only.
 */
function sbgBlock(table: ContinuationTable): ContinuationBlock["sbg"] {
  const subscribers = table.total?.size ?? 0;
  if (subscribers === 0) return null;
  const cohorts: Int32Array[] = [];
  let used = 0;
  for (const row of table.rows) {
    const periods = Math.min(row.ageMonths, table.maxPurchases);
    if (periods < 2) continue;
    cohorts.push(row.reached.subarray(0, periods));
    used += row.size;
  }
  if (used < MIN_SBG_SUBSCRIBERS) {
    return {
      status: "insufficient-data",
      reason: `${used} subscribers in cohorts at least two months old; at least ${MIN_SBG_SUBSCRIBERS} are needed`,
      subscribers,
    };
  }
  try {
    const fit = fitShiftedBetaGeometric(cohorts);
    const problem = sbgProblem(fit);
    if (problem !== null) {
      return {
        ...problem,
        status: "not-identified",
        estimate: finiteOrNull(problem.estimate),
        standardError: finiteOrNull(problem.standardError),
        subscribers: used,
        cohorts: cohorts.length,
      };
    }
    return {
      status: "ok",
      cohorts: cohorts.length,
      subscribers: used,
      params: fit.params,
      standardErrors: fit.standardErrors,
      logLikelihood: fit.logLikelihood,
      convergence: cleanConvergence(fit.convergence),
      expectedLifetime: finiteOrNull(fit.expectedLifetime),
      discountedExpectedLifetime: finiteOrNull(fit.discountedExpectedLifetime),
      horizonLifetime: fit.horizonLifetime,
      survival: list(fit.survival),
      retentionRates: list(fit.retentionRates),
    };
  } catch (error) {
    return {
      status: "insufficient-data",
      reason: error instanceof Error ? error.message : String(error),
      subscribers,
    };
  }
}
