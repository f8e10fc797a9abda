/**
 * One segment's customers from the shop's result set (app/metrics/result-set.server.ts): a
 * sorted, optionally filtered page for the drill-down with the customers' names read live from
 * Shopify (customer-names.server.ts; never stored), and the segment as a CSV for Excel
 * (streamed in id order, so memory stays flat on a 1M-customer shop).
 */
import { once } from "node:events";
import { Readable } from "node:stream";
import { stringify, type CastingContext } from "csv-stringify";
import { formatDay, parseDay } from "../analytics/time";
import { env } from "../env.server";
import { createTranslator, resolveLocale, segmentName, type Locale } from "../i18n";
import type { MessageKey } from "../messages/en";
import {
  inRanges,
  segmentPage,
  segmentPageInRanges,
  segmentResults,
  type CustomerResult,
  type ResultRange,
} from "../metrics/result-set.server";
import { resultStore } from "../metrics/result-store.server";
import type { AdminApi } from "../sync/admin-api.server";
import { currencyDigits, fromMinorUnits } from "../sync/money";
import { customerNames, type CustomerName, type NamesStatus } from "./customer-names.server";
import { actionInForce, type SegmentAction } from "./segments.server";
import { latestSnapshot, loadShop } from "./page-base.server";
import { SORT_KEYS, type SortDirection, type SortKey } from "../metrics/customer-sort";
import { FILTER_PARAMS, type FilterParam, type FilterValues } from "./segment-params";

export const PAGE_SIZE = 50;

export interface CustomerRowView {
  /** Shopify's numeric id, as text (it does not fit a double exactly in every shop). */
  readonly id: string;
  /** Live from Shopify for this page only; null when unavailable (the page shows the id). */
  readonly name: string | null;
  readonly email: string | null;
  readonly r: number;
  readonly f: number;
  readonly m: number;
  /** "YYYY-MM-DD", the shop's local day of the last purchase. */
  readonly lastPurchase: string;
  readonly recencyDays: number;
  readonly frequency: number;
  readonly monetaryMinor: number;
  readonly pAlive: number | null;
  readonly expected90: number | null;
  readonly clvMinor: number | null;
}

export interface ListQuery {
  readonly sort: SortKey;
  readonly direction: SortDirection;
  readonly page: number;
  /** The filter inputs as typed (empty: no bound). */
  readonly filters: FilterValues;
}

export interface SegmentCustomersData {
  readonly currency: string;
  readonly timeZone: string;
  readonly segment: {
    readonly id: string;
    readonly name: string;
    readonly customRules: boolean;
    readonly customers: number;
    readonly customerShare: number | null;
    readonly revenueShare: number | null;
    readonly averagePredictedClvMinor: number | null;
    readonly averagePAlive: number | null;
    readonly action: SegmentAction;
  };
  readonly sort: SortKey;
  readonly direction: SortDirection;
  readonly page: number;
  readonly pages: number;
  /** Customers matching the filters (the segment's count without filters). */
  readonly matching: number;
  readonly filters: FilterValues;
  /** Why a filter input was ignored, by input. */
  readonly filterErrors: Partial<Record<FilterParam, MessageKey>>;
  readonly filtered: boolean;
  /** Whether the names on this page came from Shopify, and if not, why. */
  readonly names: NamesStatus;
  readonly rows: CustomerRowView[];
  readonly computedAt: number;
}

const EMPTY_FILTERS: FilterValues = { pAliveMin: "", pAliveMax: "", clvMin: "", clvMax: "" };

/** Sort, direction, page and filters of a drill-down or export URL. */
export function parseListQuery(url: URL): ListQuery {
  const sortParam = url.searchParams.get("sort");
  const sort = (SORT_KEYS as readonly string[]).includes(sortParam ?? "")
    ? (sortParam as SortKey)
    : "clv";
  const dirParam = url.searchParams.get("direction");
  // Last purchase starts with the most recent (fewest days); every other key with the highest.
  const direction: SortDirection =
    dirParam === "asc" || dirParam === "desc" ? dirParam : sort === "recency" ? "asc" : "desc";
  const page = Math.max(
    1,
    Math.min(1_000_000, Number.parseInt(url.searchParams.get("page") ?? "1", 10) || 1),
  );
  const filters = { ...EMPTY_FILTERS };
  for (const key of FILTER_PARAMS) {
    filters[key] = (url.searchParams.get(key) ?? "").trim().slice(0, 32);
  }
  return { sort, direction, page, filters };
}

