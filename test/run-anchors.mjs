// `npm run test:anchors [-- vitest args]`: the suite at dates where calendars break —
// 29 February, the US and EU daylight-saving changes, the turn of the year in Tokyo.
// Each run is the ordinary `vitest run` with its virtual clock anchored at that date
// (test/setup/virtual-clock.mjs). KIZUNA_TEST_ANCHORS="iso,iso" picks others.
import { spawn } from "node:child_process";

const DEFAULT_ANCHORS = [
  "2028-02-29T03:00:00.000Z", // 29 Feb, noon in Tokyo
  "2026-03-08T07:30:00.000Z", // New York and Toronto just moved to daylight time
  "2026-10-25T01:30:00.000Z", // Berlin and London just left daylight time
  "2026-12-31T15:30:00.000Z", // 00:30 on 1 January in Tokyo, still 2026 in UTC
];
const anchors = process.env.KIZUNA_TEST_ANCHORS?.split(",").filter(Boolean) ?? DEFAULT_ANCHORS;

/** One `vitest run` at the anchor, echoed as it runs; resolves to its status and output. */
function runAt(anchor) {
  return new Promise((resolve) => {
    const child = spawn("npx", ["vitest", "run", ...process.argv.slice(2)], {
      stdio: ["inherit", "pipe", "pipe"],
      env: { ...process.env, KIZUNA_TEST_ANCHOR: anchor },
    });
    const chunks = [];
    const keep = (stream, sink) =>
      stream.on("data", (chunk) => {
        sink.write(chunk);
        chunks.push(chunk);
      });
    keep(child.stdout, process.stdout);
    keep(child.stderr, process.stderr);
    child.on("close", (status) => resolve({ status, output: Buffer.concat(chunks).toString() }));
  });
}

const failed = [];
for (const anchor of anchors) {
  if (!Number.isFinite(Date.parse(anchor))) throw new Error(`not an ISO date: ${anchor}`);
  console.log(`\n=== tests anchored at ${anchor}`);
  const run = await runAt(anchor);
  if (run.status !== 0) failed.push({ anchor, output: run.output });
}
if (failed.length > 0) {
  // Later anchors' output pushes a failure off a log's tail: say it again at the end.
  for (const { anchor, output } of failed) {
    const from = output.lastIndexOf("Failed Tests");
    const report = from >= 0 ? output.slice(from) : output.slice(-8_000);
    console.error(`\n=== what failed at ${anchor}\n${report.slice(0, 20_000)}`);
  }
  console.error(`\nfailed at: ${failed.map((f) => f.anchor).join(", ")}`);
  process.exit(1);
}
console.log(`\nall green at ${anchors.length} anchors`);
