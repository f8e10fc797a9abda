/**
 * What the worker's main thread, the compute thread (./thread.ts) and the CLV thread
 * (./clv-thread.ts) say to each other, and which buffers travel with a message. Typed arrays
 * are moved, never copied: a 1M-customer shop's columns are hundreds of MB, and a copy would
 * double the compute's peak memory. The one copy is the CLV thread's order columns
 * (clvInputOf): both threads read them at the same time.
 *
 * A build: the main thread sends the input to the compute thread and the CLV input to the CLV
 * thread; the compute thread answers with the segment groups as soon as the RFM segments
 * exist, which the main thread passes on to the CLV thread; the CLV thread's result goes the
 * same way back to the compute thread, which assembles the snapshot. Meanwhile the CLV thread
 * hands the churn scenarios' job (their pair expectations, once the purchase model is fitted)
 * the same way to the compute thread and takes its result back
 * (docs/decisions/0073-clv-thread.md, Balance), unless it needs the result before the compute
 * thread has started on it: then it computes the job itself (newJobClaim).
 *
 * Between builds, either thread takes sort jobs of the result set's write (a sort order of
 * one key, segmentOrder): the key's column and the segments are on shared memory, the order
 * comes back moved (docs/decisions/0081-result-sorts-on-threads.md).
 */
import { isMarkedAsUntransferable } from "node:worker_threads";
import { segmentOrder, type SortJob } from "../result-set";
import type { ClvInput } from "./clv-input";
import type { ScenarioJob, ScenarioJobResult } from "../../analytics/clv";
import type { ClvDone, SegmentGroups } from "./clv-stage";
import type { SnapshotInput, SnapshotStage } from "./stages";
import type { PerCustomerResults } from "./types";

/**
 * To the compute thread: start a build, a scenario job of its CLV stage, go on with the CLV
 * stage's result, or drop it.
 */
export type BuildRequest =
  | SortRequest
  | { readonly id: number; readonly input: SnapshotInput }
  | { readonly id: number; readonly job: ScenarioJob; readonly claim: Int32Array }
  | { readonly id: number; readonly clv: ClvDone }
  | { readonly id: number; readonly cancel: true };

/**
 * To the CLV thread: start the stage, the segment groups it waits for, its scenario job's
 * result (or why the job failed), or drop it.
 */
export type ClvRequest =
  | SortRequest
  | { readonly id: number; readonly input: ClvInput }
  | { readonly id: number; readonly groups: SegmentGroups }
  | { readonly id: number; readonly jobDone: ScenarioJobResult }
  | { readonly id: number; readonly jobError: ThreadError }
  | { readonly id: number; readonly cancel: true };

/** To either thread: make one sort order of a result set (sortOnSnapshotThreads). */
export interface SortRequest {
  readonly sortId: number;
  readonly sort: SortJob;
}

/** From either thread: the sort order, or why it failed. */
export type SortReply =
  | { readonly sortId: number; readonly sorted: Uint32Array }
  | { readonly sortId: number; readonly sortError: ThreadError };

/** Answers a sort request on this thread: the reply and the buffer it moves. */
export function answerSort(request: SortRequest): [SortReply, ArrayBuffer[]] {
  try {
    const sorted = segmentOrder(request.sort);
    return [{ sortId: request.sortId, sorted }, [sorted.buffer as ArrayBuffer]];
  } catch (error) {
    return [{ sortId: request.sortId, sortError: threadError(error) }, []];
  }
}

/** Why a build failed, as it crosses a thread. */
export interface ThreadError {
  readonly name: string;
  readonly message: string;
}

/**
 * From the CLV thread: a scenario job for the compute thread, a stage done (clv, holdout), the
 * result, or why it failed.
 */
export type ClvReply =
  | SortReply
  | { readonly id: number; readonly job: ScenarioJob; readonly claim: Int32Array }
  | { readonly id: number; readonly stage: "clv" | "holdout" }
  | { readonly id: number; readonly done: ClvDone }
  | { readonly id: number; readonly error: ThreadError };

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

/**
 * From the compute thread: a stage done (history, descriptive), the segment groups, a scenario
 * job's result or why it failed, the build, or why it failed; `id` is the request's.
 */
export type BuildReply =
  | SortReply
  | { readonly id: number; readonly stage: SnapshotStage }
  | { readonly id: number; readonly groups: SegmentGroups }
  | { readonly id: number; readonly jobDone: ScenarioJobResult }
  | { readonly id: number; readonly jobError: ThreadError }
  | { readonly id: number; readonly result: ThreadBuild }
  | { readonly id: number; readonly error: ThreadError };

/**
 * A scenario job's claim, on shared memory both threads see: whichever thread sets it first
 * computes the job (claimJob), the other leaves it. The compute thread takes it once its
 * descriptive stage is done; the CLV thread when it needs the result and the compute thread
 * has not started it (docs/decisions/0079-clv-during-load.md). Either computes the same
 * values: the job's inputs are the same and the arithmetic is the same.
 */
export function newJobClaim(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
}

/** True when this thread now holds the job (nobody had claimed it). */
export function claimJob(claim: Int32Array): boolean {
  return Atomics.compareExchange(claim, 0, 0, 1) === 0;
}

/** An error as it crosses a thread. */
export function threadError(error: unknown): ThreadError {
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: e.message };
}

/** The error again, on the other side. */
export function errorOf(e: ThreadError): Error {
  return Object.assign(new Error(e.message), { name: e.name });
}

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
