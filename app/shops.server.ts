/**
 * Shop lifecycle: install, uninstall, scope changes. Thin webhook routes and the
 * afterAuth hook call these; every write is scoped to the shop's domain.
 */
import prisma from "./db.server";
import { scheduleNightly, unscheduleNightly } from "./jobs/schedules.server";
import { cancelShopJobs, enqueueBackfill } from "./jobs/sync.server";
import { logger } from "./logger.server";
import { parseSettings } from "./settings";
import { beginBackfill } from "./sync/backfill.server";

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
}

/**
 * app/uninstalled: the offline token is dead, so delete the sessions and mark the
 * shop uninstalled. Its data stays until shop/redact (48 h later) in case the merchant
 * reinstalls.
 */
export async function onShopUninstalled(domain: string): Promise<void> {
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
