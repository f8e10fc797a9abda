/**
 * The nightly recompute: one BullMQ job scheduler per installed shop, at the merchant's
 * hour in the shop's own time zone (BullMQ evaluates the cron pattern in `tz`).
 */
import prisma from "../db.server";
import { requestRecompute } from "./compute.server";
import { getQueue, scheduledJob } from "./queues.server";
import { enqueueReconcile } from "./sync.server";

export const nightlySchedulerId = (shop: string) => `nightly-${shop}`;

export async function scheduleNightly(shop: string, timeZone: string, hour: number): Promise<void> {
  await getQueue("housekeeping").upsertJobScheduler(
    nightlySchedulerId(shop),
    { pattern: `0 ${hour} * * *`, tz: timeZone },
    scheduledJob("housekeeping", "nightly", { shop }),
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
    scheduledJob("housekeeping", "prune", {}),
  );
  await queue.upsertJobScheduler(
    "recover",
    { every: 5 * 60_000 },
    scheduledJob("housekeeping", "recover", {}),
  );
}

/** A shop's nightly run: catch up with Shopify first (missed webhooks), then recompute. */
export async function runNightly(domain: string): Promise<"queued" | "skipped: not installed"> {
  const shop = await prisma.shop.findUnique({ where: { domain }, select: { status: true } });
  if (shop?.status !== "installed") return "skipped: not installed";
  await enqueueReconcile(domain);
  await requestRecompute(domain, true);
  return "queued";
}
