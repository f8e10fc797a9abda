/**
 * The nightly recompute: one BullMQ job scheduler per installed shop, at the merchant's
 * hour in the shop's own time zone (BullMQ evaluates the cron pattern in `tz`).
 */
import { getQueue } from "./queues.server";

export const nightlySchedulerId = (shop: string) => `nightly-${shop}`;

export interface NightlyJob {
  shop: string;
}

export async function scheduleNightly(shop: string, timeZone: string, hour: number): Promise<void> {
  await getQueue("housekeeping").upsertJobScheduler(
    nightlySchedulerId(shop),
    { pattern: `0 ${hour} * * *`, tz: timeZone },
    { name: "nightly", data: { shop } satisfies NightlyJob, opts: { removeOnComplete: true } },
  );
}

export async function unscheduleNightly(shop: string): Promise<void> {
  await getQueue("housekeeping").removeJobScheduler(nightlySchedulerId(shop));
}

/** The next nightly run of a shop (epoch ms), or null when it has none. */
export async function nextNightlyRun(shop: string): Promise<number | null> {
  const scheduler = await getQueue("housekeeping").getJobScheduler(nightlySchedulerId(shop));
  return scheduler?.next ?? null;
}

/**
 * Housekeeping that is not per shop: pruning old webhook ids daily at 04:00 UTC, and
 * re-queueing interrupted work every 5 minutes (app/jobs/recovery.server.ts).
 */
export async function scheduleHousekeeping(): Promise<void> {
  const queue = getQueue("housekeeping");
  await queue.upsertJobScheduler(
    "prune",
    { pattern: "0 4 * * *", tz: "UTC" },
    { name: "prune", data: {}, opts: { removeOnComplete: true } },
  );
  await queue.upsertJobScheduler(
    "recover",
    { every: 5 * 60_000 },
    { name: "recover", data: {}, opts: { removeOnComplete: true } },
  );
}
