/**
 * Redis keeps no data on disk in many deployments: after a Redis restart the queues are
 * empty while the database still says what was under way. Workers call this at start and
 * every few minutes (housekeeping "recover") to queue that work again; job ids keep it
 * from doubling anything still queued.
 */
import prisma from "../db.server";
import { parseSettings } from "../settings";
import { requestRecompute } from "./compute.server";
import { nextNightlyRun, scheduleNightly } from "./schedules.server";
import { enqueueBackfill } from "./sync.server";

export interface Recovered {
  backfills: number;
  computes: number;
  schedules: number;
}

export async function resumeInterruptedWork(): Promise<Recovered> {
  const shops = await prisma.shop.findMany({
    where: { status: "installed" },
    select: {
      domain: true,
      timezone: true,
      settings: true,
      syncStatus: true,
      backfilledAt: true,
      computedAt: true,
      computeRequestedAt: true,
    },
  });
  const recovered: Recovered = { backfills: 0, computes: 0, schedules: 0 };
  for (const shop of shops) {
    if (shop.syncStatus === "backfilling") {
      await enqueueBackfill(shop.domain);
      recovered.backfills++;
    } else if (
      shop.backfilledAt &&
      (!shop.computedAt || (shop.computeRequestedAt && shop.computeRequestedAt > shop.computedAt))
    ) {
      await requestRecompute(shop.domain, true);
      recovered.computes++;
    }
    if ((await nextNightlyRun(shop.domain)) === null) {
      await scheduleNightly(shop.domain, shop.timezone, parseSettings(shop.settings).nightlyHour);
      recovered.schedules++;
    }
  }
  return recovered;
}
