import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  civilFromDay,
  createCalendar,
  dayFromCivil,
  firstDayOfMonth,
  formatDay,
  formatMonth,
  lastDayOfMonthsFrom,
  monthOfDay,
  monthsBeforeDay,
  parseDay,
  parseMonth,
  previousYearRange,
  resolveTimeZone,
  shiftDayBoundary,
  trailingMonths,
  type DayRange,
} from "../../app/analytics/time";

const H = 3_600_000;

/** Reference: local date of an instant straight from Intl. */
function intlDate(timeZone: string, ms: number): string {
  const f = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  });
  return f.format(ms);
}

describe("civil date arithmetic", () => {
  it("maps known dates", () => {
    expect(dayFromCivil(1970, 1, 1)).toBe(0);
    expect(dayFromCivil(2000, 3, 1)).toBe(11_017);
    expect(dayFromCivil(1969, 12, 31)).toBe(-1);
    expect(civilFromDay(19_782)).toEqual({ year: 2024, month: 2, day: 29 });
    expect(formatDay(parseDay("2024-02-29"))).toBe("2024-02-29");
    expect(formatMonth(parseMonth("2025-12"))).toBe("2025-12");
    expect(monthOfDay(parseDay("2025-03-31"))).toBe(2025 * 12 + 2);
    expect(firstDayOfMonth(2025 * 12 + 2)).toBe(parseDay("2025-03-01"));
  });

  it("round-trips every day over 1600..2400", () => {
    fc.assert(
      fc.property(fc.integer({ min: -135_000, max: 157_000 }), (day) => {
        const c = civilFromDay(day);
        expect(dayFromCivil(c.year, c.month, c.day)).toBe(day);
        expect(new Date(day * 86_400_000).toISOString().slice(0, 10)).toBe(formatDay(day));
      }),
    );
  });

  it("rejects malformed months and dates", () => {
    expect(() => parseMonth("2025-13")).toThrow(/Invalid month/);
    expect(() => parseMonth("2025-1")).toThrow(/Invalid month/);
    expect(() => parseDay("2025-02-30")).toThrow(/Invalid date/);
  });

  it("shifts day boundaries by calendar months and ranges by a year", () => {
    const shift = (day: string, months: number) =>
      formatDay(shiftDayBoundary(parseDay(day), months));
    expect(shift("2025-01-31", 1)).toBe("2025-03-01"); // no 31 Feb: the boundary ends February
    expect(shift("2024-02-29", -12)).toBe("2023-03-01");
    expect(shift("2024-03-01", -12)).toBe("2023-03-01");
    expect(shift("2024-02-28", -12)).toBe("2023-02-28");
    expect(shift("2025-05-15", -3)).toBe("2025-02-15");
    const prev = previousYearRange({
      startDay: parseDay("2025-01-01"),
      endDay: parseDay("2026-01-01"),
    });
    expect(formatDay(prev.startDay)).toBe("2024-01-01");
    expect(formatDay(prev.endDay)).toBe("2025-01-01");
  });
});

/** Shop-local days of 2020-01-01 … 2030-12-31. */
const FIRST_DAY = parseDay("2020-01-01");
const LAST_DAY = parseDay("2030-12-31");
const WINDOW_ZONES = [
  "Asia/Tokyo",
  "America/New_York",
  "Europe/London",
  "Australia/Lord_Howe", // 30-minute DST shift
  "UTC",
];

const daysInMonth = (year: number, month: number) =>
  new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * Reference start of the 12 months ending on `day`, from Date's own calendar: the day after
 * the same date a year earlier, where "the same date" of a month's last day is the last day
 * of that month a year earlier (and 29 Feb, which the earlier year lacks, is 28 Feb).
 */
function referenceStart(day: number): string {
  const d = new Date(day * 86_400_000);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  const date = d.getUTCDate();
  const before = daysInMonth(year - 1, month);
  const same = date === daysInMonth(year, month) ? before : Math.min(date, before);
  return new Date(Date.UTC(year - 1, month - 1, same + 1)).toISOString().slice(0, 10);
}

const feb29s = (range: DayRange) => {
  let n = 0;
  for (let d = range.startDay; d < range.endDay; d++) if (formatDay(d).endsWith("-02-29")) n++;
  return n;
};
const length = (range: DayRange) => range.endDay - range.startDay;
const isLeap = (year: number) => daysInMonth(year, 2) === 29;

