// Per-shop leaky bucket for calculated query cost (GraphQL) and request counts (REST),
// with a ledger so tests can prove the bucket was never overdrawn.
import type { ShopPlanName } from "../generator/spec";

export interface ThrottleLimits {
  maximumAvailable: number;
  restoreRate: number;
}

/** Restore rates per plan (points/s); the bucket holds 20 s worth, as on Shopify. */
export const GRAPHQL_LIMITS: Record<ShopPlanName, ThrottleLimits> = {
  development: { maximumAvailable: 2000, restoreRate: 100 },
  basic: { maximumAvailable: 2000, restoreRate: 100 },
  shopify: { maximumAvailable: 2000, restoreRate: 100 },
  advanced: { maximumAvailable: 4000, restoreRate: 200 },
  plus: { maximumAvailable: 20000, restoreRate: 1000 },
  enterprise: { maximumAvailable: 40000, restoreRate: 2000 },
};

/** REST: requests, not points (40 bucket / 2 per second; Plus 400 / 20). */
export const REST_LIMITS: Record<ShopPlanName, ThrottleLimits> = {
  development: { maximumAvailable: 40, restoreRate: 2 },
  basic: { maximumAvailable: 40, restoreRate: 2 },
  shopify: { maximumAvailable: 40, restoreRate: 2 },
  advanced: { maximumAvailable: 80, restoreRate: 4 },
  plus: { maximumAvailable: 400, restoreRate: 20 },
  enterprise: { maximumAvailable: 400, restoreRate: 20 },
};

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface ThrottleStats {
  requests: number;
  throttled: number;
  /** Lowest level the bucket ever reached (after charging a request). */
  minimumAvailable: number;
  wentNegative: boolean;
  spent: number;
}

export class LeakyBucket {
  private available: number;
  private last: number;
  readonly limits: ThrottleLimits;
  private readonly now: () => number;
  readonly stats: ThrottleStats;

  constructor(limits: ThrottleLimits, now: () => number = () => performance.now()) {
    this.limits = { ...limits };
    this.now = now;
    this.available = limits.maximumAvailable;
    this.last = now();
    this.stats = {
      requests: 0,
      throttled: 0,
      minimumAvailable: limits.maximumAvailable,
      wentNegative: false,
      spent: 0,
    };
  }

  private refill(): void {
    const t = this.now();
    const elapsed = Math.max(0, t - this.last) / 1000;
    this.last = t;
    this.available = Math.min(
      this.limits.maximumAvailable,
      this.available + elapsed * this.limits.restoreRate,
    );
  }

  /** Charges `cost` if the bucket holds it; false means THROTTLED (nothing charged). */
  tryCharge(cost: number): boolean {
    this.refill();
    this.stats.requests++;
    if (cost > this.available) {
      this.stats.throttled++;
      return false;
    }
    this.available -= cost;
    this.stats.spent += cost;
    this.stats.minimumAvailable = Math.min(this.stats.minimumAvailable, this.available);
    if (this.available < 0) this.stats.wentNegative = true;
    return true;
  }

  /** Gives back the part of the requested cost a query did not use. */
  refund(points: number): void {
    this.refill();
    this.stats.spent -= points;
    this.available = Math.min(this.limits.maximumAvailable, this.available + points);
  }

  /** Empties the bucket (a test's "burst" from another app process, say). */
  drain(points = this.limits.maximumAvailable): void {
    this.refill();
    this.available = Math.max(0, this.available - points);
  }

  status(): ThrottleStatus {
    this.refill();
    return {
      maximumAvailable: this.limits.maximumAvailable,
      currentlyAvailable: Math.floor(this.available),
      restoreRate: this.limits.restoreRate,
    };
  }

  /** Seconds until `cost` points will be available (REST Retry-After). */
  secondsUntil(cost: number): number {
    this.refill();
    return Math.max(0, (cost - this.available) / this.limits.restoreRate);
  }
}
