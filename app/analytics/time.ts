/**
 * Shop-local calendar arithmetic.
 *
 * Every period in the analytics engine is a shop-local calendar period: a "day" is the
 * local day number (days since 1970-01-01 in the shop's zone), a "month" is
 * year * 12 + month0. Converting 4M order timestamps must not call Intl per order, so a
 * calendar precomputes the zone's UTC offsets once per UTC day (lazily, a year at a time)
 * and looks them up in O(1).
 */

export const MS_PER_DAY = 86_400_000;

/** Years whose offsets are cached; instants outside fall back to a direct (slow) Intl lookup. */
const CACHE_MIN_YEAR = 1900;
const CACHE_MAX_YEAR = 2200;
/** |UTC offset| never exceeds 14 h; 15 h bounds every search window. */
const MAX_OFFSET_MS = 15 * 3_600_000;

/** A half-open range of shop-local day numbers: startDay ≤ day < endDay. */
export interface DayRange {
  readonly startDay: number;
  readonly endDay: number;
}

export interface Calendar {
  /** IANA zone name as resolved by Intl (e.g. "Asia/Tokyo"). */
  readonly timeZone: string;
  /** UTC offset in ms at the instant (local = utc + offset). */
  offsetMs(ms: number): number;
  /** Shop-local day number of an instant. */
  dayOf(ms: number): number;
  /** Shop-local month number (year * 12 + month0) of an instant. */
  monthOf(ms: number): number;
  /** Shop-local calendar year of an instant. */
  yearOf(ms: number): number;
  /** First instant (epoch ms) of a local day; when local midnight is skipped by DST, the transition instant. */
  dayStartMs(day: number): number;
  /** First instant (epoch ms) of a local month. */
  monthStartMs(month: number): number;
  /** Local day numbers of many instants at once. */
  daysOf(ms: Float64Array): Int32Array;
}

// ---------------------------------------------------------------------------------------------
// Zone-independent civil-date arithmetic (proleptic Gregorian, H. Hinnant's algorithms).

