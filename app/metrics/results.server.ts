/**
 * Writes one compute's results in one transaction, straight through the drivers (Prisma's
 * model writes cost ~100 µs a row, docs/decisions/0001-binary-free-prisma.md): the
 * MetricSnapshot, and the per-customer result set (result-set.ts) as CustomerResultChunk
 * rows of that snapshot, which replace the previous compute's set in the same transaction
 * (docs/decisions/0035-customer-result-set.md). A compute killed before the commit leaves the
 * previous snapshot and set readable and complete. SQLite: prepared statements on a writer
 * connection with a larger page cache; PostgreSQL: one binary COPY. All shop-scoped.
 */
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import Database from "better-sqlite3";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { parseIntoClientConfig } from "pg-connection-string";
import { isPostgresUrl, sqliteFilePath } from "../../prisma/database-url.mjs";
import { createCalendar } from "../analytics/time";
import {
  encodeResultSet,
  resultColumns,
  segmentOrder,
  sortJobs,
  type EncodedPart,
  type EncodedResultSet,
  type SortJob,
} from "./result-set";
import type { PerCustomerResults } from "./snapshot/types";

export interface SnapshotRetention {
  /** The newest snapshots are all kept (recent trend, debugging); default 48. */
  readonly recent: number;
  /** Beyond those, the last snapshot of each shop-local day, up to this many in all; default 400. */
  readonly max: number;
}

export const DEFAULT_RETENTION: SnapshotRetention = { recent: 48, max: 400 };

export interface ComputeResultsInput {
  readonly shopId: number;
  /** Shopify id of each dense customer index. */
  readonly customerIds: BigInt64Array;
  readonly perCustomer: PerCustomerResults;
  readonly computedAt: Date;
  readonly asOf: Date;
  /** ShopSnapshot as JSON text. */
  readonly snapshotJson: string;
  /** Its SnapshotSummary as JSON text (MetricSnapshot.summary); null leaves the column empty. */
  readonly summaryJson?: string | null;
  /** The shop's zone: snapshot history is thinned per local day. */
  readonly timeZone: string;
  readonly retention?: SnapshotRetention;
  /**
   * Makes the result set's sort orders (segmentOrder of each job, in order) before the write's
   * transaction: computeShop passes sortOnSnapshotThreads, which sorts on the idle snapshot
   * threads; default here, on this thread.
   */
  readonly sortOrders?: (jobs: readonly SortJob[]) => Promise<Uint32Array[]>;
}

export interface WriteSummary {
  /** Customers with a segment (one slot each in the result set). */
  readonly customerRows: number;
  /** Bytes of the result set's chunks. */
  readonly resultBytes: number;
  readonly snapshotId: number;
  readonly prunedSnapshots: number;
  /** Milliseconds spent building and writing the result set (the rest is the snapshot). */
  readonly customersMs: number;
}

/** Snapshot ids to delete: keep the newest `recent`, then the newest per local day up to `max`. */
export function snapshotsToPrune(
  rows: readonly { id: number; computedAt: Date }[],
  timeZone: string,
  retention: SnapshotRetention = DEFAULT_RETENTION,
): number[] {
  const calendar = createCalendar(timeZone);
  const newestFirst = [...rows].sort(
    (a, b) => b.computedAt.getTime() - a.computedAt.getTime() || b.id - a.id,
  );
  const days = new Set<number>();
  const prune: number[] = [];
  let kept = 0;
  newestFirst.forEach((row, i) => {
    const day = calendar.dayOf(row.computedAt.getTime());
    const keep = i < retention.recent || (!days.has(day) && kept < retention.max);
    days.add(day);
    if (keep) kept++;
    else prune.push(row.id);
  });
  return prune;
}

// ---------------------------------------------------------------- SQLite

/** Prisma's SQLite adapter stores DateTime as ISO text with "+00:00"; so do we. */
const sqliteDate = (d: Date) => d.toISOString().replace("Z", "+00:00");

/** The result set, its columns made here and its sort orders by input.sortOrders. */
async function resultSetOf(input: ComputeResultsInput): Promise<EncodedResultSet> {
  const columns = resultColumns(input.customerIds, input.perCustomer);
  const jobs = sortJobs(columns);
  const orders = await (input.sortOrders?.(jobs) ?? jobs.map(segmentOrder));
  return encodeResultSet(columns, orders);
}

