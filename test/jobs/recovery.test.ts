// Worker start: a shop computed before per-customer results were result sets (the
// customer_result_set migration dropped the old table) is computed again at once, rather
// than showing empty drill-downs until its nightly run.
import { afterAll, describe, expect, it } from "vitest";
import { isolatedFile } from "../helpers/isolated-file";
import { seedResults } from "../helpers/result-set";

const { database } = await isolatedFile("recovery");
const { default: prisma } = await import("../../app/db.server");
const { computeJobId } = await import("../../app/jobs/compute.server");
const { closeQueues, getQueue } = await import("../../app/jobs/queues.server");
const { resumeInterruptedWork } = await import("../../app/jobs/recovery.server");

const run = `${process.pid}-${Date.now()}`;
const created: { id: number; domain: string }[] = [];

async function computedShop(name: string): Promise<{ id: number; domain: string }> {
  const at = new Date();
  const shop = await prisma.shop.create({
    data: {
      domain: `recovery-${name}-${run}.myshopify.com`,
      status: "installed",
      timezone: "Asia/Tokyo",
      currency: "JPY",
      syncStatus: "idle",
      backfilledAt: at,
      computedAt: at,
    },
    select: { id: true, domain: true },
  });
  created.push(shop);
  return shop;
}

afterAll(async () => {
  // Other files' workers share the run's queues and database: leave them nothing to compute.
  for (const shop of created)
    await (await getQueue("compute").getJob(computeJobId(shop.domain)))?.remove();
  await prisma.shop.deleteMany({ where: { id: { in: created.map((s) => s.id) } } });
  await closeQueues();
  await prisma.$disconnect();
  await database.drop();
});

describe("work resumed at worker start", () => {
  it("computes again a computed shop that has no result set, and not one that has", async () => {
    const without = await computedShop("without");
    const withSet = await computedShop("with");
    const row = {
      customerId: 1n,
      segment: "champions",
      recencyScore: 5,
      frequencyScore: 5,
      monetaryScore: 5,
      recencyDays: 3,
      frequency: 4,
      monetaryMinor: 20_000n,
      pAlive: 0.9,
      expected90: 1.2,
      clvMinor: 30_000n,
    };
    await seedResults(process.env.DATABASE_URL!, withSet.id, [row], new Date());

    await resumeInterruptedWork();

    const queue = getQueue("compute");
    expect(await queue.getJob(computeJobId(without.domain))).toBeDefined();
    expect(await queue.getJob(computeJobId(withSet.domain))).toBeUndefined();
  });
});
