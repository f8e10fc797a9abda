/**
 * One segment's customers from CustomerMetric: a sorted page for the drill-down, and the
 * whole segment as CSV (streamed in id order, so memory stays flat on a 1M-customer shop).
 * Customers are Shopify ids only; the page links each to the customer in Shopify admin.
 */
import { once } from "node:events";
import { Readable } from "node:stream";
import { stringify } from "csv-stringify";
import { isPostgresUrl } from "../../prisma/database-url.mjs";
import prisma from "../db.server";
import { env } from "../env.server";
import { fromMinorUnits } from "../sync/money";
import { actionInForce, type SegmentAction } from "./segments.server";
import { latestSnapshot, loadShop } from "./shop.server";
import { SORT_KEYS, type SortDirection, type SortKey } from "./types";

export const PAGE_SIZE = 50;

const COLUMN: Record<
  SortKey,
  "clvMinor" | "pAlive" | "expected90" | "monetaryMinor" | "frequency" | "recencyDays"
> = {
  clv: "clvMinor",
  pAlive: "pAlive",
  expected90: "expected90",
  monetary: "monetaryMinor",
  frequency: "frequency",
  recency: "recencyDays",
};

export interface CustomerRowView {
  /** Shopify's numeric id, as text (it does not fit a double exactly in every shop). */
  readonly id: string;
  readonly r: number;
  readonly f: number;
  readonly m: number;
  readonly recencyDays: number;
  readonly frequency: number;
  readonly monetaryMinor: number;
  readonly pAlive: number | null;
  readonly expected90: number | null;
  readonly clvMinor: number | null;
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
  readonly rows: CustomerRowView[];
  readonly computedAt: number;
}

export function parseListQuery(url: URL): {
  sort: SortKey;
  direction: SortDirection;
  page: number;
} {
  const sortParam = url.searchParams.get("sort");
  const sort = (SORT_KEYS as readonly string[]).includes(sortParam ?? "")
    ? (sortParam as SortKey)
    : "clv";
  const dirParam = url.searchParams.get("direction");
  const direction: SortDirection =
    dirParam === "asc" || dirParam === "desc" ? dirParam : sort === "recency" ? "asc" : "desc";
  const page = Math.max(
    1,
    Math.min(1_000_000, Number.parseInt(url.searchParams.get("page") ?? "1", 10) || 1),
  );
  return { sort, direction, page };
}

/** Null when the shop, its snapshot or the segment does not exist. */
export async function segmentCustomers(
  domain: string,
  segmentId: string,
  query: { sort: SortKey; direction: SortDirection; page: number },
): Promise<SegmentCustomersData | null> {
  const shop = await loadShop(domain);
  if (!shop) return null;
  const snapshot = await latestSnapshot(shop.id);
  const row = snapshot?.segments.rows.find((r) => r.id === segmentId);
  if (!snapshot || !row) return null;
  const pages = Math.max(1, Math.ceil(row.customers / PAGE_SIZE));
  const page = Math.min(query.page, pages);
  // No NULLS LAST, and ties broken by customer id in the same direction: then an index on
  // (shopId, segment, column, customerId) serves either direction without a sort. The model
  // columns are null only when the model could not be fitted, for every row of the shop alike.
  const order = { [COLUMN[query.sort]]: query.direction };
  const rows = await prisma.customerMetric.findMany({
    where: { shopId: shop.id, segment: segmentId },
    orderBy: [order, { customerId: query.direction }],
    skip: (page - 1) * PAGE_SIZE,
    take: PAGE_SIZE,
    select: {
      customerId: true,
      recencyScore: true,
      frequencyScore: true,
      monetaryScore: true,
      recencyDays: true,
      frequency: true,
      monetaryMinor: true,
      pAlive: true,
      expected90: true,
      clvMinor: true,
    },
  });
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
    computedAt: snapshot.computedAt,
    rows: rows.map((r) => ({
      id: r.customerId.toString(),
      r: r.recencyScore,
      f: r.frequencyScore,
      m: r.monetaryScore,
      recencyDays: r.recencyDays,
      frequency: r.frequency,
      monetaryMinor: Number(r.monetaryMinor),
      pAlive: r.pAlive,
      expected90: r.expected90,
      clvMinor: r.clvMinor === null ? null : Number(r.clvMinor),
    })),
  };
}

