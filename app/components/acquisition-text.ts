/** How the acquisition page names channels and states ratios or what they are missing. */
import type { LtvCacRatio, Payback } from "../analytics/acquisition";
import { channelMessageKey } from "../channel-names";
import type { Format } from "../format";
import type { Translator } from "../i18n";

/** A channel's name: the merchant's label, the ja/en name of a default key, or the key. */
export function channelName(
  i18n: Translator,
  key: string,
  labels: Readonly<Record<string, string | null>>,
): string {
  const label = labels[key];
  if (label) return label;
  const message = channelMessageKey(key);
  return message ? i18n.dynamic(message, key) : key;
}

/** A ratio or "what is missing" (never a number without its inputs). */
export function ratioText(i18n: Translator, format: Format, r: LtvCacRatio): string {
  return r.status === "ok" && r.value !== null
    ? i18n.t("acq.multiple", { value: format.number(r.value, 1) })
    : i18n.t(`acq.status.${r.status}` as const);
}

export function paybackText(i18n: Translator, format: Format, p: Payback): string {
  if (p.status === "ok" && p.months !== null) {
    return i18n.t("acq.paybackMonths", { count: p.months, months: format.number(p.months) });
  }
  if (p.status === "not_reached") {
    return i18n.t("acq.status.not_reached", { months: format.number(p.observedMonths) });
  }
  return i18n.t(`acq.status.${p.status}` as const);
}