describe("period windows", () => {
  it("the 12 months ending 28 Feb of a leap year start on 1 Mar, not 28 Feb", () => {
    const window = (asOf: string) => {
      const w = trailingMonths(parseDay(asOf), 12);
      return [formatDay(w.startDay), formatDay(w.endDay - 1)];
    };
    expect(window("2024-02-28")).toEqual(["2023-03-01", "2024-02-28"]);
    expect(window("2024-02-29")).toEqual(["2023-03-01", "2024-02-29"]);
    expect(window("2025-02-28")).toEqual(["2024-03-01", "2025-02-28"]);
    expect(window("2025-02-27")).toEqual(["2024-02-28", "2025-02-27"]);
    expect(window("2025-06-30")).toEqual(["2024-07-01", "2025-06-30"]);
    expect(window("2025-05-30")).toEqual(["2024-05-31", "2025-05-30"]);
    expect(formatDay(monthsBeforeDay(parseDay("2025-02-28"), 12))).toBe("2024-02-29");
    expect(formatDay(monthsBeforeDay(parseDay("2024-02-29"), 12))).toBe("2023-02-28");
    expect(formatDay(monthsBeforeDay(parseDay("2025-05-31"), 1))).toBe("2025-04-30");
    // The previous year of the 12 months ending 28 Feb 2024 ends where they start.
    const prev = previousYearRange(trailingMonths(parseDay("2024-02-28"), 12));
    expect([formatDay(prev.startDay), formatDay(prev.endDay)]).toEqual([
      "2022-03-01",
      "2023-03-01",
    ]);
  });

  it("every as-of day of 2020–2030 in five zones: exactly the 12 months ending on it", () => {
    for (const zone of WINDOW_ZONES) {
      const cal = createCalendar(zone);
      const local = new Intl.DateTimeFormat("en-CA", {
        timeZone: zone,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
      });
      const dateAt = (ms: number) => local.format(ms);
      for (let day = FIRST_DAY; day <= LAST_DAY; day++) {
        const label = `${zone} ${formatDay(day)}`;
        // The first and last instants of the local day are as-of instants of that day.
        const first = cal.dayStartMs(day);
        const last = cal.dayStartMs(day + 1) - 1;
        expect(dateAt(first), label).toBe(formatDay(day));
        expect(dateAt(last), label).toBe(formatDay(day));
        expect(dateAt(first - 1), label).toBe(formatDay(day - 1));
        const asOfDay = cal.dayOf(last);
        expect(cal.dayOf(first), label).toBe(asOfDay);

        const w = trailingMonths(asOfDay, 12);
        expect(w.endDay, label).toBe(day + 1);
        expect(formatDay(w.startDay), label).toBe(referenceStart(day));
        expect(formatDay(w.startDay).endsWith("-02-29"), label).toBe(false);
        expect(length(w), label).toBe(365 + feb29s(w));
        expect(w.startDay, label).toBe(monthsBeforeDay(day, 12) + 1);
        // In instants: the window starts at the local midnight of its first day.
        const startMs = cal.dayStartMs(w.startDay);
        expect(dateAt(startMs), label).toBe(formatDay(w.startDay));
        expect(dateAt(startMs - 1), label).toBe(formatDay(w.startDay - 1));

        // A window ending on a month's last day is exactly 12 calendar months.
        const month = monthOfDay(day);
        if (day === firstDayOfMonth(month + 1) - 1) {
          expect(w.startDay, label).toBe(firstDayOfMonth(month - 11));
          // … and the month windows of the 12 month ends tile it.
          let end = w.endDay;
          for (let k = 0; k < 12; k++) {
            const m = trailingMonths(end - 1, 1);
            expect(m.endDay, label).toBe(end);
            expect(m.startDay, label).toBe(firstDayOfMonth(month - k));
            end = m.startDay;
          }
          expect(end, label).toBe(w.startDay);
        }

        // The previous year tiles with it: it is the window of the as-of day a year earlier.
        const previous = previousYearRange(w);
        expect(previous.endDay, label).toBe(w.startDay);
        expect(previous, label).toEqual(trailingMonths(monthsBeforeDay(day, 12), 12));
        expect(length(previous), label).toBe(365 + feb29s(previous));

        // The next day's window slides by one day, except around 29 Feb: 28 and 29 Feb of a
        // leap year both start on 1 Mar, and 28 Feb 2024 leaves with 29 Feb a year later.
        const next = trailingMonths(day + 1, 12);
        const step = next.startDay - w.startDay;
        const startDate = civilFromDay(w.startDay);
        const expected = formatDay(day + 1).endsWith("-02-29")
          ? 0
          : startDate.month === 2 && startDate.day === 28 && isLeap(startDate.year)
            ? 2
            : 1;
        expect(step, label).toBe(expected);
      }
    }
  });

  it("the migration page's longest period: the latest as-of day a year from a start day", () => {
    for (let start = FIRST_DAY; start <= LAST_DAY; start++) {
      const last = lastDayOfMonthsFrom(start, 12);
      const label = formatDay(start);
      // (start, last] fits the year before it; one more day would not.
      const fits = { startDay: start, endDay: last + 1 };
      expect(previousYearRange(fits).endDay, label).toBeLessThanOrEqual(start);
      expect(trailingMonths(last, 12).startDay, label).toBeLessThanOrEqual(start);
      expect(trailingMonths(last + 1, 12).startDay, label).toBeGreaterThan(start);
      expect(
        previousYearRange({ startDay: start, endDay: last + 2 }).endDay,
        label,
      ).toBeGreaterThan(start);
      // It is the whole 12-month window of `last`, except from 29 Feb: no window starts on
      // 29 Feb (the 12 months ending 28 Feb start on 1 Mar), so a period from 29 Feb ends on
      // 27 Feb at the latest, a day short of the window it lies in.
      const gap = start - trailingMonths(last, 12).startDay;
      expect(gap, label).toBe(label.endsWith("-02-29") ? 1 : 0);
    }
    expect(formatDay(lastDayOfMonthsFrom(parseDay("2024-03-01"), 12))).toBe("2025-02-28");
    expect(formatDay(lastDayOfMonthsFrom(parseDay("2024-02-29"), 12))).toBe("2025-02-27");
    expect(formatDay(lastDayOfMonthsFrom(parseDay("2025-01-02"), 12))).toBe("2026-01-01");
  });
});

