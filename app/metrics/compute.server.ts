/**
 * One shop's recompute: load its orders and customers (streaming, raw) → NPS answers,
 * marketing spend and unit costs → the snapshot builder → per-customer rows and the snapshot, written in one
 * transaction → the shop's compute status. Everything is scoped to the shop. The BullMQ
 * processor (workers/processors/compute.ts) calls this; so do the demo and the benchmark.
 */
import type { Database } from "../db.server";
import type { MarketingSpend, NpsResponse } from "../analytics/types";
import { parseSettings } from "../settings";
import { loadVariantCosts, type VariantCosts } from "../sync/costs.server";
import { loadProductTypes } from "../sync/product-types.server";
import { loadCollections } from "../sync/collections.server";
import { loadShopData, type ShopData } from "./load.server";
import { writeComputeResults, type SnapshotRetention, type WriteSummary } from "./results.server";
import {
  beginSnapshotBuild,
  sortOnSnapshotThreads,
  startSnapshotThread,
  type SnapshotBuild,
} from "./snapshot-thread.server";
import { parseSnapshot, previousOf } from "./snapshot/codec";
import type { SnapshotStage } from "./snapshot/stages";
import type { PreviousSnapshot } from "./snapshot/types";

export type ComputeStage = "loading" | "analytics" | "clv" | "writing" | "done";

export interface ComputeOptions {
  /** Data cut-off; default now. */
  readonly asOf?: Date | number;
  /** Default: the app's Prisma client and DATABASE_URL. */
  readonly db?: Database;
  readonly databaseUrl?: string;
  /** 0..100 as the compute advances (the worker passes job.updateProgress). */
  readonly onProgress?: (percent: number, stage: ComputeStage) => unknown;
  /**
   * The caller will retry on failure (not the last attempt): the shop goes back to "queued"
   * with the reason instead of "failed".
   */
  readonly willRetry?: boolean;
  readonly retention?: SnapshotRetention;
}

export interface ComputeResult {
  readonly shopId: number;
  readonly computedAt: Date;
  readonly asOf: Date;
  readonly customers: number;
  readonly orders: number;
  readonly clvStatus: "ok" | "insufficient-data";
  readonly snapshotId: number;
  readonly snapshotBytes: number;
  readonly written: WriteSummary;
  /** Wall-clock ms per stage; analytics includes the purchase history, clv the holdout fit. */
  readonly timingsMs: {
    /** Orders and customers (loadOrders), NPS answers, spend and the previous snapshot. */
    readonly load: number;
    readonly loadOrders: number;
    readonly analytics: number;
    readonly clv: number;
    /** Of clv: the churn scenarios. */
    readonly scenarios: number;
    /** Snapshot JSON text (the write of the snapshot row is part of write). */
    readonly snapshot: number;
    readonly write: number;
    /** Of write: the per-customer result set. */
    readonly writeCustomers: number;
    readonly total: number;
  };
}

/** Percent reached when each builder stage ends (loading takes about the first fifth). */
const STAGE_PROGRESS: Record<SnapshotStage, [number, ComputeStage]> = {
  history: [30, "analytics"],
  descriptive: [45, "clv"],
  clv: [65, "clv"],
  holdout: [75, "writing"],
  assemble: [80, "writing"],
};

/** Marketing spend and NPS answers in the engine's shapes (NPS mapped to dense indexes). */
export async function loadInputs(
  db: Database,
  shopId: number,
  data: Pick<ShopData, "customerIds">,
): Promise<{ spend: MarketingSpend[]; responses: NpsResponse[] }> {
  const [spendRows, npsRows] = await Promise.all([
    db.marketingSpend.findMany({
      where: { shopId },
      select: { month: true, channel: true, campaign: true, amountMinor: true },
    }),
    db.npsResponse.findMany({
      where: { shopId },
      select: { score: true, createdAt: true, customerId: true },
    }),
  ]);
  const wanted = new Map<bigint, number>();
  for (const r of npsRows) if (r.customerId !== null) wanted.set(r.customerId, -1);
  // One pass over the ids rather than a 1M-entry map: answers are few.
  if (wanted.size > 0) {
    const ids = data.customerIds;
    for (let c = 0; c < ids.length; c++) if (wanted.has(ids[c])) wanted.set(ids[c], c);
  }
  return {
    spend: spendRows.map((s) => ({
      month: s.month,
      channel: s.channel,
      campaign: s.campaign,
      amountMinor: Number(s.amountMinor),
    })),
    responses: npsRows.map((r) => ({
      score: r.score,
      respondedAt: r.createdAt.getTime(),
      customer: r.customerId === null ? -1 : (wanted.get(r.customerId) ?? -1),
    })),
  };
}

