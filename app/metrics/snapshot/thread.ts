/**
 * The compute thread's side (started through ./thread.mjs by ../snapshot-thread.server.ts):
 * runs the snapshot pipeline on the input the worker's main thread hands over, off that
 * thread's event loop, so BullMQ's lock renewals there never wait on a stage
 * (docs/decisions/0067-compute-thread.md). The CLV stage runs meanwhile on the CLV thread
 * (./clv-thread.ts, docs/decisions/0073-clv-thread.md): this side runs the history and the
 * descriptive stage, hands on the segment groups the CLV stage needs, and once the CLV
 * stage's result comes back assembles the snapshot. Idle meanwhile, it computes the CLV
 * stage's churn scenarios when the CLV thread hands them over (runJob). The snapshot leaves
 * as JSON text (it is stored as text anyway); the per-customer columns are transferred back,
 * not copied. Between builds it takes sort jobs of the result set's write (answerSort).
 */
import { parentPort } from "node:worker_threads";
import { scenarioJobExpectations, type ScenarioJob } from "../../analytics/clv";
import { summaryOf } from "./codec";
import { descriptiveSteps, type DescriptiveStep } from "./pipeline";
import type { ClvDone } from "./clv-stage";
import type { SnapshotBuild } from "./stages";
import {
  answerSort,
  claimJob,
  threadError,
  transferables,
  type BuildReply,
  type BuildRequest,
  type ThreadBuild,
} from "./thread-protocol";

const port = parentPort;
if (!port) throw new Error("the snapshot thread runs as a worker thread");

const post = (reply: BuildReply, transfer: ArrayBuffer[] = []): void =>
  port!.postMessage(reply, transfer);

/** Builds waiting for their CLV stage's result. */
const waiting = new Map<number, Generator<DescriptiveStep, SnapshotBuild, ClvDone | undefined>>();

function finish(id: number, build: SnapshotBuild): void {
  const { snapshot, perCustomer, timingsMs, scenariosMs } = build;
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
  post({ id, result }, transferables(perCustomer));
}

/** Runs a build's steps until it waits for the CLV stage or ends. */
function advance(
  id: number,
  steps: Generator<DescriptiveStep, SnapshotBuild, ClvDone | undefined>,
  clv?: ClvDone,
): void {
  try {
    let step = steps.next(clv);
    for (;;) {
      if (step.done) return finish(id, step.value);
      const value = step.value;
      if (value === "clv") {
        waiting.set(id, steps);
        return;
      }
      if (typeof value === "string") post({ id, stage: value });
      else post({ id, groups: value.groups }, [value.groups.groupOf.buffer as ArrayBuffer]);
      step = steps.next();
    }
  } catch (error) {
    post({ id, error: threadError(error) });
  }
}

/**
 * A scenario job of the CLV stage (fitClvModelSteps), computed here once this side is idle,
 * unless the CLV thread has taken it meanwhile (then it answers nothing).
 */
function runJob(id: number, job: ScenarioJob, claim: Int32Array): void {
  if (!claimJob(claim)) return;
  try {
    const jobDone = scenarioJobExpectations(job);
    post({ id, jobDone }, transferables(jobDone));
  } catch (error) {
    post({ id, jobError: threadError(error) });
  }
}

port.on("message", (request: BuildRequest) => {
  if ("sort" in request) return post(...answerSort(request));
  if ("input" in request) return advance(request.id, descriptiveSteps(request.input));
  if ("job" in request) return runJob(request.id, request.job, request.claim);
  const steps = waiting.get(request.id);
  waiting.delete(request.id);
  if (steps !== undefined && "clv" in request) advance(request.id, steps, request.clv);
});
