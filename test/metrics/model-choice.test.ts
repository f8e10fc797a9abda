/**
 * The compute's purchase-model choice (pipeline.ts runChoice → fitClvModels → clv-block.ts),
 * tested by invariants, never by which model wins: on simulated shops BG/NBD, MBG/NBD and
 * Pareto/NBD often tie within noise, so the winner depends on the seed.
 */
import { describe, expect, it } from "vitest";
import { createCalendar } from "../../app/analytics";
import {
  chooseClvModel,
  fitClvModels,
  MBGNBD_MODEL,
  PURCHASE_MODELS,
  summarizeCustomers,
  validateHoldoutSummary,
  type PredictionTotals,
} from "../../app/analytics/clv";
import type { OrderTable } from "../../app/analytics/types";
import { simulateOrders } from "../../app/analytics/clv/simulate";
import { parseSnapshot, parseSummary, summaryOf } from "../../app/metrics/snapshot/codec";
import { buildShopSnapshot, SCENARIO_POINTS } from "../../app/metrics/snapshot/pipeline";
import type { SnapshotInput } from "../../app/metrics/snapshot/stages";
import { SNAPSHOT_VERSION, type ClvOk, type ShopSnapshot } from "../../app/metrics/snapshot/types";
import { settingsSchema } from "../../app/settings";

const DAY = 86_400_000;
const END = Date.UTC(2025, 0, 1);
const SPEND = { p: 4, q: 5, gamma: 5000 };

function shop(options: {
  customers: number;
  seed: number;
  a: number;
  b: number;
  start?: number;
  dropAfterFirst?: boolean;
}): SnapshotInput {
  const orders = simulateOrders({
    customers: options.customers,
    seed: options.seed,
    bgnbd: { r: 0.8, alpha: 60, a: options.a, b: options.b },
    gammaGamma: SPEND,
    start: options.start ?? Date.UTC(2023, 0, 1),
    end: END,
    dropAfterFirst: options.dropAfterFirst,
  });
  return {
    orders,
    customers: { count: options.customers, createdAt: new Float64Array(options.customers) },
    timeZone: "UTC",
    currency: "USD",
    asOf: END - DAY,
    settings: settingsSchema.parse({ minSegmentCustomers: 1 }),
    npsResponses: [],
    marketingSpend: [],
  };
}

function clvOf(snapshot: ShopSnapshot): ClvOk {
  if (snapshot.clv.status !== "ok")
    throw new Error(`expected a fitted model: ${snapshot.clv.reason}`);
  return snapshot.clv;
}

