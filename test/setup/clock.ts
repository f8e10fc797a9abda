/**
 * Vitest setup (every test file): puts this process and every Node process it starts on
 * the suite's virtual clock, anchored at $KIZUNA_TEST_ANCHOR (vitest.config.ts).
 */
import { fileURLToPath } from "node:url";
import timekeeper from "timekeeper";

const anchor = process.env.KIZUNA_TEST_ANCHOR;
const anchorMs = anchor === undefined ? NaN : Date.parse(anchor);
if (!Number.isFinite(anchorMs)) {
  throw new Error(`KIZUNA_TEST_ANCHOR must be an ISO date, got ${String(anchor)}`);
}
timekeeper.reset();
process.env.KIZUNA_TEST_CLOCK_OFFSET_MS = String(anchorMs - Date.now());
timekeeper.travel(new Date(anchorMs));

// Children (workers, servers, tsx scripts) start on the same clock.
const hook = `--import=${fileURLToPath(new URL("./virtual-clock.mjs", import.meta.url))}`;
const options = process.env.NODE_OPTIONS ?? "";
if (!options.includes(hook)) process.env.NODE_OPTIONS = `${options} ${hook}`.trim();
