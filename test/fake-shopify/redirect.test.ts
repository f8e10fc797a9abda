// The fake as another process sees it: register.mjs redirects a plain `node --import`
// process's fetch to the fake, and the /__fake control API serves ground truth over HTTP.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeShopify, type FakeShopify } from "./index";

const run = promisify(execFile);
const register = fileURLToPath(new URL("./register.mjs", import.meta.url));
let fake: FakeShopify;
const domain = "other-process.myshopify.com";

beforeAll(async () => {
  fake = await startFakeShopify({
    shops: [{ domain, customers: 200, seed: 51, currency: "USD", horizonDays: 0 }],
  });
}, 60_000);

afterAll(async () => {
  await fake.close();
});

describe("another process", () => {
  it("reaches the fake through node --import register.mjs with FAKE_SHOPIFY_URL", async () => {
    const { accessToken } = fake.shop().accessToken();
    const script = `
      const res = await fetch("https://${domain}/admin/api/2026-10/graphql.json", {
        method: "POST",
        headers: { "content-type": "application/json", "x-shopify-access-token": process.argv[1] },
        body: JSON.stringify({ query: "{ shop { myshopifyDomain currencyCode } }" }),
      });
      console.log(JSON.stringify({ status: res.status, body: await res.json() }));`;
    const { stdout } = await run(
      process.execPath,
      ["--no-warnings", "--import", register, "--input-type=module", "-e", script, accessToken],
      {
        env: { ...process.env, FAKE_SHOPIFY_URL: fake.url },
      },
    );
    const result = JSON.parse(stdout.trim()) as { status: number; body: { data: unknown } };
    expect(result).toMatchObject({
      status: 200,
      body: { data: { shop: { myshopifyDomain: domain, currencyCode: "USD" } } },
    });
    expect(
      fake
        .requests()
        .some((r) => r.host === domain && r.path === "/admin/api/2026-10/graphql.json"),
    ).toBe(true);
  });

  it("serves ground truth and control over /__fake", async () => {
    const info = (await (await fetch(`${fake.url}/__fake`)).json()) as {
      shops: Array<{ domain: string; counts: { orders: number } }>;
    };
    const counts = fake.shop().counts();
    expect(info.shops[0]).toMatchObject({ domain, counts: { orders: counts.orders } });
    const jsonl = await (await fetch(`${fake.url}/__fake/shops/${domain}/orders.jsonl`)).text();
    const orders = jsonl
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: number; totalMinor: number });
    expect(orders.length).toBe(counts.orders);
    expect(orders.map((o) => String(o.id)).sort()).toEqual(
      [...fake.shop().orders()].map((o) => String(o.id)).sort(),
    );
    const token = (await (
      await fetch(`${fake.url}/__fake/shops/${domain}/session-token`, {
        method: "POST",
        body: "{}",
      })
    ).json()) as { token: string };
    expect(token.token.split(".")).toHaveLength(3);
    const created = (await (
      await fetch(`${fake.url}/__fake/shops/${domain}/orders`, {
        method: "POST",
        body: JSON.stringify({ lines: [{ quantity: 2 }] }),
      })
    ).json()) as { id: number; itemQuantity: number };
    expect(created.itemQuantity).toBe(2);
    expect(fake.shop().order(BigInt(created.id))?.id).toBe(BigInt(created.id));
    await fetch(`${fake.url}/__fake/faults`, {
      method: "PUT",
      body: JSON.stringify({ http5xx: 1 }),
    });
    const failing = await fetch(`${fake.url}/_host/${domain}/admin/api/2026-10/graphql.json`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-shopify-access-token": fake.shop().accessToken().accessToken,
      },
      body: JSON.stringify({ query: "{ shop { id } }" }),
    });
    expect(failing.status).toBeGreaterThanOrEqual(500);
    const faults = (await (
      await fetch(`${fake.url}/__fake/faults`, { method: "PUT", body: "{}" })
    ).json()) as { counts: { http5xx: number } };
    expect(faults.counts.http5xx).toBe(1);
  });
});
