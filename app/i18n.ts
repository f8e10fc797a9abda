/**
 * Locales Kizuna ships: English and Japanese. Shopify admin passes the staff member's
 * locale; anything else falls back to English.
 */
import en from "@shopify/polaris/locales/en.json";
import ja from "@shopify/polaris/locales/ja.json";

export type Locale = "en" | "ja";

export function resolveLocale(requested: string | null | undefined): Locale {
  return requested?.toLowerCase().startsWith("ja") ? "ja" : "en";
}

export function polarisTranslations(requested: string): typeof en {
  return resolveLocale(requested) === "ja" ? (ja as typeof en) : en;
}
