// Bulk operations end to end over HTTP: query exports reconstruct every order with its
// children from JSONL (__parentId, shuffled when groupObjects is false), the finish webhook,
// concurrency limits, injected failures, URL expiry, and bulk mutations via staged uploads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installFetchRedirect, startFakeShopify, type FakeShopify } from "./index";
import { decimalToMinor } from "./util/money";
import { adminGraphql, startWebhookReceiver, waitFor, type WebhookReceiver } from "./test-helpers";

let fake: FakeShopify;
let receiver: WebhookReceiver;
let token: string;
const domain = "bulk-shop.myshopify.com";
const redirect = installFetchRedirect();

const ORDERS_QUERY = `{
  orders {
    edges {
      node {
        id legacyResourceId name processedAt cancelledAt test
        customer { id }
        totalPriceSet { shopMoney { amount currencyCode } }
        currentTotalPriceSet { shopMoney { amount } }
        totalRefundedSet { shopMoney { amount } }
        refunds { id createdAt totalRefundedSet { shopMoney { amount } } }
        lineItems { edges { node { id quantity currentQuantity sellingPlan { sellingPlanId } } } }
      }
    }
  }
}`;

interface BulkOp {
  id: string;
  status: string;
  errorCode: string | null;
  objectCount: string;
  rootObjectCount: string;
  url: string | null;
  partialDataUrl: string | null;
}

async function gql(query: string, variables: Record<string, unknown> = {}) {
  const reply = await adminGraphql(fake, domain, token, query, variables);
  if (reply.body.errors) throw new Error(JSON.stringify(reply.body.errors));
  return reply.body.data as Record<string, never>;
}

async function runQuery(query: string, groupObjects = false): Promise<string> {
  const data = await gql(
    `mutation($q: String!, $g: Boolean!) { bulkOperationRunQuery(query: $q, groupObjects: $g) { bulkOperation { id status } userErrors { field message code } } }`,
    { q: query, g: groupObjects },
  );
  const payload = data.bulkOperationRunQuery as {
    bulkOperation: { id: string; status: string } | null;
    userErrors: unknown[];
  };
  expect(payload.userErrors).toEqual([]);
  expect(payload.bulkOperation?.status).toBe("CREATED");
  return payload.bulkOperation?.id ?? "";
}

async function operation(id: string): Promise<BulkOp> {
  const data = await gql(
    `query($id: ID!) { bulkOperation(id: $id) { id status errorCode objectCount rootObjectCount url partialDataUrl } }`,
    { id },
  );
  return data.bulkOperation as BulkOp;
}

