// Time in the fake is integer epoch seconds (Shopify's timestamps have second precision).
// GraphQL renders UTC ("…Z"); REST payloads render the shop's local offset ("…+09:00").

export const DAY = 86_400;
export const HOUR = 3_600;

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));
const DATE_PREFIX = new Map<number, string>();

/** "2026-11-01T09:30:00Z". Hot in bulk exports, so dates are cached per day. */
export function isoUtc(sec: number): string {
  const day = Math.floor(sec / DAY);
  let prefix = DATE_PREFIX.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY * 1000).toISOString().slice(0, 11);
    if (DATE_PREFIX.size > 50_000) DATE_PREFIX.clear();
    DATE_PREFIX.set(day, prefix);
  }
  const rest = sec - day * DAY;
  const h = Math.floor(rest / 3600);
  const m = Math.floor((rest % 3600) / 60);
  return `${prefix}${TWO_DIGITS[h] ?? "00"}:${TWO_DIGITS[m] ?? "00"}:${TWO_DIGITS[rest % 60] ?? "00"}Z`;
}

export function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

export function toSec(value: Date | string | number): number {
  if (typeof value === "number") return Math.floor(value);
  const ms = typeof value === "string" ? Date.parse(value) : value.getTime();
  if (Number.isNaN(ms)) throw new Error(`invalid date: ${String(value)}`);
  return Math.floor(ms / 1000);
}

export interface LocalParts {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  /** 0 = Sunday */
  weekday: number;
}

/** A shop's IANA time zone with cached offsets (Intl is slow; offsets change rarely). */
export class ShopTimeZone {
  readonly iana: string;
  private readonly format: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  constructor(iana: string) {
    this.iana = iana;
    this.format = new Intl.DateTimeFormat("en-US", { timeZone: iana, timeZoneName: "longOffset" });
  }

  /** UTC offset in minutes at the instant `sec` (cached per UTC hour). */
  offsetMinutes(sec: number): number {
    const hour = Math.floor(sec / HOUR);
    const cached = this.offsets.get(hour);
    if (cached !== undefined) return cached;
    const name =
      this.format.formatToParts(new Date(hour * HOUR * 1000)).find((p) => p.type === "timeZoneName")
        ?.value ?? "GMT";
    const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
    const minutes = match
      ? (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]))
      : 0;
    if (this.offsets.size > 200_000) this.offsets.clear();
    this.offsets.set(hour, minutes);
    return minutes;
  }

  localParts(sec: number): LocalParts {
    const d = new Date((sec + this.offsetMinutes(sec) * 60) * 1000);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      weekday: d.getUTCDay(),
    };
  }

  /** Epoch seconds of local midnight on the given local date. */
  localMidnight(year: number, month: number, day: number): number {
    const naive = Date.UTC(year, month - 1, day) / 1000;
    let guess = naive - this.offsetMinutes(naive) * 60;
    guess = naive - this.offsetMinutes(guess) * 60;
    return guess;
  }

  /** "+09:00" */
  offsetString(sec: number): string {
    const minutes = this.offsetMinutes(sec);
    const abs = Math.abs(minutes);
    const sign = minutes < 0 ? "-" : "+";
    return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  }

  /** REST-style timestamp in shop local time: "2024-05-01T18:30:00+09:00". */
  isoLocal(sec: number): string {
    const local = new Date((sec + this.offsetMinutes(sec) * 60) * 1000).toISOString();
    return `${local.slice(0, 19)}${this.offsetString(sec)}`;
  }
}
