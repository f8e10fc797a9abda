/**
 * Benchmark of the descriptive analytics on synthetic shops.
 *
 *   npx tsx test/bench/analytics.ts            # 100k and 1M customers
 *   npx tsx test/bench/analytics.ts 250000     # chosen sizes
 *
 * Shops are generated in-process (seeded, ~4 orders per customer over three years, Tokyo
 * time, with guests, cancellations, test orders, refunds and 5 % subscribers). Prints the
 * time of each metric family and the process's peak RSS. `benchDescriptive` is exported for
 * the combined `npm run bench`.
 */
import { pathToFileURL } from "node:url";
import {
  acquisitionReport,
  attributeCustomers,
  buildPurchaseHistory,
  customerFacts,
  DEFAULT_CHANNEL_RULES,
  entryProductReport,
  entryTypeReport,
  entryCollectionReport,
  cacByMonth,
  cohortRetention,
  compareWithTargets,
  computeRfm,
  continuationByCohort,
  createCalendar,
  f2Conversion,
  historicalLtvCurve,
  lifetimeRange,
  lineIndexByOrder,
  migrationCuts,
  ltvToCac,
  modelChurnShare,
  monthlyChurnFromSeries,
  monthRange,
  nps,
  npsByCohort,
  npsBySegment,
  ORDER_CANCELLED,
  ORDER_SUBSCRIPTION,
  ORDER_TEST,
  parseDay,
  parseMonth,
  paybackMonths,
  purchaseProducts,
  periodTrends,
  pareto,
  repeatRate,
  rfmGrid,
  secondPurchaseSurvival,
  segmentMigration,
  summarizeSegments,
  yearRange,
  yoyMigration,
} from "../../app/analytics/index";
import { cohortCutsStage, predictedLtvByCut } from "../../app/metrics/snapshot/cohort-cuts-block";
import type { AcquisitionStage, CohortCutsStage, Context } from "../../app/metrics/snapshot/stages";
import { storedLayouts } from "../../app/metrics/snapshot/trends-block";
import { MAX_CAMPAIGN_MONTH_CAMPAIGNS } from "../../app/metrics/snapshot/types";
import type {
  AttributionColumns,
  CustomerChannels,
  LineItemTable,
  MarketingSpend,
  Metric,
  NpsResponse,
  OrderTable,
} from "../../app/analytics/index";

const DAY = 86_400_000;
const START = Date.parse("2022-01-01T00:00:00+09:00");
const END = Date.parse("2025-01-01T00:00:00+09:00");

/** Small fast seeded PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface SyntheticShop {
  readonly orders: OrderTable;
  readonly customers: number;
  readonly responses: NpsResponse[];
  readonly spend: MarketingSpend[];
  readonly channels: CustomerChannels;
  /** Per-order first touch (dictionary-encoded) and line items over 200 products. */
  readonly attribution: AttributionColumns;
  readonly lineItems: LineItemTable;
  readonly products: readonly string[];
}

/** First touches as Shopify reports them, with their share of orders. */
const TOUCHES: readonly {
  share: number;
  source?: number;
  medium?: number;
  host?: number;
  pos?: boolean;
}[] = [
  { share: 0.3 },
  { share: 0.2, source: 0, medium: 0 },
  { share: 0.1, source: 1, medium: 1 },
  { share: 0.1, host: 1 },
  { share: 0.05, source: 3 },
  { share: 0.05, source: 4, medium: 2 },
  { share: 0.05, source: 5, medium: 0 },
  { share: 0.05, pos: true },
  { share: 0.1, host: 0 },
];

/**
 * Attribution columns and line items for the orders, from their own stream (rng(seed + 2))
 * so the other families' shops stay the same. Campaigns go with the paid touches.
 */
