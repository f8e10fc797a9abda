/**
 * Test-only access to a shop's stored result set (app/metrics/result-set.ts): seed one from
 * rows, or move customers to another segment as if a compute had put them there (only the
 * rows parts change: what the customer block, tag sync and CSV read; sort orders are left).
 */
import type { Database } from "../../app/db.server";
import { decodeRowsPart, encodeRowsPart, type CustomerResult } from "../../app/metrics/result-set";
import { allCustomerResults, currentResultSet } from "../../app/metrics/result-set.server";
import { writeComputeResults } from "../../app/metrics/results.server";

export async function setSegments(
  db: Database,
  shopId: number,
  customerIds: readonly bigint[],
  segmentId: string,
): Promise<number> {
  const set = await currentResultSet(db, shopId);
  if (!set) throw new Error(`Shop ${shopId} has no result set`);
  const g = set.directory.segments.findIndex((s) => s.id === segmentId);
  if (g < 0) throw new Error(`No segment ${segmentId} in the result set`);
  const wanted = new Set(customerIds);
  const chunks = await db.customerResultChunk.findMany({
    where: { snapshotId: set.snapshotId, shopId, kind: "rows" },
  });
  let moved = 0;
  for (const chunk of chunks) {
    const part = decodeRowsPart(chunk.data);
    let touched = false;
    for (let i = 0; i < part.length; i++) {
      if (!wanted.has(part.id[i])) continue;
      part.segment[i] = g;
      touched = true;
      moved++;
    }
    if (!touched) continue;
    await db.customerResultChunk.update({
      where: {
        snapshotId_kind_key_part: {
          snapshotId: set.snapshotId,
          kind: "rows",
          key: "",
          part: chunk.part,
        },
      },
      data: { data: encodeRowsPart(part) },
    });
  }
  return moved;
}

/** The current segment of each customer with results, by id. */
export async function segmentsById(db: Database, shopId: number): Promise<Map<bigint, string>> {
  const results = await allCustomerResults(db, shopId);
  return new Map(results.map((r) => [r.customerId, r.segment]));
}

/** A row to seed: what the readers give back (app/metrics/result-set.ts). */
export type SeededResult = CustomerResult;

/**
 * Writes `rows` as the shop's result set through the compute's own writer, with a snapshot
 * of `snapshotJson` (default: an empty document, which pages read as "no snapshot yet").
 */
export async function seedResults(
  databaseUrl: string,
  shopId: number,
  rows: readonly SeededResult[],
  computedAt: Date,
  snapshotJson = "{}",
): Promise<number> {
  const segmentIds = [...new Set(rows.map((r) => r.segment))];
  const n = rows.length;
  const orNaN = (x: number | bigint | null) => (x === null ? NaN : Number(x));
  const written = await writeComputeResults(databaseUrl, {
    shopId,
    customerIds: BigInt64Array.from(rows, (r) => r.customerId),
    perCustomer: {
      count: n,
      segmentIds,
      segment: Uint8Array.from(rows, (r) => segmentIds.indexOf(r.segment)),
      r: Uint8Array.from(rows, (r) => r.recencyScore),
      f: Uint8Array.from(rows, (r) => r.frequencyScore),
      m: Uint8Array.from(rows, (r) => r.monetaryScore),
      recencyDays: Int32Array.from(rows, (r) => r.recencyDays),
      frequency: Int32Array.from(rows, (r) => r.frequency),
      monetaryMinor: Float64Array.from(rows, (r) => Number(r.monetaryMinor)),
      pAlive: Float64Array.from(rows, (r) => orNaN(r.pAlive)),
      expected90: Float64Array.from(rows, (r) => orNaN(r.expected90)),
      clvMinor: Float64Array.from(rows, (r) => orNaN(r.clvMinor)),
    },
    computedAt,
    asOf: computedAt,
    snapshotJson,
    timeZone: "UTC",
  });
  return written.snapshotId;
}