/**
 * Unit cost per variant code of the loaded line items (NaN: none), or null when the shop has
 * no cost at all (LTV then stays net revenue × the margin setting).
 */
export function variantCostColumn(
  variants: readonly string[],
  costs: VariantCosts,
): Float64Array | null {
  if (costs.unitCostMinor.size === 0) return null;
  const column = new Float64Array(variants.length).fill(NaN);
  variants.forEach((id, k) => {
    const cost = costs.unitCostMinor.get(BigInt(id));
    if (cost !== undefined) column[k] = Number(cost);
  });
  return column;
}

/**
 * Type code per product code (−1: the product's type is not synced) and the types' dictionary,
 * "" (no type) included as a type of its own.
 */
export function productTypeColumn(
  products: readonly string[],
  typeOfProduct: ReadonlyMap<string, string>,
): { typeOf: Int32Array; types: string[] } {
  const types: string[] = [];
  const codes = new Map<string, number>();
  const typeOf = Int32Array.from(products, (id) => {
    const type = typeOfProduct.get(id);
    if (type === undefined) return -1;
    let code = codes.get(type);
    if (code === undefined) {
      code = types.push(type) - 1;
      codes.set(type, code);
    }
    return code;
  });
  return { typeOf, types };
}

/** A slow stage for the lock tests (test/jobs/workers.test.ts); never outside tests. */
function testStageBusy(): { stageBusyMs?: number } {
  const ms = Number(process.env.KIZUNA_TEST_STAGE_BUSY_MS);
  return process.env.NODE_ENV === "test" && ms > 0 ? { stageBusyMs: ms } : {};
}

/**
 * Collection codes per product code (a CSR: a product is in any number of collections, none
 * when not synced) and the collections' dictionary (ids as decimal strings, titles), of the
 * collections holding an entry product (docs/decisions/0069-collections.md).
 */
export function productCollectionColumn(
  products: readonly string[],
  loaded: { titles: ReadonlyMap<string, string>; ofProduct: ReadonlyMap<string, string[]> },
): { collectionsOf: { start: Int32Array; values: Int32Array }; ids: string[]; titles: string[] } {
  const ids: string[] = [];
  const titles: string[] = [];
  const codes = new Map<string, number>();
  const start = new Int32Array(products.length + 1);
  const values: number[] = [];
  products.forEach((product, k) => {
    start[k] = values.length;
    for (const id of loaded.ofProduct.get(product) ?? []) {
      let code = codes.get(id);
      if (code === undefined) {
        code = ids.push(id) - 1;
        titles.push(loaded.titles.get(id) ?? "");
        codes.set(id, code);
      }
      values.push(code);
    }
  });
  start[products.length] = values.length;
  return { collectionsOf: { start, values: Int32Array.from(values) }, ids, titles };
}

async function previousSnapshot(db: Database, shopId: number): Promise<PreviousSnapshot | null> {
  const row = await db.metricSnapshot.findFirst({
    where: { shopId },
    orderBy: [{ computedAt: "desc" }, { id: "desc" }],
    select: { data: true },
  });
  const parsed = row ? parseSnapshot(row.data) : null;
  return parsed ? previousOf(parsed) : null;
}

/** Records a failed compute so the UI can show why (the previous snapshot stays). */
export async function failCompute(
  db: Database,
  shopDomain: string,
  reason: string,
  willRetry = false,
): Promise<void> {
  await db.shop.updateMany({
    where: { domain: shopDomain },
    data: { computeStatus: willRetry ? "queued" : "failed", computeError: reason.slice(0, 2000) },
  });
}

