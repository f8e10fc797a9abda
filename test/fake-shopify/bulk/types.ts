import type { FlowTriggerStore } from "../store/flow-triggers";
import type { SegmentStore } from "../store/segments";
// Bulk operation shapes shared by the GraphQL resolvers and the bulk engine.
import type { ShopChange } from "../store/changes";

export type BulkOperationType = "QUERY" | "MUTATION";
export type BulkOperationStatus =
  "CREATED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELING" | "CANCELED" | "EXPIRED";
export type BulkOperationErrorCode = "ACCESS_DENIED" | "INTERNAL_SERVER_ERROR" | "TIMEOUT";

export interface BulkOperationView {
  id: number;
  type: BulkOperationType;
  status: BulkOperationStatus;
  errorCode: BulkOperationErrorCode | null;
  query: string;
  createdAt: number;
  completedAt: number | null;
  objectCount: number;
  rootObjectCount: number;
  fileSize: number | null;
  url: string | null;
  partialDataUrl: string | null;
}

export interface BulkUserError {
  field: string[] | null;
  message: string;
  code: string | null;
}

export interface BulkResult {
  operation: BulkOperationView | null;
  userErrors: BulkUserError[];
}

export interface BulkOperationsApi {
  runQuery(query: string, groupObjects: boolean, scopes: ReadonlySet<string>): BulkResult;
  runMutation(
    mutation: string,
    stagedUploadPath: string,
    clientIdentifier: string | null,
    scopes: ReadonlySet<string>,
  ): BulkResult;
  get(id: number): BulkOperationView | null;
  current(type: BulkOperationType): BulkOperationView | null;
  list(): BulkOperationView[];
  cancel(id: number): BulkResult;
}

export interface StagedTarget {
  url: string;
  resourceUrl: string | null;
  parameters: Array<{ name: string; value: string }>;
}

export interface StagedUploadsApi {
  create(input: {
    resource: string;
    filename: string;
    mimeType: string;
    httpMethod: string | null;
  }): StagedTarget;
}

/** What API resolvers need from the running shop beyond its data. */
export interface ShopApi {
  bulk: BulkOperationsApi;
  staged: StagedUploadsApi;
  /** The shop's customer segments (segmentCreate and friends). */
  segments: SegmentStore;
  /** Shopify Flow triggers the app sent (flowTriggerReceive). */
  flow: FlowTriggerStore;
  /** Serial of the HTTP request being answered. */
  request: number;
  emit(changes: ShopChange[]): void;
  installationId: number;
}
