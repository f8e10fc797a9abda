/**
 * Entry of the CLV thread (a worker_threads worker, started by ../snapshot-thread.server.ts):
 * loads ./clv-thread.ts through tsx's scoped loader, as ./thread.mjs does for the compute
 * thread (plain JavaScript so that Node loads it whatever started the process).
 */
import { tsImport } from "tsx/esm/api";

await tsImport("./clv-thread.ts", import.meta.url);
