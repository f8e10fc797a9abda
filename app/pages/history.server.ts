/**
 * KPI trend lines from the snapshot history: one point per shop-local day of the data
 * cut-off (the latest compute of that day), the last HISTORY_DAYS days. Only the KPI block
 * is pulled out of each row's small summary column (MetricSnapshot.summary) by the
 * database's JSON functions, and its values kept per snapshot id (rows are immutable), so a
 * dashboard load re-reads no old snapshot. Rows written before the column existed fall back
 * to the KPI block of the whole document.
 */
import { isPostgresUrl } from "../../prisma/database-url.mjs";
import { createCalendar, formatDay } from "../analytics/time";
import prisma from "../db.server";
import { env } from "../env.server";
import { KPI_IDS, type KpiId } from "../metrics/snapshot/types";

export const HISTORY_DAYS = 90;

export interface KpiHistory {
  /** Local dates ("YYYY-MM-DD") of the points, oldest first. */
  readonly dates: string[];
  readonly values: Record<KpiId, (number | null)[]>;
}

type Values = (number | null)[];
const MAX_CACHED = 20_000;
const cache = new Map<number, Values>();

// The KPI block only, one JSON parse of the summary per row in the database (COALESCE reads
// the document only for rows without a summary).
const sqliteSql = (count: number) =>
  `SELECT "id", COALESCE(json_extract("summary", '$.kpis'), json_extract("data", '$.kpis')) AS "v"
   FROM "MetricSnapshot" WHERE "shopId" = ? AND "id" IN (${Array(count).fill("?").join(", ")})`;

const POSTGRES_SQL = `SELECT "id",
    COALESCE("summary"::jsonb -> 'kpis', "data"::jsonb -> 'kpis')::text AS "v"
  FROM "MetricSnapshot" WHERE "shopId" = $1 AND "id" = ANY($2::int[])`;

function parseValues(text: string | null): Values {
  let kpis: unknown = null;
  try {
    kpis = text === null ? null : JSON.parse(text);
  } catch {
    kpis = null;
  }
  const cards = (kpis ?? {}) as Record<string, { metric?: { value?: unknown } } | undefined>;
  return KPI_IDS.map((id) => {
    const value = cards[id]?.metric?.value;
    return typeof value === "number" ? value : null;
  });
}

async function readValues(shopId: number, ids: number[]): Promise<Map<number, Values>> {
  const out = new Map<number, Values>();
  const missing = ids.filter((id) => {
    const hit = cache.get(id);
    if (hit) out.set(id, hit);
    return !hit;
  });
  if (missing.length === 0) return out;
  const rows = isPostgresUrl(env().DATABASE_URL)
    ? await prisma.$queryRawUnsafe<{ id: number; v: string | null }[]>(
        POSTGRES_SQL,
        shopId,
        missing,
      )
    : await prisma.$queryRawUnsafe<{ id: number; v: string | null }[]>(
        sqliteSql(missing.length),
        shopId,
        ...missing,
      );
  for (const row of rows) {
    const values = parseValues(row.v);
    out.set(Number(row.id), values);
    cache.set(Number(row.id), values);
  }
  while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  return out;
}

export async function kpiHistory(
  shopId: number,
  timeZone: string,
  now = Date.now(),
): Promise<KpiHistory> {
  const rows = await prisma.metricSnapshot.findMany({
    where: { shopId },
    select: { id: true, asOf: true, computedAt: true },
    orderBy: [{ computedAt: "asc" }, { id: "asc" }],
  });
  const calendar = createCalendar(timeZone);
  const firstDay = calendar.dayOf(now) - HISTORY_DAYS;
  // Later computes of the same data day replace earlier ones.
  const byDay = new Map<number, number>();
  for (const row of rows) {
    const day = calendar.dayOf(row.asOf.getTime());
    if (day > firstDay) byDay.set(day, row.id);
  }
  const days = [...byDay.keys()].sort((a, b) => a - b);
  const ids = days.map((d) => byDay.get(d)!);
  const values = await readValues(shopId, ids);
  const series = Object.fromEntries(KPI_IDS.map((id) => [id, [] as (number | null)[]])) as Record<
    KpiId,
    (number | null)[]
  >;
  for (const id of ids) {
    const v = values.get(id);
    KPI_IDS.forEach((kpi, i) => series[kpi].push(v?.[i] ?? null));
  }
  return { dates: days.map(formatDay), values: series };
}

/** Forgets cached trend values (benchmarks measure cold loads). */
export function clearHistoryCache(): void {
  cache.clear();
}
