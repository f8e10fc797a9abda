// What resolvers see: the shop's store, the caller's scopes, and a sink for search warnings.
import { GraphQLError } from "graphql";
import type { ShopSpec } from "../generator/spec";
import type { ShopStore } from "../store/shop-store";
import type { SearchWarning } from "../store/search-query";
import type { ShopApi } from "../bulk/types";

export interface SearchExtension {
  path: string[];
  query: string;
  warnings: SearchWarning[];
}

export interface ResolverContext {
  store: ShopStore;
  spec: ShopSpec;
  shopId: number;
  scopes: ReadonlySet<string>;
  search: SearchExtension[];
  /** Present for API requests and bulk mutations; absent inside bulk query exports. */
  api: ShopApi | null;
}

export const ACCESS_DOCS = "https://shopify.dev/api/usage/access-requirements";

/** Scopes implied by others (write_x grants read_x; read_all_orders needs read_orders). */
export function hasScope(scopes: ReadonlySet<string>, scope: string): boolean {
  if (scopes.has(scope)) return true;
  if (scope.startsWith("read_")) return scopes.has(`write_${scope.slice(5)}`);
  return false;
}

export function accessDenied(field: string, scope: string): GraphQLError {
  const requiredAccess = `\`${scope}\` access scope.`;
  return new GraphQLError(`Access denied for ${field} field. Required access: ${requiredAccess}`, {
    extensions: { code: "ACCESS_DENIED", documentation: ACCESS_DOCS, requiredAccess },
  });
}

export function requireScope(ctx: ResolverContext, field: string, scope: string): void {
  if (!hasScope(ctx.scopes, scope)) throw accessDenied(field, scope);
}

export function notImplemented(type: string, field: string): GraphQLError {
  return new GraphQLError(
    `fake-shopify does not implement ${type}.${field} (valid in Shopify's schema; add a resolver in test/fake-shopify/graphql if the app needs it)`,
    { extensions: { code: "NOT_IMPLEMENTED_BY_FAKE", typeName: type, fieldName: field } },
  );
}
