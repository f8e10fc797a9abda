import { describe, expect, it } from "vitest";
import { SERIES_COLORS } from "../../app/components/charts";
import {
  continuationCurves,
  CURVE_COHORTS,
  PROJECTION_COLOR,
} from "../../app/components/continuation-series";
import type { ContinuationJson, ContinuationRowJson } from "../../app/metrics/snapshot/types";

/** A cohort whose share halves with each further purchase or delivery. */
function row(label: string, ageMonths: number, size = 100): ContinuationRowJson {
  const share = Array.from({ length: 12 }, (_, i) => 0.5 ** i);
  return { label, size, ageMonths, reached: share.map((s) => Math.round(s * size)), share };
}

function table(rows: ContinuationRowJson[]): ContinuationJson {
  return {
    maxPurchases: 12,
    definition: { id: "continuation", title: "", definition: "", period: "", base: "" },
    total: row("all", 24, 1000),
    totalCohorts: rows.length,
    rows,
  } as unknown as ContinuationJson;
}

const options = (monthly: boolean) => ({
  monthly,
  cohortLabel: (m: string) => `cohort ${m}`,
  pooledLabel: "All cohorts",
});

describe("continuation chart lines", () => {
  it("stop a young subscription cohort where the table leaves its cells empty", () => {
    // Four months old: deliveries 1–5 can have happened, the 6th cannot yet.
    const [young] = continuationCurves(table([row("2026-07", 4)]), options(true));
    expect(young!.values.slice(0, 5)).toEqual([1, 0.5, 0.25, 0.125, 0.0625]);
    expect(young!.values.slice(5)).toEqual(Array(7).fill(null));
  });

  it("draw every purchase of a cohort when purchases are not monthly", () => {
    const [curve] = continuationCurves(table([row("2026-07", 4)]), options(false));
    expect(curve!.values).toHaveLength(12);
    expect(curve!.values.every((v) => v !== null)).toBe(true);
  });

  it("leave out cohorts under three months or under 20 customers, keep the newest five", () => {
    const rows = [
      ...Array.from({ length: 8 }, (_, k) => row(`2025-0${k + 1}`, 20 - k)),
      row("2026-09", 3, 19),
      row("2026-10", 2),
    ];
    const labels = continuationCurves(table(rows), options(false)).map((s) => s.label);
    expect(labels).toEqual([
      ...["2025-04", "2025-05", "2025-06", "2025-07", "2025-08"].map((m) => `cohort ${m}`),
      "All cohorts",
    ]);
  });

  it("never give two lines the same colour, nor a cohort the model projection's red", () => {
    const rows = Array.from({ length: 10 }, (_, k) =>
      row(`2025-${String(k + 1).padStart(2, "0")}`, 12),
    );
    const series = continuationCurves(table(rows), options(true));
    expect(series).toHaveLength(CURVE_COHORTS + 1);
    const colours = [...series.map((s) => s.color), PROJECTION_COLOR];
    expect(new Set(colours).size).toBe(colours.length);
    expect(SERIES_COLORS).toContain(PROJECTION_COLOR);
  });
});
