/**
 * Shopify bulk operations: start a bulk query, read its status, and stream its JSONL
 * result line by line (never the whole file in memory).
 */
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { AdminApi } from "./admin-api.server";
import { BULK_OPERATION, BULK_RUN_QUERY } from "./operations";

export type BulkStatus =
  "CREATED" | "RUNNING" | "COMPLETED" | "CANCELING" | "CANCELED" | "FAILED" | "EXPIRED";

export interface BulkOperationState {
  id: string;
  status: BulkStatus;
  errorCode: string | null;
  objectCount: number;
  rootObjectCount: number;
  url: string | null;
  partialDataUrl: string | null;
}

export class BulkOperationInProgressError extends Error {
  override name = "BulkOperationInProgressError";
}

export class BulkFileUnavailableError extends Error {
  override name = "BulkFileUnavailableError";
}

export async function startBulkQuery(api: AdminApi, query: string): Promise<string> {
  const { bulkOperationRunQuery: result } = await api.request(BULK_RUN_QUERY, { query });
  if (!result) throw new Error(`bulkOperationRunQuery returned nothing for ${api.shop}`);
  if (result.userErrors.length > 0) {
    const message = result.userErrors.map((e) => e.message).join("; ");
    if (
      result.userErrors.some(
        (e) => e.code === "OPERATION_IN_PROGRESS" || e.code === "LIMIT_REACHED",
      )
    ) {
      throw new BulkOperationInProgressError(`${api.shop}: ${message}`);
    }
    throw new Error(`bulkOperationRunQuery refused for ${api.shop}: ${message}`);
  }
  if (!result.bulkOperation) throw new Error(`bulkOperationRunQuery returned no operation`);
  return result.bulkOperation.id;
}

export async function getBulkOperation(api: AdminApi, id: string): Promise<BulkOperationState> {
  const { bulkOperation: op } = await api.request(BULK_OPERATION, { id });
  if (!op) throw new Error(`Bulk operation ${id} not found on ${api.shop}`);
  return {
    id: op.id,
    status: op.status,
    errorCode: op.errorCode ?? null,
    // UnsignedInt64 comes as a string.
    objectCount: Number(op.objectCount),
    rootObjectCount: Number(op.rootObjectCount),
    url: op.url ?? null,
    partialDataUrl: op.partialDataUrl ?? null,
  };
}

/**
 * Calls onLine for each line of a JSONL file from line `fromLine` (1-based) on; earlier
 * lines are passed to onSkipped (resuming needs to look at them without writing).
 * Lines are handed over in order; onLine may be async (backpressure: reading pauses).
 */
export async function readJsonl(
  url: string,
  handlers: {
    fromLine?: number;
    onSkipped?: (text: string, lineNumber: number) => void;
    onLine: (text: string, lineNumber: number) => void | Promise<void>;
  },
): Promise<number> {
  const response = await fetch(url);
  if (response.status === 403 || response.status === 404 || response.status === 410) {
    await response.body?.cancel();
    throw new BulkFileUnavailableError(
      `Bulk file is no longer available (HTTP ${response.status})`,
    );
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new Error(`Bulk file download failed: HTTP ${response.status}`);
  }
  const lines = createInterface({
    input: Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>),
    crlfDelay: Infinity,
  });
  const from = handlers.fromLine ?? 1;
  let lineNumber = 0;
  for await (const text of lines) {
    lineNumber++;
    if (text.length === 0) continue;
    if (lineNumber < from) handlers.onSkipped?.(text, lineNumber);
    else await handlers.onLine(text, lineNumber);
  }
  return lineNumber;
}
