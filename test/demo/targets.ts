/**
 * The demo shop's example targets: a merchant's plan for every KPI that has no seeded
 * Japanese mail-order target, so each dashboard card of the demo draws a target line. Each is
 * a round figure a little better than the KPI's median over the last 12 complete months
 * (higher for KPIs where more is better, lower for costs and churn). Demo data only: a real
 * shop starts with the four seeded targets and sets the rest itself.
 */
import type { KpiTarget } from "../../app/analytics/targets";
import type { ShopSnapshot } from "../../app/metrics/snapshot/types";
import { targetFor, type ShopSettings } from "../../app/settings";

/** KPIs where lower is better. */
const LOWER_IS_BETTER = new Set([
  "cac",
  "monthly_churn_rate",
  "model_churn_share",
  "payback_months",
]);

/** Two significant digits. */
const round2 = (x: number) => {
  if (x === 0) return 0;
  const scale = 10 ** (Math.floor(Math.log10(Math.abs(x))) - 1);
  return Math.round(x / scale) * scale;
};

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function planned(id: string, typical: number | null): KpiTarget | null {
  if (typical === null || !Number.isFinite(typical)) return null;
  return LOWER_IS_BETTER.has(id)
    ? { direction: "at_most", min: null, max: round2(typical * 0.95) }
    : { direction: "at_least", min: round2(typical * 1.05), max: null };
}

/** kpiTargets for every card and series of the snapshot that has no target yet. */
export function demoTargets(
  snapshot: ShopSnapshot,
  settings: ShopSettings,
): Record<string, KpiTarget> {
  const out: Record<string, KpiTarget> = {};
  const series = snapshot.trends?.series ?? [];
  const typicalOf = (id: string): number | null => {
    const s = series.find((x) => x.id === id);
    if (!s) return null;
    // The last 12 complete months (cohort series: mature cohorts only), readable bases only.
    const values = s.points
      .slice(0, -1)
      .filter((p) => p.value !== null && !p.immature && p.denominator >= s.minBase)
      .slice(-12)
      .map((p) => p.value!);
    return median(values);
  };
  for (const s of series) {
    if (targetFor(settings, s.id) !== null) continue;
    const t = planned(s.id, typicalOf(s.id));
    if (t) out[s.id] = t;
  }
  for (const [id, card] of Object.entries(snapshot.kpis)) {
    if (targetFor(settings, id) !== null || out[id]) continue;
    // A card is judged on its own value (not its series'), so its plan starts there.
    const t = planned(id, card.metric.value);
    if (t) out[id] = t;
  }
  return out;
}
