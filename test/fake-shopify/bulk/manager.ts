// Bulk operations of one shop: the CREATED → RUNNING → COMPLETED/FAILED/CANCELED life cycle,
// the concurrency limit, JSONL files in storage behind signed URLs, and injected failures.
import { once } from "node:events";
import { createReadStream, statSync } from "node:fs";
import { open, truncate } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { WriteStream } from "node:fs";
import {
  execute,
  GraphQLError,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from "graphql";
import { fieldResolver, typeResolver } from "../graphql/executor";
import { hasScope, type ResolverContext } from "../graphql/context";
import type { ShopStore } from "../store/shop-store";
import { gid } from "../util/gid";
import { Rng } from "../util/random";
import { DAY } from "../util/time";
import { linesFor, planBulkQuery, rootNodes, type BulkQueryPlan } from "./bulk-query";
import type { FileStorage } from "./storage";
import type {
  BulkOperationErrorCode,
  BulkOperationsApi,
  BulkOperationStatus,
  BulkOperationType,
  BulkOperationView,
  BulkResult,
  BulkUserError,
} from "./types";

export interface BulkConfig {
  /** Concurrent operations per shop (5 from API 2026-01; 1 before). */
  maxConcurrent: number;
  /** Lifetime of a signed result URL, seconds (re-signed on every read). */
  urlTtlSec: number;
  /** Results disappear (status EXPIRED) this long after completion, seconds. */
  retentionSec: number;
  /** Delay before CREATED becomes RUNNING, ms. */
  startDelayMs: number;
  /** Root objects per second (null = as fast as possible). */
  rootsPerSecond: number | null;
  /** Window of lines reordered when groupObjects is false. */
  shuffleWindow: number;
}

export const DEFAULT_BULK_CONFIG: BulkConfig = {
  maxConcurrent: 5,
  urlTtlSec: 7 * DAY,
  retentionSec: 7 * DAY,
  startDelayMs: 20,
  rootsPerSecond: null,
  shuffleWindow: 4096,
};

export type BulkFault =
  | { kind: "none" }
  | { kind: "fail"; code: "INTERNAL_SERVER_ERROR" | "TIMEOUT"; atFraction: number }
  | { kind: "truncate" };

export interface BulkDeps {
  schema: GraphQLSchema;
  store: ShopStore;
  storage: FileStorage;
  shopId: number;
  config: () => BulkConfig;
  nextId: () => number;
  now: () => number;
  fault: (type: BulkOperationType) => BulkFault;
  onFinish: (op: BulkOperationView) => void;
  /** Resolver context for a run (mutations get the API so their writes emit webhooks). */
  context: (scopes: ReadonlySet<string>, withApi: boolean) => ResolverContext;
  seed: number;
}

interface OpRecord {
  view: BulkOperationView;
  fileKey: string | null;
  partialKey: string | null;
  cancelRequested: boolean;
  groupObjects: boolean;
  scopes: ReadonlySet<string>;
  done: Promise<void>;
}

const ACTIVE: ReadonlySet<BulkOperationStatus> = new Set(["CREATED", "RUNNING", "CANCELING"]);

/** Buffered JSONL writer; with a shuffle window children drift away from their parents. */
class JsonlSink {
  private chunk: string[] = [];
  private chunkBytes = 0;
  private readonly window: string[] = [];
  bytes = 0;
  lines = 0;

  constructor(
    private readonly out: WriteStream,
    private readonly shuffle: Rng | null,
    private readonly windowSize: number,
  ) {}

  /** Buffers a line; true when the caller should `await flush()` (a chunk is full). */
  push(line: string): boolean {
    if (!this.shuffle) return this.emit(line);
    this.window.push(line);
    if (this.window.length < this.windowSize) return false;
    const i = this.shuffle.int(this.window.length);
    const picked = this.window[i] ?? "";
    this.window[i] = this.window[this.window.length - 1] ?? "";
    this.window.pop();
    return this.emit(picked);
  }

  private emit(line: string): boolean {
    this.chunk.push(line, "\n");
    this.chunkBytes += Buffer.byteLength(line) + 1;
    this.lines++;
    return this.chunkBytes >= 1 << 20;
  }

  async flush(): Promise<void> {
    if (this.chunk.length === 0) return;
    const data = this.chunk.join("");
    this.bytes += this.chunkBytes;
    this.chunk = [];
    this.chunkBytes = 0;
    if (!this.out.write(data)) await once(this.out, "drain");
  }

  async end(): Promise<void> {
    while (this.window.length > 0) {
      const i = this.shuffle ? this.shuffle.int(this.window.length) : 0;
      const picked = this.window[i] ?? "";
      this.window[i] = this.window[this.window.length - 1] ?? "";
      this.window.pop();
      if (this.emit(picked)) await this.flush();
    }
    await this.flush();
    this.out.end();
    await once(this.out, "finish");
  }
}

/** A byte offset in the middle of the line around `target`, so the last line is broken JSON. */
async function midLineCut(path: string, target: number): Promise<number> {
  const file = await open(path, "r");
  try {
    const from = Math.max(0, target - 65_536);
    const buffer = Buffer.alloc(131_072);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, from);
    const text = buffer.subarray(0, bytesRead);
    const local = target - from;
    const start = text.lastIndexOf(10, Math.max(0, local - 1)) + 1;
    let end = text.indexOf(10, local);
    if (end < 0) end = bytesRead;
    return from + start + Math.max(1, Math.floor((end - start) / 2));
  } finally {
    await file.close();
  }
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class BulkOperationManager implements BulkOperationsApi {
  private readonly ops = new Map<number, OpRecord>();
  private readonly deps: BulkDeps;

  constructor(deps: BulkDeps) {
    this.deps = deps;
  }

  private view(op: OpRecord): BulkOperationView {
    const now = this.deps.now();
    const { config, storage } = { config: this.deps.config(), storage: this.deps.storage };
    const view = op.view;
    if (
      view.completedAt !== null &&
      view.status === "COMPLETED" &&
      now > view.completedAt + config.retentionSec
    ) {
      view.status = "EXPIRED";
    }
    const available = view.status === "COMPLETED" || view.status === "FAILED";
    return {
      ...view,
      // Shopify returns no url when an operation produced no objects.
      url:
        available && op.fileKey && view.status === "COMPLETED" && view.objectCount > 0
          ? storage.resultUrl(op.fileKey, now, config.urlTtlSec)
          : null,
      partialDataUrl:
        available && op.partialKey ? storage.resultUrl(op.partialKey, now, config.urlTtlSec) : null,
    };
  }

  private active(): OpRecord[] {
    return [...this.ops.values()].filter((op) => ACTIVE.has(op.view.status));
  }

  private busy(): BulkUserError | null {
    const active = this.active();
    const max = this.deps.config().maxConcurrent;
    if (active.length < max) return null;
    const ids = active.map((op) => gid("BulkOperation", op.view.id)).join(", ");
    return {
      field: null,
      code: "OPERATION_IN_PROGRESS",
      message:
        max === 1
          ? `A bulk operation for this app and shop is already in progress: ${ids}.`
          : `The limit of ${max} concurrent bulk operations for this app and shop has been reached: ${ids}.`,
    };
  }

  private create(
    type: BulkOperationType,
    query: string,
    groupObjects: boolean,
    scopes: ReadonlySet<string>,
  ): OpRecord {
    const id = this.deps.nextId();
    const op: OpRecord = {
      view: {
        id,
        type,
        status: "CREATED",
        errorCode: null,
        query,
        createdAt: this.deps.now(),
        completedAt: null,
        objectCount: 0,
        rootObjectCount: 0,
        fileSize: null,
        url: null,
        partialDataUrl: null,
      },
      fileKey: null,
      partialKey: null,
      cancelRequested: false,
      groupObjects,
      scopes,
      done: Promise.resolve(),
    };
    this.ops.set(id, op);
    return op;
  }

  runQuery(query: string, groupObjects: boolean, scopes: ReadonlySet<string>): BulkResult {
    const busy = this.busy();
    if (busy) return { operation: null, userErrors: [busy] };
    const plan = planBulkQuery(this.deps.schema, query);
    if (Array.isArray(plan)) return { operation: null, userErrors: plan };
    const op = this.create("QUERY", query, groupObjects, scopes);
    op.done = pause(this.deps.config().startDelayMs).then(() => this.runExport(op, plan));
    return { operation: this.view(op), userErrors: [] };
  }

  runMutation(
    mutation: string,
    stagedUploadPath: string,
    clientIdentifier: string | null,
    scopes: ReadonlySet<string>,
  ): BulkResult {
    void clientIdentifier;
    const busy = this.busy();
    if (busy) return { operation: null, userErrors: [busy] };
    const invalid = (message: string): BulkResult => ({
      operation: null,
      userErrors: [{ field: ["mutation"], message, code: "INVALID_MUTATION" }],
    });
    let document: DocumentNode;
    try {
      document = parse(mutation);
    } catch (error) {
      if (error instanceof GraphQLError)
        return invalid(`Failed to parse the mutation - ${error.message}`);
      throw error;
    }
    const errors = validate(this.deps.schema, document);
    if (errors.length > 0)
      return invalid(`Failed to parse the mutation - ${errors.map((e) => e.message).join(" ")}`);
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    const operation = operations[0];
    if (operations.length !== 1 || !operation || operation.operation !== "mutation") {
      return invalid(
        "Invalid mutation: a bulk mutation must contain exactly one mutation operation.",
      );
    }
    if (operation.selectionSet.selections.length !== 1) {
      return invalid("Invalid mutation: a bulk mutation must call exactly one mutation field.");
    }
    let exists = false;
    try {
      exists = statSync(this.deps.storage.pathOf(stagedUploadPath)).isFile();
    } catch {
      exists = false;
    }
    if (!exists) {
      return {
        operation: null,
        userErrors: [
          {
            field: ["stagedUploadPath"],
            code: "NO_SUCH_FILE",
            message:
              "The JSONL file could not be found. Try uploading the file again, and check that you've entered the URL correctly for the stagedUploadPath mutation argument.",
          },
        ],
      };
    }
    const op = this.create("MUTATION", mutation, false, scopes);
    op.done = pause(this.deps.config().startDelayMs).then(() =>
      this.runMutationFile(op, document, stagedUploadPath),
    );
    return { operation: this.view(op), userErrors: [] };
  }

  get(id: number): BulkOperationView | null {
    const op = this.ops.get(id);
    return op ? this.view(op) : null;
  }

  current(type: BulkOperationType): BulkOperationView | null {
    const ofType = [...this.ops.values()].filter((op) => op.view.type === type);
    const last = ofType.at(-1);
    return last ? this.view(last) : null;
  }

  list(): BulkOperationView[] {
    return [...this.ops.values()].map((op) => this.view(op));
  }

  cancel(id: number): BulkResult {
    const op = this.ops.get(id);
    if (!op)
      return {
        operation: null,
        userErrors: [{ field: ["id"], message: "Bulk operation does not exist", code: null }],
      };
    if (!ACTIVE.has(op.view.status)) {
      return {
        operation: this.view(op),
        userErrors: [
          {
            field: null,
            message: `A bulk operation cannot be canceled when it is ${op.view.status.toLowerCase()}`,
            code: null,
          },
        ],
      };
    }
    op.cancelRequested = true;
    op.view.status = "CANCELING";
    return { operation: this.view(op), userErrors: [] };
  }

  /** Cancels everything still running and waits for it (shutdown). */
  async abortAll(): Promise<void> {
    for (const op of this.ops.values()) if (ACTIVE.has(op.view.status)) op.cancelRequested = true;
    await this.settle().catch(() => undefined);
  }

  /** Resolves when every operation started so far has finished (tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.ops.values()].map((op) => op.done));
  }

  private finish(
    op: OpRecord,
    status: BulkOperationStatus,
    errorCode: BulkOperationErrorCode | null,
  ): void {
    op.view.status = status;
    op.view.errorCode = errorCode;
    op.view.completedAt = this.deps.now();
    this.deps.onFinish(this.view(op));
  }

  private async runExport(op: OpRecord, plan: BulkQueryPlan): Promise<void> {
    if (op.cancelRequested) return this.finish(op, "CANCELED", null);
    op.view.status = "RUNNING";
    if (plan.requiredScopes.some((scope) => !hasScope(op.scopes, scope))) {
      return this.finish(op, "FAILED", "ACCESS_DENIED");
    }
    const config = this.deps.config();
    const fault = this.deps.fault("QUERY");
    const key = `bulk-operation-outputs/${this.deps.shopId}/${op.view.id}-final`;
    op.fileKey = key;
    const out = await this.deps.storage.writer(key);
    const sink = new JsonlSink(
      out,
      op.groupObjects ? null : new Rng(this.deps.seed, 0xb01c, op.view.id),
      config.shuffleWindow,
    );
    const ctx = this.deps.context(op.scopes, false);
    const counts = this.deps.store.counts();
    const expectedRoots = plan.root === "orders" ? counts.orders : counts.customers;
    const failAt = fault.kind === "fail" ? Math.floor(expectedRoots * fault.atFraction) : Infinity;
    const started = performance.now();
    let failed = false;
    try {
      for (const node of rootNodes(plan, ctx)) {
        if (op.cancelRequested) break;
        if (op.view.rootObjectCount >= failAt) {
          failed = true;
          break;
        }
        const lines = linesFor(plan, node, ctx);
        let full = false;
        for (const line of lines) full = sink.push(line) || full;
        if (full) await sink.flush();
        op.view.objectCount += lines.length;
        op.view.rootObjectCount++;
        if (op.view.rootObjectCount % 256 === 0) {
          if (config.rootsPerSecond) {
            const due = (op.view.rootObjectCount / config.rootsPerSecond) * 1000;
            const wait = due - (performance.now() - started);
            if (wait > 0) await pause(wait);
            else await yieldToLoop();
          } else {
            await yieldToLoop();
          }
        }
      }
      await sink.end();
    } catch (error) {
      out.destroy();
      op.partialKey = key;
      op.fileKey = null;
      this.finish(op, "FAILED", "INTERNAL_SERVER_ERROR");
      throw error;
    }
    op.view.fileSize = sink.bytes;
    if (op.cancelRequested) {
      op.fileKey = null;
      return this.finish(op, "CANCELED", null);
    }
    if (failed && fault.kind === "fail") {
      op.partialKey = key;
      op.fileKey = null;
      return this.finish(op, "FAILED", fault.code);
    }
    if (fault.kind === "truncate" && sink.bytes > 2) {
      const path = this.deps.storage.pathOf(key);
      const cut = await midLineCut(path, Math.floor(sink.bytes * 0.7));
      await truncate(path, cut);
      op.view.fileSize = cut;
    }
    this.finish(op, "COMPLETED", null);
  }

  private async runMutationFile(
    op: OpRecord,
    document: DocumentNode,
    stagedKey: string,
  ): Promise<void> {
    if (op.cancelRequested) return this.finish(op, "CANCELED", null);
    op.view.status = "RUNNING";
    const key = `bulk-operation-outputs/${this.deps.shopId}/${op.view.id}-final`;
    op.fileKey = key;
    const out = await this.deps.storage.writer(key);
    const sink = new JsonlSink(out, null, 0);
    const fault = this.deps.fault("MUTATION");
    const path = this.deps.storage.pathOf(stagedKey);
    let totalLines = 0;
    for await (const line of createInterface({
      input: createReadStream(path),
      crlfDelay: Infinity,
    })) {
      if (line.trim() !== "") totalLines++;
    }
    const failAt = fault.kind === "fail" ? Math.floor(totalLines * fault.atFraction) : Infinity;
    const input = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
    let lineNumber = 0;
    let failed = false;
    for await (const raw of input) {
      if (op.cancelRequested) break;
      if (op.view.objectCount >= failAt) {
        failed = true;
        break;
      }
      const current = lineNumber++;
      if (raw.trim() === "") continue;
      let variables: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(raw);
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
          throw new Error("line is not a JSON object");
        variables = parsed as Record<string, unknown>;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (
          sink.push(
            JSON.stringify({
              errors: [{ message: `Invalid JSONL on line ${current + 1}: ${message}` }],
              __lineNumber: current,
            }),
          )
        ) {
          await sink.flush();
        }
        op.view.objectCount++;
        continue;
      }
      const result = await execute({
        schema: this.deps.schema,
        document,
        variableValues: variables,
        contextValue: this.deps.context(op.scopes, true),
        fieldResolver,
        typeResolver,
      });
      const line: Record<string, unknown> = {};
      if (result.errors?.length) line.errors = result.errors.map((e) => e.toJSON());
      if (result.data !== undefined) line.data = result.data;
      line.__lineNumber = current;
      if (sink.push(JSON.stringify(line))) await sink.flush();
      op.view.objectCount++;
      op.view.rootObjectCount++;
      if (current % 100 === 99) await yieldToLoop();
    }
    await sink.end();
    op.view.fileSize = sink.bytes;
    if (op.cancelRequested) return this.finish(op, "CANCELED", null);
    if (failed && fault.kind === "fail") {
      op.partialKey = key;
      op.fileKey = null;
      return this.finish(op, "FAILED", fault.code);
    }
    this.finish(op, "COMPLETED", null);
  }
}
