/**
 * Sorting the acquisition table (client side, no round trip): by a column, rows without a
 * value (no spend, a missing margin…) always last whatever the direction, ties by channel key.
 */
import type { AcquisitionRow } from "../analytics/acquisition";

export const ACQUISITION_SORT_KEYS = [
  "channel",
  "newCustomers",
  "spend",
  "cac",
  "f2",
  "repeat",
  "ltv0",
  "ltv1",
  "predicted",
  "ltvToCac",
  "payback",
] as const;
export type AcquisitionSortKey = (typeof ACQUISITION_SORT_KEYS)[number];

/**
 * The value a row sorts by (ltv0/ltv1: the first and second LTV horizon shown; predicted:
 * the channel's mean predicted LTV, by channel key).
 */
export function sortValue(
  row: AcquisitionRow,
  key: AcquisitionSortKey,
  ltvMonths: readonly number[],
  predicted: Readonly<Record<string, number>> = {},
): number | string | null {
  switch (key) {
    case "channel":
      return row.channel;
    case "newCustomers":
      return row.newCustomers;
    case "spend":
      return row.spendMinor;
    case "cac":
      return row.cac?.value ?? null;
    case "f2":
      return row.f2.value;
    case "repeat":
      return row.repeat.value;
    case "ltv0":
    case "ltv1": {
      const months = ltvMonths[key === "ltv0" ? 0 : 1];
      return row.ltv.find((p) => p.months === months)?.valueMinor ?? null;
    }
    case "predicted":
      return predicted[row.channel] ?? null;
    case "ltvToCac":
      return row.ltvToCac.value;
    case "payback":
      return row.payback.months;
  }
}

export function sortAcquisitionRows(
  rows: readonly AcquisitionRow[],
  key: AcquisitionSortKey,
  direction: "ascending" | "descending",
  ltvMonths: readonly number[],
  predicted: Readonly<Record<string, number>> = {},
): AcquisitionRow[] {
  const sign = direction === "ascending" ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = sortValue(a, key, ltvMonths, predicted);
    const y = sortValue(b, key, ltvMonths, predicted);
    if (x === null || y === null) {
      if (x !== y) return x === null ? 1 : -1;
    } else if (x !== y) {
      return sign * (typeof x === "string" ? x.localeCompare(String(y)) : x - Number(y));
    }
    return a.channel.localeCompare(b.channel);
  });
}
