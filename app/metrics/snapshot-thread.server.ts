/**
 * Runs the snapshot pipeline on a thread of its own (./snapshot/thread.ts), so that the
 * process's event loop stays free while it computes: BullMQ renews a job's lock from a timer
 * on that loop, and a stage that held it past WORKER_LOCK_MS (a large shop's stages take
 * seconds of CPU, more while the web process wins the CPU, decision 0048) let another worker
 * start the same compute (docs/decisions/0067-compute-thread.md).
 *
 * One thread per process, started by the first build and kept for the next ones: loading the
 * engine's modules costs about a second of CPU, paid once rather than per compute. It holds
 * the process open only while a build is under way; builds run one at a time, in order. The
 * input's typed arrays are moved to the thread, not copied (the caller must not read them
 * afterwards), and the per-customer columns come back the same way. A thread that dies fails
 * the builds in hand; the next build starts another. Threads inherit the process's CPU
 * priority (workers/priority.ts).
 */
import { Worker } from "node:worker_threads";
import type { SnapshotInput, SnapshotStage } from "./snapshot/stages";
import {
  transferables,
  type BuildReply,
  type BuildRequest,
  type ThreadBuild,
} from "./snapshot/thread-protocol";

export type { ThreadBuild } from "./snapshot/thread-protocol";

interface Pending {
  onStage(stage: SnapshotStage): void;
  resolve(build: ThreadBuild): void;
  reject(error: Error): void;
}

let current: { thread: Worker; pending: Map<number, Pending> } | null = null;
let nextId = 0;

function start(): NonNullable<typeof current> {
  const thread = new Worker(new URL("./snapshot/thread.mjs", import.meta.url));
  const pending = new Map<number, Pending>();
  const failAll = (error: Error) => {
    for (const request of pending.values()) request.reject(error);
    pending.clear();
  };
  thread.unref();
  thread.on("message", (reply: BuildReply) => {
    const request = pending.get(reply.id);
    if (!request) return;
    if ("stage" in reply) return request.onStage(reply.stage);
    pending.delete(reply.id);
    if (pending.size === 0) thread.unref();
    if ("result" in reply) request.resolve(reply.result);
    else request.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
  });
  thread.on("error", failAll);
  thread.on("exit", (code) => {
    if (current?.thread === thread) current = null;
    failAll(new Error(`the compute thread exited (code ${code})`));
  });
  return { thread, pending };
}

/**
 * Starts the compute thread if none runs, so that loading its modules overlaps what the
 * caller does next (the compute's database load).
 */
export function startSnapshotThread(): void {
  current ??= start();
}

/**
 * Builds the snapshot on the compute thread; `onStage` hears each stage as it ends. The
 * input's typed arrays are gone from this thread once this returns.
 */
export function buildSnapshotInThread(
  input: SnapshotInput,
  onStage: (stage: SnapshotStage) => void,
): Promise<ThreadBuild> {
  current ??= start();
  const { thread, pending } = current;
  const id = nextId++;
  const built = new Promise<ThreadBuild>((resolve, reject) =>
    pending.set(id, { onStage, resolve, reject }),
  );
  if (pending.size === 1) thread.ref();
  thread.postMessage({ id, input } satisfies BuildRequest, transferables(input));
  return built;
}

/** Ends the compute thread (a build in hand fails); the next build starts a new one. */
export async function closeSnapshotThread(): Promise<void> {
  if (!current) return;
  const { thread } = current;
  current = null;
  await thread.terminate();
}
