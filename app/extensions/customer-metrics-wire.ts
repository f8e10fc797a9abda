/**
 * The body of GET /api/customer-metrics/<id> (customer-metrics.server.ts writes it), as the
 * admin customer-page block (extensions/customer-segment-block) reads it: one definition for
 * both sides. Types only and no imports, so the extension's own tsconfig and bundle take it
 * (`import type`, erased by esbuild) without pulling in anything of the app.
 */

export interface Money {
  /** Integer minor units of the shop currency, as a decimal string (exact). */
  minor: string;
  /** The same amount in major units ("1234.50"; JPY "1234"), for display. */
  amount: string;
  currency: string;
}

export interface CustomerMetricView {
  /** `custom`: the merchant's own rules name it (else the UI translates the default id). */
  segment: { id: string; name: string; custom: boolean };
  scores: { recency: number; frequency: number; monetary: number };
  recencyDays: number;
  frequency: number;
  monetary: Money;
  /** Probability the customer is still active (BG/NBD), 0..1; null before the model ran. */
  pAlive: number | null;
  /** Expected purchases in the next 90 days. */
  expected90: number | null;
  /** Predicted customer lifetime value over the shop's CLV horizon. */
  clv: Money | null;
  /** ISO 8601 time of the compute the row comes from. */
  computedAt: string;
}

export interface CustomerMetricsBody {
  /** The customer's numeric id, as a decimal string (64-bit). */
  customerId: string;
  /** Null when the customer is not the shop's or has no scores yet (status 404). */
  metric: CustomerMetricView | null;
  /** The app page of the customer's segment (embedded path). */
  segmentPath: string | null;
}
