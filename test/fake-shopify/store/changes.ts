// What happened in a shop, in domain terms. The webhook layer maps these to topics.

export type OrderChangeKind =
  "created" | "paid" | "fulfilled" | "edited" | "tagged" | "refund" | "cancelled" | "deleted";

export type CustomerChangeKind =
  "created" | "updated" | "tagged" | "deleted" | "redacted" | "order-placed";

export type ShopChange =
  | {
      kind: "order";
      at: number;
      serial: number;
      change: OrderChangeKind;
      /** Index of the refund the change created (refund, or cancelled with refund). */
      refundIndex: number | null;
    }
  | {
      kind: "customer";
      at: number;
      slot: number;
      change: CustomerChangeKind;
      source: "shop" | "app";
      /** What a tag change really added and removed (not what was asked: see effectiveTagChange). */
      tags?: { add: string[]; remove: string[] };
    };
