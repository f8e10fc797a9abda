/**
 * Recompute requests. Each shop has at most one compute job (its job id is derived
 * from the shop), so two computes of one shop never overlap. A change asks for a
 * recompute 2 minutes after the last change (debounce: the delayed job is pushed back)
 * but never later than 15 minutes after the first waiting change, and not sooner than
 * 15 minutes after the last compute started; a change that lands while the compute
 * runs makes the job run again (the processor re-delays itself).
 */
import prisma from "../db.server";
import { env } from "../env.server";
import { addJob, getQueue } from "./queues.server";

export const computeJobId = (shop: string) => `compute-${shop}`;

/** Production defaults; COMPUTE_DEBOUNCE_MS / COMPUTE_MIN_INTERVAL_MS override them. */
export const DEBOUNCE_MS = 2 * 60_000;
export const MIN_INTERVAL_MS = 15 * 60_000;

export interface ComputeTiming {
  debounceMs: number;
  minIntervalMs: number;
}

export const computeTiming = (): ComputeTiming => ({
  debounceMs: env().COMPUTE_DEBOUNCE_MS,
  minIntervalMs: env().COMPUTE_MIN_INTERVAL_MS,
});

/** When a recompute asked for at `now` should run. */
export function recomputeAt(
  now: number,
  lastStartedAt: number | null,
  firstWaitingAt: number | null,
  immediate: boolean,
  timing: ComputeTiming = { debounceMs: DEBOUNCE_MS, minIntervalMs: MIN_INTERVAL_MS },
): number {
  if (immediate) return now;
  let at = now + timing.debounceMs;
  if (firstWaitingAt !== null) at = Math.min(at, firstWaitingAt + timing.minIntervalMs);
  if (lastStartedAt !== null) at = Math.max(at, lastStartedAt + timing.minIntervalMs);
  return at;
}

/**
 * Asks for a recompute of the shop. `immediate` (install, nightly run, settings
 * change, end of a backfill) skips the debounce.
 */
export async function requestRecompute(shop: string, immediate = false): Promise<void> {
  const now = Date.now();
  const { count } = await prisma.shop.updateMany({
    where: { domain: shop, status: "installed" },
    data: { computeRequestedAt: new Date(now) },
  });
  if (count === 0) return; // unknown, uninstalled or redacted shop
  const row = await prisma.shop.findUniqueOrThrow({
    where: { domain: shop },
    select: { computeStartedAt: true },
  });
  const queue = getQueue("compute");
  const existing = await queue.getJob(computeJobId(shop));
  if (existing && (await existing.isDelayed())) {
    const firstWaitingAt = existing.timestamp;
    const at = recomputeAt(
      now,
      row.computeStartedAt?.getTime() ?? null,
      firstWaitingAt,
      immediate,
      computeTiming(),
    );
    try {
      await existing.changeDelay(Math.max(0, at - now));
      return;
    } catch {
      // It just started: the run sees computeRequestedAt and goes again.
      return;
    }
  }
  if (existing && (await existing.isFailed())) await existing.remove();
  // Waiting or active: the active run re-checks computeRequestedAt when it ends.
  const at = recomputeAt(
    now,
    row.computeStartedAt?.getTime() ?? null,
    null,
    immediate,
    computeTiming(),
  );
  await addJob(
    "compute",
    "compute",
    { shop },
    {
      jobId: computeJobId(shop),
      delay: Math.max(0, at - now),
      attempts: 3,
      backoff: { type: "exponential", delay: 60_000 },
      removeOnComplete: true,
    },
  );
}
