// Fault injection, configurable per test: probabilities per API request and per bulk
// operation, plus forced faults for the next N requests. Every injected fault is counted.
import { Rng } from "./util/random";
import type { BulkFault } from "./bulk/manager";
import type { BulkOperationType } from "./bulk/types";

export interface FaultPlan {
  /** Per-request probabilities on the Admin API (GraphQL and REST). */
  http5xx?: number;
  http429?: number;
  /** Starts a burst of THROTTLED answers (HTTP 200) of `throttledBurst` requests. */
  throttled?: number;
  throttledBurst?: number;
  slow?: number;
  slowMs?: number;
  /** Never answers; the socket is destroyed after `timeoutHoldMs`. */
  timeout?: number;
  timeoutHoldMs?: number;
  /** Per bulk operation. */
  bulkFail?: number;
  bulkTimeout?: number;
  bulkTruncate?: number;
  /** Fraction of the root objects written before a failed operation stops. */
  bulkFailAt?: number;
  /** Per result-file download: the connection drops midway. */
  downloadCut?: number;
  /** Restrict faults to these shops (default: all). */
  shops?: string[];
}

export type RequestFaultKind = "http5xx" | "http429" | "throttled" | "slow" | "timeout";
export type BulkFaultKind = "bulkFail" | "bulkTimeout" | "bulkTruncate";
export type FaultKind = RequestFaultKind | BulkFaultKind | "downloadCut";

export type RequestFault =
  | { kind: "none" }
  | { kind: "http5xx"; status: 500 | 502 | 503 | 504 }
  | { kind: "http429" }
  | { kind: "throttled" }
  | { kind: "slow"; ms: number }
  | { kind: "timeout"; holdMs: number };

export class FaultInjector {
  private plan: FaultPlan = {};
  private readonly rng: Rng;
  private readonly forced: FaultKind[] = [];
  private burstLeft = 0;
  readonly counts: Record<FaultKind, number> = {
    http5xx: 0,
    http429: 0,
    throttled: 0,
    slow: 0,
    timeout: 0,
    bulkFail: 0,
    bulkTimeout: 0,
    bulkTruncate: 0,
    downloadCut: 0,
  };

  constructor(seed: number, plan: FaultPlan = {}) {
    this.rng = new Rng(seed, 0xfa017);
    this.plan = { ...plan };
  }

  /** Replaces the plan (probabilities); counts are kept. */
  set(plan: FaultPlan): void {
    this.plan = { ...plan };
    this.burstLeft = 0;
  }

  get current(): FaultPlan {
    return { ...this.plan };
  }

  clear(): void {
    this.set({});
    this.forced.length = 0;
  }

  /** Forces `kind` on the next `times` eligible requests/operations/downloads. */
  force(kind: FaultKind, times = 1): void {
    for (let i = 0; i < times; i++) this.forced.push(kind);
  }

  total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  private applies(shop: string): boolean {
    return !this.plan.shops || this.plan.shops.includes(shop);
  }

  private takeForced(kinds: readonly FaultKind[]): FaultKind | null {
    const index = this.forced.findIndex((k) => kinds.includes(k));
    if (index < 0) return null;
    const [kind] = this.forced.splice(index, 1);
    return kind ?? null;
  }

  request(shop: string): RequestFault {
    const kinds: RequestFaultKind[] = ["http5xx", "http429", "throttled", "slow", "timeout"];
    let kind: FaultKind | null = this.takeForced(kinds);
    if (!kind && this.applies(shop)) {
      if (this.burstLeft > 0) {
        this.burstLeft--;
        kind = "throttled";
      } else {
        const p = this.plan;
        const u = this.rng.float();
        let acc = 0;
        for (const k of kinds) {
          acc += p[k] ?? 0;
          if (u < acc) {
            kind = k;
            break;
          }
        }
        if (kind === "throttled") this.burstLeft = Math.max(0, (p.throttledBurst ?? 1) - 1);
      }
    }
    if (!kind) return { kind: "none" };
    this.counts[kind]++;
    switch (kind) {
      case "http5xx":
        return { kind, status: ([500, 502, 503, 504] as const)[this.rng.int(4)] ?? 500 };
      case "http429":
      case "throttled":
        return { kind };
      case "slow":
        return { kind, ms: this.plan.slowMs ?? 2000 };
      default:
        return { kind: "timeout", holdMs: this.plan.timeoutHoldMs ?? 30_000 };
    }
  }

  bulk(shop: string, type: BulkOperationType): BulkFault {
    void type;
    const kinds: BulkFaultKind[] = ["bulkFail", "bulkTimeout", "bulkTruncate"];
    let kind: FaultKind | null = this.takeForced(kinds);
    if (!kind && this.applies(shop)) {
      const u = this.rng.float();
      let acc = 0;
      for (const k of kinds) {
        acc += this.plan[k] ?? 0;
        if (u < acc) {
          kind = k;
          break;
        }
      }
    }
    if (!kind) return { kind: "none" };
    this.counts[kind]++;
    const atFraction = this.plan.bulkFailAt ?? 0.5;
    if (kind === "bulkTruncate") return { kind: "truncate" };
    return {
      kind: "fail",
      code: kind === "bulkTimeout" ? "TIMEOUT" : "INTERNAL_SERVER_ERROR",
      atFraction,
    };
  }

  download(): boolean {
    let cut = this.takeForced(["downloadCut"]) !== null;
    if (!cut) cut = this.rng.float() < (this.plan.downloadCut ?? 0);
    if (cut) this.counts.downloadCut++;
    return cut;
  }
}
