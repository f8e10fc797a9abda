/**
 * Writes one compute's results: a CustomerMetric row per customer with a segment and the
 * MetricSnapshot, in one transaction, straight through the drivers (createMany would cost
 * ~100 µs a row in the Wasm query compiler, docs/decisions/0001-binary-free-prisma.md):
 * prepared statements on SQLite, `INSERT … SELECT unnest(…) … ON CONFLICT` on PostgreSQL.
 *
 * Rows are upserted, never recreated, so taggedSegment (tag sync's record of what it wrote
 * to Shopify) survives for customers that remain. A row is only rewritten when one of its
 * values changed (its computedAt then says when): a recompute soon after the last one
 * touches just the customers who bought. Rows of customers without a segment any more
 * (deleted, or no purchase left) are found by comparing ids and removed. All shop-scoped.
 */
import Database from "better-sqlite3";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { isPostgresUrl, sqliteFilePath } from "../../prisma/database-url.mjs";
import { NO_SEGMENT } from "../analytics/rfm";
import { createCalendar } from "../analytics/time";
import type { PerCustomerResults } from "./snapshot";

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
}

export interface WriteSummary {
  /** Customers with a segment (one row each). */
  readonly customerRows: number;
  /** Rows inserted or rewritten because a value changed. */
  readonly changedRows: number;
  /** Rows of customers without a segment any more, deleted. */
  readonly removedRows: number;
  readonly snapshotId: number;
  readonly prunedSnapshots: number;
}

/** Column order of the per-row values below. */
const METRIC_COLUMNS = [
  "shopId",
  "customerId",
  "segment",
  "recencyScore",
  "frequencyScore",
  "monetaryScore",
  "recencyDays",
  "frequency",
  "monetaryMinor",
  "pAlive",
  "expected90",
  "clvMinor",
  "computedAt",
] as const;
const COLUMN_LIST = METRIC_COLUMNS.map((c) => `"${c}"`).join(", ");
// Every column but the key and taggedSegment, which only tag sync writes.
const UPDATED = METRIC_COLUMNS.filter((c) => c !== "shopId" && c !== "customerId");
const VALUES = UPDATED.filter((c) => c !== "computedAt");
const UPDATE_SET = UPDATED.map((c) => `"${c}" = excluded."${c}"`).join(", ");

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
const wholeOrNull = (x: number): number | null => (Number.isFinite(x) ? Math.round(x) : null);
const IDS_PER_DELETE = 10_000;

/** Ids of customers with a segment now, ascending. */
function currentIds(input: ComputeResultsInput): BigInt64Array {
  const { perCustomer: p, customerIds } = input;
  const ids = new BigInt64Array(p.count);
  let n = 0;
  for (let c = 0; c < p.count; c++) if (p.segment[c] !== NO_SEGMENT) ids[n++] = customerIds[c];
  return ids.subarray(0, n).sort();
}

