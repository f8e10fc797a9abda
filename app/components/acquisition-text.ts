/**
 * How the acquisition page names channels, states ratios or what they are missing, and the
 * margin basis.
 */
import type { LtvCacRatio, Payback } from "../analytics/acquisition";
import { channelMessageKey } from "../channel-names";
import { DASH, type Format } from "../format";
import type { Translator } from "../i18n";
import type { MarginBasis } from "../metrics/snapshot/types";

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

/**
 * The margin basis line. With product costs it names the rate lines without a cost count at
 * and where that rate comes from; a snapshot stored before the rate was recorded falls back
 * to the merchant's setting.
 */
export function marginText(i18n: Translator, format: Format, m: MarginBasis): string {
  const pct = (r: number | null | undefined) =>
    r === null || r === undefined ? DASH : format.percent(r);
  if (m.basis === "costs") {
    const source = m.uncostedRateSource ?? "setting";
    return i18n.t("acq.margin.costs", {
      with: format.number(m.linesWithCost),
      without: format.number(m.linesWithoutCost),
      rate: pct(m.uncostedRate ?? m.rate),
      source: i18n.t(`acq.margin.source.${source}` as const),
    });
  }
  if (m.basis === "setting") return i18n.t("acq.margin.setting", { rate: pct(m.rate) });
  return i18n.t("acq.margin.none");
}
