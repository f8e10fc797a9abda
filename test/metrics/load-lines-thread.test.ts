/**
 * The SQLite load's line items read on a worker thread while the main connection reads the
 * rest (app/metrics/load-lines-thread.server.ts, decision 0075-parallel-line-load): the same
 * tables as the sequential read, block by block; one snapshot for both halves (a write
 * committed between the two connections' snapshots sends the lines back to the main
 * connection's); no lock taken (a Prisma transaction of the same process, holding SQLite's
 * write lock across awaits, goes on during the load); no thread or connection left after a
 * load, failed or not. On a SQLite file of this file's own, whatever the run's database (the
 * thread is SQLite's alone).
 */
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../app/analytics/random";
import { createDatabase } from "../../app/db.server";
import { loadFrom, type LoadOptions, type ShopData } from "../../app/metrics/load-builder";
import {
  BLOCK_ROWS,
  lineThreadFallbacks,
  lineThreadSettings,
  liveLineThreads,
} from "../../app/metrics/load-lines-thread.server";
import { loadSqlite } from "../../app/metrics/load-sqlite.server";
import type { CustomerRow, LineItemRow, OrderRow } from "../../app/sync/rows";
import { createRowStore } from "../../app/sync/store.server";
import { isSqliteUrl } from "../../prisma/database-url.mjs";
import { privateDatabase, type PrivateDatabase } from "../helpers/private-database";

const BIG = 9_007_199_254_740_993n; // 2^53 + 1
const DAY = 86_400_000;
const START = Date.parse("2024-01-01T00:00:00Z");

let file = "";
let url = "";
let drop: () => Promise<void> = async () => {};
let shopId = 0;
let wideShopId = 0;

const line = (id: bigint, orderId: bigint, productId: bigint | null, at: Date): LineItemRow => ({
  id,
  orderId,
  productId,
  variantId: productId === null ? null : productId * 10n + (id % 2n),
  quantity: 1 + Number(id % 3n),
  currentQuantity: Number(id % 2n),
  netMinor: 100n * id,
  subscription: false,
  giftCard: false,
  versionAt: at,
});

const order = (
  id: bigint,
  customerId: bigint | null,
  day: number,
  lineItems: LineItemRow[],
  extra: Partial<OrderRow> = {},
): OrderRow => {
  const at = new Date(START + day * DAY);
  return {
    id,
    customerId,
    processedAt: at,
    cancelledAt: null,
    test: false,
    grossMinor: 1_000n,
    refundedMinor: 0n,
    netMinor: 1_000n,
    itemQuantity: lineItems.length,
    sourceName: "web",
    subscription: false,
    shopifyUpdatedAt: at,
    lineItems,
    ...extra,
  };
};

/**
 * A shop whose lowest order ids are orders the load drops (a guest's, a cancelled one, a
 * test one, a deleted one) with products of their own or seen again later: the thread codes
 * them first, the loaded codes must not. Then seeded orders of 12 customers, an order's lines
 * stored out of id order now and then, gift cards, custom items (no product).
 */
