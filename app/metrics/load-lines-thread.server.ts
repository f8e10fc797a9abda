/**
 * The SQLite load's line items, read on a second connection in a worker thread
 * (./load-lines-thread.mjs) while the main connection reads customers, orders and first
 * touches: the machine's second core, idle during the load before, takes the line table's
 * read (decision 0075-parallel-line-load).
 *
 * **One snapshot for both connections.** A third, read-write connection runs
 * `BEGIN IMMEDIATE`, which takes the database's write lock: no writer can commit while it is
 * held. The main connection then begins its read transaction and reads (its snapshot is
 * taken), the thread's connection does the same, and the third connection rolls back. Both
 * snapshots are of the same state: nothing could commit between them. Writers (webhook
 * intake, other processes, their busy timeout) wait only for those few milliseconds: the
 * thread is started, its connection opened and its statements prepared before the lock is
 * taken. (In rollback-journal mode the two read transactions' shared locks keep writers out
 * for the whole load anyway.)
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
   * Takes the thread's snapshot: its read transaction begins and reads. The main connection
   * must have taken its own, with the write lock held (`sameSnapshot`).
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
 * while the write lock is held, after the main connection's snapshot.
 */
export const lineThreadSettings: {
  blockRows: number;
  whileLocked: (() => Promise<void>) | null;
} = { blockRows: BLOCK_ROWS, whileLocked: null };

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
 * Begins `main`'s read transaction and the thread's in the same snapshot: with the write
 * lock held by a third connection (`BEGIN IMMEDIATE`), `main` reads first, then the thread;
 * the lock is released at once. On failure `main`'s transaction is ended.
 */
export async function sameSnapshot(
  file: string,
  main: Database.Database,
  probe: () => void,
  thread: LineThread,
): Promise<void> {
  const lock = new DatabaseConstructor(file, { timeout: 10_000 });
  try {
    lock.exec("BEGIN IMMEDIATE");
    try {
      main.exec("BEGIN");
      try {
        probe();
        await lineThreadSettings.whileLocked?.();
        await thread.begin();
      } catch (error) {
        main.exec("ROLLBACK");
        throw error;
      }
    } finally {
      lock.exec("ROLLBACK");
    }
  } finally {
    lock.close();
  }
}