async function finished(id: string): Promise<BulkOp> {
  for (;;) {
    const op = await operation(id);
    if (!["CREATED", "RUNNING", "CANCELING"].includes(op.status)) return op;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function download(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return res.text();
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  fake = await startFakeShopify({
    shops: [{ domain, customers: 800, seed: 9, currency: "JPY", horizonDays: 0 }],
    appUrl: receiver.url,
  });
  redirect.setTarget(fake.url);
  token = fake.shop().accessToken().accessToken;
}, 60_000);

afterAll(async () => {
  redirect.setTarget(null);
  await fake.close();
  await receiver.close();
});

describe("bulk query export", () => {
  it("reconstructs every order with its line items and refunds from shuffled JSONL", async () => {
    const id = await runQuery(ORDERS_QUERY, false);
    const op = await finished(id);
    expect(op.status).toBe("COMPLETED");
    expect(op.url).toMatch(/^https:\/\/storage\.googleapis\.com\//);
    const lines = (await download(op.url ?? ""))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(String(lines.length)).toBe(op.objectCount);

    const orders = new Map<
      string,
      { line: Record<string, unknown>; index: number; items: Array<Record<string, unknown>> }
    >();
    lines.forEach((line, index) => {
      if (!("__parentId" in line)) orders.set(String(line.id), { line, index, items: [] });
    });
    let childBeforeParent = false;
    lines.forEach((line, index) => {
      if (!("__parentId" in line)) return;
      const parent = orders.get(String(line.__parentId));
      if (!parent) throw new Error(`orphan line ${JSON.stringify(line)}`);
      if (index < parent.index) childBeforeParent = true;
      parent.items.push(line);
    });
    // groupObjects: false — children need not follow their parents.
    expect(childBeforeParent).toBe(true);

    const truth = [...fake.shop().orders()];
    expect(orders.size).toBe(truth.length);
    expect(String(truth.length)).toBe(op.rootObjectCount);
    for (const t of truth) {
      const got = orders.get(t.gid);
      if (!got) throw new Error(`missing order ${t.gid}`);
      const o = got.line as Record<string, never>;
      const minor = (set: { shopMoney: { amount: string } }) =>
        decimalToMinor(set.shopMoney.amount, 0);
      expect({
        name: o.name,
        processedAt: o.processedAt,
        cancelledAt: o.cancelledAt,
        test: o.test,
        customerId: (o.customer as { id: string } | null)?.id ?? null,
        total: minor(o.totalPriceSet),
        current: minor(o.currentTotalPriceSet),
        refunded: minor(o.totalRefundedSet),
        refunds: (
          o.refunds as Array<{ id: string; totalRefundedSet: { shopMoney: { amount: string } } }>
        ).map((r) => [r.id, minor(r.totalRefundedSet)]),
        items: got.items
          .map((i) => [
            i.id,
            i.quantity,
            i.currentQuantity,
            (i.sellingPlan as { sellingPlanId: string } | null)?.sellingPlanId ?? null,
          ])
          .sort(),
      }).toEqual({
        name: t.name,
        processedAt: t.processedAt,
        cancelledAt: t.cancelledAt,
        test: t.test,
        customerId: t.customerId === null ? null : `gid://shopify/Customer/${t.customerId}`,
        total: t.totalMinor,
        current: t.currentTotalMinor,
        refunded: t.refundedMinor,
        refunds: t.refunds.map((r) => [`gid://shopify/Refund/${r.id}`, r.amountMinor]),
        items: t.lineItems
          .map((i) => [
            `gid://shopify/LineItem/${i.id}`,
            i.quantity,
            i.currentQuantity,
            i.sellingPlanId === null ? null : `gid://shopify/SellingPlan/${i.sellingPlanId}`,
          ])
          .sort(),
      });
    }
    await fake.webhooks.flush();
    const finish = receiver.received.find((h) => h.topic === "bulk_operations/finish");
    expect(JSON.parse(finish?.rawBody ?? "{}")).toMatchObject({
      admin_graphql_api_id: id,
      status: "completed",
      type: "query",
      error_code: null,
    });
  });

  it("keeps children right after their parent with groupObjects: true", async () => {
    const op = await finished(
      await runQuery(
        `{ customers { edges { node { id orders { edges { node { id } } } } } } }`,
        true,
      ),
    );
    const lines = (await download(op.url ?? ""))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    let currentParent: unknown = null;
    for (const line of lines) {
      if ("__parentId" in line) expect(line.__parentId).toBe(currentParent);
      else currentParent = line.id;
    }
    expect(lines.filter((l) => !("__parentId" in l)).length).toBe(fake.shop().counts().customers);
  });

  it("rejects invalid bulk queries with INVALID user errors", async () => {
    const cases = [
      `{ orders { edges { node { id bogus } } } }`,
      `{ shop { name } }`,
      `{ customers { edges { node { id orders { edges { node { lineItems { edges { node { id } } } } } } } } } }`,
    ];
    const messages: string[] = [];
    for (const q of cases) {
      const data = await gql(
        `mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } userErrors { field message code } } }`,
        { q },
      );
      const payload = data.bulkOperationRunQuery as {
        bulkOperation: null;
        userErrors: Array<{ code: string; message: string; field: string[] }>;
      };
      expect(payload.bulkOperation).toBeNull();
      expect(payload.userErrors[0]?.code).toBe("INVALID");
      expect(payload.userErrors[0]?.field).toEqual(["query"]);
      messages.push(payload.userErrors[0]?.message ?? "");
    }
    expect(messages[0]).toContain('Cannot query field "bogus" on type "Order".');
    expect(messages[1]).toContain("at least one connection");
    expect(messages[2]).toContain("nesting depth greater than 2");
  });

  it("allows five concurrent operations and refuses the sixth; cancel works", async () => {
    fake.bulkConfig.rootsPerSecond = 200;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await runQuery(`{ customers { edges { node { id } } } }`));
    const data = await gql(
      `mutation { bulkOperationRunQuery(query: "{ orders { edges { node { id } } } }") { bulkOperation { id } userErrors { message code } } }`,
    );
    const payload = data.bulkOperationRunQuery as {
      bulkOperation: null;
      userErrors: Array<{ code: string }>;
    };
    expect(payload.bulkOperation).toBeNull();
    expect(payload.userErrors[0]?.code).toBe("OPERATION_IN_PROGRESS");
    for (const id of ids)
      await gql(
        `mutation($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { status } userErrors { message } } }`,
        { id },
      );
    fake.bulkConfig.rootsPerSecond = null;
    for (const id of ids) expect((await finished(id)).status).toBe("CANCELED");
  });

  it("reports FAILED/TIMEOUT with partial data, and serves truncated files when told to", async () => {
    fake.faults.force("bulkTimeout");
    const failed = await finished(await runQuery(`{ orders { edges { node { id } } } }`));
    expect(failed).toMatchObject({ status: "FAILED", errorCode: "TIMEOUT", url: null });
    const partial = (await download(failed.partialDataUrl ?? "")).trimEnd().split("\n");
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(fake.shop().counts().orders);

    fake.faults.force("bulkTruncate");
    const truncated = await finished(await runQuery(`{ orders { edges { node { id name } } } }`));
    expect(truncated.status).toBe("COMPLETED");
    const text = await download(truncated.url ?? "");
    expect(text.endsWith("\n")).toBe(false);
    expect(() => JSON.parse(text.split("\n").at(-1) ?? "")).toThrow();
    expect(fake.faults.counts.bulkTimeout).toBe(1);
    expect(fake.faults.counts.bulkTruncate).toBe(1);
  });

  it("expires result URLs and operations after seven days; empty results have no url", async () => {
    const empty = await finished(
      await runQuery(`{ customers(query: "tag:no-such-tag") { edges { node { id } } } }`),
    );
    expect(empty).toMatchObject({ status: "COMPLETED", objectCount: "0", url: null });
    const op = await finished(await runQuery(`{ customers { edges { node { id } } } }`));
    fake.advance({ days: 8 });
    const res = await fetch(op.url ?? "");
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>ExpiredToken</Code>");
    expect(await operation(op.id)).toMatchObject({ status: "EXPIRED", url: null });
  });
});

describe("bulk mutation", () => {
  it("runs tagsAdd for each line of a staged JSONL upload", async () => {
    const customers = [...fake.shop().customers()].slice(10, 12);
    const staged = await gql(`mutation {
      stagedUploadsCreate(input: [{ resource: BULK_MUTATION_VARIABLES, filename: "tags.jsonl", mimeType: "text/jsonl", httpMethod: POST }]) {
        stagedTargets { url resourceUrl parameters { name value } } userErrors { message }
      }
    }`);
    const target = (
      staged.stagedUploadsCreate as {
        stagedTargets: Array<{ url: string; parameters: Array<{ name: string; value: string }> }>;
      }
    ).stagedTargets[0];
    if (!target) throw new Error("no staged target");
    const form = new FormData();
    for (const p of target.parameters) form.append(p.name, p.value);
    const jsonl = [
      ...customers.map((c) => JSON.stringify({ id: c.gid, tags: ["bulk-tagged"] })),
      JSON.stringify({ id: "gid://shopify/Customer/1", tags: ["x"] }),
    ].join("\n");
    form.append("file", new Blob([jsonl], { type: "text/jsonl" }), "tags.jsonl");
    const upload = await fetch(target.url, { method: "POST", body: form });
    expect(upload.status).toBe(201);
    const key = target.parameters.find((p) => p.name === "key")?.value ?? "";

    const run = await gql(
      `mutation($m: String!, $p: String!) { bulkOperationRunMutation(mutation: $m, stagedUploadPath: $p) { bulkOperation { id status } userErrors { field message code } } }`,
      {
        m: `mutation call($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { node { id } userErrors { field message } } }`,
        p: key,
      },
    );
    const payload = run.bulkOperationRunMutation as {
      bulkOperation: { id: string };
      userErrors: unknown[];
    };
    expect(payload.userErrors).toEqual([]);
    const op = await finished(payload.bulkOperation.id);
    expect(op.status).toBe("COMPLETED");
    const results = (await download(op.url ?? ""))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, never>);
    expect(results.map((r) => r.__lineNumber)).toEqual([0, 1, 2]);
    expect(results[0]).toMatchObject({
      data: { tagsAdd: { node: { id: customers[0]?.gid }, userErrors: [] } },
    });
    expect(results[2]).toMatchObject({
      data: { tagsAdd: { node: null, userErrors: [{ field: ["id"] }] } },
    });
    for (const c of customers) expect(fake.shop().customer(c.id)?.tags).toContain("bulk-tagged");

    const missing = await gql(
      `mutation { bulkOperationRunMutation(mutation: "mutation { tagsAdd(id: \\"x\\", tags: []) { node { id } } }", stagedUploadPath: "tmp/none") { bulkOperation { id } userErrors { code } } }`,
    );
    expect(
      (missing.bulkOperationRunMutation as { userErrors: Array<{ code: string }> }).userErrors[0]
        ?.code,
    ).toBe("NO_SUCH_FILE");
  });

  it("fails an export with ACCESS_DENIED when a field needs a scope the app lacks", async () => {
    const shop = fake.shop();
    shop.updateScopes(["read_orders", "read_all_orders"]);
    const op = await finished(
      await runQuery(`{ orders { edges { node { id customer { id } } } } }`),
    );
    expect(op).toMatchObject({ status: "FAILED", errorCode: "ACCESS_DENIED" });
    shop.updateScopes(["read_orders", "read_all_orders", "read_customers", "write_customers"]);
    await waitFor(() =>
      fake.webhooks.deliveries().some((d) => d.webhook.topic === "app/scopes_update"),
    );
  });
});
