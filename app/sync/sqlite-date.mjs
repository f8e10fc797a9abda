/**
 * Epoch milliseconds → the text Prisma's SQLite adapter stores for a DateTime
 * ("2026-01-02T03:04:05.678+00:00"). A backfill writes three per order: through
 * toISOString they were an eighth of the writing thread's time, so the date part is
 * cached per day and the time of day is built from two-digit parts.
 */
const DAY_MS = 86_400_000;
const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));
/** Days since 1970 → "YYYY-MM-DDT"; bounded so an odd file cannot grow it without end. */
const dayPrefixes = new Map();
const MAX_CACHED_DAYS = 50_000;
/** Years 0000–9999: outside them toISOString writes extended years (±YYYYYY). */
const MIN_MS = -62_167_219_200_000;
const MAX_MS = 253_402_300_800_000;

/** @param {number} ms */
export function sqliteDate(ms) {
  if (!(ms >= MIN_MS && ms < MAX_MS) || !Number.isInteger(ms)) {
    return `${new Date(ms).toISOString().slice(0, -1)}+00:00`;
  }
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    if (dayPrefixes.size < MAX_CACHED_DAYS) dayPrefixes.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  return `${prefix}${PAD2[hours]}:${PAD2[minutes]}:${PAD2[seconds]}.${PAD3[millis]}+00:00`;
}