/** Day number (days since 1970-01-01) of a civil date; month is 1..12. */
export function dayFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Civil date of a day number; month is 1..12. */
export function civilFromDay(dayNumber: number): { year: number; month: number; day: number } {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Month number (year * 12 + month0) of a day number. */
export function monthOfDay(dayNumber: number): number {
  const c = civilFromDay(dayNumber);
  return c.year * 12 + c.month - 1;
}

/** Calendar year of a day number. */
export function yearOfDay(dayNumber: number): number {
  return civilFromDay(dayNumber).year;
}

/** Day number of the first day of a month number. */
export function firstDayOfMonth(month: number): number {
  const year = Math.floor(month / 12);
  return dayFromCivil(year, month - year * 12 + 1, 1);
}

/** Day number of January 1st of a year. */
export function firstDayOfYear(year: number): number {
  return dayFromCivil(year, 1, 1);
}

/**
 * Moves a day boundary — the start of local day `boundary`, as in DayRange's startDay and
 * endDay — by whole calendar months. When the target month has no such day (29–31), the
 * boundary falls at the end of that month, i.e. on the first day of the next one. Clamping
 * to the month's last day instead would put the boundary one day early (the start of 29 Feb
 * → the start of 28 Feb) and make a window a day too long. Monotone: adjacent ranges shifted
 * this way stay adjacent.
 */
export function shiftDayBoundary(boundary: number, months: number): number {
  const c = civilFromDay(boundary);
  const target = c.year * 12 + c.month - 1 + months;
  const first = firstDayOfMonth(target);
  return Math.min(first + c.day - 1, firstDayOfMonth(target + 1));
}

/**
 * The as-of day `months` calendar months before (negative: after) asOfDay: the same day of
 * the month, or that month's last day when asOfDay is the last day of its month or the day
 * does not exist there (31 May → 30 Apr, 28 Feb 2025 → 29 Feb 2024, 29 Feb 2024 → 28 Feb 2023).
 */
export function monthsBeforeDay(asOfDay: number, months: number): number {
  return shiftDayBoundary(asOfDay + 1, -months) - 1;
}

/**
 * The `months` calendar months ending with asOfDay (included): the days after
 * monthsBeforeDay(asOfDay, months), through asOfDay. A window ending on a month's last day is
 * exactly that many whole calendar months; the 12 months ending 28 Feb 2024 start 1 Mar 2023.
 */
export function trailingMonths(asOfDay: number, months: number): DayRange {
  return { startDay: shiftDayBoundary(asOfDay + 1, -months), endDay: asOfDay + 1 };
}

/**
 * The last as-of day whose trailingMonths window starts on or before startDay: the end of the
 * `months` calendar months that begin with startDay (1 Mar 2024 + 12 months → 28 Feb 2025;
 * 29 Feb 2024 + 12 months → 27 Feb 2025, since the 12 months ending 28 Feb 2025 start on
 * 1 Mar 2024).
 */
export function lastDayOfMonthsFrom(startDay: number, months: number): number {
  const end = shiftDayBoundary(startDay, months);
  return shiftDayBoundary(end, -months) > startDay ? end - 2 : end - 1;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const pad4 = (n: number): string => String(n).padStart(4, "0");

/** "YYYY-MM" of a month number. */
export function formatMonth(month: number): string {
  const year = Math.floor(month / 12);
  return `${pad4(year)}-${pad2(month - year * 12 + 1)}`;
}

/** "YYYY-MM-DD" of a day number. */
export function formatDay(dayNumber: number): string {
  const c = civilFromDay(dayNumber);
  return `${pad4(c.year)}-${pad2(c.month)}-${pad2(c.day)}`;
}

/** Month number of "YYYY-MM"; throws on anything else. */
export function parseMonth(text: string): number {
  const m = /^(\d{4})-(\d{2})$/.exec(text);
  const month = m ? Number(m[2]) : 0;
  if (!m || month < 1 || month > 12) {
    throw new RangeError(`Invalid month "${text}": expected "YYYY-MM"`);
  }
  return Number(m[1]) * 12 + month - 1;
}

/** Day number of "YYYY-MM-DD"; throws on anything else (including Feb 30). */
export function parseDay(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m) {
    const day = dayFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
    if (formatDay(day) === text) return day;
  }
  throw new RangeError(`Invalid date "${text}": expected "YYYY-MM-DD"`);
}

/** The local days of one month. */
export function monthRange(month: number): DayRange {
  return { startDay: firstDayOfMonth(month), endDay: firstDayOfMonth(month + 1) };
}

/** The local days of one calendar year. */
export function yearRange(year: number): DayRange {
  return { startDay: firstDayOfYear(year), endDay: firstDayOfYear(year + 1) };
}

/**
 * The same dates one calendar year earlier: both boundaries shifted by shiftDayBoundary (a
 * boundary at 29 Feb falls on 1 Mar), so the previous year of trailingMonths(d, 12) ends
 * exactly where it starts.
 */
export function previousYearRange(range: DayRange): DayRange {
  return {
    startDay: shiftDayBoundary(range.startDay, -12),
    endDay: shiftDayBoundary(range.endDay, -12),
  };
}

/** Inclusive display form of a day range, e.g. { start: "2025-01-01", end: "2025-12-31" }. */
export function describeRange(range: DayRange): { start: string; end: string } {
  return { start: formatDay(range.startDay), end: formatDay(range.endDay - 1) };
}

// ---------------------------------------------------------------------------------------------
// Zone offsets.

/**
 * Resolves and validates an IANA zone name ("Asia/Tokyo", "UTC", …).
 * Throws a RangeError naming the zone when Intl does not know it.
 */
export function resolveTimeZone(timeZone: string): string {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone }).resolvedOptions().timeZone;
  } catch {
    throw new RangeError(
      `Unknown time zone "${timeZone}": expected an IANA name such as "Asia/Tokyo"`,
    );
  }
}