describe("createCalendar", () => {
  it("rejects unknown zones with a clear error and canonicalises known ones", () => {
    expect(() => createCalendar("Mars/Olympus_Mons")).toThrow(
      /Unknown time zone "Mars\/Olympus_Mons"/,
    );
    expect(() => createCalendar("")).toThrow(RangeError);
    expect(resolveTimeZone("asia/tokyo")).toBe("Asia/Tokyo");
    expect(createCalendar("UTC").dayOf(0)).toBe(0);
  });

  it("puts Tokyo midnight at 15:00 UTC of the previous day", () => {
    const tokyo = createCalendar("Asia/Tokyo");
    const midnight = Date.parse("2024-12-31T15:00:00Z");
    expect(tokyo.dayOf(midnight)).toBe(parseDay("2025-01-01"));
    expect(tokyo.dayOf(midnight - 1)).toBe(parseDay("2024-12-31"));
    expect(tokyo.monthOf(midnight)).toBe(2025 * 12);
    expect(tokyo.monthOf(midnight - 1)).toBe(2024 * 12 + 11);
    expect(tokyo.yearOf(midnight)).toBe(2025);
    expect(tokyo.yearOf(midnight - 1)).toBe(2024);
    expect(tokyo.dayStartMs(parseDay("2025-01-01"))).toBe(midnight);
    expect(tokyo.monthStartMs(2025 * 12)).toBe(midnight);
    expect(tokyo.offsetMs(midnight)).toBe(9 * H);
  });

  it("follows New York across both DST changes", () => {
    const ny = createCalendar("America/New_York");
    // 2024-03-10: clocks go 02:00 EST → 03:00 EDT at 07:00 UTC; the day has 23 hours.
    const mar10 = parseDay("2024-03-10");
    expect(ny.dayStartMs(mar10)).toBe(Date.parse("2024-03-10T05:00:00Z"));
    expect(ny.dayStartMs(mar10 + 1)).toBe(Date.parse("2024-03-11T04:00:00Z"));
    expect(ny.offsetMs(Date.parse("2024-03-10T06:59:59Z"))).toBe(-5 * H);
    expect(ny.offsetMs(Date.parse("2024-03-10T07:00:00Z"))).toBe(-4 * H);
    expect(ny.dayOf(Date.parse("2024-03-11T03:59:59.999Z"))).toBe(mar10);
    expect(ny.dayOf(Date.parse("2024-03-11T04:00:00Z"))).toBe(mar10 + 1);
    // 2024-11-03: 02:00 EDT → 01:00 EST at 06:00 UTC; the day has 25 hours.
    const nov3 = parseDay("2024-11-03");
    expect(ny.dayStartMs(nov3)).toBe(Date.parse("2024-11-03T04:00:00Z"));
    expect(ny.dayStartMs(nov3 + 1)).toBe(Date.parse("2024-11-04T05:00:00Z"));
    expect(ny.dayOf(Date.parse("2024-11-04T04:59:59.999Z"))).toBe(nov3);
    // New Year's midnight in winter time.
    expect(ny.monthStartMs(2025 * 12)).toBe(Date.parse("2025-01-01T05:00:00Z"));
  });

  it("starts a day whose midnight is skipped at the jump (Santiago, Sep 2024)", () => {
    const santiago = createCalendar("America/Santiago");
    // 2024-09-08 00:00 −04 does not exist: clocks jump to 01:00 −03 at 04:00 UTC.
    const day = parseDay("2024-09-08");
    expect(santiago.dayStartMs(day)).toBe(Date.parse("2024-09-08T04:00:00Z"));
    expect(santiago.dayOf(Date.parse("2024-09-08T03:59:59Z"))).toBe(day - 1);
    expect(santiago.dayOf(Date.parse("2024-09-08T04:00:00Z"))).toBe(day);
  });

  it("starts a day whose midnight happens twice at the first one (Havana, Nov 2024)", () => {
    const havana = createCalendar("America/Havana");
    // 2024-11-03 01:00 CDT falls back to 00:00 CST: midnight at 04:00 and 05:00 UTC.
    const day = parseDay("2024-11-03");
    expect(havana.dayStartMs(day)).toBe(Date.parse("2024-11-03T04:00:00Z"));
    expect(havana.dayOf(Date.parse("2024-11-03T05:30:00Z"))).toBe(day);
    expect(havana.dayStartMs(day + 1)).toBe(Date.parse("2024-11-04T05:00:00Z"));
  });

  it("agrees with Intl on random instants in DST and non-DST zones", () => {
    const zones = ["America/New_York", "Asia/Tokyo", "Europe/London", "Australia/Lord_Howe"];
    const calendars = zones.map((z) => createCalendar(z));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: zones.length - 1 }),
        fc.integer({ min: Date.parse("1995-01-01"), max: Date.parse("2035-01-01") }),
        (z, ms) => {
          const cal = calendars[z];
          const day = cal.dayOf(ms);
          expect(formatDay(day)).toBe(intlDate(zones[z], ms));
          expect(cal.dayStartMs(day)).toBeLessThanOrEqual(ms);
          expect(cal.dayStartMs(day + 1)).toBeGreaterThan(ms);
          expect(cal.dayOf(cal.dayStartMs(day))).toBe(day);
          expect(cal.dayOf(cal.dayStartMs(day) - 1)).toBe(day - 1);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("converts arrays and works when methods are detached", () => {
    const { dayOf, daysOf } = createCalendar("Asia/Tokyo");
    const at = Float64Array.of(
      Date.parse("2024-06-30T14:59:59Z"),
      Date.parse("2024-06-30T15:00:00Z"),
    );
    expect(Array.from(daysOf(at))).toEqual([parseDay("2024-06-30"), parseDay("2024-07-01")]);
    expect(dayOf(at[1])).toBe(parseDay("2024-07-01"));
  });

  it("handles instants outside the cached years", () => {
    const tokyo = createCalendar("Asia/Tokyo");
    const ms = Date.parse("2300-01-01T00:00:00Z");
    expect(formatDay(tokyo.dayOf(ms))).toBe(intlDate("Asia/Tokyo", ms));
    expect(() => tokyo.dayOf(Number.NaN)).toThrow(RangeError);
  });
});
