/**
 * The descriptive metrics' faster paths of the second speed round (decision 0065) against the
 * paths they replaced, as in descriptive-speed.test.ts (kept in a file of its own so that
 * neither grows past a readable size): each reference is the earlier implementation, or the
 * earlier path of the same function, and the property tests check exactly equal results.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AttributionField, CodedColumn } from "../../app/analytics/channels";
import {
  ATTRIBUTION_FIELDS,
  attributeCustomers,
  DEFAULT_CHANNEL_RULES,
} from "../../app/analytics/channels";
import { cohortRetention } from "../../app/analytics/cohorts";
import { buildPurchaseHistory } from "../../app/analytics/history";
import {
  last12Layout,
  monthLayout,
  periodTrends,
  quarterLayout,
  yearLayout,
} from "../../app/analytics/index";
import { createCalendar, parseDay } from "../../app/analytics/time";
import { RANDOM_SPAN_DAYS, RANDOM_START_MS, randomShop, tableFromRaw } from "./shop";

/** Small seeded generator (mulberry32) for the per-order columns of a random shop. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Texts the default rules tell apart (cases, empty values and unknown hosts included). */
const TEXTS: Readonly<Record<AttributionField, readonly string[]>> = {
  utmSource: ["google", "Google", "facebook", "instagram", "line", "yahoo", "newsletter", ""],
  utmMedium: ["cpc", "paid", "email", "social", "organic", ""],
  utmCampaign: ["spring", "Spring", "summer", "", "spring "],
  referrerHost: ["www.google.com", "l.instagram.com", "t.co", "example.jp", "m.facebook.com"],
  firstSource: ["google", "instagram", ""],
  firstSourceType: ["search", "social", ""],
  channelHandle: ["online_store", "pos", "line"],
  sourceName: ["web", "pos", "shopify_draft_order"],
};

describe("first-touch channels from a dense tuple table", () => {
  it("match the open-addressing table's channels and campaigns (property)", () => {
    fc.assert(
      fc.property(
        randomShop(),
        fc.integer(),
        fc.subarray([...ATTRIBUTION_FIELDS]),
        (s, seed, fields) => {
          const orders = tableFromRaw(s.orders);
          const random = rng(seed);
          const columns: Partial<Record<AttributionField, CodedColumn>> = {};
          // The same tuples with every dictionary padded by unused entries (and the absent
          // fields as columns of missing values): too many combinations for the dense table.
          const padded: Partial<Record<AttributionField, CodedColumn>> = {};
          const pad = (f: AttributionField) =>
            Array.from({ length: 1100 }, (_, k) => `unused ${f} ${k}`);
          for (const f of ATTRIBUTION_FIELDS) {
            const dictionary = TEXTS[f];
            if (!fields.includes(f)) {
              padded[f] = { dictionary: pad(f), code: new Int32Array(orders.length).fill(-1) };
              continue;
            }
            // Missing (−1 or another negative), a code, or one outside any dictionary.
            const code = Int32Array.from({ length: orders.length }, () => {
              const u = Math.floor(random() * (dictionary.length + 3));
              return u < dictionary.length
                ? u
                : u === dictionary.length
                  ? -1
                  : u === dictionary.length + 1
                    ? -7
                    : 5_000_000;
            });
            columns[f] = { dictionary, code };
            padded[f] = { dictionary: [...dictionary, ...pad(f)], code };
          }
          const dense = attributeCustomers(orders, s.customers, columns, DEFAULT_CHANNEL_RULES);
          const hashed = attributeCustomers(orders, s.customers, padded, DEFAULT_CHANNEL_RULES);
          expect(dense).toEqual(hashed);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("new customers' revenue in one running sum per customer", () => {
  it("gives each bucket the per-layout walks' sums, bit for bit (property)", () => {
    fc.assert(
      fc.property(
        randomShop(30, 120),
        fc.integer({ min: 200, max: RANDOM_SPAN_DAYS + 40 }),
        fc.integer({ min: 1, max: 12 }),
        ({ customers, orders }, asOfOffset, fiscalStart) => {
          const calendar = createCalendar("Asia/Tokyo");
          // Amounts that are not whole numbers: the sums' order shows in the last bits.
          const raw = orders.map((o) => ({ ...o, net: o.net / 7 + 0.1 }));
          const h = buildPurchaseHistory(tableFromRaw(raw), customers, calendar);
          const asOfDay = calendar.dayOf(RANDOM_START_MS) + asOfOffset;
          const layouts = [
            monthLayout(asOfDay, 25),
            quarterLayout(asOfDay, 9, fiscalStart),
            yearLayout(asOfDay, 4, fiscalStart),
            last12Layout(asOfDay, 3),
          ];
          const series = periodTrends(
            h,
            {
              asOfDay,
              f2WindowDays: 30,
              subscriptionWindowDays: 30,
              churnInactivityDays: 90,
              grossMarginRatio: 1,
              cohorts: cohortRetention(h, { asOfDay, maxMonths: 60 }),
              npsResponses: [],
              marketingSpend: [],
              calendar,
            },
            layouts,
          );
          for (const list of series) {
            const points = list.find((s) => s.id === "new_customer_revenue")!.points;
            for (const p of points) {
              // The earlier path: per customer whose first purchase is in the bucket, the
              // purchases before the bucket's end summed from 0, added in customer order.
              const startDay = parseDay(p.start);
              const endDay = parseDay(p.end) + 1;
              let expected = 0;
              for (let c = 0; c < h.customerCount; c++) {
                const begin = h.purchaseStart[c];
                const end = h.purchaseStart[c + 1];
                if (begin === end || h.purchaseDay[begin] < startDay) continue;
                if (h.purchaseDay[begin] >= endDay) continue;
                let sum = 0;
                for (let q = begin; q < end && h.purchaseDay[q] < endDay; q++) {
                  sum += h.purchaseNet[q];
                }
                expected += sum;
              }
              expect(p.numerator, `${p.month}`).toBe(expected + 0);
            }
          }
        },
      ),
      { numRuns: 120 },
    );
  });
});
