/**
 * Shop lifecycle: install, first backfill done, uninstall, scope changes. The webhook intake and the
 * afterAuth hook call these; every write is scoped to the shop's domain.
 */
import prisma from "./db.server";
import { requestRecompute } from "./jobs/compute.server";
import { scheduleNightly, unscheduleNightly } from "./jobs/schedules.server";
import { cancelShopJobs, enqueueBackfill } from "./jobs/sync.server";
import { enqueueTagSync } from "./jobs/tags.server";
import { logger } from "./logger.server";
import { parseSettings } from "./settings";
import { createAdminApi } from "./sync/admin-api.server";
import { beginBackfill } from "./sync/backfill.server";
import { releaseShopifySegments } from "./sync/shopify-segments.server";

/**
 * Called after every successful auth; creates the shop or marks it installed again, and
 * starts the first backfill of a shop that has none.
 */
export async function onShopInstalled(domain: string): Promise<void> {
  const shop = await prisma.shop.upsert({
    where: { domain },
    create: { domain },
    update: { status: "installed", uninstalledAt: null },
  });
  logger.info({ shop: domain, shopId: shop.id }, "shop installed");
  await scheduleNightly(domain, shop.timezone, parseSettings(shop.settings).nightlyHour);
  if (!shop.backfilledAt) {
    await beginBackfill(prisma, domain); // no-op while one is running
    await enqueueBackfill(domain);
  }
  // Shopify segments the last uninstall could not delete: the tag sync settles them.
  const orphaned = await prisma.shopifySegment.count({
    where: { shopId: shop.id, orphanedAt: { not: null } },
  });
  if (orphaned > 0) await enqueueTagSync(domain);
}

/**
 * A backfill finished: it learnt the shop's time zone, so the nightly run moves to its hour,
 * and the numbers are computed now.
 */
export async function onShopBackfilled(domain: string): Promise<void> {
  const shop = await prisma.shop.findUnique({ where: { domain } });
  if (shop?.status !== "installed") return;
  await scheduleNightly(domain, shop.timezone, parseSettings(shop.settings).nightlyHour);
  await requestRecompute(domain, true);
}

/**
 * app/uninstalled: the offline token is dead, so delete the sessions and mark the
 * shop uninstalled. Its data stays until shop/redact (48 h later) in case the merchant
 * reinstalls. Kizuna's Shopify segments are deleted first if the token still works (one
 * quick attempt: it normally does not); the rest are marked orphaned for a reinstall.
 */
export async function onShopUninstalled(domain: string): Promise<void> {
  const session = await prisma.session.findFirst({
    where: { shop: domain, isOnline: false },
    select: { accessToken: true },
  });
  const token = session?.accessToken;
  const api = token
    ? createAdminApi({
        shop: domain,
        accessToken: async () => token,
        maxAttempts: 1,
        timeoutMs: 5_000,
      })
    : null;
  await releaseShopifySegments({ db: prisma, log: logger }, domain, api);
  await prisma.$transaction([
    prisma.session.deleteMany({ where: { shop: domain } }),
    prisma.shop.updateMany({
      where: { domain },
      data: { status: "uninstalled", uninstalledAt: new Date() },
    }),
  ]);
  await cancelShopJobs(domain);
  await unscheduleNightly(domain);
  logger.info({ shop: domain }, "shop uninstalled");
}

/** app/scopes_update: keep the stored sessions' scope in step with what was granted. */
export async function onScopesUpdated(domain: string, scopes: string[]): Promise<void> {
  await prisma.session.updateMany({ where: { shop: domain }, data: { scope: scopes.join(",") } });
  logger.info({ shop: domain, scopes }, "scopes updated");
}
