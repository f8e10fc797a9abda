/**
 * The cohort cuts end to end: a hand-built shop written through the row store (first touches,
 * line items, subscription lines, discount codes), loaded and computed by computeShop on the
 * suite's database; each cut must equal cohortRetention / continuationByCohort computed over
 * exactly the customers listed by hand below.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cohortRetention } from "../../app/analytics/cohorts";
import { continuationByCohort } from "../../app/analytics/continuation";
import { buildPurchaseHistory } from "../../app/analytics/history";
import { yoyMigration } from "../../app/analytics/migration";
import { createCalendar } from "../../app/analytics/time";
import { ORDER_CANCELLED, type OrderTable } from "../../app/analytics/types";
import { createDatabase } from "../../app/db.server";
import { membershipOfCodes } from "../../app/analytics/cohort-cuts";
import {
  ORDER_DISCOUNT,
  ORDER_DISCOUNT_UNKNOWN,
  ORDER_SUBSCRIPTION,
} from "../../app/analytics/types";
import { computeShop } from "../../app/metrics/compute.server";
import { predictedLtvByCut } from "../../app/metrics/snapshot/cohort-cuts-block";
import type { CohortCutsStage } from "../../app/metrics/snapshot/stages";
import { parseSnapshot } from "../../app/metrics/snapshot/codec";
import type { CohortCutsBlock, ShopSnapshot } from "../../app/metrics/snapshot/types";
import type { Journey, LineItemRow, OrderRow } from "../../app/sync/rows";
import { createRowStore } from "../../app/sync/store.server";

const url = process.env.DATABASE_URL!;
const db = createDatabase(url);
const store = createRowStore(url);
const domain = `cuts-${process.pid}-${Date.now()}.myshopify.com`;
const AS_OF = new Date("2024-04-30T12:00:00+09:00");

const visit = (v: Partial<Extract<Journey, { kind: "visit" }>>): Journey => ({
  kind: "visit",
  source: null,
  sourceType: null,
  utmSource: null,
  utmMedium: null,
  utmCampaign: null,
  utmContent: null,
  utmTerm: null,
  referrerHost: null,
  landingPath: "/",
  ...v,
});
const cpc = (campaign: string) =>
  visit({ utmSource: "google", utmMedium: "cpc", utmCampaign: campaign });

const P1 = 9101n;
const P2 = 9102n;
const P3 = 9103n;
let lineId = 5000n;

interface Spec {
  readonly id: bigint;
  readonly customer: bigint | null;
  readonly at: string;
  readonly net: number;
  readonly touch?: Journey | null;
  /** [product, bought on a selling plan]. */
  readonly lines: readonly (readonly [bigint, boolean])[];
  /** null: the codes were never read. */
  readonly codes?: string[] | null;
  readonly cancelled?: boolean;
}

/**
 * 301 Google Ads "Spring", entry P1 with a code; again in Feb and Mar (P2, P1).
 * 302 Instagram, entry P1 + P2 on a selling plan (subscription), no code; again in Feb.
 * 303 Google Ads "Summer", entry P2 with a code; a cancelled order in Mar.
 * 304 no visit (direct), entry P3, codes never read (discount unknown).
 * 305 Google Ads "Spring", two orders on 2024-03-01 (P1 without code, P3 with one: the
 *     first purchase used a code), again 2024-04-10.
 * 306 only a cancelled order. One guest order.
 */
const SPECS: Spec[] = [
  {
    id: 1n,
    customer: 301n,
    at: "2024-01-10T10:00:00+09:00",
    net: 5000,
    touch: cpc("Spring"),
    lines: [[P1, false]],
    codes: ["WELCOME"],
  },
  { id: 2n, customer: 301n, at: "2024-02-15T10:00:00+09:00", net: 3000, lines: [[P2, false]] },
  { id: 3n, customer: 301n, at: "2024-03-20T10:00:00+09:00", net: 2000, lines: [[P1, false]] },
  {
    id: 4n,
    customer: 302n,
    at: "2024-01-20T10:00:00+09:00",
    net: 4000,
    touch: visit({ referrerHost: "instagram.com" }),
    lines: [
      [P1, false],
      [P2, true],
    ],
  },
  { id: 5n, customer: 302n, at: "2024-02-20T10:00:00+09:00", net: 3500, lines: [[P2, true]] },
  {
    id: 6n,
    customer: 303n,
    at: "2024-02-05T10:00:00+09:00",
    net: 2500,
    touch: cpc("Summer"),
    lines: [[P2, false]],
    codes: ["SUMMER"],
  },
  {
    id: 7n,
    customer: 303n,
    at: "2024-03-05T10:00:00+09:00",
    net: 900,
    lines: [[P3, false]],
    cancelled: true,
  },
  {
    id: 8n,
    customer: 304n,
    at: "2024-02-10T10:00:00+09:00",
    net: 1000,
    touch: { kind: "none" },
    lines: [[P3, false]],
    codes: null,
  },
  {
    id: 9n,
    customer: 305n,
    at: "2024-03-01T09:00:00+09:00",
    net: 1500,
    touch: cpc("Spring"),
    lines: [[P1, false]],
  },
  {
    id: 10n,
    customer: 305n,
    at: "2024-03-01T18:00:00+09:00",
    net: 700,
    touch: cpc("Spring"),
    lines: [[P3, false]],
    codes: ["AGAIN"],
  },
  { id: 11n, customer: 305n, at: "2024-04-10T10:00:00+09:00", net: 1200, lines: [[P3, false]] },
  {
    id: 12n,
    customer: 306n,
    at: "2024-01-05T10:00:00+09:00",
    net: 800,
    touch: cpc("Spring"),
    lines: [[P1, false]],
    cancelled: true,
  },
  {
    id: 13n,
    customer: null,
    at: "2024-01-06T10:00:00+09:00",
    net: 600,
    touch: cpc("Spring"),
    lines: [[P1, false]],
  },
];

