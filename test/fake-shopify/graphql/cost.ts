// Calculated query cost, after Shopify's published rules: scalars and enums 0, objects 1,
// connections 2 + (first|last) × per-node cost, mutations 10, abstract types the maximum
// over their possible types. The actual cost counts what was returned instead of what was
// asked for; the bucket is charged the requested cost and refunded the difference.
import {
  getArgumentValues,
  getNamedType,
  isAbstractType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type DirectiveNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

export const MUTATION_COST = 10;
export const SINGLE_QUERY_MAX_COST = 1000;

interface CostContext {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

function unwrapList(type: GraphQLOutputType): boolean {
  const inner = isNonNullType(type) ? type.ofType : type;
  return isListType(inner);
}

export function isConnectionField(field: GraphQLField<unknown, unknown>): boolean {
  const named = getNamedType(field.type);
  return named.name.endsWith("Connection") && field.args.some((a) => a.name === "first");
}

function skipped(node: { directives?: readonly DirectiveNode[] }, ctx: CostContext): boolean {
  for (const directive of node.directives ?? []) {
    const name = directive.name.value;
    if (name !== "skip" && name !== "include") continue;
    const arg = directive.arguments?.find((a) => a.name.value === "if");
    if (!arg) continue;
    const value =
      arg.value.kind === Kind.VARIABLE
        ? ctx.variables[arg.value.name.value]
        : arg.value.kind === Kind.BOOLEAN
          ? arg.value.value
          : true;
    if (name === "skip" && value === true) return true;
    if (name === "include" && value === false) return true;
  }
  return false;
}

/** Fields selected on `type` (fragments applied by type condition), keyed by response name. */
export function collectFields(
  ctx: CostContext,
  type: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  out = new Map<string, FieldNode[]>(),
): Map<string, FieldNode[]> {
  for (const selection of selectionSet.selections) {
    if (skipped(selection, ctx)) continue;
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      const list = out.get(key) ?? [];
      list.push(selection);
      out.set(key, list);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition?.name.value;
      if (!condition || typeApplies(ctx.schema, condition, type))
        collectFields(ctx, type, selection.selectionSet, out);
    } else {
      const fragment = ctx.fragments[selection.name.value];
      if (fragment && typeApplies(ctx.schema, fragment.typeCondition.name.value, type)) {
        collectFields(ctx, type, fragment.selectionSet, out);
      }
    }
  }
  return out;
}

function typeApplies(schema: GraphQLSchema, condition: string, type: GraphQLObjectType): boolean {
  if (condition === type.name) return true;
  const conditionType = schema.getType(condition);
  return (
    conditionType !== undefined &&
    isAbstractType(conditionType) &&
    schema.isSubType(conditionType, type)
  );
}

function mergedSelection(nodes: FieldNode[]): SelectionSetNode | null {
  const selections = nodes.flatMap((n) => n.selectionSet?.selections ?? []);
  return selections.length === 0 ? null : { kind: Kind.SELECTION_SET, selections };
}

function possibleObjects(
  ctx: CostContext,
  type: GraphQLCompositeType,
): readonly GraphQLObjectType[] {
  return isObjectType(type) ? [type] : ctx.schema.getPossibleTypes(type);
}

function selectionCost(
  ctx: CostContext,
  type: GraphQLCompositeType,
  selectionSet: SelectionSetNode | null,
): number {
  if (!selectionSet) return 0;
  let max = 0;
  for (const object of possibleObjects(ctx, type)) {
    let sum = 0;
    for (const nodes of collectFields(ctx, object, selectionSet).values()) {
      sum += fieldCost(ctx, object, nodes);
    }
    max = Math.max(max, sum);
  }
  return max;
}

function fieldCost(ctx: CostContext, parent: GraphQLObjectType, nodes: FieldNode[]): number {
  const first = nodes[0];
  if (!first) return 0;
  const name = first.name.value;
  if (name.startsWith("__")) return 0;
  const field = parent.getFields()[name];
  if (!field) return 0;
  const named = getNamedType(field.type);
  if (isLeafType(named)) return 0;
  const selection = mergedSelection(nodes);
  const composite = named as GraphQLCompositeType;
  if (isConnectionField(field)) {
    const args = getArgumentValues(field, first, ctx.variables);
    const size = Number(args.first ?? args.last ?? 0);
    return 2 + size * connectionItemCost(ctx, composite, selection);
  }
  const childCost = 1 + selectionCost(ctx, composite, selection);
  if (unwrapList(field.type)) {
    const args = getArgumentValues(field, first, ctx.variables);
    const size = typeof args.first === "number" ? args.first : 1;
    return size * childCost;
  }
  return childCost;
}

/** Cost per item of a connection: its `edges { node }` and `nodes` selections. */
function connectionItemCost(
  ctx: CostContext,
  connection: GraphQLCompositeType,
  selection: SelectionSetNode | null,
): number {
  if (!selection || !isObjectType(connection)) return 1;
  const fields = collectFields(ctx, connection, selection);
  let cost = 0;
  const nodesField = connection.getFields().nodes;
  const nodes = fields.get("nodes");
  if (nodes && nodesField)
    cost +=
      1 +
      selectionCost(
        ctx,
        getNamedType(nodesField.type) as GraphQLCompositeType,
        mergedSelection(nodes),
      );
  const edgesField = connection.getFields().edges;
  for (const [key, edgeNodes] of fields) {
    const fieldName = edgeNodes[0]?.name.value;
    if (fieldName !== "edges" || !edgesField || key === "nodes") continue;
    const edgeType = getNamedType(edgesField.type);
    const edgeSelection = mergedSelection(edgeNodes);
    if (!isObjectType(edgeType) || !edgeSelection) continue;
    const nodeField = edgeType.getFields().node;
    const nodeSelections = collectFields(ctx, edgeType, edgeSelection).get("node");
    if (nodeField && nodeSelections) {
      cost +=
        1 +
        selectionCost(
          ctx,
          getNamedType(nodeField.type) as GraphQLCompositeType,
          mergedSelection(nodeSelections),
        );
    }
  }
  return Math.max(cost, 1);
}

/** The merged selection on connection items, whether asked through `nodes` or `edges { node }`. */
function connectionNodeSelection(
  ctx: CostContext,
  connection: GraphQLObjectType,
  selection: SelectionSetNode | null,
): SelectionSetNode | null {
  if (!selection) return null;
  const parts: FieldNode[] = [];
  for (const nodes of collectFields(ctx, connection, selection).values()) {
    const name = nodes[0]?.name.value;
    if (name === "nodes") parts.push(...nodes);
    if (name !== "edges") continue;
    const edgeType = getNamedType(connection.getFields().edges?.type ?? connection);
    const edgeSelection = mergedSelection(nodes);
    if (!isObjectType(edgeType) || !edgeSelection) continue;
    parts.push(...(collectFields(ctx, edgeType, edgeSelection).get("node") ?? []));
  }
  return mergedSelection(parts);
}

export function requestedCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): number {
  const ctx: CostContext = { schema, fragments, variables };
  if (operation.operation === "mutation") {
    const root = schema.getMutationType();
    if (!root) return 0;
    return collectFields(ctx, root, operation.selectionSet).size * MUTATION_COST;
  }
  const root = schema.getQueryType();
  return root ? selectionCost(ctx, root, operation.selectionSet) : 0;
}

