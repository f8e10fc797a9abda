/**
 * The loader's line items and first touches against a reference read of the same rows
 * (docs/decisions/0066-load-path.md): lines are read by order id and matched to their
 * OrderTable row in Node, first-order candidates found on the loaded rows. On a seeded shop
 * with the awkward cases — order ids that fall as time rises, ids above 2^53, ties at a
 * customer's first time, cancelled and test first orders, gift cards, an order's lines
 * stored out of id order, guests' and deleted orders' lines, another shop's lines under the
 * same order ids — every chunk size must give exactly what the reference gives.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../app/analytics/random";
import {
  ORDER_CANCELLED,
  ORDER_DISCOUNT,
  ORDER_DISCOUNT_UNKNOWN,
  ORDER_SUBSCRIPTION,
  ORDER_TEST,
} from "../../app/analytics/types";
import { createDatabase } from "../../app/db.server";
import { loadFrom } from "../../app/metrics/load-builder";
import {
  INT64_MAX,
  INT64_MIN,
  OrderChunk,
  type Id,
  type Source,
} from "../../app/metrics/load-columns";
import {
  loadShopData,
  loadShopOrders,
  readShop,
  type ShopData,
} from "../../app/metrics/load.server";
import { JOURNEY_NONE, JOURNEY_UNKNOWN, JOURNEY_VISIT } from "../../app/metrics/snapshot/stages";
import type { Journey } from "../../app/sync/attribution";
import type { CustomerRow, LineItemRow, OrderRow } from "../../app/sync/rows";
import { createRowStore } from "../../app/sync/store.server";

const url = process.env.DATABASE_URL!;
const db = createDatabase(url);
const store = createRowStore(url);
let shopId = 0;
let otherShopId = 0;
/** The same kind of shop without ids above 2^53 (the loader's usual path, ids as numbers). */
let narrowShopId = 0;

const BIG = 9_007_199_254_740_993n; // 2^53 + 1
const DAY = 86_400_000;

function seededShop(
  seed: number,
  wide = true,
): { orders: OrderRow[]; deleted: bigint[]; customers: CustomerRow[] } {
  const rng = new Rng(seed);
  const start = Date.parse("2024-01-01T00:00:00Z");
  // Order ids: a shuffled pool (so id order is not time order), some above 2^53.
  const ids: bigint[] = [];
  for (let k = 1; k <= 200; k++) {
    ids.push(k % 9 === 0 && wide ? BIG + BigInt(k) : BigInt(k * 1000));
  }
  for (let k = ids.length - 1; k > 0; k--) {
    const j = rng.int(k + 1);
    [ids[k], ids[j]] = [ids[j], ids[k]];
  }
  const products = [11n, 12n, 13n, wide ? BIG + 100n : 14n, null];
  const journey = (): Journey | null => {
    const r = rng.float();
    if (r < 0.2) return null;
    if (r < 0.4) return { kind: "none" };
    return {
      kind: "visit",
      source: rng.pick(["google", "instagram", null, ""]),
      sourceType: rng.pick(["search", "social", null]),
      utmSource: rng.pick(["ig", null]),
      utmMedium: rng.pick(["cpc", null]),
      utmCampaign: rng.pick(["spring", "summer", null]),
      utmContent: null,
      utmTerm: null,
      referrerHost: rng.pick(["google.com", null]),
      landingPath: null,
    };
  };
  const orders: OrderRow[] = [];
  let lineId = 1n;
  for (const id of ids) {
    const customer = rng.chance(0.1) ? null : BigInt(1 + rng.int(30));
    // Few distinct days, so a customer's orders tie at their first time now and then.
    const at = new Date(start + rng.int(6) * DAY);
    const lines: LineItemRow[] = [];
    const count = rng.int(4);
    for (let k = 0; k < count; k++) {
      const product = rng.pick(products);
      const quantity = 1 + rng.int(3);
      lines.push({
        id: lineId++,
        orderId: id,
        productId: product,
        variantId: product === null ? null : product * 10n + BigInt(rng.int(2)),
        quantity,
        currentQuantity: rng.int(quantity + 1),
        netMinor: BigInt(rng.int(5000)),
        subscription: false,
        giftCard: rng.chance(0.1),
        versionAt: at,
      });
    }
    orders.push({
      id,
      customerId: customer,
      processedAt: at,
      cancelledAt: rng.chance(0.15) ? new Date(at.getTime() + DAY) : null,
      test: rng.chance(0.08),
      grossMinor: 1_000n,
      refundedMinor: 0n,
      netMinor: 1_000n,
      itemQuantity: count,
      sourceName: rng.pick(["web", "pos", null]),
      subscription: false,
      shopifyUpdatedAt: at,
      channelHandle: rng.pick(["online_store", "pos", null]),
      firstTouch: journey(),
      // Some orders' lines stored in falling id order: the loader orders them by id.
      lineItems: rng.chance(0.3) ? lines.reverse() : lines,
    });
  }
  // Inserted by id, so ties are in id order on both databases (SQLite keeps insertion order).
  orders.sort((a, b) => (a.id < b.id ? -1 : 1));
  const deleted = orders.filter((o) => (o.lineItems ?? []).length > 0).map((o) => o.id);
  // Customer rows in no id order: most of the orders' customers, some without orders, one
  // above 2^53 (wide); customer 3 left to its orders (not synced yet).
  const customerIds = [...Array.from({ length: 40 }, (_, k) => BigInt(k + 1)), BIG + 7n]
    .filter((id) => id !== 3n && (wide || id < BIG))
    .sort(() => rng.float() - 0.5);
  const customers = customerIds.map((id) => {
    const createdAt = new Date(start - rng.int(400) * DAY);
    return { id, createdAt, shopifyUpdatedAt: createdAt, tags: "" };
  });
  return { orders, deleted: [deleted[3], deleted[17]], customers };
}

