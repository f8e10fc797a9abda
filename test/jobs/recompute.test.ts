import { describe, expect, it } from "vitest";
import { DEBOUNCE_MS, MIN_INTERVAL_MS, recomputeAt } from "../../app/jobs/compute.server";

const now = 1_000_000_000;

describe("when a recompute runs", () => {
  it("waits 2 minutes after a change", () => {
    expect(recomputeAt(now, null, null, false)).toBe(now + DEBOUNCE_MS);
  });
  it("is pushed back by later changes but not past 15 minutes after the first", () => {
    expect(recomputeAt(now, null, now - 60_000, false)).toBe(now + DEBOUNCE_MS);
    expect(recomputeAt(now, null, now - 14 * 60_000, false)).toBe(now + 60_000);
  });
  it("never starts sooner than 15 minutes after the last run started", () => {
    expect(recomputeAt(now, now - 5 * 60_000, null, false)).toBe(now + 10 * 60_000);
    expect(recomputeAt(now, now - MIN_INTERVAL_MS - 1, null, false)).toBe(now + DEBOUNCE_MS);
  });
  it("follows the configured debounce and interval (COMPUTE_DEBOUNCE_MS, COMPUTE_MIN_INTERVAL_MS)", () => {
    const timing = { debounceMs: 1_000, minIntervalMs: 3_000 };
    expect(recomputeAt(now, null, null, false, timing)).toBe(now + 1_000);
    expect(recomputeAt(now, null, now - 2_500, false, timing)).toBe(now + 500);
    expect(recomputeAt(now, now - 1_000, null, false, timing)).toBe(now + 2_000);
  });
  it("runs at once when asked to", () => {
    expect(recomputeAt(now, now - 60_000, null, true)).toBe(now);
  });
});
