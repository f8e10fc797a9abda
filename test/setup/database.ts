import { join } from "node:path";
import { runDirFor } from "./reaper.mjs";

/**
 * The database a test run uses: DATABASE_URL when set (CI's PostgreSQL run), else a fresh
 * SQLite file in the run's directory ($TMPDIR/kizuna-test-run-<runner pid>, test/setup/
 * reaper.mjs): removed with it when the run ends or dies, and never shared by two runs in one
 * checkout.
 */
export function testDatabaseUrl(runnerPid = process.pid): string {
  return process.env.DATABASE_URL || `file:${join(runDirFor(runnerPid), "test.sqlite")}`;
}
