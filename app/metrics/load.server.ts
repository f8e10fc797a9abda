/**
 * Loads one shop's orders and customers into the analytics engine's columnar tables,
 * straight from the driver (a Prisma row costs more than the whole computation). Every
 * query is scoped to the shop; deleted (tombstoned) rows are left out.
 *
 * Rows travel in chunks, not one by one: on SQLite a query hands a range's rows to a
 * JavaScript aggregate that writes them into a chunk's typed columns (customers and touch
 * tuples still come as JSON arrays that JSON.parse turns into values in native code;
 * per-row driver calls cost ~1.5 µs a row, more than the engine spends per order); on
 * PostgreSQL each chunk is one binary COPY of plain rows (building JSON there cost ~7×
 * more), decoded into the same columns as the socket delivers them, while the next chunk's
 * COPY runs ahead on a second connection in the same snapshot (decision 0074-postgres-load).
 * A million customers' 4M orders come back in ~20 queries. Memory stays bounded by the
 * chunk. What is left of the load's time at 1M customers is mostly SQLite's own and the row
 * hand-over (decision 0070), and on PostgreSQL the server's COPY output.
 *
 * Acquisition inputs (docs/decisions/0054-acquisition-compute.md, 0066-load-path.md): the
 * first touch only of the orders that can open a customer's first purchase (their earliest
 * order that is neither cancelled nor test; ties all come), found on each chunk's loaded
 * rows and read by rowid on SQLite (on PostgreSQL the orders' query marks the same rows
 * and carries their tuples), as one JSON tuple per order that is dictionary-coded once per
 * distinct tuple; each touch comes back with its position in the request, which names its
 * chunk row. Line items,
 * only of the customers' remaining orders and without gift cards, are read last from the
 * line table alone (no join), by order-id ranges, and matched to their OrderTable row in
 * Node (LineCollector). On SQLite a second connection in a worker thread reads them all
 * meanwhile, in the same snapshot, while the main connection reads the rest; the main thread
 * then only matches them (decision 0075-parallel-line-load).
 *
 * Modules: ./load-columns.ts (the chunks, growing typed arrays, the line collector),
 * ./load-builder.ts (chunks → tables, the chunk walk both databases share),
 * ./load-sqlite.server.ts and ./load-postgres.server.ts (the two readers),
 * ./load-lines-thread.server.ts (SQLite's line-reading thread, one snapshot for both).
 */
import { isPostgresUrl } from "../../prisma/database-url.mjs";
import {
  loadFrom,
  loadOrdersFrom,
  type LoadOptions,
  type ShopData,
  type ShopOrders,
} from "./load-builder";
import type { Source } from "./load-columns";
import { loadPostgres } from "./load-postgres.server";
import { loadSqlite } from "./load-sqlite.server";

export type { LoadOptions, ShopData, ShopOrders } from "./load-builder";

/**
 * One read of the shop's database, in one snapshot, by the reader of its provider.
 * `touches`: whether `read` asks for first touches and line items (on SQLite the line items
 * are then read on a second connection in a worker thread while the rest is read).
 */
export function readShop<T>(
  databaseUrl: string,
  shopId: number,
  read: (source: Source) => Promise<T>,
  touches: boolean,
): Promise<T> {
  return isPostgresUrl(databaseUrl)
    ? loadPostgres(databaseUrl, shopId, read, touches)
    : loadSqlite(databaseUrl, shopId, read, touches);
}

export function loadShopData(
  databaseUrl: string,
  shopId: number,
  options: LoadOptions = {},
): Promise<ShopData> {
  return readShop(databaseUrl, shopId, (source) => loadFrom(source, options), true);
}

/**
 * The purchase history's inputs alone, for readers that never look at channels or products
 * (Pareto, migration on chosen dates, period ranges): the load without its first-touch
 * and line-item queries.
 */
export function loadShopOrders(
  databaseUrl: string,
  shopId: number,
  options: LoadOptions = {},
): Promise<ShopOrders> {
  return readShop(databaseUrl, shopId, (source) => loadOrdersFrom(source, options), false);
}
