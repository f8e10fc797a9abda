// The test suite's virtual clock. Every test process, and every Node process a test starts
// (workers, the app server, the dev server, the fake's CLI), reads the same clock: the
// suite's anchor date ($KIZUNA_TEST_ANCHOR) plus the real time elapsed since the test file
// started. So no test depends on today's date, a seed and an anchor fully determine the
// fake shop's data, and the suite can be run at any date (npm run test:anchors).
//
// Only `Date` moves: timers, performance.now() and the services (Redis, PostgreSQL) keep
// real time, which is all relative. timekeeper's "travel" keeps the clock ticking, so
// BullMQ delays, token expiry and reconciliation windows behave as in production.
//
// Plain .mjs on purpose: child processes load it with `node --import` (NODE_OPTIONS)
// before tsx is registered.
import timekeeper from "timekeeper";

/** Milliseconds from the real clock to the suite's virtual one, shared by a test's children. */
export const OFFSET_VARIABLE = "KIZUNA_TEST_CLOCK_OFFSET_MS";

const offset = Number(process.env[OFFSET_VARIABLE]);
if (process.env[OFFSET_VARIABLE] && Number.isFinite(offset)) {
  timekeeper.travel(new Date(Date.now() + offset));
}
