// One Admin GraphQL request, start to finish: parse, validate, cost, throttle, execute.
// Errors keep graphql-js's messages and shapes; Shopify-specific errors (THROTTLED,
// MAX_COST_EXCEEDED, MAX_INPUT_SIZE_EXCEEDED) follow Shopify's documented shapes.
import {
  execute,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  parse,
  validate,
  visit,
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLTypeResolver,
} from "graphql";
import { notImplemented, type ResolverContext } from "./context";
import { actualCost, requestedCost, SINGLE_QUERY_MAX_COST } from "./cost";
import { TYPE_RESOLVERS } from "./resolvers";
import { ROOT_RESOLVERS } from "./root";
import { adminSchema } from "./schema";
import type { LeakyBucket, ThrottleStatus } from "./throttle";
import { parseJson } from "../util/json";

export const RATE_LIMIT_DOCS = "https://shopify.dev/api/usage/rate-limits";
const MAX_INPUT_ARRAY = 250;

export interface GraphqlResponse {
  status: number;
  body: unknown;
}

interface GraphqlBody {
  query: string;
  variables: Record<string, unknown>;
  operationName: string | null;
}

/** Resolves every field through the resolver tables or plain properties; never guesses. */
export const fieldResolver: GraphQLFieldResolver<unknown, ResolverContext> = (
  source,
  args,
  ctx,
  info,
) => {
  const typeName = info.parentType.name;
  const resolver = (ROOT_RESOLVERS[typeName] ?? TYPE_RESOLVERS[typeName])?.[info.fieldName];
  if (resolver) return resolver(source as never, args, ctx);
  if (source !== null && typeof source === "object" && Object.hasOwn(source, info.fieldName)) {
    return (source as Record<string, unknown>)[info.fieldName];
  }
  throw notImplemented(typeName, info.fieldName);
};

export const typeResolver: GraphQLTypeResolver<unknown, ResolverContext> = (value) => {
  if (value !== null && typeof value === "object" && "__typename" in value) {
    const name = (value as { __typename: unknown }).__typename;
    if (typeof name === "string") return name;
  }
  return undefined;
};

export function parseRequestBody(raw: string, contentType: string): GraphqlBody | null {
  if (contentType.includes("application/graphql"))
    return { query: raw, variables: {}, operationName: null };
  try {
    // 64-bit integers in variables (a Flow payload's customer_id) keep every digit.
    const parsed: unknown = parseJson(raw);
    if (typeof parsed !== "object" || parsed === null) return null;
    const record = parsed as Record<string, unknown>;
    if (typeof record.query !== "string") return null;
    const variables = record.variables;
    return {
      query: record.query,
      variables:
        typeof variables === "object" && variables !== null
          ? (variables as Record<string, unknown>)
          : {},
      operationName: typeof record.operationName === "string" ? record.operationName : null,
    };
  } catch {
    return null;
  }
}

function errorsOnly(errors: readonly GraphQLError[]): GraphqlResponse {
  return { status: 200, body: { errors: errors.map((e) => e.toJSON()) } };
}

function oversizedInput(
  document: DocumentNode,
  variables: Record<string, unknown>,
): GraphQLError | null {
  let found: GraphQLError | null = null;
  const check = (value: unknown): number => {
    if (Array.isArray(value)) {
      if (value.length > MAX_INPUT_ARRAY) return value.length;
      for (const item of value) {
        const n = check(item);
        if (n) return n;
      }
    } else if (value !== null && typeof value === "object") {
      for (const item of Object.values(value)) {
        const n = check(item);
        if (n) return n;
      }
    }
    return 0;
  };
  const size = check(variables);
  if (size) {
    found = new GraphQLError(
      `The input array size of ${size} is greater than the maximum allowed of ${MAX_INPUT_ARRAY}.`,
      { extensions: { code: "MAX_INPUT_SIZE_EXCEEDED" } },
    );
  }
  if (!found) {
    visit(document, {
      ListValue(node) {
        if (!found && node.values.length > MAX_INPUT_ARRAY) {
          found = new GraphQLError(
            `The input array size of ${node.values.length} is greater than the maximum allowed of ${MAX_INPUT_ARRAY}.`,
            { nodes: [node], extensions: { code: "MAX_INPUT_SIZE_EXCEEDED" } },
          );
        }
      },
    });
  }
  return found;
}

export function throttledBody(requested: number, status: ThrottleStatus): unknown {
  return {
    errors: [
      { message: "Throttled", extensions: { code: "THROTTLED", documentation: RATE_LIMIT_DOCS } },
    ],
    extensions: {
      cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: status },
    },
  };
}

export interface ExecuteOptions {
  ctx: ResolverContext;
  bucket: LeakyBucket;
  /** Answer THROTTLED regardless of the bucket (fault injection). */
  forceThrottle: boolean;
}

export async function executeGraphql(
  body: GraphqlBody,
  options: ExecuteOptions,
): Promise<GraphqlResponse> {
  const schema = adminSchema();
  let document: DocumentNode;
  try {
    document = parse(body.query);
  } catch (error) {
    if (error instanceof GraphQLError) return errorsOnly([error]);
    throw error;
  }
  const validationErrors = validate(schema, document);
  if (validationErrors.length > 0) return errorsOnly(validationErrors);
  const operation = getOperationAST(document, body.operationName);
  if (!operation) {
    const result = await execute({
      schema,
      document,
      operationName: body.operationName,
      variableValues: body.variables,
    });
    return errorsOnly(result.errors ?? []);
  }
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], body.variables);
  if (coerced.errors) return errorsOnly(coerced.errors);
  const variables = coerced.coerced;
  const oversized = oversizedInput(document, variables);
  if (oversized) return errorsOnly([oversized]);

  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const requested = requestedCost(schema, operation, fragments, variables);
  if (requested > SINGLE_QUERY_MAX_COST) {
    return errorsOnly([
      new GraphQLError(
        `Query cost is ${requested}, which exceeds the single query max cost limit (${SINGLE_QUERY_MAX_COST}).\n\n` +
          "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n" +
          "cost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.\n" +
          "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n",
        {
          extensions: {
            code: "MAX_COST_EXCEEDED",
            cost: requested,
            maxCost: SINGLE_QUERY_MAX_COST,
            documentation: RATE_LIMIT_DOCS,
          },
        },
      ),
    ]);
  }
  const { bucket } = options;
  if (options.forceThrottle || !bucket.tryCharge(requested)) {
    return { status: 200, body: throttledBody(requested, bucket.status()) };
  }
  const result: ExecutionResult = await execute({
    schema,
    document,
    operationName: body.operationName,
    variableValues: body.variables,
    contextValue: options.ctx,
    fieldResolver,
    typeResolver,
  });
  const actual = Math.min(
    requested,
    actualCost(schema, operation, fragments, variables, result.data ?? null),
  );
  if (requested > actual) bucket.refund(requested - actual);
  const extensions: Record<string, unknown> = {
    cost: {
      requestedQueryCost: requested,
      actualQueryCost: actual,
      throttleStatus: bucket.status(),
    },
  };
  if (options.ctx.search.length > 0) extensions.search = options.ctx.search;
  const response: Record<string, unknown> = {};
  if (result.errors && result.errors.length > 0)
    response.errors = result.errors.map((e) => e.toJSON());
  response.data = result.data ?? null;
  response.extensions = extensions;
  return { status: 200, body: response };
}