/** Customers of each cut, by hand (ids). */
const EXPECTED: Record<string, bigint[]> = {
  "channel:google_ads": [301n, 303n, 305n],
  "channel:instagram": [302n],
  "channel:direct": [304n],
  "campaign:spring": [301n, 305n],
  "campaign:summer": [303n],
  [`product:${P1}`]: [301n, 302n, 305n],
  [`product:${P2}`]: [302n, 303n],
  [`product:${P3}`]: [304n, 305n],
  "first_order:subscription": [302n],
  "first_order:one_time": [301n, 303n, 304n, 305n],
  "discount:yes": [301n, 303n, 305n],
  "discount:no": [302n],
};

function row(s: Spec): OrderRow {
  const when = new Date(s.at);
  const lineItems: LineItemRow[] = s.lines.map(([productId, subscription]) => ({
    id: lineId++,
    orderId: s.id,
    productId,
    variantId: productId + 100n,
    quantity: 1,
    currentQuantity: 1,
    netMinor: BigInt(Math.round(s.net / s.lines.length)),
    subscription,
    giftCard: false,
    versionAt: when,
  }));
  return {
    id: s.id,
    customerId: s.customer,
    processedAt: when,
    cancelledAt: s.cancelled ? when : null,
    test: false,
    grossMinor: BigInt(s.net),
    refundedMinor: 0n,
    netMinor: BigInt(s.net),
    itemQuantity: s.lines.length,
    sourceName: "web",
    subscription: s.lines.some(([, sub]) => sub),
    shopifyUpdatedAt: when,
    channelHandle: "online_store",
    discountCodeList: s.codes === undefined ? [] : s.codes,
    firstTouch: s.touch ?? null,
    lineItems,
  };
}

/** The purchase history of exactly `ids`, from the specs (not the loader). */
function historyOf(ids: readonly bigint[]) {
  const specs = SPECS.filter((s) => s.customer !== null && ids.includes(s.customer)).sort(
    (a, b) =>
      ids.indexOf(a.customer!) - ids.indexOf(b.customer!) || Date.parse(a.at) - Date.parse(b.at),
  );
  const orders: OrderTable = {
    length: specs.length,
    customer: Int32Array.from(specs, (s) => ids.indexOf(s.customer!)),
    processedAt: Float64Array.from(specs, (s) => Date.parse(s.at)),
    grossMinor: Float64Array.from(specs, (s) => s.net),
    netMinor: Float64Array.from(specs, (s) => s.net),
    flags: Uint8Array.from(specs, (s) => (s.cancelled ? ORDER_CANCELLED : 0)),
  };
  return buildPurchaseHistory(orders, ids.length, createCalendar("Asia/Tokyo"));
}

/** The cohort and continuation tables over exactly `ids`, from the specs (not the loader). */
function expectedFor(ids: readonly bigint[]) {
  const history = historyOf(ids);
  const asOfDay = history.calendar.dayOf(AS_OF.getTime());
  const cohorts = cohortRetention(history, { asOfDay, maxMonths: 36 });
  const continuation = continuationByCohort(history, { asOfDay });
  return {
    rows: cohorts.rows.map((r) => ({
      month: r.label,
      size: r.size,
      completeMonths: r.completeMonths,
      activeCustomers: [...r.activeCustomers],
      netMinor: [...r.netMinor],
      reached: [...continuation.rows.find((c) => c.month === r.month)!.reached],
    })),
    totalReached: [...continuation.total!.reached],
  };
}

/** Net revenue to date per customer, by hand: cancelled orders and the guest's left out. */
const NET: Record<string, number> = {
  "301": 5000 + 3000 + 2000,
  "302": 4000 + 3500,
  "303": 2500,
  "304": 1000,
  "305": 1500 + 700 + 1200,
};