/** Reads the UTC offset of a zone from Intl: the slow path, called O(days), never per order. */
function intlOffsetReader(timeZone: string): (ms: number) => number {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    era: "short",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  const scratch = new Date(0);
  return (ms: number): number => {
    const whole = Math.floor(ms / 1000) * 1000;
    let year = 0;
    let month = 1;
    let day = 1;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let bc = false;
    for (const part of format.formatToParts(whole)) {
      switch (part.type) {
        case "year":
          year = Number(part.value);
          break;
        case "month":
          month = Number(part.value);
          break;
        case "day":
          day = Number(part.value);
          break;
        case "hour":
          hour = Number(part.value) % 24;
          break;
        case "minute":
          minute = Number(part.value);
          break;
        case "second":
          second = Number(part.value);
          break;
        case "era":
          bc = part.value.startsWith("B");
          break;
        default:
          break;
      }
    }
    // setUTCFullYear keeps years 0..99 literal, unlike Date.UTC.
    scratch.setTime(0);
    scratch.setUTCFullYear(bc ? 1 - year : year, month - 1, day);
    scratch.setUTCHours(hour, minute, second, 0);
    return scratch.getTime() - whole;
  };
}

/**
 * Calendar of one zone. Offsets are cached per UTC day: the offset at the day's start, and
 * the instant and new offset of the (at most one) transition inside that day. Zones never
 * change offset twice within 24 h, so this is exact for real tz data.
 */
class ZoneCalendar implements Calendar {
  readonly timeZone: string;
  private readonly readOffset: (ms: number) => number;
  /** UTC day number of cache slot 0. */
  private firstUtcDay = 0;
  private cachedDays = 0;
  private offsetAtStart = new Int32Array(0);
  private transitionAt = new Float64Array(0);
  private offsetAfter = new Int32Array(0);
  private readonly cacheMinDay = dayFromCivil(CACHE_MIN_YEAR, 1, 1);
  private readonly cacheMaxDay = dayFromCivil(CACHE_MAX_YEAR + 1, 1, 1);

  constructor(timeZone: string) {
    this.timeZone = resolveTimeZone(timeZone);
    this.readOffset = intlOffsetReader(this.timeZone);
    // Bound so that `calendar.dayOf` can be passed around as a plain function.
    this.offsetMs = this.offsetMs.bind(this);
    this.dayOf = this.dayOf.bind(this);
    this.monthOf = this.monthOf.bind(this);
    this.yearOf = this.yearOf.bind(this);
    this.daysOf = this.daysOf.bind(this);
    this.dayStartMs = this.dayStartMs.bind(this);
    this.monthStartMs = this.monthStartMs.bind(this);
  }

  offsetMs(ms: number): number {
    const utcDay = Math.floor(ms / MS_PER_DAY);
    let slot = utcDay - this.firstUtcDay;
    if (!(slot >= 0 && slot < this.cachedDays)) {
      if (!(utcDay >= this.cacheMinDay && utcDay < this.cacheMaxDay)) {
        if (!Number.isFinite(ms)) throw new RangeError(`Invalid instant ${ms}`);
        return this.readOffset(ms);
      }
      this.cover(utcDay);
      slot = utcDay - this.firstUtcDay;
    }
    return ms >= this.transitionAt[slot] ? this.offsetAfter[slot] : this.offsetAtStart[slot];
  }

  dayOf(ms: number): number {
    return Math.floor((ms + this.offsetMs(ms)) / MS_PER_DAY);
  }

  monthOf(ms: number): number {
    return monthOfDay(this.dayOf(ms));
  }

  yearOf(ms: number): number {
    return yearOfDay(this.dayOf(ms));
  }

  daysOf(ms: Float64Array): Int32Array {
    const out = new Int32Array(ms.length);
    for (let i = 0; i < ms.length; i++) out[i] = this.dayOf(ms[i]);
    return out;
  }