function syntheticTouches(
  orders: number,
  seed: number,
): Pick<SyntheticShop, "attribution" | "lineItems" | "products"> {
  const random = rng(seed + 2);
  const source = new Int32Array(orders).fill(-1);
  const medium = new Int32Array(orders).fill(-1);
  const campaign = new Int32Array(orders).fill(-1);
  const host = new Int32Array(orders).fill(-1);
  const handle = new Int32Array(orders);
  const items = new Int32Array(orders * 3);
  const itemOrder = new Int32Array(orders * 3);
  let lines = 0;
  for (let i = 0; i < orders; i++) {
    let u = random();
    let t = 0;
    while (t < TOUCHES.length - 1 && u >= TOUCHES[t].share) u -= TOUCHES[t++].share;
    const touch = TOUCHES[t];
    if (touch.source !== undefined) source[i] = touch.source;
    if (touch.medium !== undefined) {
      medium[i] = touch.medium;
      campaign[i] = Math.floor(random() * 50);
    }
    if (touch.host !== undefined) host[i] = touch.host;
    handle[i] = touch.pos === true ? 1 : 0;
    // 1–3 line items; product popularity skewed (a few entry products dominate).
    const count = 1 + (random() < 0.4 ? 1 : 0) + (random() < 0.15 ? 1 : 0);
    for (let k = 0; k < count; k++) {
      itemOrder[lines] = i;
      items[lines++] = Math.floor(200 * random() * random());
    }
  }
  const campaigns = Array.from({ length: 50 }, (_, k) => `campaign_${k}`);
  return {
    attribution: {
      utmSource: {
        dictionary: ["google", "facebook", "instagram", "line", "newsletter", "yahoo"],
        code: source,
      },
      utmMedium: { dictionary: ["cpc", "paid", "email", "social"], code: medium },
      utmCampaign: { dictionary: campaigns, code: campaign },
      referrerHost: {
        dictionary: ["www.google.com", "l.instagram.com", "www.google.co.jp", "t.co"],
        code: host,
      },
      channelHandle: { dictionary: ["online_store", "pos"], code: handle },
    },
    lineItems: {
      length: lines,
      order: itemOrder.subarray(0, lines),
      product: items.subarray(0, lines),
      // As the loader gives them (load-builder.ts): lines by order, with their index.
      orderStart: lineIndexByOrder(itemOrder, lines, orders)!,
    },
    products: Array.from({ length: 200 }, (_, k) => `gid://shopify/Product/${1000 + k}`),
  };
}

