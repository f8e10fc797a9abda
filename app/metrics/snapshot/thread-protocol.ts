/**
 * What the worker's main thread and the compute thread (./thread.ts) say to each other, and
 * which buffers travel with a message. Typed arrays are moved, never copied: a 1M-customer
 * shop's columns are hundreds of MB, and a copy would double the compute's peak memory.
 */
import { isMarkedAsUntransferable } from "node:worker_threads";
import type { SnapshotInput, SnapshotStage } from "./stages";
import type { PerCustomerResults } from "./types";

export interface BuildRequest {
  readonly id: number;
  readonly input: SnapshotInput;
}

/** The build, ready to store: the snapshot as JSON text, the per-customer columns. */
export interface ThreadBuild {
  readonly snapshotJson: string;
  /** Its SnapshotSummary as JSON text. */
  readonly summaryJson: string;
  /** Milliseconds of the two JSON texts. */
  readonly snapshotMs: number;
  readonly timeZone: string;
  readonly clvStatus: "ok" | "insufficient-data";
  readonly perCustomer: PerCustomerResults;
  readonly timingsMs: Readonly<Record<SnapshotStage, number>>;
  readonly scenariosMs: number;
}

/** A stage done (progress), the build, or why it failed; `id` is the request's. */
export type BuildReply =
  | { readonly id: number; readonly stage: SnapshotStage }
  | { readonly id: number; readonly result: ThreadBuild }
  | { readonly id: number; readonly error: { readonly name: string; readonly message: string } };

/**
 * Every buffer under `value` that can be moved: those of its typed arrays, each once (views
 * may share one). Shared memory and buffers Node marks untransferable (its Buffer pool) stay
 * behind and are copied. The sender must not read the moved arrays afterwards.
 */
export function transferables(value: unknown): ArrayBuffer[] {
  const found = new Set<ArrayBuffer>();
  const seen = new Set<object>();
  const walk = (v: unknown): void => {
    if (typeof v !== "object" || v === null || seen.has(v)) return;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      const buffer = v.buffer;
      if (buffer instanceof ArrayBuffer && !isMarkedAsUntransferable(buffer)) found.add(buffer);
      return;
    }
    for (const item of Array.isArray(v) ? v : Object.values(v)) walk(item);
  };
  walk(value);
  return [...found];
}
