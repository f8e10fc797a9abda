// QueryRoot and Mutation resolvers: connections over the store's indexes, lookups by gid,
// shop info, tags and bulk operations.
import { GraphQLError } from "graphql";
import type { BulkOperationView } from "../bulk/types";
import { normalizeTags } from "../model/customer-state";
import { paginate, PaginationError, type SortedRows } from "../store/pagination";
import type { FakeSegment } from "../store/segments";
import { ShopStoreError, type CustomerSortKey, type OrderSortKey } from "../store/shop-store";
import { gid, parseGid } from "../util/gid";
import { isoUtc } from "../util/time";
import { CATALOG_ROOTS, productById, requireProducts } from "./catalog";
import { hasScope, notImplemented, requireScope, type ResolverContext } from "./context";
import {
  checkPageArgs,
  connection,
  customerNode,
  orderNode,
  pageArgs,
  type Args,
  type CustomerNode,
  type OrderNode,
  type TypeResolvers,
} from "./nodes";
import {
  compileCustomerSearch,
  compileOrderSearch,
  ORDER_SORT_FIELD,
  RECENT_ORDERS_WINDOW,
} from "./search-fields";

const ORDER_SORT_KEYS = new Set<string>(["ID", "CREATED_AT", "UPDATED_AT", "PROCESSED_AT"]);
const CUSTOMER_SORT_KEYS = new Set<string>(["ID", "CREATED_AT", "UPDATED_AT"]);
const MAX_TAGS = 250;
const MAX_TAG_LENGTH = 255;

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function invalidId(value: string): GraphQLError {
  return new GraphQLError(`Invalid global id '${value}'`, {
    extensions: { code: "argumentLiteralsIncompatible" },
  });
}

function pageToConnection<T>(
  rows: SortedRows,
  args: Args,
  field: string,
  toNode: (row: number) => T,
) {
  const page = pageArgs(args);
  checkPageArgs(field, page);
  if (page.last !== null && page.before === null) {
    throw new GraphQLError("using last without before is not supported");
  }
  try {
    const result = paginate(rows, page);
    const nodes = result.rows.map(toNode);
    return {
      edges: nodes.map((node, i) => ({ cursor: result.cursors[i] ?? "", node })),
      nodes,
      pageInfo: {
        hasNextPage: result.hasNextPage,
        hasPreviousPage: result.hasPreviousPage,
        startCursor: result.cursors[0] ?? null,
        endCursor: result.cursors.at(-1) ?? null,
      },
    };
  } catch (error) {
    if (error instanceof PaginationError) throw new GraphQLError(error.message);
    throw error;
  }
}

function recentOnly(ctx: ResolverContext): number | null {
  return hasScope(ctx.scopes, "read_all_orders") ? null : ctx.store.now() - RECENT_ORDERS_WINDOW;
}

function orderVisibleTo(ctx: ResolverContext, serial: number): boolean {
  const since = recentOnly(ctx);
  return (
    ctx.store.isOrderVisible(serial) &&
    (since === null || ctx.store.orderKey(serial, "CREATED_AT") >= since)
  );
}

function orderRows(ctx: ResolverContext, args: Args, path: string): SortedRows {
  const store = ctx.store;
  const sortKey = str(args.sortKey) ?? "ID";
  if (!ORDER_SORT_KEYS.has(sortKey)) throw notImplemented("OrderSortKeys", sortKey);
  const key = sortKey as OrderSortKey;
  const query = str(args.query);
  const search = compileOrderSearch(store, query);
  if (query && search.warnings.length > 0)
    ctx.search.push({ path: [path], query, warnings: search.warnings });
  const field = ORDER_SORT_FIELD[key];
  return {
    perm: store.orderPerm(key),
    key: (s) => store.orderKey(s, key),
    accept: (s) => orderVisibleTo(ctx, s) && search.test({ store, serial: s }),
    bounds: field ? (search.bounds.get(field) ?? null) : null,
    cursorOf: (s) => ({
      id: store.orderId(s),
      value: key === "ID" ? String(store.orderId(s)) : isoUtc(store.orderKey(s, key)),
    }),
    resolveCursor: (id, value) => {
      const serial = store.serialOfOrderId(id);
      if (serial < 0) return null;
      if (key === "ID") return { key: store.orderKey(serial, "ID"), row: serial };
      const ms = Date.parse(value);
      return Number.isNaN(ms) ? null : { key: Math.floor(ms / 1000), row: serial };
    },
  };
}

