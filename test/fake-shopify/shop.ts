// One fake shop at runtime: its ground truth, API state (install, scopes, throttle buckets,
// bulk operations) and the webhooks its changes produce.
import { randomUUID } from "node:crypto";
import type { TokenRegistry } from "./auth/oauth";
import { mintSessionToken, type SessionTokenOptions } from "./auth/session-token";
import { BulkOperationManager, type BulkConfig } from "./bulk/manager";
import type { FileStorage } from "./bulk/storage";
import type { BulkOperationView, ShopApi, StagedTarget } from "./bulk/types";
import type { FaultInjector } from "./faults";
import type { CancelReason } from "./generator/plans";
import { resolveSpec, type ShopOptions, type ShopSpec } from "./generator/spec";
import type { ResolverContext } from "./graphql/context";
import { adminSchema } from "./graphql/schema";
import { GRAPHQL_LIMITS, LeakyBucket, REST_LIMITS } from "./graphql/throttle";
import type { ShopChange } from "./store/changes";
import { FlowTriggerStore } from "./store/flow-triggers";
import { SegmentStore } from "./store/segments";
import {
  ShopStore,
  ShopStoreError,
  type CreateCustomerInput,
  type CreateOrderInput,
  type RefundInput,
} from "./store/shop-store";
import { customerTruth, orderTruth, type CustomerTruth, type OrderTruth } from "./truth";
import type { CurrencyCode } from "./util/money";
import { hash32 } from "./util/random";
import { isoUtc } from "./util/time";
import type { WebhookDispatcher } from "./webhooks/dispatcher";
import { PayloadBuilder } from "./webhooks/payloads";
import { includedFields, type Subscription } from "./webhooks/subscriptions";

/**
 * The fake's single world clock (data time): the process clock plus what `advance()` added.
 * In the test suite the process clock is itself virtual (test/setup/virtual-clock.mjs), so
 * the world starts at the suite's anchor date, not at today's date.
 */
export class WorldClock {
  offsetMs = 0;

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  nowSec(): number {
    return Math.floor(this.nowMs() / 1000);
  }
}

export interface ShopEnvironment {
  clock: WorldClock;
  storage: FileStorage;
  tokens: TokenRegistry;
  dispatcher: WebhookDispatcher;
  subscriptions: () => Subscription[];
  faults: FaultInjector;
  bulkConfig: () => BulkConfig;
  nextBulkId: () => number;
  apiKey: string;
  apiSecret: string;
  defaultScopes: string[];
  seed: number;
  /** Epoch seconds where a new shop's generated history ends unless it sets its own `end`. */
  defaultEndSec: () => number;
}

export interface Duration {
  days?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
}

export function durationMs(d: Duration): number {
  return (
    ((d.days ?? 0) * 86_400 + (d.hours ?? 0) * 3600 + (d.minutes ?? 0) * 60 + (d.seconds ?? 0)) *
    1000
  );
}

export interface SentWebhook {
  topic: string;
  webhookId: string;
  eventId: string;
  payload: unknown;
}

const COMPLIANCE_TOPICS = new Set(["customers/data_request", "customers/redact", "shop/redact"]);

export class FakeShop {
  readonly spec: ShopSpec;
  readonly domain: string;
  readonly store: ShopStore;
  readonly shopId: number;
  readonly installationId: number;
  readonly graphqlBucket: LeakyBucket;
  readonly restBucket: LeakyBucket;
  readonly bulk: BulkOperationManager;
  readonly payloads: PayloadBuilder;
  scopes: string[];
  installed = true;
  /** Tag writes the app made (tagsAdd/tagsRemove, also inside bulk mutations). */
  readonly appTagWrites: Array<{
    at: number;
    customerId: bigint;
    add: string[];
    remove: string[];
  }> = [];
  /** Customer segments (segmentCreate / segmentUpdate / segmentDelete). */
  readonly segments: SegmentStore;
  /** Shopify Flow triggers received (flowTriggerReceive), with fault injection. */
  readonly flow: FlowTriggerStore;
  /** Every webhook this shop emitted, in emission order. */
  readonly sent: SentWebhook[] = [];
  private readonly env: ShopEnvironment;
  private uploads = 0;

