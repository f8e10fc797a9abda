/**
 * The order test files start in (vitest.config.ts `sequence.sequencer`): longest first, so
 * that the two workers stay busy to the end instead of one running a long file alone while
 * the other has finished. Vitest's own order is longest first by the durations of the last
 * run in this checkout (node_modules/.vite/vitest), and largest file first without them — a
 * fresh clone then started the chaos test (short file, longest run) among the last (decision
 * 0068). Files without a duration from the last run take it from PROFILE; files in neither
 * come after, in Vitest's order.
 */
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Seconds per file (collect and tests) on PostgreSQL on a 2-core machine, 2026-12-06, files
 * over 15 s: only their order matters. Refresh when a file's time changes a lot.
 */
const PROFILE: Readonly<Record<string, number>> = {
  "test/e2e/pages.test.ts": 70,
  "test/e2e/trends.test.ts": 57,
  "test/jobs/workers.test.ts": 54,
  "test/jobs/segment-tags.test.ts": 45,
  "test/e2e/acquisition.test.ts": 44,
  "test/sync/tags-flow-trigger.test.ts": 44,
  "test/reliability/chaos.test.ts": 42,
  "test/security/fuzz.test.ts": 40,
  "test/lifecycle/worker-shutdown.test.ts": 38,
  "test/sync/faults.test.ts": 34,
  "test/sync/crash.test.ts": 32,
  "test/sync/webhooks.test.ts": 30,
  "test/e2e/settings.test.ts": 28,
  "test/e2e/channel-rules.test.ts": 22,
  "test/lifecycle/reaping.test.ts": 22,
  "test/lifecycle/app-shutdown.test.ts": 21,
  "test/e2e/insights.test.ts": 18,
  "test/e2e/demo.test.ts": 17,
  "test/jobs/webhook-recompute.test.ts": 17,
  "test/foundation/dotenv.test.ts": 17,
  "test/jobs/redis-restart.test.ts": 17,
  "test/security/routes.test.ts": 16,
  "test/clv/intervals.test.ts": 16,
  "test/security/logs.test.ts": 15,
};

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const root = this.ctx.config.root;
    const estimate = (spec: TestSpecification): number | undefined => {
      const path = relative(root, spec.moduleId);
      const last = this.ctx.cache.getFileTestResults(`${spec.project.name}:${path}`);
      return last?.duration ?? (PROFILE[path] === undefined ? undefined : PROFILE[path] * 1000);
    };
    const known = base.flatMap((spec) => {
      const ms = estimate(spec);
      return ms === undefined ? [] : [{ spec, ms }];
    });
    known.sort((a, b) => b.ms - a.ms);
    const first = new Set(known.map((k) => k.spec));
    return [...known.map((k) => k.spec), ...base.filter((spec) => !first.has(spec))];
  }
}
