// Bulk query export: validates a bulk query the way Shopify restricts them (one top-level
// connection, ≤ 5 connections, nesting depth ≤ 2, no connection inside a list), compiles it
// into a projection over the shared field resolvers, and streams JSONL where nested
// connection items become their own lines with `__parentId`.
import {
  getArgumentValues,
  getNamedType,
  GraphQLError,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from "graphql";
import { notImplemented, type ResolverContext } from "../graphql/context";
import { collectFields, isConnectionField } from "../graphql/cost";
import { variantRoots, type ProductVariantNode } from "../graphql/catalog";
import {
  CONNECTION_CHILDREN,
  type Args,
  type CustomerNode,
  type OrderNode,
} from "../graphql/nodes";
import { TYPE_RESOLVERS } from "../graphql/resolvers";
import {
  compileCustomerSearch,
  compileOrderSearch,
  RECENT_ORDERS_WINDOW,
} from "../graphql/search-fields";
import { hasScope } from "../graphql/context";
import { isImplemented } from "../graphql/implemented";
import type { BulkUserError } from "./types";

const ROOT_SCOPES: Record<string, string> = {
  orders: "read_orders",
  customers: "read_customers",
  productVariants: "read_products",
};

/** Resolves one field of one source (resolver table entry, or a plain property). */
type Read = (source: unknown, args: Args, ctx: ResolverContext) => unknown;

type Entry =
  | { kind: "typename"; key: string }
  | { kind: "leaf"; key: string; field: string; args: Args; read: Read }
  | {
      kind: "object";
      key: string;
      field: string;
      args: Args;
      list: boolean;
      sub: Projection;
      read: Read;
    };

function reader(typeName: string, field: string): Read {
  const resolver = TYPE_RESOLVERS[typeName]?.[field];
  if (resolver) return (source, args, ctx) => resolver(source as never, args, ctx);
  return (source) => {
    if (source !== null && typeof source === "object" && Object.hasOwn(source, field)) {
      return (source as Record<string, unknown>)[field];
    }
    throw notImplemented(typeName, field);
  };
}

export interface Projection {
  type: GraphQLObjectType;
  entries: Entry[];
  /** Nested connections: their items become separate lines. */
  children: Array<{ field: string; projection: Projection }>;
}

export interface BulkQueryPlan {
  root: "orders" | "customers" | "productVariants";
  rootArgs: Args;
  projection: Projection;
  requiredScopes: string[];
}

class PlanError extends Error {}

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

function mergedSelection(nodes: FieldNode[]): SelectionSetNode | null {
  const selections = nodes.flatMap((n) => n.selectionSet?.selections ?? []);
  return selections.length === 0 ? null : { kind: Kind.SELECTION_SET, selections };
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  connections: number;
  scopes: Set<string>;
}

function connectionItems(
  walk: Walk,
  connection: GraphQLObjectType,
  selection: SelectionSetNode | null,
): {
  type: GraphQLObjectType;
  selection: SelectionSetNode | null;
} {
  const ctx = { schema: walk.schema, fragments: walk.fragments, variables: {} };
  const parts: FieldNode[] = [];
  let itemType: GraphQLObjectType | null = null;
  if (selection) {
    for (const nodes of collectFields(ctx, connection, selection).values()) {
      const name = nodes[0]?.name.value;
      if (name === "nodes") parts.push(...nodes);
      if (name === "pageInfo") continue;
      if (name !== "edges") continue;
      const edgeType = getNamedType(connection.getFields().edges?.type ?? connection);
      const edgeSelection = mergedSelection(nodes);
      if (!isObjectType(edgeType) || !edgeSelection) continue;
      parts.push(...(collectFields(ctx, edgeType, edgeSelection).get("node") ?? []));
    }
  }
  const nodesType = getNamedType(connection.getFields().nodes?.type ?? connection);
  if (isObjectType(nodesType)) itemType = nodesType;
  if (!itemType) throw new PlanError(`Connection ${connection.name} has no object items.`);
  return { type: itemType, selection: mergedSelection(parts) };
}

function compileProjection(
  walk: Walk,
  type: GraphQLObjectType,
  selection: SelectionSetNode | null,
  depth: number,
  inList: boolean,
): Projection {
  const projection: Projection = { type, entries: [], children: [] };
  if (!selection) return projection;
  const ctx = { schema: walk.schema, fragments: walk.fragments, variables: {} };
  for (const [key, nodes] of collectFields(ctx, type, selection)) {
    const first = nodes[0];
    if (!first) continue;
    const name = first.name.value;
    if (name === "__typename") {
      projection.entries.push({ kind: "typename", key });
      continue;
    }
    const field = type.getFields()[name];
    if (!field) continue;
    if (!isImplemented(type.name, name)) throw notImplemented(type.name, name);
    if (type.name === "Order" && name === "customer") walk.scopes.add("read_customers");
    if (type.name === "Customer" && name === "orders") walk.scopes.add("read_orders");
    const args = getArgumentValues(field, first, {});
    const named = getNamedType(field.type);
    if (isConnectionField(field)) {
      if (inList)
        throw new PlanError(
          "Queries that contain a connection field within a list field are not currently supported.",
        );
      walk.connections++;
      if (walk.connections > 5)
        throw new PlanError("Bulk queries cannot contain more than 5 connections.");
      if (depth + 1 > 2)
        throw new PlanError(
          "Bulk queries cannot contain connections with a nesting depth greater than 2.",
        );
      if (!isObjectType(named) || !CONNECTION_CHILDREN[type.name]?.[name])
        throw notImplemented(type.name, name);
      const items = connectionItems(walk, named, mergedSelection(nodes));
      projection.children.push({
        field: name,
        projection: compileProjection(walk, items.type, items.selection, depth + 1, false),
      });
      continue;
    }
    if (isLeafType(named)) {
      projection.entries.push({
        kind: "leaf",
        key,
        field: name,
        args,
        read: reader(type.name, name),
      });
      continue;
    }
    if (!isObjectType(named))
      throw new PlanError(`fake-shopify bulk export does not support abstract type ${named.name}.`);
    const list = isList(field.type);
    projection.entries.push({
      kind: "object",
      key,
      field: name,
      args,
      list,
      sub: compileProjection(walk, named, mergedSelection(nodes), depth, inList || list),
      read: reader(type.name, name),
    });
  }
  // Children need their parent's id for __parentId; Shopify includes it.
  if (
    projection.children.length > 0 &&
    !projection.entries.some((e) => e.kind === "leaf" && e.key === "id")
  ) {
    projection.entries.unshift({
      kind: "leaf",
      key: "id",
      field: "id",
      args: {},
      read: reader(type.name, "id"),
    });
  }
  return projection;
}

export function planBulkQuery(
  schema: GraphQLSchema,
  query: string,
): BulkQueryPlan | BulkUserError[] {
  const invalid = (message: string): BulkUserError[] => [
    { field: ["query"], message, code: "INVALID" },
  ];
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    if (error instanceof GraphQLError) return invalid(`Invalid bulk query: ${error.message}`);
    throw error;
  }
  const errors = validate(schema, document);
  if (errors.length > 0)
    return invalid(`Invalid bulk query: ${errors.map((e) => e.message).join(" ")}`);
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operations[0];
  if (!operation || operations.length !== 1 || operation.operation !== "query") {
    return invalid("Invalid bulk query: a bulk query must contain exactly one query operation.");
  }
  if ((operation.variableDefinitions ?? []).length > 0) {
    return invalid("Invalid bulk query: variables are not supported in bulk queries.");
  }
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  const rootType = schema.getQueryType();
  if (!rootType) return invalid("schema without query root");
  const walk: Walk = { schema, fragments, connections: 0, scopes: new Set() };
  const top = [
    ...collectFields(
      { schema, fragments, variables: {} },
      rootType,
      operation.selectionSet,
    ).entries(),
  ].filter(([, nodes]) => nodes[0]?.name.value !== "__typename");
  if (top.length !== 1)
    return invalid("Invalid bulk query: bulk queries must select exactly one top-level field.");
  const [, nodes] = top[0] ?? ["", []];
  const first = nodes[0];
  const rootField = first ? rootType.getFields()[first.name.value] : undefined;
  if (!first || !rootField || !isConnectionField(rootField)) {
    return invalid("Invalid bulk query: Bulk queries must contain at least one connection.");
  }
  const root = rootField.name;
  if (root !== "orders" && root !== "customers" && root !== "productVariants") {
    return invalid(`Invalid bulk query: fake-shopify does not implement bulk export of '${root}'.`);
  }
  walk.scopes.add(ROOT_SCOPES[root] ?? "");
  walk.connections = 1;
  try {
    const connectionType = getNamedType(rootField.type);
    if (!isObjectType(connectionType))
      return invalid("Invalid bulk query: root is not a connection.");
    const items = connectionItems(walk, connectionType, mergedSelection(nodes));
    const projection = compileProjection(walk, items.type, items.selection, 1, false);
    return {
      root,
      rootArgs: getArgumentValues(rootField, first, {}),
      projection,
      requiredScopes: [...walk.scopes],
    };
  } catch (error) {
    if (error instanceof PlanError) return invalid(`Invalid bulk query: ${error.message}`);
    if (error instanceof GraphQLError) return invalid(`Invalid bulk query: ${error.message}`);
    throw error;
  }
}

