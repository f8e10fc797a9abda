/**
 * Customer migration (顧客移行率) of customer subsets ("cuts", as cohort-cuts.ts) in one pass:
 * for each cut, the integer counts yoyMigration and segmentMigration give, restricted to
 * exactly the cut's customers. Segments are the shop's (each RFM ranks a customer among all
 * customers): a cut's matrix says where its customers stand in the whole shop. Rates are
 * derived by the reader; complements are sums and differences of cuts (combineMigrationCuts).
 */
import type { CutMembership } from "./cohort-cuts";
import type { PurchaseHistory } from "./history";
import { validateRange } from "./metric";
import { YOY_COUNT_KEYS, type SegmentMigration, type YoyCounts } from "./migration";
import { NO_SEGMENT } from "./rfm";
import type { DayRange } from "./time";
import { previousYearRange } from "./time";

/** As YoyMigration's counts and revenue, restricted to the cut's customers. */
export interface MigrationCut extends YoyCounts {
  /** As SegmentMigration: counts[row · size + col] and the net of (fromAsOfDay, toAsOfDay]. */
  readonly counts: Int32Array;
  readonly revenueMinor: Float64Array;
}

/** Per-cut YoY scalars in the pass's flat accumulators: counts as YOY_COUNT_KEYS, and the
 *  revenue of the current period's new, retained and reactivated buyers. */
const YOY_COUNTS = YOY_COUNT_KEYS.length;
const YOY_REVENUE = 3;

/**
 * Every cut's migration counts. `current` is yoyMigration's period; `segments` the shop's
 * segmentMigration (its per-customer segments at both dates). Linear in the purchases of
 * customers in some cut × cuts per customer.
 */
export function migrationCuts(
  history: PurchaseHistory,
  membership: CutMembership,
  current: DayRange,
  segments: SegmentMigration,
): MigrationCut[] {
  validateRange(current);
  const previous = previousYearRange(current);
  if (previous.endDay > current.startDay) {
    throw new RangeError("The current period must not be longer than one year");
  }
  const { cutCount, start, group } = membership;
  const n = history.customerCount;
  if (start.length !== n + 1) throw new RangeError("membership has another customer count");
  const { fromSegment, toSegment, fromAsOfDay, toAsOfDay, size } = segments;
  if (fromSegment.length !== n || toSegment.length !== n) {
    throw new RangeError("segments of another customer count");
  }
  const none = size - 1;
  const { purchaseStart, purchaseDay, purchaseNet } = history;
  const yoyCounts = new Int32Array(cutCount * YOY_COUNTS);
  const yoyRevenue = new Float64Array(cutCount * YOY_REVENUE);
  const cells = size * size;
  const counts = new Int32Array(cutCount * cells);
  const revenue = new Float64Array(cutCount * cells);
  // One walk per customer in some cut (as the two functions': the YoY periods and the
  // segment dates' interval), then added to each of their cuts.
  const last = Math.max(current.endDay - 1, toAsOfDay);
  for (let c = 0; c < n; c++) {
    const j0 = start[c];
    const j1 = start[c + 1];
    if (j0 === j1) continue;
    const begin = purchaseStart[c];
    const end = purchaseStart[c + 1];
    if (begin === end) continue;
    const firstDay = purchaseDay[begin];
    let inPrevious = false;
    let inCurrent = false;
    let net = 0;
    let segmentNet = 0;
    for (let p = begin; p < end; p++) {
      const d = purchaseDay[p];
      if (d > last) break;
      if (d > fromAsOfDay && d <= toAsOfDay) segmentNet += purchaseNet[p];
      if (d >= current.endDay) continue;
      if (d >= current.startDay) {
        inCurrent = true;
        net += purchaseNet[p];
      } else if (d >= previous.startDay && d < previous.endDay) {
        inPrevious = true;
      }
    }
    // YoY slots, as YOY_COUNT_KEYS: 0 previousNew, 1 previousExisting, 2 retainedNew,
    // 3 retainedExisting, 4 currentNew, 5 currentRetained, 6 currentReactivated; −1 none.
    let was = -1;
    let retained = -1;
    if (inPrevious) {
      const isNew = firstDay >= previous.startDay;
      was = isNew ? 0 : 1;
      if (inCurrent) retained = isNew ? 2 : 3;
    }
    let now = -1;
    if (inCurrent) now = firstDay >= current.startDay ? 4 : inPrevious ? 5 : 6;
    const a = fromSegment[c];
    const b = toSegment[c];
    const cell =
      a === NO_SEGMENT && b === NO_SEGMENT
        ? -1
        : (a === NO_SEGMENT ? none : a) * size + (b === NO_SEGMENT ? none : b);
    if (was < 0 && now < 0 && cell < 0) continue;
    for (let j = j0; j < j1; j++) {
      const g = group[j];
      const y = g * YOY_COUNTS;
      if (was >= 0) yoyCounts[y + was]++;
      if (retained >= 0) yoyCounts[y + retained]++;
      if (now >= 0) {
        yoyCounts[y + now]++;
        yoyRevenue[g * YOY_REVENUE + now - 4] += net;
      }
      if (cell >= 0) {
        counts[g * cells + cell]++;
        revenue[g * cells + cell] += segmentNet;
      }
    }
  }
  return Array.from({ length: cutCount }, (_, g): MigrationCut => {
    const y = g * YOY_COUNTS;
    const r = g * YOY_REVENUE;
    return {
      ...yoyCountsFrom((i) => yoyCounts[y + i]),
      currentRevenueMinor: {
        new: yoyRevenue[r],
        retained: yoyRevenue[r + 1],
        reactivated: yoyRevenue[r + 2],
      },
      counts: counts.slice(g * cells, (g + 1) * cells),
      revenueMinor: revenue.slice(g * cells, (g + 1) * cells),
    };
  });
}

type YoyCountKey = (typeof YOY_COUNT_KEYS)[number];

/** The counts of YOY_COUNT_KEYS, the i-th key's from count(i). */
const yoyCountsFrom = (count: (i: number) => number): Record<YoyCountKey, number> =>
  Object.fromEntries(YOY_COUNT_KEYS.map((k, i) => [k, count(i)])) as Record<YoyCountKey, number>;

/**
 * Σ plus − Σ minus of disjoint cuts (e.g. one-time first purchases = every channel −
 * subscription). Counts and minor units are integers, so the result is exact.
 */
export function combineMigrationCuts(
  plus: readonly MigrationCut[],
  minus: readonly MigrationCut[],
): MigrationCut {
  const cells = (plus[0] ?? minus[0])?.counts.length ?? 0;
  const scalars = yoyCountsFrom(() => 0);
  const revenue = { new: 0, retained: 0, reactivated: 0 };
  const counts = new Int32Array(cells);
  const revenueMinor = new Float64Array(cells);
  const apply = (cut: MigrationCut, sign: number) => {
    if (cut.counts.length !== cells) throw new RangeError("cuts of different segment counts");
    for (const k of YOY_COUNT_KEYS) scalars[k] += sign * cut[k];
    revenue.new += sign * cut.currentRevenueMinor.new;
    revenue.retained += sign * cut.currentRevenueMinor.retained;
    revenue.reactivated += sign * cut.currentRevenueMinor.reactivated;
    for (let i = 0; i < cells; i++) {
      counts[i] += sign * cut.counts[i];
      revenueMinor[i] += sign * cut.revenueMinor[i];
    }
  };
  for (const cut of plus) apply(cut, 1);
  for (const cut of minus) apply(cut, -1);
  return { ...scalars, currentRevenueMinor: revenue, counts, revenueMinor };
}
