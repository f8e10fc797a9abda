/**
 * Vitest setup (every test file): every property test draws from the run's seed, so a seed
 * fully determines a run and a red CI reproduces with `KIZUNA_TEST_SEED=<seed>`.
 * vitest.config.ts resolves the seed once per run (a fixed default, a number, or "random").
 */
import fc from "fast-check";

const seed = Number(process.env.KIZUNA_TEST_SEED);
if (!Number.isSafeInteger(seed)) {
  throw new Error(
    `KIZUNA_TEST_SEED must be an integer, got ${String(process.env.KIZUNA_TEST_SEED)}`,
  );
}
fc.configureGlobal({ seed });
