/**
 * Names and emails of the customers on one drill-down page, read live from the Admin API and
 * never stored (Kizuna keeps ids and aggregates only): one `nodes(ids:)` request for the ≤ 50
 * ids on screen. A page must never wait on Shopify for long or fail because of it, so the
 * client gets two attempts and a short timeout, and any failure falls back to ids with the
 * reason the page shows.
 */
import { logger } from "../logger.server";
import { createAdminApi, ShopifyApiError, type AdminApi } from "../sync/admin-api.server";
import { CUSTOMER_NAMES } from "../sync/operations";
import { parseGid, toGid } from "../sync/rows";

export interface CustomerName {
  /** Shopify's display name; null when the customer has none or it is redacted. */
  readonly name: string | null;
  readonly email: string | null;
}

/**
 * ok: names fetched · scope: the app lacks read_customers (or protected customer data
 * access) · failed: Shopify did not answer · none: nothing to fetch.
 */
export type NamesStatus = "ok" | "scope" | "failed" | "none";

export interface CustomerNames {
  readonly status: NamesStatus;
  /** By customer id (decimal text); absent when Shopify no longer has the customer. */
  readonly byId: Readonly<Record<string, CustomerName>>;
}

/** Shopify's placeholder for a value the app is not approved to read (protected data). */
const REDACTED = "•••";

const readCustomersGranted = (scope: string | undefined): boolean =>
  (scope ?? "")
    .split(",")
    .map((s) => s.trim())
    .some((s) => s === "read_customers" || s === "write_customers");

/** The Admin API client of a page request: the session's token, two attempts, 5 s each. */
export function pageAdminApi(session: {
  shop: string;
  accessToken?: string;
  scope?: string;
}): AdminApi | null {
  const token = session.accessToken;
  if (!token) return null;
  return createAdminApi({
    shop: session.shop,
    accessToken: () => Promise.resolve(token),
    maxAttempts: 2,
    baseDelayMs: 200,
    maxDelayMs: 1000,
    timeoutMs: 5000,
  });
}

export async function customerNames(
  api: AdminApi | null,
  ids: readonly string[],
  grantedScope?: string,
): Promise<CustomerNames> {
  if (ids.length === 0) return { status: "none", byId: {} };
  if (grantedScope !== undefined && !readCustomersGranted(grantedScope)) {
    return { status: "scope", byId: {} };
  }
  if (!api) return { status: "failed", byId: {} };
  try {
    const data = await api.request(CUSTOMER_NAMES, {
      ids: ids.map((id) => toGid("Customer", BigInt(id))),
    });
    const byId: Record<string, CustomerName> = {};
    for (const node of data.nodes) {
      if (!node || !("id" in node)) continue;
      const id = parseGid(node.id, "Customer").toString();
      const joined = [node.firstName, node.lastName].filter(Boolean).join(" ");
      const display = node.displayName && node.displayName !== REDACTED ? node.displayName : "";
      const email = node.defaultEmailAddress?.emailAddress ?? null;
      byId[id] = { name: display || joined || null, email: email === REDACTED ? null : email };
    }
    return { status: "ok", byId };
  } catch (error) {
    const denied =
      error instanceof ShopifyApiError &&
      (error.code === "ACCESS_DENIED" || error.code === "HTTP_403");
    // No names or emails in the log: the shop, the code and Shopify's message only.
    logger.warn(
      { shop: api.shop, code: error instanceof ShopifyApiError ? error.code : "UNKNOWN" },
      `customer names unavailable: ${error instanceof Error ? error.message : String(error)}`,
    );
    return { status: denied ? "scope" : "failed", byId: {} };
  }
}