describe("the compute chooses the purchase model by holdout error (invariants)", () => {
  // Shops simulated with drop-out, three seeds: whichever model wins, the rules hold.
  const builds = [11, 12, 13].map((seed) => ({
    seed,
    input: shop({ customers: 2000, seed, a: 0.7, b: 4 }),
  }));

  for (const { seed, input } of builds) {
    it(`seed ${seed}: the chosen model converged, has the least holdout RMSE among converged models, and makes the predictions`, () => {
      const { snapshot, perCustomer } = buildShopSnapshot(input);
      const clv = clvOf(snapshot);
      const choice = clv.modelChoice;
      expect(choice.status).toBe("compared");
      expect(choice.models.map((m) => m.model)).toEqual(PURCHASE_MODELS.map((m) => m.name));
      for (const row of choice.models) {
        expect(row.reason.length).toBeGreaterThan(0);
        expect(["converged", "not-identified", "too-little-data"]).toContain(row.status);
        if (row.status === "not-identified") expect(choice.chosen).not.toBe(row.model);
      }
      const converged = choice.models.filter((m) => m.status === "converged" && m.rmse !== null);
      expect(converged.length).toBeGreaterThan(0);
      const chosen = choice.models.find((m) => m.model === choice.chosen);
      expect(chosen?.status).toBe("converged");
      for (const row of converged) expect(chosen!.rmse!).toBeLessThanOrEqual(row.rmse!);
      expect(choice.reason).toContain(chosen!.label);
      // The chosen model, refitted on all customers, makes the predictions (or BG/NBD with
      // the refit's reason).
      expect(clv.purchaseModel.model).toBe(choice.used);
      if (choice.used !== choice.chosen) {
        expect(choice.fallback).toBe(true);
        expect(choice.reason).toMatch(/BG\/NBD is used/);
      } else expect(choice.fallback).toBe(false);
      const utc = createCalendar("UTC");
      const direct = fitClvModels(input.orders, {
        purchaseModel: choice.used,
        asOf: input.asOf,
        dayOf: utc.dayOf,
        customerCount: input.customers.count,
        horizonMonths: input.settings.clvHorizonMonths,
        annualDiscountRate: input.settings.annualDiscountRate,
        scenarios: SCENARIO_POINTS,
      });
      if (direct.status !== "ok") throw new Error("expected ok");
      expect(direct.purchase.model).toBe(choice.used);
      expect(clv.purchaseModel.params).toEqual({ ...direct.purchase.fit.params });
      expect(clv.totals).toEqual(direct.predictions.totals);
      for (let c = 0; c < perCustomer.count; c++) {
        if (direct.predictions.perCustomer.included[c] === 0) continue;
        expect(perCustomer.pAlive[c]).toBe(direct.predictions.perCustomer.pAlive[c]);
      }
      // Only BG/NBD fixes one-time buyers' P(alive) at 1, and the snapshot says which it is.
      expect(clv.purchaseModel.oneTimeBuyersSurelyAlive).toBe(choice.used === "bgnbd");
      expect(clv.purchaseModel.quality?.status).toBe(direct.purchase.quality.status);
      // The holdout card and the scenarios are the used model's too.
      if (clv.holdout.status !== "ok") throw new Error("expected a holdout check");
      expect(clv.holdout.model).toBe(choice.used);
      expect(clv.holdout.label).toBe(clv.purchaseModel.label);
      const usedRow = choice.models.find((m) => m.model === choice.used)!;
      expect(clv.holdout.rmse).toBe(usedRow.rmse);
      expect(clv.holdout.mae).toBe(usedRow.mae);
      expect(clv.scenarios.map((s) => s.model)).toEqual(SCENARIO_POINTS.map(() => choice.used));
      expect(clv.scenarios.map((s) => s.clvGain)).toEqual(direct.scenarios.map((s) => s.clvGain));
      for (const s of clv.scenarios) expectSameTotals(s.baseline, clv.totals);
    });
  }

  it("every model not identified (nobody drops out): BG/NBD as the fallback, with the reason", () => {
    // Drop-out probability ~ Beta(0.001, 1e5): no drop-out. BG/NBD and MBG/NBD run to b → ∞,
    // Pareto/NBD to s, β → ∞: none is identified.
    const { snapshot } = buildShopSnapshot(shop({ customers: 3000, seed: 11, a: 0.001, b: 1e5 }));
    const clv = clvOf(snapshot);
    const choice = clv.modelChoice;
    expect(choice.status).toBe("compared");
    expect(choice.models.map((m) => m.status)).toEqual([
      "not-identified",
      "not-identified",
      "not-identified",
    ]);
    for (const row of choice.models) {
      expect(row.rmse).not.toBeNull();
      expect(row.reason).toMatch(/is not identified/);
    }
    expect(choice.models[2].reason).toMatch(/run to infinity/);
    expect(choice.chosen).toBeNull();
    expect(choice.used).toBe("bgnbd");
    expect(choice.fallback).toBe(true);
    expect(choice.reason).toMatch(/No model has a trustworthy fit/);
    expect(choice.reason).toMatch(/BG\/NBD is used as the fallback/);
    expect(clv.purchaseModel.model).toBe("bgnbd");
    // …and BG/NBD is not identified on all customers either: stored, so the page says so.
    expect(clv.purchaseModel.quality?.status).toBe("not-identified");
    expect(clv.purchaseModel.quality?.reason).toMatch(/BG\/NBD is not identified/);
    // The model used is not identified on all customers either: no ranges, and why.
    expect(clv.intervals).toMatchObject({ status: "unavailable", code: "not-identified" });
    expect(clv.intervals?.status === "unavailable" && clv.intervals.reason).toMatch(
      /is not identified/,
    );
  });

  it("a history too short for a holdout: not compared, BG/NBD, with the reason", () => {
    const input = shop({ customers: 1500, seed: 5, a: 0.7, b: 4, start: END - 70 * DAY });
    const clv = clvOf(buildShopSnapshot(input).snapshot);
    expect(clv.modelChoice.status).toBe("not-compared");
    expect(clv.modelChoice.used).toBe("bgnbd");
    expect(clv.modelChoice.fallback).toBe(true);
    expect(clv.modelChoice.reason).toMatch(/without a holdout comparison: \d+ days of orders/);
    for (const row of clv.modelChoice.models) {
      expect(row.status).toBe("not-compared");
      expect(row.rmse).toBeNull();
    }
    // The holdout card says the history is short (and that is the real reason here).
    expect(clv.holdout).toMatchObject({ status: "insufficient-data", code: "short-history" });
  });

  it("too few repeat buyers before the holdout: the card says so, not a short history", () => {
    // Two years of orders; 10 customers bought again before the holdout window, 40 more only
    // inside it, 150 bought once: 50 repeat buyers in all (enough for predictions), 10 before
    // the holdout (too few to compare the models or to check one).
    const days: number[][] = [];
    for (let c = 0; c < 10; c++) days.push([c, 30 + c]);
    for (let c = 0; c < 40; c++) days.push([10 + c, 650 + c]);
    for (let c = 0; c < 150; c++) days.push([4 * c + 1]);
    const orders = ordersOf(days);
    const input = shop({ customers: 1, seed: 1, a: 0.7, b: 4 });
    const { snapshot } = buildShopSnapshot({
      ...input,
      orders,
      customers: { count: days.length, createdAt: new Float64Array(days.length) },
      asOf: START + 730 * DAY,
    });
    const clv = clvOf(snapshot);
    expect(clv.customers.repeat).toBe(50);
    expect(clv.modelChoice.status).toBe("compared");
    expect(clv.modelChoice.models.map((m) => m.status)).toEqual([
      "too-little-data",
      "too-little-data",
      "too-little-data",
    ]);
    expect(clv.modelChoice.used).toBe("bgnbd");
    expect(clv.holdout).toMatchObject({
      status: "insufficient-data",
      code: "too-few-repeat-buyers",
      repeatCustomers: 10,
      requiredRepeatCustomers: 30,
    });
    expect(clv.holdout.status === "insufficient-data" && clv.holdout.reason).toMatch(
      /^10 customers with a repeat purchase before the holdout/,
    );
  });
});

