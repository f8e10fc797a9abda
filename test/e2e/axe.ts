/**
 * Accessibility check of a page the browser tests opened: axe-core (injected into the page
 * or frame) runs the WCAG 2.1 A/AA rules, text contrast ≥ 4.5:1 included, and the check
 * fails on every serious or critical violation, naming the rule and the offending elements.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Frame, Page } from "playwright-core";
import type { AxeResults, default as Axe } from "axe-core";

const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

/** The rules run: WCAG 2.0/2.1 levels A and AA (names, labels, contrast, structure). */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const BLOCKING = new Set(["serious", "critical"]);

/** Runs axe-core on the page (or frame) as it stands; returns the blocking violations. */
export async function axeViolations(target: Page | Frame): Promise<AxeResults["violations"]> {
  await settled(target);
  // Evaluated (not a <script> tag): the page's Content-Security-Policy does not apply.
  if (!(await target.evaluate(() => "axe" in window))) await target.evaluate(AXE_SOURCE);
  const results = await target.evaluate(
    (tags) =>
      (window as unknown as { axe: typeof Axe }).axe.run(document, {
        runOnly: { type: "tag", values: tags },
        resultTypes: ["violations"],
      }),
    TAGS,
  );
  return results.violations.filter((v) => BLOCKING.has(v.impact ?? ""));
}

/**
 * Waits for the page's finite CSS transitions and animations to end. A panel fading out
 * (Polaris' table loading row takes 100 ms) is half transparent while it goes, and axe
 * would judge its text's contrast mid-fade: the check is of the page at rest. Endless
 * animations (spinners) are left alone.
 */
async function settled(target: Page | Frame): Promise<void> {
  await target.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((a) => Number.isFinite(a.effect?.getComputedTiming().endTime ?? Infinity))
        .map((a) => a.finished.catch(() => undefined)),
    ),
  );
}

/** Fails with a readable list when the page has a serious or critical violation. */
export async function expectAccessible(target: Page | Frame, label: string): Promise<void> {
  const violations = await axeViolations(target);
  if (violations.length === 0) return;
  const lines = violations.flatMap((v) => [
    `${v.id} (${v.impact}): ${v.help}`,
    ...v.nodes
      .slice(0, 5)
      .map((n) => `  ${n.target.join(" ")}: ${n.failureSummary?.replace(/\s+/g, " ") ?? ""}`),
    ...(v.nodes.length > 5 ? [`  … and ${v.nodes.length - 5} more`] : []),
  ]);
  throw new Error(`${label}: accessibility violations\n${lines.join("\n")}`);
}
