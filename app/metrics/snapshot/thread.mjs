/**
 * Entry of the compute thread (a worker_threads worker, started by
 * ../snapshot-thread.server.ts): loads ./thread.ts, the TypeScript that runs the pipeline.
 *
 * Plain JavaScript on purpose, like the SQLite writer: Node loads it as it is whatever
 * started the process. A thread does not reliably share its parent's TypeScript loader (under
 * Vitest there is none; `tsx` and `node --import tsx` pass theirs on through execArgv), so the
 * engine is imported through tsx's own scoped loader, which works in every case.
 */
import { tsImport } from "tsx/esm/api";

await tsImport("./thread.ts", import.meta.url);