export const CSV_COLUMNS = [
  "customer_id",
  "segment",
  "recency_score",
  "frequency_score",
  "monetary_score",
  "recency_days",
  "purchases",
  "net_revenue",
  "p_alive",
  "expected_purchases_90d",
  "predicted_clv",
  "currency",
  "computed_at",
] as const;

const EXPORT_BATCH = 10_000;

// Raw reads in id order (the primary key): Prisma's model queries cost tens of µs a row
// (docs/decisions/0001-binary-free-prisma.md), too much for a 200k-customer segment.
// Ids and money travel as text so no value passes through a double.
const EXPORT_COLUMNS = `CAST("customerId" AS TEXT) AS "id", "recencyScore" AS "r", "frequencyScore" AS "f",
  "monetaryScore" AS "m", "recencyDays", "frequency", CAST("monetaryMinor" AS TEXT) AS "monetary",
  "pAlive", "expected90", CAST("clvMinor" AS TEXT) AS "clv"`;
const EXPORT_SQL_SQLITE = `SELECT ${EXPORT_COLUMNS} FROM "CustomerMetric"
  WHERE "shopId" = ? AND "segment" = ? AND "customerId" > ? ORDER BY "customerId" LIMIT ${EXPORT_BATCH}`;
const EXPORT_SQL_POSTGRES = `SELECT ${EXPORT_COLUMNS} FROM "CustomerMetric"
  WHERE "shopId" = $1 AND "segment" = $2 AND "customerId" > $3 ORDER BY "customerId" LIMIT ${EXPORT_BATCH}`;

interface ExportRow {
  readonly id: string;
  readonly r: number | bigint;
  readonly f: number | bigint;
  readonly m: number | bigint;
  readonly recencyDays: number | bigint;
  readonly frequency: number | bigint;
  readonly monetary: string;
  readonly pAlive: number | null;
  readonly expected90: number | null;
  readonly clv: string | null;
}
const decimal = (x: number | null, digits: number) => (x === null ? "" : x.toFixed(digits));

/** The segment as a CSV download, or null when the shop or segment is unknown. */
export async function segmentCsvResponse(
  domain: string,
  segmentId: string,
): Promise<Response | null> {
  const shop = await loadShop(domain);
  if (!shop) return null;
  const snapshot = await latestSnapshot(shop.id);
  if (!snapshot?.segments.rows.some((r) => r.id === segmentId)) return null;
  const { id: shopId, currency } = shop;
  const csv = stringify({ header: true, columns: [...CSV_COLUMNS] });

  // Every row carries the stamp of the compute that wrote it: the shop's last one.
  const computedAt = new Date(shop.status.computedAt ?? snapshot.computedAt).toISOString();
  const sql = isPostgresUrl(env().DATABASE_URL) ? EXPORT_SQL_POSTGRES : EXPORT_SQL_SQLITE;
  const pump = async () => {
    let after = -1n;
    for (;;) {
      const rows = await prisma.$queryRawUnsafe<ExportRow[]>(sql, shopId, segmentId, after);
      if (rows.length === 0) break;
      for (const r of rows) {
        const ok = csv.write([
          r.id,
          segmentId,
          Number(r.r),
          Number(r.f),
          Number(r.m),
          Number(r.recencyDays),
          Number(r.frequency),
          fromMinorUnits(BigInt(r.monetary), currency),
          decimal(r.pAlive === null ? null : Number(r.pAlive), 4),
          decimal(r.expected90 === null ? null : Number(r.expected90), 4),
          r.clv === null ? "" : fromMinorUnits(BigInt(r.clv), currency),
          currency,
          computedAt,
        ]);
        if (!ok) await once(csv, "drain");
      }
      after = BigInt(rows[rows.length - 1].id);
    }
    csv.end();
  };
  pump().catch((error: unknown) => csv.destroy(error as Error));

  const day = snapshot.asOfDate;
  return new Response(Readable.toWeb(csv) as ReadableStream<Uint8Array>, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="kizuna-${segmentId}-${day}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}
