/**
 * Shopify Flow's trigger lifecycle callback (https://shopify.dev/docs/apps/build/flow/track-lifecycle-events)
 * through the app's route with the app's real HMAC check: it turns the shop's Flow trigger
 * on and off, newer callbacks win over older ones, and an unsigned or wrongly signed request
 * (401) or a signed one for a shop without a session (400) changes nothing.
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installOfflineSession } from "../helpers/sessions";

const { default: prisma } = await import("../../app/db.server");
const { action } = await import("../../app/routes/flow.lifecycle");

const domain = `flow-lifecycle-${process.pid}.myshopify.com`;
const secret = process.env.SHOPIFY_API_SECRET!;

/** The callback as Flow posts it, signed with `key` (the app's secret unless told; null: unsigned). */
function callback(body: object | string, key: string | null = secret): Request {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return new Request("https://kizuna.test/flow/lifecycle", {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      ...(key === null
        ? {}
        : { "X-Shopify-Hmac-Sha256": createHmac("sha256", key).update(text).digest("base64") }),
    },
    body: text,
  });
}

const usage = (hasEnabledFlow: boolean, timestamp: string) => ({
  flow_trigger_definition_id: "rfm-segment-changed",
  has_enabled_flow: hasEnabledFlow,
  shop_id: 690933842,
  shopify_domain: domain,
  timestamp,
});

async function post(request: Request): Promise<number> {
  try {
    return (await action({ request, params: {}, context: {} })).status;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown.status;
    throw thrown;
  }
}

const enabled = async () =>
  (await prisma.shop.findUniqueOrThrow({ where: { domain } })).flowTriggerEnabled;

beforeAll(async () => {
  await prisma.shop.create({ data: { domain } });
  await installOfflineSession(prisma, domain, { accessToken: "shpat_test" });
});

afterAll(async () => {
  await prisma.session.deleteMany({ where: { shop: domain } });
  await prisma.shop.deleteMany({ where: { domain } });
});

describe("the Flow trigger lifecycle callback", () => {
  it("is off until Flow says a workflow uses the trigger", async () => {
    expect(await enabled()).toBe(false);
    expect(await post(callback(usage(true, "2026-11-16T02:00:00.000Z")))).toBe(200);
    expect(await enabled()).toBe(true);
  });

  it("ignores a callback older than the one applied", async () => {
    expect(await post(callback(usage(false, "2026-11-16T01:59:59.999Z")))).toBe(200);
    expect(await enabled()).toBe(true);
    expect(await post(callback(usage(false, "2026-11-16T02:00:01.000Z")))).toBe(200);
    expect(await enabled()).toBe(false);
  });

  it("refuses a request without Shopify's signature, or signed with another secret, with 401", async () => {
    const body = usage(true, "2026-11-17T00:00:00.000Z");
    expect(await post(callback(body, null))).toBe(401);
    expect(await post(callback(body, "shpss_another-apps-secret"))).toBe(401);
    // The signature of another body.
    const forged = callback(JSON.stringify(body).replace("true", "false"));
    const signed = new Request(forged.url, {
      method: "POST",
      headers: forged.headers,
      body: JSON.stringify(body),
    });
    expect(await post(signed)).toBe(401);
    expect(await enabled()).toBe(false);
  });

  it("answers 400 to a signed body that is no lifecycle callback, or names a shop without a session", async () => {
    expect(await post(callback("not json"))).toBe(400);
    expect(await post(callback({ has_enabled_flow: true }))).toBe(400);
    const other = { ...usage(true, "2026-11-18T00:00:00.000Z"), shopify_domain: "x.myshopify.com" };
    expect(await post(callback(other))).toBe(400);
    expect(await enabled()).toBe(false);
  });

  it("accepts only POST", async () => {
    const get = new Request("https://kizuna.test/flow/lifecycle");
    expect(await post(get)).toBe(405);
  });
});
