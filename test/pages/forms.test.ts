/**
 * The pages' pure parts, without a browser: the message catalogues (every key in Japanese,
 * the same placeholders), number and date formatting, the settings form's server-side
 * validation (the marketing spend parser has its own file, spend-input.test.ts).
 */
import { describe, expect, it } from "vitest";
import { createFormat } from "../../app/format";
import { createTranslator, metricName, metricText, segmentName } from "../../app/i18n";
import { enMessages, type Message } from "../../app/messages/en";
import { jaMessages } from "../../app/messages/ja";
import { settingsToForm } from "../../app/pages/settings-form";
import { planSettings } from "../../app/pages/settings.server";
import { DEFAULT_SETTINGS } from "../../app/settings";

const placeholders = (m: Message) =>
  [...(typeof m === "string" ? m : `${m.one} ${m.other}`).matchAll(/\{(\w+)\}/g)]
    .map((x) => x[1])
    .filter((name) => name !== "count")
    .sort();

describe("message catalogues", () => {
  it("has every English key in Japanese, with the same placeholders", () => {
    for (const [key, message] of Object.entries(enMessages)) {
      const ja = jaMessages[key];
      expect(ja, key).toBeDefined();
      expect(new Set(placeholders(ja!)), key).toEqual(new Set(placeholders(message)));
    }
  });

  it("translates metrics and segments by id, falling back to the engine's English", () => {
    const ja = createTranslator("ja");
    const en = createTranslator("en");
    const definition = {
      id: "f2_conversion",
      name: "F2 conversion",
      text: "Share … within 90 days of the first.",
      base: "Customers …",
      unit: "ratio" as const,
      params: { windowDays: 90 },
    };
    expect(metricName(ja, definition)).toBe("F2転換率");
    expect(metricText(ja, definition)).toContain("90日以内");
    expect(metricText(en, definition)).toBe(definition.text);
    expect(metricName(ja, { id: "brand_new_metric", name: "Brand new" })).toBe("Brand new");
    expect(segmentName(ja, "champions", "Champions")).toBe("優良顧客");
    expect(segmentName(ja, "my_vips", "My VIPs")).toBe("My VIPs");
    expect(en.t("spend.imported", { count: 1, encoding: "UTF-8" })).toBe(
      "1 entry imported (UTF-8)",
    );
    expect(en.t("spend.imported", { count: 3, encoding: "UTF-8" })).toBe(
      "3 entries imported (UTF-8)",
    );
  });
});

describe("formatting", () => {
  it("formats money from minor units, ratios and dates in the shop's zone", () => {
    const en = createFormat("en", "JPY", "Asia/Tokyo");
    const ja = createFormat("ja", "USD", "Asia/Tokyo");
    expect(en.money(1_234_567)).toBe("¥1,234,567");
    expect(ja.money(123_450)).toBe("$1,234.50");
    expect(en.percent(0.4567)).toBe("45.7%");
    expect(en.metric(-10, "points")).toBe("-10");
    expect(en.metric(12.34, "points")).toBe("+12.3");
    expect(en.metric(null, "ratio")).toBe("—");
    // 2026-01-01 15:04 UTC is past midnight in Tokyo.
    expect(en.dateTime(Date.UTC(2026, 0, 1, 15, 4))).toBe("Jan 2, 2026 00:04");
    expect(ja.dateTime(Date.UTC(2026, 0, 1, 15, 4))).toBe("2026年1月2日 00:04");
    expect(ja.month("2026-03")).toBe("2026年3月");
    expect(en.estimate(6_353_046_333)).toBe("6.35e9");
    expect(en.estimate(0.8831)).toBe("0.883");
  });
});

function form(values: Record<string, string>): FormData {
  const data = new FormData();
  for (const [k, v] of Object.entries({ ...settingsToForm(DEFAULT_SETTINGS), ...values })) {
    data.set(k, v);
  }
  return data;
}

