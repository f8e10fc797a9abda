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
import { randomShop, tableFromRaw } from "./shop";

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