/**
 * The filter inputs as result-set ranges (P(alive) percent → ratio, LTV major → minor units).
 * An input that is not a number in range is ignored and named in `errors`; so is a minimum
 * above its maximum (both bounds of that filter), so the list never silently shows nothing.
 */
export function rangesOf(
  filters: FilterValues,
  currency: string,
): { ranges: ResultRange[]; errors: Partial<Record<FilterParam, MessageKey>> } {
  const errors: Partial<Record<FilterParam, MessageKey>> = {};
  const read = (key: FilterParam, lo: number, hi: number): number | null => {
    const text = filters[key];
    if (text === "") return null;
    const value = Number(text.replace(/[,，\s]/g, ""));
    if (!Number.isFinite(value) || value < lo || value > hi) {
      errors[key] = key.startsWith("pAlive") ? "errors.filterPercent" : "errors.filterAmount";
      return null;
    }
    return value;
  };
  const ranges: ResultRange[] = [];
  const scale = 10 ** currencyDigits(currency);
  const pairs = [
    ["pAlive", "pAliveMin", "pAliveMax", 100, 1 / 100],
    ["clv", "clvMin", "clvMax", Number.MAX_SAFE_INTEGER / scale, scale],
  ] as const;
  for (const [key, minKey, maxKey, hi, factor] of pairs) {
    const min = read(minKey, 0, hi);
    const max = read(maxKey, 0, hi);
    if (min !== null && max !== null && min > max) {
      errors[minKey] = "errors.filterOrder";
      continue;
    }
    if (min === null && max === null) continue;
    // LTV is whole minor units: a bound in major units covers every minor unit it names.
    ranges.push({
      key,
      min: min === null ? null : key === "clv" ? Math.ceil(min * factor) : min * factor,
      max: max === null ? null : key === "clv" ? Math.floor(max * factor) : max * factor,
    });
  }
  return { ranges, errors };
}

/** The shop's local day of the last purchase: the set's as-of day less the recency. */
const lastPurchaseOf = (asOfDate: string, recencyDays: number): string =>
  formatDay(parseDay(asOfDate) - recencyDays);

export interface NamesSource {
  /** The page request's Admin API client (null: no token, names unavailable). */
  readonly api: AdminApi | null;
  /** The scopes the session granted, to say "scope" without a doomed request. */
  readonly scope?: string;
}

/** Null when the shop, its snapshot or the segment does not exist. */
export async function segmentCustomers(
  domain: string,
  segmentId: string,
  query: ListQuery,
  names: NamesSource = { api: null },
): Promise<SegmentCustomersData | null> {
  const shop = await loadShop(domain);
  if (!shop) return null;
  const snapshot = await latestSnapshot(shop.id);
  const row = snapshot?.segments.rows.find((r) => r.id === segmentId);
  if (!snapshot || !row) return null;
  const { ranges, errors } = rangesOf(query.filters, snapshot.currency);
  const store = resultStore(env().DATABASE_URL);
  let results: CustomerResult[];
  let matching = row.customers;
  let page = query.page;
  let pages = Math.max(1, Math.ceil(row.customers / PAGE_SIZE));
  if (ranges.length === 0) {
    page = Math.min(query.page, pages);
    // Ascending by the value with ties by customer id, missing model values first;
    // descending is the exact reverse. Precomputed per segment and sort key.
    results = await segmentPage(
      store,
      shop.id,
      segmentId,
      query.sort,
      query.direction,
      (page - 1) * PAGE_SIZE,
      PAGE_SIZE,
    );
  } else {
    const found = await segmentPageInRanges(
      store,
      shop.id,
      segmentId,
      query.sort,
      query.direction,
      (query.page - 1) * PAGE_SIZE,
      PAGE_SIZE,
      ranges,
    );
    matching = found.total;
    pages = Math.max(1, Math.ceil(matching / PAGE_SIZE));
    page = Math.min(query.page, pages);
    results =
      page === query.page
        ? found.rows
        : (
            await segmentPageInRanges(
              store,
              shop.id,
              segmentId,
              query.sort,
              query.direction,
              (page - 1) * PAGE_SIZE,
              PAGE_SIZE,
              ranges,
            )
          ).rows;
  }
  const ids = results.map((r) => r.customerId.toString());
  const live = await customerNames(names.api, ids, names.scope);
  const none: CustomerName = { name: null, email: null };
  return {
    currency: snapshot.currency,
    timeZone: snapshot.timeZone,
    segment: {
      id: row.id,
      name: row.name,
      customRules: snapshot.segments.customRules,
      customers: row.customers,
      customerShare: row.customerShare,
      revenueShare: row.revenueShare,
      averagePredictedClvMinor: row.averagePredictedClvMinor,
      averagePAlive: row.averagePAlive,
      action: actionInForce(row, shop.settings.segmentActions),
    },
    sort: query.sort,
    direction: query.direction,
    page,
    pages,
    matching,
    filters: query.filters,
    filterErrors: errors,
    filtered: ranges.length > 0,
    names: live.status,
    computedAt: snapshot.computedAt,
    rows: results.map((r, i) => ({
      id: ids[i],
      ...(live.byId[ids[i]] ?? none),
      r: r.recencyScore,
      f: r.frequencyScore,
      m: r.monetaryScore,
      lastPurchase: lastPurchaseOf(snapshot.asOfDate, r.recencyDays),
      recencyDays: r.recencyDays,
      frequency: r.frequency,
      monetaryMinor: Number(r.monetaryMinor),
      pAlive: r.pAlive,
      expected90: r.expected90,
      clvMinor: r.clvMinor === null ? null : Number(r.clvMinor),
    })),
  };
}

