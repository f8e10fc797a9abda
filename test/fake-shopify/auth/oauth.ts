// POST /admin/oauth/access_token and GET /admin/oauth/authorize, as @shopify/shopify-api 15
// calls them: token exchange (id token → offline/online token, optionally expiring with a
// refresh token), refresh_token rotation, migration of non-expiring offline tokens,
// authorization-code grant and client credentials. Access tokens are checked on every API call.
import { createHmac, randomBytes } from "node:crypto";
import { verifyJwt } from "./session-token";

export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
export const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
export const OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token";
export const ONLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:online-access-token";

export interface AppCredentials {
  apiKey: string;
  apiSecret: string;
}

export interface TokenLifetimes {
  /** Expiring offline access tokens (seconds). */
  offlineAccessTtl: number;
  /** Refresh tokens of expiring offline tokens (seconds). */
  refreshTtl: number;
  /** Online (per-user) access tokens (seconds). */
  onlineAccessTtl: number;
}

export const DEFAULT_LIFETIMES: TokenLifetimes = {
  offlineAccessTtl: 3600,
  refreshTtl: 90 * 86_400,
  onlineAccessTtl: 86_399,
};

export interface AccessTokenInfo {
  token: string;
  shop: string;
  scopes: string[];
  online: boolean;
  userId: number | null;
  /** Epoch seconds (wall clock); null for non-expiring offline tokens. */
  expiresAt: number | null;
}

interface RefreshInfo {
  shop: string;
  scopes: string[];
  expiresAt: number;
  accessToken: string;
}

export interface OAuthResponse {
  status: number;
  body: unknown;
}

function random(prefix: string): string {
  return `${prefix}${randomBytes(16).toString("hex")}`;
}

function wallNow(): number {
  return Math.floor(Date.now() / 1000);
}

export class TokenRegistry {
  private readonly access = new Map<string, AccessTokenInfo>();
  private readonly refresh = new Map<string, RefreshInfo>();
  private readonly codes = new Map<string, { shop: string; expiresAt: number }>();
  lifetimes: TokenLifetimes;
  /** Token requests by grant type, for tests. */
  readonly grants: Array<{
    shop: string;
    grantType: string;
    requested: string | null;
    expiring: boolean;
    status: number;
  }> = [];

  constructor(
    private readonly app: AppCredentials,
    private readonly scopesOf: (shop: string) => string[] | null,
    lifetimes: Partial<TokenLifetimes> = {},
  ) {
    this.lifetimes = { ...DEFAULT_LIFETIMES, ...lifetimes };
  }

  /** Issues a token directly (tests and workers that skip the exchange). */
  issue(
    shop: string,
    options: { expiring?: boolean; online?: boolean; userId?: number } = {},
  ): {
    accessToken: string;
    refreshToken: string | null;
    expiresAt: number | null;
  } {
    const scopes = this.scopesOf(shop) ?? [];
    const online = options.online ?? false;
    const ttl = online
      ? this.lifetimes.onlineAccessTtl
      : options.expiring
        ? this.lifetimes.offlineAccessTtl
        : null;
    const token = random(online ? "shpua_" : "shpat_");
    const info: AccessTokenInfo = {
      token,
      shop,
      scopes,
      online,
      userId: online ? (options.userId ?? 1) : null,
      expiresAt: ttl === null ? null : wallNow() + ttl,
    };
    this.access.set(token, info);
    let refreshToken: string | null = null;
    if (!online && options.expiring) {
      refreshToken = random("shprt_");
      this.refresh.set(refreshToken, {
        shop,
        scopes,
        expiresAt: wallNow() + this.lifetimes.refreshTtl,
        accessToken: token,
      });
    }
    return { accessToken: token, refreshToken, expiresAt: info.expiresAt };
  }

  /** Access token check for API calls: null when missing, unknown, expired or for another shop. */
  check(token: string | null, shop: string): AccessTokenInfo | null {
    if (!token) return null;
    const info = this.access.get(token);
    if (!info || info.shop !== shop) return null;
    if (info.expiresAt !== null && wallNow() >= info.expiresAt) return null;
    return info;
  }

  /** Revokes every token of a shop (uninstall). */
  revokeShop(shop: string): void {
    for (const [token, info] of this.access) if (info.shop === shop) this.access.delete(token);
    for (const [token, info] of this.refresh) if (info.shop === shop) this.refresh.delete(token);
  }

  /** Rewrites the scopes of a shop's live tokens (scope change). */
  rescope(shop: string, scopes: string[]): void {
    for (const info of this.access.values()) if (info.shop === shop) info.scopes = [...scopes];
    for (const info of this.refresh.values()) if (info.shop === shop) info.scopes = [...scopes];
  }

  /** Expires a token now (tests of refresh paths). */
  expire(token: string): void {
    const info = this.access.get(token);
    if (info) info.expiresAt = wallNow() - 1;
  }

  tokensOf(shop: string): AccessTokenInfo[] {
    return [...this.access.values()].filter((t) => t.shop === shop);
  }

  private offlineBody(shop: string, expiring: boolean): Record<string, unknown> {
    const issued = this.issue(shop, { expiring });
    const scope = (this.scopesOf(shop) ?? []).join(",");
    if (!expiring) return { access_token: issued.accessToken, scope };
    return {
      access_token: issued.accessToken,
      scope,
      expires_in: this.lifetimes.offlineAccessTtl,
      refresh_token: issued.refreshToken,
      refresh_token_expires_in: this.lifetimes.refreshTtl,
    };
  }