  dayStartMs(day: number): number {
    const localMidnight = day * MS_PER_DAY;
    // Each offset in force near local midnight gives a candidate instant; keep the earliest
    // instant that really is local midnight (two exist when clocks fall back over midnight).
    let best = Infinity;
    // The UTC days around these three probes cover every instant within ±15 h of midnight.
    for (const probe of [
      localMidnight - MAX_OFFSET_MS,
      localMidnight,
      localMidnight + MAX_OFFSET_MS,
    ]) {
      for (const offset of this.offsetsNear(probe)) {
        const candidate = localMidnight - offset;
        if (candidate < best && this.offsetMs(candidate) === offset) best = candidate;
      }
    }
    if (best !== Infinity) return best;
    // Midnight skipped (clocks jumped over it): the day starts at the jump.
    let lo = localMidnight - MAX_OFFSET_MS;
    let hi = localMidnight + MAX_OFFSET_MS;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.dayOf(mid) >= day) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  monthStartMs(month: number): number {
    return this.dayStartMs(firstDayOfMonth(month));
  }

  /** Offsets in force during the UTC day containing ms. */
  private offsetsNear(ms: number): number[] {
    const dayStart = Math.floor(ms / MS_PER_DAY) * MS_PER_DAY;
    return [this.offsetMs(dayStart), this.offsetMs(dayStart + MS_PER_DAY - 1)];
  }

  /** Extends the cache, a whole UTC year at a time, so that it contains utcDay. */
  private cover(utcDay: number): void {
    const year = yearOfDay(utcDay);
    const wantFirst = Math.max(this.cacheMinDay, dayFromCivil(year, 1, 1));
    const wantEnd = Math.min(this.cacheMaxDay, dayFromCivil(year + 1, 1, 1));
    const oldFirst = this.firstUtcDay;
    const oldEnd = oldFirst + this.cachedDays;
    const first = this.cachedDays === 0 ? wantFirst : Math.min(oldFirst, wantFirst);
    const end = this.cachedDays === 0 ? wantEnd : Math.max(oldEnd, wantEnd);
    const n = end - first;
    const offsetAtStart = new Int32Array(n);
    const transitionAt = new Float64Array(n);
    const offsetAfter = new Int32Array(n);
    if (this.cachedDays > 0) {
      offsetAtStart.set(this.offsetAtStart, oldFirst - first);
      transitionAt.set(this.transitionAt, oldFirst - first);
      offsetAfter.set(this.offsetAfter, oldFirst - first);
    }
    const fill = (from: number, to: number): void => {
      if (from >= to) return;
      let next = this.readOffset(from * MS_PER_DAY);
      for (let d = from; d < to; d++) {
        const current = next;
        next = this.readOffset((d + 1) * MS_PER_DAY);
        const slot = d - first;
        offsetAtStart[slot] = current;
        offsetAfter[slot] = next;
        transitionAt[slot] =
          current === next ? Infinity : this.findTransition(d * MS_PER_DAY, current);
      }
    };
    if (this.cachedDays === 0) {
      fill(first, end);
    } else {
      fill(first, oldFirst);
      fill(oldEnd, end);
    }
    this.firstUtcDay = first;
    this.cachedDays = n;
    this.offsetAtStart = offsetAtStart;
    this.transitionAt = transitionAt;
    this.offsetAfter = offsetAfter;
  }

  /** First whole second in [start, start + 1 day] whose offset differs from `before`. */
  private findTransition(start: number, before: number): number {
    let lo = start / 1000; // offset(lo) === before
    let hi = (start + MS_PER_DAY) / 1000; // offset(hi) !== before
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.readOffset(mid * 1000) === before) lo = mid;
      else hi = mid;
    }
    return hi * 1000;
  }
}

/**
 * A calendar for an IANA zone. Throws a RangeError for an unknown zone.
 * Cheap to create; offsets are computed on first use, ~2 ms per calendar year touched.
 */
export function createCalendar(timeZone: string): Calendar {
  return new ZoneCalendar(timeZone);
}
