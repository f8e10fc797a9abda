/**
 * The webhook intake's HMAC check (figures, not a test; docs/decisions/0018): the intake's
 * own check (node:crypto createHmac over the raw body, timingSafeEqual) against
 * `shopify.api.webhooks.validate` of @shopify/shopify-api (WebCrypto, the body as a
 * string, Shopify's headers checked too), from an instance configured as the app's (the
 * Remix package's `shopify` object does not expose its `api`).
 * Three payload sizes: a customers/update trimmed by include_fields, an order as Shopify
 * sends it without include_fields, and a large order. Rounds alternate the two checks;
 * each round times sequential calls (latency) and 64 at once (what a burst does to the
 * event loop), and the medians of the rounds are printed.
 *
 *   npx tsx test/bench/webhook-hmac.ts [rounds=7] [calls=5000]
 */
import { createHmac } from "node:crypto";
import "@shopify/shopify-api/adapters/web-api";
import { LogSeverity, shopifyApi } from "@shopify/shopify-api";

const SECRET = "bench-hmac-secret";
Object.assign(process.env, {
  SHOPIFY_API_KEY: "bench-key",
  SHOPIFY_API_SECRET: SECRET,
  SHOPIFY_APP_URL: "https://kizuna.bench",
  LOG_LEVEL: "warn",
});
const { signedBy } = await import("../../app/webhook-intake.server");
const { API_VERSION } = await import("../../app/sync/api-version");
const api = shopifyApi({
  apiKey: "bench-key",
  apiSecretKey: SECRET,
  apiVersion: API_VERSION as never,
  hostName: "kizuna.bench",
  isEmbeddedApp: true,
  logger: { level: LogSeverity.Error },
});

const rounds = Number(process.argv[2] ?? 7);
const calls = Number(process.argv[3] ?? 5_000);

function orderBody(lineItems: number): string {
  return JSON.stringify({
    id: 820982911946154500,
    admin_graphql_api_id: "gid://shopify/Order/820982911946154500",
    email: "hanako@example.com",
    created_at: "2026-11-01T10:00:00+09:00",
    updated_at: "2026-11-02T10:00:00+09:00",
    total_price: "12000",
    customer: { id: 115310627314723950, email: "hanako@example.com", first_name: "花子" },
    billing_address: { address1: "千代田1-2-3", city: "千代田区", zip: "100-0001" },
    line_items: Array.from({ length: lineItems }, (_, i) => ({
      id: 866550311766439000 + i,
      title: `緑茶 ${i}`,
      quantity: 1 + (i % 3),
      price: "1200",
      price_set: { shop_money: { amount: "1200", currency_code: "JPY" } },
      tax_lines: [{ price: "109", rate: 0.1, title: "消費税" }],
    })),
  });
}
const BODIES = {
  "customers/update, include_fields": JSON.stringify({
    id: 706405506930370000,
    created_at: "2021-12-31T19:00:00-05:00",
    updated_at: "2026-11-02T10:00:00+09:00",
  }),
  "order, 20 line items": orderBody(20),
  "order, 400 line items": orderBody(400),
};

const sign = (body: Buffer) => createHmac("sha256", SECRET).update(body).digest("base64");
function request(body: Buffer, hmac = sign(body)): Request {
  return new Request("https://kizuna.bench/webhooks/orders/updated", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-shopify-topic": "orders/updated",
      "x-shopify-shop-domain": "bench.myshopify.com",
      "x-shopify-api-version": "2026-10",
      "x-shopify-webhook-id": "bench-1",
      "x-shopify-hmac-sha256": hmac,
    },
    body: new Uint8Array(body),
  });
}

type Check = (body: Buffer, req: Request) => Promise<boolean>;
const CHECKS: Record<string, Check> = {
  "node:crypto (the intake's own)": async (body, req) =>
    signedBy(SECRET, body, req.headers.get("x-shopify-hmac-sha256") ?? ""),
  "shopify.api.webhooks.validate": async (body, req) =>
    (await api.webhooks.validate({ rawBody: body.toString("utf8"), rawRequest: req })).valid,
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const [size, text] of Object.entries(BODIES)) {
  const body = Buffer.from(text);
  const req = request(body);
  const forged = request(body, sign(Buffer.from(`${text} `)));
  const figures: Record<string, { sequential: number[]; burst: number[] }> = {};
  for (const [name, check] of Object.entries(CHECKS)) {
    if (!(await check(body, req))) throw new Error(`${name} refused a genuine webhook`);
    if (await check(body, forged)) {
      throw new Error(`${name} accepted a forged webhook`);
    }
    figures[name] = { sequential: [], burst: [] };
  }
  for (let round = 0; round < rounds; round++) {
    const order = Object.entries(CHECKS);
    if (round % 2 === 1) order.reverse();
    for (const [name, check] of order) {
      let t = performance.now();
      for (let i = 0; i < calls; i++) await check(body, req);
      figures[name]!.sequential.push(((performance.now() - t) * 1000) / calls);
      t = performance.now();
      for (let i = 0; i < calls; i += 64) {
        await Promise.all(Array.from({ length: 64 }, () => check(body, req)));
      }
      figures[name]!.burst.push(((performance.now() - t) * 1000) / calls);
    }
  }
  console.log(`\n${size} (${body.length} bytes), ${rounds} rounds of ${calls} checks, medians:`);
  for (const [name, { sequential, burst }] of Object.entries(figures)) {
    console.log(
      `  ${name.padEnd(32)} ${median(sequential).toFixed(1).padStart(7)} µs a check one at a time, ` +
        `${median(burst).toFixed(1).padStart(7)} µs a check 64 at once ` +
        `(rounds ${Math.min(...sequential).toFixed(1)}–${Math.max(...sequential).toFixed(1)} µs)`,
    );
  }
}
process.exit(0);
