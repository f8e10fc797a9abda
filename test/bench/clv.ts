/**
 * Benchmark of the predictive CLV models on simulated shops.
 *
 *   npx tsx test/bench/clv.ts            # 100k and 1M customers
 *   npx tsx test/bench/clv.ts 250000     # chosen sizes
 *
 * Shops are simulated from BG/NBD + Gamma-Gamma themselves (seeded; ~4 orders per customer
 * over two years, 1 % cancelled orders, 2 % guest orders, 3 % partial refunds), then each stage
 * of fitClvModels is timed separately, then MBG/NBD and Pareto/NBD on the same rows, then the
 * model choice (all three fitted on the calibration period, scored on a 182-day holdout), the
 * holdout card of the chosen model (from the choice's fit) and the compute's refit with it.
 * Prints the process's peak RSS. `benchClv` is exported
 * for the combined `npm run bench`. Tests never assert these times.
 */
import { pathToFileURL } from "node:url";
import {
  chooseClvModel,
  churnReductionScenario,
  compressSummary,
  fitBgNbd,
  fitClvModels,
  fitGammaGamma,
  fitMbgNbd,
  fitParetoNbd,
  predictContext,
  predictWithContext,
  PURCHASE_MODELS,
  summarizeCustomers,
  validateHoldoutSummary,
} from "../../app/analytics/clv";
import { simulateOrders } from "../../app/analytics/clv/simulate";
import { everyKthCustomer, HOLDOUT_SAMPLE_CUSTOMERS } from "../../app/metrics/snapshot/pipeline";

const DAY = 86_400_000;
const START = Date.UTC(2023, 0, 1);
const END = Date.UTC(2025, 0, 1);
/** Per-day purchase process and per-order spend (minor units) of the simulated shops. */
const TRUTH = {
  bgnbd: { r: 0.8, alpha: 60, a: 0.7, b: 4 },
  gammaGamma: { p: 4, q: 5, gamma: 5000 },
};

export interface ClvBenchRow {
  readonly family: string;
  readonly ms: number;
  readonly detail: string;
  /** A breakdown of the row above: not added to the total. */
  readonly nested?: boolean;
}

export interface ClvBenchResult {
  readonly customers: number;
  readonly orders: number;
  readonly generateMs: number;
  readonly rows: readonly ClvBenchRow[];
  readonly totalMs: number;
  readonly peakRssMb: number;
  readonly notes: readonly string[];
}

const fmt = (n: number): string => n.toLocaleString("en-US");

