// `npm run test:anchors [-- vitest args]`: the suite at dates where calendars break —
// 29 February, the US and EU daylight-saving changes, the turn of the year in Tokyo.
// Each run is the ordinary `vitest run` with its virtual clock anchored at that date
// (test/setup/virtual-clock.mjs). KIZUNA_TEST_ANCHORS="iso,iso" picks others.
import { spawnSync } from "node:child_process";

const DEFAULT_ANCHORS = [
  "2028-02-29T03:00:00.000Z", // 29 Feb, noon in Tokyo
  "2026-03-08T07:30:00.000Z", // New York and Toronto just moved to daylight time
  "2026-10-25T01:30:00.000Z", // Berlin and London just left daylight time
  "2026-12-31T15:30:00.000Z", // 00:30 on 1 January in Tokyo, still 2026 in UTC
];
const anchors = process.env.KIZUNA_TEST_ANCHORS?.split(",").filter(Boolean) ?? DEFAULT_ANCHORS;
const failed = [];
for (const anchor of anchors) {
  if (!Number.isFinite(Date.parse(anchor))) throw new Error(`not an ISO date: ${anchor}`);
  console.log(`\n=== tests anchored at ${anchor}`);
  const run = spawnSync("npx", ["vitest", "run", ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, KIZUNA_TEST_ANCHOR: anchor },
  });
  if (run.status !== 0) failed.push(anchor);
}
if (failed.length > 0) {
  console.error(`\nfailed at: ${failed.join(", ")}`);
  process.exit(1);
}
console.log(`\nall green at ${anchors.length} anchors`);