beforeAll(async () => {
  const stamp = `${process.pid}-${Date.now()}`;
  shopId = (await db.shop.create({ data: { domain: `load-lines-${stamp}.myshopify.com` } })).id;
  otherShopId = (
    await db.shop.create({ data: { domain: `load-lines-other-${stamp}.myshopify.com` } })
  ).id;
  const { orders, deleted, customers } = seededShop(15);
  await store.upsertCustomers(shopId, customers);
  await store.deleteCustomer(shopId, 35n);
  await store.upsertOrders(shopId, orders);
  for (const id of deleted) await store.deleteOrder(shopId, id);
  // Another shop: the same order ids with lines of their own.
  const other = seededShop(16).orders.map((o) => ({
    ...o,
    lineItems: (o.lineItems ?? []).map((l) => ({ ...l, productId: 999n, id: l.id + 10_000n })),
  }));
  await store.upsertOrders(otherShopId, other);
  narrowShopId = (
    await db.shop.create({ data: { domain: `load-lines-narrow-${stamp}.myshopify.com` } })
  ).id;
  const narrow = seededShop(17, false);
  await store.upsertCustomers(narrowShopId, narrow.customers);
  await store.deleteCustomer(narrowShopId, 36n);
  await store.upsertOrders(narrowShopId, narrow.orders);
  for (const id of narrow.deleted) await store.deleteOrder(narrowShopId, id);
});

afterAll(async () => {
  await db.shop.deleteMany({ where: { id: { in: [shopId, otherShopId, narrowShopId] } } });
  await store.close();
  await db.$disconnect();
});

const ATTRIBUTION = [
  "channelHandle",
  "sourceName",
  "firstSource",
  "firstSourceType",
  "utmSource",
  "utmMedium",
  "utmCampaign",
  "referrerHost",
] as const;
const SALES_CHANNEL = new Set(["channelHandle", "sourceName"]);