function customerRows(ctx: ResolverContext, args: Args): SortedRows {
  const store = ctx.store;
  const sortKey = str(args.sortKey) ?? "ID";
  if (!CUSTOMER_SORT_KEYS.has(sortKey)) throw notImplemented("CustomerSortKeys", sortKey);
  const key = sortKey as CustomerSortKey;
  const query = str(args.query);
  const search = compileCustomerSearch(store, query);
  if (query && search.warnings.length > 0)
    ctx.search.push({ path: ["customers"], query, warnings: search.warnings });
  const field = key === "UPDATED_AT" ? "updated_at" : key === "CREATED_AT" ? "created_at" : null;
  return {
    perm: store.customerPerm(key),
    key: (slot) => store.customerKey(slot, key),
    accept: (slot) => store.isCustomerVisible(slot) && search.test({ store, slot }),
    bounds: field ? (search.bounds.get(field) ?? null) : null,
    cursorOf: (slot) => ({
      id: store.customerId(slot),
      value: key === "ID" ? String(store.customerId(slot)) : isoUtc(store.customerKey(slot, key)),
    }),
    resolveCursor: (id, value) => {
      const slot = store.slotOfCustomerId(id);
      if (slot < 0) return null;
      if (key === "ID") return { key: slot, row: slot };
      const ms = Date.parse(value);
      return Number.isNaN(ms) ? null : { key: Math.floor(ms / 1000), row: slot };
    },
  };
}

function countRows(rows: SortedRows, limit: number | null): { count: number; precision: string } {
  let count = 0;
  for (const row of rows.perm) {
    if (!rows.accept(row)) continue;
    if (limit !== null && count >= limit) return { count: limit, precision: "AT_LEAST" };
    count++;
  }
  return { count, precision: "EXACT" };
}

/** Resolves a gid to an Order or Customer node the caller may see (null if absent). */
export function lookupNode(ctx: ResolverContext, id: string): unknown {
  const parsed = parseGid(id);
  if (!parsed) throw invalidId(id);
  switch (parsed.type) {
    case "Order": {
      requireScope(ctx, "order", "read_orders");
      const serial = ctx.store.serialOfOrderId(parsed.id);
      return serial >= 0 && orderVisibleTo(ctx, serial) ? orderNode(ctx, serial) : null;
    }
    case "Customer": {
      requireScope(ctx, "customer", "read_customers");
      const slot = ctx.store.slotOfCustomerId(parsed.id);
      return slot >= 0 && ctx.store.isCustomerVisible(slot) ? customerNode(ctx, slot) : null;
    }
    case "Product":
      requireProducts(ctx, "product");
      return productById(ctx, id);
    case "BulkOperation": {
      const op = ctx.api?.bulk.get(Number(parsed.id));
      return op ? bulkOperationNode(op) : null;
    }
    default:
      throw notImplemented("QueryRoot", `node(id: ${parsed.type})`);
  }
}

export function bulkOperationNode(op: BulkOperationView): Record<string, unknown> {
  return {
    __typename: "BulkOperation",
    id: gid("BulkOperation", op.id),
    type: op.type,
    status: op.status,
    errorCode: op.errorCode,
    query: op.query,
    createdAt: isoUtc(op.createdAt),
    completedAt: op.completedAt === null ? null : isoUtc(op.completedAt),
    objectCount: String(op.objectCount),
    rootObjectCount: String(op.rootObjectCount),
    fileSize: op.fileSize === null ? null : String(op.fileSize),
    url: op.url,
    partialDataUrl: op.partialDataUrl,
  };
}

