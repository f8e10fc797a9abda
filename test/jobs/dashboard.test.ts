import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeQueues, getQueue } from "../../app/jobs/queues.server";
import { startQueueDashboard } from "../../workers/dashboard";
import { freePort } from "../helpers/ports";

const secret = "an-operator-secret-of-32-characters!";
let server: Server;
let base = "";

beforeAll(async () => {
  const port = await freePort();
  server = await startQueueDashboard({ queues: [getQueue("compute")], secret, port });
  base = `http://127.0.0.1:${port}/ops/queues`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await closeQueues();
});

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("the operators' queue dashboard", () => {
  it("refuses requests without the secret", async () => {
    const none = await fetch(base);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Basic");
    expect((await fetch(base, { headers: { authorization: basic("ops", "wrong") } })).status).toBe(
      401,
    );
    expect((await fetch(`${base}/api/queues`)).status).toBe(401);
  });

  it("serves the dashboard and its API with the secret", async () => {
    const headers = { authorization: basic("ops", secret) };
    const page = await fetch(base, { headers });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<html");
    const api = await fetch(`${base}/api/queues`, { headers });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: { name: string }[] };
    expect(body.queues.map((q) => q.name)).toContain("compute");
  });
});
