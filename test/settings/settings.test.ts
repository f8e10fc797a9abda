import { describe, expect, it } from "vitest";
import { DEFAULT_SEGMENT_RULES } from "../../app/analytics/rfm";
import { DEFAULT_SETTINGS, parseSettings, settingsSchema } from "../../app/settings";

describe("shop settings", () => {
  it("defaults to the Japanese mail-order targets and tag sync off", () => {
    expect(DEFAULT_SETTINGS.targets).toEqual({
      nps: -10,
      repeatRate: 0.6,
      monthlyChurn: 0.04,
      secondPurchaseSurvival: 0.87,
    });
    expect(DEFAULT_SETTINGS.tagSync).toEqual({
      enabled: false,
      prefix: "rfm:",
      flowOnFirstTagging: false,
    });
    expect(DEFAULT_SETTINGS.nightlyHour).toBe(3);
    expect(DEFAULT_SETTINGS.churnInactivityDays).toBe(180);
    expect(DEFAULT_SETTINGS.segmentRules).toBeNull();
  });

  it("keeps valid stored values and drops only the invalid fields", () => {
    const parsed = parseSettings(
      JSON.stringify({ nightlyHour: 25, churnInactivityDays: 90, tagSync: { enabled: true } }),
    );
    expect(parsed.nightlyHour).toBe(3);
    expect(parsed.churnInactivityDays).toBe(90);
    expect(parsed.tagSync).toEqual({ enabled: true, prefix: "rfm:", flowOnFirstTagging: false });
    expect(parseSettings("not json")).toEqual(DEFAULT_SETTINGS);
    expect(parseSettings(null)).toEqual(DEFAULT_SETTINGS);
  });

  it("rejects a tag prefix Shopify tags cannot carry", () => {
    const result = settingsSchema.safeParse({ tagSync: { enabled: true, prefix: "rfm, " } });
    expect(result.success).toBe(false);
  });

  it("accepts custom segment rules only when every cell is covered and every rule reachable", () => {
    const rules = DEFAULT_SEGMENT_RULES.map((r) => ({
      ...r,
      recency: [...r.recency],
      fm: [...r.fm],
    }));
    expect(settingsSchema.safeParse({ segmentRules: rules }).success).toBe(true);
    const published = [...rules];
    // The commonly published order: "Can't Lose Them" after "At Risk" can never match.
    const cant = published.findIndex((r) => r.id === "cant_lose_them");
    const [cantLose] = published.splice(cant, 1);
    published.push(cantLose!);
    const result = settingsSchema.safeParse({ segmentRules: published });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(/cant_lose_them|Can't Lose Them/);
  });
});
