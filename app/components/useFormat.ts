import { useMemo } from "react";
import { createFormat, type Format } from "../format";
import { useI18n } from "../i18n";

/** The formatter of the admin's locale for a shop's currency and time zone. */
export function useFormat(currency: string, timeZone: string): Format {
  const { locale } = useI18n();
  return useMemo(() => createFormat(locale, currency, timeZone), [locale, currency, timeZone]);
}
