/**
 * CDNOW fixtures (test/fixtures/cdnow, copied from the public dataset): the per-customer
 * summary of the 1/10 sample (calibration = 39 weeks ending 1997-09-30) and its transactions.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { OrderTable } from "../../app/analytics/types";

const dir = fileURLToPath(new URL("../fixtures/cdnow/", import.meta.url));

export interface CdnowSummary {
  readonly length: number;
  readonly id: Int32Array;
  readonly x: Float64Array;
  readonly tx: Float64Array;
  readonly T: Float64Array;
  readonly zbar: Float64Array;
}

function readCsv(name: string): number[][] {
  return readFileSync(dir + name, "utf8")
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split(",").map(Number));
}

/** cdnow_customers_summary_with_transactions.csv: ID, x, t_x, T (weeks), zbar (dollars). */
export function cdnowSummary(): CdnowSummary {
  const rows = readCsv("cdnow_customers_summary_with_transactions.csv");
  const n = rows.length;
  const out = {
    length: n,
    id: new Int32Array(n),
    x: new Float64Array(n),
    tx: new Float64Array(n),
    T: new Float64Array(n),
    zbar: new Float64Array(n),
  };
  rows.forEach(([id, x, tx, T, zbar], i) => {
    out.id[i] = id;
    out.x[i] = x;
    out.tx[i] = tx;
    out.T[i] = T;
    out.zbar[i] = zbar;
  });
  return out;
}

/** cdnow_customers_summary.csv (ID, frequency, recency, T): the file the BG/NBD papers fit. */
export function cdnowFrequencySummary(): {
  length: number;
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
} {
  const rows = readCsv("cdnow_customers_summary.csv");
  return {
    length: rows.length,
    x: Float64Array.from(rows, (r) => r[1]),
    tx: Float64Array.from(rows, (r) => r[2]),
    T: Float64Array.from(rows, (r) => r[3]),
  };
}

/**
 * CDNOW_sample.txt as an OrderTable: customer = sample id − 1, processedAt = midnight UTC of
 * the date, amounts in cents. The file is sorted by customer then date, as OrderTable requires.
 */
export function cdnowSampleOrders(): OrderTable {
  const lines = readFileSync(dir + "CDNOW_sample.txt", "utf8")
    .trim()
    .split(/\r?\n/);
  const n = lines.length;
  const customer = new Int32Array(n);
  const processedAt = new Float64Array(n);
  const grossMinor = new Float64Array(n);
  lines.forEach((line, i) => {
    const [, sampleId, date, , dollars] = line.trim().split(/\s+/);
    customer[i] = Number(sampleId) - 1;
    processedAt[i] = Date.UTC(
      Number(date.slice(0, 4)),
      Number(date.slice(4, 6)) - 1,
      Number(date.slice(6, 8)),
    );
    grossMinor[i] = Math.round(Number(dollars) * 100);
  });
  return {
    length: n,
    customer,
    processedAt,
    grossMinor,
    netMinor: grossMinor.slice(),
    flags: new Uint8Array(n),
  };
}

/** Calibration end of the published CDNOW summaries: 1997-09-30 (week 39). */
export const CDNOW_CALIBRATION_END = Date.UTC(1997, 8, 30);
/** End of the CDNOW observation: 1998-06-30 (78 weeks after 1997-01-01). */
export const CDNOW_OBSERVATION_END = Date.UTC(1998, 5, 30);