/** What the loader must give, read plainly through Prisma and sorted in JavaScript. */
async function reference(shopId: number) {
  const orders = await db.order.findMany({ where: { shopId, deleted: false } });
  const lines = await db.orderLineItem.findMany({ where: { shopId } });
  const byId = (a: { id: bigint }, b: { id: bigint }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  // OrderTable order: guests first, then by customer id; time, then id, within each.
  orders.sort((a, b) => {
    if (a.customerId !== b.customerId) {
      if (a.customerId === null) return -1;
      if (b.customerId === null) return 1;
      return a.customerId < b.customerId ? -1 : 1;
    }
    return a.processedAt.getTime() - b.processedAt.getTime() || byId(a, b);
  });
  const remaining = (o: (typeof orders)[number]) =>
    o.customerId !== null && o.cancelledAt === null && !o.test;
  // Lines of remaining orders, no gift cards, by row then line id; codes by first appearance.
  const codes = () => {
    const index = new Map<string, number>();
    return {
      index,
      code: (id: bigint | null) => {
        if (id === null) return -1;
        const key = id.toString();
        if (!index.has(key)) index.set(key, index.size);
        return index.get(key)!;
      },
    };
  };
  const products = codes();
  const variants = codes();
  const expected = {
    order: [] as number[],
    product: [] as number[],
    variant: [] as number[],
    quantity: [] as number[],
    currentQuantity: [] as number[],
    netMinor: [] as number[],
  };
  orders.forEach((o, row) => {
    if (!remaining(o)) return;
    for (const l of lines.filter((l) => l.orderId === o.id && !l.giftCard).sort(byId)) {
      expected.order.push(row);
      expected.product.push(products.code(l.productId));
      expected.variant.push(variants.code(l.variantId));
      expected.quantity.push(l.quantity);
      expected.currentQuantity.push(l.currentQuantity);
      expected.netMinor.push(Number(l.netMinor));
    }
  });
  // First touches: each customer's remaining orders at their earliest time, ties included.
  const first = new Map<bigint, number>();
  for (const o of orders) {
    if (!remaining(o)) continue;
    const t = first.get(o.customerId!);
    if (t === undefined || o.processedAt.getTime() < t)
      first.set(o.customerId!, o.processedAt.getTime());
  }
  const touches = orders.map((o) => {
    const candidate = remaining(o) && first.get(o.customerId!) === o.processedAt.getTime();
    const journey = !candidate
      ? JOURNEY_UNKNOWN
      : o.journey === "visit"
        ? JOURNEY_VISIT
        : o.journey === "none"
          ? JOURNEY_NONE
          : JOURNEY_UNKNOWN;
    const values = ATTRIBUTION.map((field) => {
      const value = o[field];
      if (!candidate || value === null || value === "") return null;
      return SALES_CHANNEL.has(field) || journey === JOURNEY_VISIT ? value : null;
    });
    return { journey, values };
  });
  return {
    times: orders.map((o) => o.processedAt.getTime()),
    lines: expected,
    products: [...products.index.keys()],
    variants: [...variants.index.keys()],
    touches,
  };
}

function loaded(data: ShopData) {
  const { lineItems, attribution, journey, products, variants } = data.acquisition;
  return {
    times: [...data.orders.processedAt],
    lines: {
      order: [...lineItems.order],
      product: [...lineItems.product],
      variant: [...lineItems.variant],
      quantity: [...lineItems.quantity],
      currentQuantity: [...lineItems.currentQuantity],
      netMinor: [...lineItems.netMinor],
    },
    products: [...products],
    variants: [...variants],
    touches: [...journey].map((j, row) => ({
      journey: j,
      values: ATTRIBUTION.map((field) => {
        const { code, dictionary } = attribution[field]!;
        return code[row] < 0 ? null : dictionary[code[row]];
      }),
    })),
  };
}

/** An id as the readers hand it over: a number when exact, else decimal text. */
const asId = (id: bigint): Id =>
  id <= BigInt(Number.MAX_SAFE_INTEGER) && id >= -BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(id)
    : id.toString();

/** A row's first-touch tuple as the readers give it (JSON text of journey, then fields). */
const tupleOf = (o: { journey: string | null } & Record<(typeof ATTRIBUTION)[number], unknown>) =>
  JSON.stringify([o.journey, ...ATTRIBUTION.map((field) => o[field])]);

/**
 * The readers' contract (load-columns.ts `Source`) answered by plain Prisma reads, one
 * query per call: what the shared builder makes of it is what either database's reader
 * must give, column for column.
 */
function referenceSource(shopId: number): Source {
  const flagsOf = (o: {
    cancelledAt: Date | null;
    test: boolean;
    subscription: boolean;
    discountCodes: string | null;
  }) =>
    (o.cancelledAt === null ? 0 : ORDER_CANCELLED) +
    (o.test ? ORDER_TEST : 0) +
    (o.subscription ? ORDER_SUBSCRIPTION : 0) +
    (o.discountCodes === null
      ? ORDER_DISCOUNT_UNKNOWN
      : o.discountCodes !== "[]"
        ? ORDER_DISCOUNT
        : 0);
  return {
    async customers(after, limit) {
      const rows = await db.customer.findMany({
        where: { shopId, deleted: false, id: { gt: after } },
        orderBy: { id: "asc" },
        take: limit,
      });
      return { ids: rows.map((c) => asId(c.id)), createdAt: rows.map((c) => +c.createdAt) };
    },
    async orders(range, into) {
      const rows = await db.order.findMany({
        where: {
          shopId,
          deleted: false,
          customerId: range ? { gt: range.lo, lte: range.hi } : null,
        },
        orderBy: [{ customerId: "asc" }, { processedAt: "asc" }, { id: "asc" }],
      });
      for (const o of rows) {
        const customer = o.customerId === null ? null : asId(o.customerId);
        const [gross, net] = [Number(o.grossMinor), Number(o.netMinor)];
        into.add(asId(o.id), customer, +o.processedAt, gross, net, flagsOf(o), NaN);
      }
    },
    async touches(chunk, rows) {
      const ids = rows.map((r) => BigInt(chunk.orderIdAt(r)));
      const found = new Map(
        (await db.order.findMany({ where: { shopId, id: { in: ids } } })).map((o) => [o.id, o]),
      );
      const kept = rows.filter((_, k) => found.has(ids[k]));
      return {
        rows: kept,
        tuples: ids.filter((id) => found.has(id)).map((id) => tupleOf(found.get(id)!)),
      };
    },
    async lineItems(range, into) {
      const rows = await db.orderLineItem.findMany({
        where: { shopId, giftCard: false, orderId: { gt: range.lo, lte: range.hi } },
      });
      for (const l of rows) {
        const [product, variant] = [l.productId, l.variantId].map((id) =>
          id === null ? null : asId(id),
        );
        into.add(
          asId(l.orderId),
          asId(l.id),
          product,
          variant,
          l.quantity,
          l.currentQuantity,
          Number(l.netMinor),
        );
      }
    },
  };
}

describe("loading line items and first touches by order id", () => {
  it("gives, column for column, what the builder makes of plain reads of the same rows", async () => {
    for (const shop of [shopId, narrowShopId]) {
      for (const chunkCustomers of [1, 7, undefined]) {
        const options = { chunkCustomers };
        const expected = await loadFrom(referenceSource(shop), options);
        expect(expected.customers.count).toBeGreaterThan(35);
        expect(await loadShopData(url, shop, options)).toEqual(expected);
      }
    }
  });

  it("reads the first touch of any order of a chunk, candidate or not", async () => {
    const orders = await db.order.findMany({
      where: { shopId, deleted: false, customerId: { not: null } },
    });
    const byId = new Map(orders.map((o) => [o.id.toString(), tupleOf(o)]));
    const { asked, touches } = await readShop(
      url,
      shopId,
      async (source) => {
        const chunk = new OrderChunk();
        await source.orders({ lo: INT64_MIN, hi: INT64_MAX }, chunk);
        const asked = Array.from({ length: chunk.length }, (_, i) => chunk.length - 1 - i);
        return {
          asked: asked.map((r) => chunk.orderIdAt(r).toString()),
          touches: await source.touches(chunk, asked),
        };
      },
      true,
    );
    expect(asked.length).toBe(orders.length);
    // Every order asked for, in the order asked; the same values as the order's columns.
    expect(touches.rows).toEqual(asked.map((_, k) => asked.length - 1 - k));
    expect(touches.tuples.map((t) => JSON.parse(t))).toEqual(
      asked.map((id) => JSON.parse(byId.get(id)!)),
    );
  });

  it("gives the reference's lines, codes and touches, whatever the chunk size", async () => {
    const expected = await reference(shopId);
    // The seeded shop has every case it is meant to have.
    expect(expected.lines.order.length).toBeGreaterThan(100);
    expect(expected.products).toContain((BIG + 100n).toString());
    expect(expected.touches.filter((t) => t.journey === JOURNEY_VISIT).length).toBeGreaterThan(3);
    const whole = await loadShopData(url, shopId);
    expect(loaded(whole)).toEqual(expected);
    // Chunks of 1–7 customers: line ranges of 4–28 orders, touch queries per chunk.
    for (const chunkCustomers of [1, 2, 7]) {
      expect(await loadShopData(url, shopId, { chunkCustomers })).toEqual(whole);
    }
  });

  it("gives the reference's lines, codes and touches when every id fits a number", async () => {
    const expected = await reference(narrowShopId);
    expect(expected.lines.order.length).toBeGreaterThan(100);
    expect(expected.products.every((id) => BigInt(id) <= BigInt(Number.MAX_SAFE_INTEGER))).toBe(
      true,
    );
    const whole = await loadShopData(url, narrowShopId);
    expect(loaded(whole)).toEqual(expected);
    for (const chunkCustomers of [1, 7]) {
      expect(await loadShopData(url, narrowShopId, { chunkCustomers })).toEqual(whole);
    }
  });

  it("gives the same orders and customers without the acquisition inputs", async () => {
    const { acquisition, ...orders } = await loadShopData(url, shopId);
    expect(acquisition.lineItems.order.length).toBeGreaterThan(0);
    for (const chunkCustomers of [1, 7, undefined]) {
      const alone = await loadShopOrders(url, shopId, { chunkCustomers });
      expect(alone).toEqual(orders);
      expect(alone).not.toHaveProperty("acquisition");
    }
  });

  it("hands over its orders and customers once, already complete", async () => {
    const handed: object[] = [];
    const data = await loadShopData(url, shopId, {
      chunkCustomers: 2,
      // A copy as they are at that moment: the compute's CLV stage starts on them.
      onOrders: (orders) => handed.push(structuredClone(orders)),
    });
    expect(handed).toHaveLength(1);
    const { acquisition, ...orders } = data;
    expect(acquisition.lineItems.order.length).toBeGreaterThan(0);
    expect(handed[0]).toEqual(orders);
  });
});
