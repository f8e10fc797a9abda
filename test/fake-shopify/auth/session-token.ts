// Session tokens (App Bridge id tokens) as Shopify issues them: HS256 JWTs signed with the
// app's secret, so the app's own `authenticate.admin` verifies them for real.
import { createHmac, randomBytes, randomUUID } from "node:crypto";

export interface SessionTokenOptions {
  shop: string;
  apiKey: string;
  apiSecret: string;
  /** Staff user id (the `sub` claim). */
  userId?: number;
  /** Lifetime in seconds (Shopify: one minute). */
  ttlSec?: number;
  /** Issue time, epoch seconds (default: now). */
  issuedAt?: number;
  /** Claims to override or add (e.g. a wrong `aud` for negative tests). */
  claims?: Record<string, unknown>;
}

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString("base64url");
}

export function signJwt(payload: Record<string, unknown>, secret: string): string {
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = base64url(JSON.stringify(payload));
  const signature = createHmac("sha256", secret).update(`${header}.${body}`).digest("base64url");
  return `${header}.${body}.${signature}`;
}

export function sessionTokenClaims(options: SessionTokenOptions): Record<string, unknown> {
  const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
  return {
    iss: `https://${options.shop}/admin`,
    dest: `https://${options.shop}`,
    aud: options.apiKey,
    sub: String(options.userId ?? 1),
    exp: iat + (options.ttlSec ?? 60),
    nbf: iat,
    iat,
    jti: randomUUID(),
    sid: randomBytes(16).toString("hex"),
    ...options.claims,
  };
}

export function mintSessionToken(options: SessionTokenOptions): string {
  return signJwt(sessionTokenClaims(options), options.apiSecret);
}

export type JwtCheck =
  { ok: true; claims: Record<string, unknown> } | { ok: false; reason: string };

/** Verifies an HS256 JWT (signature, exp/nbf with leeway), as Shopify checks subject tokens. */
export function verifyJwt(token: string, secret: string, nowSec: number, leewaySec = 10): JwtCheck {
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "malformed token" };
  const [header = "", body = "", signature = ""] = parts;
  const expected = createHmac("sha256", secret).update(`${header}.${body}`).digest("base64url");
  if (expected !== signature) return { ok: false, reason: "signature verification failed" };
  let claims: Record<string, unknown>;
  try {
    const parsedHeader = JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as {
      alg?: string;
    };
    if (parsedHeader.alg !== "HS256") return { ok: false, reason: "unsupported algorithm" };
    claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: "malformed token" };
  }
  if (typeof claims.exp === "number" && nowSec > claims.exp + leewaySec)
    return { ok: false, reason: "token expired" };
  if (typeof claims.nbf === "number" && nowSec + leewaySec < claims.nbf)
    return { ok: false, reason: "token not yet valid" };
  return { ok: true, claims };
}
