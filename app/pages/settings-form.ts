/**
 * The settings form's fields, shared by the page (initial values) and the action (parsing):
 * every field travels as text; ratios are edited as percentages. No server imports here.
 */
import type { MessageKey } from "../messages/en";
import type { ShopSettings } from "../settings";

export type FieldKind = "percent" | "number" | "integer" | "boolean" | "text";

export const SETTINGS_FIELDS = {
  "targets.repeatRate": "percent",
  "targets.secondPurchaseSurvival": "percent",
  "targets.monthlyChurn": "percent",
  "targets.nps": "number",
  churnInactivityDays: "integer",
  f2WindowDays: "integer",
  subscriptionWindowDays: "integer",
  grossMarginRatio: "percent",
  ltvCacTarget: "number",
  clvHorizonMonths: "integer",
  annualDiscountRate: "percent",
  minSegmentCustomers: "integer",
  "tagSync.enabled": "boolean",
  "tagSync.prefix": "text",
  "tagSync.flowOnFirstTagging": "boolean",
  nightlyHour: "integer",
  fiscalYearStartMonth: "integer",
} as const satisfies Record<string, FieldKind>;

export type SettingsField = keyof typeof SETTINGS_FIELDS;
/** Fields the merchant may leave empty: null, "not set" (the gross margin is never assumed). */
export const OPTIONAL_FIELDS: ReadonlySet<SettingsField> = new Set(["grossMarginRatio"]);
export type SettingsFormValues = Record<SettingsField, string>;
export const SETTINGS_FIELD_NAMES = Object.keys(SETTINGS_FIELDS) as SettingsField[];

export interface FieldError {
  readonly key: MessageKey;
  readonly params?: Readonly<Record<string, string | number>>;
}
export type FieldErrors = Partial<Record<string, FieldError>>;

/** Drops float noise: 0.6 × 100 → "60", not "60.00000000000001". */
export const tidy = (x: number): string => String(+x.toPrecision(12));

function read(settings: ShopSettings, field: SettingsField): unknown {
  let node: unknown = settings;
  for (const part of field.split(".")) node = (node as Record<string, unknown>)[part];
  return node;
}

export function settingsToForm(settings: ShopSettings): SettingsFormValues {
  const values = {} as SettingsFormValues;
  for (const field of SETTINGS_FIELD_NAMES) {
    const value = read(settings, field);
    const kind: FieldKind = SETTINGS_FIELDS[field];
    values[field] =
      value === null
        ? ""
        : kind === "percent"
          ? tidy(Number(value) * 100)
          : typeof value === "number"
            ? tidy(value)
            : String(value);
  }
  return values;
}

/** Full-width digits and signs typed with a Japanese IME become ASCII. */
export const normalizeInput = (text: string): string => text.normalize("NFKC").trim();
