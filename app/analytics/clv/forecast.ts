/**
 * The holdout forecasts that both the model choice (choice.ts) and the holdout card
 * (holdout.ts) make: per compressed (x, t_x, T) row of a holdout summary, P(alive) ×
 * E[Y(h) | alive] of a fit. The card checks the chosen model with the choice's fit on the
 * choice's sample, so it needs exactly the choice's rows, pairs and forecasts: they are
 * computed once and shared, memoised on the summary and the fit's parameters (WeakMap, so
 * nothing outlives them). Callers only read what they get.
 */
import type { PurchaseModel } from "./models";
import { buildPairs, type PairIndex } from "./predict";
import { compressSummary, type CompressedSummary, type CustomerSummary } from "./summary";

interface SummaryRows {
  readonly rows: CompressedSummary;
  pairs: PairIndex | null;
}

const rowsBySummary = new WeakMap<CustomerSummary, SummaryRows>();

function entry(summary: CustomerSummary): SummaryRows {
  let found = rowsBySummary.get(summary);
  if (found === undefined) {
    found = { rows: compressSummary(summary), pairs: null };
    rowsBySummary.set(summary, found);
  }
  return found;
}

/** compressSummary(summary), computed once per summary. */
export function summaryRows(summary: CustomerSummary): CompressedSummary {
  return entry(summary).rows;
}

/** buildPairs(summaryRows(summary)), computed once per summary. */
export function summaryPairs(summary: CustomerSummary): PairIndex {
  const found = entry(summary);
  found.pairs ??= buildPairs(found.rows);
  return found.pairs;
}

const forecastsByParams = new WeakMap<object, Map<string, Float64Array>>();

/**
 * Per row of summaryRows(summary): P(alive) × E[Y(horizon) | alive] under `params`, E once
 * per (x, T) pair. Computed once per (summary, model, params object, horizon).
 */
export function holdoutForecasts<P extends object>(
  summary: CustomerSummary,
  model: PurchaseModel<P>,
  params: P,
  horizon: number,
): Float64Array {
  let byKey = forecastsByParams.get(params);
  if (byKey === undefined) {
    byKey = new Map();
    forecastsByParams.set(params, byKey);
  }
  const rows = summaryRows(summary);
  // The rows object is part of the key: another summary gets its own forecasts.
  let ids = rowsIds.get(rows);
  if (ids === undefined) {
    ids = nextRowsId++;
    rowsIds.set(rows, ids);
  }
  const key = `${ids} ${model.name} ${horizon}`;
  const known = byKey.get(key);
  if (known !== undefined) return known;
  const pairs = summaryPairs(summary);
  const perAlive = new Float64Array(pairs.length);
  for (let k = 0; k < pairs.length; k++) {
    perAlive[k] = model.expectedPerAlive(params, horizon, pairs.x[k], pairs.T[k]);
  }
  const perRow = model.pAliveRows(params, rows);
  for (let r = 0; r < rows.length; r++) perRow[r] *= perAlive[pairs.pairOfRow[r]];
  byKey.set(key, perRow);
  return perRow;
}

const rowsIds = new WeakMap<CompressedSummary, number>();
let nextRowsId = 0;
