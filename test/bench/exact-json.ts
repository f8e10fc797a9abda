/**
 * The exact JSON parse's cost where Shopify's JSON enters (figures, not a test): plain
 * JSON.parse (rounds ids past 2^53), parseJsonExact (app/sync/ids.ts: a scan for long integer
 * literals, then JSON.parse, with the source-text reviver only when one may be there) and the
 * reviver on every parse. Payloads come from the fake Shopify: an orders/create webhook body
 * (a few KB) and a 1 MB one (the same order with ~250 line items and refunds), each with
 * today's 13-digit ids and with 19-digit ids near 2^63; a bulk JSONL file's order lines; an
 * Admin API page of 25 changed orders. Medians of 15 samples.
 *
 *   npx tsx test/bench/exact-json.ts
 */
import { pathToFileURL } from "node:url";
import { parseJsonExact } from "../../app/sync/ids";
import { resolveSpec } from "../fake-shopify/generator/spec";
import { ShopStore } from "../fake-shopify/store/shop-store";
import { orderTruth } from "../fake-shopify/truth";
import { stringifyJson } from "../fake-shopify/util/json";
import { PayloadBuilder } from "../fake-shopify/webhooks/payloads";
import { quantile } from "../helpers/figures";

type SourceReviver = (key: string, value: unknown, context: { source?: string }) => unknown;
const alwaysReviver = (text: string) =>
  (JSON.parse as (text: string, reviver: SourceReviver) => unknown)(text, (_k, value, context) =>
    typeof value === "number" &&
    !Number.isSafeInteger(value) &&
    context.source !== undefined &&
    /^-?\d+$/.test(context.source)
      ? context.source
      : value,
  );

const PARSERS: Record<string, (text: string) => unknown> = {
  "JSON.parse": (text) => JSON.parse(text),
  parseJsonExact,
  "reviver always": alwaysReviver,
};

function shop(idBase: bigint) {
  const spec = resolveSpec({
    customers: 2_000,
    seed: 3,
    currency: "JPY",
    end: "2026-11-01T00:00:00Z",
    horizonDays: 0,
    idBase,
  });
  const store = new ShopStore(spec, () => spec.endSec);
  return { store, payloads: new PayloadBuilder(store, 60_000_000_123) };
}

/**
 * Webhook bodies of real shape: a typical order (two or three line items, a few KB), and the
 * largest refunded one grown to ~1 MB (its line items repeated with their own ids).
 */
function orderBodies(idBase: bigint): { typical: string; large: string } {
  const { store, payloads } = shop(idBase);
  let typical = -1;
  let largest = { serial: 0, score: -1 };
  for (let serial = 0; serial < Math.min(store.orderSerials, 5_000); serial++) {
    const state = store.orderState(serial);
    if (typical < 0 && state.lines.length >= 2 && state.lines.length <= 3) typical = serial;
    const score = state.lines.length + (state.refunds.length > 0 ? 100 : 0);
    if (score > largest.score) largest = { serial, score };
  }
  const order = payloads.order(largest.serial, store.upTo) as Record<string, unknown>;
  const lines = order.line_items as Record<string, unknown>[];
  const refunds = order.refunds as Record<string, unknown>[];
  const large = { ...order, line_items: [] as unknown[], refunds: [] as unknown[] };
  for (let i = 0; stringifyJson(large).length < 1_000_000; i++) {
    large.line_items.push({ ...lines[i % lines.length], id: idBase + 13_400_000n + BigInt(i) });
    if (refunds.length > 0 && i % 8 === 0) large.refunds.push(refunds[i % refunds.length]);
  }
  return {
    typical: stringifyJson(payloads.order(Math.max(0, typical), store.upTo)),
    large: stringifyJson(large),
  };
}

/** Lines of a bulk orders file (BULK_ORDERS' shape), ids as gid strings. */
function bulkLines(idBase: bigint): string[] {
  const { store } = shop(idBase);
  const out: string[] = [];
  for (const slot of store.visibleSlots()) {
    slot.orders.forEach((state, i) => {
      const t = orderTruth(store, slot.serials[i] ?? -1, state);
      const money = (minor: number) => ({
        shopMoney: { amount: `${minor}.0`, currencyCode: "JPY" },
      });
      out.push(
        JSON.stringify({
          id: t.gid,
          processedAt: t.processedAt,
          updatedAt: t.updatedAt,
          cancelledAt: t.cancelledAt,
          test: t.test,
          sourceName: t.sourceName,
          customer: t.customerId === null ? null : { id: `gid://shopify/Customer/${t.customerId}` },
          totalPriceSet: money(t.totalMinor),
          totalRefundedSet: money(t.refundedMinor),
          currentSubtotalLineItemsQuantity: t.currentItemQuantity,
        }),
      );
      for (const _line of t.lineItems) {
        out.push(JSON.stringify({ sellingPlan: null, __parentId: t.gid }));
      }
    });
  }
  return out;
}

