/**
 * The migration page: last year → this year from the latest snapshot, or, for two dates the
 * merchant picks, computed on demand from the stored orders through the pure analytics
 * module (the same functions the snapshot uses), in the shop's time zone, for the session's
 * shop only. Dates travel in the query (`?from=YYYY-MM-DD&to=YYYY-MM-DD`) and are validated
 * with zod; a bad pair keeps the snapshot's numbers and answers field errors.
 *
 * For dates `from` < `to`: segments as of `from` → as of `to` (each RFM scores all history
 * up to its day), and year over year the local days (from, to] against the same days one
 * year earlier, so the two may be at most one year apart. The default view is the snapshot's
 * (one year before its as-of day → its as-of day), which is the same computation.
 *
 * Loading a shop's orders costs about a second per 150,000 customers: results are kept per
 * shop, dates and latest compute (a few entries), so going back and forth costs nothing.
 *
 * The cohort filter (issue 17, URL parameter `cut`) applies to the snapshot's view: each cut
 * holds the migration counts of its customers for the snapshot's periods (computed with the
 * snapshot). Dates the merchant picks are computed without cuts, so the filter is not offered
 * for them.
 */
import { z } from "zod";
import { ratio, type Metric } from "../analytics/metric";
import {
  buildPurchaseHistory,
  createCalendar,
  DEFAULT_SEGMENT_RULES,
  formatDay,
  lastDayOfMonthsFrom,
  parseDay,
  segmentMigration,
  yoyCounts,
  yoyMigration,
} from "../analytics";
import { env } from "../env.server";
import { loadShopOrders } from "../metrics/load.server";
import { migrationBlock } from "../metrics/snapshot/migration-block";
import type { CohortCutsBlock, MigrationBlock, MigrationCutJson } from "../metrics/snapshot/types";
import type { AdminApi } from "../sync/admin-api.server";
import { CUT_PARAM, cohortFilterView, selectedCut } from "./cohort-filter.server";
import type { FieldError } from "./settings-form";
import { loadPage, type ShopContext } from "./page-base.server";

/** Earliest date the page accepts (Shopify itself started in 2006). */
export const MIN_MIGRATION_DATE = "2000-01-01";

export type MigrationField = "from" | "to";
export type MigrationErrors = Partial<Record<MigrationField, FieldError>>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isDay(text: string): boolean {
  try {
    parseDay(text);
    return true;
  } catch {
    return false;
  }
}

/** The two dates: real calendar days, from < to ≤ today (shop zone), at most a year apart. */
export function migrationQuerySchema(todayDay: number) {
  const date = z
    .string({ error: "migration.error.required" })
    .trim()
    .min(1, { error: "migration.error.required" })
    .refine((v) => DATE.test(v) && isDay(v), { error: "migration.error.date", abort: true });
  return z
    .object({ from: date, to: date })
    .superRefine(({ from, to }, ctx) => {
      const fromDay = parseDay(from);
      const toDay = parseDay(to);
      const min = parseDay(MIN_MIGRATION_DATE);
      const issue = (path: MigrationField, message: string, params?: Record<string, string>) =>
        ctx.addIssue({ code: "custom", path: [path], message, params });
      if (fromDay < min) issue("from", "migration.error.tooEarly", { min: MIN_MIGRATION_DATE });
      if (toDay > todayDay) issue("to", "migration.error.future", { max: formatDay(todayDay) });
      if (toDay <= fromDay) issue("to", "migration.error.order");
      // yoyMigration's bound: the same days one year earlier end before the period starts,
      // i.e. the days (from, to] lie within the 12 months ending on `to`.
      else {
        const max = lastDayOfMonthsFrom(fromDay + 1, 12);
        if (toDay > max) issue("to", "migration.error.tooLong", { max: formatDay(max) });
      }
    })
    .transform(({ from, to }) => ({ fromDay: parseDay(from), toDay: parseDay(to) }));
}

export type MigrationQuery =
  | { readonly kind: "default" }
  | { readonly kind: "dates"; readonly fromDay: number; readonly toDay: number }
  | { readonly kind: "invalid"; readonly errors: MigrationErrors };

/** Reads `from` / `to` from the page URL; neither given = the snapshot's default view. */
export function parseMigrationQuery(url: URL, todayDay: number): MigrationQuery {
  const from = url.searchParams.get("from");
  const to = url.searchParams.get("to");
  if (from === null && to === null) return { kind: "default" };
  const parsed = migrationQuerySchema(todayDay).safeParse({ from, to });
  if (parsed.success) return { kind: "dates", ...parsed.data };
  const errors: MigrationErrors = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path[0];
    if ((field !== "from" && field !== "to") || errors[field]) continue;
    const params = (issue as { params?: Record<string, string> }).params;
    errors[field] = {
      key: issue.message as FieldError["key"],
      ...(params ? { params } : {}),
    };
  }
  return { kind: "invalid", errors };
}

