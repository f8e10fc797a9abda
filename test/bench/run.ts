/**
 * `npm run bench [-- name … [options]]`: runs the benchmarks one after another, each in its
 * own process (so peak-memory figures are its own), and prints their figures. Arguments that
 * name a benchmark choose it; every other argument (`--customers 250000`, `250000`,
 * `--reuse`) is passed on to each chosen benchmark. Benchmarks never run as part of `npm test`.
 */
import { spawnSync } from "node:child_process";

const ALL = [
  "analytics",
  "clv",
  "compute",
  "fake-shopify",
  "sync",
  "webhooks",
  "webhook-hmac",
  "pages",
  "tags",
  "exact-json",
];
const args = process.argv.slice(2);
const named = args.filter((a) => ALL.includes(a));
const passed = args.filter((a) => !ALL.includes(a));
const unknown = passed.find((a) => /^[a-z][a-z-]*$/.test(a));
if (unknown !== undefined) {
  console.error(`Unknown benchmark "${unknown}". Known: ${ALL.join(", ")}`);
  process.exit(2);
}
const chosen = named.length > 0 ? named : ALL;
let failed = 0;
for (const name of chosen) {
  console.log(`\n=== bench: ${name}`);
  const file = `test/bench/${name}.ts`;
  const result = spawnSync(process.execPath, ["--import", "tsx", file, ...passed], {
    stdio: "inherit",
  });
  if (result.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
