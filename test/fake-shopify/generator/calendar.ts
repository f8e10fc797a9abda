// Shop-local calendar of the generated period: one entry per local day with its seasonality.
// Precomputed once per shop so the hot generation loop never calls Intl.
import { DAY, ShopTimeZone } from "../util/time";
import type { ShopSpec } from "./spec";

/** Relative purchase intensity by local hour (evening peak, night trough). */
const HOUR_WEIGHTS = [
  0.6, 0.35, 0.2, 0.12, 0.1, 0.15, 0.35, 0.7, 1.0, 1.2, 1.3, 1.4, 1.6, 1.4, 1.3, 1.3, 1.35, 1.4,
  1.5, 1.7, 2.0, 2.2, 1.9, 1.2,
];
const WEEKDAY_WEIGHTS = [1.1, 1.05, 1.0, 0.98, 0.97, 0.92, 1.0];
const JAPAN_MONTHS = [1.1, 0.85, 1.0, 0.95, 0.95, 1.0, 1.15, 0.95, 0.9, 0.95, 1.1, 1.45];
const WESTERN_MONTHS = [0.85, 0.85, 0.95, 0.95, 1.0, 0.95, 0.95, 1.0, 0.95, 1.0, 1.25, 1.45];

function isBlackFridayWeekend(year: number, month: number, day: number): boolean {
  if (month !== 11 && month !== 12) return false;
  // Thanksgiving: fourth Thursday of November; the peak runs Friday to Cyber Monday.
  const firstWeekday = new Date(Date.UTC(year, 10, 1)).getUTCDay();
  const thanksgiving = 1 + ((4 - firstWeekday + 7) % 7) + 21;
  const dayOfNov = month === 11 ? day : 30 + day;
  return dayOfNov >= thanksgiving + 1 && dayOfNov <= thanksgiving + 4;
}

function seasonFactor(
  style: "japan" | "western",
  year: number,
  month: number,
  day: number,
): number {
  const months = style === "japan" ? JAPAN_MONTHS : WESTERN_MONTHS;
  let factor = months[month - 1] ?? 1;
  if (isBlackFridayWeekend(year, month, day)) factor *= style === "western" ? 3 : 1.8;
  if (style === "japan" && month === 1 && day <= 3) factor *= 2;
  if (style === "western" && month === 12 && day <= 20) factor *= 1.3;
  if (style === "western" && month === 12 && day >= 26) factor *= 0.8;
  return factor;
}

export class ShopCalendar {
  readonly tz: ShopTimeZone;
  /** Epoch seconds of each local midnight; one extra entry closes the last day. */
  readonly dayStart: Float64Array;
  /** Demand multiplier per day (season × weekday). */
  readonly demand: Float64Array;
  readonly maxDemand: number;
  /** Cumulative acquisition weight (demand × growth) at the start of each day. */
  readonly acquisitionCdf: Float64Array;
  private readonly hourCdf: Float64Array;

  constructor(spec: ShopSpec) {
    this.tz = new ShopTimeZone(spec.timezone);
    const first = this.tz.localParts(spec.startSec);
    const last = this.tz.localParts(spec.horizonSec);
    const firstUtc = Date.UTC(first.year, first.month - 1, first.day);
    const lastUtc = Date.UTC(last.year, last.month - 1, last.day);
    const days = Math.round((lastUtc - firstUtc) / (DAY * 1000)) + 1;
    this.dayStart = new Float64Array(days + 1);
    this.demand = new Float64Array(days);
    this.acquisitionCdf = new Float64Array(days + 1);
    let maxDemand = 0;
    for (let d = 0; d <= days; d++) {
      const date = new Date(firstUtc + d * DAY * 1000);
      const y = date.getUTCFullYear();
      const m = date.getUTCMonth() + 1;
      const dd = date.getUTCDate();
      this.dayStart[d] = this.tz.localMidnight(y, m, dd);
      if (d === days) break;
      const demand =
        seasonFactor(spec.region.seasonality, y, m, dd) * (WEEKDAY_WEIGHTS[date.getUTCDay()] ?? 1);
      this.demand[d] = demand;
      maxDemand = Math.max(maxDemand, demand);
      const years = (this.dayStart[d]! - spec.startSec) / (365 * DAY);
      const growth = Math.pow(1 + spec.mix.annualGrowth, years);
      this.acquisitionCdf[d + 1] = this.acquisitionCdf[d]! + demand * growth;
    }
    this.maxDemand = maxDemand;
    this.hourCdf = new Float64Array(25);
    for (let h = 0; h < 24; h++) this.hourCdf[h + 1] = this.hourCdf[h]! + (HOUR_WEIGHTS[h] ?? 1);
  }

  get days(): number {
    return this.demand.length;
  }

  /** Index of the local day containing `sec` (clamped to the table). */
  dayOf(sec: number): number {
    const arr = this.dayStart;
    let lo = 0;
    let hi = this.days - 1;
    let guess = Math.floor((sec - arr[0]!) / DAY);
    if (guess >= lo && guess <= hi && arr[guess]! <= sec && sec < arr[guess + 1]!) return guess;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (arr[mid]! <= sec) lo = mid;
      else hi = mid - 1;
    }
    guess = lo;
    return guess;
  }

  demandAt(sec: number): number {
    return this.demand[this.dayOf(sec)] ?? 1;
  }

  /** Seconds into a local day for a fraction in [0, 1), following the hourly profile. */
  timeOfDay(fraction: number): number {
    const target = fraction * this.hourCdf[24]!;
    let h = 0;
    while (h < 23 && this.hourCdf[h + 1]! <= target) h++;
    const within = (target - this.hourCdf[h]!) / (HOUR_WEIGHTS[h] ?? 1);
    return Math.floor((h + Math.min(within, 0.9999)) * 3600);
  }

  /** A moment on local day `day` at a random time of day drawn from the hourly profile. */
  momentOnDay(day: number, fraction: number): number {
    const start = this.dayStart[day]!;
    const length = this.dayStart[day + 1]! - start;
    return start + Math.min(this.timeOfDay(fraction), length - 1);
  }

  /** Cumulative acquisition weight at time `sec` (for sizing slots visible at a moment). */
  acquisitionWeightAt(sec: number): number {
    const d = this.dayOf(sec);
    const start = this.dayStart[d]!;
    const frac = Math.min(1, Math.max(0, (sec - start) / (this.dayStart[d + 1]! - start)));
    return this.acquisitionCdf[d]! + frac * (this.acquisitionCdf[d + 1]! - this.acquisitionCdf[d]!);
  }

  /**
   * Inverse of the acquisition curve: u in [0, 1) → moment. Monotone in u, so slots numbered
   * in u order get increasing signup times (and increasing ids, as on Shopify).
   */
  acquisitionMoment(u: number, fromSec: number, toSec: number): number {
    const lo = this.acquisitionWeightAt(fromSec);
    const hi = this.acquisitionWeightAt(toSec);
    const target = lo + u * (hi - lo);
    const cdf = this.acquisitionCdf;
    let a = 0;
    let b = this.days - 1;
    while (a < b) {
      const mid = (a + b + 1) >> 1;
      if (cdf[mid]! <= target) a = mid;
      else b = mid - 1;
    }
    const width = cdf[a + 1]! - cdf[a]!;
    const within = width > 0 ? (target - cdf[a]!) / width : 0;
    const moment = this.momentOnDay(a, Math.min(0.999999, Math.max(0, within)));
    return Math.min(Math.max(moment, fromSec), toSec);
  }
}
