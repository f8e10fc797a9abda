/**
 * The CLV thread's side (started through ./clv-thread.mjs by ../snapshot-thread.server.ts):
 * runs a build's CLV and holdout stages (./clv-stage.ts) while the compute thread
 * (./thread.ts) runs the history and the descriptive stage (docs/decisions/0073-clv-thread.md).
 * The model choice needs nothing from the other side and starts at once; the fits wait for
 * the segment groups (the intervals are per RFM segment), which the compute thread sends as
 * soon as it has scored the customers. Loads the CLV engine only.
 */
import { parentPort } from "node:worker_threads";
import {
  clvContextOf,
  clvDoneToSend,
  runChoice,
  runClv,
  runHoldout,
  type ClvContext,
  type SegmentGroups,
} from "./clv-stage";
import type { ChoiceOutcome } from "./stages";
import { threadError, type ClvReply, type ClvRequest } from "./thread-protocol";

const port = parentPort;
if (!port) throw new Error("the CLV thread runs as a worker thread");

const post = (reply: ClvReply, transfer: ArrayBuffer[] = []): void =>
  port!.postMessage(reply, transfer);

/** Builds whose model choice is done, waiting for their segment groups. */
const chosen = new Map<number, { ctx: ClvContext; choice: ChoiceOutcome; ms: number }>();

function fit(id: number, groups: SegmentGroups): void {
  const started = chosen.get(id);
  chosen.delete(id);
  if (started === undefined) return;
  try {
    let t = performance.now();
    const clv = runClv(started.ctx, started.choice, groups);
    const clvMs = started.ms + performance.now() - t;
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
  chosen.delete(id);
});
