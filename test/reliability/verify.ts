/**
 * The two end checks of the chaos run, with counts rather than a yes/no:
 *  - the database against the fake Shopify's ground truth, record by record;
 *  - the per-customer results the workers wrote against a clean recompute of the same data
 *    (a copy of the shop's orders and customers under a fresh shop, computed once, quietly,
 *    with the same cut-off).
 */
import type { Database } from "../../app/db.server";
import type { FakeShop } from "../fake-shopify/index";
import { orderDifferences } from "../helpers/order-truth";

export interface TruthCheck {
  /** Orders and customers compared. */
  checked: { orders: number; customers: number };
  /** In Shopify, not in the database (or only as a tombstone). */
  lost: number;
  /** In the database (not deleted) but not in Shopify. */
  duplicated: number;
  /** Present on both sides with a differing field. */
  mismatched: number;
  /** The first few differences, readable. */
  examples: string[];
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString().replace(".000Z", "Z"));
const tagSet = (tags: readonly string[]) =>
  tags
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== "")
    .sort()
    .join(",");

export async function checkAgainstTruth(
  db: Database,
  shopId: number,
  shop: FakeShop,
): Promise<TruthCheck> {
  const result: TruthCheck = {
    checked: { orders: 0, customers: 0 },
    lost: 0,
    duplicated: 0,
    mismatched: 0,
    examples: [],
  };
  const note = (text: string) => {
    if (result.examples.length < 20) result.examples.push(text);
  };

  const orders = new Map(
    (await db.order.findMany({ where: { shopId, deleted: false } })).map((o) => [o.id, o]),
  );
  for (const t of shop.orders()) {
    result.checked.orders++;
    const o = orders.get(BigInt(t.id));
    orders.delete(BigInt(t.id));
    if (!o) {
      result.lost++;
      note(`order ${t.id} lost`);
      continue;
    }
    const wrong = orderDifferences(t, o);
    if (wrong.length > 0) {
      result.mismatched++;
      note(
        `order ${t.id} (updatedAt stored ${iso(o.shopifyUpdatedAt)}, Shopify ${t.updatedAt}): ${wrong.join("; ")}`,
      );
    }
  }
  for (const id of orders.keys()) {
    result.duplicated++;
    note(`order ${id} stored but not in Shopify`);
  }

  const customers = new Map(
    (await db.customer.findMany({ where: { shopId, deleted: false } })).map((c) => [c.id, c]),
  );
  for (const t of shop.customers()) {
    result.checked.customers++;
    const c = customers.get(BigInt(t.id));
    customers.delete(BigInt(t.id));
    if (!c) {
      result.lost++;
      note(`customer ${t.id} lost`);
      continue;
    }
    const stored = c.tags === "" ? [] : c.tags.split(",");
    const wrong: string[] = [];
    if (tagSet(stored) !== tagSet(t.tags)) wrong.push(`tags stored "${c.tags}", Shopify ${t.tags}`);
    if (iso(c.createdAt) !== t.createdAt) wrong.push(`createdAt ${iso(c.createdAt)}`);
    if (wrong.length > 0) {
      result.mismatched++;
      note(
        `customer ${t.id} (updatedAt stored ${iso(c.shopifyUpdatedAt)}, Shopify ${t.updatedAt}): ${wrong.join("; ")}`,
      );
    }
  }
  for (const id of customers.keys()) {
    result.duplicated++;
    note(`customer ${id} stored but not in Shopify`);
  }
  return result;
}

export interface SegmentCheck {
  /** Per-customer results of the run, and of the clean recompute. */
  rows: number;
  cleanRows: number;
  /** Customers whose row differs (or exists on one side only). */
  differing: number;
  /** Rows per segment, as the run computed them. */
  segments: Record<string, number>;
  examples: string[];
}

/**
 * Integers, segments and money exactly. The model's floating-point outputs (pAlive,
 * expected90) are fitted by an optimizer whose sums depend on the order rows are read in,
 * so a copy may differ in the last bits: equal within 1e-9 relative.
 */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number" && !Number.isInteger(a)) {
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return a === b;
}

const METRIC_FIELDS = [
  "segment",
  "recencyScore",
  "frequencyScore",
  "monetaryScore",
  "recencyDays",
  "frequency",
  "monetaryMinor",
  "pAlive",
  "expected90",
  "clvMinor",
] as const;

/**
 * Copies the shop's live orders and customers under a new shop, computes it once with the
 * cut-off of the run's last snapshot, and compares the per-customer rows. The copy is
 * removed afterwards.
 */
export async function checkSegments(
  db: Database,
  databaseUrl: string,
  shopId: number,
): Promise<SegmentCheck> {
  const { createRowStore } = await import("../../app/sync/store.server");
  const { computeShop } = await import("../../app/metrics/compute.server");
  const { allCustomerResults } = await import("../../app/metrics/result-set.server");
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
  const last = await db.metricSnapshot.findFirstOrThrow({
    where: { shopId },
    orderBy: [{ computedAt: "desc" }, { id: "desc" }],
  });
  const cleanDomain = `clean-${shop.domain}`;
  await db.shop.deleteMany({ where: { domain: cleanDomain } });
  const clean = await db.shop.create({
    data: {
      domain: cleanDomain,
      timezone: shop.timezone,
      currency: shop.currency,
      settings: shop.settings,
      backfilledAt: shop.backfilledAt,
    },
  });
  const store = createRowStore(databaseUrl);
  try {
    const customers = await db.customer.findMany({ where: { shopId, deleted: false } });
    const orders = await db.order.findMany({ where: { shopId, deleted: false } });
    for (let i = 0; i < customers.length; i += 5_000) {
      await store.upsertCustomers(clean.id, customers.slice(i, i + 5_000));
    }
    for (let i = 0; i < orders.length; i += 5_000) {
      await store.upsertOrders(clean.id, orders.slice(i, i + 5_000));
    }
    await computeShop(cleanDomain, { db, databaseUrl, asOf: last.asOf });

    const run = await allCustomerResults(db, shopId);
    const fresh = new Map((await allCustomerResults(db, clean.id)).map((m) => [m.customerId, m]));
    const check: SegmentCheck = {
      rows: run.length,
      cleanRows: fresh.size,
      differing: 0,
      segments: {},
      examples: [],
    };
    for (const m of run) {
      check.segments[m.segment] = (check.segments[m.segment] ?? 0) + 1;
      const f = fresh.get(m.customerId);
      fresh.delete(m.customerId);
      const wrong = f ? METRIC_FIELDS.filter((k) => !same(m[k], f[k])) : [];
      if (!f || wrong.length > 0) {
        check.differing++;
        if (check.examples.length < 10) {
          const what = f
            ? wrong.map((k) => `${k} ${String(m[k])} vs ${String(f[k])}`).join("; ")
            : "no row in the recompute";
          check.examples.push(`customer ${m.customerId}: ${what}`);
        }
      }
    }
    for (const id of fresh.keys()) {
      check.differing++;
      if (check.examples.length < 10) check.examples.push(`customer ${id}: only in the recompute`);
    }
    return check;
  } finally {
    await db.shop.deleteMany({ where: { id: clean.id } });
    await store.close();
  }
}
