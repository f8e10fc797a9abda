// Fake Shopify bench: shop generation and bulk export speed at 1M customers (figures, not
// assertions).   npx tsx test/bench/fake-shopify.ts [--customers 1000000] [--currency JPY]
import { parseArgs } from "node:util";
import { startFakeShopify } from "../fake-shopify/index";
import { resolveSpec } from "../fake-shopify/generator/spec";
import { ShopStore } from "../fake-shopify/store/shop-store";
import { installFetchRedirect } from "../fake-shopify/redirect";
import { isCurrencyCode } from "../fake-shopify/util/money";

const { values } = parseArgs({
  options: {
    customers: { type: "string", default: "1000000" },
    currency: { type: "string", default: "JPY" },
    seed: { type: "string", default: "1" },
  },
});
const customers = Number(values.customers);
const currency = values.currency.toUpperCase();
if (!isCurrencyCode(currency)) throw new Error(`unsupported currency ${values.currency}`);

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString("en-US")}/s`;
const memory = () => {
  const m = process.memoryUsage();
  return `rss ${mb(m.rss)}, heap ${mb(m.heapUsed)}, typed arrays ${mb(m.arrayBuffers)}`;
};

console.log(
  `fake Shopify bench: ${customers.toLocaleString("en-US")} customers, ${currency}, node ${process.version}`,
);

// 1. Generation: one streaming pass over every slot into typed-array columns.
{
  const spec = resolveSpec({
    customers,
    currency,
    seed: Number(values.seed),
    end: "2026-11-01T00:00:00Z",
    horizonDays: 0,
  });
  const t0 = performance.now();
  const store = new ShopStore(spec, () => spec.endSec);
  const buildMs = performance.now() - t0;
  const counts = store.counts();
  console.log(
    `generate   ${counts.customers.toLocaleString("en-US")} customers, ${counts.orders.toLocaleString("en-US")} orders in ${(buildMs / 1000).toFixed(1)} s ` +
      `(${rate(counts.orders, buildMs)} orders) — ${memory()}`,
  );
  const t1 = performance.now();
  let orders = 0;
  let lineItems = 0;
  for (const slot of store.visibleSlots()) {
    for (const order of slot.orders) {
      orders++;
      lineItems += order.lines.length;
      store.totals(order);
    }
  }
  const scanMs = performance.now() - t1;
  console.log(
    `truth scan ${orders.toLocaleString("en-US")} orders, ${lineItems.toLocaleString("en-US")} line items in ${(scanMs / 1000).toFixed(1)} s (${rate(orders, scanMs)} orders)`,
  );
}

// 2. Bulk export over HTTP, as the app runs it: bulkOperationRunQuery, poll, download.
{
  const t0 = performance.now();
  const fake = await startFakeShopify({
    shops: [
      {
        domain: "bench",
        customers,
        currency,
        seed: Number(values.seed),
        horizonDays: 0,
        plan: "plus",
      },
    ],
  });
  const redirect = installFetchRedirect(fake.url);
  console.log(`fake up    in ${((performance.now() - t0) / 1000).toFixed(1)} s — ${memory()}`);
  const shop = fake.shop();
  const token = shop.accessToken().accessToken;
  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(`https://${shop.domain}/admin/api/2026-10/graphql.json`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-shopify-access-token": token },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data: Record<string, Record<string, unknown>> };
  };
  const bulkQuery = `{ orders { edges { node {
    id processedAt updatedAt cancelledAt test sourceName customer { id }
    totalPriceSet { shopMoney { amount currencyCode } } totalRefundedSet { shopMoney { amount } }
    currentSubtotalLineItemsQuantity refunds { id createdAt totalRefundedSet { shopMoney { amount } } }
    lineItems { edges { node { id quantity currentQuantity sellingPlan { sellingPlanId } } } }
  } } } }`;
  const t1 = performance.now();
  const started = await gql(
    `mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } userErrors { message } } }`,
    { q: bulkQuery },
  );
  const id = String((started.data.bulkOperationRunQuery?.bulkOperation as { id: string }).id);
  let op: Record<string, unknown> = {};
  for (;;) {
    op =
      (
        await gql(
          `query($id: ID!) { bulkOperation(id: $id) { status objectCount rootObjectCount fileSize url } }`,
          { id },
        )
      ).data.bulkOperation ?? {};
    if (op.status !== "CREATED" && op.status !== "RUNNING") break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const exportMs = performance.now() - t1;
  const objects = Number(op.objectCount);
  const roots = Number(op.rootObjectCount);
  const bytes = Number(op.fileSize);
  console.log(
    `bulk export ${String(op.status)}: ${roots.toLocaleString("en-US")} orders + ${(objects - roots).toLocaleString("en-US")} child lines, ${mb(bytes)} JSONL in ` +
      `${(exportMs / 1000).toFixed(1)} s (${rate(roots, exportMs)} orders, ${rate(objects, exportMs)} lines, ${mb((bytes / exportMs) * 1000)}/s) — ${memory()}`,
  );
  const t2 = performance.now();
  const res = await fetch(String(op.url));
  let downloaded = 0;
  const reader = res.body?.getReader();
  for (let r = await reader?.read(); r && !r.done; r = await reader?.read())
    downloaded += r.value.length;
  const downloadMs = performance.now() - t2;
  console.log(
    `download   ${mb(downloaded)} in ${(downloadMs / 1000).toFixed(1)} s (${mb((downloaded / downloadMs) * 1000)}/s)`,
  );
  redirect.uninstall();
  await fake.close();
}