/** Stored ids (ascending) that are not in `current` (ascending). */
function departed(stored: readonly (number | string)[], current: BigInt64Array): bigint[] {
  const out: bigint[] = [];
  let j = 0;
  for (const value of stored) {
    const id = BigInt(value);
    while (j < current.length && current[j] < id) j++;
    if (j >= current.length || current[j] !== id) out.push(id);
  }
  return out;
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

function writeSqlite(url: string, input: ComputeResultsInput): WriteSummary {
  const db = new Database(sqliteFilePath(url), { timeout: 10_000 });
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    const upsert = db.prepare(
      `INSERT INTO "CustomerMetric" (${COLUMN_LIST}) VALUES (${METRIC_COLUMNS.map(() => "?").join(", ")})
       ON CONFLICT ("shopId", "customerId") DO UPDATE SET ${UPDATE_SET}
       WHERE ${VALUES.map((c) => `"${c}" IS NOT excluded."${c}"`).join(" OR ")}`,
    );
    // Text keeps ids above 2^53 exact through JSON.
    const storedIds = db
      .prepare(
        `SELECT json_group_array(CAST("customerId" AS TEXT)) FROM (SELECT "customerId"
         FROM "CustomerMetric" WHERE "shopId" = ? ORDER BY "customerId")`,
      )
      .pluck();
    const remove = (count: number) =>
      db.prepare(
        `DELETE FROM "CustomerMetric" WHERE "shopId" = ? AND "customerId" IN (${Array(count).fill("?").join(", ")})`,
      );
    const insertSnapshot = db.prepare(
      `INSERT INTO "MetricSnapshot" ("shopId", "computedAt", "asOf", "data", "summary")
       VALUES (?, ?, ?, ?, ?)`,
    );
    const listSnapshots = db.prepare(
      `SELECT "id", "computedAt" FROM "MetricSnapshot" WHERE "shopId" = ?`,
    );
    const deleteSnapshot = db.prepare(`DELETE FROM "MetricSnapshot" WHERE "id" = ?`);

    const run = db.transaction((): WriteSummary => {
      const { shopId, customerIds, perCustomer: p } = input;
      const stamp = sqliteDate(input.computedAt);
      const gone = departed(
        JSON.parse(storedIds.get(shopId) as string) as string[],
        currentIds(input),
      );
      for (let i = 0; i < gone.length; i += IDS_PER_DELETE) {
        const ids = gone.slice(i, i + IDS_PER_DELETE);
        remove(ids.length).run(shopId, ...ids);
      }
      let rows = 0;
      let changed = 0;
      for (let c = 0; c < p.count; c++) {
        const g = p.segment[c];
        if (g === NO_SEGMENT) continue;
        changed += upsert.run(
          shopId,
          customerIds[c],
          p.segmentIds[g],
          p.r[c],
          p.f[c],
          p.m[c],
          p.recencyDays[c],
          p.frequency[c],
          Math.round(p.monetaryMinor[c]),
          finiteOrNull(p.pAlive[c]),
          finiteOrNull(p.expected90[c]),
          wholeOrNull(p.clvMinor[c]),
          stamp,
        ).changes;
        rows++;
      }
      const snapshotId = Number(
        insertSnapshot.run(
          shopId,
          stamp,
          sqliteDate(input.asOf),
          input.snapshotJson,
          input.summaryJson ?? null,
        ).lastInsertRowid,
      );
      const history = (listSnapshots.all(shopId) as { id: number; computedAt: string }[]).map(
        (r) => ({ id: r.id, computedAt: new Date(r.computedAt) }),
      );
      const prune = snapshotsToPrune(history, input.timeZone, input.retention);
      for (const id of prune) deleteSnapshot.run(id);
      return {
        customerRows: rows,
        changedRows: changed,
        removedRows: gone.length,
        snapshotId,
        prunedSnapshots: prune.length,
      };
    });
    return run.immediate();
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------- PostgreSQL

/** Prisma maps DateTime to timestamp(3) without time zone, holding UTC. */
const pgDate = (d: Date) => d.toISOString().slice(0, 23).replace("T", " ");
/** Rows per INSERT … unnest statement: large enough to amortise, small enough for memory. */
const PG_BATCH = 20_000;

const PG_UPSERT = `INSERT INTO "CustomerMetric" AS m (${COLUMN_LIST})
  SELECT $1::int, u.*, $2::timestamp(3)
  FROM unnest($3::bigint[], $4::text[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[],
              $10::bigint[], $11::float8[], $12::float8[], $13::bigint[]) AS u
  ON CONFLICT ("shopId", "customerId") DO UPDATE SET ${UPDATE_SET.replaceAll("excluded.", "EXCLUDED.")}
  WHERE (${VALUES.map((c) => `m."${c}"`).join(", ")})
    IS DISTINCT FROM (${VALUES.map((c) => `EXCLUDED."${c}"`).join(", ")})`;

async function writePostgres(url: string, input: ComputeResultsInput): Promise<WriteSummary> {
  const client = new pg.Client(parseIntoClientConfig(url));
  await client.connect();
  try {
    await client.query("BEGIN");
    const { shopId, customerIds, perCustomer: p } = input;
    const stamp = pgDate(input.computedAt);
    const { rows: stored } = await client.query<{ ids: string[] | null }>(
      `SELECT json_agg("customerId"::text ORDER BY "customerId") AS "ids"
       FROM "CustomerMetric" WHERE "shopId" = $1`,
      [shopId],
    );
    const gone = departed(stored[0]?.ids ?? [], currentIds(input));
    for (let i = 0; i < gone.length; i += IDS_PER_DELETE) {
      await client.query(
        `DELETE FROM "CustomerMetric" WHERE "shopId" = $1 AND "customerId" = ANY($2::bigint[])`,
        [shopId, gone.slice(i, i + IDS_PER_DELETE).map(String)],
      );
    }

    let rows = 0;
    let changed = 0;
    const ids: string[] = [];
    const segment: string[] = [];
    const r: number[] = [];
    const f: number[] = [];
    const m: number[] = [];
    const recency: number[] = [];
    const frequency: number[] = [];
    const monetary: number[] = [];
    const alive: (number | null)[] = [];
    const e90: (number | null)[] = [];
    const clv: (number | null)[] = [];
    const columns = [ids, segment, r, f, m, recency, frequency, monetary, alive, e90, clv];
    const flush = async (): Promise<void> => {
      if (ids.length === 0) return;
      const result = await client.query(PG_UPSERT, [shopId, stamp, ...columns]);
      changed += result.rowCount ?? 0;
      rows += ids.length;
      for (const column of columns) column.length = 0;
    };
    for (let c = 0; c < p.count; c++) {
      const g = p.segment[c];
      if (g === NO_SEGMENT) continue;
      ids.push(customerIds[c].toString());
      segment.push(p.segmentIds[g]);
      r.push(p.r[c]);
      f.push(p.f[c]);
      m.push(p.m[c]);
      recency.push(p.recencyDays[c]);
      frequency.push(p.frequency[c]);
      monetary.push(Math.round(p.monetaryMinor[c]));
      alive.push(finiteOrNull(p.pAlive[c]));
      e90.push(finiteOrNull(p.expected90[c]));
      clv.push(wholeOrNull(p.clvMinor[c]));
      if (ids.length === PG_BATCH) await flush();
    }
    await flush();

    const inserted = await client.query<{ id: number }>(
      `INSERT INTO "MetricSnapshot" ("shopId", "computedAt", "asOf", "data", "summary")
       VALUES ($1, $2::timestamp(3), $3::timestamp(3), $4, $5) RETURNING "id"`,
      [shopId, stamp, pgDate(input.asOf), input.snapshotJson, input.summaryJson ?? null],
    );
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
    );
    if (prune.length > 0) {
      await client.query(
        `DELETE FROM "MetricSnapshot" WHERE "shopId" = $1 AND "id" = ANY($2::int[])`,
        [shopId, prune],
      );
    }
    await client.query("COMMIT");
    return {
      customerRows: rows,
      changedRows: changed,
      removedRows: gone.length,
      snapshotId: inserted.rows[0].id,
      prunedSnapshots: prune.length,
    };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
}

/** Writes a compute's per-customer rows and snapshot for one shop, atomically. */
export async function writeComputeResults(
  databaseUrl: string,
  input: ComputeResultsInput,
): Promise<WriteSummary> {
  if (input.customerIds.length < input.perCustomer.count) {
    throw new RangeError("customerIds must have one id per customer index");
  }
  return isPostgresUrl(databaseUrl)
    ? writePostgres(databaseUrl, input)
    : writeSqlite(databaseUrl, input);
}