const START = Date.UTC(2023, 0, 1);

/** Scenario baselines sum per row, the predictions per customer: equal up to rounding. */
function expectSameTotals(a: PredictionTotals, b: PredictionTotals): void {
  expect(a.customers).toBe(b.customers);
  for (const key of Object.keys(b) as (keyof PredictionTotals)[]) {
    expect(Math.abs(a[key] - b[key])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b[key])));
  }
}

/** Orders on the given days after START (one list per customer, in order). */
function ordersOf(days: readonly (readonly number[])[]): OrderTable {
  const length = days.reduce((n, d) => n + d.length, 0);
  const out = {
    length,
    customer: new Int32Array(length),
    processedAt: new Float64Array(length),
    grossMinor: new Float64Array(length).fill(5000),
    netMinor: new Float64Array(length).fill(5000),
    flags: new Uint8Array(length),
  };
  let i = 0;
  days.forEach((list, c) => {
    for (const d of list) {
      out.customer[i] = c;
      out.processedAt[i] = START + d * DAY + 12 * 3_600_000;
      i++;
    }
  });
  return out;
}

describe("a shop whose chosen model is MBG/NBD", () => {
  // Customers may also leave right after their first purchase (MBG/NBD's process); the
  // comparison is narrowed to MBG/NBD so the choice does not depend on the seed.
  const input: SnapshotInput = {
    ...shop({ customers: 2000, seed: 3, a: 2, b: 2, dropAfterFirst: true }),
    purchaseModels: ["mbgnbd"],
  };
  const { snapshot } = buildShopSnapshot(input);
  const clv = clvOf(snapshot);
  const utc = createCalendar("UTC");

  it("predicts with MBG/NBD", () => {
    expect(clv.modelChoice).toMatchObject({ chosen: "mbgnbd", used: "mbgnbd", fallback: false });
    expect(clv.purchaseModel).toMatchObject({ model: "mbgnbd", label: "MBG/NBD" });
    expect(clv.purchaseModel.quality?.status).toBe("converged");
  });

  it("gets a holdout block from MBG/NBD: its calibration fit, errors and curve", () => {
    if (clv.holdout.status !== "ok") throw new Error("expected a holdout check");
    expect(clv.holdout).toMatchObject({ model: "mbgnbd", label: "MBG/NBD", sampleEvery: 1 });
    const row = clv.modelChoice.models.find((m) => m.model === "mbgnbd")!;
    expect(clv.holdout.rmse).toBe(row.rmse);
    // The same check run directly: MBG/NBD fitted on the calibration period of every customer.
    const summary = summarizeCustomers(input.orders, {
      asOf: input.asOf,
      dayOf: utc.dayOf,
      customerCount: input.customers.count,
      holdoutDays: clv.holdout.holdoutDays,
    });
    const direct = validateHoldoutSummary(summary, clv.holdout.holdoutDays, {
      model: MBGNBD_MODEL,
    });
    if (direct.status !== "ok") throw new Error("expected a direct check");
    expect(direct.model).toBe("mbgnbd");
    expect(clv.holdout.params).toEqual({ ...direct.fit.params });
    expect(clv.holdout.rmse).toBe(direct.rmse);
    expect(clv.holdout.predictedTotal).toBe(direct.predictedTotal);
    expect(clv.holdout.byFrequency).toEqual(direct.byFrequency);
    // …and it is the model choice's own error for MBG/NBD on the same sample.
    const choice = chooseClvModel(summary, clv.holdout.holdoutDays, { models: ["mbgnbd"] });
    expect(choice.models[0].holdout?.rmse).toBe(direct.rmse);
    // Its curve differs from BG/NBD's: one-time buyers are forecast below BG/NBD's.
    const bg = validateHoldoutSummary(summary, clv.holdout.holdoutDays);
    if (bg.status !== "ok") throw new Error("expected BG/NBD's check");
    expect(clv.holdout.byFrequency[0].predictedMean).toBeLessThan(bg.byFrequency[0].predictedMean);
  });

  it("gets its scenarios from MBG/NBD's drop-out", () => {
    const direct = fitClvModels(input.orders, {
      purchaseModel: "mbgnbd",
      asOf: input.asOf,
      dayOf: utc.dayOf,
      customerCount: input.customers.count,
      horizonMonths: input.settings.clvHorizonMonths,
      annualDiscountRate: input.settings.annualDiscountRate,
      scenarios: SCENARIO_POINTS,
    });
    if (direct.status !== "ok") throw new Error("expected ok");
    const p = direct.purchase.fit.params as { a: number; b: number; r: number; alpha: number };
    expect(clv.scenarios.map((s) => s.points)).toEqual([...SCENARIO_POINTS]);
    let previous = 0;
    for (const s of clv.scenarios) {
      expect(s.model).toBe("mbgnbd");
      expect(s.baselineDropout).toBeCloseTo(p.a / (p.a + p.b), 12);
      expect(s.scenarioDropout).toBeCloseTo(p.a / (p.a + p.b) - s.points / 100, 12);
      expect(s.params.a + s.params.b).toBeCloseTo(p.a + p.b, 10);
      expectSameTotals(s.baseline, clv.totals);
      expect(s.clvGain).toBeGreaterThan(previous);
      previous = s.clvGain;
    }
    expect(clv.scenarios.map((s) => s.clvGain)).toEqual(direct.scenarios.map((s) => s.clvGain));
    // Not BG/NBD's: its baseline drop-out is another model's.
    const bg = fitClvModels(input.orders, {
      asOf: input.asOf,
      dayOf: utc.dayOf,
      customerCount: input.customers.count,
      scenarios: [1],
    });
    if (bg.status !== "ok") throw new Error("expected ok");
    expect(bg.scenarios[0].baselineDropout).not.toBeCloseTo(clv.scenarios[0].baselineDropout, 6);
  });
});

