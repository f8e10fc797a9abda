/**
 * The compute thread's side (started through ./thread.mjs by ../snapshot-thread.server.ts):
 * runs the snapshot pipeline on the input the worker's main thread hands over, off that
 * thread's event loop, so BullMQ's lock renewals there never wait on a stage
 * (docs/decisions/0067-compute-thread.md). Builds run one after another, in the order asked.
 * The snapshot leaves as JSON text (it is stored as text anyway); the per-customer columns are
 * transferred back, not copied.
 */
import { parentPort } from "node:worker_threads";
import { summaryOf } from "./codec";
import { snapshotSteps } from "./pipeline";
import type { SnapshotInput } from "./stages";
import {
  transferables,
  type BuildReply,
  type BuildRequest,
  type ThreadBuild,
} from "./thread-protocol";

const port = parentPort;
if (!port) throw new Error("the snapshot thread runs as a worker thread");

function build({ id, input }: BuildRequest): void {
  try {
    const steps = snapshotSteps(input);
    for (;;) {
      const step = steps.next();
      if (step.done) {
        const { snapshot, perCustomer, timingsMs, scenariosMs } = step.value;
        const t = performance.now();
        const snapshotJson = JSON.stringify(snapshot);
        const summaryJson = JSON.stringify(summaryOf(snapshot));
        const result: ThreadBuild = {
          snapshotJson,
          summaryJson,
          snapshotMs: performance.now() - t,
          timeZone: snapshot.timeZone,
          clvStatus: snapshot.clv.status,
          perCustomer,
          timingsMs,
          scenariosMs,
        };
        port!.postMessage({ id, result } satisfies BuildReply, transferables(perCustomer));
        return;
      }
      port!.postMessage({ id, stage: step.value } satisfies BuildReply);
    }
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    port!.postMessage({ id, error: { name: e.name, message: e.message } } satisfies BuildReply);
  }
}

port.on("message", (request: BuildRequest & { input: SnapshotInput }) => build(request));
