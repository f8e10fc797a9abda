/**
 * The chaos run of issue 9 in small (test/reliability/chaos.ts; the figures at 50k
 * customers are `npm run bench:reliability`; `npm test` runs a reduced variant, `npm run
 * bench:full` this file's full one, test/helpers/variant.ts): real worker processes SIGKILLed and
 * restarted, a private Redis restarted empty, 20 % Admin API faults, webhooks duplicated,
 * shuffled and delayed, a bulk operation failing once, merchant actions and simulated
 * days — and in the end nothing lost, nothing doubled, segments equal to a clean recompute.
 *
 * On PostgreSQL (DATABASE_URL postgresql://…) the run uses a private cluster of its own
 * (initdb in a temp dir), whatever database the suite uses, and crashes and restarts it
 * twice. On SQLite there is no server to restart: the run uses a database file of its own
 * beside the suite's, and only workers and Redis are restarted.
 */
import { afterAll, describe, expect, it } from "vitest";
import { isPostgresUrl } from "../../prisma/database-url.mjs";
import { privateDatabase } from "../helpers/private-database";
import { variant } from "../helpers/variant";
import { formatReport, runChaos } from "./chaos";

const suiteUrl = process.env.DATABASE_URL!;
const onPostgres = isPostgresUrl(suiteUrl);
// On SQLite a database of its own: the worker processes resume the unfinished work of every
// installed shop at start, which in the shared database would be other test files' shops.
const database = onPostgres ? undefined : await privateDatabase("chaos");
afterAll(() => database?.drop());

describe("the chaos run", () => {
  it("ends with the database equal to Shopify and the segments equal to a clean recompute", async () => {
    const report = await runChaos({
      // The reduced variant (`npm test`): a smaller shop on Shopify Plus's rate limit, whose
      // order webhooks' Admin API reads are not paced to a few a second; the same faults.
      customers: variant(4_000, 2_500),
      plan: variant("shopify", "plus"),
      // One simulated day after the backfill still holds a Redis and a PostgreSQL restart, a
      // nightly reconciliation and 30 merchant actions; the full variant has two.
      days: variant(2, 1),
      maxBackfillSteps: 120,
      stepsPerDay: 4,
      stepPauseMs: 2_500,
      workers: 2,
      killEveryMs: [4_000, 9_000],
      apiFaultRate: 0.2,
      redisRestarts: 2,
      postgresRestarts: onPostgres ? 2 : 0,
      postgres: database ? { url: database.url } : "private",
      seed: 11,
      merchantActionsPerDay: 30,
      retryNowAfterFaults: true,
      // A stuck convergence throws what is pending within the test's timeout.
      convergeTimeoutMs: 120_000,
      // Its stages, as they happen: a run cut by the test timeout shows where it was.
      log: (line) => console.log(`[chaos] ${line}`),
    });
    const summary = formatReport(report);
    console.log(summary);

    // The faults did happen…
    expect(report.faults.workerKills, summary).toBeGreaterThan(0);
    expect(report.faults.redisRestarts, summary).toBe(2);
    expect(report.faults.postgresRestarts, summary).toBe(onPostgres ? 2 : 0);
    expect(report.faults.api.bulkFail, summary).toBe(1);
    expect(report.faults.api.http5xx! + report.faults.api.http429!, summary).toBeGreaterThan(0);
    expect(report.faults.webhookDuplicates, summary).toBeGreaterThan(0);
    // …and left no trace.
    expect(report.truth.checked.orders, summary).toBeGreaterThan(5_000);
    expect(report.truth.checked.customers, summary).toBeGreaterThan(2_000);
    expect(
      {
        lost: report.truth.lost,
        duplicated: report.truth.duplicated,
        mismatched: report.truth.mismatched,
      },
      summary,
    ).toEqual({ lost: 0, duplicated: 0, mismatched: 0 });
    expect(report.segments.rows, summary).toBeGreaterThan(1_000);
    expect(report.segments.cleanRows, summary).toBe(report.segments.rows);
    expect(report.segments.examples, summary).toEqual([]);
    expect(report.segments.differing, summary).toBe(0);
  }, 360_000);
});
