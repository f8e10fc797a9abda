/**
 * A seeded synthetic shop in the sync layer's row shapes (CustomerRow / OrderRow), produced
 * in batches so a 1M-customer shop never sits in memory as objects. Purchases follow BG/NBD
 * (about 4 orders a customer over three years), values Gamma-Gamma; 5 % monthly subscribers,
 * guests, cancelled, test and refunded orders, and customers who never ordered.
 * With `acquisition`, orders also carry a first touch and 1–3 line items over GENERATED_PRODUCTS
 * products (3 variants each), drawn from a stream of their own so the shop is otherwise the same.
 */
import { Rng } from "../../app/analytics/clv/simulate";
import type { CustomerRow, Journey, OrderRow, VariantCostRow } from "../../app/sync/rows";

const DAY = 86_400_000;

export interface GenerateOptions {
  readonly customers: number;
  readonly seed: number;
  /** Orders fall in [end − years, end). */
  readonly end: Date;
  readonly years?: number;
  /** Customers per yielded batch; default 5000. */
  readonly batch?: number;
  /** Shopify ids start here (customers) and at 10× (orders). */
  readonly firstId?: bigint;
  /** The id of the c-th customer instead of firstId + c (e.g. a fake Shopify shop's ids). */
  readonly customerId?: (c: number) => bigint;
  /** Orders carry first touches and line items (see the module comment). */
  readonly acquisition?: boolean;
  /** The Shopify id of generated product p (e.g. a fake Shopify shop's, so titles resolve);
   *  variant ids stay generated (generatedVariantCosts keys costs by them). */
  readonly productId?: (p: number) => bigint;
}

export const GENERATED_PRODUCTS = 200;
const FIRST_PRODUCT_ID = 8_000_000_000n;

/** First touches with their share of orders (the rest: journey not known). */
const TOUCHES: readonly [number, Journey][] = [
  [0.3, { kind: "none" }],
  [0.2, visit({ utmSource: "google", utmMedium: "cpc" })],
  [0.1, visit({ utmSource: "instagram", utmMedium: "paid_social" })],
  [0.1, visit({ referrerHost: "instagram.com" })],
  [0.1, visit({ utmSource: "newsletter", utmMedium: "email" })],
  [0.1, visit({ referrerHost: "google.co.jp", source: "google" })],
];

function visit(values: Partial<Extract<Journey, { kind: "visit" }>>): Journey {
  return {
    kind: "visit",
    source: null,
    sourceType: null,
    utmSource: null,
    utmMedium: null,
    utmCampaign: null,
    utmContent: null,
    utmTerm: null,
    referrerHost: null,
    landingPath: "/",
    ...values,
  };
}

/** Unit costs of the generated variants: 4 in 5 have one (40 % of a 1,000 price step). */
export function generatedVariantCosts(updatedAt: Date): VariantCostRow[] {
  const rows: VariantCostRow[] = [];
  for (let p = 0; p < GENERATED_PRODUCTS; p++) {
    for (let v = 0; v < 3; v++) {
      const variantId = FIRST_PRODUCT_ID * 10n + BigInt(p * 3 + v);
      rows.push({
        variantId,
        productId: FIRST_PRODUCT_ID + BigInt(p),
        inventoryItemId: variantId,
        unitCostMinor: (p * 3 + v) % 5 === 4 ? null : BigInt(400 + 40 * v),
        currency: (p * 3 + v) % 5 === 4 ? null : "JPY",
        shopifyUpdatedAt: updatedAt,
      });
    }
  }
  return rows;
}

export interface GeneratedBatch {
  readonly customers: CustomerRow[];
  readonly orders: OrderRow[];
}

export const FIRST_CUSTOMER_ID = 7_000_000_000n;

