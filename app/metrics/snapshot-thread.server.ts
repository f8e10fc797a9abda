/**
 * Runs the snapshot pipeline off the process's main thread, on two threads: the compute
 * thread (./snapshot/thread.ts: history, descriptive stage, assembly) and the CLV thread
 * (./snapshot/clv-thread.ts: model choice, fits, predictions, scenarios, holdout card), which
 * run at the same time (docs/decisions/0073-clv-thread.md). The event loop stays free while
 * they compute: BullMQ renews a job's lock from a timer on that loop, and a stage that held it
 * past WORKER_LOCK_MS let another worker start the same compute
 * (docs/decisions/0067-compute-thread.md).
 *
 * One pair of threads per process, started by the first build and kept for the next ones:
 * loading the engine's modules costs about a second of CPU, paid once rather than per compute.
 * They hold the process open only while a build is under way; builds run one at a time, in
 * order. The input's typed arrays are moved to the compute thread, not copied (the caller must
 * not read them afterwards); the CLV thread gets a copy of the four order columns it reads.
 * The per-customer columns come back by transfer. This thread passes the segment groups from
 * the compute thread to the CLV thread and the CLV stage's result back, and reports the stages
 * in the pipeline's order whichever thread ends one first. A thread that dies fails the builds
 * in hand and ends the other (its half-builds are of no use); the next build starts a new
 * pair. Threads inherit the process's CPU priority (workers/priority.ts). The CLV thread's
 * churn scenarios are computed on the compute thread, idle after its descriptive stage, while
 * the CLV thread goes on with the predictions and the intervals; this thread relays the job and
 * its result too. Once a build is done, the pair also makes the result set's sort orders for
 * its write (sortOnSnapshotThreads), both threads at once.
 */
import { Worker } from "node:worker_threads";
import { segmentOrder, type SortJob } from "./result-set";
import { clvInputOf, type ClvSource } from "./snapshot/clv-input";
import type { SnapshotInput, SnapshotStage } from "./snapshot/stages";
import {
  errorOf,
  transferables,
  type BuildReply,
  type BuildRequest,
  type ClvReply,
  type ClvRequest,
  type SortReply,
  type ThreadBuild,
} from "./snapshot/thread-protocol";

export type { ThreadBuild } from "./snapshot/thread-protocol";

/** The stages as progress reports them: in this order, each once all before it are done. */
const STAGE_ORDER: readonly SnapshotStage[] = ["history", "descriptive", "clv", "holdout"];

interface Pending {
  /** Set when the build's input follows its CLV input (SnapshotBuild.finish). */
  onStage(stage: SnapshotStage): void;
  resolve(build: ThreadBuild): void;
  reject(error: Error): void;
  /** Stages done, and how many of STAGE_ORDER have been reported. */
  readonly done: Set<SnapshotStage>;
  reported: number;
}

interface Threads {
  readonly compute: Worker;
  readonly clv: Worker;
  readonly pending: Map<number, Pending>;
  /** Sort jobs in hand (sortOnSnapshotThreads), by sortId. */
  readonly sorting: Map<number, { resolve(order: Uint32Array): void; reject(error: Error): void }>;
  /** Fails a build in hand; both threads drop their half of it. */
  fail(id: number, error: Error): void;
}

let current: Threads | null = null;
let nextId = 0;
let nextSortId = 0;

function stageDone(request: Pending, stage: SnapshotStage): void {
  request.done.add(stage);
  while (request.reported < STAGE_ORDER.length && request.done.has(STAGE_ORDER[request.reported])) {
    request.onStage(STAGE_ORDER[request.reported++]);
  }
}