function shopRows(seed: number, wide: boolean): { orders: OrderRow[]; customers: CustomerRow[] } {
  const rng = new Rng(seed);
  const at = (day: number) => new Date(START + day * DAY);
  const orders: OrderRow[] = [
    order(100n, null, 3, [line(1001n, 100n, 900n, at(3)), line(1002n, 100n, 901n, at(3))]),
    order(200n, 1n, 1, [line(2001n, 200n, 902n, at(1))], { cancelledAt: at(2) }),
    order(300n, 2n, 2, [line(3001n, 300n, 903n, at(2)), line(3002n, 300n, 1n, at(2))], {
      test: true,
    }),
    order(400n, 1n, 5, [
      line(4003n, 400n, 5n, at(5)),
      line(4002n, 400n, 901n, at(5)),
      line(4001n, 400n, 3n, at(5)),
    ]),
    order(500n, 3n, 0, [line(5001n, 500n, 904n, at(0))]),
    order(600n, 2n, 4, [
      line(6001n, 600n, 903n, at(4)),
      line(6002n, 600n, null, at(4)),
      { ...line(6003n, 600n, 905n, at(4)), giftCard: true },
      line(6004n, 600n, 5n, at(4)),
    ]),
  ];
  let lineId = 10_000n;
  for (let k = 0; k < 80; k++) {
    const id = BigInt(1000 + k * 7 + rng.int(5));
    const customer = rng.chance(0.1) ? null : BigInt(1 + rng.int(12));
    const day = rng.int(30);
    const lines: LineItemRow[] = [];
    const count = rng.int(4);
    for (let j = 0; j < count; j++) {
      const product = rng.chance(0.1) ? null : BigInt(1 + rng.int(20));
      lines.push({ ...line(lineId++, id, product, at(day)), giftCard: rng.chance(0.05) });
    }
    orders.push(
      order(id, customer, day, rng.chance(0.3) ? lines.reverse() : lines, {
        cancelledAt: rng.chance(0.1) ? at(day + 1) : null,
        test: rng.chance(0.05),
      }),
    );
  }
  if (wide) orders.push(order(BIG, 4n, 9, [line(BIG + 1n, BIG, 7n, at(9))]));
  const customers = Array.from({ length: 14 }, (_, k) => ({
    id: BigInt(k + 1),
    createdAt: at(-k),
    shopifyUpdatedAt: at(-k),
    tags: "",
  }));
  return { orders, customers };
}

/** This file's SQLite database: a copy of the run's template on a SQLite run, else migrated. */
async function sqliteDatabase(): Promise<PrivateDatabase> {
  if (isSqliteUrl(process.env.DATABASE_URL ?? "")) return privateDatabase("lines_thread");
  const path = join(process.env.KIZUNA_TEST_RUN_DIR!, "load-lines-thread.sqlite");
  const remove = () => {
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(path + suffix, { force: true });
  };
  remove();
  const fileUrl = `file:${path}`;
  execFileSync(process.execPath, ["prisma/setup.mjs", "--migrate-only"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, DATABASE_URL: fileUrl },
  });
  return { url: fileUrl, drop: async () => remove() };
}

beforeAll(async () => {
  const database = await sqliteDatabase();
  url = database.url;
  drop = database.drop;
  file = url.slice("file:".length);
  const db = createDatabase(url);
  const store = createRowStore(url);
  try {
    const shop = async (name: string) =>
      (await db.shop.create({ data: { domain: `${name}.myshopify.com` } })).id;
    shopId = await shop("lines-thread");
    const otherShopId = await shop("lines-thread-other");
    wideShopId = await shop("lines-thread-wide");
    const rows = shopRows(21, false);
    await store.upsertCustomers(shopId, rows.customers);
    await store.upsertOrders(shopId, rows.orders);
    await store.deleteOrder(shopId, 500n);
    // Another shop, the same order ids, lines of its own.
    const other = shopRows(21, false).orders.map((o) => ({
      ...o,
      lineItems: (o.lineItems ?? []).map((l) => ({ ...l, id: l.id + 100_000n, productId: 999n })),
    }));
    await store.upsertOrders(otherShopId, other);
    const wide = shopRows(22, true);
    await store.upsertCustomers(wideShopId, wide.customers);
    await store.upsertOrders(wideShopId, wide.orders);
  } finally {
    await store.close();
    await db.$disconnect();
  }
});

afterAll(async () => {
  await drop();
});

afterEach(() => {
  lineThreadSettings.blockRows = BLOCK_ROWS;
  lineThreadSettings.betweenSnapshots = null;
});

/** The load, its line items read on the thread (`thread`) or after the rest (today's read). */
const load = (shop: number, thread: boolean, options: LoadOptions = {}): Promise<ShopData> =>
  loadSqlite(url, shop, (source) => loadFrom(source, options), thread);

/** Descriptors of this process open on the database's files (its own, WAL, shared memory). */
function openFiles(): string[] {
  return readdirSync("/proc/self/fd")
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return "";
      }
    })
    .filter((path) => path.startsWith(file))
    .sort();
}