/**
 * The export's columns: the page's, in its order, with R, F and M apart (one "5-4-3" cell
 * would open in Excel as a date) and the last purchase as a date Excel recognises, plus the
 * compute time and a link to the customer in Shopify admin. No names or emails: Kizuna holds
 * none, and fetching a whole segment's (hundreds of Admin API calls) to write them to a file
 * would copy protected customer data out of Shopify; the admin link reaches them.
 */
export const CSV_COLUMNS = [
  "customerId",
  "segment",
  "recencyScore",
  "frequencyScore",
  "monetaryScore",
  "lastPurchase",
  "recencyDays",
  "purchases",
  "netRevenue",
  "pAlive",
  "expected90",
  "clv",
  "computedAt",
  "adminUrl",
] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];

const CSV_HEADERS: Record<CsvColumn, MessageKey> = {
  customerId: "csv.customerId",
  segment: "csv.segment",
  recencyScore: "csv.recencyScore",
  frequencyScore: "csv.frequencyScore",
  monetaryScore: "csv.monetaryScore",
  lastPurchase: "csv.lastPurchase",
  recencyDays: "csv.recencyDays",
  purchases: "drill.frequency",
  netRevenue: "csv.netRevenue",
  pAlive: "csv.pAlive",
  expected90: "drill.expected90",
  clv: "csv.clv",
  computedAt: "csv.computedAt",
  adminUrl: "csv.adminUrl",
};

/** The column headers in the merchant's language, with the currency and zone they use. */
export function csvHeaders(locale: Locale, currency: string, timeZone: string): string[] {
  const { t } = createTranslator(locale);
  return CSV_COLUMNS.map((c) => t(CSV_HEADERS[c], { currency, zone: timeZone }));
}

/**
 * An id Excel keeps as text: `="9223372036854775807"`. Excel (and Google Sheets, LibreOffice,
 * Numbers) evaluate it to the string of digits, so the cell shows all 19 digits, sorts and
 * looks up as the id. The alternatives fail on opening a CSV: a bare number becomes 7.8E+12
 * and loses digits past 15; a leading apostrophe is only a text prefix when typed, in a CSV it
 * shows; a leading tab stays in the value (a lookup against the id then misses) and is itself
 * a formula-leading character OWASP says to neutralise. Only digits Kizuna wrote go in.
 */
export const excelTextId = (id: bigint): string => `="${id.toString()}"`;

