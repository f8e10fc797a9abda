/**
 * Locales Kizuna ships: English and Japanese. Shopify admin passes the staff member's
 * locale; anything else falls back to English.
 *
 * Kizuna's own strings live in app/messages (en is the source of the keys, ja must have
 * every one of them, checked by the compiler). Metrics and segments are translated by
 * their stable ids; an id without an entry falls back to the engine's English text, so a
 * new metric or a merchant's own segment still shows something sensible.
 */
import en from "@shopify/polaris/locales/en.json";
import ja from "@shopify/polaris/locales/ja.json";
import { createContext, useContext } from "react";
import type { MetricDefinition, MetricParams } from "./analytics/metric";
import { enMessages, type Message, type MessageKey } from "./messages/en";
import { jaMessages } from "./messages/ja";

export type Locale = "en" | "ja";

export function resolveLocale(requested: string | null | undefined): Locale {
  return requested?.toLowerCase().startsWith("ja") ? "ja" : "en";
}

export function polarisTranslations(requested: string): typeof en {
  return resolveLocale(requested) === "ja" ? (ja as typeof en) : en;
}

export type Params = Readonly<Record<string, string | number | boolean>>;

export interface Translator {
  readonly locale: Locale;
  /** A catalogue string with {placeholders} filled; `count` picks the plural form. */
  t(key: MessageKey, params?: Params): string;
  /** A string whose key is built at run time (metric or segment id), or the fallback. */
  dynamic(key: string, fallback: string, params?: Params): string;
}

const CATALOGUES: Record<Locale, Readonly<Record<string, Message>>> = {
  en: enMessages,
  ja: jaMessages,
};

function interpolate(text: string, params: Params | undefined): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

export function createTranslator(locale: Locale): Translator {
  const catalogue = CATALOGUES[locale];
  const plural = new Intl.PluralRules(locale === "ja" ? "ja-JP" : "en-US");
  const render = (message: Message, params: Params | undefined): string => {
    if (typeof message === "string") return interpolate(message, params);
    const count = Number(params?.count ?? 0);
    const form = plural.select(count) === "one" ? message.one : message.other;
    return interpolate(form, params);
  };
  return {
    locale,
    t: (key, params) => render(catalogue[key] ?? enMessages[key], params),
    dynamic(key, fallback, params) {
      const message = catalogue[key] ?? enMessages[key as MessageKey];
      return message === undefined ? fallback : render(message, params);
    },
  };
}

export const I18nContext = createContext<Translator>(createTranslator("en"));

export function useI18n(): Translator {
  return useContext(I18nContext);
}

// --- Metrics and segments, by id --------------------------------------------------------

/** Parameters as the catalogue texts show them (ratios as percentages). */
function displayParams(params: MetricParams): Params {
  const out: Record<string, string | number | boolean> = { ...params };
  for (const key of ["grossMarginRatio", "annualDiscountRate", "threshold", "topShare"]) {
    const v = params[key];
    if (typeof v === "number") out[`${key}Percent`] = +(v * 100).toFixed(2);
  }
  return out;
}

export function metricName(i18n: Translator, definition: Pick<MetricDefinition, "id" | "name">) {
  return i18n.dynamic(`metric.${definition.id}.name`, definition.name);
}

/** The definition sentence; English uses the engine's own text, which names every detail. */
export function metricText(i18n: Translator, definition: MetricDefinition): string {
  if (i18n.locale === "en") return definition.text;
  // A ratio on a gross margin the merchant has not set has its own sentence.
  const variant = definition.params.grossMarginSet === false ? ".no_margin" : "";
  return i18n.dynamic(
    `metric.${definition.id}.text${variant}`,
    definition.text,
    displayParams(definition.params),
  );
}

export function metricBase(i18n: Translator, definition: MetricDefinition): string {
  if (i18n.locale === "en") return definition.base;
  return i18n.dynamic(
    `metric.${definition.id}.base`,
    definition.base,
    displayParams(definition.params),
  );
}

/** "none" is the bucket of customers without a scored purchase. */
export function segmentName(i18n: Translator, id: string, fallback: string): string {
  return i18n.dynamic(`segment.${id}.name`, fallback);
}

/** The default recommended action of a segment archetype in the current locale. */
export function segmentDefaultAction(
  i18n: Translator,
  archetypeId: string | null,
  fallback: string,
): string {
  return archetypeId === null ? fallback : i18n.dynamic(`segment.${archetypeId}.action`, fallback);
}
