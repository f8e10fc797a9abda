/**
 * The continuation chart's lines: the newest cohorts' curves, the pooled curve and the
 * subscription model's projection. Kept apart from the page so the rules a chart must not
 * break (no reachable-looking 0 % for a young cohort, no two lines in one colour) are tested.
 */
import { MIN_TREND_BASE } from "../analytics/trends";
import type { ContinuationJson } from "../metrics/snapshot/types";
import { SERIES_COLORS, type LineSeries } from "./charts";

/** The model projection's colour: the page's help text calls it red. */
export const PROJECTION_COLOR = "#d72c0d";
const POOLED_COLOR = "#202223";
/** Cohort curves take every series colour except the projection's. */
const CURVE_COLORS = SERIES_COLORS.filter((c) => c !== PROJECTION_COLOR);
/**
 * Curves drawn: the newest cohorts old and large enough to say something (smaller cohorts,
 * under the trends' minimum base, make jagged curves that say little).
 */
export const CURVE_COHORTS = 5;
/** Columns (purchases or deliveries) drawn. */
export const CURVE_COLUMNS = 12;

export function continuationCurves(
  table: ContinuationJson,
  options: {
    /** One purchase a month at most (subscriptions): later columns are not reachable yet. */
    readonly monthly: boolean;
    readonly cohortLabel: (month: string) => string;
    readonly pooledLabel: string;
  },
): LineSeries[] {
  const curves = table.rows
    .filter((r) => r.ageMonths >= 3 && r.size >= MIN_TREND_BASE)
    .slice(-CURVE_COHORTS)
    .map((r, k) => ({
      label: options.cohortLabel(r.label),
      // A subscription cohort k months old cannot have reached delivery k + 2 yet: the line
      // stops where the table leaves the cell empty instead of dropping to 0 %.
      values: r.share
        .slice(0, CURVE_COLUMNS)
        .map((v, i) => (options.monthly && i > r.ageMonths ? null : v)),
      color: CURVE_COLORS[k % CURVE_COLORS.length],
    }));
  const pooled = table.total
    ? [
        {
          label: options.pooledLabel,
          values: table.total.share.slice(0, CURVE_COLUMNS),
          color: POOLED_COLOR,
          dashed: true,
          width: 2.5,
        },
      ]
    : [];
  return [...curves, ...pooled];
}