const PLAN_NAMES: Record<string, { display: string; plus: boolean; partner: boolean }> = {
  development: { display: "Development", plus: false, partner: true },
  basic: { display: "Basic", plus: false, partner: false },
  shopify: { display: "Shopify", plus: false, partner: false },
  advanced: { display: "Advanced", plus: false, partner: false },
  plus: { display: "Shopify Plus", plus: true, partner: false },
  enterprise: { display: "Commerce Components", plus: true, partner: false },
};

function shopNode(ctx: ResolverContext): Record<string, unknown> {
  const { spec, store } = ctx;
  const tz = store.world.calendar.tz;
  const now = store.now();
  const offset = tz.offsetMinutes(now);
  const plan = PLAN_NAMES[spec.plan] ?? { display: spec.plan, plus: false, partner: false };
  const abbreviation =
    new Intl.DateTimeFormat("en-US", { timeZone: spec.timezone, timeZoneName: "short" })
      .formatToParts(new Date(now * 1000))
      .find((p) => p.type === "timeZoneName")?.value ?? "UTC";
  return {
    __typename: "Shop",
    id: gid("Shop", ctx.shopId),
    name: spec.name,
    email: `owner@${spec.domain}`,
    contactEmail: `support@${spec.domain}`,
    myshopifyDomain: spec.domain,
    ianaTimezone: spec.timezone,
    timezoneAbbreviation: abbreviation,
    timezoneOffset: tz.offsetString(now).replace(":", ""),
    timezoneOffsetMinutes: offset,
    currencyCode: spec.currency.code,
    enabledPresentmentCurrencies: [spec.currency.code, spec.presentment.currency.code],
    weightUnit: spec.currency.code === "USD" ? "POUNDS" : "KILOGRAMS",
    url: `https://${spec.domain}`,
    createdAt: isoUtc(spec.startSec - 86_400),
    updatedAt: isoUtc(spec.startSec - 86_400),
    plan: {
      displayName: plan.display,
      publicDisplayName: plan.display,
      partnerDevelopment: plan.partner,
      shopifyPlus: plan.plus,
    },
    primaryDomain: {
      __typename: "Domain",
      id: gid("Shop", ctx.shopId),
      host: spec.domain,
      url: `https://${spec.domain}`,
      sslEnabled: true,
    },
  };
}