// ── execution ─────────────────────────────────────────────────────────────────────────

function resolve(
  typeName: string,
  field: string,
  source: unknown,
  args: Args,
  ctx: ResolverContext,
): unknown {
  const resolver = TYPE_RESOLVERS[typeName]?.[field];
  if (resolver) return resolver(source as never, args, ctx);
  if (source !== null && typeof source === "object" && Object.hasOwn(source, field)) {
    return (source as Record<string, unknown>)[field];
  }
  throw notImplemented(typeName, field);
}

function project(
  projection: Projection,
  source: unknown,
  ctx: ResolverContext,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const typeName = projection.type.name;
  for (const entry of projection.entries) {
    if (entry.kind === "typename") {
      out[entry.key] = typeName;
      continue;
    }
    const value = entry.read(source, entry.args, ctx);
    if (entry.kind === "leaf") out[entry.key] = value ?? null;
    else if (value === null || value === undefined) out[entry.key] = null;
    else if (entry.list && Array.isArray(value))
      out[entry.key] = value.map((v) => project(entry.sub, v, ctx));
    else out[entry.key] = project(entry.sub, value, ctx);
  }
  return out;
}

export interface BulkLine {
  json: string;
  root: boolean;
}

/** Lines for one root object: the object, then its connection items (with __parentId). */
export function linesFor(
  plan: BulkQueryPlan,
  node: OrderNode | CustomerNode | ProductVariantNode,
  ctx: ResolverContext,
): string[] {
  const lines = [JSON.stringify(project(plan.projection, node, ctx))];
  emitChildren(lines, plan.projection, node, ctx);
  return lines;
}

