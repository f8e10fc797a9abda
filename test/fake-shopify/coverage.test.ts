// Every field the app's operations select must be answered by the fake; otherwise tests
// against it would fail at run time with NOT_IMPLEMENTED_BY_FAKE. Failing here names the
// resolver to add in test/fake-shopify/graphql.
import { fileURLToPath } from "node:url";
import {
  getNamedType,
  isObjectType,
  Kind,
  parse,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from "graphql";
import { describe, expect, it } from "vitest";
import { planBulkQuery } from "./bulk/bulk-query";
import { isConnectionField } from "./graphql/cost";
import { isImplemented } from "./graphql/implemented";
import { adminSchema } from "./graphql/schema";
import { findOperationDocuments } from "./operations";

const root = fileURLToPath(new URL("../..", import.meta.url));

function unimplementedFields(source: string): string[] {
  const schema = adminSchema();
  const typeInfo = new TypeInfo(schema);
  const missing = new Set<string>();
  visit(
    parse(source),
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent) return;
        const field = node.name.value;
        if (isObjectType(parent)) {
          if (!isImplemented(parent.name, field)) missing.add(`${parent.name}.${field}`);
          return;
        }
        // Interfaces (Node, …): enough that the types the fake returns answer the field.
        const possible = schema.getPossibleTypes(getNamedType(parent) as never);
        if (
          !possible.some(
            (type) => isImplemented(type.name, "id") && isImplemented(type.name, field),
          )
        ) {
          missing.add(`${parent.name}.${field}`);
        }
      },
    }),
  );
  return [...missing];
}

describe("fake Shopify coverage of the app's operations", () => {
  const documents = findOperationDocuments(root);
  it.each(documents.map((d) => [`${d.file}:${d.line}`, d.source] as const))(
    "%s only uses implemented fields",
    (_where, source) => {
      expect(unimplementedFields(source)).toEqual([]);
    },
  );

  // Bulk query documents: variable-free queries whose single root field is a connection
  // selected without first/last (regular pagination always passes one of them).
  const bulkDocuments = documents.filter((d) => {
    const operation = parse(d.source).definitions[0];
    if (operation?.kind !== Kind.OPERATION_DEFINITION || operation.operation !== "query")
      return false;
    const root = operation.selectionSet.selections[0];
    if (operation.selectionSet.selections.length !== 1 || root?.kind !== Kind.FIELD) return false;
    const field = adminSchema().getQueryType()?.getFields()[root.name.value];
    const paged = (root.arguments ?? []).some(
      (a) => a.name.value === "first" || a.name.value === "last",
    );
    return (
      field !== undefined &&
      isConnectionField(field) &&
      !paged &&
      (operation.variableDefinitions ?? []).length === 0
    );
  });
  it.each(bulkDocuments.map((d) => [`${d.file}:${d.line}`, d.source] as const))(
    "%s plans as a bulk query",
    (_where, source) => {
      const plan = planBulkQuery(adminSchema(), source);
      expect(Array.isArray(plan) ? plan : []).toEqual([]);
    },
  );

  it("rejects a bulk query without a root connection", () => {
    const plan = planBulkQuery(adminSchema(), `{ shop { name } }`);
    expect(Array.isArray(plan) && plan[0]?.code).toBe("INVALID");
  });

  it("detects a field the fake does not implement", () => {
    expect(
      unimplementedFields(`{ orders(first: 1) { nodes { id billingAddress { city } } } }`),
    ).toEqual(["Order.billingAddress", "MailingAddress.city"]);
  });
});
