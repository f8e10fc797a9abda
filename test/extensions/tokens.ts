/**
 * Session tokens as Shopify mints them (HS256 with the app's secret), through
 * @shopify/shopify-api's own test helper. Two shapes:
 * - checkout / customer-account extensions: dest is the bare shop domain, sub the
 *   customer's gid when the buyer is logged in, no iss or sid, five minutes of life;
 * - admin ID tokens: iss https://<shop>/admin, dest https://<shop>, sub the staff user,
 *   sid, one minute of life.
 */
import { randomUUID } from "node:crypto";
import type { JwtPayload } from "@shopify/shopify-api";
import { getJwt } from "@shopify/shopify-api/test-helpers";

export const API_KEY = process.env.SHOPIFY_API_KEY!;
export const API_SECRET = process.env.SHOPIFY_API_SECRET!;

/** A unique store name per test file and run; its domain is `${name}.myshopify.com`. */
export function storeName(label: string): string {
  return `${label}-${process.pid}-${Date.now().toString(36)}`;
}

export function domainOf(store: string): string {
  return `${store}.myshopify.com`;
}

export interface TokenOptions {
  /** Logged-in buyer (extension tokens). */
  customerId?: bigint;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  /** Sign with this secret instead of the app's (a forged token). */
  secret?: string;
  overrides?: Partial<JwtPayload>;
}

function times(expiresIn: number): Pick<JwtPayload, "exp" | "nbf" | "iat"> {
  const now = Math.floor(Date.now() / 1000);
  const issued = expiresIn > 0 ? now : now + expiresIn - 300;
  return { iat: issued, nbf: issued, exp: now + expiresIn };
}

/** A checkout or customer-account extension's session token. */
export async function extensionToken(store: string, options: TokenOptions = {}): Promise<string> {
  const { token } = await getJwt(store, API_KEY, options.secret ?? API_SECRET, {
    // getJwt fills in an admin token's claims; an extension token has none of these.
    iss: undefined,
    sid: undefined,
    sub:
      options.customerId === undefined ? undefined : `gid://shopify/Customer/${options.customerId}`,
    dest: domainOf(store),
    jti: randomUUID(),
    ...times(options.expiresIn ?? 300),
    ...options.overrides,
  });
  return token;
}

/** An admin ID token (what an admin UI extension's fetch carries). */
export async function adminToken(store: string, options: TokenOptions = {}): Promise<string> {
  const { token } = await getJwt(store, API_KEY, options.secret ?? API_SECRET, {
    iss: `https://${domainOf(store)}/admin`,
    dest: `https://${domainOf(store)}`,
    sub: "42",
    sid: randomUUID(),
    jti: randomUUID(),
    ...times(options.expiresIn ?? 60),
    ...options.overrides,
  });
  return token;
}
