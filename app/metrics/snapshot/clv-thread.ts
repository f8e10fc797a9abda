/**
 * The CLV thread's side (started through ./clv-thread.mjs by ../snapshot-thread.server.ts):
 * runs a build's CLV and holdout stages (./clv-stage.ts) while the compute thread
 * (./thread.ts) runs the history and the descriptive stage (docs/decisions/0073-clv-thread.md).
 * The model choice needs nothing from the other side and starts at once; the fits wait for
 * the segment groups (the intervals are per RFM segment), which the compute thread sends as
 * soon as it has scored the customers. Once the purchase model is fitted, the churn
 * scenarios' pair expectations go to the compute thread (idle after its descriptive stage)
 * while this side computes the predictions and the intervals' draws, then waits for them
 * (docs/decisions/0073-clv-thread.md, Balance), or computes them itself when the compute
 * thread has not started them yet (docs/decisions/0079-clv-during-load.md). Between builds it
 * takes sort jobs of the result set's write (answerSort). Loads the CLV engine and the result
 * set's sort only.
 */
import { parentPort } from "node:worker_threads";
import {
  scenarioJobExpectations,
  type ScenarioJob,
  type ScenarioJobResult,
} from "../../analytics/clv";
import {
  clvContextOf,
  clvDoneToSend,
  clvSteps,
  runChoice,
  runHoldout,
  type ClvContext,
  type SegmentGroups,
} from "./clv-stage";
import type { ChoiceOutcome } from "./stages";
import {
  answerSort,
  claimJob,
  errorOf,
  newJobClaim,
  threadError,
  type ClvReply,
  type ClvRequest,
} from "./thread-protocol";

const port = parentPort;
if (!port) throw new Error("the CLV thread runs as a worker thread");

const post = (reply: ClvReply, transfer: ArrayBuffer[] = []): void =>
  port!.postMessage(reply, transfer);

/** Builds whose model choice is done, waiting for their segment groups. */
const chosen = new Map<number, { ctx: ClvContext; choice: ChoiceOutcome; ms: number }>();

type Steps = ReturnType<typeof clvSteps>;

/** Builds whose fits wait for their churn scenarios (computed by the compute thread). */
const fitting = new Map<number, { steps: Steps; ms: number }>();

function fit(id: number, groups: SegmentGroups): void {
  const started = chosen.get(id);
  chosen.delete(id);
  if (started === undefined) return;
  const steps = clvSteps(started.ctx, started.choice, groups);
  advance(id, steps, started.ms, () => steps.next());
}

/**
 * Runs a build's fits from `resume` on: hands the scenario job to the compute thread (a copy:
 * the pairs stay here too) and goes on with the predictions and the intervals' draws, parks
 * the steps when they need the job's result, else ends the stage.
 */
function advance(
  id: number,
  steps: Steps,
  ms: number,
  resume: () => ReturnType<Steps["next"]>,
): void {
  try {
    let t = performance.now();
    let step = resume();
    let posted: { job: ScenarioJob; claim: Int32Array } | undefined;
    for (;;) {
      while (!step.done && step.value !== "scenarios") {
        posted = { job: step.value, claim: newJobClaim() };
        post({ id, ...posted });
        step = steps.next();
      }
      if (step.done) break;
      // The job's result is needed: the compute thread has it in hand (wait for it), or has
      // not started it (its descriptive stage still runs): then it is done here.
      if (posted === undefined || !claimJob(posted.claim)) {
        fitting.set(id, { steps, ms: ms + performance.now() - t });
        return;
      }
      let result: ScenarioJobResult;
      try {
        result = scenarioJobExpectations(posted.job);
      } catch (error) {
        step = steps.throw(error);
        continue;
      }
      step = steps.next(result);
    }
    const clv = step.value;
    const clvMs = ms + performance.now() - t;
    post({ id, stage: "clv" });
    t = performance.now();
    const holdout = runHoldout(clv);
    const holdoutMs = performance.now() - t;
    post({ id, stage: "holdout" });
    const done = clvDoneToSend({ clv, holdout, clvMs, holdoutMs });
    // runClv's own columns: nothing on this side keeps them.
    post(
      { id, done },
      [clv.pAlive, clv.expected90, clv.clv].map((a) => a.buffer as ArrayBuffer),
    );
  } catch (error) {
    post({ id, error: threadError(error) });
  }
}

port.on("message", (request: ClvRequest) => {
  if ("sort" in request) return post(...answerSort(request));
  const { id } = request;
  if ("input" in request) {
    try {
      const t = performance.now();
      const ctx = clvContextOf(request.input);
      const choice = runChoice(ctx);
      chosen.set(id, { ctx, choice, ms: performance.now() - t });
    } catch (error) {
      post({ id, error: threadError(error) });
    }
    return;
  }
  if ("groups" in request) return fit(id, request.groups);
  if ("jobDone" in request || "jobError" in request) {
    const parked = fitting.get(id);
    fitting.delete(id);
    if (parked === undefined) return;
    const { steps, ms } = parked;
    return advance(id, steps, ms, () =>
      "jobDone" in request ? steps.next(request.jobDone) : steps.throw(errorOf(request.jobError)),
    );
  }
  chosen.delete(id);
  fitting.delete(id);
});