/** An ORDERS_CHANGED page: 25 orders with line items, and the cost extension. */
function graphqlPage(lines: string[]): string {
  const nodes = lines
    .filter((l) => !l.includes("__parentId"))
    .slice(0, 25)
    .map((l) => ({ ...JSON.parse(l), lineItems: { nodes: [{ sellingPlan: null }] } }));
  return JSON.stringify({
    data: {
      orders: { nodes, pageInfo: { hasNextPage: true, endCursor: "eyJsYXN0X2lkIjo1MTAwMDA" } },
    },
    extensions: {
      cost: {
        requestedQueryCost: 702,
        actualQueryCost: 102,
        throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1898, restoreRate: 100 },
      },
    },
  });
}

export interface Case {
  name: string;
  texts: string[];
  per?: string;
}

/** The payloads, with today's 13-digit ids and with 19-digit ids near 2^63. */
export function benchCases(): Case[] {
  const cases: Case[] = [];
  for (const [label, base] of [
    ["13-digit ids", 0n],
    ["19-digit ids", 2n ** 63n - 10n ** 13n],
  ] as const) {
    const { typical, large } = orderBodies(base);
    const lines = bulkLines(base);
    cases.push(
      {
        name: `orders/create ${(typical.length / 1024).toFixed(1)} KB, ${label}`,
        texts: [typical],
      },
      { name: `orders/create ${(large.length / 1e6).toFixed(2)} MB, ${label}`, texts: [large] },
      { name: `bulk orders file, ${lines.length} lines, ${label}`, texts: lines, per: "line" },
      { name: `Admin API page of 25 orders, ${label}`, texts: [graphqlPage(lines)] },
    );
  }
  return cases;
}

/**
 * Median µs per parse of each parser over a case's texts: 15 rounds, each parser's sample
 * of ~40 ms taken in turn within a round (so machine load drifts alike for all of them).
 */
function measureCase(parsers: Record<string, (text: string) => unknown>, texts: string[]) {
  const calls = Object.values(parsers).map((parse) => {
    let n = 1;
    for (;;) {
      const start = performance.now();
      for (let i = 0; i < n; i++) parse(texts[i % texts.length]!);
      if (performance.now() - start > 40) return n;
      n *= 2;
    }
  });
  const samples = Object.keys(parsers).map(() => [] as number[]);
  for (let round = 0; round < 15; round++) {
    Object.values(parsers).forEach((parse, p) => {
      const n = calls[p]!;
      const start = performance.now();
      for (let i = 0; i < n; i++) parse(texts[i % texts.length]!);
      samples[p]!.push(((performance.now() - start) * 1000) / n);
    });
  }
  return samples.map((s) =>
    quantile(
      s.toSorted((a, b) => a - b),
      0.5,
    ),
  );
}

/** Prints a table: µs per parse, and each parser's ratio to the first. */
export function report(parsers: Record<string, (text: string) => unknown>, cases: Case[]): void {
  console.log(`exact JSON bench, node ${process.version} (median of 15 samples, µs per parse)`);
  const width = Math.max(...cases.map((c) => c.name.length));
  const names = Object.keys(parsers);
  console.log(`${"".padEnd(width)}  ${names.map((p) => p.padStart(18)).join("")}`);
  for (const c of cases) {
    const figures = measureCase(parsers, c.texts);
    const base = figures[0]!;
    const cells = figures.map((us, i) => {
      const value = us < 10 ? us.toFixed(2) : us.toFixed(0);
      return `${value}${i === 0 ? "" : ` ×${(us / base).toFixed(2)}`}`.padStart(18);
    });
    console.log(`${c.name.padEnd(width)}  ${cells.join("")}${c.per ? ` (per ${c.per})` : ""}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) report(PARSERS, benchCases());
