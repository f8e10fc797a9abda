/**
 * Shopify bulk operations: start a bulk query, read its status, and stream its JSONL
 * result line by line (never the whole file in memory).
 */
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
  // A plain splitter over the decoded chunks: readline's async iterator costs a promise
  // per line, more than parsing the line; a synchronous onLine is called without one.
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const from = handlers.fromLine ?? 1;
  let lineNumber = 0;
  let rest = "";
  let finished = false;
  const handle = (text: string): void | Promise<void> => {
    lineNumber++;
    if (text.length === 0) return;
    if (lineNumber < from) handlers.onSkipped?.(text, lineNumber);
    else return handlers.onLine(text, lineNumber);
  };
  try {
    while (!finished) {
      const chunk = await reader.read();
      finished = chunk.done;
      const text =
        rest + (chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true }));
      let start = 0;
      for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
        const line = text.slice(start, text.charCodeAt(end - 1) === 13 ? end - 1 : end);
        start = end + 1;
        const pending = handle(line);
        if (pending) await pending;
      }
      rest = text.slice(start);
    }
    if (rest.length > 0) {
      const pending = handle(rest.endsWith("\r") ? rest.slice(0, -1) : rest);
      if (pending) await pending;
    }
  } finally {
    // A handler that throws leaves the download unfinished: release the connection.
    if (!finished) await reader.cancel().catch(() => {});
  }
  return lineNumber;
}
