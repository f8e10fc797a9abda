/**
 * Backpressure: a burst of webhooks through the real HTTP route is acknowledged, queued
 * once per webhook id (redeliveries included) and processed by the workers, nothing lost.
 */
import { createHmac } from "node:crypto";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppEndpoint, type AppEndpoint } from "./app-endpoint";

const { default: prisma } = await import("../../app/db.server");
const { getQueue, closeQueues } = await import("../../app/jobs/queues.server");
const { startWorkers } = await import("../../workers/runtime");
const { closeRowStore } = await import("../../app/sync/context.server");

const BURST = 2_000;
const domain = `burst-${process.pid}.myshopify.com`;
let app: AppEndpoint;
let shopId: number;
let workers: { close(): Promise<unknown> };

beforeAll(async () => {
  app = await startAppEndpoint();
  shopId = (await prisma.shop.create({ data: { domain } })).id;
});

afterAll(async () => {
  await workers?.close();
  await closeQueues();
  await closeRowStore();
  await prisma.shop.deleteMany({ where: { domain } });
  await app?.close();
});

function deliver(agent: http.Agent, index: number): Promise<number> {
  const body = JSON.stringify({
    id: 7_000_000 + index,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-02-01T00:00:00Z",
    // A legacy field (customer payloads carry no tags since API 2025-01) and personal data
    // Shopify sends along: never queued (the intake keeps what processing reads).
    tags: `burst, n${index}`,
    email: `buyer${index}@example.com`,
    first_name: "Hanako",
    phone: "+81312345678",
    default_address: { address1: "1-2-3 Chiyoda", city: "Tokyo" },
  });
  const url = new URL(`${app.url}/webhooks/customers/update`);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-shopify-topic": "customers/update",
          "x-shopify-shop-domain": domain,
          "x-shopify-api-version": "2026-10",
          "x-shopify-webhook-id": `burst-${index}`,
          "x-shopify-hmac-sha256": createHmac("sha256", process.env.SHOPIFY_API_SECRET!)
            .update(body)
            .digest("base64"),
        },
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode!));
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

describe("a burst of webhooks", () => {
  it(`${BURST} at once, a tenth delivered twice: all acknowledged, queued once, processed once`, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    // Nothing consumes the queue yet: what the intake queued is all there to count.
    const indexes = [...Array(BURST).keys()];
    const redelivered = indexes.filter((i) => i % 10 === 0);
    const statuses = await Promise.all([...indexes, ...redelivered].map((i) => deliver(agent, i)));
    agent.destroy();
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    const queue = getQueue("webhooks");
    const jobs = await queue.getJobs(["waiting", "prioritized", "delayed"], 0, -1);
    // The run's other test files share the queue: count and read this burst's jobs only.
    const burst = jobs.filter((j) => j.id?.startsWith("wh-burst-"));
    const ids = burst.map((j) => j.id);
    expect(ids.length).toBe(BURST);
    expect(new Set(ids).size).toBe(BURST);
    const kept = new Set(burst.flatMap((j) => Object.keys(j.data.payload as object)));
    expect([...kept].sort()).toEqual(["created_at", "id", "updated_at"]);

    workers = startWorkers({ queues: ["webhooks"], redisUrl: process.env.REDIS_URL! });
    for (let i = 0; i < 1200; i++) {
      if ((await prisma.webhookEvent.count({ where: { shopId } })) >= BURST) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await prisma.webhookEvent.count({ where: { shopId } })).toBe(BURST);
    const customers = await prisma.customer.findMany({
      where: { shopId },
      select: { createdAt: true, tags: true, tagsUpdatedAt: true },
    });
    expect(customers.length).toBe(BURST);
    // Their tags are not known yet (the tag sync and reconciliation read them from Shopify).
    expect(
      customers.every(
        (c) =>
          c.createdAt.toISOString() === "2026-01-01T00:00:00.000Z" &&
          c.tags === "" &&
          c.tagsUpdatedAt === null,
      ),
    ).toBe(true);
  }, 180_000);
});