/** "YYYY-MM-DD HH:mm:ss" in the shop's zone: a date-time Excel parses, zone in the header. */
function localDateTime(epochMs: number, timeZone: string): string {
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  for (const part of format.formatToParts(new Date(epochMs))) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** https://admin.shopify.com/store/<handle>/customers/<id>: opens outside the app too. */
export const adminCustomerUrl = (domain: string, id: bigint): string =>
  `https://admin.shopify.com/store/${domain.replace(/\.myshopify\.com$/, "")}/customers/${id}`;

/**
 * The segment as a CSV download for Excel, or null when the shop or segment is unknown. The
 * URL carries the page's locale and filters. csv-stringify writes it: UTF-8 with a BOM (Excel
 * reads a BOM-less file as the system's ANSI code page, which garbles Japanese), CRLF records
 * (RFC 4180), and `escape_formulas` (OWASP CSV injection: a cell starting with = + - @ tab or
 * CR, or their full-width forms, gets a leading apostrophe; numbers keep their minus sign).
 * Merchant-named segments are the text that could carry a formula.
 */
export async function segmentCsvResponse(
  domain: string,
  segmentId: string,
  url: URL,
): Promise<Response | null> {
  const shop = await loadShop(domain);
  if (!shop) return null;
  const snapshot = await latestSnapshot(shop.id);
  const row = snapshot?.segments.rows.find((r) => r.id === segmentId);
  if (!snapshot || !row) return null;
  const locale = resolveLocale(url.searchParams.get("locale"));
  const { ranges } = rangesOf(parseListQuery(url).filters, snapshot.currency);
  const { id: shopId } = shop;
  const { currency, timeZone, asOfDate } = snapshot;
  const i18n = createTranslator(locale);
  const segment = snapshot.segments.customRules ? row.name : segmentName(i18n, row.id, row.name);
  const digits = currencyDigits(currency);
  const fixed: Partial<Record<CsvColumn, number>> = { pAlive: 1, expected90: 4 };
  const csv = stringify({
    bom: true,
    record_delimiter: "windows",
    escape_formulas: true,
    header: true,
    columns: CSV_COLUMNS.map((key, i) => ({
      key,
      header: csvHeaders(locale, currency, timeZone)[i],
    })),
    cast: {
      // The id cells are formulas Kizuna builds from digits: exempt from escaping them.
      string: (value: string, context: CastingContext) =>
        !context.header && context.column === "customerId"
          ? { value, escape_formulas: false }
          : value,
      number: (value: number, context: CastingContext) => {
        const column = context.column as CsvColumn;
        if (column === "netRevenue" || column === "clv") return value.toFixed(digits);
        const decimals = fixed[column];
        return decimals === undefined ? String(value) : value.toFixed(decimals);
      },
    },
  });

  // Every row carries the stamp of the compute that wrote it: the shop's last one.
  const computedAt = localDateTime(shop.status.computedAt ?? snapshot.computedAt, timeZone);
  // Money below 2^53 minor units is exact as a major-unit double at the currency's digits.
  const major = (minor: bigint) => Number(fromMinorUnits(minor, currency));
  const pump = async () => {
    for await (const batch of segmentResults(resultStore(env().DATABASE_URL), shopId, segmentId)) {
      for (const r of batch) {
        if (ranges.length > 0 && !inRanges(r, ranges)) continue;
        const record: Record<CsvColumn, string | number | null> = {
          customerId: excelTextId(r.customerId),
          segment,
          recencyScore: r.recencyScore,
          frequencyScore: r.frequencyScore,
          monetaryScore: r.monetaryScore,
          lastPurchase: lastPurchaseOf(asOfDate, r.recencyDays),
          recencyDays: r.recencyDays,
          purchases: r.frequency,
          netRevenue: major(r.monetaryMinor),
          pAlive: r.pAlive === null ? null : r.pAlive * 100,
          expected90: r.expected90,
          clv: r.clvMinor === null ? null : major(r.clvMinor),
          computedAt,
          adminUrl: adminCustomerUrl(domain, r.customerId),
        };
        if (!csv.write(record)) await once(csv, "drain");
      }
    }
    csv.end();
  };
  pump().catch((error: unknown) => csv.destroy(error as Error));

  const filtered = ranges.length > 0 ? "-filtered" : "";
  return new Response(Readable.toWeb(csv) as ReadableStream<Uint8Array>, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="kizuna-${segmentId}-${asOfDate}${filtered}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}