const query: TypeResolvers<unknown> = {
  ...CATALOG_ROOTS,
  shop: (_s, _a, ctx) => shopNode(ctx),
  segment: (_s, args, ctx) => {
    requireScope(ctx, "segment", "read_customers");
    const id = segmentIdOf(args.id);
    return id === null ? null : segmentNode(requireApi(ctx, "segment").segments.get(id));
  },
  segments: (_s, args, ctx) => {
    requireScope(ctx, "segments", "read_customers");
    return segmentsConnection(ctx, args);
  },
  currentAppInstallation: (_s, _a, ctx) => ({
    __typename: "AppInstallation",
    id: gid("AppInstallation", ctx.api?.installationId ?? 0),
    accessScopes: [...ctx.scopes]
      .sort()
      .map((handle) => ({ __typename: "AccessScope", handle, description: handle })),
  }),
  orders: (_s, args, ctx) => {
    requireScope(ctx, "orders", "read_orders");
    return pageToConnection(orderRows(ctx, args, "orders"), args, "orders", (s) =>
      orderNode(ctx, s),
    );
  },
  order: (_s, args, ctx) => {
    const id = str(args.id) ?? "";
    const parsed = parseGid(id);
    if (!parsed) throw invalidId(id);
    if (parsed.type !== "Order") return null;
    return lookupNode(ctx, id);
  },
  ordersCount: (_s, args, ctx) => {
    requireScope(ctx, "ordersCount", "read_orders");
    const limit = args.limit === null ? null : typeof args.limit === "number" ? args.limit : 10_000;
    return countRows(orderRows(ctx, args, "ordersCount"), limit);
  },
  customers: (_s, args, ctx) => {
    requireScope(ctx, "customers", "read_customers");
    return pageToConnection(customerRows(ctx, args), args, "customers", (slot) =>
      customerNode(ctx, slot),
    );
  },
  customer: (_s, args, ctx) => {
    const id = str(args.id) ?? "";
    const parsed = parseGid(id);
    if (!parsed) throw invalidId(id);
    if (parsed.type !== "Customer") return null;
    return lookupNode(ctx, id);
  },
  customersCount: (_s, args, ctx) => {
    requireScope(ctx, "customersCount", "read_customers");
    const limit = args.limit === null ? null : typeof args.limit === "number" ? args.limit : 10_000;
    return countRows(customerRows(ctx, args), limit);
  },
  node: (_s, args, ctx) => lookupNode(ctx, str(args.id) ?? ""),
  nodes: (_s, args, ctx) =>
    (Array.isArray(args.ids) ? args.ids : []).map((id) => lookupNode(ctx, String(id))),
  bulkOperation: (_s, args, ctx) => {
    const parsed = parseGid(str(args.id) ?? "");
    if (!parsed) throw invalidId(str(args.id) ?? "");
    const op = parsed.type === "BulkOperation" ? ctx.api?.bulk.get(Number(parsed.id)) : null;
    return op ? bulkOperationNode(op) : null;
  },
  currentBulkOperation: (_s, args, ctx) => {
    const type = str(args.type) === "MUTATION" ? "MUTATION" : "QUERY";
    const op = ctx.api?.bulk.current(type);
    return op ? bulkOperationNode(op) : null;
  },
  bulkOperations: (_s, args, ctx) => {
    const q = str(args.query) ?? "";
    const status = /status:(\w+)/i.exec(q)?.[1]?.toUpperCase();
    const type = /operation_type:(\w+)/i.exec(q)?.[1]?.toUpperCase();
    let ops = ctx.api?.bulk.list() ?? [];
    if (status) ops = ops.filter((o) => o.status === status);
    if (type) ops = ops.filter((o) => o.type === type);
    // Newest first by default (CREATED_AT), as Shopify documents.
    ops = [...ops].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
    return connection(
      "bulkOperations",
      ops.map(bulkOperationNode),
      (o) => parseGid(String(o.id))?.id ?? 0,
      args,
    );
  },
};

function tagInput(args: Args): string[] {
  const tags = Array.isArray(args.tags) ? args.tags.map(String) : [];
  return normalizeTags(tags);
}