let block: CohortCutsBlock;
let snapshot: ShopSnapshot;

beforeAll(async () => {
  // Segments from the first customer on, so the migration matrix has cells.
  const shop = await db.shop.create({
    data: {
      domain,
      timezone: "Asia/Tokyo",
      currency: "JPY",
      settings: JSON.stringify({ minSegmentCustomers: 1 }),
    },
  });
  await store.upsertCustomers(
    shop.id,
    [301n, 302n, 303n, 304n, 305n, 306n].map((id) => ({
      id,
      createdAt: new Date("2023-12-01T00:00:00Z"),
      shopifyUpdatedAt: new Date("2023-12-01T00:00:00Z"),
      tags: "",
    })),
  );
  await store.upsertOrders(shop.id, SPECS.map(row));
  const result = await computeShop(domain, { db, databaseUrl: url, asOf: AS_OF });
  const stored = await db.metricSnapshot.findUniqueOrThrow({ where: { id: result.snapshotId } });
  snapshot = parseSnapshot(stored.data)!;
  block = snapshot.cohortCuts!;
});

afterAll(async () => {
  await db.shop.deleteMany({ where: { domain } });
  await store.close();
  await db.$disconnect();
});

describe("the cohort cuts block", () => {
  it("cuts by channel, campaign, entry product, first order type and discount", () => {
    expect(block.cuts.map((c) => c.key).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(block.customers).toBe(5);
    expect(block.discountUnknown).toBe(1);
    for (const cut of block.cuts) expect(cut.customers).toBe(EXPECTED[cut.key].length);
  });

  it("equals the cohort and continuation tables of exactly each cut's customers", () => {
    for (const cut of block.cuts) {
      const expected = expectedFor(EXPECTED[cut.key]);
      expect({ key: cut.key, rows: cut.rows, totalReached: cut.totalReached }).toEqual({
        key: cut.key,
        ...expected,
      });
    }
  });

  it("holds each cut's net revenue to date; the channels add up to the LTV to date", () => {
    for (const cut of block.cuts) {
      const net = EXPECTED[cut.key].reduce((sum, id) => sum + NET[String(id)], 0);
      expect({ key: cut.key, net: cut.netToDateMinor }).toEqual({ key: cut.key, net });
    }
    // The channels partition the customers: their sums are the average LTV to date's parts.
    const channels = block.cuts.filter((c) => c.dimension === "channel");
    const ltv = snapshot.kpis.average_historical_ltv.metric;
    expect(channels.reduce((s, c) => s + c.netToDateMinor!, 0)).toBe(ltv.numerator);
    expect(channels.reduce((s, c) => s + c.customers, 0)).toBe(ltv.denominator);
    expect(ltv.numerator).toBe(10_000 + 7500 + 2500 + 1000 + 3400);
  });

  it("holds the hand-computed counts of one cut", () => {
    const spring = block.cuts.find((c) => c.key === "campaign:spring")!;
    // 301: Jan cohort, purchases in Jan, Feb, Mar. 305: Mar cohort, two orders on Mar 1, Apr.
    // The as-of day is April's last: April is complete.
    expect(spring.rows).toEqual([
      {
        month: "2024-01",
        size: 1,
        completeMonths: 4,
        activeCustomers: [1, 1, 1, 0],
        netMinor: [5000, 3000, 2000, 0],
        reached: [1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
      },
      {
        month: "2024-03",
        size: 1,
        completeMonths: 2,
        activeCustomers: [1, 1],
        netMinor: [2200, 1200],
        reached: [1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
      },
    ]);
    expect(spring.totalReached.slice(0, 4)).toEqual([2, 2, 1, 0]);
  });

  it("holds each cut's migration: YoY as over exactly its customers; parts add up", () => {
    const all = snapshot.migration;
    const { startDay, endDay } = all.yoy.current;
    const labels = all.segments.labels;
    const none = labels.indexOf("none");
    for (const cut of block.cuts) {
      const m = cut.migration!;
      const own = yoyMigration(historyOf(EXPECTED[cut.key]), { startDay, endDay });
      expect({ key: cut.key, ...m, segmentCounts: [], segmentRevenueMinor: [] }).toEqual({
        key: cut.key,
        previousNew: own.previousNew,
        previousExisting: own.previousExisting,
        retainedNew: own.retainedNew,
        retainedExisting: own.retainedExisting,
        currentNew: own.currentNew,
        currentRetained: own.currentRetained,
        currentReactivated: own.currentReactivated,
        currentRevenueMinor: own.currentRevenueMinor,
        segmentCounts: [],
        segmentRevenueMinor: [],
      });
      // By hand: every first purchase is within the last 12 months, so everyone is new this
      // year, bought for their whole net to date, and was no customer a year ago.
      const net = EXPECTED[cut.key].reduce((sum, id) => sum + NET[String(id)], 0);
      expect([m.currentNew, m.currentRevenueMinor.new]).toEqual([cut.customers, net]);
      expect(m.segmentCounts[none].reduce((a, b) => a + b, 0)).toBe(cut.customers);
      expect(m.segmentRevenueMinor[none].reduce((a, b) => a + b, 0)).toBe(net);
      expect(m.segmentCounts.flat().reduce((a, b) => a + b, 0)).toBe(cut.customers);
    }
    // Channels partition the customers, as do subscription and one-time first purchases:
    // each partition's counts add up to the unfiltered page exactly.
    const sum = (keys: string[]) => {
      const parts = block.cuts.filter((c) => keys.includes(c.key)).map((c) => c.migration!);
      const add = (f: (m: (typeof parts)[number]) => number) => parts.reduce((s, m) => s + f(m), 0);
      return {
        currentNew: add((m) => m.currentNew),
        revenueNew: add((m) => m.currentRevenueMinor.new),
        counts: labels.map((_, r) => labels.map((_, c) => add((m) => m.segmentCounts[r][c]))),
        revenue: labels.map((_, r) =>
          labels.map((_, c) => add((m) => m.segmentRevenueMinor[r][c])),
        ),
      };
    };
    const whole = {
      currentNew: all.yoy.currentNew,
      revenueNew: all.yoy.currentRevenueMinor.new,
      counts: all.segments.counts,
      revenue: all.segments.revenueMinor,
    };
    expect(whole.currentNew).toBe(5);
    expect(sum(["channel:google_ads", "channel:instagram", "channel:direct"])).toEqual(whole);
    expect(sum(["first_order:subscription", "first_order:one_time"])).toEqual(whole);
  });
});

describe("predicted LTV by cut", () => {
  it("is absent when the model did not fit (five customers)", () => {
    expect(snapshot.clv.status).toBe("insufficient-data");
    expect(block.predictedLtv).toBeUndefined();
  });

  it("averages the modelled customers' predictions per cut, complements summed directly", () => {
    // Six customers, one purchase each: c0 and c1 in channel A, c2 and c3 in B, c4 in B but
    // without a first purchase by the as-of day (not included), c5 in A and not modelled.
    // First purchases: c0 subscription, c1 code used, c2 codes not known, c3 plain.
    const flags = [
      ORDER_SUBSCRIPTION,
      ORDER_DISCOUNT,
      ORDER_DISCOUNT_UNKNOWN,
      0,
      0,
      ORDER_SUBSCRIPTION | ORDER_DISCOUNT,
    ];
    const cut = (key: string) => ({ key }) as CohortCutsBlock["cuts"][number];
    const stage: CohortCutsStage = {
      block: {
        cuts: [
          "channel:a",
          "channel:b",
          "first_order:subscription",
          "first_order:one_time",
          "discount:yes",
          "discount:no",
        ].map(cut),
      } as CohortCutsBlock,
      membership: (() => {
        // Channels 0, 1; subscription 2; discount yes 3; discount unknown 4 (helper).
        const m = membershipOfCodes(Int32Array.from([0, 0, 1, 1, -1, 0]), 5);
        const extra = [[2], [3], [4], [], [], [2, 3]];
        const start = new Int32Array(7);
        const group: number[] = [];
        for (let c = 0; c < 6; c++) {
          for (let j = m.start[c]; j < m.start[c + 1]; j++) group.push(m.group[j]);
          group.push(...extra[c]);
          start[c + 1] = group.length;
        }
        return { cutCount: 5, start, group: Int32Array.from(group) };
      })(),
      keys: ["channel:a", "channel:b", "first_order:subscription", "discount:yes", null],
      included: Uint8Array.from([1, 1, 1, 1, 0, 1]),
    };
    const history = {
      purchaseStart: Int32Array.from([0, 1, 2, 3, 4, 5, 6]),
      purchaseFlags: Uint8Array.from(flags),
    };
    const clv = Float64Array.from([1000, 3000, 500, 1500, 9999, NaN]);
    expect(predictedLtvByCut(stage, history, clv, 12)).toEqual({
      horizonMonths: 12,
      cuts: [
        { key: "channel:a", customers: 2, meanClvMinor: 2000 },
        { key: "channel:b", customers: 2, meanClvMinor: 1000 },
        { key: "first_order:subscription", customers: 1, meanClvMinor: 1000 },
        { key: "first_order:one_time", customers: 3, meanClvMinor: 5000 / 3 },
        { key: "discount:yes", customers: 1, meanClvMinor: 3000 },
        // c0 and c3: c2's codes are not known.
        { key: "discount:no", customers: 2, meanClvMinor: 1250 },
      ],
    });
  });
});