describe("snapshot codec with the model choice", () => {
  const { snapshot } = buildShopSnapshot(shop({ customers: 1500, seed: 3, a: 0.7, b: 4 }));

  it("round-trips the current version unchanged", () => {
    expect(snapshot.version).toBe(SNAPSHOT_VERSION);
    expect(parseSnapshot(JSON.stringify(snapshot))).toEqual(snapshot);
    const summary = summaryOf(snapshot);
    expect(parseSummary(JSON.stringify(summary))).toEqual(summary);
  });

  it("reads a version-1 snapshot (BG/NBD only, no model choice) as BG/NBD, not compared", () => {
    const clv = clvOf(snapshot);
    const { modelChoice: _choice, purchaseModel: _model, ...oldClv } = clv;
    const old = { ...snapshot, version: 1, clv: oldClv };
    const read = parseSnapshot(JSON.stringify(old));
    expect(read).not.toBeNull();
    expect(read!.version).toBe(SNAPSHOT_VERSION);
    const upgraded = clvOf(read!);
    expect(upgraded.modelChoice).toMatchObject({
      status: "not-compared",
      chosen: null,
      used: "bgnbd",
      fallback: true,
    });
    expect(upgraded.modelChoice.reason).toMatch(/snapshot version 1/);
    expect(upgraded.modelChoice.models.map((m) => m.status)).toEqual([
      "not-compared",
      "not-compared",
      "not-compared",
    ]);
    expect(upgraded.purchaseModel).toMatchObject({
      model: "bgnbd",
      oneTimeBuyersSurelyAlive: true,
      params: { ...clv.bgnbd.params },
      logLikelihood: clv.bgnbd.logLikelihood,
    });
    // Everything else is as stored.
    const { modelChoice: _c, purchaseModel: _p, ...rest } = upgraded;
    expect(rest).toEqual(oldClv);
    expect({ ...read!, clv: null }).toEqual({ ...snapshot, clv: null });
    // A version-1 summary has this version's shape.
    const summary = summaryOf(snapshot);
    expect(parseSummary(JSON.stringify({ ...summary, version: 1 }))).toEqual(summary);
    // An insufficient-data block of version 1 reads unchanged.
    const insufficient = { ...snapshot, version: 1, clv: { status: "insufficient-data" } };
    expect(parseSnapshot(JSON.stringify(insufficient))?.clv).toEqual({
      status: "insufficient-data",
    });
  });

  it("stores the predictions' ranges per segment and for the shop, around the point values", () => {
    const clv = clvOf(snapshot);
    const iv = clv.intervals;
    if (iv === undefined || iv.status !== "ok") throw new Error(`no ranges: ${JSON.stringify(iv)}`);
    expect(iv.level).toBe(0.95);
    expect(iv.shop.customers).toBe(clv.customers.included);
    expect(iv.shop.clvMinor.estimate / clv.totals.clv).toBeCloseTo(1, 9);
    expect(iv.shop.averageClvMinor.estimate / clv.averages.clvMinor!).toBeCloseTo(1, 9);
    expect(iv.shop.expectedPurchases90.estimate / clv.totals.expectedPurchases90).toBeCloseTo(1, 9);
    const ruleIds = snapshot.segments.rows.map((r) => r.id);
    let customers = 0;
    for (const s of iv.segments) {
      expect([...ruleIds, "none"]).toContain(s.segment);
      customers += s.customers;
      for (const v of [s.averageClvMinor, s.averageExpectedPurchases90, iv.shop.clvMinor]) {
        expect(v.lower).toBeLessThanOrEqual(v.estimate);
        expect(v.upper).toBeGreaterThanOrEqual(v.estimate);
        expect(v.upper).toBeGreaterThan(v.lower);
      }
      // A segment's average is the segments block's average predicted LTV.
      const row = snapshot.segments.rows.find((r) => r.id === s.segment);
      if (row && row.averagePredictedClvMinor !== null) {
        expect(s.averageClvMinor.estimate / row.averagePredictedClvMinor).toBeCloseTo(1, 9);
      }
    }
    expect(customers).toBe(iv.shop.customers);
    expect(iv.scenarios!.map((s) => s.points)).toEqual(clv.scenarios.map((s) => s.points));
    iv.scenarios!.forEach((s, j) => {
      expect(s.clvGain.estimate).toBe(clv.scenarios[j].clvGain);
      expect(s.clvGain.lower).toBeLessThan(s.clvGain.estimate);
      expect(s.clvGain.upper).toBeGreaterThan(s.clvGain.estimate);
    });
    // Deterministic: the same shop gives the same ranges.
    const again = buildShopSnapshot(shop({ customers: 1500, seed: 3, a: 0.7, b: 4 })).snapshot;
    expect(clvOf(again).intervals).toEqual(iv);
  });

  it("reads a snapshot stored before the ranges: no intervals, everything else as stored", () => {
    const { intervals: _ranges, ...before } = clvOf(snapshot);
    const read = parseSnapshot(JSON.stringify({ ...snapshot, clv: before }));
    expect(read).not.toBeNull();
    expect(clvOf(read!).intervals).toBeUndefined();
    expect(read!.clv).toEqual(before);
  });

  it("does not read other versions or bad text", () => {
    expect(parseSnapshot(JSON.stringify({ ...snapshot, version: 0 }))).toBeNull();
    expect(
      parseSnapshot(JSON.stringify({ ...snapshot, version: SNAPSHOT_VERSION + 1 })),
    ).toBeNull();
    expect(parseSnapshot("{")).toBeNull();
    expect(parseSummary(null)).toBeNull();
  });
});

