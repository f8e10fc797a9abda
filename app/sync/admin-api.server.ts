/**
 * A throttle-aware client for Shopify's GraphQL Admin API.
 *
 * Shopify meters GraphQL by query cost with a leaky bucket per app and shop. Every
 * response carries `extensions.cost.throttleStatus`; the client remembers it per shop,
 * waits before a request whose cost the bucket could not cover, and retries THROTTLED,
 * HTTP 429, 5xx and network failures with exponential backoff and jitter, giving up with
 * a clear ShopifyApiError after a bound. Other GraphQL errors are not retried: they are
 * bugs or bad input, and retrying would hide them.
 */
import type { AdminOperations } from "@shopify/admin-api-client";
import { API_VERSION } from "./api-version";
import { parseJsonExact } from "./ids";

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

interface QueryCost {
  requestedQueryCost?: number;
  actualQueryCost?: number | null;
  throttleStatus?: ThrottleStatus;
}

interface GraphqlError {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}

interface GraphqlResponse<T> {
  data?: T;
  errors?: GraphqlError[];
  extensions?: { cost?: QueryCost };
}

export class ShopifyApiError extends Error {
  override name = "ShopifyApiError";
  constructor(
    message: string,
    readonly shop: string,
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface AdminApiOptions {
  shop: string;
  /** Called before every attempt, so a refreshed offline token is picked up. */
  accessToken: () => Promise<string>;
  fetch?: typeof fetch;
  /** Attempts per request before giving up (retryable failures only). */
  maxAttempts?: number;
  /** First backoff delay; doubles each attempt, with full jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  /** Cost assumed for a query never seen before (Shopify's default connection cost). */
  defaultCost?: number;
  sleep?: (ms: number) => Promise<void>;
  onThrottleStatus?: (status: ThrottleStatus) => void;
}

/** What this process knows of each shop's bucket. Shared by all clients of a shop. */
const buckets = new Map<string, { status: ThrottleStatus; at: number }>();
/** Last requested cost of each query text, to know how much bucket it needs. */
const knownCosts = new Map<string, number>();

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `npm run codegen` generates a type for each tagged operation document of app/ from Shopify's
 * schema (app/types/admin.generated.d.ts, keyed by the operation's text): request()
 * returns the schema's type of that exact document and takes its variables.
 */
type OperationResult<Q extends string> = Q extends keyof AdminOperations
  ? AdminOperations[Q]["return"]
  : unknown;
type OperationVariables<Q extends string> = Q extends keyof AdminOperations
  ? AdminOperations[Q]["variables"]
  : Record<string, unknown>;

export interface AdminApi {
  readonly shop: string;
  /** Runs a query or mutation and returns `data`; throws ShopifyApiError. */
  request<Q extends string>(
    query: Q,
    variables?: OperationVariables<Q>,
  ): Promise<OperationResult<Q>>;
}

export function createAdminApi(options: AdminApiOptions): AdminApi {
  const {
    shop,
    maxAttempts = 8,
    baseDelayMs = 500,
    maxDelayMs = 30_000,
    timeoutMs = 30_000,
    defaultCost = 50,
  } = options;
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const sleep = options.sleep ?? defaultSleep;
  const url = `https://${shop}/admin/api/${API_VERSION}/graphql.json`;

  /** Points available now, by the last status and the restore rate since. */
  function available(now: number): number | undefined {
    const bucket = buckets.get(shop);
    if (!bucket) return undefined;
    const { maximumAvailable, currentlyAvailable, restoreRate } = bucket.status;
    return Math.min(
      maximumAvailable,
      currentlyAvailable + ((now - bucket.at) / 1000) * restoreRate,
    );
  }

  async function waitForBucket(cost: number): Promise<void> {
    const bucket = buckets.get(shop);
    const now = Date.now();
    const points = available(now);
    if (!bucket || points === undefined) return;
    const needed = Math.min(cost, bucket.status.maximumAvailable);
    if (points >= needed) return;
    await sleep(Math.ceil(((needed - points) / bucket.status.restoreRate) * 1000));
  }

  function remember(cost: QueryCost | undefined, query: string): void {
    if (cost?.requestedQueryCost !== undefined) knownCosts.set(query, cost.requestedQueryCost);
    if (cost?.throttleStatus) {
      buckets.set(shop, { status: cost.throttleStatus, at: Date.now() });
      options.onThrottleStatus?.(cost.throttleStatus);
    }
  }

  function backoff(attempt: number): number {
    const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    return Math.round(cap / 2 + Math.random() * (cap / 2));
  }

  async function attemptOnce<T>(
    query: string,
    variables: Record<string, unknown> | undefined,
  ): Promise<{ data?: T; retryAfterMs?: number; failure?: ShopifyApiError }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let response: Response;
    try {
      response = await doFetch(url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-Shopify-Access-Token": await options.accessToken(),
        },
        body: JSON.stringify({ query, variables }),
        signal: controller.signal,
      });
    } catch (error) {
      const reason = controller.signal.aborted
        ? `timed out after ${timeoutMs} ms`
        : error instanceof Error
          ? error.message
          : String(error);
      return { failure: new ShopifyApiError(`request failed: ${reason}`, shop, "NETWORK", true) };
    } finally {
      clearTimeout(timer);
    }

    if (response.status === 429) {
      const retryAfter = Number(response.headers.get("retry-after"));
      await response.body?.cancel();
      return {
        retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
        failure: new ShopifyApiError("HTTP 429 Too Many Requests", shop, "HTTP_429", true),
      };
    }
    if (response.status >= 500) {
      await response.body?.cancel();
      return {
        failure: new ShopifyApiError(
          `HTTP ${response.status}`,
          shop,
          `HTTP_${response.status}`,
          true,
        ),
      };
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      return {
        failure: new ShopifyApiError(
          `HTTP ${response.status}: the access token was refused (app uninstalled or scope missing)`,
          shop,
          `HTTP_${response.status}`,
          false,
        ),
      };
    }
    if (!response.ok) {
      const text = await response.text();
      return {
        failure: new ShopifyApiError(
          `HTTP ${response.status}: ${text.slice(0, 300)}`,
          shop,
          `HTTP_${response.status}`,
          false,
        ),
      };
    }

    let body: GraphqlResponse<T>;
    try {
      // IDs and UnsignedInt64 are strings in GraphQL; the exact parse keeps it so for any
      // integer a response may carry past 2^53.
      body = parseJsonExact(await response.text()) as GraphqlResponse<T>;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return {
        failure: new ShopifyApiError(`unreadable response: ${reason}`, shop, "BAD_RESPONSE", true),
      };
    }
    remember(body.extensions?.cost, query);

    if (body.errors?.length) {
      const throttled = body.errors.some((e) => e.extensions?.code === "THROTTLED");
      if (throttled) {
        const status = body.extensions?.cost?.throttleStatus;
        const cost = body.extensions?.cost?.requestedQueryCost ?? defaultCost;
        const waitMs = status
          ? Math.ceil(((cost - status.currentlyAvailable) / status.restoreRate) * 1000)
          : undefined;
        return {
          retryAfterMs: waitMs !== undefined && waitMs > 0 ? waitMs : undefined,
          failure: new ShopifyApiError("THROTTLED", shop, "THROTTLED", true),
        };
      }
      const messages = body.errors.map((e) => e.message).join("; ");
      const code = body.errors[0]?.extensions?.code ?? "GRAPHQL_ERROR";
      return { failure: new ShopifyApiError(`GraphQL error: ${messages}`, shop, code, false) };
    }
    if (body.data === undefined) {
      return { failure: new ShopifyApiError("response without data", shop, "BAD_RESPONSE", true) };
    }
    return { data: body.data };
  }

  return {
    shop,
    async request<Q extends string>(
      query: Q,
      variables?: OperationVariables<Q>,
    ): Promise<OperationResult<Q>> {
      let last: ShopifyApiError | undefined;
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        await waitForBucket(knownCosts.get(query) ?? defaultCost);
        const result = await attemptOnce<OperationResult<Q>>(
          query,
          variables as Record<string, unknown> | undefined,
        );
        if (result.data !== undefined) return result.data;
        last = result.failure!;
        if (!last.retryable || attempt === maxAttempts) break;
        await sleep(Math.min(maxDelayMs, result.retryAfterMs ?? backoff(attempt)));
      }
      throw new ShopifyApiError(
        `Shopify Admin API (${shop}): ${last!.message}` +
          (last!.retryable ? ` — gave up after ${maxAttempts} attempts` : ""),
        shop,
        last!.code,
        last!.retryable,
      );
    },
  };
}

/** Forget what is known of the buckets (tests). */
export function resetThrottleState(): void {
  buckets.clear();
  knownCosts.clear();
}