/** A shop with `customers` customers and ~4 orders each, sorted as OrderTable requires. */
export function syntheticShop(customers: number, seed = 42): SyntheticShop {
  const random = rng(seed);
  const span = END - START;
  // Orders per customer: 1 + geometric (mean 4), subscribers ~monthly.
  const counts = new Uint16Array(customers);
  const subscriber = new Uint8Array(customers);
  const first = new Float64Array(customers);
  let total = 0;
  for (let c = 0; c < customers; c++) {
    subscriber[c] = random() < 0.05 ? 1 : 0;
    first[c] = START + random() * span * 0.9;
    let k = 1;
    while (random() < 0.75 && k < 60) k++;
    counts[c] = k;
    total += k;
  }
  const guests = Math.round(total * 0.05);
  total += guests;

  const customer = new Int32Array(total);
  const processedAt = new Float64Array(total);
  const grossMinor = new Float64Array(total);
  const netMinor = new Float64Array(total);
  const flags = new Uint8Array(total);
  let row = 0;
  const amount = (): number => 100 * Math.round(20 + 100 * random() * random());
  const fill = (c: number, at: number, sub: boolean): void => {
    customer[row] = c;
    processedAt[row] = at;
    const gross = amount();
    grossMinor[row] = gross;
    const u = random();
    // 3 % fully refunded, 5 % partly refunded.
    netMinor[row] = u < 0.03 ? 0 : u < 0.08 ? Math.round(gross * 0.5) : gross;
    const v = random();
    flags[row] =
      (v < 0.02 ? ORDER_CANCELLED : v < 0.022 ? ORDER_TEST : 0) | (sub ? ORDER_SUBSCRIPTION : 0);
    row++;
  };
  const guestTimes = new Float64Array(guests);
  for (let i = 0; i < guests; i++) guestTimes[i] = START + random() * span;
  guestTimes.sort();
  for (let i = 0; i < guests; i++) fill(-1, guestTimes[i], false);
  for (let c = 0; c < customers; c++) {
    let at = first[c];
    const k = counts[c];
    const meanGap = subscriber[c] ? 30 * DAY : ((END - at) / (k + 1)) * 1.2;
    let written = 0;
    for (let j = 0; j < k && at < END; j++) {
      fill(c, at, subscriber[c] === 1);
      written++;
      // A few same-day repeat orders; otherwise exponential gaps.
      at +=
        random() < 0.03
          ? 3_600_000
          : subscriber[c]
            ? meanGap * (0.9 + 0.2 * random())
            : -Math.log(1 - random()) * meanGap;
    }
    counts[c] = written;
  }

  const responses: NpsResponse[] = [];
  const answer = rng(seed + 1);
  for (let c = 0; c < customers; c += 10) {
    responses.push({
      score: Math.min(10, Math.floor(answer() * 11.5)),
      respondedAt: first[c] + 7 * DAY,
      customer: c,
    });
  }
  const spend: MarketingSpend[] = [];
  const channelNames = ["instagram", "google", "affiliate"];
  for (let m = parseMonth("2022-01"); m <= parseMonth("2024-12"); m++) {
    for (const channel of channelNames) {
      const year = Math.floor(m / 12);
      const month = `${year}-${String(m - year * 12 + 1).padStart(2, "0")}`;
      spend.push({ month, channel, amountMinor: Math.round(customers * 30 * (0.5 + random())) });
    }
  }
  const code = new Int32Array(customers);
  for (let c = 0; c < customers; c++) code[c] = random() < 0.2 ? -1 : Math.floor(random() * 3);

  return {
    orders: {
      length: row,
      customer: customer.subarray(0, row),
      processedAt: processedAt.subarray(0, row),
      grossMinor: grossMinor.subarray(0, row),
      netMinor: netMinor.subarray(0, row),
      flags: flags.subarray(0, row),
    },
    customers,
    responses,
    spend,
    channels: { names: channelNames, code },
    ...syntheticTouches(row, seed),
  };
}

export interface BenchRow {
  readonly family: string;
  readonly ms: number;
  /** CPU time of the process (all its threads, GC included) over the family: on the shared
   *  2-core machine wall time also counts the time other work held the cores. */
  readonly cpuMs: number;
  /** Memory the family touched for the first time (minor page faults × 4 KiB): on this kind
   *  of VM fresh pages cost milliseconds per MB, more than the arithmetic on them. */
  readonly freshMb: number;
}

export interface BenchResult {
  readonly customers: number;
  readonly orders: number;
  readonly lineItems: number;
  readonly generateMs: number;
  readonly rows: readonly BenchRow[];
  readonly totalMs: number;
  /** The migration page filter's pass alone, included in the cohort filters' family. */
  readonly migrationCutsMs: number;
  readonly migrationCutsCpuMs: number;
  /** Predicted LTV per cut (the CLV stage's, not a descriptive family). */
  readonly predictedCutsMs: number;
  readonly predictedCutsCpuMs: number;
  readonly peakRssMb: number;
}

const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;
const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

/** The monthly KPI history's row: printed as a share of the other families. */
const HISTORY_FAMILY = "KPI history (17 series: 25 months, 9 quarters, 4 years, 3 × 12 months)";

/** The families of issue 17 (channels, campaigns, entry products), summed in the print. */
const ACQUISITION_FAMILIES = /^(acquisition|entry products)/;