describe("fitClvModels with another purchase model", () => {
  const input = shop({ customers: 1500, seed: 21, a: 0.7, b: 4 });
  const utc = createCalendar("UTC");
  const options = { asOf: input.asOf, dayOf: utc.dayOf, customerCount: 1500, scenarios: [5] };

  for (const name of ["mbgnbd", "pareto-nbd"] as const) {
    it(`${name}: its own P(alive) (below 1 for one-time buyers), expectations and scenarios`, () => {
      const models = fitClvModels(input.orders, { ...options, purchaseModel: name });
      const bg = fitClvModels(input.orders, options);
      if (models.status !== "ok" || bg.status !== "ok") throw new Error("expected ok");
      expect(models.purchase.model).toBe(name);
      expect(models.purchase.fallbackReason).toBeNull();
      expect(models.purchase.quality.status).toBe("converged");
      const model = PURCHASE_MODELS.find((m) => m.name === name)!;
      const p = models.predictions.perCustomer;
      let oneTime = 0;
      for (let c = 0; c < 1500; c++) {
        if (p.included[c] === 0) continue;
        expect(p.pAlive[c]).toBeGreaterThan(0);
        expect(p.pAlive[c]).toBeLessThanOrEqual(1);
        expect(p.clv[c]).toBeGreaterThanOrEqual(0);
        expect(Number.isFinite(p.expectedPurchases90[c])).toBe(true);
      }
      // One-time buyers: P(alive) < 1 under this model (1 under BG/NBD by construction).
      const bp = bg.predictions.perCustomer;
      const { x, tx, T } = summaryRows(models);
      for (let c = 0; c < 1500; c++) {
        if (p.included[c] === 0 || x[c] !== 0 || T[c] <= 30) continue;
        oneTime++;
        expect(bp.pAlive[c]).toBe(1);
        expect(p.pAlive[c]).toBeLessThan(1);
        expect(p.pAlive[c]).toBeCloseTo(
          model.pAlive(models.purchase.fit.params as never, x[c], tx[c], T[c]),
          12,
        );
      }
      expect(oneTime).toBeGreaterThan(0);
      // The scenarios lower this model's drop-out, from its own predictions.
      expect(models.scenarios[0].model).toBe(name);
      expect(models.scenarios[0].baseline.clv).toBeCloseTo(models.predictions.totals.clv, 4);
      expect(models.scenarios[0].scenarioDropout).toBeCloseTo(
        models.scenarios[0].baselineDropout - 0.05,
        9,
      );
      expect(models.scenarios[0].clvGain).toBeGreaterThan(0);
      expect(bg.scenarios[0].model).toBe("bgnbd");
    });
  }

  function summaryRows(models: { calibrationEndDay: number; unit: string }) {
    // Per-customer (x, t_x, T) as fitClvModels summarised them.
    const summary = summarizeCustomers(input.orders, {
      asOf: input.asOf,
      dayOf: utc.dayOf,
      customerCount: 1500,
    });
    expect(summary.calibrationEndDay).toBe(models.calibrationEndDay);
    return { x: summary.x, tx: summary.tx, T: summary.T };
  }
});
