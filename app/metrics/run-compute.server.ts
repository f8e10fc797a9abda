/**
 * What a compute job does for a shop, around the compute itself (compute.server.ts): skip a
 * shop that is not installed, wait while a backfill runs, stamp computeStartedAt, compute,
 * hand the segments to tag sync, and ask to run again when a change landed meanwhile
 * (computeRequestedAt later than the start; the debounce rules are app/jobs/compute.server.ts).
 * The BullMQ processor (workers/processors/compute.ts) only turns the answer into a delay.
 */
import prisma from "../db.server";
import { computeTiming, recomputeAt } from "../jobs/compute.server";
import { enqueueTagSync } from "../jobs/tags.server";
import { logger, type Logger } from "../logger.server";
import { parseSettings } from "../settings";
import { computeShop } from "./compute.server";

/** How long a compute waits before looking again at a running backfill. */
export const BACKFILL_WAIT_MS = 30_000;

export type ComputeRun =
  | { readonly outcome: "skipped: not installed" }
  | { readonly outcome: "computed" }
  /** Not now: run again at `at` (epoch ms) — a backfill is running, or a change came in. */
  | { readonly outcome: "waiting for backfill" | "changed while computing"; readonly at: number };

export interface RunComputeOptions {
  readonly onProgress?: (percent: number) => unknown;
  /** The job will be tried again if this run fails: see ComputeOptions.willRetry. */
  readonly willRetry?: boolean;
  readonly log?: Logger;
}

export async function runCompute(
  domain: string,
  { onProgress, willRetry, log = logger.child({ shop: domain }) }: RunComputeOptions = {},
): Promise<ComputeRun> {
  const shop = await prisma.shop.findUnique({ where: { domain } });
  if (!shop || shop.status !== "installed") return { outcome: "skipped: not installed" };
  if (shop.syncStatus === "backfilling") {
    return { outcome: "waiting for backfill", at: Date.now() + BACKFILL_WAIT_MS };
  }

  const startedAt = new Date();
  await prisma.shop.update({ where: { id: shop.id }, data: { computeStartedAt: startedAt } });
  // Start and end lines bracket each run: operators (and the exclusivity test) read them.
  log.info("compute started");
  await computeShop(shop.domain, { onProgress, willRetry });
  log.info({ ms: Date.now() - startedAt.getTime() }, "computed");

  if (parseSettings(shop.settings).tagSync.enabled) await enqueueTagSync(shop.domain);

  const after = await prisma.shop.findUnique({
    where: { id: shop.id },
    select: { computeRequestedAt: true },
  });
  if (after?.computeRequestedAt && after.computeRequestedAt > startedAt) {
    const now = Date.now();
    const at = recomputeAt(now, startedAt.getTime(), now, false, computeTiming());
    return { outcome: "changed while computing", at };
  }
  return { outcome: "computed" };
}