/** Times every descriptive metric family on one synthetic shop. */
export function benchDescriptive(customers: number): BenchResult {
  const g0 = performance.now();
  const shop = syntheticShop(customers);
  const generateMs = performance.now() - g0;
  const rows: BenchRow[] = [];
  const time = <T>(family: string, run: () => T): T => {
    const f0 = process.resourceUsage().minorPageFault;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const out = run();
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const faults = process.resourceUsage().minorPageFault - f0;
    rows.push({ family, ms, cpuMs: (cpu.user + cpu.system) / 1000, freshMb: (faults * 4) / 1024 });
    return out;
  };
  // Results are kept in `sink` so that nothing is optimised away.
  const sink: unknown[] = [];
  const asOfDay = parseDay("2024-12-31");
  const year = yearRange(2024);

  const history = time("calendar + purchase history (4 orders/customer)", () =>
    buildPurchaseHistory(shop.orders, shop.customers, createCalendar("Asia/Tokyo")),
  );
  const rfm = time("RFM scores + segments + summaries + grid", () => {
    const r = computeRfm(history, { asOfDay });
    sink.push(summarizeSegments(r), rfmGrid(r));
    return r;
  });
  const cohorts = time("cohorts (36 monthly cohorts × months)", () => {
    const t = cohortRetention(history, { asOfDay });
    sink.push(historicalLtvCurve(t));
    return t;
  });
  // Before the KPIs, as in the compute (pipeline.ts): the churn card's months are read from
  // its monthly churn series.
  const trends = time(HISTORY_FAMILY, () =>
    periodTrends(
      history,
      {
        asOfDay,
        f2WindowDays: 90,
        subscriptionWindowDays: 60,
        churnInactivityDays: 180,
        grossMarginRatio: 1,
        cohorts,
        npsResponses: shop.responses,
        marketingSpend: shop.spend,
        calendar: history.calendar,
      },
      // April fiscal years, as the merchants Kizuna is built for.
      storedLayouts(asOfDay, 4),
    ),
  );
  sink.push(trends);
  // The compute runs the year-over-year migration once (pipeline.ts): the KPI family's is the
  // migration family's.
  let yoy: ReturnType<typeof yoyMigration> | null = null;
  // The model's P(alive) comes with the CLV fit (its own bench): a stand-in, made before the
  // clock starts, so that the KPI family is timed on its share count alone.
  const pAlive = new Float64Array(customers).fill(0.6);
  const kpis: Metric[] = time("KPIs: repeat, F2, 2nd delivery, churn, Pareto, YoY", () => {
    const churnOptions = {
      fromMonth: parseMonth("2023-01"),
      toMonth: parseMonth("2024-12"),
      asOfDay,
      inactivityDays: 180,
    };
    // As the compute: the KPI history's series, which must have the months.
    const churnSeries = trends[0].find((x) => x.id === "monthly_churn_rate");
    const churn = churnSeries && monthlyChurnFromSeries(churnSeries, churnOptions);
    if (!churn) throw new Error("the KPI history has no monthly churn for 2023–2024");
    const p = pareto(history, { period: lifetimeRange(history, asOfDay) });
    sink.push(p);
    return [
      repeatRate(history, year),
      f2Conversion(history, { cohort: yearRange(2023), asOfDay }),
      secondPurchaseSurvival(history, { cohort: yearRange(2023), asOfDay }),
      churn.average,
      p.topShare,
      modelChurnShare(pAlive),
      (yoy = yoyMigration(history, year)).retention,
    ];
  });
  time("NPS overall / by segment / by cohort", () => {
    kpis.push(nps(shop.responses, history.calendar));
    sink.push(
      npsBySegment(shop.responses, history.calendar, rfm),
      npsByCohort(shop.responses, history),
    );
  });
  time("CAC by month/channel, LTV:CAC, payback", () => {
    const cac = cacByMonth(history, shop.spend, { channels: shop.channels });
    const curve = historicalLtvCurve(cohorts);
    const cacValue = cac.total.value ?? 0;
    sink.push(
      ltvToCac(curve.cumulativeNetPerCustomer[11] ?? 0, cacValue, {
        ltvSource: "historical 12-month",
      }),
    );
    sink.push(paybackMonths(curve, cacValue));
  });
  const attribution = time("acquisition: first-touch channels (default rules)", () =>
    attributeCustomers(shop.orders, shop.customers, shop.attribution, DEFAULT_CHANNEL_RULES),
  );
  const facts = time("acquisition: customer facts (LTV months, F2, gaps)", () =>
    customerFacts(history, { asOfDay, windowDays: 90, maxMonths: 24 }),
  );
  time("acquisition: channel + campaign × month, CAC, LTV, payback", () => {
    const spend: MarketingSpend[] = [
      ...shop.spend,
      ...shop.spend
        .filter((s) => s.channel === "google")
        .map((s) => ({ ...s, campaign: "campaign_1", amountMinor: Math.round(s.amountMinor / 4) })),
    ];
    sink.push(
      acquisitionReport(
        history,
        attribution,
        spend,
        {
          asOfDay,
          marginRate: 0.4,
          channelAliases: new Map([["google", "google_ads"]]),
          // As the compute: campaign × month rows of the campaigns the snapshot keeps only.
          campaignMonthCampaigns: MAX_CAMPAIGN_MONTH_CAMPAIGNS,
        },
        facts,
      ),
    );
  });
  time("entry products, next-product pairs, time between purchases", () =>
    sink.push(
      entryProductReport(history, shop.orders, shop.lineItems, shop.products, { asOfDay }, facts),
    ),
  );
  // Shared with the entry-product report in the compute (acquisition-block.ts).
  const { entry: entryOf } = purchaseProducts(
    history,
    shop.orders,
    shop.lineItems,
    shop.products.length,
    asOfDay,
    facts.included,
  );
  time("entry products by product type (12 types, some products untyped or empty)", () => {
    // As the compute: product code → type code (−1 not synced, 0 = "" no type).
    const types = ["", ...Array.from({ length: 11 }, (_, k) => `type ${k + 1}`)];
    const typeOf = Int32Array.from(shop.products, (_p, k) => (k % 17 === 5 ? -1 : k % 12));
    sink.push(entryTypeReport(facts, entryOf, typeOf, types));
  });
  time("entry products by collection (20 collections, products in 0–3 of them)", () => {
    // As the compute: product code → collection codes (a CSR; none when not in any).
    const titles = Array.from({ length: 20 }, (_, k) => `collection ${k + 1}`);
    const start = new Int32Array(shop.products.length + 1);
    const values: number[] = [];
    for (let p = 0; p < shop.products.length; p++) {
      start[p] = values.length;
      for (let j = 0; j < p % 4; j++) values.push((p * 7 + j * 5) % titles.length);
    }
    start[shop.products.length] = values.length;
    const collectionsOf = { start, values: Int32Array.from(values) };
    sink.push(entryCollectionReport(facts, entryOf, collectionsOf, titles));
  });
  const moves = time("migration: YoY (the KPIs') + segment × segment matrix", () => {
    sink.push(yoy);
    // As the compute: the RFM as of asOfDay is the RFM family's.
    return segmentMigration(history, {
      fromAsOfDay: parseDay("2023-12-31"),
      toAsOfDay: asOfDay,
      toRfm: rfm,
    });
  });
  sink.push(moves);
  let cutStage: CohortCutsStage | null = null;
  time(
    "acquisition: cohort filters (cuts per channel, top campaigns/products, first order)",
    () => {
      // The block reads the history, the orders and line items, and the stage's codes.
      const ctx = {
        history,
        asOfDay,
        input: {
          orders: shop.orders,
          acquisition: { lineItems: shop.lineItems, products: shop.products },
        },
      } as unknown as Context;
      const stage = {
        acquisition: { channels: attribution.channels },
        channelOf: attribution.channel,
        campaignOf: attribution.campaign,
        campaigns: attribution.campaigns,
        entryOf,
        included: facts.included,
      } as unknown as AcquisitionStage;
      // As the compute: with the migration page's counts per cut.
      cutStage = cohortCutsStage(ctx, stage, { current: year, segments: moves });
      const { block } = cutStage;
      const bytes = JSON.stringify(block).length;
      console.log(`  cohort cuts: ${block.cuts.length} cuts, ${(bytes / 1024).toFixed(0)} KB JSON`);
      sink.push(block);
    },
  );
  // The migration counts' share of the block above: the same pass alone, again, outside
  // the families (not in the total).
  const c0 = process.cpuUsage();
  const m0 = performance.now();
  sink.push(migrationCuts(history, cutStage!.membership, year, moves));
  const migrationCutsMs = performance.now() - m0;
  const migrationCutsCpuMs = cpuMs(process.cpuUsage(c0));
  // The LTV page's predicted LTV per cut (after the CLV stage in the compute; a stand-in
  // prediction per customer here): one more pass over the memberships.
  const clv = Float64Array.from({ length: customers }, (_, c) => (c % 7 === 0 ? NaN : c % 5000));
  const c1 = process.cpuUsage();
  const p0 = performance.now();
  sink.push(predictedLtvByCut(cutStage!, history, clv, 36));
  const predictedCutsMs = performance.now() - p0;
  const predictedCutsCpuMs = cpuMs(process.cpuUsage(c1));
  time("continuation (all + subscription)", () => {
    sink.push(continuationByCohort(history, { asOfDay }));
    sink.push(continuationByCohort(history, { asOfDay, subscriptionOnly: true }));
  });
  time("targets comparison", () => sink.push(compareWithTargets(kpis)));
  sink.push(monthRange(0));

  const totalMs = rows.reduce((s, r) => s + r.ms, 0);
  if (sink.length === 0) throw new Error("unreachable");
  return {
    customers,
    orders: shop.orders.length,
    lineItems: shop.lineItems.length,
    generateMs,
    rows,
    totalMs,
    migrationCutsMs,
    migrationCutsCpuMs,
    predictedCutsMs,
    predictedCutsCpuMs,
    peakRssMb: peakRssMb(),
  };
}