/** Times each stage of the CLV pipeline on one simulated shop. */
export function benchClv(customers: number): ClvBenchResult {
  const g0 = performance.now();
  const orders = simulateOrders({ customers, seed: 2024, ...TRUTH, start: START, end: END });
  const generateMs = performance.now() - g0;
  const rows: ClvBenchRow[] = [];
  const time = <T>(family: string, run: () => T, detail: (value: T) => string): T => {
    const t0 = performance.now();
    const value = run();
    rows.push({ family, ms: performance.now() - t0, detail: detail(value) });
    return value;
  };
  const summary = time(
    "summary (orders → x, t_x, T, zbar)",
    () => summarizeCustomers(orders, { asOf: END - DAY }),
    (s) => `${fmt(s.repeatCustomerCount)} repeat buyers`,
  );
  const compressed = time(
    "compression to (x, t_x, T) rows",
    () => compressSummary(summary),
    (c) => `${fmt(c.length)} rows`,
  );
  const bg = time(
    "BG/NBD fit + standard errors",
    () => fitBgNbd(compressed),
    (f) => `${f.convergence.evaluations} passes over the rows, ${f.convergence.message}`,
  );
  const mbg = time(
    "MBG/NBD fit + standard errors",
    () => fitMbgNbd(compressed),
    (f) => `${f.convergence.evaluations} passes, ${f.convergence.message}`,
  );
  const pnbd = time(
    "Pareto/NBD fit + standard errors",
    () => fitParetoNbd(compressed),
    (f) => `${f.convergence.evaluations} passes, ${f.convergence.message}`,
  );
  const holdoutDays = 182;
  const split = time(
    "choice: summary with a 182-day holdout",
    () => summarizeCustomers(orders, { asOf: END - DAY, holdoutDays }),
    (s) => `${fmt(s.includedCount)} calibration customers`,
  );
  const choice = time(
    "choice: fit 3 models, forecast holdout",
    () => chooseClvModel(split, holdoutDays),
    (c) => `chose ${c.chosen ?? "none"}`,
  );
  for (const m of choice.models) {
    rows.push({
      family: `  ${m.label} on calibration`,
      ms: m.fitMs + m.forecastMs,
      detail: `fit ${m.fitMs.toFixed(0)} ms + forecast ${m.forecastMs.toFixed(0)} ms, RMSE ${m.holdout?.rmse.toFixed(4) ?? "—"}, MAE ${m.holdout?.mae.toFixed(4) ?? "—"}, ${m.quality.status}`,
      nested: true,
    });
  }
  const chosenName = choice.chosen ?? "bgnbd";
  time(
    "holdout card of the chosen model",
    () =>
      validateHoldoutSummary(split, holdoutDays, {
        model: PURCHASE_MODELS.find((m) => m.name === chosenName),
        fit: choice.models.find((m) => m.model === chosenName)?.fit ?? undefined,
      }),
    (v) => (v.status === "ok" ? `${v.label}, its calibration fit reused` : v.reason),
  );
  const spendData = { length: summary.customerCount, x: summary.x, zbar: summary.zbar };
  const gg = time(
    "Gamma-Gamma fit + standard errors",
    () => fitGammaGamma(spendData),
    (f) => `${fmt(f.customers)} customers, ${f.convergence.message}`,
  );
  const predicted = time(
    "predictions (P(alive), E[Y], AOV, CLV)",
    () => {
      const ctx = predictContext(summary, compressed);
      return { ctx, result: predictWithContext(ctx, bg.params, gg.params) };
    },
    (p) => `${fmt(p.ctx.pairs.length)} distinct (x, T)`,
  );
  const scenario = time(
    "churn scenario (−5 points)",
    () => churnReductionScenario(predicted.ctx, bg.params, gg.params, 5, {}),
    (s) => `CLV +${(s.clvGainShare * 100).toFixed(1)} %`,
  );
  // What the snapshot compute runs after the choice: BG/NBD (the fallback), the chosen model
  // refitted on all customers, Gamma-Gamma, predictions and one scenario with the chosen model.
  const computed = time(
    "compute: fitClvModels with the chosen model",
    () =>
      fitClvModels(orders, {
        asOf: END - DAY,
        purchaseModel: choice.chosen ?? "bgnbd",
        scenarios: [5],
      }),
    (m) =>
      m.status === "ok"
        ? `${m.purchase.label} predictions (refit ${m.timingsMs.purchaseFit.toFixed(0)} ms)`
        : m.reason,
  );
  rows[rows.length - 1] = { ...rows[rows.length - 1], nested: true };
  const computeMs = rows[rows.length - 1].ms;
  // The snapshot compute chooses on every k-th customer (≤ HOLDOUT_SAMPLE_CUSTOMERS) and
  // shows the chosen model's holdout card from that choice.
  const every = Math.max(1, Math.ceil(customers / HOLDOUT_SAMPLE_CUSTOMERS));
  time(
    "compute: choice + holdout card on the sample",
    () => {
      const sample = summarizeCustomers(every === 1 ? orders : everyKthCustomer(orders, every), {
        asOf: END - DAY,
        customerCount: Math.ceil(customers / every),
        holdoutDays,
      });
      const c = chooseClvModel(sample, holdoutDays);
      const name = c.chosen ?? "bgnbd";
      validateHoldoutSummary(sample, holdoutDays, {
        model: PURCHASE_MODELS.find((m) => m.name === name),
        fit: c.models.find((m) => m.model === name)?.fit ?? undefined,
      });
      return { c, n: sample.includedCount };
    },
    ({ c, n }) =>
      `every ${every}th customer: ${fmt(n)} calibration customers, chose ${c.chosen ?? "none"}`,
  );
  rows[rows.length - 1] = { ...rows[rows.length - 1], nested: true };
  const sampleChoiceMs = rows[rows.length - 1].ms;
  // The predictions' ranges as the snapshot compute asks for them: 11 groups (10 segments and
  // customers without one), the default draws and sample, three churn scenarios.
  const groupCount = 11;
  const groupOf = new Uint8Array(customers);
  for (let i = 0; i < customers; i++) groupOf[i] = i % groupCount;
  const withRanges = time(
    "compute: fitClvModels with ranges",
    () =>
      fitClvModels(orders, {
        asOf: END - DAY,
        purchaseModel: choice.chosen ?? "bgnbd",
        scenarios: [1, 2, 5],
        intervals: { groupOf, groupCount },
      }),
    (m) =>
      m.status === "ok" && m.intervals?.status === "ok"
        ? `ranges ${m.timingsMs.intervals.toFixed(0)} ms: ${m.intervals.draws} draws on ${fmt(m.intervals.sampledCustomers)} customers; shop 90-day purchases ${fmt(Math.round(m.intervals.shop.expectedPurchases90.lower))}–${fmt(Math.round(m.intervals.shop.expectedPurchases90.upper))} around ${fmt(Math.round(m.intervals.shop.expectedPurchases90.estimate))}`
        : "no ranges",
  );
  rows[rows.length - 1] = { ...rows[rows.length - 1], nested: true };
  void withRanges;
  const rangesComputeMs = rows[rows.length - 1].ms;
  void computed;
  const msOf = (prefix: string): number =>
    rows.filter((r) => !r.nested && r.family.startsWith(prefix)).reduce((t, r) => t + r.ms, 0);
  const modelsMs =
    msOf("BG/NBD fit") + msOf("MBG/NBD fit") + msOf("Pareto/NBD fit") + msOf("choice:");
  const p = bg.params;
  const se = bg.standardErrors;
  const pm = (v: number, s: number | undefined, d: number): string =>
    `${v.toFixed(d)}±${s === undefined ? "?" : s.toFixed(d)}`;
  return {
    customers,
    orders: orders.length,
    generateMs,
    rows,
    totalMs: rows.reduce((s, r) => s + (r.nested ? 0 : r.ms), 0),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    notes: [
      `BG/NBD r=${pm(p.r, se?.r, 3)} α=${pm(p.alpha, se?.alpha, 2)} a=${pm(p.a, se?.a, 3)} b=${pm(p.b, se?.b, 3)}, LL ${bg.logLikelihood.toFixed(1)} (simulated per order: ${JSON.stringify(TRUTH.bgnbd)}; day rounding, same-day merging and cancelled orders shift the estimates slightly)`,
      `MBG/NBD r=${mbg.params.r.toFixed(3)} α=${mbg.params.alpha.toFixed(2)} a=${mbg.params.a.toFixed(3)} b=${mbg.params.b.toFixed(3)}, LL ${mbg.logLikelihood.toFixed(1)}; Pareto/NBD r=${pnbd.params.r.toFixed(3)} α=${pnbd.params.alpha.toFixed(2)} s=${pnbd.params.s.toFixed(3)} β=${pnbd.params.beta.toFixed(1)}, LL ${pnbd.logLikelihood.toFixed(1)}`,
      `model choice: ${choice.reason}; naive x/T forecast RMSE ${choice.naive.rmse.toFixed(4)}`,
      `fitting all three models on all rows + holdout choice (goal ≤ 3 s at 1M customers): ${modelsMs.toFixed(0)} ms`,
      `compute path as the snapshot runs it (choice + holdout card on ≤ ${fmt(HOLDOUT_SAMPLE_CUSTOMERS)} sampled customers, then fitClvModels with the chosen model on all): ${(sampleChoiceMs + computeMs).toFixed(0)} ms; with three scenarios and their ranges: ${(sampleChoiceMs + rangesComputeMs).toFixed(0)} ms`,
      `Gamma-Gamma p=${gg.params.p.toFixed(3)} q=${gg.params.q.toFixed(3)} γ=${gg.params.gamma.toFixed(0)} (per order: ${JSON.stringify(TRUTH.gammaGamma)})`,
      `total 12-month CLV ${fmt(Math.round(predicted.result.totals.clv / 100))} (major units), ${scenario.clamped ? "clamped" : "unclamped"} scenario`,
    ],
  };
}

export function formatClvBench(result: ClvBenchResult): string {
  const width = Math.max(...result.rows.map((r) => r.family.length), 28);
  const line = (label: string, value: string, detail = ""): string =>
    `  ${label.padEnd(width)}  ${value.padStart(8)}  ${detail}`;
  return [
    `${fmt(result.customers)} customers, ${fmt(result.orders)} orders (simulated in ${result.generateMs.toFixed(0)} ms)`,
    line("CLV stage", "ms"),
    line("-".repeat(width), "-".repeat(8)),
    ...result.rows.map((r) => line(r.family, r.ms.toFixed(1), r.detail)),
    line("-".repeat(width), "-".repeat(8)),
    line("total predictive CLV", result.totalMs.toFixed(1)),
    line("peak RSS of the process (MB)", result.peakRssMb.toFixed(0)),
    ...result.notes.map((n) => `  ${n}`),
  ].join("\n");
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  for (const size of sizes.length > 0 ? sizes : [100_000, 1_000_000]) {
    console.log(formatClvBench(benchClv(size)));
    console.log();
  }
}