  constructor(options: ShopOptions, index: number, env: ShopEnvironment) {
    this.env = env;
    this.spec = resolveSpec({ ...options, end: options.end ?? env.defaultEndSec() }, index);
    this.domain = this.spec.domain;
    this.store = new ShopStore(this.spec, () => env.clock.nowSec());
    this.shopId = 60_000_000_000 + (hash32(this.spec.seed, index) % 1_000_000_000);
    this.installationId = 500_000_000 + index;
    this.scopes = [...(this.spec.scopes ?? env.defaultScopes)];
    this.graphqlBucket = new LeakyBucket(GRAPHQL_LIMITS[this.spec.plan]);
    this.restBucket = new LeakyBucket(REST_LIMITS[this.spec.plan]);
    this.payloads = new PayloadBuilder(this.store, this.shopId);
    this.segments = new SegmentStore(400_000_000 + index * 1000, () => isoUtc(env.clock.nowSec()));
    this.flow = new FlowTriggerStore(() => isoUtc(env.clock.nowSec()));
    this.bulk = new BulkOperationManager({
      schema: adminSchema(),
      store: this.store,
      storage: env.storage,
      shopId: this.shopId,
      config: env.bulkConfig,
      nextId: env.nextBulkId,
      now: () => env.clock.nowSec(),
      fault: (type) => env.faults.bulk(this.domain, type),
      onFinish: (op) => this.bulkFinished(op),
      context: (scopes, withApi) => this.context(scopes, withApi),
      seed: this.spec.seed,
    });
  }

  // ── API plumbing ────────────────────────────────────────────────────────────────────

  private requests = 0;

  private readonly api: Omit<ShopApi, "segments" | "flow" | "request"> = {
    bulk: {
      runQuery: (q, g, s) => this.bulk.runQuery(q, g, s),
      runMutation: (m, p, c, s) => this.bulk.runMutation(m, p, c, s),
      get: (id) => this.bulk.get(id),
      current: (t) => this.bulk.current(t),
      list: () => this.bulk.list(),
      cancel: (id) => this.bulk.cancel(id),
    },
    staged: { create: (input) => this.stagedTarget(input) },
    emit: (changes) => this.emit(changes),
    installationId: 0,
  };

  context(scopes: ReadonlySet<string>, withApi: boolean): ResolverContext {
    return {
      store: this.store,
      spec: this.spec,
      shopId: this.shopId,
      scopes,
      search: [],
      api: withApi
        ? {
            ...this.api,
            installationId: this.installationId,
            segments: this.segments,
            flow: this.flow,
            request: ++this.requests,
          }
        : null,
    };
  }

  private stagedTarget(input: {
    resource: string;
    filename: string;
    mimeType: string;
  }): StagedTarget {
    const key = `tmp/${this.shopId}/bulk/${randomUUID()}/${input.filename.replace(/[^A-Za-z0-9._-]/g, "_") || "upload"}`;
    this.uploads++;
    return {
      url: "https://shopify-staged-uploads.storage.googleapis.com/",
      resourceUrl: null,
      parameters: this.env.storage.uploadTarget(key, input.mimeType, this.env.clock.nowSec(), 3600),
    };
  }

  // ── webhooks ────────────────────────────────────────────────────────────────────────

  /** Sends a webhook for every subscription of `topic` (skipped after uninstall, except compliance). */
  sendWebhook(
    topic: string,
    payload: unknown,
    atSec = this.env.clock.nowSec(),
    eventId: string = randomUUID(),
  ): SentWebhook[] {
    if (!this.installed && !COMPLIANCE_TOPICS.has(topic) && topic !== "app/uninstalled") return [];
    const out: SentWebhook[] = [];
    for (const sub of this.env.subscriptions()) {
      if (sub.topic !== topic) continue;
      const webhookId = randomUUID();
      // As Shopify does, a subscription's include_fields trims the payload it delivers.
      const delivered = sub.includeFields ? includedFields(payload, sub.includeFields) : payload;
      this.env.dispatcher.send({
        shop: this.domain,
        topic,
        uri: sub.uri,
        payload: delivered,
        webhookId,
        eventId,
        triggeredAtMs: atSec * 1000,
      });
      const sent = { topic, webhookId, eventId, payload: delivered };
      out.push(sent);
      this.sent.push(sent);
    }
    if (this.sent.length > 100_000) this.sent.splice(0, this.sent.length - 100_000);
    return out;
  }