function writeSqlite(
  url: string,
  input: ComputeResultsInput,
  set: EncodedResultSet,
  buildMs: number,
): WriteSummary {
  const db = new Database(sqliteFilePath(url), { timeout: 10_000 });
  try {
    db.pragma("journal_mode = WAL");
    // In WAL mode NORMAL keeps the database consistent through a crash (a power cut may
    // lose the last commits, never corrupt); the default 2 MB page cache made the write
    // spill and re-read, 64 MB holds a 1M-customer set's index pages and freelist.
    db.pragma("synchronous = NORMAL");
    db.pragma("cache_size = -65536");
    db.pragma("temp_store = MEMORY");
    const insertSnapshot = db.prepare(
      `INSERT INTO "MetricSnapshot" ("shopId", "computedAt", "asOf", "data", "summary", "customerResults")
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const insertPart = db.prepare(
      `INSERT INTO "CustomerResultChunk" ("snapshotId", "shopId", "kind", "key", "part", "firstId", "data")
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const dropOlderParts = db.prepare(
      `DELETE FROM "CustomerResultChunk" WHERE "shopId" = ? AND "snapshotId" <> ?`,
    );
    const dropOlderDirectories = db.prepare(
      `UPDATE "MetricSnapshot" SET "customerResults" = NULL
       WHERE "shopId" = ? AND "id" <> ? AND "customerResults" IS NOT NULL`,
    );
    const listSnapshots = db.prepare(
      `SELECT "id", "computedAt" FROM "MetricSnapshot" WHERE "shopId" = ?`,
    );
    const deleteSnapshot = db.prepare(`DELETE FROM "MetricSnapshot" WHERE "id" = ?`);

    const run = db.transaction((): WriteSummary => {
      const { shopId } = input;
      const stamp = sqliteDate(input.computedAt);
      const snapshotId = Number(
        insertSnapshot.run(
          shopId,
          stamp,
          sqliteDate(input.asOf),
          input.snapshotJson,
          input.summaryJson ?? null,
          JSON.stringify(set.directory),
        ).lastInsertRowid,
      );
      const t = performance.now();
      for (const p of set.parts()) {
        insertPart.run(snapshotId, shopId, p.kind, p.key, p.part, p.firstId, p.data);
      }
      dropOlderParts.run(shopId, snapshotId);
      dropOlderDirectories.run(shopId, snapshotId);
      const customersMs = buildMs + performance.now() - t;
      const history = (listSnapshots.all(shopId) as { id: number; computedAt: string }[]).map(
        (r) => ({ id: r.id, computedAt: new Date(r.computedAt) }),
      );
      const prune = snapshotsToPrune(history, input.timeZone, input.retention).filter(
        (id) => id !== snapshotId,
      );
      for (const id of prune) deleteSnapshot.run(id);
      return summary(set, snapshotId, prune.length, customersMs);
    });
    return run.immediate();
  } finally {
    db.close();
  }
}

function summary(
  set: EncodedResultSet,
  snapshotId: number,
  pruned: number,
  customersMs: number,
): WriteSummary {
  return {
    customerRows: set.customers,
    resultBytes: set.bytes,
    snapshotId,
    prunedSnapshots: pruned,
    customersMs,
  };
}

// ---------------------------------------------------------------- PostgreSQL

/** Prisma maps DateTime to timestamp(3) without time zone, holding UTC. */
const pgDate = (d: Date) => d.toISOString().slice(0, 23).replace("T", " ");

const COPY_SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");

/**
 * PostgreSQL's binary COPY format for CustomerResultChunk tuples, hand-written: seven
 * fixed-type fields a tuple, and no library here writes the format (pg-copy-streams only
 * carries the bytes). Text COPY would hex-encode every chunk, doubling 80 MB.
 */
function* copyTuples(snapshotId: number, shopId: number, parts: Iterable<EncodedPart>) {
  const head = Buffer.alloc(COPY_SIGNATURE.length + 8);
  COPY_SIGNATURE.copy(head);
  yield head; // flags 0, header extension 0
  for (const p of parts) {
    const kind = Buffer.from(p.kind);
    const key = Buffer.from(p.key);
    const fixed = Buffer.alloc(2 + 8 + 8 + 4 + kind.length + 4 + key.length + 8 + 12 + 4);
    let at = fixed.writeInt16BE(7, 0);
    at = fixed.writeInt32BE(4, at);
    at = fixed.writeInt32BE(snapshotId, at);
    at = fixed.writeInt32BE(4, at);
    at = fixed.writeInt32BE(shopId, at);
    at = fixed.writeInt32BE(kind.length, at);
    at += kind.copy(fixed, at);
    at = fixed.writeInt32BE(key.length, at);
    at += key.copy(fixed, at);
    at = fixed.writeInt32BE(4, at);
    at = fixed.writeInt32BE(p.part, at);
    at = fixed.writeInt32BE(8, at);
    at = fixed.writeBigInt64BE(p.firstId, at);
    fixed.writeInt32BE(p.data.byteLength, at);
    yield fixed;
    yield p.data;
  }
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1, 0);
  yield trailer;
}