export function formatBench(result: BenchResult): string {
  const width = Math.max(...result.rows.map((r) => r.family.length), 28);
  const line = (label: string, value: string, cpu = "", fresh = "") =>
    `  ${label.padEnd(width)}  ${value.padStart(10)}  ${cpu.padStart(10)}  ${fresh.padStart(9)}`;
  const sum = (rows: readonly BenchRow[], pick: (r: BenchRow) => number, digits = 1) =>
    rows.reduce((total, r) => total + pick(r), 0).toFixed(digits);
  const acquisition = result.rows.filter((r) => ACQUISITION_FAMILIES.test(r.family));
  const rule = line("-".repeat(width), "-".repeat(10), "-".repeat(10), "-".repeat(9));
  const out = [
    `${result.customers.toLocaleString("en-US")} customers, ${result.orders.toLocaleString("en-US")} orders, ${result.lineItems.toLocaleString("en-US")} line items (generated in ${result.generateMs.toFixed(0)} ms)`,
    line("metric family", "ms", "cpu ms", "fresh MB"),
    rule,
    ...result.rows.map((r) =>
      line(r.family, r.ms.toFixed(1), r.cpuMs.toFixed(1), r.freshMb.toFixed(0)),
    ),
    rule,
    line(
      "total descriptive analytics",
      result.totalMs.toFixed(1),
      sum(result.rows, (r) => r.cpuMs),
      sum(result.rows, (r) => r.freshMb, 0),
    ),
    line(
      "of which acquisition + entry products",
      sum(acquisition, (r) => r.ms),
      sum(acquisition, (r) => r.cpuMs),
      sum(acquisition, (r) => r.freshMb, 0),
    ),
    line(
      "cohort filters' migration counts (in its family)",
      result.migrationCutsMs.toFixed(1),
      result.migrationCutsCpuMs.toFixed(1),
    ),
    line(
      "predicted LTV per cut (CLV stage, not in total)",
      result.predictedCutsMs.toFixed(1),
      result.predictedCutsCpuMs.toFixed(1),
    ),
    ...result.rows
      .filter((r) => r.family === HISTORY_FAMILY)
      .map((r) =>
        line("KPI history / the rest (%)", ((100 * r.ms) / (result.totalMs - r.ms)).toFixed(1)),
      ),
    line("peak RSS of the process (MB)", result.peakRssMb.toFixed(0)),
  ];
  return out.join("\n");
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  for (const size of sizes.length > 0 ? sizes : [100_000, 1_000_000]) {
    console.log(formatBench(benchDescriptive(size)));
    console.log();
  }
}
