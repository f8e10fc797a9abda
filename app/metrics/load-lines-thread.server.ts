/**
 * The SQLite load's line items, read on a second connection in a worker thread
 * (./load-lines-thread.mjs) while the main connection reads customers, orders and first
 * touches: the machine's second core, idle during the load before, takes the line table's
 * read (decision 0075-parallel-line-load).
 *
 * **One snapshot for both connections, without a lock.** A third connection reads
 * `PRAGMA data_version` before the main connection takes its snapshot (begins and reads) and
 * again once the thread has taken its own. SQLite changes that value for a connection
 * exactly when another connection has committed in between (sqlite.org/pragma.html,
 * data_version): equal values mean nothing committed between the two snapshots, so they are
 * of the same state. When they differ, the load ends the thread and reads the lines itself,
 * in the main snapshot, as it does without the thread. Nothing waits on a lock: a first
 * version held SQLite's write lock (`BEGIN IMMEDIATE`) across the await for the thread, and
 * a Prisma transaction of the same process (which also begins with `BEGIN IMMEDIATE`, on
 * the same event loop) could then freeze the process for the busy timeout
 * (decision 0075-parallel-line-load, "Reverted").
 *
 * The thread hands its lines over in blocks of typed columns, transferred, not copied; they
 * wait here until the main thread has its orders, which then keeps the lines of the orders it
 * collects (LineCollector.addLines) and drops each block once walked. The thread always ends
 * with the load (`close`), also when the load fails.
 */
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import DatabaseConstructor from "better-sqlite3";
import type { LineBlock } from "./load-columns";

/** Lines per block, handed over as each fills: 40 MB (see ./load-lines-thread.mjs). */
export const BLOCK_ROWS = 1 << 20;

/** All the lines the thread read, or `wide` when an id above 2^53 stopped it. */
export type ThreadLines =
  | { readonly wide: true }
  | {
      readonly wide: false;
      /** The blocks in reading order; the reader drops (nulls) each once walked. */
      readonly blocks: (LineBlock | null)[];
      /** Ids by code of the thread's product and variant dictionaries. */
      readonly products: Float64Array;
      readonly variants: Float64Array;
      /** Whether the lines came in ascending order id (the index's order). */
      readonly sorted: boolean;
    };

export interface LineThread {
  /**
   * Takes the thread's snapshot: its read transaction begins and reads, and the thread goes
   * on reading its lines. The main connection must have taken its own (`sameSnapshot`).
   */
  begin(): Promise<void>;
  /** The thread's lines, once all are read. */
  lines(): Promise<ThreadLines>;
  /** Ends the thread (whatever it is doing); resolves once it has exited. */
  close(): Promise<void>;
}

type Reply =
  | { ready: true }
  | { begun: true }
  | { block: LineBlock }
  | { done: { products: Float64Array; variants: Float64Array; sorted: boolean } }
  | { wide: true }
  | { error: { name: string; message: string } };

/** Threads started and not yet exited (tests check that a failed load leaves none). */
let live = 0;
export const liveLineThreads = (): number => live;

/**
 * Settings tests change: lines per block (small ones cross block boundaries), and a step run
 * between the main connection's snapshot and the thread's.
 */
export const lineThreadSettings: {
  blockRows: number;
  betweenSnapshots: (() => Promise<void>) | null;
} = { blockRows: BLOCK_ROWS, betweenSnapshots: null };

/** Loads whose snapshots differed, so that the lines were read sequentially (for tests). */
let fallbacks = 0;
export const lineThreadFallbacks = (): number => fallbacks;

/**
 * Starts the thread on `file` for the shop's lines; resolves once its connection is open and
 * its statements prepared (rejects, the thread ended, if they fail).
 */
export async function startLineThread(
  file: string,
  shopId: number,
  blockRows = lineThreadSettings.blockRows,
): Promise<LineThread> {
  const worker = new Worker(new URL("./load-lines-thread.mjs", import.meta.url), {
    workerData: { file, shopId, blockRows },
    // Plain JavaScript: no TypeScript loader (`tsx` passes its own on through execArgv, and
    // starting it made the thread ~0.1 s slower to be ready and its answers slower).
    execArgv: [],
  });
  live++;
  const exited = new Promise<void>((resolve) =>
    worker.once("exit", () => {
      live--;
      resolve();
    }),
  );
  const blocks: (LineBlock | null)[] = [];
  // The thread's three answers, in order; a failure rejects those not yet given.
  const ready = Promise.withResolvers<void>();
  const begun = Promise.withResolvers<void>();
  const lines = Promise.withResolvers<ThreadLines>();
  // Each is awaited only if the load gets that far (the lines once the main thread has its
  // orders): a failure before is not an unhandled rejection.
  for (const d of [ready, begun, lines]) d.promise.catch(() => {});
  const fail = (error: Error): void => {
    for (const d of [ready, begun, lines]) d.reject(error);
  };
  worker.on("message", (reply: Reply) => {
    if ("block" in reply) blocks.push(reply.block);
    else if ("done" in reply) lines.resolve({ wide: false, blocks, ...reply.done });
    else if ("wide" in reply) lines.resolve({ wide: true });
    else if ("error" in reply) {
      fail(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
    } else if ("ready" in reply) ready.resolve();
    else begun.resolve();
  });
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`the line-reading thread exited (code ${code})`)));
  const close = async (): Promise<void> => {
    await worker.terminate();
    await exited;
  };
  try {
    await ready.promise;
  } catch (error) {
    await close();
    throw error;
  }
  return {
    async begin() {
      worker.postMessage({ begin: true });
      await begun.promise;
    },
    lines: () => lines.promise,
    close,
  };
}

/**
 * Begins `main`'s read transaction (its snapshot taken by `probe`), then the thread's, and
 * tells whether both are of the same state: no other connection committed between them. On
 * failure `main`'s transaction is ended. Takes no lock.
 */
export async function sameSnapshot(
  file: string,
  main: Database.Database,
  probe: () => void,
  thread: LineThread,
): Promise<boolean> {
  const check = new DatabaseConstructor(file, { readonly: true, timeout: 10_000 });
  try {
    const version = (): unknown => check.pragma("data_version", { simple: true });
    const before = version();
    main.exec("BEGIN");
    try {
      probe();
      await lineThreadSettings.betweenSnapshots?.();
      await thread.begin();
    } catch (error) {
      main.exec("ROLLBACK");
      throw error;
    }
    const same = version() === before;
    if (!same) fallbacks++;
    return same;
  } finally {
    check.close();
  }
}
