import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addMonthsToDay,
  civilFromDay,
  createCalendar,
  dayFromCivil,
  firstDayOfMonth,
  formatDay,
  formatMonth,
  monthOfDay,
  parseDay,
  parseMonth,
  previousYearRange,
  resolveTimeZone,
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

  it("adds months clamping to the month end and shifts ranges by a year", () => {
    expect(formatDay(addMonthsToDay(parseDay("2025-01-31"), 1))).toBe("2025-02-28");
    expect(formatDay(addMonthsToDay(parseDay("2024-02-29"), -12))).toBe("2023-02-28");
    const prev = previousYearRange({
      startDay: parseDay("2025-01-01"),
      endDay: parseDay("2026-01-01"),
    });
    expect(formatDay(prev.startDay)).toBe("2024-01-01");
    expect(formatDay(prev.endDay)).toBe("2025-01-01");
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
