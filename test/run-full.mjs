// `npm run bench:full [-- vitest args]`: the full variants of the slow suites (issue 20) —
// every test file that imports test/helpers/variant.ts, run with KIZUNA_TEST_FULL=1 (10,000
// fuzz cases, full property-test runs, larger shops). `npm test` runs their reduced variants.
// Arguments go to vitest (e.g. a file name to run only that file's full variant).
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dirname, "..");
const files = readdirSync(join(root, "test"), { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && /\.test\.tsx?$/.test(entry.name))
  .map((entry) => join(entry.parentPath, entry.name))
  .filter((file) => readFileSync(file, "utf8").includes("helpers/variant"))
  .map((file) => relative(root, file))
  .sort();
const args = process.argv.slice(2);
// Named files (or filters) choose among them; otherwise all of them.
const chosen = args.some((a) => !a.startsWith("-")) ? [] : files;
console.log(`full variants: ${(chosen.length > 0 ? chosen : args).join(" ")}`);
const child = spawn("npx", ["vitest", "run", ...chosen, ...args], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, KIZUNA_TEST_FULL: "1" },
});
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