function start(): Threads {
  const compute = new Worker(new URL("./snapshot/thread.mjs", import.meta.url));
  const clv = new Worker(new URL("./snapshot/clv-thread.mjs", import.meta.url));
  const pending = new Map<number, Pending>();
  const sorting: Threads["sorting"] = new Map();
  const toCompute = (request: BuildRequest, transfer: ArrayBuffer[] = []) =>
    compute.postMessage(request, transfer);
  const toClv = (request: ClvRequest, transfer: ArrayBuffer[] = []) =>
    clv.postMessage(request, transfer);
  const settle = (id: number): Pending | undefined => {
    const request = pending.get(id);
    pending.delete(id);
    release(threads);
    return request;
  };
  const sorted = (reply: SortReply): void => {
    const job = sorting.get(reply.sortId);
    sorting.delete(reply.sortId);
    release(threads);
    if ("sorted" in reply) job?.resolve(reply.sorted);
    else job?.reject(errorOf(reply.sortError));
  };
  const fail = (id: number, error: Error): void => {
    // The other thread drops its half of the build.
    toCompute({ id, cancel: true });
    toClv({ id, cancel: true });
    settle(id)?.reject(error);
  };
  const threads: Threads = { compute, clv, pending, sorting, fail };
  compute.unref();
  clv.unref();
  compute.on("message", (reply: BuildReply) => {
    if ("sortId" in reply) return sorted(reply);
    const request = pending.get(reply.id);
    if (!request) return;
    if ("stage" in reply) return stageDone(request, reply.stage);
    if ("groups" in reply) {
      return toClv({ id: reply.id, groups: reply.groups }, [
        reply.groups.groupOf.buffer as ArrayBuffer,
      ]);
    }
    if ("jobDone" in reply) {
      return toClv({ id: reply.id, jobDone: reply.jobDone }, transferables(reply.jobDone));
    }
    if ("jobError" in reply) return toClv({ id: reply.id, jobError: reply.jobError });
    if ("error" in reply) return fail(reply.id, errorOf(reply.error));
    settle(reply.id)?.resolve(reply.result);
  });
  clv.on("message", (reply: ClvReply) => {
    if ("sortId" in reply) return sorted(reply);
    const request = pending.get(reply.id);
    if (!request) return;
    if ("job" in reply)
      return toCompute(
        { id: reply.id, job: reply.job, claim: reply.claim },
        transferables(reply.job),
      );
    if ("stage" in reply) return stageDone(request, reply.stage);
    if ("error" in reply) return fail(reply.id, errorOf(reply.error));
    toCompute({ id: reply.id, clv: reply.done }, transferables(reply.done));
  });
  // Either thread's end ends the pair: the builds in hand fail, the next build starts anew.
  const end = (error: Error): void => {
    if (current === threads) current = null;
    for (const id of [...pending.keys()]) settle(id)?.reject(error);
    for (const [sortId, job] of [...sorting]) {
      sorting.delete(sortId);
      job.reject(error);
    }
    void compute.terminate();
    void clv.terminate();
  };
  for (const [thread, name] of [
    [compute, "compute"],
    [clv, "CLV"],
  ] as const) {
    thread.on("error", end);
    thread.on("exit", (code) => end(new Error(`the ${name} thread exited (code ${code})`)));
  }
  return threads;
}

/** The threads hold the process open while they have work in hand, not otherwise. */
function hold({ compute, clv }: Threads): void {
  compute.ref();
  clv.ref();
}

function release({ compute, clv, pending, sorting }: Threads): void {
  if (pending.size > 0 || sorting.size > 0) return;
  compute.unref();
  clv.unref();
}

/**
 * Starts the compute and CLV threads if none run, so that loading their modules overlaps what
 * the caller does next (the compute's database load).
 */
export function startSnapshotThread(): void {
  current ??= start();
}

/** A build whose CLV stage has started and whose input is still to come. */
export interface SnapshotBuild {
  /**
   * Hands over the build's input (the one the CLV input was made of, with everything else
   * now loaded); `onStage` hears each stage as it ends, in the pipeline's order. The input's
   * typed arrays are gone from this thread once this returns. Once only.
   */
  finish(input: SnapshotInput, onStage: (stage: SnapshotStage) => void): Promise<ThreadBuild>;
  /** Drops the build (what was to make its input failed): both threads forget it. */
  cancel(error: Error): void;
}

