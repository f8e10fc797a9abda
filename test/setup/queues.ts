/**
 * Vitest setup (every test file): the file's queues live under a prefix of its worker slot.
 * Test files run two at a time (vitest.config.ts); without this, one file's BullMQ workers
 * would take the jobs another file enqueued at the same time. Every slot's prefix starts with
 * the run's, so the run's teardown (or its watchdog) removes them all.
 */
const runPrefix = (process.env.KIZUNA_RUN_QUEUE_PREFIX ??= process.env.QUEUE_PREFIX);
if (runPrefix) process.env.QUEUE_PREFIX = `${runPrefix}-slot${process.env.VITEST_POOL_ID ?? 0}`;