function tagsMutation(mode: "add" | "remove") {
  return (_s: unknown, args: Args, ctx: ResolverContext) => {
    const id = str(args.id) ?? "";
    const parsed = parseGid(id);
    if (!parsed) throw invalidId(id);
    const tags = tagInput(args);
    const tooLong = tags.find((t) => t.length > MAX_TAG_LENGTH);
    if (tooLong) {
      return {
        node: null,
        userErrors: [
          {
            field: ["tags"],
            message: `Tag '${tooLong.slice(0, 40)}…' is too long (maximum is ${MAX_TAG_LENGTH} characters)`,
          },
        ],
      };
    }
    try {
      if (parsed.type === "Customer") {
        requireScope(ctx, mode === "add" ? "tagsAdd" : "tagsRemove", "write_customers");
        const slot = ctx.store.slotOfCustomerId(parsed.id);
        if (slot < 0 || !ctx.store.isCustomerVisible(slot)) {
          return {
            node: null,
            userErrors: [{ field: ["id"], message: "Customer does not exist" }],
          };
        }
        const current = ctx.store.customerState(slot, ctx.store.upTo, false)?.tags ?? [];
        const lower = new Set(current.map((t) => t.toLowerCase()));
        const effective =
          mode === "add"
            ? tags.filter((t) => !lower.has(t.toLowerCase()))
            : tags.filter((t) => lower.has(t.toLowerCase()));
        if (mode === "add" && current.length + effective.length > MAX_TAGS) {
          return {
            node: null,
            userErrors: [{ field: ["tags"], message: `Tags cannot be more than ${MAX_TAGS}` }],
          };
        }
        if (effective.length > 0) {
          const changes = ctx.store.changeCustomerTags(
            slot,
            mode === "add" ? effective : [],
            mode === "remove" ? effective : [],
            "app",
          );
          ctx.api?.emit(changes);
        }
        return { node: customerNode(ctx, slot), userErrors: [] };
      }
      if (parsed.type === "Order") {
        requireScope(ctx, mode === "add" ? "tagsAdd" : "tagsRemove", "write_orders");
        const serial = ctx.store.serialOfOrderId(parsed.id);
        if (serial < 0 || !ctx.store.isOrderVisible(serial)) {
          return { node: null, userErrors: [{ field: ["id"], message: "Order does not exist" }] };
        }
        ctx.api?.emit(
          ctx.store.tagOrder(serial, mode === "add" ? tags : [], mode === "remove" ? tags : []),
        );
        return { node: orderNode(ctx, serial), userErrors: [] };
      }
    } catch (error) {
      if (error instanceof ShopStoreError)
        return { node: null, userErrors: [{ field: ["id"], message: error.message }] };
      throw error;
    }
    throw notImplemented(mode === "add" ? "tagsAdd" : "tagsRemove", `id: ${parsed.type}`);
  };
}

function requireApi(ctx: ResolverContext, field: string) {
  if (!ctx.api) throw new GraphQLError(`${field} is not available inside a bulk operation`);
  return ctx.api;
}

// ── customer segments ─────────────────────────────────────────────────────────────────
// Scopes as Shopify documents them: read_customers to read, write_customers to change.

function segmentNode(segment: FakeSegment | null) {
  return segment === null
    ? null
    : { __typename: "Segment", ...segment, id: gid("Segment", segment.id) };
}

/** A Segment gid's number, or null for another type (Shopify: "invalid id"). */
function segmentIdOf(value: unknown): number | null {
  const id = str(value) ?? "";
  const parsed = parseGid(id);
  if (!parsed) throw invalidId(id);
  return parsed.type === "Segment" ? Number(parsed.id) : null;
}

const SEGMENT_NOT_FOUND = [{ field: ["id"], message: "Segment does not exist" }];

function segmentsConnection(ctx: ResolverContext, args: Args) {
  const all = requireApi(ctx, "segments").segments.list();
  const first = typeof args.first === "number" ? args.first : null;
  if (first === null || first < 1 || first > 250) {
    throw new GraphQLError(
      "You must provide `first` between 1 and 250 (the fake pages forward only)",
    );
  }
  const after = str(args.after);
  const start =
    after === null
      ? 0
      : all.findIndex((s) => String(s.id) === Buffer.from(after, "base64").toString()) + 1;
  const page = all.slice(start, start + first);
  const nodes = page.map(segmentNode);
  const cursors = page.map((s) => Buffer.from(String(s.id)).toString("base64"));
  return {
    edges: nodes.map((node, i) => ({ cursor: cursors[i], node })),
    nodes,
    pageInfo: {
      hasNextPage: start + first < all.length,
      hasPreviousPage: start > 0,
      startCursor: cursors[0] ?? null,
      endCursor: cursors.at(-1) ?? null,
    },
  };
}