describe("settings form", () => {
  it("shows ratios as percentages and reads them back exactly", () => {
    expect(settingsToForm(DEFAULT_SETTINGS)).toMatchObject({
      "targets.repeatRate": "60",
      "targets.monthlyChurn": "4",
      // Not set until the merchant enters it: an empty field, never 100 %.
      grossMarginRatio: "",
      ltvCacTarget: "3",
      "tagSync.enabled": "false",
      nightlyHour: "3",
    });
    const plan = planSettings(DEFAULT_SETTINGS, form({ "targets.monthlyChurn": "３.５" }));
    expect(plan.errors).toEqual({});
    expect(plan.patch.targets).toMatchObject({ monthlyChurn: 0.035 });
  });

  it("reads an empty gross margin as not set, a percentage as a ratio, and the LTV:CAC target", () => {
    const set = planSettings(
      DEFAULT_SETTINGS,
      form({ grossMarginRatio: "４２%", ltvCacTarget: "2.5" }),
    );
    expect(set.errors).toEqual({});
    expect(set.patch).toMatchObject({ grossMarginRatio: 0.42, ltvCacTarget: 2.5 });
    const stored = { ...DEFAULT_SETTINGS, grossMarginRatio: 0.42 };
    expect(settingsToForm(stored).grossMarginRatio).toBe("42");
    const cleared = planSettings(stored, form({ grossMarginRatio: " " }));
    expect(cleared.errors).toEqual({});
    expect(cleared.patch.grossMarginRatio).toBeNull();
    expect(planSettings(DEFAULT_SETTINGS, form({ grossMarginRatio: "101" })).errors).toEqual({
      grossMarginRatio: { key: "errors.max", params: { max: "100" } },
    });
    expect(planSettings(DEFAULT_SETTINGS, form({ ltvCacTarget: "0" })).errors).toEqual({
      ltvCacTarget: { key: "errors.min", params: { min: "0.1" } },
    });
  });

  it("names every bad field, with bounds in the field's own unit", () => {
    const plan = planSettings(
      DEFAULT_SETTINGS,
      form({
        "targets.repeatRate": "150",
        churnInactivityDays: "12.5",
        f2WindowDays: "3",
        nightlyHour: "",
        grossMarginRatio: "0",
        ltvCacTarget: "x3",
        "tagSync.prefix": "rfm tags",
      }),
    );
    expect(plan.errors).toEqual({
      "targets.repeatRate": { key: "errors.max", params: { max: "100" } },
      churnInactivityDays: { key: "errors.integer" },
      f2WindowDays: { key: "errors.min", params: { min: "7" } },
      nightlyHour: { key: "errors.required" },
      grossMarginRatio: { key: "errors.min", params: { min: "1" } },
      ltvCacTarget: { key: "errors.number" },
      "tagSync.prefix": { key: "errors.prefix" },
    });
  });

  it("asks for confirmation before tag sync goes off, and locks the prefix while on", () => {
    const on = {
      ...DEFAULT_SETTINGS,
      tagSync: { enabled: true, prefix: "rfm:", flowOnFirstTagging: false },
    };
    expect(planSettings(on, form({ "tagSync.enabled": "false" })).needsConfirmation).toBe(true);
    const confirmed = form({ "tagSync.enabled": "false" });
    confirmed.set("confirmTagRemoval", "true");
    expect(planSettings(on, confirmed).needsConfirmation).toBe(false);
    expect(
      planSettings(on, form({ "tagSync.enabled": "true", "tagSync.prefix": "seg:" })).errors,
    ).toEqual({ "tagSync.prefix": { key: "errors.prefixLocked" } });
  });

  it("keeps the Flow trigger off for the first tagging unless the merchant ticks it", () => {
    expect(settingsToForm(DEFAULT_SETTINGS)["tagSync.flowOnFirstTagging"]).toBe("false");
    const ticked = planSettings(
      DEFAULT_SETTINGS,
      form({ "tagSync.enabled": "true", "tagSync.flowOnFirstTagging": "on" }),
    );
    expect(ticked.errors).toEqual({});
    expect(ticked.patch.tagSync).toEqual({
      enabled: true,
      prefix: "rfm:",
      flowOnFirstTagging: true,
    });
    const unticked = planSettings(DEFAULT_SETTINGS, form({ "tagSync.enabled": "true" }));
    expect(unticked.patch.tagSync).toMatchObject({ flowOnFirstTagging: false });
  });
});