  /** Maps domain changes to Shopify topics, with payloads as of each change. */
  emit(changes: readonly ShopChange[]): void {
    for (const change of changes) {
      const eventId = randomUUID();
      const at = change.at;
      if (change.kind === "order") {
        const { serial } = change;
        if (change.change === "deleted") {
          this.sendWebhook(
            "orders/delete",
            this.payloads.orderDeleted(this.store.orderId(serial)),
            at,
            eventId,
          );
          continue;
        }
        const order = () => this.payloads.order(serial, at);
        if (change.change === "created") this.sendWebhook("orders/create", order(), at, eventId);
        if (change.change === "cancelled")
          this.sendWebhook("orders/cancelled", order(), at, eventId);
        if (change.refundIndex !== null) {
          const refund = this.payloads.refundCreated(serial, change.refundIndex, at);
          if (refund) this.sendWebhook("refunds/create", refund, at, eventId);
        }
        this.sendWebhook("orders/updated", order(), at, eventId);
        continue;
      }
      const { slot } = change;
      if (change.change === "redacted") continue;
      if (change.source === "app" && change.tags) {
        this.appTagWrites.push({ at, customerId: this.store.customerId(slot), ...change.tags });
      }
      if (change.change === "deleted") {
        this.sendWebhook(
          "customers/delete",
          this.payloads.customerDeleted(this.store.customerId(slot)),
          at,
          eventId,
        );
        continue;
      }
      const state = this.store.customerState(slot, at, false);
      if (!state) continue;
      this.sendWebhook(
        change.change === "created" ? "customers/create" : "customers/update",
        this.payloads.customer(state),
        at,
        eventId,
      );
      // Since API 2025-01 tags travel only in these topics (one event each, their own id).
      const tags = change.change === "created" ? { add: state.tags, remove: [] } : change.tags;
      if (tags?.remove.length) {
        const payload = this.payloads.customerTags(state.id, tags.remove, at);
        this.sendWebhook("customer.tags_removed", payload, at);
      }
      if (tags?.add.length) {
        this.sendWebhook(
          "customer.tags_added",
          this.payloads.customerTags(state.id, tags.add, at),
          at,
        );
      }
    }
  }

  private bulkFinished(op: BulkOperationView): void {
    this.sendWebhook("bulk_operations/finish", this.payloads.bulkFinished(op));
  }

  // ── time ────────────────────────────────────────────────────────────────────────────

  /** Folds generated events up to the world clock and sends their webhooks. */
  catchUp(): ShopChange[] {
    const changes = this.store.catchUp();
    this.emit(changes);
    return changes;
  }

  // ── credentials ─────────────────────────────────────────────────────────────────────

  /** A session token (App Bridge id token) for this shop, signed with the app secret. */
  sessionToken(options: Omit<SessionTokenOptions, "shop" | "apiKey" | "apiSecret"> = {}): string {
    return mintSessionToken({
      ...options,
      shop: this.domain,
      apiKey: this.env.apiKey,
      apiSecret: this.env.apiSecret,
    });
  }

  /** Issues an access token directly (for workers/tests that skip token exchange). */
  accessToken(options: { expiring?: boolean; online?: boolean } = {}) {
    return this.env.tokens.issue(this.domain, options);
  }

