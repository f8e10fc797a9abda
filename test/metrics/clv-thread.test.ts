/**
 * The snapshot built on two threads (the CLV stage on a thread of its own beside the
 * descriptive stage, app/metrics/snapshot-thread.server.ts) is byte for byte the sequential
 * build's (buildShopSnapshot): the snapshot's and its summary's JSON text, every per-customer
 * column; stages reported in the pipeline's order; a failed build fails alone.
 */
import { once } from "node:events";
import { serialize } from "node:v8";
import { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import {
  buildPurchaseHistory,
  createCalendar,
  ORDER_CANCELLED,
  ORDER_TEST,
} from "../../app/analytics";
import { simulateOrders } from "../../app/analytics/clv/simulate";
import {
  beginSnapshotBuild,
  buildSnapshotInThread,
  closeSnapshotThread,
  sortOnSnapshotThreads,
  startSnapshotThread,
  type ThreadBuild,
} from "../../app/metrics/snapshot-thread.server";
import { resultColumns, segmentOrder, sortJobs, type SortJob } from "../../app/metrics/result-set";
import { claimJob, newJobClaim } from "../../app/metrics/snapshot/thread-protocol";
import { scenarioJobExpectations, type ScenarioJob } from "../../app/analytics/clv";
import { clvInputOf } from "../../app/metrics/snapshot/clv-input";
import {
  clvContextOf,
  clvSteps,
  ordersMinDay,
  runChoice,
  runClv,
  type SegmentGroups,
} from "../../app/metrics/snapshot/clv-stage";
import type { ClvStage } from "../../app/metrics/snapshot/stages";
import { summaryOf } from "../../app/metrics/snapshot/codec";
import { buildShopSnapshot } from "../../app/metrics/snapshot/pipeline";
import type { SnapshotInput, SnapshotStage } from "../../app/metrics/snapshot/stages";
import type { PerCustomerResults } from "../../app/metrics/snapshot/types";
import { settingsSchema } from "../../app/settings";

const DAY = 86_400_000;
const END = Date.UTC(2025, 0, 1);

afterAll(() => closeSnapshotThread());

function shop(options: {
  customers: number;
  seed: number;
  timeZone: string;
  start?: number;
  holdoutSampleCustomers?: number;
}): SnapshotInput {
  const orders = simulateOrders({
    customers: options.customers,
    seed: options.seed,
    bgnbd: { r: 0.8, alpha: 60, a: 0.7, b: 4 },
    gammaGamma: { p: 4, q: 5, gamma: 5000 },
    start: options.start ?? Date.UTC(2023, 0, 1),
    end: END,
  });
  const createdAt = new Float64Array(options.customers);
  for (let c = 0; c < createdAt.length; c++) createdAt[c] = Date.UTC(2022, 11, 1) + c * 3_600_000;
  return {
    orders,
    customers: { count: options.customers, createdAt },
    timeZone: options.timeZone,
    currency: "USD",
    asOf: END - DAY,
    computedAt: END,
    settings: settingsSchema.parse({ minSegmentCustomers: 1 }),
    npsResponses: [
      { score: 9, respondedAt: END - 30 * DAY, customer: 3 },
      { score: 4, respondedAt: END - 20 * DAY, customer: 8 },
    ],
    marketingSpend: [{ month: "2024-12", channel: "instagram", amountMinor: 90_000 }],
    ...(options.holdoutSampleCustomers === undefined
      ? {}
      : { holdoutSampleCustomers: options.holdoutSampleCustomers }),
  };
}

const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function expectSameColumns(threaded: PerCustomerResults, sequential: PerCustomerResults): void {
  expect(threaded.count).toBe(sequential.count);
  expect(threaded.segmentIds).toEqual(sequential.segmentIds);
  for (const key of Object.keys(sequential) as (keyof PerCustomerResults)[]) {
    const column = sequential[key];
    if (!ArrayBuffer.isView(column)) continue;
    const other = threaded[key] as ArrayBufferView;
    expect(other.constructor, key).toBe(column.constructor);
    expect(bytes(other).equals(bytes(column)), key).toBe(true);
  }
}

/** The threaded build of `input`, and the stages as reported. */
async function threaded(input: SnapshotInput): Promise<{ build: ThreadBuild; stages: string[] }> {
  const stages: SnapshotStage[] = [];
  // The input's arrays move to the threads: hand them a copy.
  const build = await buildSnapshotInThread(structuredClone(input), (s) => stages.push(s));
  return { build, stages };
}

async function expectSameBuild(input: SnapshotInput): Promise<ThreadBuild> {
  const { build, stages } = await threaded(input);
  const sequential = buildShopSnapshot(input);
  expect(stages).toEqual(["history", "descriptive", "clv", "holdout"]);
  expect(build.snapshotJson).toBe(JSON.stringify(sequential.snapshot));
  expect(build.summaryJson).toBe(JSON.stringify(summaryOf(sequential.snapshot)));
  expect(build.clvStatus).toBe(sequential.snapshot.clv.status);
  expectSameColumns(build.perCustomer, sequential.perCustomer);
  expect(build.scenariosMs > 0).toBe(sequential.scenariosMs > 0);
  return build;
}

describe("the snapshot built with the CLV stage on its own thread", () => {
  it("is the sequential build's, byte for byte, on a sampled holdout across a DST zone", async () => {
    const input = shop({
      customers: 3000,
      seed: 21,
      timeZone: "America/New_York",
      holdoutSampleCustomers: 1000,
    });
    const build = await expectSameBuild(input);
    expect(build.clvStatus).toBe("ok");
    const clv = JSON.parse(build.snapshotJson).clv;
    expect(clv.modelChoice.sampleEvery).toBe(3);
    expect(clv.holdout.status).toBe("ok");
    expect(clv.scenarios).toHaveLength(3);
  });

  it("stays exact on the kept threads' next builds (other shops, other settings)", async () => {
    await expectSameBuild(shop({ customers: 2000, seed: 5, timeZone: "UTC" }));
    const input = shop({ customers: 2500, seed: 8, timeZone: "Asia/Tokyo" });
    await expectSameBuild({
      ...input,
      settings: settingsSchema.parse({
        minSegmentCustomers: 1,
        clvHorizonMonths: 12,
        annualDiscountRate: 0.2,
      }),
    });
  });

  it("is exact when the history is too short for a holdout and when the model cannot fit", async () => {
    const short = await expectSameBuild(
      shop({ customers: 800, seed: 3, timeZone: "Europe/London", start: END - 60 * DAY }),
    );
    expect(JSON.parse(short.snapshotJson).clv.holdout.code).toBe("short-history");
    const tiny = await expectSameBuild(shop({ customers: 12, seed: 4, timeZone: "UTC" }));
    expect(tiny.clvStatus).toBe("insufficient-data");
  });

  it("fails a build whose stage throws, and builds the next one", async () => {
    const input = shop({ customers: 500, seed: 6, timeZone: "UTC" });
    // A customer index outside the table: the purchase history refuses it.
    const broken = { ...input, customers: { ...input.customers, count: 10 } };
    await expect(threaded(broken)).rejects.toThrow(/customer \d+ outside/);
    await expectSameBuild(input);
  });

  it("fails a build whose input cannot be sent, and builds the next one", async () => {
    const input = shop({ customers: 400, seed: 9, timeZone: "UTC" });
    const unsendable = { ...input, npsResponses: [{ ...input.npsResponses[0], note: () => 0 }] };
    await expect(buildSnapshotInThread(unsendable, () => {})).rejects.toThrow(
      /could not be cloned/,
    );
    await expectSameBuild(shop({ customers: 400, seed: 9, timeZone: "UTC" }));
  });

  it("is exact when its CLV stage starts on the orders before the rest of the input", async () => {
    const input = shop({ customers: 2000, seed: 12, timeZone: "Asia/Tokyo" });
    const copy = structuredClone(input);
    // As the compute begins it (onOrders): the orders and the customer count, nothing else.
    const begun = beginSnapshotBuild({
      orders: copy.orders,
      customers: { count: copy.customers.count },
      timeZone: copy.timeZone,
      asOf: copy.asOf,
      settings: copy.settings,
    });
    // The CLV thread's model choice runs while this thread goes on.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stages: SnapshotStage[] = [];
    const build = await begun.finish(copy, (s) => stages.push(s));
    const sequential = buildShopSnapshot(input);
    expect(stages).toEqual(["history", "descriptive", "clv", "holdout"]);
    expect(build.snapshotJson).toBe(JSON.stringify(sequential.snapshot));
    expectSameColumns(build.perCustomer, sequential.perCustomer);
    expect(() => begun.finish(copy, () => {})).toThrow(/once/);
  });

  it("drops a begun build whose input never comes, and builds the next one", async () => {
    const input = shop({ customers: 600, seed: 13, timeZone: "UTC" });
    const begun = beginSnapshotBuild(structuredClone(input));
    begun.cancel(new Error("the load failed"));
    expect(() => begun.finish(structuredClone(input), () => {})).toThrow(/once/);
    await expectSameBuild(input);
  });

  it("fails a begun build whose threads end before its input comes", async () => {
    const input = shop({ customers: 600, seed: 14, timeZone: "UTC" });
    const begun = beginSnapshotBuild(structuredClone(input));
    await closeSnapshotThread();
    await expect(begun.finish(structuredClone(input), () => {})).rejects.toThrow(/thread exited/);
    await expectSameBuild(input);
  });

  it("fails the builds in hand when the threads end, and starts new ones for the next", async () => {
    const input = shop({ customers: 1500, seed: 7, timeZone: "UTC" });
    const ended = expect(threaded(input)).rejects.toThrow(/thread exited/);
    await closeSnapshotThread();
    await ended;
    await expectSameBuild(input);
  });
});

describe("the result set's sort orders on the snapshot threads (sortOnSnapshotThreads)", () => {
  const jobsOf = (perCustomer: PerCustomerResults): SortJob[] =>
    sortJobs(
      resultColumns(
        BigInt64Array.from(
          { length: perCustomer.count },
          (_, c) => 9_007_199_254_740_000n + BigInt(c),
        ),
        perCustomer,
      ),
    );

  it("are this thread's orders, every key, after a build on the same threads", async () => {
    const build = await expectSameBuild(shop({ customers: 3000, seed: 31, timeZone: "UTC" }));
    const jobs = jobsOf(build.perCustomer);
    // The columns are shared with the threads, not copied.
    expect(jobs.every((job) => job.values.buffer instanceof SharedArrayBuffer)).toBe(true);
    const local = jobs.map(segmentOrder);
    const threaded = await sortOnSnapshotThreads(jobs, 0);
    expect(threaded).toHaveLength(6);
    threaded.forEach((order, k) => expect(Array.from(order)).toEqual(Array.from(local[k])));
    // Below THREAD_SORT_MIN_SLOTS the set is sorted here, with the same orders.
    const here = await sortOnSnapshotThreads(jobs);
    here.forEach((order, k) => expect(Array.from(order)).toEqual(Array.from(local[k])));
    // Each order holds every slot once.
    expect(new Set(threaded[0]).size).toBe(jobs[0].values.length);
    // The threads take the next build as before.
    await expectSameBuild(shop({ customers: 500, seed: 32, timeZone: "UTC" }));
  });

  it("sorts on this thread when no threads run, with the same orders", async () => {
    const build = await expectSameBuild(shop({ customers: 1200, seed: 33, timeZone: "UTC" }));
    await closeSnapshotThread();
    const jobs = jobsOf(build.perCustomer);
    const orders = await sortOnSnapshotThreads(jobs);
    orders.forEach((order, k) =>
      expect(Array.from(order)).toEqual(Array.from(segmentOrder(jobs[k]))),
    );
  });

  it("fails when a thread's sort throws or the threads end, and sorts again afterwards", async () => {
    startSnapshotThread();
    const build = await expectSameBuild(shop({ customers: 800, seed: 34, timeZone: "UTC" }));
    const jobs = jobsOf(build.perCustomer);
    const broken = { ...jobs[0], values: null as unknown as Float64Array };
    await expect(sortOnSnapshotThreads([jobs[1], broken], 0)).rejects.toMatchObject({
      name: "TypeError",
      message: expect.stringMatching(/null/),
    });
    const ended = expect(sortOnSnapshotThreads(jobs, 0)).rejects.toThrow(/thread exited/);
    await closeSnapshotThread();
    await ended;
    startSnapshotThread();
    const orders = await sortOnSnapshotThreads(jobs, 0);
    expect(Array.from(orders[5])).toEqual(Array.from(segmentOrder(jobs[5])));
  });
});

describe("the CLV stage's churn scenarios computed apart (clvSteps)", () => {
  const input = shop({ customers: 4000, seed: 41, timeZone: "America/New_York" });
  const ctx = clvContextOf(clvInputOf(input));
  const choice = runChoice(ctx);
  const groupOf = new Uint8Array(4000);
  for (let c = 0; c < groupOf.length; c++) groupOf[c] = c % 3;
  const groups: SegmentGroups = { groupOf, groupCount: 3 };
  /** The stage as bytes, without its timings (they differ from run to run). */
  const stageBytes = (stage: ClvStage): Buffer => {
    const { models } = stage;
    return serialize({
      ...stage,
      models: models.status === "ok" ? { ...models, timingsMs: null } : models,
    });
  };

  it("hands the job over before the predictions and ends as runClv, byte for byte", () => {
    const steps = clvSteps(ctx, choice, groups);
    const first = steps.next();
    expect(first.done).toBe(false);
    const job = first.value as ScenarioJob;
    // The three scenarios of the model the fits use, and the pairs' values only.
    expect(job.models).toHaveLength(3);
    expect(new Set(job.models.map((m) => m.model)).size).toBe(1);
    expect(Object.keys(job.pairs).sort()).toEqual(["T", "length", "x"]);
    // As the threads do: the job and its answer cross as structured clones.
    const answer = structuredClone(scenarioJobExpectations(structuredClone(job)));
    const waiting = steps.next();
    expect(waiting).toEqual({ done: false, value: "scenarios" });
    const end = steps.next(answer);
    expect(end.done).toBe(true);
    const stage = end.value as ClvStage;
    expect(stage.models.status).toBe("ok");
    if (stage.models.status === "ok") {
      expect(stage.models.scenarios.map((x) => x.points)).toEqual([1, 2, 5]);
      expect(stage.models.intervals?.status).toBe("ok");
    }
    expect(stageBytes(stage).equals(stageBytes(runClv(ctx, choice, groups)))).toBe(true);
  });

  it("turns a job that failed elsewhere into the stage's insufficient data, as inline", () => {
    const steps = clvSteps(ctx, choice, groups);
    steps.next();
    steps.next();
    const end = steps.throw(new RangeError("no expectations"));
    expect(end.done).toBe(true);
    const stage = end.value as ClvStage;
    expect(stage.models).toMatchObject({
      status: "insufficient-data",
      reason: "The model could not be fitted: no expectations",
    });
    expect(Number.isNaN(stage.clv[0])).toBe(true);
  });
});

describe("a scenario job's claim", () => {
  it("goes to the first thread that claims it, never to both", async () => {
    const claim = newJobClaim();
    // Another thread claims first; this one then cannot.
    const other = new Worker(
      `const { workerData, parentPort } = require("node:worker_threads");
       parentPort.postMessage(Atomics.compareExchange(workerData, 0, 0, 1) === 0);`,
      { eval: true, workerData: claim },
    );
    const [claimedThere] = await once(other, "message");
    expect(claimedThere).toBe(true);
    expect(claimJob(claim)).toBe(false);
    await other.terminate();
    const fresh = newJobClaim();
    expect(claimJob(fresh)).toBe(true);
    expect(claimJob(fresh)).toBe(false);
  });
});

describe("ordersMinDay", () => {
  it("is the purchase history's first day, guests included, cancelled and test orders not", () => {
    // Orders around DST changes and midnight in zones with whole and half-hour shifts.
    const at = [
      Date.UTC(2024, 10, 3, 5, 30), // New York falls back at 06:00 UTC
      Date.UTC(2024, 10, 3, 3, 59),
      Date.UTC(2024, 3, 6, 15, 15), // Lord Howe: 30-minute shift
      Date.UTC(2024, 2, 31, 0, 59), // London springs forward at 01:00 UTC
    ];
    for (const zone of ["America/New_York", "Australia/Lord_Howe", "Europe/London", "Asia/Tokyo"]) {
      const calendar = createCalendar(zone);
      for (const first of at) {
        for (const firstFlags of [0, ORDER_CANCELLED, ORDER_TEST]) {
          // A guest's order first (dropped when cancelled or a test), then two customers'.
          const orders = {
            length: 4,
            customer: Int32Array.from([-1, 0, 0, 1]),
            processedAt: Float64Array.from([
              first,
              first + 7 * 3_600_000,
              first + 2.5 * DAY,
              first + 40 * DAY,
            ]),
            grossMinor: new Float64Array(4).fill(100),
            netMinor: new Float64Array(4).fill(100),
            flags: Uint8Array.from([firstFlags, 0, 0, 0]),
          };
          const history = buildPurchaseHistory(orders, 2, calendar);
          expect(ordersMinDay(orders, calendar.dayOf), `${zone} ${first}`).toBe(history.minDay);
        }
      }
    }
  });

  it("is NaN without an order the history reads", () => {
    const calendar = createCalendar("UTC");
    const orders = {
      length: 1,
      customer: Int32Array.from([0]),
      processedAt: Float64Array.from([END]),
      grossMinor: Float64Array.from([1]),
      netMinor: Float64Array.from([1]),
      flags: Uint8Array.from([ORDER_CANCELLED]),
    };
    expect(ordersMinDay(orders, calendar.dayOf)).toBeNaN();
    expect(buildPurchaseHistory(orders, 1, calendar).minDay).toBeNaN();
  });
});