/**
 * Starts a build's CLV stage on the CLV thread with `source`'s order columns (copied) while
 * the caller loads the rest of the build's input (docs/decisions/0079-clv-during-load.md). The
 * caller must `finish` or `cancel` it: until then the threads hold the process open.
 */
export function beginSnapshotBuild(source: ClvSource): SnapshotBuild {
  const threads = (current ??= start());
  const { compute, clv, pending } = threads;
  const id = nextId++;
  const clvInput = clvInputOf(source);
  let onStage: (stage: SnapshotStage) => void = () => {};
  const built = new Promise<ThreadBuild>((resolve, reject) =>
    pending.set(id, {
      onStage: (stage) => onStage(stage),
      resolve,
      reject,
      done: new Set(),
      reported: 0,
    }),
  );
  // A failure before finish (the CLV thread's, or the threads' end) is the caller's to see
  // from finish; until then it is not an unhandled rejection.
  built.catch(() => {});
  hold(threads);
  const fail = (error: unknown) =>
    threads.fail(id, error instanceof Error ? error : new Error(String(error)));
  try {
    clv.postMessage({ id, input: clvInput } satisfies ClvRequest, transferables(clvInput));
  } catch (error) {
    fail(error);
  }
  let finished = false;
  return {
    finish(input, stages) {
      if (finished) throw new Error("a snapshot build's input is handed over once");
      finished = true;
      onStage = stages;
      // Already failed (the CLV thread, the threads' end): nothing to send.
      if (!pending.has(id)) return built;
      try {
        compute.postMessage({ id, input } satisfies BuildRequest, transferables(input));
      } catch (error) {
        // Not sent (an input that cannot be cloned): the build fails here, nothing is left ref'd.
        fail(error);
      }
      return built;
    },
    cancel(error) {
      finished = true;
      if (pending.has(id)) threads.fail(id, error);
    },
  };
}

/**
 * Builds the snapshot on the compute and CLV threads; `onStage` hears each stage as it ends,
 * in the pipeline's order. The input's typed arrays are gone from this thread once this
 * returns.
 */
export function buildSnapshotInThread(
  input: SnapshotInput,
  onStage: (stage: SnapshotStage) => void,
): Promise<ThreadBuild> {
  // The CLV input's copy is made first: the transfer in finish empties the input's arrays.
  return beginSnapshotBuild(input).finish(input, onStage);
}

/**
 * Below this many slots a set is sorted on the calling thread: the threads' sort code is cold
 * (not yet optimized; this thread's is warm from the load's sorts), which cost ≈ 0.1 s at
 * 100k slots, more than the second core saves there (docs/decisions/0081).
 */
export const THREAD_SORT_MIN_SLOTS = 250_000;

/**
 * The result set's sort orders (segmentOrder of each job, in order), made on the compute and
 * CLV threads at once when they run (they are idle once a build is done) and the set has at
 * least `minSlots` slots, else on this thread. The jobs' columns must be on shared memory
 * (resultColumns) or they are copied. Same orders either way: the same function on the same
 * columns.
 */
export async function sortOnSnapshotThreads(
  jobs: readonly SortJob[],
  minSlots = THREAD_SORT_MIN_SLOTS,
): Promise<Uint32Array[]> {
  const threads = current;
  if (threads === null || (jobs[0]?.values.length ?? 0) < minSlots) return jobs.map(segmentOrder);
  hold(threads);
  return Promise.all(
    jobs.map(
      (sort, k) =>
        new Promise<Uint32Array>((resolve, reject) => {
          const sortId = nextSortId++;
          threads.sorting.set(sortId, { resolve, reject });
          // Alternately: each thread gets every other key, a mix of float and integer keys.
          (k % 2 === 0 ? threads.compute : threads.clv).postMessage({ sortId, sort });
        }),
    ),
  );
}

/** Ends the compute and CLV threads (a build in hand fails); the next build starts new ones. */
export async function closeSnapshotThread(): Promise<void> {
  if (!current) return;
  const { compute, clv } = current;
  current = null;
  await Promise.all([compute.terminate(), clv.terminate()]);
}
