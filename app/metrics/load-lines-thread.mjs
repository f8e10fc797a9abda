/**
 * The line-reading thread of the SQLite load (a worker_threads worker, started by
 * ./load-lines-thread.server.ts): reads all of a shop's line items but gift cards on its own
 * connection, in the same snapshot as the load's main connection, while that one reads the
 * customers, orders and first touches (docs/decisions/0075-parallel-line-load.md).
 *
 * Plain JavaScript on purpose, like ../sync/sqlite-writer.mjs: Node loads it as it is under
 * tsx, Vitest and production, with no TypeScript loader to start (the load waits for this
 * thread to be ready before it takes its snapshot).
 *
 * Messages: → {ready} once its statements are prepared; ← {begin}: its read transaction
 * begins and reads (the snapshot is taken), → {begun}; then the lines by the line table's
 * (shopId, orderId) index, into typed columns (a LineBlock of ./load-columns.ts, product and
 * variant ids coded by this thread's dictionaries), → {block} each time one is full (its
 * buffers transferred, not copied), → {done} with the dictionaries' ids and whether the
 * lines came in order-id order; or → {wide} (an id above 2^53 reached a number: the load
 * reads again without this thread), or → {error}.
 */
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { Dictionary } from "./load-dictionary.mjs";

/** @type {{ file: string; shopId: number; blockRows: number }} */
const { file, shopId, blockRows } = workerData;
const port = /** @type {import("node:worker_threads").MessagePort} */ (parentPort);
const SAFE = Number.MAX_SAFE_INTEGER;

class WideIds extends Error {}

const db = new Database(file, { readonly: true, timeout: 10_000 });
// Any read of the database starts the read transaction (its snapshot, in WAL mode).
const probe = db.prepare(`SELECT 1 FROM "OrderLineItem" WHERE "shopId" = ? LIMIT 1`);

const products = new Dictionary();
const variants = new Dictionary();
/**
 * A block of `rows` lines: one buffer (40 bytes a line) under its seven columns. At the
 * default size (2^20 lines, 40 MB) it is above the C allocator's largest threshold for a
 * mapping of its own (32 MB), so its memory goes back to the system when it is freed,
 * whichever thread frees it, rather than staying in this thread's heap.
 * @param {number} rows
 */
const newBlock = (rows) => {
  const buffer = new ArrayBuffer(rows * 40);
  const f64 = (k) => new Float64Array(buffer, k * 8 * rows, rows);
  const i32 = (k) => new Int32Array(buffer, 24 * rows + k * 4 * rows, rows);
  return {
    length: 0,
    orderId: f64(0),
    lineId: f64(1),
    net: f64(2),
    product: i32(0),
    variant: i32(1),
    quantity: i32(2),
    current: i32(3),
  };
};
let block = newBlock(blockRows);
let n = 0;
let last = -Infinity;
let sorted = true;

/**
 * Hands a block's first `rows` rows over (its buffer moves to the main thread).
 * @param {ReturnType<typeof newBlock>} b
 * @param {number} rows
 */
function post(b, rows) {
  b.length = rows;
  port.postMessage({ block: b }, [b.orderId.buffer]);
}

// Rows straight into the block through a JavaScript aggregate, as the main connection's
// reads do (./load-sqlite.server.ts). Named parameters: the function's length is the SQL
// function's argument count.
db.aggregate("kizuna_read_lines", {
  start: 0,
  step: (count, orderId, lineId, product, variant, quantity, currentQuantity, net) => {
    if (orderId > SAFE || lineId > SAFE || product > SAFE || variant > SAFE) throw new WideIds();
    if (orderId < last) sorted = false;
    last = orderId;
    if (n === blockRows) {
      post(block, n);
      block = newBlock(blockRows);
      n = 0;
    }
    block.orderId[n] = orderId;
    block.lineId[n] = lineId;
    block.product[n] = products.code(product);
    block.variant[n] = variants.code(variant);
    block.quantity[n] = quantity;
    block.current[n] = currentQuantity;
    block.net[n] = net;
    n++;
    return count + 1;
  },
});
const lines = db
  .prepare(
    `SELECT kizuna_read_lines("orderId", "id", "productId", "variantId", "quantity",
       "currentQuantity", "netMinor") FROM (
       SELECT "orderId", "id", "productId", "variantId", "quantity", "currentQuantity",
         "netMinor"
       FROM "OrderLineItem" INDEXED BY "OrderLineItem_shopId_orderId_idx"
       WHERE "shopId" = ? AND "giftCard" = 0
       ORDER BY "orderId")`,
  )
  .pluck();

port.once("message", () => {
  try {
    db.exec("BEGIN");
    try {
      probe.get(shopId);
      port.postMessage({ begun: true });
      lines.get(shopId);
    } finally {
      db.exec("COMMIT");
    }
    // The last block as it is: the pages of its unused rows were never touched.
    if (n > 0) post(block, n);
    const ids = (d) => Float64Array.from(/** @type {number[]} */ (d.ids));
    const done = { products: ids(products), variants: ids(variants), sorted };
    port.postMessage({ done }, [done.products.buffer, done.variants.buffer]);
  } catch (error) {
    if (error instanceof WideIds) port.postMessage({ wide: true });
    else {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ error: { name, message } });
    }
  } finally {
    db.close();
    port.close();
  }
});
port.postMessage({ ready: true });