const mutation: TypeResolvers<unknown> = {
  // No access scope of its own; a reference field needs its resource's read scope (Flow's
  // "Create a Flow trigger": a customer reference requires read_customers).
  flowTriggerReceive: (_s, args, ctx) => {
    const api = requireApi(ctx, "flowTriggerReceive");
    if (args.body !== undefined && args.body !== null && args.payload === undefined) {
      return {
        userErrors: [
          { field: ["body"], message: "body is deprecated: send handle and payload instead" },
        ],
      };
    }
    return api.flow.receive(str(args.handle), args.payload, api.request, (scope) =>
      hasScope(ctx.scopes, scope),
    );
  },
  tagsAdd: tagsMutation("add"),
  tagsRemove: tagsMutation("remove"),
  segmentCreate: (_s, args, ctx) => {
    requireScope(ctx, "segmentCreate", "write_customers");
    const result = requireApi(ctx, "segmentCreate").segments.create(
      str(args.name) ?? "",
      str(args.query) ?? "",
    );
    return { segment: segmentNode(result.segment), userErrors: result.userErrors };
  },
  segmentUpdate: (_s, args, ctx) => {
    requireScope(ctx, "segmentUpdate", "write_customers");
    const id = segmentIdOf(args.id);
    if (id === null) return { segment: null, userErrors: SEGMENT_NOT_FOUND };
    const result = requireApi(ctx, "segmentUpdate").segments.update(
      id,
      str(args.name),
      str(args.query),
    );
    return { segment: segmentNode(result.segment), userErrors: result.userErrors };
  },
  segmentDelete: (_s, args, ctx) => {
    requireScope(ctx, "segmentDelete", "write_customers");
    const id = segmentIdOf(args.id);
    if (id === null) return { deletedSegmentId: null, userErrors: SEGMENT_NOT_FOUND };
    return requireApi(ctx, "segmentDelete").segments.delete(id);
  },
  bulkOperationRunQuery: (_s, args, ctx) => {
    const result = requireApi(ctx, "bulkOperationRunQuery").bulk.runQuery(
      str(args.query) ?? "",
      args.groupObjects === true,
      ctx.scopes,
    );
    return {
      bulkOperation: result.operation ? bulkOperationNode(result.operation) : null,
      userErrors: result.userErrors,
    };
  },
  bulkOperationRunMutation: (_s, args, ctx) => {
    const result = requireApi(ctx, "bulkOperationRunMutation").bulk.runMutation(
      str(args.mutation) ?? "",
      str(args.stagedUploadPath) ?? "",
      str(args.clientIdentifier),
      ctx.scopes,
    );
    return {
      bulkOperation: result.operation ? bulkOperationNode(result.operation) : null,
      userErrors: result.userErrors,
    };
  },
  bulkOperationCancel: (_s, args, ctx) => {
    const parsed = parseGid(str(args.id) ?? "");
    if (!parsed) throw invalidId(str(args.id) ?? "");
    const result = requireApi(ctx, "bulkOperationCancel").bulk.cancel(Number(parsed.id));
    return {
      bulkOperation: result.operation ? bulkOperationNode(result.operation) : null,
      userErrors: result.userErrors.map((e) => ({ field: e.field, message: e.message })),
    };
  },
  stagedUploadsCreate: (_s, args, ctx) => {
    const api = requireApi(ctx, "stagedUploadsCreate");
    const inputs = Array.isArray(args.input) ? (args.input as Array<Record<string, unknown>>) : [];
    return {
      stagedTargets: inputs.map((input) =>
        api.staged.create({
          resource: str(input.resource) ?? "FILE",
          filename: str(input.filename) ?? "upload",
          mimeType: str(input.mimeType) ?? "application/octet-stream",
          httpMethod: str(input.httpMethod),
        }),
      ),
      userErrors: [],
    };
  },
};

export const ROOT_RESOLVERS: Record<string, TypeResolvers<never>> = {
  QueryRoot: query,
  Mutation: mutation,
};

export type { CustomerNode, OrderNode };