export function* generateShop(options: GenerateOptions): Generator<GeneratedBatch> {
  const rng = new Rng(options.seed);
  const extra = new Rng(options.seed + 1_000_003);
  const end = options.end.getTime();
  const start = end - (options.years ?? 3) * 365 * DAY;
  const batchSize = options.batch ?? 5000;
  const firstId = options.firstId ?? FIRST_CUSTOMER_ID;
  let orderId = firstId * 10n;
  let lineItemId = firstId * 100n;
  let customers: CustomerRow[] = [];
  let orders: OrderRow[] = [];

  const order = (customerId: bigint | null, at: number, subscription: boolean): void => {
    const gross = BigInt(Math.max(100, Math.round(rng.gamma(4, 4 / 5000))));
    const u = rng.uniform();
    const refunded = u < 0.02 ? gross : u < 0.06 ? gross / 2n : 0n;
    const v = rng.uniform();
    const when = new Date(Math.floor(at));
    const id = orderId;
    orders.push({
      id: orderId++,
      customerId,
      processedAt: when,
      cancelledAt: v < 0.02 ? new Date(Math.floor(at) + 3_600_000) : null,
      test: v >= 0.02 && v < 0.022,
      grossMinor: gross,
      refundedMinor: refunded,
      netMinor: gross - refunded,
      itemQuantity: 1 + Math.floor(rng.uniform() * 3),
      sourceName: "web",
      subscription,
      shopifyUpdatedAt: when,
      ...(options.acquisition ? acquisitionOf(id, gross, subscription, when) : {}),
    });
  };
  const acquisitionOf = (id: bigint, gross: bigint, subscription: boolean, when: Date) => {
    let u = extra.uniform();
    let firstTouch: Journey | null = null;
    for (const [share, touch] of TOUCHES) {
      if (u < share) {
        firstTouch =
          touch.kind === "visit" && touch.utmMedium !== null
            ? { ...touch, utmCampaign: `campaign_${Math.floor(extra.uniform() * 20)}` }
            : touch;
        break;
      }
      u -= share;
    }
    const lines = 1 + Math.floor(extra.uniform() * 3);
    const lineItems = [];
    for (let k = 0; k < lines; k++) {
      // Popularity skewed: a few entry products dominate.
      const p = Math.floor(GENERATED_PRODUCTS * extra.uniform() ** 2);
      const v = Math.floor(extra.uniform() * 3);
      const quantity = 1 + Math.floor(extra.uniform() * 2);
      lineItems.push({
        id: lineItemId++,
        orderId: id,
        productId: options.productId?.(p) ?? FIRST_PRODUCT_ID + BigInt(p),
        variantId: FIRST_PRODUCT_ID * 10n + BigInt(p * 3 + v),
        quantity,
        currentQuantity: quantity,
        netMinor: gross / BigInt(lines),
        subscription,
        giftCard: false,
        versionAt: when,
      });
    }
    return { channelHandle: "online_store", discountCodeList: [], firstTouch, lineItems };
  };

  for (let c = 0; c < options.customers; c++) {
    const id = options.customerId?.(c) ?? firstId + BigInt(c);
    const first = start + (end - start) * rng.uniform();
    const u = rng.uniform();
    const createdAt = new Date(Math.floor(first - rng.uniform() * 30 * DAY));
    customers.push({ id, createdAt, shopifyUpdatedAt: createdAt, tags: c % 7 === 0 ? "vip" : "" });
    if (u < 0.03) {
      // Registered, never ordered.
    } else if (u < 0.08) {
      // Monthly subscriber who cancels with probability 8 % at each renewal.
      let at = first;
      do {
        order(id, at, true);
        at += (28 + 6 * rng.uniform()) * DAY;
      } while (at < end && rng.uniform() > 0.08);
    } else {
      const rate = rng.gamma(1, 110); // purchases a day while alive
      const drop = rng.beta(0.7, 4);
      let at = first;
      for (let k = 0; at < end; k++) {
        order(id, at, false);
        if (k > 0 && rng.uniform() < drop) break;
        at += rng.exponential(rate) * DAY;
      }
    }
    if (rng.uniform() < 0.03) order(null, start + (end - start) * rng.uniform(), false);
    if (customers.length === batchSize) {
      yield { customers, orders };
      customers = [];
      orders = [];
    }
  }
  if (customers.length > 0 || orders.length > 0) yield { customers, orders };
}
