import type { Database } from "../../app/db.server";

/** The scopes shopify.app.toml asks for: what an installed shop's offline token holds. */
export const INSTALLED_SCOPES =
  "read_orders,read_all_orders,read_customers,write_customers,read_products";

/**
 * Stores the offline session an install leaves behind (what shopify-app-remix writes), so
 * workers and loaders can call the Admin API for `domain`.
 */
export async function installOfflineSession(
  db: Database,
  domain: string,
  options: { accessToken: string; scope?: string; expires?: Date; state?: string },
): Promise<void> {
  await db.session.create({
    data: {
      id: `offline_${domain}`,
      shop: domain,
      state: options.state ?? "",
      isOnline: false,
      scope: options.scope ?? INSTALLED_SCOPES,
      expires: options.expires ?? null,
      accessToken: options.accessToken,
    },
  });
}
