/**
 * Reduced and full variants of the slow suites (issue 20). `npm test` runs the reduced ones
 * (fewer property-test runs, smaller shops, fewer simulated steps) so the whole suite stays
 * within 8 minutes on a 2-core machine; `npm run bench:full` runs the files that use this
 * module with KIZUNA_TEST_FULL=1, their full variants. A reduced variant makes the same
 * assertions on the same code paths, only on less input.
 */
export const FULL = process.env.KIZUNA_TEST_FULL === "1";

/** `full` under `npm run bench:full`, `reduced` under `npm test`. */
export function variant<T>(full: T, reduced: T): T {
  return FULL ? full : reduced;
}
