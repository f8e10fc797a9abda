/** The migration page's block: YoY customer migration and segments a year ago → now. */
import { formatDay, type SegmentMigration, type YoyMigration } from "../../analytics";
import { cleanMetric, plain } from "./json";
import type { MigrationBlock } from "./types";

function square(values: ArrayLike<number>, size: number): number[][] {
  return Array.from({ length: size }, (_, r) =>
    Array.from({ length: size }, (_, c) => plain(values[r * size + c])),
  );
}

/** The migration page's block (also built on demand for dates the merchant picks). */
export function migrationBlock(yoy: YoyMigration, m: SegmentMigration): MigrationBlock {
  return {
    yoy: {
      ...yoy,
      currentRevenueMinor: {
        new: plain(yoy.currentRevenueMinor.new),
        retained: plain(yoy.currentRevenueMinor.retained),
        reactivated: plain(yoy.currentRevenueMinor.reactivated),
      },
      retention: cleanMetric(yoy.retention),
      newMigration: cleanMetric(yoy.newMigration),
      existingMigration: cleanMetric(yoy.existingMigration),
    },
    segments: {
      fromDate: formatDay(m.fromAsOfDay),
      toDate: formatDay(m.toAsOfDay),
      labels: [...m.labels],
      names: [...m.rules.map((r) => r.name), "Not a customer yet"],
      counts: square(m.counts, m.size),
      revenueMinor: square(m.revenueMinor, m.size),
    },
  };
}
