// Fake Shopify for tests and the demo: a real HTTP server on 127.0.0.1 speaking Shopify's
// Admin GraphQL API (2026-10 schema), OAuth/token exchange, bulk operations, storage and
// webhooks, over deterministic synthetic shops.
//
//   const fake = await startFakeShopify({ shops: [{ domain: "kizuna-test", customers: 1000 }], appUrl });
//   installFetchRedirect(fake.url)            // or startFakeShopify({ redirect: true })
//   const shop = fake.shop();                 // FakeShop: ground truth, merchant actions, tokens
//   …
//   await fake.close();
import { fileURLToPath } from "node:url";
import { TokenRegistry, type TokenLifetimes } from "./auth/oauth";
import { DEFAULT_BULK_CONFIG, type BulkConfig } from "./bulk/manager";
import { FileStorage } from "./bulk/storage";
import { createControlApi } from "./control";
import { FaultInjector, type FaultPlan } from "./faults";
import type { ShopOptions } from "./generator/spec";
import { normalizeDomain } from "./generator/spec";
import { adminSchema } from "./graphql/schema";
import { installFetchRedirect, type FetchRedirect } from "./redirect";
import { FakeShopifyServer, type RequestLogEntry } from "./server";
import { durationMs, FakeShop, WorldClock, type Duration } from "./shop";
import type { ShopChange } from "./store/changes";
import {
  WebhookDispatcher,
  type DeliveryOptions,
  type DeliveryRecord,
} from "./webhooks/dispatcher";
import { toSec } from "./util/time";
import { readAppConfig, type AppConfig } from "./webhooks/subscriptions";

export { FakeShop } from "./shop";
export type { Duration } from "./shop";
export type { OrderTruth, CustomerTruth } from "./truth";
export type { FaultPlan } from "./faults";
export type { ShopOptions } from "./generator/spec";
export { installFetchRedirect, FAKE_HOST_HEADER } from "./redirect";
export { webhookHmac } from "./webhooks/dispatcher";

export const DEFAULT_APP_CONFIG = fileURLToPath(new URL("../../shopify.app.toml", import.meta.url));
export const DEFAULT_API_SECRET = "fake-shopify-app-secret";

