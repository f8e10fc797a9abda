// Plans: what the generator decides for one slot (a customer, a guest checkout or the staff
// account) — static facts plus dated events. Order/customer state at any moment is a fold
// over these events (see model/), so "advancing time" is just folding further.

export type CancelReason = "CUSTOMER" | "DECLINED" | "FRAUD" | "INVENTORY" | "OTHER" | "STAFF";
export type CustomerStateName = "DECLINED" | "DISABLED" | "ENABLED" | "INVITED";
export type SlotKind = "staff" | "customer" | "guest";

export interface LinePlan {
  product: number;
  quantity: number;
  /** Shop currency, minor units, before discounts. */
  unitMinor: number;
  /** Total discount on the line (shop currency, minor units). */
  discountMinor: number;
  /** Index into the catalog's selling plans, or null for a one-time purchase. */
  sellingPlan: number | null;
}

export interface RefundLinePlan {
  line: number;
  quantity: number;
}

export type OrderEventPlan =
  | { kind: "paid"; at: number }
  | { kind: "fulfilled"; at: number }
  | { kind: "edited"; at: number; line: LinePlan }
  | { kind: "tagged"; at: number; add: string[]; remove: string[] }
  | {
      kind: "refund";
      at: number;
      /** Empty with `all: true` means "everything still refundable". */
      lines: RefundLinePlan[];
      all: boolean;
      shipping: boolean;
      note: string | null;
    }
  | { kind: "cancelled"; at: number; reason: CancelReason; refund: boolean }
  | { kind: "deleted"; at: number };

export interface OrderPlan {
  slot: number;
  /** Position within the slot's orders (creation order). */
  local: number;
  createdAt: number;
  processedAt: number;
  test: boolean;
  sourceName: string;
  gateway: string;
  /** Payment captured later (bank transfer, cash on delivery, manual). */
  pendingPayment: boolean;
  /** Presentment currency differs from the shop currency. */
  foreignPresentment: boolean;
  lines: LinePlan[];
  shippingMinor: number;
  discountCode: string | null;
  tags: string[];
  events: OrderEventPlan[];
  /** Created through the fake's API rather than generated. */
  manual: boolean;
}

export type CustomerEventPlan =
  | { kind: "updated"; at: number }
  | { kind: "tagged"; at: number; add: string[]; remove: string[]; source: "merchant" | "app" }
  | { kind: "deleted"; at: number }
  | { kind: "redacted"; at: number };

export interface CustomerPlan {
  slot: number;
  createdAt: number;
  state: CustomerStateName;
  tags: string[];
  firstName: string;
  lastName: string;
  emailLocal: string;
  acceptsMarketing: boolean;
  events: CustomerEventPlan[];
  manual: boolean;
}

export interface SlotPlan {
  slot: number;
  kind: SlotKind;
  customer: CustomerPlan | null;
  orders: OrderPlan[];
}

export function eventTime(event: { at: number }): number {
  return event.at;
}
