// Every GraphQL operation in app/ and workers/ must be valid against Shopify's Admin API
// 2026-10 schema (the same schema codegen types them with and the fake Shopify serves).
import { fileURLToPath } from "node:url";
import { parse, validate, type GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { adminSchema } from "./fake-shopify/graphql/schema";
import { findOperationDocuments } from "./fake-shopify/operations";

const root = fileURLToPath(new URL("..", import.meta.url));
const documents = findOperationDocuments(root);

function problems(source: string): string[] {
  if (source.includes("${"))
    return ["interpolated documents cannot be typed by codegen; inline the text"];
  let errors: readonly GraphQLError[];
  try {
    errors = validate(adminSchema(), parse(source));
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
  return errors.map((e) => e.message);
}

describe("GraphQL operations in app/ and workers/", () => {
  it.each(documents.map((d) => [`${d.file}:${d.line}`, d.source] as const))(
    "%s is valid",
    (_where, source) => {
      expect(problems(source)).toEqual([]);
    },
  );

  it("finds the #graphql documents in the sources", () => {
    // The fake's own tests hold one #graphql literal; generated types are not sources.
    const found = findOperationDocuments(root, ["test/fake-shopify"]);
    expect(found.map((d) => d.file)).toContain("test/fake-shopify/auth.test.ts");
    expect(found.every((d) => d.source.trimStart().startsWith("#graphql"))).toBe(true);
    expect(documents.filter((d) => d.file.startsWith("app/types"))).toEqual([]);
  });

  it("rejects a document with a wrong field", () => {
    const bad = `#graphql
      query Bad { orders(first: 10) { nodes { id totalPriceV2 { amount } } } }`;
    expect(problems(bad)).toEqual([
      expect.stringMatching(/^Cannot query field "totalPriceV2" on type "Order"\./) as unknown,
    ]);
    expect(
      problems(`#graphql
      query Good { shop { ianaTimezone currencyCode } }`),
    ).toEqual([]);
  });
});
