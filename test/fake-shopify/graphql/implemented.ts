// Which schema fields the fake answers. Resolver tables cover the domain types; the plain
// objects resolvers return (connections, money, payloads) are listed here. Used by the bulk
// planner and by the coverage test that checks the app's operations against the fake.
import { NODE_RESOLVERS } from "./nodes";
import { ROOT_RESOLVERS } from "./root";

const CONNECTION = ["edges", "nodes", "pageInfo"];
const EDGE = ["cursor", "node"];

export const PLAIN_FIELDS: Record<string, ReadonlySet<string>> = {
  MoneyBag: new Set(["shopMoney", "presentmentMoney"]),
  MoneyV2: new Set(["amount", "currencyCode"]),
  LineItemSellingPlan: new Set(["name", "sellingPlanId"]),
  // Line items' product and variant: their ids only (the fake has no product resolvers).
  Product: new Set(["id"]),
  ProductVariant: new Set(["id"]),
  DiscountAllocation: new Set(["allocatedAmountSet"]),
  OrderAttribution: new Set(["handle", "displayName"]),
  CustomerJourneySummary: new Set([
    "ready",
    "firstVisit",
    "lastVisit",
    "momentsCount",
    "customerOrderIndex",
    "daysToConversion",
  ]),
  CustomerVisit: new Set([
    "id",
    "source",
    "sourceType",
    "sourceDescription",
    "referrerUrl",
    "landingPage",
    "landingPageHtml",
    "referralCode",
    "referralInfoHtml",
    "occurredAt",
    "utmParameters",
    "marketingEvent",
  ]),
  UTMParameters: new Set(["source", "medium", "campaign", "content", "term"]),
  PageInfo: new Set(["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"]),
  OrderConnection: new Set(CONNECTION),
  OrderEdge: new Set(EDGE),
  CustomerConnection: new Set(CONNECTION),
  CustomerEdge: new Set(EDGE),
  LineItemConnection: new Set(CONNECTION),
  LineItemEdge: new Set(EDGE),
  RefundLineItemConnection: new Set(CONNECTION),
  RefundLineItemEdge: new Set(EDGE),
  OrderTransactionConnection: new Set(CONNECTION),
  OrderTransactionEdge: new Set(EDGE),
  BulkOperationConnection: new Set(CONNECTION),
  BulkOperationEdge: new Set(EDGE),
  Count: new Set(["count", "precision"]),
  CustomerEmailAddress: new Set(["emailAddress", "validFormat"]),
  Shop: new Set([
    "id",
    "name",
    "email",
    "contactEmail",
    "myshopifyDomain",
    "ianaTimezone",
    "timezoneAbbreviation",
    "timezoneOffset",
    "timezoneOffsetMinutes",
    "currencyCode",
    "enabledPresentmentCurrencies",
    "weightUnit",
    "url",
    "createdAt",
    "updatedAt",
    "plan",
    "primaryDomain",
  ]),
  ShopPlan: new Set(["displayName", "publicDisplayName", "partnerDevelopment", "shopifyPlus"]),
  Domain: new Set(["id", "host", "url", "sslEnabled"]),
  AppInstallation: new Set(["id", "accessScopes"]),
  AccessScope: new Set(["handle", "description"]),
  BulkOperation: new Set([
    "id",
    "type",
    "status",
    "errorCode",
    "query",
    "createdAt",
    "completedAt",
    "objectCount",
    "rootObjectCount",
    "fileSize",
    "url",
    "partialDataUrl",
  ]),
  UserError: new Set(["field", "message"]),
  BulkOperationUserError: new Set(["field", "message", "code"]),
  BulkMutationUserError: new Set(["field", "message", "code"]),
  TagsAddPayload: new Set(["node", "userErrors"]),
  Segment: new Set(["id", "name", "query", "creationDate", "lastEditDate"]),
  SegmentConnection: new Set(CONNECTION),
  SegmentEdge: new Set(EDGE),
  SegmentCreatePayload: new Set(["segment", "userErrors"]),
  SegmentUpdatePayload: new Set(["segment", "userErrors"]),
  SegmentDeletePayload: new Set(["deletedSegmentId", "userErrors"]),
  FlowTriggerReceivePayload: new Set(["userErrors"]),
  TagsRemovePayload: new Set(["node", "userErrors"]),
  BulkOperationRunQueryPayload: new Set(["bulkOperation", "userErrors"]),
  BulkOperationRunMutationPayload: new Set(["bulkOperation", "userErrors"]),
  BulkOperationCancelPayload: new Set(["bulkOperation", "userErrors"]),
  StagedUploadsCreatePayload: new Set(["stagedTargets", "userErrors"]),
  StagedMediaUploadTarget: new Set(["url", "resourceUrl", "parameters"]),
  StagedUploadParameter: new Set(["name", "value"]),
};

export function isImplemented(typeName: string, field: string): boolean {
  if (field === "__typename") return true;
  const table = ROOT_RESOLVERS[typeName] ?? NODE_RESOLVERS[typeName];
  if (table && field in table) return true;
  return PLAIN_FIELDS[typeName]?.has(field) ?? false;
}