/** Recomputes one shop end to end; throws (after recording the reason) on failure. */
export async function computeShop(
  shopDomain: string,
  options: ComputeOptions = {},
): Promise<ComputeResult> {
  // Loaded lazily so the benchmark and tests can pass their own client without app env.
  const db = options.db ?? (await import("../db.server")).default;
  const databaseUrl = options.databaseUrl ?? (await import("../env.server")).env().DATABASE_URL;
  const shop = await db.shop.findUnique({ where: { domain: shopDomain } });
  if (!shop) throw new Error(`Unknown shop ${shopDomain}`);

  let lastPercent = -1;
  const progress = async (percent: number, stage: ComputeStage): Promise<void> => {
    if (percent === lastPercent) return;
    lastPercent = percent;
    await db.shop.update({ where: { id: shop.id }, data: { computeProgress: percent } });
    await options.onProgress?.(percent, stage);
  };

  const started = performance.now();
  /** The build begun during the load, until its input is handed over. */
  let early: SnapshotBuild | undefined;
  try {
    await db.shop.update({
      where: { id: shop.id },
      data: { computeStatus: "running", computeProgress: 0, computeError: null },
    });
    await progress(0, "loading");
    const asOf = new Date(options.asOf ?? Date.now());
    const settings = parseSettings(shop.settings);

    startSnapshotThread(); // its start-up overlaps the load
    let t = performance.now();
    // The CLV stage starts on the orders while the rest loads (its thread is idle meanwhile;
    // docs/decisions/0079-clv-during-load.md).
    const data = await loadShopData(databaseUrl, shop.id, {
      onOrders: ({ orders, customers }) => {
        early = beginSnapshotBuild({
          orders,
          customers,
          timeZone: shop.timezone,
          asOf: asOf.getTime(),
          settings,
        });
      },
    });
    const loadOrders = performance.now() - t;
    const [inputs, previous, costs, productTypes, collections] = await Promise.all([
      loadInputs(db, shop.id, data),
      previousSnapshot(db, shop.id),
      loadVariantCosts(db, shop.id),
      loadProductTypes(db, shop.id),
      loadCollections(db, shop.id),
    ]);
    const load = performance.now() - t;
    await progress(20, "analytics");

    const computedAt = new Date();
    // On the compute thread: this thread's event loop stays free for BullMQ's lock renewals
    // (docs/decisions/0067-compute-thread.md). The loaded columns move there.
    let progressed = Promise.resolve();
    if (early === undefined) throw new Error("The load did not hand over its orders");
    const begun = early;
    early = undefined;
    const build = await begun
      .finish(
        {
          orders: data.orders,
          customers: data.customers,
          timeZone: shop.timezone,
          currency: shop.currency,
          asOf: asOf.getTime(),
          computedAt: computedAt.getTime(),
          settings,
          npsResponses: inputs.responses,
          marketingSpend: inputs.spend,
          acquisition: {
            ...data.acquisition,
            variantCost: variantCostColumn(data.acquisition.variants, costs),
            productTypes: productTypeColumn(data.acquisition.products, productTypes),
            productCollections: productCollectionColumn(data.acquisition.products, collections),
          },
          previous,
          ...testStageBusy(),
        },
        (stage) => {
          progressed = progressed.then(() => progress(...STAGE_PROGRESS[stage]));
        },
        // Every stage's progress is recorded before the results are written.
      )
      .finally(() => progressed);

    t = performance.now();
    const written = await writeComputeResults(databaseUrl, {
      shopId: shop.id,
      customerIds: data.customerIds,
      perCustomer: build.perCustomer,
      computedAt,
      asOf,
      snapshotJson: build.snapshotJson,
      summaryJson: build.summaryJson,
      timeZone: build.timeZone,
      retention: options.retention,
      sortOrders: sortOnSnapshotThreads,
    });
    const write = performance.now() - t;

    await db.shop.update({
      where: { id: shop.id },
      data: {
        computeStatus: "idle",
        computeProgress: 100,
        computeError: null,
        computedAt,
      },
    });
    await options.onProgress?.(100, "done");
    const s = build.timingsMs;
    return {
      shopId: shop.id,
      computedAt,
      asOf,
      customers: data.customers.count,
      orders: data.orders.length,
      clvStatus: build.clvStatus,
      snapshotId: written.snapshotId,
      snapshotBytes: Buffer.byteLength(build.snapshotJson),
      written,
      timingsMs: {
        load,
        loadOrders,
        analytics: s.history + s.descriptive + s.assemble,
        clv: s.clv + s.holdout,
        scenarios: build.scenariosMs,
        snapshot: build.snapshotMs,
        write,
        writeCustomers: written.customersMs,
        total: performance.now() - started,
      },
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    early?.cancel(error instanceof Error ? error : new Error(reason));
    await failCompute(db, shopDomain, reason, options.willRetry).catch(() => {});
    throw error;
  }
}
