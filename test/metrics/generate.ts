/**
 * A seeded synthetic shop in the sync layer's row shapes (CustomerRow / OrderRow), produced
 * in batches so a 1M-customer shop never sits in memory as objects. Purchases follow BG/NBD
 * (about 4 orders a customer over three years), values Gamma-Gamma; 5 % monthly subscribers,
 * guests, cancelled, test and refunded orders, and customers who never ordered.
 */
import { Rng } from "../../app/analytics/clv/simulate";
import type { CustomerRow, OrderRow } from "../../app/sync/rows";

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
}

export interface GeneratedBatch {
  readonly customers: CustomerRow[];
  readonly orders: OrderRow[];
}

export const FIRST_CUSTOMER_ID = 7_000_000_000n;

export function* generateShop(options: GenerateOptions): Generator<GeneratedBatch> {
  const rng = new Rng(options.seed);
  const end = options.end.getTime();
  const start = end - (options.years ?? 3) * 365 * DAY;
  const batchSize = options.batch ?? 5000;
  const firstId = options.firstId ?? FIRST_CUSTOMER_ID;
  let orderId = firstId * 10n;
  let customers: CustomerRow[] = [];
  let orders: OrderRow[] = [];

  const order = (customerId: bigint | null, at: number, subscription: boolean): void => {
    const gross = BigInt(Math.max(100, Math.round(rng.gamma(4, 4 / 5000))));
    const u = rng.uniform();
    const refunded = u < 0.02 ? gross : u < 0.06 ? gross / 2n : 0n;
    const v = rng.uniform();
    const when = new Date(Math.floor(at));
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
    });
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
