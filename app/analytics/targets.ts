/**
 * Merchant targets for KPIs and the pass/fail comparison. A target names a metric id and a
 * bound on its value in the metric's own unit (ratios as 0..1, NPS in points).
 */
import type { Metric } from "./metric";

export interface MetricTarget {
  readonly metricId: string;
  /** Pass when value ≥ min. */
  readonly min?: number;
  /** Pass when value ≤ max. */
  readonly max?: number;
  /** Short human text of the target, e.g. "≥ 60 %". */
  readonly label: string;
}

/**
 * Defaults from Japanese mail-order (通販) benchmarks. Churn's 3–4 %/month band is a
 * benchmark: at or below 4 % passes. The 87 % second-purchase benchmark is the subscription
 * (定期) 2nd-delivery rate, so it applies to "second_purchase_survival".
 */
export const DEFAULT_TARGETS: readonly MetricTarget[] = [
  { metricId: "nps", min: -10, label: "≥ −10" },
  { metricId: "repeat_rate", min: 0.6, label: "≥ 60 %" },
  { metricId: "monthly_churn_rate", max: 0.04, label: "≤ 4 %/month (benchmark 3–4 %)" },
  { metricId: "second_purchase_survival", min: 0.87, label: "≥ 87 %" },
];

export type TargetStatus = "pass" | "fail" | "no_data";

export interface TargetCheck {
  readonly metricId: string;
  readonly value: number | null;
  readonly target: MetricTarget;
  readonly status: TargetStatus;
  /** The checked metric (with its definition and period). */
  readonly metric: Metric;
}

/** Problems with merchant-entered targets; empty when valid. */
export function validateTargets(targets: readonly MetricTarget[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const t of targets) {
    if (typeof t.metricId !== "string" || t.metricId === "") {
      problems.push("A target needs a metricId");
      continue;
    }
    if (seen.has(t.metricId)) problems.push(`Duplicate target for "${t.metricId}"`);
    seen.add(t.metricId);
    const bad = (x: number | undefined): boolean => x !== undefined && !Number.isFinite(x);
    if (t.min === undefined && t.max === undefined) {
      problems.push(`Target "${t.metricId}" needs min or max`);
    } else if (bad(t.min) || bad(t.max)) {
      problems.push(`Target "${t.metricId}": bounds must be finite numbers`);
    } else if (t.min !== undefined && t.max !== undefined && t.min > t.max) {
      problems.push(`Target "${t.metricId}": min > max`);
    }
  }
  return problems;
}

/**
 * Compares each metric that has a target with it (metrics without a target are skipped).
 * A metric whose value is null (empty base) gets "no_data", never a silent pass.
 */
export function compareWithTargets(
  metrics: readonly Metric[],
  targets: readonly MetricTarget[] = DEFAULT_TARGETS,
): TargetCheck[] {
  const problems = validateTargets(targets);
  if (problems.length > 0) throw new RangeError(`Invalid targets: ${problems.join("; ")}`);
  const byId = new Map(targets.map((t) => [t.metricId, t]));
  const out: TargetCheck[] = [];
  for (const metric of metrics) {
    const target = byId.get(metric.id);
    if (target === undefined) continue;
    const v = metric.value;
    let status: TargetStatus;
    if (v === null || !Number.isFinite(v)) status = "no_data";
    else if (
      (target.min !== undefined && v < target.min) ||
      (target.max !== undefined && v > target.max)
    ) {
      status = "fail";
    } else status = "pass";
    out.push({ metricId: metric.id, value: v, target, status, metric });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Targets with a direction, for every KPI and monthly series (settings.kpiTargets).

/** ≥ min, ≤ max, min ≤ value ≤ max, or explicitly no target. */
export type TargetDirection = "at_least" | "at_most" | "range" | "none";
export const TARGET_DIRECTIONS: readonly TargetDirection[] = [
  "at_least",
  "at_most",
  "range",
  "none",
];

export interface KpiTarget {
  readonly direction: TargetDirection;
  /** Used by at_least and range. */
  readonly min: number | null;
  /** Used by at_most and range. */
  readonly max: number | null;
}

/** Why a target cannot be used (a message key's last part: pages word it per locale). */
export type KpiTargetProblem = "needs_min" | "needs_max" | "needs_both" | "min_above_max";

/** Why a target cannot be used, or null when it can. */
export function kpiTargetProblem(t: KpiTarget): KpiTargetProblem | null {
  const finite = (x: number | null) => x !== null && Number.isFinite(x);
  if (t.direction === "at_least" && !finite(t.min)) return "needs_min";
  if (t.direction === "at_most" && !finite(t.max)) return "needs_max";
  if (t.direction === "range") {
    if (!finite(t.min) || !finite(t.max)) return "needs_both";
    if ((t.min as number) > (t.max as number)) return "min_above_max";
  }
  return null;
}

/**
 * Pass/fail of a value against a directed target; null without a target (or "none"),
 * "no_data" for a missing value — never a silent pass. Pure, so pages re-evaluate stored
 * values the moment a target changes.
 */
export function evaluateTarget(
  target: KpiTarget | null | undefined,
  value: number | null,
): TargetStatus | null {
  if (!target || target.direction === "none" || kpiTargetProblem(target) !== null) return null;
  if (value === null || !Number.isFinite(value)) return "no_data";
  const low = target.direction !== "at_most" && value < (target.min as number);
  const high = target.direction !== "at_least" && value > (target.max as number);
  return low || high ? "fail" : "pass";
}
