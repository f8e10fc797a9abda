/**
 * The hand-computed shop most tests use (Asia/Tokyo, as of 2024-12-31):
 *
 * c0  2024-06-01 2000; 2024-12-30 10:00 5000 and 20:00 3000 (same day: one purchase)
 *     → R 1, F 2, M 10000, 3 orders
 * c1  2024-01-10 1000; a cancelled order on 2024-12-31 → R 356, F 1, M 1000
 * c2  2024-12-31 23:30 JST 4000 (14:30 UTC); 2025-01-01 00:30 JST 4000 (after the as-of day)
 *     → R 0, F 1, M 4000
 * c3  2024-11-01 fully refunded (net 0, gross 3000) → R 60, F 1, M 0
 * c4  only a test order → not a customer
 * c5  2024-03-01, 04-01, 05-01 net 2000 each (gross 2500) → R 244, F 3, M 6000
 * guest 2024-12-01 9999
 */
import { ORDER_CANCELLED, ORDER_TEST } from "../../app/analytics/types";
import type { OrderSpec } from "./shop";
import { d, shop } from "./shop";

export const FIXTURE_ORDERS: readonly OrderSpec[] = [
  { c: 0, at: "2024-06-01T12:00:00+09:00", net: 2000 },
  { c: 0, at: "2024-12-30T10:00:00+09:00", net: 5000 },
  { c: 0, at: "2024-12-30T20:00:00+09:00", net: 3000 },
  { c: 1, at: "2024-01-10T09:00:00+09:00", net: 1000 },
  { c: 1, at: "2024-12-31T09:00:00+09:00", net: 7000, flags: ORDER_CANCELLED },
  { c: 2, at: "2024-12-31T14:30:00Z", net: 4000 },
  { c: 2, at: "2024-12-31T15:30:00Z", net: 4000 },
  { c: 3, at: "2024-11-01T12:00:00+09:00", net: 0, gross: 3000 },
  { c: 4, at: "2024-10-01T12:00:00+09:00", net: 5000, flags: ORDER_TEST },
  { c: 5, at: "2024-03-01T12:00:00+09:00", net: 2000, gross: 2500 },
  { c: 5, at: "2024-04-01T12:00:00+09:00", net: 2000, gross: 2500 },
  { c: 5, at: "2024-05-01T12:00:00+09:00", net: 2000, gross: 2500 },
  { c: -1, at: "2024-12-01T12:00:00+09:00", net: 9999 },
];

export const FIXTURE_AS_OF = d("2024-12-31");

export const fixtureShop = () => shop(FIXTURE_ORDERS, 6);
