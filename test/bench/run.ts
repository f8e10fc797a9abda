/**
 * `npm run bench [-- name …]`: runs the benchmarks one after another, each in its own
 * process (so peak-memory figures are its own), and prints their figures. Benchmarks
 * never run as part of `npm test`.
 */
import { spawnSync } from "node:child_process";

const ALL = ["analytics", "clv", "compute", "fake-shopify", "sync", "webhooks", "pages", "tags"];
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ALL;
let failed = 0;
for (const name of chosen) {
  if (!ALL.includes(name)) {
    console.error(`Unknown benchmark "${name}". Known: ${ALL.join(", ")}`);
    process.exit(2);
  }
  console.log(`\n=== bench: ${name}`);
  const result = spawnSync(process.execPath, ["--import", "tsx", `test/bench/${name}.ts`], {
    stdio: "inherit",
  });
  if (result.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
