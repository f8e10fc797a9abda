/**
 * A compliance webhook's job names a customer: once processed it is removed from Redis at
 * once, while other webhook jobs stay for a day as BullMQ's record (app/jobs/webhooks.server.ts).
 */
import { afterAll, describe, expect, it } from "vitest";

// Queues of its own: no other test file's workers take these jobs.
process.env.QUEUE_PREFIX = `${process.env.QUEUE_PREFIX}-retention`;
const { default: prisma } = await import("../../app/db.server");
const { enqueueWebhook } = await import("../../app/jobs/webhooks.server");
const { getQueue, closeQueues } = await import("../../app/jobs/queues.server");
const { startWorkers } = await import("../../workers/runtime");
const { closeRowStore } = await import("../../app/sync/context.server");

const domain = `retention-${process.pid}.myshopify.com`;
let workers: ReturnType<typeof startWorkers> | undefined;

afterAll(async () => {
  await workers?.close();
  await closeQueues();
  await closeRowStore();
  await prisma.shop.deleteMany({ where: { domain } });
});

describe("webhook job retention", () => {
  it("drops a processed customers/redact job from Redis and keeps an orders/delete job", async () => {
    const shop = await prisma.shop.create({ data: { domain } });
    const receivedAt = new Date().toISOString();
    await enqueueWebhook({
      shop: domain,
      topic: "CUSTOMERS_REDACT",
      webhookId: `redact-${process.pid}`,
      receivedAt,
      payload: { customer: { id: 424242 }, orders_to_redact: [] },
    });
    await enqueueWebhook({
      shop: domain,
      topic: "ORDERS_DELETE",
      webhookId: `delete-${process.pid}`,
      receivedAt,
      payload: { id: 5151 },
    });
    workers = startWorkers({ queues: ["webhooks"], redisUrl: process.env.REDIS_URL! });
    const queue = getQueue("webhooks");
    // Done when neither job is still waiting or running.
    const settled = async (id: string) => {
      const job = await queue.getJob(id);
      return !job || ["completed", "failed"].includes(await job.getState());
    };
    for (let i = 0; i < 600; i++) {
      if (
        (await settled(`wh-delete-${process.pid}`)) &&
        (await settled(`wh-redact-${process.pid}`))
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const deleted = await prisma.order.findUnique({
      where: { shopId_id: { shopId: shop.id, id: 5151n } },
    });
    expect(deleted?.deleted).toBe(true);
    expect(await (await queue.getJob(`wh-delete-${process.pid}`))?.getState()).toBe("completed");
    expect(await queue.getJob(`wh-redact-${process.pid}`)).toBeUndefined();
  });
});