export interface FakeShopifyOptions {
  /** Shops to create (default: one 1,000-customer JPY shop "fake-shop-1"). */
  shops?: ShopOptions[];
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default: $SHOPIFY_API_KEY, else client_id from shopify.app.toml (match the app's config). */
  apiKey?: string;
  /** Default: $SHOPIFY_API_SECRET, else a fixed fake secret. */
  apiSecret?: string;
  /** Base URL webhooks are delivered to (subscription URIs resolve against it). */
  appUrl?: string | null;
  /** shopify.app.toml to read subscriptions and scopes from. */
  appConfigPath?: string;
  webhooks?: Partial<Omit<DeliveryOptions, "appUrl">>;
  bulk?: Partial<BulkConfig>;
  tokens?: Partial<TokenLifetimes>;
  faults?: FaultPlan;
  /** Seed for fault and delivery randomness. */
  seed?: number;
  /**
   * The world's "now" when the fake starts: shops' generated histories end here unless a
   * shop sets its own `end`. Default: $KIZUNA_TEST_ANCHOR when set (the test suite's
   * anchor date, see test/setup/virtual-clock.mjs), else the current time. With the same
   * seed and anchor, the generated shop is the same whatever today's date is.
   */
  anchor?: Date | string | number; // a number is epoch seconds, as `end` is
  /** Fold generated events continuously (ms interval; true = 1000). */
  live?: boolean | number;
  /** Install the fetch redirect in this process, pointed at the fake. */
  redirect?: boolean;
}

export interface FakeShopify {
  url: string;
  apiKey: string;
  apiSecret: string;
  appConfig: AppConfig;
  shops: Map<string, FakeShop>;
  /** A shop by domain ("x" or "x.myshopify.com"); the first shop when omitted. */
  shop(domain?: string): FakeShop;
  addShop(options: ShopOptions): FakeShop;
  tokens: TokenRegistry;
  faults: FaultInjector;
  clock: WorldClock;
  bulkConfig: BulkConfig;
  webhooks: {
    configure(options: Partial<DeliveryOptions>): void;
    /** Waits until every queued delivery (with retries and duplicates) is done. */
    flush(): Promise<void>;
    deliveries(): DeliveryRecord[];
    options(): DeliveryOptions;
  };
  /** Moves the world clock forward and folds every shop up to it (webhooks included). */
  advance(duration?: Duration): Map<string, ShopChange[]>;
  /** Requests the fake answered (Admin API, OAuth, storage), newest last. */
  requests(): RequestLogEntry[];
  redirect: FetchRedirect | null;
  /** Waits for running bulk operations and webhook deliveries. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeShopify(options: FakeShopifyOptions = {}): Promise<FakeShopify> {
  const appConfig = readAppConfig(options.appConfigPath ?? DEFAULT_APP_CONFIG);
  // Same credentials as the app under test, so its real auth and HMAC checks pass.
  const apiKey =
    options.apiKey ?? process.env.SHOPIFY_API_KEY ?? appConfig.clientId ?? "fake-shopify-api-key";
  const apiSecret = options.apiSecret ?? process.env.SHOPIFY_API_SECRET ?? DEFAULT_API_SECRET;
  const seed = options.seed ?? 1;
  adminSchema();
  const storage = await FileStorage.create();
  const clock = new WorldClock();
  const anchorSec = toSec(options.anchor ?? process.env.KIZUNA_TEST_ANCHOR ?? new Date());
  const faults = new FaultInjector(seed, options.faults);
  const dispatcher = new WebhookDispatcher(apiSecret, appConfig.apiVersion, seed, {
    ...options.webhooks,
    appUrl: options.appUrl ?? null,
  });
  const shops = new Map<string, FakeShop>();
  const tokens = new TokenRegistry(
    { apiKey, apiSecret },
    (domain) => shops.get(domain)?.scopes ?? null,
    options.tokens,
  );
  const bulkConfig: BulkConfig = { ...DEFAULT_BULK_CONFIG, ...options.bulk };
  let bulkIds = 4_412_000_000_000;
  const env = {
    clock,
    storage,
    tokens,
    dispatcher,
    subscriptions: () => appConfig.subscriptions,
    faults,
    bulkConfig: () => bulkConfig,
    nextBulkId: () => ++bulkIds,
    apiKey,
    apiSecret,
    defaultScopes: appConfig.scopes,
    seed,
    // A shop added after `advance()` ends its history at the advanced world time.
    defaultEndSec: () => anchorSec + Math.floor(clock.offsetMs / 1000),
  };
  const addShop = (shopOptions: ShopOptions): FakeShop => {
    const shop = new FakeShop(shopOptions, shops.size, env);
    if (shops.has(shop.domain)) throw new Error(`duplicate shop ${shop.domain}`);
    shops.set(shop.domain, shop);
    return shop;
  };
  for (const shopOptions of options.shops ?? [{}]) addShop(shopOptions);

  const advance = (duration: Duration = {}): Map<string, ShopChange[]> => {
    clock.offsetMs += durationMs(duration);
    const out = new Map<string, ShopChange[]>();
    for (const shop of shops.values()) out.set(shop.domain, shop.catchUp());
    return out;
  };

  let fake: FakeShopify | null = null;
  const server = new FakeShopifyServer({
    shops,
    tokens,
    storage,
    faults,
    clock,
    control: (method, path, query, body, res) => {
      if (!fake) return Promise.resolve(false);
      return createControlApi(fake)(method, path, query, body, res);
    },
  });
  const url = await server.listen(options.port ?? 0, options.host ?? "127.0.0.1");
  const redirect = options.redirect ? installFetchRedirect(url) : null;
  const liveMs = options.live === true ? 1000 : typeof options.live === "number" ? options.live : 0;
  const ticker = liveMs > 0 ? setInterval(() => advance(), liveMs) : null;
  ticker?.unref();

  fake = {
    url,
    apiKey,
    apiSecret,
    appConfig,
    shops,
    shop(domain?: string) {
      const shop =
        domain === undefined ? shops.values().next().value : shops.get(normalizeDomain(domain));
      if (!shop) throw new Error(`fake-shopify has no shop ${domain ?? "(none)"}`);
      return shop;
    },
    addShop,
    tokens,
    faults,
    clock,
    bulkConfig,
    webhooks: {
      configure: (o) => dispatcher.configure(o),
      flush: () => dispatcher.flush(),
      deliveries: () => dispatcher.records,
      options: () => ({ ...dispatcher.options }),
    },
    advance,
    requests: () => server.log.entries,
    redirect,
    async settle() {
      await Promise.all([...shops.values()].map((s) => s.bulk.settle()));
      await dispatcher.flush();
    },
    async close() {
      if (ticker) clearInterval(ticker);
      await Promise.all([...shops.values()].map((s) => s.bulk.abortAll()));
      dispatcher.close();
      redirect?.setTarget(null);
      await server.close();
      await storage.close();
    },
  };
  return fake;
}
