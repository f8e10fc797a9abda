import { describe, expect, it } from "vitest";
import { evaluateTarget, kpiTargetProblem } from "../../app/analytics/targets";
import { parseSettings, settingsSchema, targetDeclined, targetFor } from "../../app/settings";

describe("directed KPI targets", () => {
  it("≥, ≤ and range pass and fail at their bounds; a missing value is no_data", () => {
    const atLeast = { direction: "at_least", min: 0.6, max: null } as const;
    expect(evaluateTarget(atLeast, 0.6)).toBe("pass");
    expect(evaluateTarget(atLeast, 0.5999)).toBe("fail");
    expect(evaluateTarget(atLeast, null)).toBe("no_data");
    const atMost = { direction: "at_most", min: null, max: 0.04 } as const;
    expect(evaluateTarget(atMost, 0.04)).toBe("pass");
    expect(evaluateTarget(atMost, 0.0401)).toBe("fail");
    const range = { direction: "range", min: 0.03, max: 0.04 } as const;
    expect([0.029, 0.03, 0.035, 0.04, 0.041].map((v) => evaluateTarget(range, v))).toEqual([
      "fail",
      "pass",
      "pass",
      "pass",
      "fail",
    ]);
    expect(evaluateTarget({ direction: "none", min: null, max: null }, 1)).toBeNull();
    expect(evaluateTarget(null, 1)).toBeNull();
    expect(kpiTargetProblem({ direction: "range", min: 2, max: 1 })).toBe("min_above_max");
  });

  it("Japanese mail-order defaults, per-KPI overrides and an explicit no target", () => {
    const defaults = parseSettings(null);
    expect(targetFor(defaults, "nps")).toEqual({ direction: "at_least", min: -10, max: null });
    expect(targetFor(defaults, "repeat_rate")).toMatchObject({ min: 0.6 });
    expect(targetFor(defaults, "monthly_churn_rate")).toMatchObject({
      direction: "at_most",
      max: 0.04,
    });
    expect(targetFor(defaults, "second_purchase_survival")).toMatchObject({ min: 0.87 });
    expect(targetFor(defaults, "average_order_value")).toBeNull();
    const own = settingsSchema.parse({
      kpiTargets: {
        average_order_value: { direction: "at_least", min: 5000 },
        nps: { direction: "none" },
        monthly_churn_rate: { direction: "range", min: 0.03, max: 0.04 },
      },
    });
    expect(targetFor(own, "average_order_value")).toEqual({
      direction: "at_least",
      min: 5000,
      max: null,
    });
    expect(targetFor(own, "nps")).toBeNull();
    expect(targetDeclined(own, "nps")).toBe(true);
    expect(targetFor(own, "monthly_churn_rate")).toMatchObject({ direction: "range", min: 0.03 });
  });

  it("refuses unusable targets with a clear message; stored bad ones fall back", () => {
    const bad = settingsSchema.safeParse({ kpiTargets: { nps: { direction: "range", min: 5 } } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toMatch(/needs_both/);
    const stored = parseSettings(
      JSON.stringify({ kpiTargets: { nps: { direction: "sideways" } } }),
    );
    expect(stored.kpiTargets).toEqual({});
    expect(targetFor(stored, "nps")).toMatchObject({ min: -10 });
  });
});
