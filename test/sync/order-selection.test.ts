// ORDER_FOR_SYNC, ORDERS_CHANGED and BULK_ORDERS repeat the Order fields on purpose (codegen
// types only static #graphql text), and rows.ts maps one shape from all three: they must
// select the same fields. Allowed differences: connection arguments (page sizes, none in
// bulk queries), a connection's pageInfo (reconciliation pages ask whether an order has more
// line items) and edges { node } in bulk queries where the others use nodes.
import {
  Kind,
  parse,
  type FieldNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { describe, expect, it } from "vitest";
import { BULK_ORDERS, ORDERS_CHANGED, ORDER_FOR_SYNC } from "../../app/sync/operations";

function fields(set: SelectionSetNode | undefined): FieldNode[] {
  if (set === undefined) return [];
  return set.selections.map((s) => {
    if (s.kind !== Kind.FIELD) throw new Error(`unexpected ${s.kind} in an order selection`);
    return s;
  });
}

function child(set: SelectionSetNode | undefined, name: string): SelectionSetNode | undefined {
  return fields(set).find((f) => f.name.value === name)?.selectionSet;
}

/**
 * A selection set as sorted text without arguments or aliases, `edges { node { … } }`
 * written as `nodes { … }`.
 */
function normalise(set: SelectionSetNode | undefined): string {
  const parts = fields(set)
    .filter((f) => f.name.value !== "pageInfo")
    .map((f) => {
      const sub = f.selectionSet;
      if (sub === undefined) return f.name.value;
      if (f.name.value === "edges") return `nodes{${normalise(child(sub, "node"))}}`;
      return `${f.name.value}{${normalise(sub)}}`;
    });
  // A field written twice is valid GraphQL (identical selections merge) but a copy to keep
  // in step by hand: refuse it.
  const repeated = parts.filter((p, i) => parts.indexOf(p) !== i);
  if (repeated.length > 0) throw new Error(`fields selected twice: ${repeated.join(", ")}`);
  return parts.sort().join(" ");
}

function operation(source: string): OperationDefinitionNode {
  const doc = parse(source);
  const op = doc.definitions[0];
  if (doc.definitions.length !== 1 || op.kind !== Kind.OPERATION_DEFINITION) {
    throw new Error("expected a single operation");
  }
  return op;
}

/** The Order selection: order { … }, orders { nodes { … } } or orders { edges { node { … } } }. */
function orderSelection(source: string): string {
  const root = operation(source).selectionSet;
  const single = child(root, "order");
  if (single !== undefined) return normalise(single);
  const orders = child(root, "orders");
  const nodes = child(orders, "nodes") ?? child(child(orders, "edges"), "node");
  if (nodes === undefined) throw new Error("no Order selection found");
  return normalise(nodes);
}

describe("the Order selection of the sync operations", () => {
  const single = orderSelection(ORDER_FOR_SYNC);

  it("is the same in ORDER_FOR_SYNC, ORDERS_CHANGED and BULK_ORDERS", () => {
    expect(orderSelection(ORDERS_CHANGED)).toBe(single);
    expect(orderSelection(BULK_ORDERS)).toBe(single);
  });

  it("covers the fields rows.ts maps, nested ones included", () => {
    for (const f of [
      "id",
      "processedAt",
      "updatedAt",
      "cancelledAt",
      "test",
      "customer{id}",
      "attribution{handle}",
      "discountCodes",
    ]) {
      expect(single.split(" ")).toContain(f);
    }
    expect(single).toContain(
      "customerJourneySummary{firstVisit{landingPage referrerUrl source sourceType utmParameters{campaign content medium source term}} ready}",
    );
    const lineItems = single.slice(single.indexOf("lineItems{"));
    for (const f of [
      "id",
      "quantity",
      "currentQuantity",
      "isGiftCard",
      "product{id}",
      "variant{id}",
      "originalTotalSet{shopMoney{amount currencyCode}}",
      "discountAllocations{allocatedAmountSet{shopMoney{amount currencyCode}}}",
      "sellingPlan{sellingPlanId}",
    ]) {
      expect(lineItems).toContain(f);
    }
    expect(single).toContain("totalRefundedSet{shopMoney{amount currencyCode}}");
  });

  it("notices a drift: a changed nested field or an extra field", () => {
    const missing = BULK_ORDERS.replace(/^\s*sellingPlanId\n/m, "").replace(
      "sellingPlan {",
      "sellingPlan { id",
    );
    expect(missing).not.toBe(BULK_ORDERS);
    expect(orderSelection(missing)).not.toBe(single);
    const extra = ORDERS_CHANGED.replace("cancelledAt", "cancelledAt\n        closedAt");
    expect(orderSelection(extra)).not.toBe(single);
    // Reordering fields or changing page sizes is not a drift.
    const reordered = ORDERS_CHANGED.replace("lineItems(first: 8)", "lineItems(first: 50)")
      .replace("processedAt\n", "")
      .replace("updatedAt\n", "updatedAt\n        processedAt\n");
    expect(orderSelection(reordered)).toBe(single);
  });
});
