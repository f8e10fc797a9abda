/**
 * The SQLite row store's writing thread (a worker_threads worker, started by
 * ./store.server.ts). better-sqlite3 is synchronous: a 50,000-row transaction run on the
 * main thread would stall its event loop (lock renewals, webhooks) and leave the second
 * core idle while a backfill parses its next batch. Here it runs beside the main thread.
 *
 * Plain JavaScript on purpose: Node loads it as it is under tsx, Vitest and production,
 * with no TypeScript loader in the thread. It knows no tables: the main thread names its
 * prepared statements up front and sends each write as steps of typed-array columns
 * (transferred, not copied).
 *
 * A write's steps succeed or fail together. Writes that are already waiting when one
 * ends share its commit, up to MERGE_ROWS rows: each commit rewrites every index page it
 * touched, and a backfill sends batches faster than they commit. A write is answered
 * after its commit.
 *
 * Column kinds: const {value}; bigint {values: BigInt64Array, nulls: Uint8Array | null};
 * number {values: Float64Array, NaN = null}; date {values: Float64Array of epoch ms,
 * NaN = null}; text {values: (string | null)[]}. A step with `changesEach` fails unless
 * each of its rows changed exactly one row, with that message; one with `keyColumn` runs
 * its rows in the order of that (bigint) column.
 */
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { sqliteDate } from "./sqlite-date.mjs";

const MERGE_ROWS = 200_000;

/** @type {{ file: string; statements: Record<string, string> }} */
const { file, statements } = workerData;
const port = /** @type {import("node:worker_threads").MessagePort} */ (parentPort);

const db = new Database(file, { timeout: 10_000 });
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
// Backfill batches touch pages all over the customer index; keep them cached (64 MB).
db.pragma("cache_size = -65536");

const preparedByName = new Map(
  Object.entries(statements).map(([name, sql]) => [name, db.prepare(sql)]),
);

/** @param {any} column @param {number} i */
function valueAt(column, i) {
  switch (column.kind) {
    case "const":
      return column.value;
    case "bigint":
      return column.nulls?.[i] ? null : column.values[i];
    case "number":
      return Number.isNaN(column.values[i]) ? null : column.values[i];
    case "date":
      return Number.isNaN(column.values[i]) ? null : sqliteDate(column.values[i]);
    case "text":
      return column.values[i];
    default:
      throw new Error(`unknown column kind ${column.kind}`);
  }
}

/**
 * The rows of a step in the order of its key column (a bigint column, stable: rows of the
 * same key keep their order, so the later of two equal versions still wins). Bulk files
 * list orders and line items in no key order; inserted in key order, each row lands on
 * the primary-key page the previous one touched instead of a random one, which took a
 * backfill's upserts from about 1.15× to about the CPU of the plain insert of the same
 * rows (docs/decisions/0057-sqlite-ingest.md).
 */
function keyOrder(/** @type {any} */ column, /** @type {number} */ length) {
  const order = new Uint32Array(length);
  for (let i = 0; i < length; i++) order[i] = i;
  if (column.kind !== "bigint" || column.nulls) return order;
  const keys = /** @type {BigInt64Array} */ (column.values);
  let sorted = true;
  for (let i = 1; i < length && sorted; i++) sorted = keys[i - 1] <= keys[i];
  if (sorted) return order;
  return order.sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b));
}

/** A write's steps, inside the caller's transaction. */
function applyWrite(/** @type {any[]} */ steps) {
  for (const { statement, length, columns, changesEach, keyColumn } of steps) {
    const prepared = preparedByName.get(statement);
    if (!prepared) throw new Error(`unknown statement ${statement}`);
    const order = keyColumn === undefined ? null : keyOrder(columns[keyColumn], length);
    const params = new Array(columns.length);
    for (let n = 0; n < length; n++) {
      const i = order ? order[n] : n;
      for (let c = 0; c < columns.length; c++) params[c] = valueAt(columns[c], i);
      const { changes } = prepared.run(params);
      if (changesEach && changes !== 1) throw new Error(changesEach);
    }
  }
}

/** @param {unknown} error */
function describe(error) {
  const { name, message, code } = /** @type {any} */ (error);
  return { name, message: String(message), code };
}

/*
 * No savepoint per write: inside one, SQLite copies every page that a statement able to
 * change several rows (the line items' INSERT … SELECT) touches into a sub-journal, for
 * each such statement, and a backfill's writing thread spent three quarters of its time
 * there. So the writes of a commit go in together, and only when one fails is the
 * commit rolled back and each write applied again in a transaction of its own, so that
 * the others still go in.
 */
const commitAll = db.transaction((/** @type {any[]} */ writes) => {
  for (const { steps } of writes) applyWrite(steps);
});
const commitOne = db.transaction(applyWrite);
// Called .immediate(): a write that reads first (upserts) must not start on a snapshot another
// process may move before the write (SQLITE_BUSY without waiting; app/db.server.ts).

/** Several writes in one commit; a write that fails leaves the others in. */
function commit(/** @type {any[]} */ writes) {
  try {
    commitAll.immediate(writes);
    return writes.map(({ id }) => ({ id }));
  } catch (error) {
    if (writes.length === 1) return [{ id: writes[0].id, error: describe(error) }];
  }
  return writes.map(({ id, steps }) => {
    try {
      commitOne.immediate(steps);
      return { id };
    } catch (error) {
      return { id, error: describe(error) };
    }
  });
}

const rowsOf = (/** @type {any} */ write) =>
  write.steps.reduce((/** @type {number} */ n, /** @type {any} */ s) => n + s.length, 0);

port.on("message", (first) => {
  let closing = first.type === "close";
  const writes = closing ? [] : [first];
  let rows = closing ? 0 : rowsOf(first);
  while (!closing && rows < MERGE_ROWS) {
    const next = receiveMessageOnPort(port);
    if (!next) break;
    if (next.message.type === "close") closing = true;
    else {
      writes.push(next.message);
      rows += rowsOf(next.message);
    }
  }
  if (writes.length > 0) {
    for (const reply of commit(writes)) port.postMessage(reply);
  }
  if (closing) {
    db.close();
    process.exit(0); // ends this thread only
  }
});