describe("the SQLite load's line items on a worker thread", () => {
  it("gives the tables of the sequential read, whatever the block and chunk sizes", async () => {
    let snapshots = 0;
    lineThreadSettings.betweenSnapshots = async () => {
      snapshots++;
    };
    const fallbacks = lineThreadFallbacks();
    const expected = await load(shopId, false);
    expect(snapshots).toBe(0);
    const { lineItems, products } = expected.acquisition;
    expect(lineItems.length).toBeGreaterThan(60);
    // Codes by first appearance among the kept lines: the dropped orders' products are
    // absent, and 901 (first seen on a guest's order) comes after order 400's first line.
    for (const dropped of ["900", "902", "904", "905"]) expect(products).not.toContain(dropped);
    expect(products).toContain("901");
    for (const blockRows of [1, 3, 64, BLOCK_ROWS]) {
      lineThreadSettings.blockRows = blockRows;
      for (const chunkCustomers of [1, 5, undefined]) {
        expect(await load(shopId, true, { chunkCustomers })).toEqual(
          chunkCustomers === undefined ? expected : await load(shopId, false, { chunkCustomers }),
        );
      }
    }
    expect(snapshots).toBe(12);
    // Nothing committed meanwhile: every one of them took the thread's lines.
    expect(lineThreadFallbacks()).toBe(fallbacks);
    expect(liveLineThreads()).toBe(0);
  });

  it("falls back to the sequential read of ids as text when the thread meets one above 2^53", async () => {
    const expected = await load(wideShopId, false);
    expect(expected.acquisition.products).toContain("7");
    expect(await load(wideShopId, true)).toEqual(expected);
    expect(liveLineThreads()).toBe(0);
  });

  it("reads both halves in one snapshot: a write between the two snapshots sends the lines back", async () => {
    const before = await load(shopId, false);
    const fallbacks = lineThreadFallbacks();
    let writes = 0;
    lineThreadSettings.betweenSnapshots = async () => {
      // Once: the loads after this one run without a writer.
      lineThreadSettings.betweenSnapshots = null;
      // A writer on a connection of its own commits at once (no lock is held): a new order
      // of customer 1 with a line, and one more line on order 400. The main connection's
      // snapshot is taken, the thread's not yet.
      const writer = new Worker(WRITER, { eval: true, workerData: { file, shopId } });
      // Listened for before the message is awaited: when this thread is busy until the writer
      // has ended, Node delivers the message and emits 'exit' in one go, before an await on
      // the message could go on to listen for the exit.
      const exited = once(writer, "exit");
      const [message] = (await once(writer, "message")) as [string];
      await exited;
      expect(message).toBe("committed at once");
      writes++;
    };
    const during = await load(shopId, true);
    expect(writes).toBe(1);
    // The thread saw the write, the main connection did not: the lines came from the main
    // connection's snapshot, the write wholly out.
    expect(lineThreadFallbacks()).toBe(fallbacks + 1);
    expect(liveLineThreads()).toBe(0);
    expect(during).toEqual(before);
    const after = await load(shopId, true);
    expect(lineThreadFallbacks()).toBe(fallbacks + 1);
    expect(after.orders.length).toBe(before.orders.length + 1);
    expect(after.acquisition.lineItems.length).toBe(before.acquisition.lineItems.length + 2);
    expect(await load(shopId, false)).toEqual(after);
  });

  it("takes no lock: a Prisma transaction of this process holding the write lock goes on meanwhile", async () => {
    const prisma = createDatabase(url);
    try {
      const before = await load(shopId, false);
      const fallbacks = lineThreadFallbacks();
      // An interactive transaction that writes (so holds SQLite's write lock: the app's
      // transactions begin IMMEDIATE), then awaits the load's step between its snapshots
      // before it writes again and commits, all on this thread's event loop.
      const written = Promise.withResolvers<void>();
      const release = Promise.withResolvers<void>();
      const transaction = prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(
          `UPDATE "OrderLineItem" SET "netMinor" = "netMinor" + 1 WHERE "shopId" = ? AND "id" = 4001`,
          shopId,
        );
        written.resolve();
        await release.promise;
        await tx.$executeRawUnsafe(
          `UPDATE "OrderLineItem" SET "quantity" = "quantity" + 1 WHERE "shopId" = ? AND "id" = 4002`,
          shopId,
        );
      });
      await written.promise;
      lineThreadSettings.betweenSnapshots = async () => {
        lineThreadSettings.betweenSnapshots = null;
        release.resolve();
        await transaction;
      };
      // Both snapshots taken while the transaction held the lock, and it committed between
      // them: the load neither waited for it nor kept it waiting, and reads none of it.
      const during = await load(shopId, true);
      await transaction;
      expect(during).toEqual(before);
      expect(lineThreadFallbacks()).toBe(fallbacks + 1);
      // Committed: the next load has both updates.
      const after = await load(shopId, true);
      const net = (data: ShopData) =>
        Array.from(data.acquisition.lineItems.netMinor).reduce((a, b) => a + b, 0);
      const quantity = (data: ShopData) =>
        Array.from(data.acquisition.lineItems.quantity).reduce((a, b) => a + b, 0);
      expect(net(after)).toBe(net(before) + 1);
      expect(quantity(after)).toBe(quantity(before) + 1);
      expect(await load(shopId, false)).toEqual(after);
      expect(liveLineThreads()).toBe(0);
    } finally {
      await prisma.$disconnect();
    }
  });

  it("leaves no thread and no connection after a failed load", async () => {
    const open = openFiles();
    // The read fails once the orders are in (the thread still reading or done).
    const failing = loadSqlite(
      url,
      shopId,
      async (source) => {
        await loadFrom(source, { chunkCustomers: 3 }).then(() => undefined);
        throw new Error("the read failed");
      },
      true,
    );
    await expect(failing).rejects.toThrow("the read failed");
    expect(liveLineThreads()).toBe(0);
    expect(openFiles()).toEqual(open);
    // It fails between the two snapshots: the main transaction ends, a writer is free.
    lineThreadSettings.betweenSnapshots = async () => {
      throw new Error("failed between the snapshots");
    };
    await expect(load(shopId, true)).rejects.toThrow("failed between the snapshots");
    expect(liveLineThreads()).toBe(0);
    expect(openFiles()).toEqual(open);
    const direct = new Database(file, { timeout: 0 });
    try {
      direct.exec("BEGIN IMMEDIATE");
      direct.exec("ROLLBACK");
    } finally {
      direct.close();
    }
    // A database the thread cannot read (no line table): the load fails, nothing is left.
    lineThreadSettings.betweenSnapshots = null;
    await expect(
      loadSqlite(`file:${file}-missing`, shopId, (s) => loadFrom(s, {}), true),
    ).rejects.toThrow();
    expect(liveLineThreads()).toBe(0);
    expect(openFiles()).toEqual(open);
  });
});

