/**
 * How every long-running process (workers, `npm start`, the demo) stops: on SIGTERM or
 * SIGINT it runs its own `stop` (no new work, jobs and requests in hand finished or handed
 * back, connections closed), and exits 0 when that is done. Whatever `stop` is waiting on —
 * a Redis or database that went away, a job that takes longer — the process exits anyway
 * once SHUTDOWN_TIMEOUT_MS has passed (status 1, with a line naming what was still under
 * way): platforms send SIGKILL after their own grace period (30 s on most), which would cut
 * a write with no log at all. A job cut off is retried by BullMQ's stalled-job recovery;
 * every job is idempotent. A second signal exits at once.
 * docs/decisions/0036-shutdown-deadline.md.
 */
import { readFileSync } from "node:fs";
import type { Logger } from "./logger.server";

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** What a `stop` knows of the time it has. */
export interface Deadline {
  /** Milliseconds left before the process exits whatever is still under way. */
  remaining(): number;
  /** Names a step in the line printed if the deadline passes while it runs. */
  step<T>(name: string, work: Promise<T> | (() => Promise<T>)): Promise<T>;
}

export interface ShutdownOptions {
  /** "workers", "app server", "demo": named in the log lines. */
  what: string;
  timeoutMs: number;
  log: Pick<Logger, "info" | "warn" | "error">;
  stop(deadline: Deadline): Promise<void>;
  /**
   * Also stop when one of this process's ancestors (parent, grandparent, …) dies: for
   * processes a test or the demo starts, which must not outlive them. Production processes
   * leave their lifetime to their supervisor.
   */
  withParent?: boolean;
  /** Defaults to process.exit; tests of this module pass their own. */
  exit?: (code: number) => void;
}

/** Resolves with `work`'s value, or with `fallback` after `ms` (the work goes on unawaited). */
export async function within<T, F>(ms: number, work: Promise<T>, fallback: F): Promise<T | F> {
  if (!Number.isFinite(ms)) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), Math.max(0, ms));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Handles SIGTERM and SIGINT (and, with `withParent`, the parent's death) with `stop`. */
export function installShutdown(options: ShutdownOptions): { shutdown(reason: string): void } {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const log = options.log;
  let started: number | undefined;
  const pending = new Set<string>();

  const deadline: Deadline = {
    remaining: () =>
      started === undefined ? options.timeoutMs : started + options.timeoutMs - Date.now(),
    async step(name, work) {
      pending.add(name);
      try {
        return await (typeof work === "function" ? work() : work);
      } finally {
        pending.delete(name);
      }
    },
  };

  const shutdown = (reason: string) => {
    if (started !== undefined) {
      log.warn({ reason }, `${options.what}: second signal, exiting now`);
      exit(1);
      return;
    }
    started = Date.now();
    log.info(
      { reason, deadlineMs: options.timeoutMs },
      `${options.what}: stopping (exits within ${options.timeoutMs} ms, SHUTDOWN_TIMEOUT_MS)`,
    );
    const hard = setTimeout(() => {
      log.error(
        { reason, deadlineMs: options.timeoutMs, pending: [...pending] },
        `${options.what}: shutdown deadline passed, exiting with ${[...pending].join(", ") || "work"} unfinished`,
      );
      exit(1);
    }, options.timeoutMs);
    options.stop(deadline).then(
      () => {
        clearTimeout(hard);
        log.info({ reason, ms: Date.now() - started! }, `${options.what}: stopped`);
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(hard);
        log.error({ reason, err: String(error) }, `${options.what}: stopped with an error`);
        exit(1);
      },
    );
  };

  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => shutdown(signal));
  if (options.withParent) {
    // The whole chain, not only the parent: `npm run demo` is npm → sh → tsx → node, and
    // npm's SIGTERM reaches sh alone, which dies and leaves tsx (this process's parent) alive.
    const ancestors = ancestry();
    const watch = setInterval(() => {
      const gone = ancestors.find((pid) => !running(pid));
      if (gone !== undefined) {
        clearInterval(watch);
        shutdown(`parent process ${gone} exited`);
      }
    }, 500);
    watch.unref();
  }
  return { shutdown };
}

/** A process's parent pid (Linux /proc), or undefined. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** This process's ancestors, parent first, up to (not including) PID 1. */
function ancestry(): number[] {
  const chain = [process.ppid];
  for (let pid = parentOf(process.ppid); pid !== undefined && pid > 1 && chain.length < 32;) {
    chain.push(pid);
    pid = parentOf(pid);
  }
  return chain.filter((pid) => pid > 1);
}

/** Whether a process runs (a zombie does not: its exit may wait long for PID 1 to reap it). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EPERM"; // someone else's, but there
    }
  }
}

/**
 * Whether this process was started by a test or the demo and must stop with its parent:
 * they set KIZUNA_EXIT_WITH_PARENT=1 in the environment of what they start.
 */
export function startedByHarness(): boolean {
  return process.env.KIZUNA_EXIT_WITH_PARENT === "1";
}
