/**
 * A custom comparison range end to end against the run's database (SQLite or PostgreSQL)
 * and Redis: the dashboard's state queues the job, a BullMQ worker with the real processor
 * computes it, the page then reads the stored result; bad ranges are refused with their
 * reason, results are the shop's own and go with the shop.
 */
import { QueueEvents } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A queue prefix of this file's own: worker processes of other files must not take its jobs.
process.env.QUEUE_PREFIX = `${process.env.QUEUE_PREFIX ?? "kizuna-test"}-periods-${process.pid}`;

const {
  createCalendar,
  buildPurchaseHistory,
  parseMonth,
  repeatRate,
  monthRange,
  trailingMonths,
  yoyMigration,
} = await import("../../app/analytics");
const { default: prisma } = await import("../../app/db.server");
const { closeQueues, getQueue } = await import("../../app/jobs/queues.server");
const { periodRangeJobId } = await import("../../app/jobs/periods.server");
const { computeShop } = await import("../../app/metrics/compute.server");
const { loadShopData } = await import("../../app/metrics/load.server");
const { periodRangeState, retryPeriodRange } = await import("../../app/pages/period-range.server");
const { kpiPageData } = await import("../../app/pages/kpi.server");
const { dashboardData } = await import("../../app/pages/dashboard.server");
const { redactShop } = await import("../../app/sync/privacy.server");
const { createRowStore } = await import("../../app/sync/store.server");
const { startWorkers } = await import("../../workers/runtime");
const { env } = await import("../../app/env.server");
const { generateShop } = await import("./generate");

const url = process.env.DATABASE_URL!;
const store = createRowStore(url);
const stamp = `${process.pid}-${Date.now()}`;
const domain = `periods-${stamp}.myshopify.com`;
const other = `periods-other-${stamp}.myshopify.com`;
// The snapshot's as-of: 10 March 2026 (Tokyo), so March 2026 is in progress.
const AS_OF = new Date("2026-03-10T12:00:00+09:00");
let shop = { id: 0, domain };
let snapshot = { asOfDate: "", firstPurchaseDate: null as string | null };
let running: ReturnType<typeof startWorkers>;

async function seed(name: string, seedValue: number): Promise<number> {
  const row = await prisma.shop.create({
    data: { domain: name, timezone: "Asia/Tokyo", currency: "JPY" },
  });
  for (const batch of generateShop({
    customers: 400,
    seed: seedValue,
    end: new Date("2026-03-10T00:00:00+09:00"),
    batch: 400,
  })) {
    await store.upsertCustomers(row.id, batch.customers);
    await store.upsertOrders(row.id, batch.orders);
  }
  await computeShop(name, { asOf: AS_OF });
  return row.id;
}

beforeAll(async () => {
  shop = { id: await seed(domain, 5), domain };
  await seed(other, 6);
  const data = await dashboardData(domain);
  snapshot = {
    asOfDate: data.snapshot!.asOfDate,
    firstPurchaseDate: data.snapshot!.firstPurchaseDate,
  };
  running = startWorkers({ queues: ["periods"], redisUrl: env().REDIS_URL });
}, 120_000);

afterAll(async () => {
  await running?.close();
  await getQueue("periods").obliterate({ force: true });
  await closeQueues();
  await prisma.shop.deleteMany({ where: { domain: { in: [domain, other] } } });
  await store.close();
  await prisma.$disconnect();
});

async function waitForJob(resultId: number): Promise<void> {
  const events = new QueueEvents("periods", {
    connection: { url: env().REDIS_URL },
    prefix: env().QUEUE_PREFIX,
  });
  try {
    await events.waitUntilReady();
    const job = await getQueue("periods").getJob(periodRangeJobId(resultId));
    if (job && !(await job.isCompleted())) await job.waitUntilFinished(events, 60_000);
  } finally {
    await events.close();
  }
}