  private onlineBody(shop: string, userId: number): Record<string, unknown> {
    const issued = this.issue(shop, { online: true, userId });
    const scope = (this.scopesOf(shop) ?? []).join(",");
    return {
      access_token: issued.accessToken,
      scope,
      expires_in: this.lifetimes.onlineAccessTtl,
      associated_user_scope: scope,
      session: randomBytes(16).toString("hex"),
      account_number: 1,
      associated_user: {
        id: userId,
        first_name: "Staff",
        last_name: `User${userId}`,
        email: `staff${userId}@example.com`,
        account_owner: userId === 1,
        locale: "en",
        collaborator: false,
        email_verified: true,
      },
    };
  }

  /** Handles POST https://{shop}/admin/oauth/access_token. */
  exchange(shop: string, body: Record<string, string>): OAuthResponse {
    const grantType = body.grant_type ?? (body.code ? "authorization_code" : "");
    const expiring = body.expiring === "1";
    const respond = (status: number, payload: unknown): OAuthResponse => {
      this.grants.push({
        shop,
        grantType,
        requested: body.requested_token_type ?? null,
        expiring,
        status,
      });
      return { status, body: payload };
    };
    const error = (status: number, code: string, description: string) =>
      respond(status, { error: code, error_description: description });
    if (body.client_id !== this.app.apiKey || body.client_secret !== this.app.apiSecret) {
      return error(
        401,
        "invalid_client",
        "Client authentication failed due to unknown client or invalid client secret.",
      );
    }
    if (this.scopesOf(shop) === null) return error(400, "invalid_request", `Unknown shop ${shop}.`);

    if (grantType === TOKEN_EXCHANGE_GRANT) {
      const requested = body.requested_token_type;
      if (body.subject_token_type === OFFLINE_TOKEN_TYPE) {
        // Migration of a non-expiring offline token to an expiring one.
        const old = this.check(body.subject_token ?? null, shop);
        if (!old || old.online || old.expiresAt !== null) {
          return error(
            400,
            "invalid_subject_token",
            "The subject token is not a valid non-expiring offline access token.",
          );
        }
        this.access.delete(old.token);
        return respond(200, this.offlineBody(shop, true));
      }
      if (body.subject_token_type !== ID_TOKEN_TYPE) {
        return error(400, "invalid_request", "Unsupported subject_token_type.");
      }
      const verified = verifyJwt(body.subject_token ?? "", this.app.apiSecret, wallNow());
      if (!verified.ok)
        return error(400, "invalid_subject_token", `Session token is invalid: ${verified.reason}.`);
      const claims = verified.claims;
      if (claims.aud !== this.app.apiKey)
        return error(
          400,
          "invalid_subject_token",
          "Session token audience does not match the client.",
        );
      if (claims.dest !== `https://${shop}`)
        return error(400, "invalid_subject_token", "Session token was issued for another shop.");
      if (requested === ONLINE_TOKEN_TYPE)
        return respond(200, this.onlineBody(shop, Number(claims.sub ?? 1)));
      if (requested === OFFLINE_TOKEN_TYPE) return respond(200, this.offlineBody(shop, expiring));
      return error(400, "invalid_request", "Unsupported requested_token_type.");
    }

    if (grantType === "refresh_token") {
      const info = this.refresh.get(body.refresh_token ?? "");
      if (!info || info.shop !== shop || wallNow() >= info.expiresAt) {
        return error(400, "invalid_grant", "The refresh token is invalid or expired.");
      }
      // Rotation: the used refresh token and its access token stop working.
      this.refresh.delete(body.refresh_token ?? "");
      this.access.delete(info.accessToken);
      return respond(200, this.offlineBody(shop, true));
    }

    if (grantType === "authorization_code") {
      const code = this.codes.get(body.code ?? "");
      if (!code || code.shop !== shop || wallNow() > code.expiresAt) {
        return error(
          400,
          "invalid_request",
          "The authorization code was not found or was already used.",
        );
      }
      this.codes.delete(body.code ?? "");
      return respond(200, this.offlineBody(shop, expiring));
    }

    if (grantType === "client_credentials") {
      const issued = this.issue(shop, { expiring: true });
      return respond(200, {
        access_token: issued.accessToken,
        scope: (this.scopesOf(shop) ?? []).join(","),
        expires_in: this.lifetimes.offlineAccessTtl,
      });
    }
    return error(400, "unsupported_grant_type", `Unsupported grant_type ${grantType || "(none)"}.`);
  }

  /** GET /admin/oauth/authorize: redirects back with a signed code (merchant approves at once). */
  authorize(shop: string, query: URLSearchParams): { location: string } | OAuthResponse {
    if (query.get("client_id") !== this.app.apiKey)
      return { status: 400, body: { error: "invalid client_id" } };
    const redirect = query.get("redirect_uri");
    if (!redirect) return { status: 400, body: { error: "missing redirect_uri" } };
    const code = randomBytes(16).toString("hex");
    this.codes.set(code, { shop, expiresAt: wallNow() + 600 });
    const params: Record<string, string> = {
      code,
      host: Buffer.from(
        `admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, "")}`,
      ).toString("base64"),
      shop,
      state: query.get("state") ?? "",
      timestamp: String(wallNow()),
    };
    const message = Object.keys(params)
      .sort()
      .map((k) => `${k}=${params[k] ?? ""}`)
      .join("&");
    const hmac = createHmac("sha256", this.app.apiSecret).update(message).digest("hex");
    const target = new URL(redirect);
    for (const [k, v] of Object.entries({ ...params, hmac })) target.searchParams.set(k, v);
    return { location: target.toString() };
  }
}