async function writePostgres(
  url: string,
  input: ComputeResultsInput,
  set: EncodedResultSet,
  buildMs: number,
): Promise<WriteSummary> {
  const client = new pg.Client(parseIntoClientConfig(url));
  await client.connect();
  try {
    await client.query("BEGIN");
    const { shopId } = input;
    const stamp = pgDate(input.computedAt);
    const inserted = await client.query<{ id: number }>(
      `INSERT INTO "MetricSnapshot" ("shopId", "computedAt", "asOf", "data", "summary", "customerResults")
       VALUES ($1, $2::timestamp(3), $3::timestamp(3), $4, $5, $6) RETURNING "id"`,
      [
        shopId,
        stamp,
        pgDate(input.asOf),
        input.snapshotJson,
        input.summaryJson ?? null,
        JSON.stringify(set.directory),
      ],
    );
    const snapshotId = inserted.rows[0].id;
    const t2 = performance.now();
    const copy = client.query(
      copyFrom(
        `COPY "CustomerResultChunk" ("snapshotId", "shopId", "kind", "key", "part", "firstId", "data")
         FROM STDIN (FORMAT binary)`,
      ),
    );
    await pipeline(copyTuples(snapshotId, shopId, set.parts()), copy as Writable);
    await client.query(
      `DELETE FROM "CustomerResultChunk" WHERE "shopId" = $1 AND "snapshotId" <> $2`,
      [shopId, snapshotId],
    );
    await client.query(
      `UPDATE "MetricSnapshot" SET "customerResults" = NULL
       WHERE "shopId" = $1 AND "id" <> $2 AND "customerResults" IS NOT NULL`,
      [shopId, snapshotId],
    );
    const customersMs = buildMs + performance.now() - t2;
    // Text, not Date: pg would read timestamp without time zone as local time.
    const { rows: history } = await client.query<{ id: number; at: string }>(
      `SELECT "id", to_char("computedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "at"
       FROM "MetricSnapshot" WHERE "shopId" = $1`,
      [shopId],
    );
    const prune = snapshotsToPrune(
      history.map((h) => ({ id: h.id, computedAt: new Date(h.at) })),
      input.timeZone,
      input.retention,
    ).filter((id) => id !== snapshotId);
    if (prune.length > 0) {
      await client.query(
        `DELETE FROM "MetricSnapshot" WHERE "shopId" = $1 AND "id" = ANY($2::int[])`,
        [shopId, prune],
      );
    }
    await client.query("COMMIT");
    return summary(set, snapshotId, prune.length, customersMs);
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

/** Writes a compute's snapshot and per-customer result set for one shop, atomically. */
export async function writeComputeResults(
  databaseUrl: string,
  input: ComputeResultsInput,
): Promise<WriteSummary> {
  if (input.customerIds.length < input.perCustomer.count) {
    throw new RangeError("customerIds must have one id per customer index");
  }
  const t = performance.now();
  // Before the transaction: it holds SQLite's write lock, and the sorts need no lock.
  const set = await resultSetOf(input);
  const buildMs = performance.now() - t;
  return isPostgresUrl(databaseUrl)
    ? writePostgres(databaseUrl, input, set, buildMs)
    : writeSqlite(databaseUrl, input, set, buildMs);
}