describe("custom range", () => {
  it("refuses bad ranges with their reason, queueing nothing", async () => {
    const state = (from: string, to: string) => periodRangeState(shop, from, to, snapshot);
    expect(await state("2026-02", "2025-04")).toMatchObject({
      status: "invalid",
      problem: "end_before_start",
    });
    expect(await state("2025-04", "2026-04")).toMatchObject({
      status: "invalid",
      problem: "future",
      month: "2026-03",
    });
    const firstMonth = snapshot.firstPurchaseDate!.slice(0, 7);
    expect(await state("2020-01", "2024-12")).toMatchObject({
      status: "invalid",
      problem: "before_first_order",
      month: firstMonth,
    });
    expect(await state("2025-4", "2026-03")).toMatchObject({
      status: "invalid",
      problem: "format",
    });
    expect(await state("", "")).toEqual({ status: "none" });
    expect(await prisma.periodResult.count({ where: { shopId: shop.id } })).toBe(0);
  });

  it("queues the job, computes the range and its year-earlier months, then shows them", async () => {
    const first = await periodRangeState(shop, "2025-04", "2026-03", snapshot);
    expect(first).toEqual({ status: "computing", from: "2025-04", to: "2026-03" });
    const row = await prisma.periodResult.findFirstOrThrow({ where: { shopId: shop.id } });
    await waitForJob(row.id);
    const ready = await periodRangeState(shop, "2025-04", "2026-03", snapshot);
    if (ready.status !== "ready") throw new Error(`not ready: ${JSON.stringify(ready)}`);
    const result = ready.result;
    expect(result.months).toEqual(["2024-04", "2025-04"]);
    // March 2026 is in progress: the range ends on the as-of date, a year earlier on its day.
    expect(result.ends).toEqual(["2025-03-10", "2026-03-10"]);
    expect(result.partial).toBe(true);

    // The same numbers from the engine's single-period functions on the stored orders.
    const data = await loadShopData(url, shop.id);
    const h = buildPurchaseHistory(data.orders, data.customers, createCalendar("Asia/Tokyo"));
    const range = (from: string, lastDay: string) => ({
      startDay: monthRange(parseMonth(from)).startDay,
      endDay: h.calendar.dayOf(Date.parse(`${lastDay}T00:00:00+09:00`)) + 1,
    });
    const repeat = result.series.find((s) => s.id === "repeat_rate")!;
    const now = repeatRate(h, range("2025-04", "2026-03-10"));
    const before = repeatRate(h, range("2024-04", "2025-03-10"));
    expect(repeat.values).toEqual([before.value, now.value]);
    expect(repeat.bases).toEqual([before.denominator, now.denominator]);
    expect(now.denominator).toBeGreaterThan(20);
    const yoy = result.series.find((s) => s.id === "yoy_retention")!;
    // Its YoY retention: the trailing year to the as-of date.
    const yoyNow = yoyMigration(h, trailingMonths(h.calendar.dayOf(AS_OF.getTime()), 12));
    expect(yoy.bases[1]).toBe(yoyNow.previousBuyers);

    // The range month by month: each month's own repeat rate, the last one in progress.
    const monthly = result.monthly!;
    expect(monthly.months).toEqual(
      Array.from({ length: 12 }, (_, k) =>
        k < 9 ? `2025-${String(k + 4).padStart(2, "0")}` : `2026-0${k - 8}`,
      ),
    );
    expect(monthly.ends.at(-1)).toBe("2026-03-10");
    expect(monthly.partial).toBe(true);
    const byMonth = monthly.series.find((s) => s.id === "repeat_rate")!;
    monthly.months.forEach((m, k) => {
      const r = repeatRate(h, {
        startDay: monthRange(parseMonth(m)).startDay,
        endDay: k === 11 ? range("2026-03", "2026-03-10").endDay : monthRange(parseMonth(m)).endDay,
      });
      expect(byMonth.values[k], m).toBe(r.value);
      expect(byMonth.bases[k], m).toBe(r.denominator);
      expect(byMonth.numerators[k], m).toBe(r.numerator);
    });
    expect(repeat.numerators).toEqual([before.numerator, now.numerator]);

    // The dashboard's cards read it: the value and the year-earlier comparison.
    const page = await dashboardData(domain, { period: "range", from: "2025-04", to: "2026-03" });
    expect(page.range?.status).toBe("ready");
    const card = page.snapshot!.kpis.find((k) => k.id === "repeat_rate")!;
    expect(card.metric.value).toBe(now.value);
    expect(card.monthly).toMatchObject({
      granularity: "range",
      latest: { month: "2025-04", end: "2026-03-10", value: now.value },
      lastYear: { month: "2024-04", value: before.value },
      previous: null,
    });
    // Its sparkline: the range's months (too small a base shows as a gap).
    expect(card.monthly!.inside).toEqual({
      months: monthly.months,
      values: byMonth.values.map((v, k) => (byMonth.bases[k] >= byMonth.minBase ? v : null)),
      partial: true,
    });

    // The KPI page of the range: its months, the range and the year earlier, pass/fail.
    const kpi = await kpiPageData(domain, "repeat_rate", "range", {
      from: "2025-04",
      to: "2026-03",
    });
    expect(kpi.range?.status).toBe("ready");
    expect(kpi.series!.points.map((p) => p.month)).toEqual(monthly.months);
    expect(kpi.series!.points.at(-1)).toMatchObject({ partial: true, end: "2026-03-10" });
    expect(kpi.rangeRows!.range).toMatchObject({
      month: "2025-04",
      end: "2026-03-10",
      value: now.value,
      numerator: now.numerator,
      denominator: now.denominator,
      partial: true,
      status: now.value! >= 0.6 ? "pass" : "fail",
    });
    expect(kpi.rangeRows!.lastYear).toMatchObject({
      month: "2024-04",
      end: "2025-03-10",
      value: before.value,
      partial: false,
    });
  }, 90_000);

  it("keeps results per shop and removes them with the shop", async () => {
    const otherShop = await prisma.shop.findUniqueOrThrow({ where: { domain: other } });
    const otherSnapshot = await dashboardData(other);
    const state = await periodRangeState(
      { id: otherShop.id, domain: other },
      "2025-04",
      "2026-03",
      {
        asOfDate: otherSnapshot.snapshot!.asOfDate,
        firstPurchaseDate: otherSnapshot.snapshot!.firstPurchaseDate,
      },
    );
    // The first shop's result is not the other's: it computes its own.
    expect(state.status).toBe("computing");
    const rows = await prisma.periodResult.findMany({
      where: { shopId: { in: [shop.id, otherShop.id] } },
      select: { shopId: true },
    });
    expect(rows.map((r) => r.shopId).sort()).toEqual([shop.id, otherShop.id].sort());
    const otherRow = await prisma.periodResult.findFirstOrThrow({
      where: { shopId: otherShop.id },
    });
    await waitForJob(otherRow.id);
    await redactShop(prisma, other);
    expect(await prisma.periodResult.count({ where: { shopId: otherShop.id } })).toBe(0);
    expect(await prisma.periodResult.count({ where: { shopId: shop.id } })).toBe(1);
  }, 90_000);

  it("a failed range says so, and Retry queues it once again until it is computed", async () => {
    const head = await prisma.metricSnapshot.findFirstOrThrow({
      where: { shopId: shop.id },
      orderBy: [{ computedAt: "desc" }, { id: "desc" }],
    });
    const row = await prisma.periodResult.create({
      data: { shopId: shop.id, snapshotId: head.id, fromMonth: "2024-10", toMonth: "2025-09" },
    });
    const queue = getQueue("periods");
    // Its job fails for good (a malformed job under the row's id) without the row saying so.
    await queue.add(
      "period-range",
      { shop: domain, resultId: "not-a-row" as unknown as number },
      { jobId: periodRangeJobId(row.id), attempts: 1 },
    );
    await expect
      .poll(async () => (await queue.getJob(periodRangeJobId(row.id)))?.getState(), {
        timeout: 30_000,
      })
      .toBe("failed");
    const failed = await periodRangeState(shop, "2024-10", "2025-09", snapshot);
    expect(failed).toEqual({ status: "failed", from: "2024-10", to: "2025-09", problem: "error" });
    expect(await prisma.periodResult.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({
      status: "failed",
    });
    // Asking again does not queue it again: the merchant decides (Retry).
    expect((await periodRangeState(shop, "2024-10", "2025-09", snapshot)).status).toBe("failed");
    expect(await (await queue.getJob(periodRangeJobId(row.id)))?.getState()).toBe("failed");

    // Two Retry presses at once: one flips the row, one job runs.
    const [a, b] = await Promise.all([
      retryPeriodRange(shop, "2024-10", "2025-09", snapshot),
      retryPeriodRange(shop, "2024-10", "2025-09", snapshot),
    ]);
    // (the job may be done before the later of the two reads the row)
    for (const state of [a, b]) expect(["computing", "ready"]).toContain(state.status);
    await waitForJob(row.id);
    const jobs = await queue.getJobs(["waiting", "active", "delayed", "completed", "failed"]);
    expect(jobs.filter((j) => j.id === periodRangeJobId(row.id))).toHaveLength(1);
    const ready = await periodRangeState(shop, "2024-10", "2025-09", snapshot);
    expect(ready.status).toBe("ready");
    // Retry of a range that is done changes nothing.
    expect((await retryPeriodRange(shop, "2024-10", "2025-09", snapshot)).status).toBe("ready");
    expect(
      await prisma.periodResult.count({ where: { shopId: shop.id, fromMonth: "2024-10" } }),
    ).toBe(1);
  }, 90_000);

  it("a range that no longer fits the data fails with that reason, in the job", async () => {
    const { computePeriodRange } = await import("../../app/metrics/period-range.server");
    const head = await prisma.metricSnapshot.findFirstOrThrow({
      where: { shopId: shop.id },
      orderBy: [{ computedAt: "desc" }, { id: "desc" }],
    });
    // Queued when it fitted; the orders of its first months are gone since.
    const row = await prisma.periodResult.create({
      data: { shopId: shop.id, snapshotId: head.id, fromMonth: "2019-01", toMonth: "2019-12" },
    });
    expect(await computePeriodRange(domain, row.id)).toBe("failed");
    expect(await prisma.periodResult.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({
      status: "failed",
      error: "range: before_first_order",
    });
    const { failureProblem } = await import("../../app/pages/period-range.server");
    expect(failureProblem("range: before_first_order")).toBe("before_first_order");
    expect(failureProblem("connect ECONNREFUSED")).toBe("error");
  });
});