/**
 * The writer (a thread of its own, CommonJS): tries at once, reports "blocked" when the lock
 * is held, then waits for it (busy timeout); closes its connection and reports how it
 * committed. Its rows are copies of order 400 and its first line, new ids.
 */
const WRITER = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require("better-sqlite3");
const { file, shopId } = workerData;
const db = new Database(file, { timeout: 0 });
const copy = (table, replace) => {
  const columns = db.prepare(\`PRAGMA table_info("\${table}")\`).all().map((c) => c.name);
  const values = columns.map((c) => (c in replace ? "?" : \`"\${c}"\`));
  return db.prepare(
    \`INSERT INTO "\${table}" (\${columns.map((c) => \`"\${c}"\`).join(", ")})
     SELECT \${values.join(", ")} FROM "\${table}" WHERE "shopId" = ? AND "id" = ?\`,
  );
};
const write = () => {
  db.exec("BEGIN IMMEDIATE");
  copy("Order", { id: 1 }).run(401, shopId, 400);
  copy("OrderLineItem", { id: 1 }).run(4009, shopId, 4001);
  copy("OrderLineItem", { id: 1, orderId: 1 }).run(4011, 401, shopId, 4001);
  db.exec("COMMIT");
};
let done = "committed at once";
try {
  write();
} catch (error) {
  if (error.code !== "SQLITE_BUSY") throw error;
  parentPort.postMessage("blocked");
  db.pragma("busy_timeout = 10000");
  write();
  done = "committed";
}
db.close();
parentPort.postMessage(done);
`;
