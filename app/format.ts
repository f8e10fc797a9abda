/**
 * Display formatting of Kizuna's numbers for one locale, currency and shop time zone.
 * Shared by the server (loaders, CSV) and the browser, so it is deterministic: dates are
 * assembled from formatToParts rather than left to each runtime's date style, which keeps
 * server-rendered and hydrated text identical.
 */
import type { MetricUnit } from "./analytics/metric";
import type { Locale } from "./i18n";
import { currencyDigits } from "./sync/money";

export interface Format {
  readonly locale: Locale;
  readonly currency: string;
  readonly timeZone: string;
  /** Grouped number with at most `digits` decimals. */
  number(value: number, digits?: number): string;
  /** Model parameters: `digits` decimals, or 3 significant digits in e-notation when huge or tiny. */
  estimate(value: number, digits?: number): string;
  /** 0..1 share as a percentage, e.g. 0.4567 → "45.7%". */
  percent(value: number, digits?: number): string;
  /** Integer (or averaged) minor units of the shop currency, shown in major units. */
  money(minor: number): string;
  /** Compact money for axes and heatmap cells, e.g. "¥1.2M". */
  moneyCompact(minor: number): string;
  /** A metric value in its unit; "—" for null. */
  metric(value: number | null, unit: MetricUnit): string;
  /** Epoch ms → "2026-01-02 14:05" (en) / "2026年1月2日 14:05" (ja) in the shop's zone. */
  dateTime(epochMs: number): string;
  /** "YYYY-MM-DD" → "Jan 2, 2026" / "2026年1月2日" (a calendar date, no zone shift). */
  date(isoDate: string): string;
  /** "YYYY-MM" → "Jan 2026" / "2026年1月". */
  month(isoMonth: string): string;
}

export const DASH = "—";

const EN_MONTHS = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
];

/** Major-unit value of minor units (display only: stored money never passes through this). */
export function minorToMajor(minor: number, currency: string): number {
  return minor / 10 ** currencyDigits(currency);
}

export function createFormat(locale: Locale, currency: string, timeZone: string): Format {
  const tag = locale === "ja" ? "ja-JP" : "en-US";
  const digits = currencyDigits(currency);
  const numberFormats = new Map<number, Intl.NumberFormat>();
  const numberFormat = (d: number) => {
    let f = numberFormats.get(d);
    if (!f) {
      f = new Intl.NumberFormat(tag, { maximumFractionDigits: d });
      numberFormats.set(d, f);
    }
    return f;
  };
  const moneyFormat = new Intl.NumberFormat(tag, {
    style: "currency",
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  const compactMoney = new Intl.NumberFormat(tag, {
    style: "currency",
    currency,
    notation: "compact",
    maximumFractionDigits: 1,
  });
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    hourCycle: "h23",
  });
  const pad = (n: number) => String(n).padStart(2, "0");
  const dayText = (y: number, m: number, d: number) =>
    locale === "ja" ? `${y}年${m}月${d}日` : `${EN_MONTHS[m - 1]} ${d}, ${y}`;

  const format: Format = {
    locale,
    currency,
    timeZone,
    number: (value, d = 0) => numberFormat(d).format(value),
    estimate: (value, d = 3) => {
      const size = Math.abs(value);
      if (value !== 0 && (size >= 1e6 || size < 10 ** -d)) {
        return value.toExponential(2).replace("e+", "e");
      }
      return numberFormat(d).format(value);
    },
    percent: (value, d = 1) => `${numberFormat(d).format(value * 100)}%`,
    money: (minor) => moneyFormat.format(minorToMajor(minor, currency)),
    moneyCompact: (minor) => compactMoney.format(minorToMajor(minor, currency)),
    metric(value, unit) {
      if (value === null || !Number.isFinite(value)) return DASH;
      switch (unit) {
        case "ratio":
          return format.percent(value);
        case "points":
          return `${value > 0 ? "+" : ""}${numberFormat(1).format(value)}`;
        case "minor":
          return format.money(value);
        case "months":
          return locale === "ja"
            ? `${numberFormat(1).format(value)}か月`
            : `${numberFormat(1).format(value)} mo`;
        case "days":
          return locale === "ja"
            ? `${numberFormat(0).format(value)}日`
            : `${numberFormat(0).format(value)} days`;
        case "multiple":
          return `${numberFormat(2).format(value)}×`;
        case "count":
          return numberFormat(value % 1 === 0 ? 0 : 2).format(value);
      }
    },
    dateTime(epochMs) {
      const p: Record<string, number> = {};
      for (const part of parts.formatToParts(new Date(epochMs))) {
        if (part.type !== "literal") p[part.type] = Number(part.value);
      }
      return `${dayText(p.year, p.month, p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
    },
    date(isoDate) {
      const [y, m, d] = isoDate.split("-").map(Number);
      return dayText(y, m, d);
    },
    month(isoMonth) {
      const [y, m] = isoMonth.split("-").map(Number);
      return locale === "ja" ? `${y}年${m}月` : `${EN_MONTHS[m - 1]} ${y}`;
    },
  };
  return format;
}