function actualSelectionCost(
  ctx: CostContext,
  type: GraphQLCompositeType,
  selectionSet: SelectionSetNode | null,
  data: unknown,
): number {
  if (!selectionSet || data === null || typeof data !== "object") return 0;
  const record = data as Record<string, unknown>;
  let best = 0;
  for (const object of possibleObjects(ctx, type)) {
    let sum = 0;
    for (const [key, nodes] of collectFields(ctx, object, selectionSet)) {
      if (!(key in record)) continue;
      sum += actualFieldCost(ctx, object, nodes, record[key]);
    }
    best = Math.max(best, sum);
  }
  return best;
}

function actualFieldCost(
  ctx: CostContext,
  parent: GraphQLObjectType,
  nodes: FieldNode[],
  value: unknown,
): number {
  const first = nodes[0];
  if (!first || value === null || value === undefined) return 0;
  const field = parent.getFields()[first.name.value];
  if (!field) return 0;
  const named = getNamedType(field.type);
  if (isLeafType(named)) return 0;
  const selection = mergedSelection(nodes);
  const composite = named as GraphQLCompositeType;
  if (isConnectionField(field) && isObjectType(composite)) {
    const record = value as Record<string, unknown>;
    const items =
      (Array.isArray(record.nodes) ? record.nodes : null) ??
      (Array.isArray(record.edges) ? record.edges : []);
    let cost = 2;
    const itemType = getNamedType(
      composite.getFields().nodes?.type ?? composite,
    ) as GraphQLCompositeType;
    const nodeSelection = connectionNodeSelection(ctx, composite, selection);
    for (const item of items as unknown[]) {
      const node =
        item !== null && typeof item === "object" && "node" in (item as Record<string, unknown>)
          ? (item as Record<string, unknown>).node
          : item;
      cost += 1 + (nodeSelection ? actualSelectionCost(ctx, itemType, nodeSelection, node) : 0);
    }
    return cost;
  }
  if (Array.isArray(value)) {
    return value.reduce(
      (sum: number, item) => sum + 1 + actualSelectionCost(ctx, composite, selection, item),
      0,
    );
  }
  return 1 + actualSelectionCost(ctx, composite, selection, value);
}

export function actualCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  data: unknown,
): number {
  const ctx: CostContext = { schema, fragments, variables };
  if (operation.operation === "mutation") {
    const root = schema.getMutationType();
    if (!root || data === null || typeof data !== "object") return 0;
    return (
      [...collectFields(ctx, root, operation.selectionSet).keys()].filter(
        (k) => k in (data as object),
      ).length * MUTATION_COST
    );
  }
  const root = schema.getQueryType();
  return root ? actualSelectionCost(ctx, root, operation.selectionSet, data) : 0;
}
