/**
 * The record every KPI is returned in: the value plus what it means, so the UI can show
 * the definition, the period and the base (denominator) next to the number. `id` and the
 * keys of `params` are stable; the English text is a fallback the UI may translate by id.
 */
import type { DayRange } from "./time";
import { describeRange } from "./time";

export type MetricUnit =
  /** 0..1 share; the UI shows a percentage. */
  | "ratio"
  /** NPS points, −100..100. */
  | "points"
  | "count"
  /** Money in integer minor units of the shop currency (may be fractional for averages). */
  | "minor"
  | "months"
  | "days"
  /** A plain multiple, e.g. LTV:CAC = 3.2. */
  | "multiple";

export interface MetricPeriod {
  /** Half-open range of shop-local day numbers. */
  readonly startDay: number;
  readonly endDay: number;
  /** Inclusive first and last local date, "YYYY-MM-DD". */
  readonly start: string;
  readonly end: string;
}

export type MetricParams = Readonly<Record<string, number | string | boolean>>;

export interface MetricDefinition {
  /** Stable id, e.g. "repeat_rate". */
  readonly id: string;
  readonly name: string;
  /** One exact sentence, with the parameters filled in. */
  readonly text: string;
  /** What the denominator counts. */
  readonly base: string;
  readonly unit: MetricUnit;
  /** Parameters the text depends on (window lengths, thresholds…). */
  readonly params: MetricParams;
}

export interface Metric {
  readonly id: string;
  /** null when the base is empty (nothing to divide by) or the value is undefined. */
  readonly value: number | null;
  /** The counted part (e.g. repeat customers); for non-ratio metrics the summed quantity. */
  readonly numerator: number;
  /** The base the value is taken over (e.g. customers who bought in the period). */
  readonly denominator: number;
  readonly period: MetricPeriod | null;
  readonly definition: MetricDefinition;
  /** Extra counts behind the value (e.g. promoters, customers excluded as too recent). */
  readonly details: Readonly<Record<string, number>>;
}

export function metricPeriod(range: DayRange): MetricPeriod {
  const { start, end } = describeRange(range);
  return { startDay: range.startDay, endDay: range.endDay, start, end };
}

/** numerator / denominator, or null for an empty base. */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

export function makeMetric(
  definition: MetricDefinition,
  numerator: number,
  denominator: number,
  period: DayRange | null,
  value: number | null = ratio(numerator, denominator),
  details: Readonly<Record<string, number>> = {},
): Metric {
  return {
    id: definition.id,
    value,
    numerator,
    denominator,
    period: period === null ? null : metricPeriod(period),
    definition,
    details,
  };
}

export function validateRange(range: DayRange, what = "period"): void {
  if (
    !Number.isInteger(range.startDay) ||
    !Number.isInteger(range.endDay) ||
    range.endDay <= range.startDay
  ) {
    throw new RangeError(`Invalid ${what}: need integer local days with startDay < endDay`);
  }
}

export function validatePositiveInteger(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${what} must be a positive integer, got ${value}`);
  }
}