  // ── merchant actions (each sends the webhooks Shopify would) ───────────────────────

  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof ShopStoreError) throw new Error(`${this.domain}: ${error.message}`);
      throw error;
    }
  }

  private serial(orderId: bigint): number {
    const serial = this.store.serialOfOrderId(orderId);
    if (serial < 0) throw new Error(`${this.domain}: no order ${orderId}`);
    return serial;
  }

  private slot(customerId: bigint): number {
    const slot = this.store.slotOfCustomerId(customerId);
    if (slot < 0) throw new Error(`${this.domain}: no customer ${customerId}`);
    return slot;
  }

  createOrder(input: CreateOrderInput = {}): OrderTruth {
    const { serial, changes } = this.run(() => this.store.createOrder(input));
    this.emit(changes);
    return orderTruth(this.store, serial, this.store.orderState(serial));
  }

  refundOrder(orderId: bigint, input: RefundInput = { all: true }): OrderTruth {
    const serial = this.serial(orderId);
    this.emit(this.run(() => this.store.refundOrder(serial, input)));
    return orderTruth(this.store, serial, this.store.orderState(serial));
  }

  cancelOrder(orderId: bigint, reason: CancelReason = "CUSTOMER", refund = true): OrderTruth {
    const serial = this.serial(orderId);
    this.emit(this.run(() => this.store.cancelOrder(serial, reason, refund)));
    return orderTruth(this.store, serial, this.store.orderState(serial));
  }

  fulfillOrder(orderId: bigint): void {
    this.emit(this.run(() => this.store.fulfillOrder(this.serial(orderId))));
  }

  deleteOrder(orderId: bigint): void {
    this.emit(this.run(() => this.store.deleteOrder(this.serial(orderId))));
  }

  tagOrder(orderId: bigint, add: string[], remove: string[] = []): void {
    this.emit(this.run(() => this.store.tagOrder(this.serial(orderId), add, remove)));
  }

  createCustomer(input: CreateCustomerInput = {}): CustomerTruth {
    const { slot, changes } = this.run(() => this.store.createCustomer(input));
    this.emit(changes);
    const state = this.store.customerState(slot);
    if (!state) throw new Error("customer vanished");
    return customerTruth(state);
  }

  /** Merchant edits a customer's tags in the admin (customers/update, customer.tags_*). */
  setCustomerTags(customerId: bigint, tags: string[]): void {
    const slot = this.slot(customerId);
    const current = this.store.customerState(slot, this.store.upTo, false)?.tags ?? [];
    const lower = new Set(tags.map((t) => t.toLowerCase()));
    const remove = current.filter((t) => !lower.has(t.toLowerCase()));
    this.emit(this.run(() => this.store.changeCustomerTags(slot, tags, remove, "merchant")));
  }

  touchCustomer(customerId: bigint): void {
    this.emit(this.run(() => this.store.touchCustomer(this.slot(customerId))));
  }

  deleteCustomer(customerId: bigint): void {
    this.emit(this.run(() => this.store.deleteCustomer(this.slot(customerId))));
  }

  /**
   * The merchant edits a variant's unit cost (null clears it; `currency` for a cost entered
   * in another currency): inventory_items/update and products/update, as Shopify sends.
   */
  setVariantCost(variantId: bigint, costMinor: number | null, currency?: CurrencyCode) {
    const at = this.env.clock.nowSec();
    const variant = this.store.variantCosts.setCost(Number(variantId), costMinor, at, currency);
    this.sendWebhook("inventory_items/update", this.payloads.inventoryItem(variant), at);
    this.sendWebhook(
      "products/update",
      this.payloads.product(this.store.variantCosts.ofProduct(variant.productId)),
      at,
    );
    return { ...variant };
  }

  /**
   * The merchant edits a product's type ("" clears it): products/update, as Shopify sends
   * (the payload's product_type and updated_at).
   */
  setProductType(productId: bigint, productType: string) {
    const at = this.env.clock.nowSec();
    const variants = this.store.variantCosts.setProductType(Number(productId), productType, at);
    this.sendWebhook("products/update", this.payloads.product(variants), at);
    return variants.map((v) => ({ ...v }));
  }

  /** The merchant creates a manual collection with these products: collections/create. */
  createCollection(title: string, productIds: readonly bigint[]) {
    const at = this.env.clock.nowSec();
    const c = this.store.collections.create(title, productIds.map(Number), at);
    this.sendWebhook("collections/create", this.payloads.collection(c), at);
    return c.collectionId;
  }

  /**
   * The merchant adds or removes products of a manual collection by hand, from the
   * collection's page: collections/update (its payload lists no products).
   */
  setCollectionProducts(
    collectionId: number,
    add: readonly bigint[],
    remove: readonly bigint[] = [],
  ) {
    const at = this.env.clock.nowSec();
    const c = this.store.collections.setMembers(
      collectionId,
      add.map(Number),
      remove.map(Number),
      at,
    );
    this.sendWebhook("collections/update", this.payloads.collection(c), at);
  }

  /** The merchant renames a collection: collections/update. */
  renameCollection(collectionId: number, title: string) {
    const at = this.env.clock.nowSec();
    const c = this.store.collections.rename(collectionId, title, at);
    this.sendWebhook("collections/update", this.payloads.collection(c), at);
  }

  /** The merchant deletes a collection: collections/delete. */
  deleteCollection(collectionId: number) {
    const at = this.env.clock.nowSec();
    this.store.collections.delete(collectionId);
    this.sendWebhook("collections/delete", this.payloads.collectionDeleted(collectionId), at);
  }

  /**
   * Changes a manual collection's products without any webhook (a delivery Shopify gave up
   * on): only reconciliation can find it.
   */
  setCollectionProductsSilently(
    collectionId: number,
    add: readonly bigint[],
    remove: readonly bigint[] = [],
  ) {
    const at = this.env.clock.nowSec();
    this.store.collections.setMembers(collectionId, add.map(Number), remove.map(Number), at);
  }

  /** Every collection with its title and products, as Shopify has them now (ground truth). */
  collections() {
    return this.store.collections.list().map((c) => ({
      collectionId: c.collectionId,
      title: c.title,
      kind: c.kind,
      productIds: this.store.collections.members(c),
    }));
  }

  /** Every product with its type, as Shopify has it now (ground truth). */
  productTypes() {
    return this.store.variantCosts.products().map((v) => ({
      productId: v.productId,
      productType: v.productType,
      updatedAtSec: v.productUpdatedAt,
    }));
  }

  /** Every variant with its cost, as Shopify has it now (ground truth). */
  variants() {
    return this.store.variantCosts.list().map((v) => ({ ...v }));
  }

  // ── app lifecycle and privacy ───────────────────────────────────────────────────────

  uninstall(): void {
    this.sendWebhook("app/uninstalled", this.payloads.shop());
    this.installed = false;
    this.env.tokens.revokeShop(this.domain);
  }

  install(): void {
    this.installed = true;
  }

  updateScopes(scopes: string[]): void {
    const previous = this.scopes;
    this.scopes = [...scopes];
    this.env.tokens.rescope(this.domain, scopes);
    this.sendWebhook(
      "app/scopes_update",
      this.payloads.scopesUpdate(this.installationId, previous, this.scopes),
    );
  }

  /** The merchant forwards a customer's data request (customers/data_request). */
  requestCustomerData(customerId: bigint): void {
    const slot = this.slot(customerId);
    const state = this.store.customerState(slot);
    if (!state) throw new Error(`${this.domain}: no customer ${customerId}`);
    const orders = this.store.customerOrderSerials(slot).map((s) => this.store.orderId(s));
    this.sendWebhook(
      "customers/data_request",
      this.payloads.customerDataRequest(state, orders, 9_000_000 + slot),
    );
  }

  /** Customer erasure: sends customers/redact and erases the customer from the shop. */
  redactCustomer(customerId: bigint): void {
    const slot = this.slot(customerId);
    const state = this.store.customerState(slot);
    if (!state) throw new Error(`${this.domain}: no customer ${customerId}`);
    const orders = this.store.customerOrderSerials(slot).map((s) => this.store.orderId(s));
    this.sendWebhook("customers/redact", this.payloads.customerRedact(state, orders));
    this.emit(this.run(() => this.store.redactCustomer(slot)));
  }

  /** shop/redact, as Shopify sends 48 hours after uninstall. */
  redactShop(): void {
    this.sendWebhook("shop/redact", this.payloads.shopRedact());
  }

  // ── ground truth ────────────────────────────────────────────────────────────────────

  *orders(): Generator<OrderTruth> {
    for (const slot of this.store.visibleSlots(false)) {
      for (let i = 0; i < slot.orders.length; i++) {
        const state = slot.orders[i];
        const serial = slot.serials[i];
        if (state && serial !== undefined) yield orderTruth(this.store, serial, state);
      }
    }
  }

  *customers(): Generator<CustomerTruth> {
    for (const slot of this.store.visibleSlots())
      if (slot.customer) yield customerTruth(slot.customer);
  }

  order(id: bigint): OrderTruth | null {
    const serial = this.store.serialOfOrderId(id);
    if (serial < 0 || !this.store.isOrderVisible(serial)) return null;
    return orderTruth(this.store, serial, this.store.orderState(serial));
  }

  customer(id: bigint): CustomerTruth | null {
    const slot = this.store.slotOfCustomerId(id);
    if (slot < 0 || !this.store.isCustomerVisible(slot)) return null;
    const state = this.store.customerState(slot);
    return state ? customerTruth(state) : null;
  }

  counts() {
    return this.store.counts();
  }

  summary() {
    return {
      domain: this.domain,
      shopId: this.shopId,
      currency: this.spec.currency.code,
      timezone: this.spec.timezone,
      plan: this.spec.plan,
      installed: this.installed,
      scopes: this.scopes,
      now: new Date(this.env.clock.nowMs()).toISOString(),
      dataUpTo: new Date(this.store.upTo * 1000).toISOString(),
      counts: this.counts(),
      throttle: { status: this.graphqlBucket.status(), stats: { ...this.graphqlBucket.stats } },
      bulkOperations: this.bulk.list().length,
      webhooksSent: this.sent.length,
      stagedUploads: this.uploads,
    };
  }
}