function emitChildren(
  lines: string[],
  projection: Projection,
  source: unknown,
  ctx: ResolverContext,
): void {
  if (projection.children.length === 0) return;
  const parentId = resolve(projection.type.name, "id", source, {}, ctx);
  for (const child of projection.children) {
    const list = CONNECTION_CHILDREN[projection.type.name]?.[child.field];
    if (!list) throw notImplemented(projection.type.name, child.field);
    for (const item of list(source as never, ctx)) {
      const line = project(child.projection, item, ctx);
      line.__parentId = parentId;
      lines.push(JSON.stringify(line));
      emitChildren(lines, child.projection, item, ctx);
    }
  }
}

/** Root objects of the plan, honouring the root field's `query` argument. */
export function* rootNodes(
  plan: BulkQueryPlan,
  ctx: ResolverContext,
): Generator<OrderNode | CustomerNode | ProductVariantNode> {
  const store = ctx.store;
  const query = typeof plan.rootArgs.query === "string" ? plan.rootArgs.query : null;
  if (plan.root === "productVariants") {
    yield* variantRoots(ctx, query);
    return;
  }
  if (plan.root === "orders") {
    const search = compileOrderSearch(store, query);
    const since = hasScope(ctx.scopes, "read_all_orders")
      ? null
      : store.now() - RECENT_ORDERS_WINDOW;
    for (const slot of store.visibleSlots(false)) {
      for (let i = 0; i < slot.orders.length; i++) {
        const serial = slot.serials[i] ?? -1;
        const state = slot.orders[i];
        if (!state) continue;
        if (since !== null && state.createdAt < since) continue;
        if (query && !search.test({ store, serial })) continue;
        yield { __typename: "Order", serial, state };
      }
    }
    return;
  }
  const search = compileCustomerSearch(store, query);
  for (const slot of store.visibleSlots()) {
    if (!slot.customer) continue;
    if (query && !search.test({ store, slot: slot.slot })) continue;
    yield { __typename: "Customer", slot: slot.slot, state: slot.customer };
  }
}
