/**
 * Loads one shop's orders and customers into the analytics engine's columnar tables,
 * straight from the driver (a Prisma row costs more than the whole computation) and
 * streaming: rows are copied into growing typed arrays, never held as objects.
 * Every query is scoped to the shop. Deleted (tombstoned) rows are left out.
 */
import Database from "better-sqlite3";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { isPostgresUrl, sqliteFilePath } from "../../prisma/database-url.mjs";
import {
  ORDER_CANCELLED,
  ORDER_SUBSCRIPTION,
  ORDER_TEST,
  type CustomerTable,
  type OrderTable,
} from "../analytics/types";

export interface ShopData {
  orders: OrderTable;
  customers: CustomerTable;
  /** Shopify id of each dense customer index. */
  customerIds: BigInt64Array;
}

/** A typed array that doubles as it fills. */
class Column<T extends Float64Array | Int32Array | Uint8Array | BigInt64Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  push(value: T[number]): void {
    if (this.length === this.data.length) {
      const next = this.make(Math.max(1024, this.data.length * 2));
      next.set(this.data as never);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
  done(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

const f64 = () => new Column(new Float64Array(1024), (n) => new Float64Array(n));
const i32 = () => new Column(new Int32Array(1024), (n) => new Int32Array(n));
const u8 = () => new Column(new Uint8Array(1024), (n) => new Uint8Array(n));
const i64 = () => new Column(new BigInt64Array(1024), (n) => new BigInt64Array(n));

/**
 * Builds the tables from customers, then orders in (customer nulls first, customer,
 * processedAt) order. Dense indexes follow the orders' customer order, so the OrderTable
 * is sorted by index as the engine requires; customers without orders come last.
 */
class ShopDataBuilder {
  /** createdAt of customers not yet given an index. */
  private readonly pending = new Map<bigint, number>();
  private readonly index = new Map<bigint, number>();
  private readonly ids = i64();
  private readonly createdAt = f64();
  private readonly customer = i32();
  private readonly processedAt = f64();
  private readonly gross = f64();
  private readonly net = f64();
  private readonly flags = u8();

  addCustomer(id: bigint, createdAtMs: number): void {
    this.pending.set(id, createdAtMs);
  }

  private indexOf(id: bigint, fallbackCreatedAt: number): number {
    let c = this.index.get(id);
    if (c === undefined) {
      c = this.ids.length;
      this.index.set(id, c);
      this.ids.push(id);
      this.createdAt.push(this.pending.get(id) ?? fallbackCreatedAt);
      this.pending.delete(id);
    }
    return c;
  }

  addOrder(
    customerId: bigint | null,
    processedAtMs: number,
    grossMinor: number,
    netMinor: number,
    cancelled: boolean,
    test: boolean,
    subscription: boolean,
  ): void {
    this.customer.push(customerId === null ? -1 : this.indexOf(customerId, processedAtMs));
    this.processedAt.push(processedAtMs);
    this.gross.push(grossMinor);
    this.net.push(netMinor);
    this.flags.push(
      (cancelled ? ORDER_CANCELLED : 0) |
        (test ? ORDER_TEST : 0) |
        (subscription ? ORDER_SUBSCRIPTION : 0),
    );
  }

  build(): ShopData {
    for (const [id, createdAtMs] of this.pending) this.indexOf(id, createdAtMs);
    const orders: OrderTable = {
      length: this.customer.length,
      customer: this.customer.done(),
      processedAt: this.processedAt.done(),
      grossMinor: this.gross.done(),
      netMinor: this.net.done(),
      flags: this.flags.done(),
    };
    return {
      orders,
      customers: { count: this.ids.length, createdAt: this.createdAt.done() },
      customerIds: this.ids.done(),
    };
  }
}

// Customers first (ascending id gives a stable dense index), then orders by customer
// and time; guests (NULL customer) first as the OrderTable contract asks.
const CUSTOMERS_SQL = (ms: (col: string) => string, deletedFalse: string) =>
  `SELECT "id", ${ms('"createdAt"')} AS "createdAtMs" FROM "Customer"
   WHERE "shopId" = $1 AND "deleted" = ${deletedFalse} ORDER BY "id"`;
const ORDERS_SQL = (ms: (col: string) => string, deletedFalse: string) =>
  `SELECT "customerId", ${ms('"processedAt"')} AS "processedAtMs", "grossMinor", "netMinor",
          "cancelledAt" IS NOT NULL AS "cancelled", "test", "subscription"
   FROM "Order" WHERE "shopId" = $1 AND "deleted" = ${deletedFalse}
   ORDER BY "customerId" NULLS FIRST, "processedAt", "id"`;

function loadSqlite(url: string, shopId: number): ShopData {
  const db = new Database(sqliteFilePath(url), { readonly: true, timeout: 10_000 });
  try {
    const ms = (col: string) => `CAST(unixepoch(${col}, 'subsec') * 1000 AS INTEGER)`;
    const builder = new ShopDataBuilder();
    const customers = db.prepare(CUSTOMERS_SQL(ms, "0").replace("$1", "?")).safeIntegers(true);
    for (const row of customers.iterate(shopId) as Iterable<{ id: bigint; createdAtMs: bigint }>) {
      builder.addCustomer(row.id, Number(row.createdAtMs));
    }
    const orders = db.prepare(ORDERS_SQL(ms, "0").replace("$1", "?")).raw(true).safeIntegers(true);
    for (const r of orders.iterate(shopId) as Iterable<bigint[]>) {
      builder.addOrder(
        r[0] ?? null,
        Number(r[1]),
        Number(r[2]),
        Number(r[3]),
        r[4] === 1n,
        r[5] === 1n,
        r[6] === 1n,
      );
    }
    return builder.build();
  } finally {
    db.close();
  }
}

async function loadPostgres(url: string, shopId: number): Promise<ShopData> {
  const client = new pg.Client(parseIntoClientConfig(url));
  await client.connect();
  try {
    const ms = (col: string) => `(extract(epoch from ${col}) * 1000)::float8`;
    const builder = new ShopDataBuilder();
    await client.query("BEGIN READ ONLY");
    // A server-side cursor streams millions of rows in fixed-size chunks.
    await client.query(
      `DECLARE shop_customers NO SCROLL CURSOR FOR ${CUSTOMERS_SQL(ms, "false")}`,
      [shopId],
    );
    for (;;) {
      const { rows } = await client.query<[string, number]>({
        text: "FETCH 50000 FROM shop_customers",
        rowMode: "array",
      });
      if (rows.length === 0) break;
      for (const [id, createdAtMs] of rows) builder.addCustomer(BigInt(id), createdAtMs);
    }
    await client.query(`DECLARE shop_orders NO SCROLL CURSOR FOR ${ORDERS_SQL(ms, "false")}`, [
      shopId,
    ]);
    for (;;) {
      const { rows } = await client.query<
        [string | null, number, string, string, boolean, boolean, boolean]
      >({
        text: "FETCH 50000 FROM shop_orders",
        rowMode: "array",
      });
      if (rows.length === 0) break;
      for (const r of rows) {
        builder.addOrder(
          r[0] === null ? null : BigInt(r[0]),
          r[1],
          Number(r[2]),
          Number(r[3]),
          r[4],
          r[5],
          r[6],
        );
      }
    }
    await client.query("COMMIT");
    return builder.build();
  } finally {
    await client.end();
  }
}

export async function loadShopData(databaseUrl: string, shopId: number): Promise<ShopData> {
  return isPostgresUrl(databaseUrl)
    ? loadPostgres(databaseUrl, shopId)
    : loadSqlite(databaseUrl, shopId);
}
