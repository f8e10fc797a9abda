// `npm run fake-shopify -- --customers 10000` — a standalone fake Shopify for the demo and
// manual testing. Prints its address, the shops and how to point an app at it.
import { parseArgs } from "node:util";
import { isCurrencyCode } from "./util/money";
import type { ShopPlanName } from "./generator/spec";
import { startFakeShopify } from "./index";

const PLANS = new Set<ShopPlanName>([
  "basic",
  "shopify",
  "advanced",
  "plus",
  "enterprise",
  "development",
]);

const { values } = parseArgs({
  options: {
    customers: { type: "string", default: "1000" },
    shops: { type: "string", default: "kizuna-demo" },
    currency: { type: "string", default: "JPY" },
    seed: { type: "string", default: "1" },
    plan: { type: "string", default: "shopify" },
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    "app-url": { type: "string" },
    "api-key": { type: "string" },
    "api-secret": { type: "string" },
    "horizon-days": { type: "string", default: "90" },
    live: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

if (values.help) {
  console.log(`Usage: npm run fake-shopify -- [options]
  --customers N        customers per shop (default 1000; up to ~1,000,000)
  --shops a,b          shop handles (default kizuna-demo)
  --currency JPY|USD|… shop currency (default JPY)
  --seed N             generator seed (default 1)
  --plan basic|shopify|advanced|plus|enterprise   throttle limits (default shopify)
  --port N             listen port (default: any free port)
  --app-url URL        deliver webhooks to this app base URL
  --api-key / --api-secret   app credentials (default: client_id from shopify.app.toml / fake secret)
  --horizon-days N     days of generated future for time advance (default 90)
  --live               let generated orders arrive in real time`);
  process.exit(0);
}

const currency = values.currency.toUpperCase();
if (!isCurrencyCode(currency)) throw new Error(`unsupported currency ${values.currency}`);
const plan = values.plan as ShopPlanName;
if (!PLANS.has(plan)) throw new Error(`unknown plan ${values.plan}`);

const started = performance.now();
const fake = await startFakeShopify({
  shops: values.shops.split(",").map((handle, i) => ({
    domain: handle.trim(),
    customers: Number(values.customers),
    currency,
    seed: Number(values.seed) + i,
    plan,
    horizonDays: Number(values["horizon-days"]),
  })),
  port: Number(values.port),
  host: values.host,
  appUrl: values["app-url"] ?? null,
  apiKey: values["api-key"],
  apiSecret: values["api-secret"],
  live: values.live,
});

console.log(
  `fake Shopify listening on ${fake.url} (ready in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
);
console.log(`  api key ${fake.apiKey}   api secret ${fake.apiSecret}`);
for (const shop of fake.shops.values()) {
  const counts = shop.counts();
  console.log(
    `  ${shop.domain}: ${counts.customers} customers, ${counts.orders} orders, ${shop.spec.currency.code}, ${shop.spec.timezone}`,
  );
}
console.log(
  `redirect an app process:   FAKE_SHOPIFY_URL=${fake.url} node --import ./test/fake-shopify/register.mjs …`,
);
console.log(`inspect / control:         curl ${fake.url}/__fake`);
console.log(`webhooks go to:            ${values["app-url"] ?? "(nowhere: pass --app-url)"}`);

const stop = () => {
  void fake.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