/** Migration between two local days of the shop, from its stored orders (shop-scoped). */
export async function computeMigration(
  shop: Pick<ShopContext, "id" | "timezone" | "settings">,
  fromDay: number,
  toDay: number,
  databaseUrl: string = env().DATABASE_URL,
): Promise<MigrationBlock> {
  const data = await loadShopOrders(databaseUrl, shop.id);
  const calendar = createCalendar(shop.timezone);
  const history = buildPurchaseHistory(data.orders, data.customers, calendar);
  const yoy = yoyMigration(history, { startDay: fromDay + 1, endDay: toDay + 1 });
  const segments = segmentMigration(history, {
    fromAsOfDay: fromDay,
    toAsOfDay: toDay,
    rules: shop.settings.segmentRules ?? DEFAULT_SEGMENT_RULES,
    minCustomers: shop.settings.minSegmentCustomers,
  });
  return migrationBlock(yoy, segments);
}

/**
 * The cuts the migration page can filter by: those holding their migration counts. Cuts
 * stored before have none; the page then says the filter comes with the next compute.
 */
export function migrationFilterCuts(
  block: CohortCutsBlock | undefined,
): CohortCutsBlock | undefined {
  return block?.cuts.every((c) => c.migration !== undefined) ? block : undefined;
}

/** The same metric with another numerator and base (definition and period kept). */
function withCounts(metric: Metric, numerator: number, denominator: number): Metric {
  return { ...metric, value: ratio(numerator, denominator), numerator, denominator, details: {} };
}

/** The snapshot's migration block restricted to a cut's customers (same periods, segments). */
export function cutMigration(all: MigrationBlock, cut: MigrationCutJson): MigrationBlock {
  const previousBuyers = cut.previousNew + cut.previousExisting;
  return {
    yoy: {
      ...all.yoy,
      previousBuyers,
      ...yoyCounts(cut),
      retention: withCounts(
        all.yoy.retention,
        cut.retainedNew + cut.retainedExisting,
        previousBuyers,
      ),
      newMigration: withCounts(all.yoy.newMigration, cut.retainedNew, cut.previousNew),
      existingMigration: withCounts(
        all.yoy.existingMigration,
        cut.retainedExisting,
        cut.previousExisting,
      ),
    },
    segments: {
      ...all.segments,
      counts: cut.segmentCounts,
      revenueMinor: cut.segmentRevenueMinor,
    },
  };
}

const CACHE_SIZE = 8;
const computed = new Map<string, Promise<MigrationBlock>>();

/** computeMigration, remembered until the shop's next compute (by its time). */
function cachedMigration(
  shop: ShopContext,
  computedAt: number,
  fromDay: number,
  toDay: number,
): Promise<MigrationBlock> {
  const key = `${shop.id}:${computedAt}:${fromDay}:${toDay}`;
  let block = computed.get(key);
  if (!block) {
    block = computeMigration(shop, fromDay, toDay);
    block.catch(() => computed.delete(key));
  }
  computed.delete(key);
  computed.set(key, block);
  while (computed.size > CACHE_SIZE) computed.delete(computed.keys().next().value!);
  return block;
}

export async function migrationData(domain: string, url: URL, api: AdminApi | null = null) {
  const { base, snapshot, shop } = await loadPage(domain);
  if (!snapshot || !shop) {
    return {
      ...base,
      migration: null,
      custom: false,
      dates: null,
      errors: null,
      today: null,
      filter: null,
    };
  }
  const today = createCalendar(shop.timezone).dayOf(Date.now());
  const query = parseMigrationQuery(url, today);
  const custom = query.kind === "dates";
  // The filter: the snapshot's view only (chosen dates are computed without cuts).
  const cuts = migrationFilterCuts(snapshot.cohortCuts);
  const key = url.searchParams.get(CUT_PARAM)?.slice(0, 300) || null;
  const filter = custom ? null : await cohortFilterView({ cohortCuts: cuts }, key, api);
  const cut = selectedCut(cuts, filter?.selected?.key ?? null)?.migration;
  const block = custom
    ? await cachedMigration(shop, snapshot.computedAt, query.fromDay, query.toDay)
    : cut
      ? cutMigration(snapshot.migration, cut)
      : snapshot.migration;
  const dates = {
    from: url.searchParams.get("from") ?? block.segments.fromDate,
    to: url.searchParams.get("to") ?? block.segments.toDate,
  };
  return {
    ...base,
    migration: {
      yoy: block.yoy,
      segments: block.segments,
      // Computed now: the rules in force now; the snapshot: the rules it was computed with.
      customRules: custom ? shop.settings.segmentRules != null : snapshot.segments.customRules,
      /** The latest computation's dates (those the filter applies to). */
      snapshotDates: {
        from: snapshot.migration.segments.fromDate,
        to: snapshot.migration.segments.toDate,
      },
    },
    custom,
    dates,
    errors: query.kind === "invalid" ? query.errors : null,
    today: formatDay(today),
    /** Null for chosen dates (the page says the filter applies to the computed period). */
    filter,
  };
}
