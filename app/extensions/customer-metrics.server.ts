/**
 * The admin customer-page block's data (extensions/customer-segment-block, route
 * api.customer-metrics.$id): one customer's row of the last compute, of the shop the
 * admin's ID token names and no other. A customer of another shop, or one without
 * scores yet, is a 404 with `metric: null`.
 */
import { DEFAULT_SEGMENT_RULES } from "../analytics/rfm";
import type { Database } from "../db.server";
import { customerResult, type ResultSource } from "../metrics/result-set.server";
import { parseSettings } from "../settings";
import { MAX_ID } from "../sync/ids";
import { fromMinorUnits } from "../sync/money";
import type { CustomerMetricsBody, Money } from "./customer-metrics-wire";
import { errorResponse, jsonResponse } from "./http.server";

const CUSTOMER_ID = /^(?:gid:\/\/shopify\/Customer\/)?(\d{1,19})$/;

/** "123" or "gid://shopify/Customer/123" → 123n; null when it is neither. */
export function parseCustomerId(raw: string | undefined): bigint | null {
  const match = raw === undefined ? null : CUSTOMER_ID.exec(raw);
  if (!match) return null;
  const id = BigInt(match[1]!);
  return id > 0n && id <= MAX_ID ? id : null;
}

export function segmentPath(segmentId: string): string {
  return `/app/segments/${encodeURIComponent(segmentId)}`;
}

export async function findCustomerMetrics(
  db: Database,
  shopDomain: string,
  customerId: bigint,
  /** Where the result set is read: `db`, or the drivers (resultStore) in the app. */
  results: ResultSource = db,
): Promise<CustomerMetricsBody> {
  const empty = { customerId: customerId.toString(), metric: null, segmentPath: null };
  const shop = await db.shop.findUnique({
    where: { domain: shopDomain },
    select: { id: true, currency: true, settings: true },
  });
  if (!shop) return empty;
  const row = await customerResult(results, shop.id, customerId);
  if (!row) return empty;
  const custom = parseSettings(shop.settings).segmentRules;
  const name = (custom ?? DEFAULT_SEGMENT_RULES).find((r) => r.id === row.segment)?.name;
  const money = (minor: bigint): Money => ({
    minor: minor.toString(),
    amount: fromMinorUnits(minor, shop.currency),
    currency: shop.currency,
  });
  return {
    customerId: customerId.toString(),
    metric: {
      segment: { id: row.segment, name: name ?? row.segment, custom: custom !== null },
      scores: {
        recency: row.recencyScore,
        frequency: row.frequencyScore,
        monetary: row.monetaryScore,
      },
      recencyDays: row.recencyDays,
      frequency: row.frequency,
      monetary: money(row.monetaryMinor),
      pAlive: row.pAlive,
      expected90: row.expected90,
      clv: row.clvMinor === null ? null : money(row.clvMinor),
      computedAt: row.computedAt.toISOString(),
    },
    segmentPath: segmentPath(row.segment),
  };
}

/** The loader's answer once authenticate.admin has named the shop. */
export async function customerMetricsResponse(
  db: Database,
  shopDomain: string,
  rawId: string | undefined,
  results: ResultSource = db,
): Promise<Response> {
  const customerId = parseCustomerId(rawId);
  if (customerId === null) {
    return errorResponse(
      400,
      "invalid_customer_id",
      "The customer id must be numeric or gid://shopify/Customer/<id>",
    );
  }
  const body = await findCustomerMetrics(db, shopDomain, customerId, results);
  return jsonResponse(body, { status: body.metric ? 200 : 404 });
}
