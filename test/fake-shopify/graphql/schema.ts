// Shopify's Admin API 2026-10 schema, built from the committed introspection JSON.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import {
  assertValidSchema,
  buildClientSchema,
  type GraphQLSchema,
  type IntrospectionQuery,
} from "graphql";

export const ADMIN_API_VERSION = "2026-10";
export const SCHEMA_FIXTURE = fileURLToPath(
  new URL("../../fixtures/shopify/admin_2026-10.json.gz", import.meta.url),
);

let cached: GraphQLSchema | null = null;

/** The Admin API schema (built once per process, ~0.5 s). */
export function adminSchema(): GraphQLSchema {
  if (cached) return cached;
  const json: unknown = JSON.parse(gunzipSync(readFileSync(SCHEMA_FIXTURE)).toString("utf8"));
  const data = (json as { data?: IntrospectionQuery }).data;
  if (!data?.__schema) throw new Error(`${SCHEMA_FIXTURE} is not an introspection result`);
  const schema = buildClientSchema(data);
  // Validate once up front so the first request does not pay for it.
  assertValidSchema(schema);
  cached = schema;
  return schema;
}
